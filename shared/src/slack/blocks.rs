//! Block Kit messages that Slack accepts: at most 50 blocks, 3000 characters per
//! text, button values ≤ 2000 characters, action ids ≤ 255, and a plain `text`
//! fallback on every message.

use serde::Serialize;
use serde_json::{json, Value};

pub const MAX_BLOCKS: usize = 50;
pub const MAX_TEXT: usize = 3000;
pub const MAX_BUTTON_VALUE: usize = 2000;
pub const MAX_ACTION_ID: usize = 255;

/// A message as Slack's `response_url`, `chat.postMessage` and the ingress
/// acknowledgement all take it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlackMessage {
    pub text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blocks: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_type: Option<ResponseType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace_original: Option<bool>,
    /// An update that a later message replaces (a click's "in progress"):
    /// not part of the message, told in the post's `x-emrbot-reply` header.
    #[serde(skip)]
    pub progress: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseType {
    /// Only the user who typed the command sees it.
    Ephemeral,
    /// Everyone in the channel sees it.
    InChannel,
}

impl SlackMessage {
    /// A message of blocks with its plain-text fallback, escaped here (a
    /// cluster named `<!channel>` must not ping anyone from a notification);
    /// enforces Slack's limits.
    pub fn new(text: impl Into<String>, blocks: Vec<Value>) -> Self {
        Self::new_mrkdwn(escape(&text.into()), blocks)
    }

    /// Like [`SlackMessage::new`], with a fallback already in Slack's markup
    /// (user content escaped, mentions meant).
    pub fn new_mrkdwn(text: impl Into<String>, mut blocks: Vec<Value>) -> Self {
        if blocks.len() > MAX_BLOCKS {
            let dropped = blocks.len() - (MAX_BLOCKS - 1);
            blocks.truncate(MAX_BLOCKS - 1);
            blocks.push(context(&format!(
                "…and {dropped} more not shown (Slack shows at most {MAX_BLOCKS} blocks)."
            )));
        }
        Self {
            text: clip(&text.into(), MAX_TEXT),
            blocks,
            response_type: None,
            replace_original: None,
            progress: false,
        }
    }

    /// Just mrkdwn (user content already escaped), shown as one section.
    pub fn plain(text: impl Into<String>) -> Self {
        let text = text.into();
        Self::new_mrkdwn(text.clone(), vec![section(&text)])
    }

    pub fn ephemeral(mut self) -> Self {
        self.response_type = Some(ResponseType::Ephemeral);
        self
    }

    pub fn in_channel(mut self) -> Self {
        self.response_type = Some(ResponseType::InChannel);
        self
    }

    pub fn replacing_original(mut self, replace: bool) -> Self {
        self.replace_original = Some(replace);
        self
    }

    /// Marks an update that a later message replaces.
    pub fn as_progress(mut self) -> Self {
        self.progress = true;
        self
    }

    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).expect("a SlackMessage always serializes")
    }
}

/// Cuts `text` to at most `max` characters, marking the cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Escapes the three characters Slack's mrkdwn treats as control.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn section(mrkdwn: &str) -> Value {
    json!({"type": "section", "text": {"type": "mrkdwn", "text": clip(mrkdwn, MAX_TEXT)}})
}

pub fn section_fields(fields: &[String]) -> Value {
    // Slack allows 10 fields of 2000 characters each.
    let fields: Vec<Value> = fields
        .iter()
        .take(10)
        .map(|f| json!({"type": "mrkdwn", "text": clip(f, 2000)}))
        .collect();
    json!({"type": "section", "fields": fields})
}

pub fn header(text: &str) -> Value {
    json!({"type": "header", "text": {"type": "plain_text", "text": clip(text, 150)}})
}

pub fn context(mrkdwn: &str) -> Value {
    json!({"type": "context", "elements": [{"type": "mrkdwn", "text": clip(mrkdwn, MAX_TEXT)}]})
}

/// Lines as sections of at most [`SECTION_LINES_CHARS`] each, a line never
/// split: long lists stay within Slack's 3,000 characters per text.
pub fn sections(lines: impl IntoIterator<Item = String>) -> Vec<Value> {
    let mut out = Vec::new();
    let mut chunk = String::new();
    for line in lines {
        if !chunk.is_empty() && chunk.len() + line.len() + 1 > SECTION_LINES_CHARS {
            out.push(section(&chunk));
            chunk.clear();
        }
        if !chunk.is_empty() {
            chunk.push('\n');
        }
        chunk.push_str(&line);
    }
    if !chunk.is_empty() {
        out.push(section(&chunk));
    }
    out
}

/// Room kept in a section built by [`sections`].
pub const SECTION_LINES_CHARS: usize = 2800;

pub fn divider() -> Value {
    json!({"type": "divider"})
}

/// A button. `value` carries what the click needs (kept ≤ 2000 characters by
/// the caller's design: a command, never a payload).
#[derive(Debug, Clone)]
pub struct Button {
    pub text: String,
    pub action_id: String,
    pub value: String,
    pub style: Option<&'static str>,
    pub confirm: Option<Confirm>,
}

#[derive(Debug, Clone)]
pub struct Confirm {
    pub title: String,
    pub text: String,
    pub confirm: String,
    pub deny: String,
}

impl Button {
    pub fn new(text: &str, action_id: &str, value: &str) -> Self {
        Self {
            text: text.into(),
            action_id: action_id.into(),
            value: value.into(),
            style: None,
            confirm: None,
        }
    }

    pub fn primary(mut self) -> Self {
        self.style = Some("primary");
        self
    }

    pub fn danger(mut self) -> Self {
        self.style = Some("danger");
        self
    }

    pub fn confirm(mut self, title: &str, text: &str, confirm: &str) -> Self {
        self.confirm = Some(Confirm {
            title: title.into(),
            text: text.into(),
            confirm: confirm.into(),
            deny: "Cancel".into(),
        });
        self
    }

    fn to_json(&self) -> Value {
        let mut b = json!({
            "type": "button",
            "text": {"type": "plain_text", "text": clip(&self.text, 75)},
            "action_id": clip(&self.action_id, MAX_ACTION_ID),
            "value": clip(&self.value, MAX_BUTTON_VALUE),
        });
        if let Some(style) = self.style {
            b["style"] = json!(style);
        }
        if let Some(c) = &self.confirm {
            b["confirm"] = json!({
                "title": {"type": "plain_text", "text": clip(&c.title, 100)},
                "text": {"type": "mrkdwn", "text": clip(&c.text, 300)},
                "confirm": {"type": "plain_text", "text": clip(&c.confirm, 30)},
                "deny": {"type": "plain_text", "text": clip(&c.deny, 30)},
            });
        }
        b
    }
}

/// A row of buttons (Slack allows 25 elements per actions block).
pub fn actions(block_id: &str, buttons: &[Button]) -> Value {
    let elements: Vec<Value> = buttons.iter().take(25).map(Button::to_json).collect();
    json!({"type": "actions", "block_id": clip(block_id, 255), "elements": elements})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_slack_limits() {
        let blocks: Vec<Value> = (0..80).map(|i| section(&format!("b{i}"))).collect();
        let m = SlackMessage::new("x".repeat(5000), blocks);
        assert_eq!(m.blocks.len(), MAX_BLOCKS);
        assert_eq!(m.text.chars().count(), MAX_TEXT);
        assert!(m.blocks[49]["elements"][0]["text"]
            .as_str()
            .unwrap()
            .contains("31 more"));
        let long = section(&"y".repeat(4000));
        assert_eq!(
            long["text"]["text"].as_str().unwrap().chars().count(),
            MAX_TEXT
        );
    }

    #[test]
    fn a_fallback_never_pings() {
        let m = SlackMessage::new("<!channel> & co", vec![]);
        assert_eq!(m.text, "&lt;!channel&gt; &amp; co");
    }

    #[test]
    fn buttons_are_block_kit() {
        let a = actions(
            "c",
            &[Button::new("Terminate", "terminate", "j-1")
                .danger()
                .confirm("Sure?", "Really", "Yes")],
        );
        assert_eq!(a["elements"][0]["style"], "danger");
        assert_eq!(a["elements"][0]["confirm"]["confirm"]["text"], "Yes");
        assert_eq!(escape("<a&b>"), "&lt;a&amp;b&gt;");
    }
}
