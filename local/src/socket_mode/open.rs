//! `apps.connections.open`: trades the app-level token for the URL of a
//! fresh WebSocket (single use, so every reconnection asks again).

use emrbot_domain::Secret;
use serde::Deserialize;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum SocketModeError {
    /// Trying again cannot help: the token is wrong or lacks the scope.
    #[error(
        "Slack refused the app-level token ({0}): create one with the `connections:write` \
         scope (your app's Basic Information page, App-Level Tokens) and export it as SLACK_APP_TOKEN"
    )]
    TokenRefused(String),
    #[error("apps.connections.open failed: {0}")]
    Open(String),
    #[error("cannot connect to the Socket Mode WebSocket: {0}")]
    Connect(String),
    #[error("no Socket Mode connection within {0:?}: the warnings above say why")]
    NotReady(Duration),
}

impl SocketModeError {
    pub fn is_retryable(&self) -> bool {
        !matches!(self, SocketModeError::TokenRefused(_))
    }
}

/// Errors of `apps.connections.open` that no retry mends.
const TOKEN_ERRORS: &[&str] = &[
    "invalid_auth",
    "not_authed",
    "not_allowed_token_type",
    "account_inactive",
    "token_revoked",
    "token_expired",
    "missing_scope",
];

#[derive(Deserialize)]
struct Opened {
    ok: bool,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The WebSocket URL for a new connection. The URL carries a ticket: it is
/// never logged.
pub async fn open(
    http: &reqwest::Client,
    api_base: &str,
    app_token: &Secret<String>,
) -> Result<String, SocketModeError> {
    let response = http
        .post(format!(
            "{}/apps.connections.open",
            api_base.trim_end_matches('/')
        ))
        .bearer_auth(app_token.expose())
        .header("content-type", "application/x-www-form-urlencoded")
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| SocketModeError::Open(chain(&e.without_url())))?;
    let status = response.status();
    if !status.is_success() {
        return Err(SocketModeError::Open(format!("HTTP {status}")));
    }
    let opened: Opened = response.json().await.map_err(|e| {
        SocketModeError::Open(format!("unreadable answer: {}", chain(&e.without_url())))
    })?;
    match (opened.ok, opened.url, opened.error) {
        (true, Some(url), _) if url.starts_with("wss://") || url.starts_with("ws://") => Ok(url),
        (true, _, _) => Err(SocketModeError::Open(
            "no WebSocket URL in the answer".into(),
        )),
        (false, _, Some(error)) if TOKEN_ERRORS.contains(&error.as_str()) => {
            Err(SocketModeError::TokenRefused(error))
        }
        (false, _, error) => Err(SocketModeError::Open(
            error
                .unwrap_or_else(|| "unknown error".into())
                .chars()
                .take(80)
                .collect(),
        )),
    }
}

/// An error with its causes ("error sending request" alone says little).
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}
