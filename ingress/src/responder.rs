//! Short updates the ingress itself sends to a `response_url`: the "in
//! progress" state of a clicked message, and errors about a click (Slack ignores
//! the HTTP body of a `block_actions` acknowledgement, so that is the only way
//! to tell the user).
//!
//! One attempt with a short timeout: the acknowledgement must stay well inside
//! Slack's 3 seconds, and a lost progress update is cosmetic (the worker's
//! answer replaces the message anyway).

use async_trait::async_trait;
use emrbot_shared::slack::SlackMessage;
use std::sync::OnceLock;
use std::time::Duration;

#[async_trait]
pub trait Responder: Send + Sync {
    /// Posts `message` to `response_url`; failures are logged, never returned.
    async fn respond(&self, response_url: &str, message: &SlackMessage);
}

/// Which `response_url`s the ingress accepts (for itself and for the worker).
#[derive(Debug, Clone, Copy)]
pub struct ResponseUrlPolicy {
    /// `http://127.0.0.1`, `localhost` and `[::1]`: emrbot-local and tests.
    /// Off on Lambda, where the Runtime API itself listens on loopback.
    pub allow_loopback: bool,
}

impl ResponseUrlPolicy {
    pub fn allows(&self, url: &str) -> bool {
        if url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return false;
        }
        const SLACK: [&str; 2] = ["https://hooks.slack.com/", "https://hooks.slack-gov.com/"];
        if SLACK.iter().any(|prefix| url.starts_with(prefix)) {
            return true;
        }
        if !self.allow_loopback {
            return false;
        }
        let Some(rest) = url.strip_prefix("http://") else {
            return false;
        };
        let host = if rest.starts_with("[::1]") {
            "[::1]"
        } else {
            rest.split(['/', ':', '?', '#']).next().unwrap_or_default()
        };
        matches!(host, "127.0.0.1" | "localhost" | "[::1]")
    }
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
        let client = self.client.get_or_init(reqwest::Client::new);
        let result = client
            .post(response_url)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slack_and_local_urls() {
        let lambda = ResponseUrlPolicy {
            allow_loopback: false,
        };
        let local = ResponseUrlPolicy {
            allow_loopback: true,
        };
        assert!(lambda.allows("https://hooks.slack.com/actions/T1/2/abc"));
        assert!(!lambda.allows("http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"));
        assert!(local.allows("http://127.0.0.1:9001/response/1"));
        assert!(local.allows("http://localhost/response"));
        assert!(local.allows("http://[::1]:80/x"));
        for bad in [
            "https://hooks.slack.com.evil.example/",
            "http://hooks.slack.com/x",
            "https://evil.example/",
            "http://127.0.0.1.evil/",
            "ftp://x",
            "",
        ] {
            assert!(!local.allows(bad), "{bad}");
        }
    }
}
