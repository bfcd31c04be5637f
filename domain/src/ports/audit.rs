//! The audit log.

use super::StoreError;
use crate::audit::AuditEntry;
use crate::cluster::ClusterId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The latest entries of one cluster, newest first.
    async fn recent(&self, cluster: &ClusterId, limit: i32) -> Result<Vec<AuditEntry>, StoreError>;
    /// The oldest entry of one cluster: its launch, when emrbot launched it.
    async fn first(&self, cluster: &ClusterId) -> Result<Option<AuditEntry>, StoreError>;
    /// The entries of every cluster (ended ones too, and those about no
    /// cluster) at or after `since`, newest first, at most `limit`.
    async fn since(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError>;
}
