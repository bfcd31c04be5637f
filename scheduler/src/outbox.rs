//! Putting many command messages on the queue: SendMessageBatch, 10 a call.

use async_trait::async_trait;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use emrbot_shared::aws::{classify, FailureKind};
use emrbot_shared::message::CommandMessage;
use emrbot_shared::queue::QueueError;

#[async_trait]
pub trait Outbox: Send + Sync {
    /// Sends every message, or fails (then some may have gone: their ids make
    /// a resend harmless).
    async fn send_all(&self, messages: &[CommandMessage]) -> Result<(), QueueError>;
}

pub struct SqsOutbox {
    client: aws_sdk_sqs::Client,
    url: String,
}

impl SqsOutbox {
    pub fn new(client: aws_sdk_sqs::Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
        }
    }
}

#[async_trait]
impl Outbox for SqsOutbox {
    async fn send_all(&self, messages: &[CommandMessage]) -> Result<(), QueueError> {
        let fifo = self.url.ends_with(".fifo");
        for chunk in messages.chunks(10) {
            let mut entries: Vec<SendMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    let mut entry = SendMessageBatchRequestEntry::builder()
                        .id(format!("m{i}"))
                        .message_body(m.to_json());
                    if fifo {
                        entry = entry
                            .message_group_id("commands")
                            .message_deduplication_id(m.id.as_str());
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
                    .map_err(|err| {
                        let failure = classify(&err);
                        tracing::error!(code = %failure.code, "SendMessageBatch failed");
                        match failure.kind {
                            FailureKind::Transient => QueueError::Transient(failure.to_string()),
                            _ => QueueError::Rejected(failure.to_string()),
                        }
                    })?;
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
