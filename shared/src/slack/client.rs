//! Sending messages to Slack: `response_url` posts, and `chat.postMessage` /
//! `chat.update` with the bot token. Retries 429 (honouring `Retry-After`) and
//! 5xx with backoff; never logs the URL's secret path or the token.

use crate::slack::blocks::SlackMessage;
use crate::slack::reply_kind::{self, ReplyKind};
use crate::slack::urls::ResponseUrlPolicy;
use async_trait::async_trait;
use emrbot_domain::message::ReplyTo;
use emrbot_domain::secret::Secret;
use serde_json::{json, Value};
use std::time::Duration;

/// Where a posted message ended up, so it can be updated later.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Posted {
    pub channel_id: Option<String>,
    pub ts: Option<String>,
}

/// The port the worker and scheduler report through.
#[async_trait]
pub trait SlackReplies: Send + Sync {
    async fn reply(&self, to: &ReplyTo, message: &SlackMessage) -> Result<Posted, SlackError>;
}

#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    #[error("Slack answered HTTP {status} after {attempts} attempt(s)")]
    Status { status: u16, attempts: u32 },
    #[error("Slack API error: {0}")]
    Api(String),
    #[error("could not reach Slack: {0}")]
    Transport(#[source] reqwest::Error),
    #[error("no bot token is configured, so emrbot cannot post to {0}")]
    NoBotToken(String),
    #[error("no report webhook is configured (slack.report_webhook)")]
    NoWebhook,
    /// Never sent: the URL is not Slack's (it is not shown: it may be a credential).
    #[error("refused to post to a response_url that is not Slack's")]
    NotSlack,
}

pub struct HttpSlack {
    http: reqwest::Client,
    urls: ResponseUrlPolicy,
    /// `slack.report_webhook`: a credential, like the bot token.
    report_webhook: Option<Secret<String>>,
    api_base: String,
    bot_token: Option<Secret<String>>,
    max_attempts: u32,
    base_backoff: Duration,
}

impl HttpSlack {
    /// Posts to `response_url`s that `urls` allows and to the Web API at
    /// `api_base`, following no redirects.
    pub fn new(api_base: &str, bot_token: Option<Secret<String>>, urls: ResponseUrlPolicy) -> Self {
        Self {
            http: crate::slack::urls::http_client(),
            urls,
            report_webhook: None,
            api_base: api_base.trim_end_matches('/').to_string(),
            bot_token,
            max_attempts: 4,
            base_backoff: Duration::from_millis(200),
        }
    }

    /// Posts `ReplyTo::ReportWebhook` messages to `url`.
    pub fn with_report_webhook(mut self, url: Option<String>) -> Self {
        self.report_webhook = url.map(Secret::new);
        self
    }

    async fn post_json(
        &self,
        url: &str,
        body: &Value,
        bearer: Option<&Secret<String>>,
        kind: Option<ReplyKind>,
    ) -> Result<Value, SlackError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .http
                .post(url)
                .json(body)
                .timeout(Duration::from_secs(10));
            if let Some(token) = bearer {
                request = request.bearer_auth(token.expose());
            }
            if let Some(kind) = kind {
                request = request.header(reply_kind::HEADER, kind.as_str());
            }
            let wait = match request.send().await {
                Ok(response) if response.status().is_success() => {
                    // response_url answers `ok` as text; the Web API answers JSON with `ok`.
                    let text = response
                        .text()
                        .await
                        .map_err(|e| SlackError::Transport(e.without_url()))?;
                    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if value.get("ok") == Some(&Value::Bool(false)) {
                        let error = value
                            .get("error")
                            .and_then(Value::as_str)
                            .unwrap_or("unknown")
                            .to_string();
                        return Err(SlackError::Api(error));
                    }
                    return Ok(value);
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let retryable = status == 429 || response.status().is_server_error();
                    if !retryable || attempt >= self.max_attempts {
                        return Err(SlackError::Status {
                            status,
                            attempts: attempt,
                        });
                    }
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok());
                    tracing::warn!(status, attempt, "Slack asked us to retry");
                    match retry_after {
                        Some(secs) => Duration::from_secs(secs.min(30)),
                        None => self.base_backoff * 2u32.pow(attempt - 1),
                    }
                }
                // Only a connection that was never made is retried: a post
                // that timed out may have arrived, and a second would double it.
                Err(error) if attempt < self.max_attempts && error.is_connect() => {
                    tracing::warn!(attempt, error = %error.without_url(), "Slack unreachable, retrying");
                    self.base_backoff * 2u32.pow(attempt - 1)
                }
                Err(error) => return Err(SlackError::Transport(error.without_url())),
            };
            tokio::time::sleep(wait).await;
        }
    }

    async fn post_to_channel(
        &self,
        channel_id: &str,
        ts: Option<&str>,
        message: &SlackMessage,
    ) -> Result<Posted, SlackError> {
        let token = self
            .bot_token
            .as_ref()
            .ok_or_else(|| SlackError::NoBotToken(format!("channel {channel_id}")))?;
        let mut body =
            json!({"channel": channel_id, "text": message.text, "blocks": message.blocks});
        let method = match ts {
            Some(ts) => {
                body["ts"] = json!(ts);
                "chat.update"
            }
            None => "chat.postMessage",
        };
        let answer = self
            .post_json(
                &format!("{}/{method}", self.api_base),
                &body,
                Some(token),
                None,
            )
            .await?;
        Ok(Posted {
            channel_id: answer
                .get("channel")
                .and_then(Value::as_str)
                .map(str::to_string),
            ts: answer.get("ts").and_then(Value::as_str).map(str::to_string),
        })
    }
}

#[async_trait]
impl SlackReplies for HttpSlack {
    async fn reply(&self, to: &ReplyTo, message: &SlackMessage) -> Result<Posted, SlackError> {
        match to {
            ReplyTo::ResponseUrl {
                url,
                replace_original,
                ..
            } => {
                if !self.urls.allows(url) {
                    tracing::warn!("refused a response_url outside Slack");
                    return Err(SlackError::NotSlack);
                }
                let mut message = message.clone();
                if message.replace_original.is_none() {
                    message.replace_original = Some(*replace_original);
                }
                let kind = ReplyKind::of_post(&message);
                self.post_json(url, &message.to_json(), None, Some(kind))
                    .await?;
                Ok(Posted::default())
            }
            ReplyTo::Channel { channel_id, ts } => {
                self.post_to_channel(channel_id, ts.as_deref(), message)
                    .await
            }
            ReplyTo::ReportWebhook => {
                let url = self.report_webhook.as_ref().ok_or(SlackError::NoWebhook)?;
                if !self.urls.allows(url.expose()) {
                    tracing::warn!("refused a report webhook outside Slack");
                    return Err(SlackError::NotSlack);
                }
                self.post_json(url.expose(), &message.to_json(), None, None)
                    .await?;
                Ok(Posted::default())
            }
            ReplyTo::Home { user_id } => {
                let token = self
                    .bot_token
                    .as_ref()
                    .ok_or_else(|| SlackError::NoBotToken(format!("the App Home of {user_id}")))?;
                let body = json!({
                    "user_id": user_id,
                    "view": {"type": "home", "blocks": message.blocks},
                });
                self.post_json(
                    &format!("{}/views.publish", self.api_base),
                    &body,
                    Some(token),
                    None,
                )
                .await?;
                Ok(Posted::default())
            }
            ReplyTo::None => Ok(Posted::default()),
        }
    }
}
