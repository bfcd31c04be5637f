//! The form Slack POSTs for a slash command.

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct SlashCommand {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub user_id: String,
    #[serde(default)]
    pub user_name: Option<String>,
    pub channel_id: String,
    #[serde(default)]
    pub team_id: Option<String>,
    pub response_url: String,
    #[serde(default)]
    pub trigger_id: Option<String>,
}

/// Slack escapes `&`, `<` and `>` in the text it sends; undo it so what is
/// parsed (and later shown, escaped again) is what the user typed.
pub fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl SlashCommand {
    /// From the decoded form pairs; names the first required field missing.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<SlashCommand, String> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let required = |name: &'static str| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(format!("missing field `{name}`"))
        };
        Ok(SlashCommand {
            command: get("command").unwrap_or_default(),
            text: get("text").unwrap_or_default(),
            user_id: required("user_id")?,
            user_name: get("user_name"),
            channel_id: required("channel_id")?,
            team_id: get("team_id"),
            response_url: required("response_url")?,
            trigger_id: get("trigger_id"),
        })
    }
}
