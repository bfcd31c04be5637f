//! The policies' records: the scheduler's bookkeeping, and the one fact the
//! worker adds (a lock was released, so the grace period restarts).

use super::StoreError;
use crate::cluster::ClusterId;
use crate::policy::state::{SchedRecord, Stored, Write};
use crate::report::{AutoAction, KeptAction};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// A `SCHED` record not written because another writer changed it first
/// (`None`: the global record).
pub type Conflict = Option<ClusterId>;

/// The scheduler's reads and writes.
#[async_trait]
pub trait PolicyRecords: Send + Sync {
    async fn load_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, Stored>, StoreError>;
    async fn load_global(&self) -> Result<SchedRecord, StoreError>;
    /// Writes `writes`. A `SCHED` record whose stored item changed since it
    /// was read (its `version`) is not written: it is returned, for the
    /// caller to merge into the stored one and write again.
    async fn write(&self, writes: Vec<Write>) -> Result<Vec<Conflict>, StoreError>;
    /// Automatic terminations requested in `[since, until)`.
    async fn automatic_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<AutoAction>, StoreError>;
    /// Clusters the end of day passed over in `[since, until)`, oldest first.
    async fn kept_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<KeptAction>, StoreError>;
}

/// The worker's unlock records: `unlock` restarts the unlocked grace period,
/// and an automatic termination decided before the last unlock is spared.
#[async_trait]
pub trait UnlockRecorder: Send + Sync {
    async fn record_unlock(&self, cluster: &ClusterId, at: DateTime<Utc>)
        -> Result<(), StoreError>;
    async fn last_unlock(&self, cluster: &ClusterId) -> Result<Option<DateTime<Utc>>, StoreError>;
}
