//! The audit log's entries: every action emrbot takes or refuses.

use crate::cluster::ClusterId;
use chrono::{DateTime, Utc};

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
}
