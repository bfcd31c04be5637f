//! What a command handler returns: what it was about, what the audit log
//! keeps of it, and the reply, or the error and what it was about. The
//! handlers return these instead of filling in an audit record as they go.

use crate::error::CommandError;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::decide::{AuditNote, Changed};
use emrbot_domain::emr::ClusterSummary;
use emrbot_shared::slack::SlackMessage;

/// The cluster a command was about, as the audit log names it.
#[derive(Debug, Clone, Default)]
pub struct About {
    pub cluster: Option<ClusterId>,
    /// So that a cluster's history is found by name once EMR no longer lists it.
    pub name: Option<String>,
    pub account: Option<String>,
}

impl About {
    pub fn of(c: &ClusterSummary) -> About {
        About {
            cluster: Some(c.id.clone()),
            name: Some(c.name.clone()).filter(|n| !n.is_empty()),
            account: c.account.clone(),
        }
    }
}

/// What a handler answers: what changed (rendered in one place), or a
/// message it rendered itself.
pub enum Reply {
    Changed(Box<Changed>),
    Message(SlackMessage),
}

/// A command carried out.
pub struct Done {
    /// `None`: the handler has replied itself (launch).
    pub reply: Option<Reply>,
    pub about: About,
    pub note: AuditNote,
}

impl Done {
    /// A reply that changes nothing worth auditing beyond the command itself.
    pub fn reply(reply: SlackMessage) -> Done {
        Done {
            reply: Some(Reply::Message(reply)),
            about: About::default(),
            note: AuditNote::default(),
        }
    }
}

/// A command that did not succeed, and what it was about.
pub struct Failed {
    pub error: CommandError,
    /// Boxed: a handler's `Err` stays small.
    pub about: Box<About>,
}

impl<E: Into<CommandError>> From<E> for Failed {
    fn from(error: E) -> Failed {
        Failed {
            error: error.into(),
            about: Box::default(),
        }
    }
}

/// Errors of a handler that knows its cluster carry it to the audit log.
pub trait AboutCluster<T> {
    fn about(self, about: &About) -> Result<T, Failed>;
}

impl<T, E: Into<CommandError>> AboutCluster<T> for Result<T, E> {
    fn about(self, about: &About) -> Result<T, Failed> {
        self.map_err(|e| Failed {
            error: e.into(),
            about: Box::new(about.clone()),
        })
    }
}
