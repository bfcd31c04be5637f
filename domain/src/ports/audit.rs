//! The audit log.

use super::StoreError;
use crate::audit::AuditEntry;
use crate::cluster::ClusterId;
use async_trait::async_trait;

#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The latest entries of one cluster, newest first.
    async fn recent(&self, cluster: &ClusterId, limit: i32) -> Result<Vec<AuditEntry>, StoreError>;
}
