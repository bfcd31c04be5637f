//! The ports to see and change EMR clusters (the directory of every
//! account's clusters is [`super::directory`]).

use crate::cluster::ClusterId;
use crate::emr::{ClusterDetail, ClusterSummary, FleetTarget, LaunchSpec, StepSummary};
use crate::policy::activity::IdlePoints;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

#[derive(Debug, thiserror::Error)]
pub enum EmrError {
    /// Throttling, 5xx, timeouts: safe to retry later.
    #[error("EMR is temporarily unavailable ({0}); will retry")]
    Transient(String),
    #[error("no cluster {0}")]
    NotFound(String),
    #[error("emrbot is not allowed to do that in this account ({0})")]
    AccessDenied(String),
    #[error("EMR refused: {0}")]
    Rejected(String),
    #[error("cannot reach account `{account}`: {reason}")]
    Account { account: String, reason: String },
    #[error("termination protection is on for {0}")]
    TerminationProtected(String),
}

impl EmrError {
    pub fn is_transient(&self) -> bool {
        matches!(self, EmrError::Transient(_))
    }
}

/// Reading the clusters of one AWS account.
#[async_trait]
pub trait ClusterReader: Send + Sync {
    /// Every cluster in an active state (paginated under the hood).
    async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError>;
    /// The clusters that ended (terminated, with errors or not) and were
    /// created after `created_after`: EMR lists them for two months. This
    /// default knows none.
    async fn list_ended(
        &self,
        _created_after: DateTime<Utc>,
    ) -> Result<Vec<ClusterSummary>, EmrError> {
        Ok(Vec::new())
    }
    async fn describe(&self, id: &ClusterId) -> Result<ClusterDetail, EmrError>;
    /// Every EC2 instance EMR records for the cluster, running or ended
    /// (`ListInstances`). A reader that cannot list them says so.
    async fn list_instances(
        &self,
        id: &ClusterId,
    ) -> Result<Vec<crate::usage::InstanceRecord>, EmrError> {
        Err(EmrError::Rejected(format!(
            "this reader does not list the instances of {id}"
        )))
    }
    /// Steps of a cluster, newest first (idle detection, `status <cluster>`).
    async fn list_steps(&self, id: &ClusterId) -> Result<Vec<StepSummary>, EmrError>;
    /// Tags of many clusters (the scheduler's exempt tag, the launch request tag).
    async fn tags_of(
        &self,
        ids: &[ClusterId],
    ) -> Result<HashMap<ClusterId, BTreeMap<String, String>>, EmrError>;

    /// The active clusters carrying tag `key`, with its value. AWS answers
    /// for every cluster of the account in one paged call; this default asks
    /// cluster by cluster.
    async fn with_tag(&self, key: &str) -> Result<HashMap<ClusterId, String>, EmrError> {
        let ids: Vec<ClusterId> = self
            .list_active()
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        Ok(self
            .tags_of(&ids)
            .await?
            .into_iter()
            .filter_map(|(id, mut tags)| Some((id, tags.remove(key)?)))
            .collect())
    }

    /// EMR's `IsIdle` datapoints in `[since, until)` for many clusters (see
    /// [`crate::policy::activity`]). A cluster without datapoints is absent;
    /// this default has none, so idle detection reads the steps.
    async fn idle_metric(
        &self,
        _ids: &[ClusterId],
        _since: DateTime<Utc>,
        _until: DateTime<Utc>,
    ) -> Result<HashMap<ClusterId, IdlePoints>, EmrError> {
        Ok(HashMap::new())
    }
}

/// Changing the clusters of one AWS account.
#[async_trait]
pub trait ClusterChanger: Send + Sync {
    /// RunJobFlow from a preset; returns the new cluster's id.
    async fn launch(&self, spec: &LaunchSpec) -> Result<ClusterId, EmrError>;
    /// TerminateJobFlows. A termination-protected cluster is
    /// [`EmrError::TerminationProtected`].
    async fn terminate(&self, id: &ClusterId) -> Result<(), EmrError>;
    /// ModifyInstanceGroups: one group to `count` instances.
    async fn resize_group(
        &self,
        id: &ClusterId,
        group_id: &str,
        count: u32,
    ) -> Result<(), EmrError>;
    /// ModifyInstanceFleet: the fleet's target capacities.
    async fn resize_fleet(
        &self,
        id: &ClusterId,
        fleet_id: &str,
        target: FleetTarget,
    ) -> Result<(), EmrError>;
}

/// One account's clusters, to read and to change (the worker); the scheduler
/// only reads.
pub trait ClusterApi: ClusterReader + ClusterChanger {}

impl<T: ClusterReader + ClusterChanger + ?Sized> ClusterApi for T {}
