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
    /// The request may have reached the queue, but no answer came in time:
    /// the message may or may not be on it (its id makes a resend harmless).
    #[error("the command queue did not answer in time ({0}); the message may be on it")]
    Unconfirmed(String),
}

impl QueueError {
    /// A retry later can help.
    pub fn is_transient(&self) -> bool {
        matches!(self, QueueError::Transient(_) | QueueError::Unconfirmed(_))
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
