//! Short updates the ingress itself sends to a `response_url`: the "in
//! progress" state of a clicked message, and errors about a click (Slack ignores
//! the HTTP body of a `block_actions` acknowledgement, so that is the only way
//! to tell the user).
//!
//! One attempt with a short timeout: the acknowledgement must stay well inside
//! Slack's 3 seconds, and a lost progress update is cosmetic (the worker's
//! answer replaces the message anyway).

use async_trait::async_trait;
use emrbot_shared::slack::reply_kind::{self, ReplyKind};
pub use emrbot_shared::slack::urls::ResponseUrlPolicy;
use emrbot_shared::slack::SlackMessage;
use std::sync::OnceLock;
use std::time::Duration;

#[async_trait]
pub trait Responder: Send + Sync {
    /// Posts `message` to `response_url`; failures are logged, never returned.
    async fn respond(&self, response_url: &str, message: &SlackMessage);
}

/// Posts over HTTPS with reqwest; the client is built on first use so a cold
/// start that only serves slash commands never pays for TLS setup.
pub struct HttpResponder {
    client: OnceLock<reqwest::Client>,
    timeout: Duration,
}

impl HttpResponder {
    pub fn new(timeout: Duration) -> Self {
        Self {
            client: OnceLock::new(),
            timeout,
        }
    }
}

impl Default for HttpResponder {
    fn default() -> Self {
        Self::new(Duration::from_millis(1500))
    }
}

#[async_trait]
impl Responder for HttpResponder {
    async fn respond(&self, response_url: &str, message: &SlackMessage) {
        let client = self
            .client
            .get_or_init(emrbot_shared::slack::urls::http_client);
        let result = client
            .post(response_url)
            .header(reply_kind::HEADER, ReplyKind::of_post(message).as_str())
            .json(&message.to_json())
            .timeout(self.timeout)
            .send()
            .await;
        match result {
            Ok(response) if response.status().is_success() => {}
            // Never log the URL: its path is a bearer credential for 30 minutes.
            Ok(response) => tracing::warn!(
                status = response.status().as_u16(),
                "response_url update refused"
            ),
            Err(error) => {
                tracing::warn!(error = %error.without_url(), "response_url update failed")
            }
        }
    }
}

/// Sends nothing: benchmarks, and callers that do not want the updates.
pub struct NoResponder;

#[async_trait]
impl Responder for NoResponder {
    async fn respond(&self, _response_url: &str, _message: &SlackMessage) {}
}
