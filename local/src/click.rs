//! `emrbot-local send … --click N`: what Slack does when someone clicks a
//! button of a reply. The buttons of a message are listed in order (the
//! numbers `send` prints); a click POSTs the signed `block_actions` payload
//! Slack would send, with a fresh local `response_url`, and catches what the
//! ingress and the worker post back to it.

use crate::send::{post_signed, reply_kind, Catcher, Post, SendOptions};
use emrbot_shared::slack::ReplyKind;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    pub label: String,
    pub action_id: String,
    pub block_id: Option<String>,
    pub value: String,
}

/// The buttons of a Block Kit message, in order: those of `actions` blocks
/// and those beside a section's text.
pub fn buttons(message: &Value) -> Vec<Button> {
    let blocks = message["blocks"].as_array().cloned().unwrap_or_default();
    let mut out = Vec::new();
    for block in &blocks {
        let block_id = block["block_id"].as_str().map(str::to_string);
        let elements = match block["type"].as_str() {
            Some("actions") => block["elements"].as_array().cloned().unwrap_or_default(),
            Some("section") => vec![block["accessory"].clone()],
            _ => Vec::new(),
        };
        for e in elements.iter().filter(|e| e["type"] == "button") {
            out.push(Button {
                label: e["text"]["text"].as_str().unwrap_or("?").to_string(),
                action_id: e["action_id"].as_str().unwrap_or_default().to_string(),
                block_id: block_id.clone(),
                value: e["value"].as_str().unwrap_or_default().to_string(),
            });
        }
    }
    out
}

/// The `block_actions` payload Slack sends when `user` clicks `button` of
/// `message` in `channel`, its answers going to `response_url`.
pub fn block_actions(
    user: &str,
    channel: &str,
    response_url: &str,
    message: &Value,
    button: &Button,
) -> Value {
    json!({
        "type": "block_actions",
        "user": {"id": user, "username": "local-user", "team_id": "T0LOCAL"},
        "team": {"id": "T0LOCAL"},
        "channel": {"id": channel},
        "container": {"type": "message", "channel_id": channel, "message_ts": "1700000000.000001"},
        "trigger_id": format!("{}.local", uuid::Uuid::new_v4().simple()),
        "response_url": response_url,
        "message": message,
        "actions": [{
            "type": "button",
            "action_id": button.action_id,
            "block_id": button.block_id,
            "value": button.value,
            "action_ts": format!("{}.000000", chrono::Utc::now().timestamp()),
        }],
    })
}

/// What a click brought back: every message posted to its response_url
/// until the answer (the "in progress" update, then the answer).
pub struct Clicked {
    pub status: u16,
    pub posted: Vec<Post>,
    pub latency: Duration,
}

/// Clicks `button` of `message` as `options.user` in `options.channel`.
pub async fn click(
    options: &SendOptions,
    message: &Value,
    button: &Button,
) -> Result<Clicked, String> {
    let mut catcher = Catcher::start().await?;
    let payload = block_actions(
        &options.user,
        &options.channel,
        &catcher.url,
        message,
        button,
    );
    let body = serde_urlencoded::to_string([("payload", payload.to_string())])
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let response = post_signed(options, "/slack/interactions", body).await?;
    let status = response.status().as_u16();
    // The ingress's "in progress" update comes first (marked so); the
    // worker's answer replaces it. Nothing is waited for past the answer,
    // nor at all when emrbot ignored the click.
    let posted = if reply_kind(response.headers()) == Some(ReplyKind::Complete) {
        Vec::new()
    } else {
        catcher.until_answered(options.wait).await
    };
    Ok(Clicked {
        status,
        posted,
        latency: started.elapsed(),
    })
}
