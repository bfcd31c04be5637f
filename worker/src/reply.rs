//! Getting a reply to Slack: the `response_url` while Slack still takes it (30
//! minutes, 5 uses), otherwise `chat.postMessage` / `chat.update` with the bot
//! token. HttpSlack retries 429 (Retry-After) and 5xx itself; a reply that
//! finally fails is logged and the action is not repeated.

use crate::Worker;
use chrono::{DateTime, Utc};
use emrbot_domain::message::ReplyTo;
use emrbot_domain::ports::launches::LaunchRecord;
use emrbot_shared::slack::client::Posted;
use emrbot_shared::slack::{SlackError, SlackMessage};

/// Slack honours a response_url for 30 minutes; keep a minute of margin.
pub const RESPONSE_URL_SECS: i64 = 29 * 60;
pub const RESPONSE_URL_USES: u32 = 5;

pub fn response_url_usable(issued_at: DateTime<Utc>, uses_so_far: u32, now: DateTime<Utc>) -> bool {
    (now - issued_at).num_seconds() < RESPONSE_URL_SECS && uses_so_far < RESPONSE_URL_USES
}

impl Worker {
    /// Where a reply goes now: the response_url while usable, else its channel.
    pub fn route(&self, to: &ReplyTo, issued_at: DateTime<Utc>, uses_so_far: u32) -> ReplyTo {
        match to {
            // Past its 30 minutes or 5 uses: the channel, when known; with no
            // channel, the URL is still tried (best effort; Slack may refuse).
            ReplyTo::ResponseUrl {
                channel_id: Some(channel_id),
                ..
            } if !response_url_usable(issued_at, uses_so_far, self.clock.now()) => {
                ReplyTo::Channel {
                    channel_id: channel_id.clone(),
                    ts: None,
                }
            }
            other => other.clone(),
        }
    }

    /// Sends one reply; failures are logged, never retried by repeating the action.
    pub async fn deliver(
        &self,
        to: &ReplyTo,
        issued_at: DateTime<Utc>,
        message: &SlackMessage,
    ) -> Option<Posted> {
        let target = self.route(to, issued_at, 0);
        if target == ReplyTo::None {
            return None;
        }
        match self.slack.reply(&target, message).await {
            Ok(posted) => Some(posted),
            // Slack answers 404 once a response_url is used up or expired: use the channel.
            Err(SlackError::Status {
                status: 404 | 410, ..
            }) => match to {
                ReplyTo::ResponseUrl {
                    channel_id: Some(channel_id),
                    ..
                } => {
                    let fallback = ReplyTo::Channel {
                        channel_id: channel_id.clone(),
                        ts: None,
                    };
                    self.slack
                        .reply(&fallback, message)
                        .await
                        .map_err(log_failure)
                        .ok()
                }
                _ => None,
            },
            Err(error) => {
                log_failure(error);
                None
            }
        }
    }

    /// Updates a launch's message in place: `replace_original` through its
    /// response_url while usable, then `chat.postMessage` once and
    /// `chat.update` after that. Counts the response_url's uses in `record`.
    pub async fn update_launch_message(&self, record: &mut LaunchRecord, message: &SlackMessage) {
        let usable = response_url_usable(record.issued_at, record.response_uses, self.clock.now());
        let target = match &record.reply_to {
            ReplyTo::ResponseUrl {
                url, channel_id, ..
            } if usable => {
                record.response_uses += 1;
                ReplyTo::ResponseUrl {
                    url: url.clone(),
                    replace_original: true,
                    channel_id: channel_id.clone(),
                }
            }
            ReplyTo::ResponseUrl {
                channel_id: Some(channel_id),
                ..
            }
            | ReplyTo::Channel { channel_id, .. } => ReplyTo::Channel {
                channel_id: channel_id.clone(),
                ts: record.channel_ts.clone(),
            },
            _ => return,
        };
        match self.slack.reply(&target, message).await {
            Ok(posted) => {
                if let (ReplyTo::Channel { .. }, Some(ts)) = (&target, posted.ts) {
                    record.channel_ts = Some(ts);
                }
            }
            Err(error) => log_failure(error),
        }
    }
}

fn log_failure(error: SlackError) {
    tracing::error!(error = %error, "could not deliver the reply to Slack; the action stands and is not repeated");
}
