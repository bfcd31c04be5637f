//! Shows a Slack Block Kit message as terminal text, for `emrbot-local send`.

use serde_json::Value;

pub fn to_text(message: &Value) -> String {
    let Some(blocks) = message.get("blocks").and_then(Value::as_array) else {
        return message
            .get("text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
    };
    let mut lines = Vec::new();
    for block in blocks {
        match block.get("type").and_then(Value::as_str) {
            Some("header") => lines.push(format!("== {} ==", text_of(&block["text"]))),
            Some("divider") => lines.push("-".repeat(40)),
            Some("section") => {
                if block.get("text").is_some() {
                    lines.push(text_of(&block["text"]));
                }
                for field in block
                    .get("fields")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    lines.push(text_of(field).replace('\n', ": "));
                }
            }
            Some("context") => {
                let parts: Vec<String> = block["elements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(text_of)
                    .collect();
                lines.push(parts.join(" "));
            }
            Some("actions") => {
                let buttons: Vec<String> = block["elements"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| format!("[{}]", text_of(&b["text"])))
                    .collect();
                lines.push(buttons.join(" "));
            }
            _ => {}
        }
    }
    lines.join("\n")
}

/// What `update` (which replaces `original` in place) changed: its blocks
/// that `original` does not have; the whole update when it has no blocks or
/// changes none.
pub fn changes(original: &Value, update: &Value) -> Value {
    let (Some(before), Some(after)) = (
        original.get("blocks").and_then(Value::as_array),
        update.get("blocks").and_then(Value::as_array),
    ) else {
        return update.clone();
    };
    let new: Vec<Value> = after
        .iter()
        .filter(|b| !before.contains(b))
        .cloned()
        .collect();
    if new.is_empty() {
        return update.clone();
    }
    let mut changed = update.clone();
    changed["blocks"] = Value::Array(new);
    changed
}

fn text_of(value: &Value) -> String {
    value
        .get("text")
        .and_then(Value::as_str)
        .or_else(|| value.as_str())
        .unwrap_or("")
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders_sections_and_buttons() {
        let m = serde_json::json!({"text": "x", "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "EMR clusters (1)"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "*adhoc* `j-1`"}},
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Lock"}}]}
        ]});
        assert_eq!(
            super::to_text(&m),
            "== EMR clusters (1) ==\n*adhoc* `j-1`\n[Lock]"
        );
    }

    #[test]
    fn an_update_in_place_shows_only_what_it_changed() {
        let question = serde_json::json!({"type": "section", "text": {"type": "mrkdwn", "text": "Terminate *a*?"}});
        let original =
            serde_json::json!({"blocks": [question, {"type": "actions", "elements": []}]});
        let progress = serde_json::json!({"type": "context", "elements": [{"type": "mrkdwn", "text": ":hourglass: Terminating"}]});
        let update = serde_json::json!({"replace_original": true, "blocks": [question, progress]});
        assert_eq!(
            super::to_text(&super::changes(&original, &update)),
            ":hourglass: Terminating"
        );
        // An update that changes nothing is shown whole.
        assert_eq!(super::changes(&original, &original), original);
    }
}
