//! Slack posts that emrbot-local has no way to make, shown on its own
//! console instead: without a bot token (and without a report webhook),
//! the reports, warnings and notices the scheduler sends to a channel, and
//! the Home tab, are printed like `send` prints replies, so a user trying
//! emrbot locally sees them. Replies to a `response_url` go to Slack as usual.
//! (A deployed worker without a token fails at cold start instead.)

use async_trait::async_trait;
use emrbot_domain::message::ReplyTo;
use emrbot_shared::slack::client::Posted;
use emrbot_shared::slack::{SlackError, SlackMessage, SlackReplies};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Where console posts are written: stdout for `make run`, a buffer in tests.
pub type Sink = Arc<Mutex<dyn Write + Send>>;

/// emrbot-local's own console.
pub fn stdout() -> Sink {
    Arc::new(Mutex::new(std::io::stdout()))
}

pub struct ConsoleSlack {
    inner: Arc<dyn SlackReplies>,
    sink: Sink,
    /// Message timestamps handed out, so a later `chat.update` finds its post.
    posts: AtomicU64,
}

impl ConsoleSlack {
    pub fn new(inner: Arc<dyn SlackReplies>, sink: Sink) -> Self {
        Self {
            inner,
            sink,
            posts: AtomicU64::new(0),
        }
    }

    fn show(&self, place: &str, message: &SlackMessage) -> Posted {
        let n = self.posts.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::info!(to = %place, "no bot token: shown on this console instead of Slack");
        let text = crate::render::to_text(&message.to_json());
        if let Ok(mut out) = self.sink.lock() {
            let _ = writeln!(
                out,
                "\n== emrbot → {place} (shown here: no bot token)\n{text}"
            );
            let _ = out.flush();
        }
        Posted {
            channel_id: None,
            ts: Some(format!("{n}.000000")),
        }
    }
}

#[async_trait]
impl SlackReplies for ConsoleSlack {
    async fn reply(&self, to: &ReplyTo, message: &SlackMessage) -> Result<Posted, SlackError> {
        match to {
            ReplyTo::Channel { channel_id, ts } => {
                let place = match ts {
                    Some(_) => format!("channel {channel_id}, updating its earlier post"),
                    None => format!("channel {channel_id}"),
                };
                let mut posted = self.show(&place, message);
                posted.channel_id = Some(channel_id.clone());
                posted.ts = ts.clone().or(posted.ts);
                Ok(posted)
            }
            ReplyTo::Home { user_id } => {
                Ok(self.show(&format!("the Home tab of {user_id}"), message))
            }
            ReplyTo::ReportWebhook => match self.inner.reply(to, message).await {
                Err(SlackError::NoWebhook) => Ok(self.show("the report webhook", message)),
                other => other,
            },
            ReplyTo::ResponseUrl { .. } | ReplyTo::None => self.inner.reply(to, message).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emrbot_shared::slack::blocks::section;

    struct Refuses;

    #[async_trait]
    impl SlackReplies for Refuses {
        async fn reply(&self, _: &ReplyTo, _: &SlackMessage) -> Result<Posted, SlackError> {
            Err(SlackError::NoWebhook)
        }
    }

    #[tokio::test]
    async fn channel_posts_are_printed_and_look_posted() {
        let buffer = Arc::new(Mutex::new(Vec::<u8>::new()));
        let console = ConsoleSlack::new(Arc::new(Refuses), buffer.clone());
        let report = SlackMessage::new("EMR daily report", vec![section("*adhoc* `j-1`")]);
        let to = ReplyTo::Channel {
            channel_id: "C0REPORT".into(),
            ts: None,
        };
        let posted = console.reply(&to, &report).await.expect("shown");
        assert_eq!(posted.channel_id.as_deref(), Some("C0REPORT"));
        assert!(posted.ts.is_some(), "a later update can name it");
        console
            .reply(&ReplyTo::ReportWebhook, &report)
            .await
            .expect("shown when no webhook is configured");
        let printed = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        assert!(
            printed.contains("== emrbot → channel C0REPORT"),
            "{printed}"
        );
        assert!(printed.contains("*adhoc* `j-1`"), "{printed}");
        assert!(printed.contains("the report webhook"), "{printed}");
    }
}
