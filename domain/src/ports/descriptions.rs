//! Cluster descriptions kept between replies: `status` and `plan` read what
//! DescribeCluster and the instance groups or fleets said from here (in
//! bulk) instead of asking EMR for every cluster every time. Any action
//! (terminate, resize, the re-check) still reads EMR itself. A cluster's
//! instance records (ListInstances) are kept the same way: an instance that
//! ended never changes, and one still running costs up to now.

use crate::cluster::ClusterId;
use crate::emr::{ClusterDetail, ClusterSummary};
use crate::usage::InstanceRecord;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// How long a description is trusted when nothing said it changed: EMR's
/// state-change events and emrbot's own resizes forget it sooner.
pub const DESCRIPTION_TTL: chrono::Duration = chrono::Duration::hours(1);

#[async_trait]
pub trait DescriptionCache: Send + Sync {
    /// The kept descriptions of `clusters`, each with the (fresh) summary
    /// given and when it was read.
    async fn get_many(
        &self,
        clusters: &[ClusterSummary],
    ) -> Result<HashMap<ClusterId, (ClusterDetail, DateTime<Utc>)>, super::StoreError>;
    async fn put(
        &self,
        detail: &ClusterDetail,
        read_at: DateTime<Utc>,
    ) -> Result<(), super::StoreError>;
    /// The kept instance records of `clusters`, each with when it was read.
    async fn get_records_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, (Vec<InstanceRecord>, DateTime<Utc>)>, super::StoreError>;
    async fn put_records(
        &self,
        cluster: &ClusterId,
        records: &[InstanceRecord],
        read_at: DateTime<Utc>,
    ) -> Result<(), super::StoreError>;
    /// It may have changed: the next reply reads EMR (its description and
    /// its instance records).
    async fn forget(&self, cluster: &ClusterId) -> Result<(), super::StoreError>;
}
