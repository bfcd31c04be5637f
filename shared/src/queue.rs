//! The command queue: the [`CommandQueue`] port and its SQS adapter.

use crate::aws::{classify, FailureKind};
use crate::message::CommandMessage;
use async_trait::async_trait;

pub use aws_sdk_sqs::Client as SqsClient;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the command queue is temporarily unavailable ({0})")]
    Transient(String),
    #[error("the command queue refused the message ({0})")]
    Rejected(String),
}

#[async_trait]
pub trait CommandQueue: Send + Sync {
    async fn send(&self, message: &CommandMessage) -> Result<(), QueueError>;
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
            let failure = classify(&err);
            tracing::error!(code = %failure.code, message_id = %message.id, "SendMessage failed");
            match failure.kind {
                FailureKind::Transient => QueueError::Transient(failure.to_string()),
                _ => QueueError::Rejected(failure.to_string()),
            }
        })
    }
}
