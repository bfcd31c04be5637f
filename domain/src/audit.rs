//! The audit log's entries: every action emrbot takes or refuses. What an
//! entry says beyond its free text is kept typed ([`AuditFact`]), so the
//! history renders it like every other message, in the configured time zone.

use crate::cluster::ClusterId;
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The typed part of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AuditFact {
    /// Locked (or the lock extended) until then.
    LockedUntil { until: DateTime<Utc> },
    /// What the requester was told.
    Refused { refusal: Refusal },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    pub action: String,
    pub cluster: Option<ClusterId>,
    pub account: Option<String>,
    /// `ok`, `refused` or `failed`.
    pub outcome: String,
    pub detail: String,
    /// Why, when the action was automatic.
    pub reason: Option<String>,
    pub message_id: String,
    /// What `detail` says, typed (absent in entries older than it).
    pub fact: Option<AuditFact>,
}
