//! The [`CommandQueue`] port over SQS: SendMessage for one command,
//! SendMessageBatch (10 a call, failed entries retried) for many. More than
//! one call's worth go in bundles (see [`Incoming`]), so a sweep with a
//! thousand messages makes a handful of calls, not a hundred.

use crate::aws::{classify, AwsFailure, FailureKind};
use async_trait::async_trait;
use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use emrbot_domain::message::{CommandMessage, Incoming, MAX_BUNDLE};
use emrbot_domain::ports::queue::{CommandQueue, QueueError};

pub use aws_sdk_sqs::Client as SqsClient;

fn queue_error<E: ProvideErrorMetadata>(
    operation: &str,
    err: &SdkError<E, HttpResponse>,
) -> QueueError {
    let failure: AwsFailure = classify(err);
    tracing::error!(code = %failure.code, operation, "SQS call failed");
    // A timeout or a broken answer: the request may have been taken.
    let unanswered = match err {
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
        SdkError::DispatchFailure(d) => d.is_timeout(),
        _ => false,
    };
    match failure.kind {
        FailureKind::Transient if unanswered => QueueError::Unconfirmed(failure.to_string()),
        FailureKind::Transient => QueueError::Transient(failure.to_string()),
        _ => QueueError::Rejected(failure.to_string()),
    }
}

/// An SQS client for a caller that must answer within `budget` (the
/// ingress: Slack waits 3 seconds): each attempt and the whole call are
/// bounded, and a retry is made only while the budget allows.
pub fn client_within(aws: &aws_config::SdkConfig, budget: std::time::Duration) -> SqsClient {
    use aws_sdk_sqs::config::retry::RetryConfig;
    use aws_sdk_sqs::config::timeout::TimeoutConfig;
    use std::time::Duration;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(300).min(budget / 4))
        .operation_attempt_timeout(budget / 2)
        .operation_timeout(budget)
        .build();
    let retries = RetryConfig::standard()
        .with_max_attempts(2)
        .with_initial_backoff(Duration::from_millis(50));
    let config = aws_sdk_sqs::config::Builder::from(aws)
        .timeout_config(timeouts)
        .retry_config(retries)
        .build();
    SqsClient::from_conf(config)
}

pub struct SqsQueue {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsQueue {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

#[async_trait]
impl CommandQueue for SqsQueue {
    async fn send(&self, message: &CommandMessage) -> Result<(), QueueError> {
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.url)
            .message_body(message.to_json());
        if self.url.ends_with(".fifo") {
            // A FIFO queue deduplicates by our id for 5 minutes on its own.
            request = request
                .message_group_id("commands")
                .message_deduplication_id(message.id.as_str());
        }
        request.send().await.map(|_| ()).map_err(|err| {
            tracing::error!(message_id = %message.id, "SendMessage failed");
            queue_error("SendMessage", &err)
        })
    }

    async fn send_all(&self, messages: &[CommandMessage]) -> Result<(), QueueError> {
        let fifo = self.url.ends_with(".fifo");
        let (bodies, per_call) = if messages.len() <= 10 {
            let one_each = messages
                .iter()
                .map(|m| (m.id.as_str().to_string(), m.to_json()))
                .collect();
            (one_each, 10)
        } else {
            // SendMessageBatch carries 256 KiB at most: 5 bundles of 48 KiB.
            (bundles(messages), 5)
        };
        for chunk in bodies.chunks(per_call) {
            let mut entries: Vec<SendMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .map(|(i, (dedup, body))| {
                    let mut entry = SendMessageBatchRequestEntry::builder()
                        .id(format!("m{i}"))
                        .message_body(body);
                    if fifo {
                        entry = entry
                            .message_group_id("commands")
                            .message_deduplication_id(dedup);
                    }
                    entry.build().expect("id and body set")
                })
                .collect();
            for attempt in 0..4 {
                if entries.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(100 << attempt)).await;
                }
                let out = self
                    .client
                    .send_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(entries.clone()))
                    .send()
                    .await
                    .map_err(|err| queue_error("SendMessageBatch", &err))?;
                let failed: Vec<&str> = out.failed().iter().map(|f| f.id()).collect();
                if let Some(permanent) = out.failed().iter().find(|f| f.sender_fault()) {
                    return Err(QueueError::Rejected(format!(
                        "{}: {}",
                        permanent.code(),
                        permanent.message().unwrap_or("")
                    )));
                }
                entries.retain(|e| failed.contains(&e.id()));
            }
            if !entries.is_empty() {
                return Err(QueueError::Transient(
                    "SendMessageBatch kept failing".into(),
                ));
            }
        }
        Ok(())
    }
}

/// The most bytes of messages one bundle carries.
const BUNDLE_BYTES: usize = 48 * 1024;

/// `messages` packed in order into bundles of at most [`BUNDLE_BYTES`] and
/// [`MAX_BUNDLE`] messages, each with a deduplication id (for a FIFO queue)
/// derived from its messages' ids.
fn bundles(messages: &[CommandMessage]) -> Vec<(String, String)> {
    let mut groups: Vec<Vec<CommandMessage>> = Vec::new();
    let mut bytes = 0;
    for m in messages {
        let size = m.to_json().len();
        match groups.last_mut() {
            Some(group) if group.len() < MAX_BUNDLE && bytes + size <= BUNDLE_BYTES => {
                group.push(m.clone());
                bytes += size;
            }
            _ => {
                groups.push(vec![m.clone()]);
                bytes = size;
            }
        }
    }
    groups
        .iter()
        .map(|group| {
            let ids: Vec<&str> = group.iter().map(|m| m.id.as_str()).collect();
            let dedup =
                emrbot_domain::message::MessageId::derived("bundle", ids.join(" ").as_bytes());
            (dedup.as_str().to_string(), Incoming::bundle_json(group))
        })
        .collect()
}
