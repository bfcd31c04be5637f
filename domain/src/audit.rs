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
    /// Locked (or the lock extended) until then, and why if the holder said
    /// (absent in entries older than it).
    LockedUntil {
        until: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// What the requester was told.
    Refused { refusal: Refusal },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    pub action: String,
    pub cluster: Option<ClusterId>,
    /// The cluster's name when the worker knew it, so that `history <name>`
    /// finds a cluster EMR no longer lists (absent in older entries).
    pub name: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_fact_without_a_reason_still_parses() {
        let old = r#"{"kind":"locked_until","until":"2026-12-07T10:00:00Z"}"#;
        let fact: AuditFact = serde_json::from_str(old).unwrap();
        assert!(matches!(fact, AuditFact::LockedUntil { reason: None, .. }));
        let new = AuditFact::LockedUntil {
            until: "2026-12-07T10:00:00Z".parse().unwrap(),
            reason: Some("testing".into()),
        };
        let json = serde_json::to_string(&new).unwrap();
        assert!(json.contains(r#""reason":"testing""#), "{json}");
        assert_eq!(serde_json::from_str::<AuditFact>(&json).unwrap(), new);
    }
}
