//! Slack interactivity: the form `payload=<json>` Slack POSTs to the
//! interactivity Request URL. Only what emrbot uses is read; everything else in
//! the (large, evolving) payload is ignored.

use serde::Deserialize;
use serde_json::Value;

/// The prefix of every action id emrbot puts on its buttons and menus.
pub const ACTION_PREFIX: &str = "emrbot:";

#[derive(Debug, Clone, Deserialize)]
pub struct Payload {
    /// `block_actions`, `view_submission`, `shortcut`, `message_action`, ...
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub team: Option<Team>,
    #[serde(default)]
    pub channel: Option<Channel>,
    #[serde(default)]
    pub container: Option<Container>,
    #[serde(default)]
    pub trigger_id: Option<String>,
    #[serde(default)]
    pub response_url: Option<String>,
    /// The message the click came from (absent for ephemeral messages).
    #[serde(default)]
    pub message: Option<Value>,
    #[serde(default)]
    pub actions: Vec<ActionPayload>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub team_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Team {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Channel {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Container {
    #[serde(default)]
    pub channel_id: Option<String>,
    #[serde(default)]
    pub message_ts: Option<String>,
    #[serde(default)]
    pub is_ephemeral: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ActionPayload {
    #[serde(default)]
    pub action_id: String,
    #[serde(default)]
    pub block_id: Option<String>,
    /// Buttons.
    #[serde(default)]
    pub value: Option<String>,
    /// Overflow menus and static selects.
    #[serde(default)]
    pub selected_option: Option<SelectedOption>,
    #[serde(default)]
    pub action_ts: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SelectedOption {
    #[serde(default)]
    pub value: Option<String>,
}

impl ActionPayload {
    /// The command text the element carries: a button's `value`, or the chosen
    /// option's `value` for an overflow menu or a select.
    pub fn command_text(&self) -> Option<&str> {
        self.value.as_deref().or_else(|| {
            self.selected_option
                .as_ref()
                .and_then(|o| o.value.as_deref())
        })
    }

    /// `lock` for `emrbot:lock`; `None` for other ids.
    pub fn emrbot_action(&self) -> Option<&str> {
        self.action_id.strip_prefix(ACTION_PREFIX)
    }
}

impl Payload {
    /// The first action that is one of emrbot's (Slack sends one per click).
    pub fn emrbot_action(&self) -> Option<&ActionPayload> {
        self.actions.iter().find(|a| a.emrbot_action().is_some())
    }

    pub fn channel_id(&self) -> Option<&str> {
        self.channel
            .as_ref()
            .map(|c| c.id.as_str())
            .or_else(|| self.container.as_ref()?.channel_id.as_deref())
    }

    pub fn team_id(&self) -> Option<&str> {
        self.team
            .as_ref()
            .map(|t| t.id.as_str())
            .or_else(|| self.user.as_ref()?.team_id.as_deref())
    }
}
