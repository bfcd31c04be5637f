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
