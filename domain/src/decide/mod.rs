//! What the commands that change something decide, as pure functions: each
//! takes the facts the worker read (the cluster, its lock, who asks, the
//! config's limits, now) and returns the effect to perform or a typed
//! [`Refusal`], with what the audit log should keep. No I/O, no wording,
//! no clock: the worker reads, calls these, performs, records and replies.

pub mod launch;
pub mod lock;
pub mod resize;
pub mod terminate;

use crate::lock::{holder_id, Lock};
use crate::message::Requester;
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};

#[cfg(test)]
mod tests;

/// Who asks, as the rules see them.
#[derive(Debug, Clone, Copy)]
pub struct Asker<'a> {
    pub requester: &'a Requester,
    /// Named an admin in `permissions.admins`.
    pub is_admin: bool,
}

impl Asker<'_> {
    /// The lock holder id this asker would hold locks as.
    pub fn holder(&self) -> String {
        holder_id(self.requester)
    }

    pub fn is_scheduler(&self) -> bool {
        matches!(self.requester, Requester::Scheduler { .. })
    }

    /// Holds `lock` (active or not).
    pub fn holds(&self, lock: &Lock) -> bool {
        lock.holder == self.holder()
    }
}

/// `lock`, if it is active at `now` and someone other than `asker` holds it.
pub fn held_by_other(asker: Asker<'_>, lock: Option<&Lock>, now: DateTime<Utc>) -> Option<Lock> {
    lock.filter(|l| l.is_active(now) && !asker.holds(l))
        .cloned()
}

/// What a command changed (or, for an unconfirmed termination, offers to),
/// as its reply tells it: rendered by the Slack adapter from these values.
#[derive(Debug, Clone, PartialEq)]
pub enum Changed {
    Locked {
        by: String,
        cluster: crate::emr::ClusterSummary,
        take: lock::TakeLock,
    },
    Extended {
        by: String,
        cluster: crate::emr::ClusterSummary,
        take: lock::TakeLock,
    },
    Unlocked {
        by: String,
        cluster: crate::emr::ClusterSummary,
        how: lock::Unlocked,
    },
    Terminate {
        by: String,
        cluster: crate::emr::ClusterSummary,
        effect: terminate::Effect,
        /// `force` was asked for (the button keeps it).
        force: bool,
        /// Why, when the termination is automatic.
        reason: Option<String>,
    },
    Resized {
        by: String,
        cluster: crate::emr::ClusterSummary,
        resize: resize::Resize,
    },
}

/// What the audit log keeps of a decision carried out (or refused): the
/// text of its `detail`, and its typed fact where it has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditNote {
    pub detail: String,
    pub fact: Option<crate::audit::AuditFact>,
}

impl AuditNote {
    pub fn says(detail: impl Into<String>) -> AuditNote {
        AuditNote {
            detail: detail.into(),
            fact: None,
        }
    }

    /// The note of a refusal: what the requester was told (`told`).
    pub fn refused(refusal: &Refusal, told: String) -> AuditNote {
        AuditNote {
            detail: told,
            fact: Some(crate::audit::AuditFact::Refused {
                refusal: refusal.clone(),
            }),
        }
    }
}
