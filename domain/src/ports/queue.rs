//! The command queue: how the ingress, the scheduler and other services hand
//! work to the worker.

use crate::message::CommandMessage;
use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the command queue is temporarily unavailable ({0})")]
    Transient(String),
    #[error("the command queue refused the message ({0})")]
    Rejected(String),
}

impl QueueError {
    /// A retry later can help.
    pub fn is_transient(&self) -> bool {
        matches!(self, QueueError::Transient(_))
    }
}

#[async_trait]
pub trait CommandQueue: Send + Sync {
    async fn send(&self, message: &CommandMessage) -> Result<(), QueueError>;
    /// Sends every message, or fails (then some may have gone: their ids make
    /// a resend harmless). One at a time unless the adapter batches.
    async fn send_all(&self, messages: &[CommandMessage]) -> Result<(), QueueError> {
        for message in messages {
            self.send(message).await?;
        }
        Ok(())
    }
}
