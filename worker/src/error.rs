//! How a command ends when it does not succeed, and what the queue should do.

use emrbot_domain::ports::clusters::EmrError;
use emrbot_domain::ports::locks::LockError;
use emrbot_domain::ports::StoreError;
use emrbot_domain::producers::Forgery;
use emrbot_domain::refusal::Refusal;

/// What the queue should do with a message after the worker is done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Finished (successfully or with an error the user has been told about).
    Done,
    /// Failed for a transient reason: deliver again.
    Retry,
}

/// Why a command did not succeed: a refusal the user can act on, or a failure
/// of EMR or DynamoDB (retried when [`CommandError::is_transient`]).
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error(transparent)]
    Emr(#[from] EmrError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CommandError {
    /// A retry later can help.
    pub fn is_transient(&self) -> bool {
        match self {
            CommandError::Emr(e) => e.is_transient(),
            CommandError::Store(e) => e.is_transient(),
            CommandError::Refused(_) => false,
        }
    }
}

impl From<emrbot_domain::facts::FactsError> for CommandError {
    fn from(error: emrbot_domain::facts::FactsError) -> Self {
        match error {
            emrbot_domain::facts::FactsError::Emr(e) => CommandError::Emr(e),
            emrbot_domain::facts::FactsError::Store(e) => CommandError::Store(e),
        }
    }
}

impl From<Refusal> for CommandError {
    fn from(r: Refusal) -> Self {
        CommandError::Refused(r)
    }
}

impl From<LockError> for CommandError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Store(s) => CommandError::Store(s),
            LockError::HeldByOther(l) => CommandError::Refused(Refusal::Locked(l)),
        }
    }
}

/// Why a message is not acted on at all (before any claim or effect).
#[derive(Debug, thiserror::Error)]
pub enum Inadmissible {
    #[error("{0}")]
    Forged(Forgery),
    /// Its `response_url` is not Slack's (the URL is not repeated: it may be a credential).
    #[error("its response_url is not a Slack URL")]
    ReplyNotSlack,
    /// An App Home is published only to its own user.
    #[error("it would publish another user's App Home")]
    HomeNotOwn,
}
