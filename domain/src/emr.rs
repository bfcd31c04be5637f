//! What emrbot knows of a cluster, independent of the AWS SDK's types.

use crate::cluster::ClusterId;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterState {
    Starting,
    Bootstrapping,
    Running,
    Waiting,
    Terminating,
    Terminated,
    TerminatedWithErrors,
    Other(String),
}

impl ClusterState {
    pub fn from_emr(s: &str) -> Self {
        match s {
            "STARTING" => Self::Starting,
            "BOOTSTRAPPING" => Self::Bootstrapping,
            "RUNNING" => Self::Running,
            "WAITING" => Self::Waiting,
            "TERMINATING" => Self::Terminating,
            "TERMINATED" => Self::Terminated,
            "TERMINATED_WITH_ERRORS" => Self::TerminatedWithErrors,
            other => Self::Other(other.to_string()),
        }
    }

    pub fn as_emr(&self) -> &str {
        match self {
            Self::Starting => "STARTING",
            Self::Bootstrapping => "BOOTSTRAPPING",
            Self::Running => "RUNNING",
            Self::Waiting => "WAITING",
            Self::Terminating => "TERMINATING",
            Self::Terminated => "TERMINATED",
            Self::TerminatedWithErrors => "TERMINATED_WITH_ERRORS",
            Self::Other(s) => s,
        }
    }

    /// Up and costing money.
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            Self::Starting | Self::Bootstrapping | Self::Running | Self::Waiting
        )
    }

    /// The states ListClusters is asked for when listing active clusters.
    pub const ACTIVE: [&'static str; 4] = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"];
}

impl fmt::Display for ClusterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_emr())
    }
}

/// One cluster as ListClusters shows it, plus the account it lives in.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSummary {
    pub id: ClusterId,
    pub name: String,
    pub state: ClusterState,
    /// The `[accounts]` key; `None` for the bot's own account.
    pub account: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub ready_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub normalized_instance_hours: Option<i32>,
    pub state_reason: Option<String>,
}

impl ClusterSummary {
    pub fn uptime(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        self.created_at.map(|c| self.ended_at.unwrap_or(now) - c)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InstanceRole {
    Master,
    Core,
    Task,
}

impl InstanceRole {
    pub fn from_emr(s: &str) -> Option<Self> {
        match s {
            "MASTER" => Some(Self::Master),
            "CORE" => Some(Self::Core),
            "TASK" => Some(Self::Task),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Master => "master",
            Self::Core => "core",
            Self::Task => "task",
        }
    }
}

/// An instance group, or an instance fleet (then `instance_type` is the fleet's mix).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CapacityGroup {
    pub id: String,
    pub name: Option<String>,
    pub role: Option<InstanceRole>,
    pub instance_type: String,
    pub requested: i32,
    pub running: i32,
    pub is_fleet: bool,
    /// Some of its capacity is spot.
    pub spot: bool,
    /// The EBS volumes each of its instances has (for a fleet, its first
    /// instance type's).
    pub ebs: Vec<EbsVolume>,
}

/// One EBS volume of an instance, as its group or fleet configures it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EbsVolume {
    /// EBS's name for it: `gp3`, `gp2`, `io1`, `st1`, …
    pub volume_type: String,
    pub size_gb: u32,
}

/// One cluster in detail (DescribeCluster and its instance groups or fleets).
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterDetail {
    pub summary: ClusterSummary,
    pub tags: BTreeMap<String, String>,
    pub release: Option<String>,
    pub applications: Vec<String>,
    pub termination_protected: bool,
    pub auto_terminate_idle: Option<chrono::Duration>,
    pub groups: Vec<CapacityGroup>,
    pub uses_fleets: bool,
    /// The EC2 availability zone its instances run in (spot prices are per zone).
    pub availability_zone: Option<String>,
}

/// A fleet's new target capacity: on demand, and spot when given (else the
/// fleet keeps its purchasing mix: a spot-only fleet gets a spot target).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FleetTarget {
    pub on_demand: u32,
    pub spot: Option<u32>,
}

/// A step, as far as idle detection and `status <cluster>` need it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSummary {
    pub id: String,
    pub name: String,
    pub state: String,
    pub ended_at: Option<DateTime<Utc>>,
}

impl StepSummary {
    pub fn is_pending_or_running(&self) -> bool {
        matches!(
            self.state.as_str(),
            "PENDING" | "RUNNING" | "CANCEL_PENDING"
        )
    }
}

/// What RunJobFlow needs, built from a preset (see `config::Preset`).
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchSpec {
    pub name: String,
    pub release: String,
    pub applications: Vec<String>,
    pub master_instance_type: String,
    pub instance_type: String,
    pub core_count: u32,
    pub task_count: u32,
    pub subnet: Option<String>,
    pub service_role: String,
    pub job_flow_role: String,
    pub log_uri: Option<String>,
    pub tags: BTreeMap<String, String>,
    /// EMR's AutoTerminationPolicy IdleTimeout, in seconds.
    pub idle_timeout_secs: Option<u64>,
}

/// Tag keys emrbot puts on the clusters it launches.
pub const TAG_LAUNCHED_BY: &str = "emrbot:launched-by";
pub const TAG_PRESET: &str = "emrbot:preset";
/// The cluster's name, for the bill: activated as a cost allocation tag, it
/// groups Cost Explorer's costs by cluster (EMR tags the instances too).
pub const TAG_CLUSTER: &str = "emrbot:cluster";
/// The queue message id a cluster was launched for: lets a redelivery after a
/// crash between RunJobFlow and the dedup record find the cluster it made.
pub const TAG_REQUEST: &str = "emrbot:request";

/// Since when a cluster has been idle: WAITING with no pending or running
/// step, since the last step ended or the cluster became ready. `None` when
/// it is busy or not up.
pub fn idle_since(cluster: &ClusterSummary, steps: &[StepSummary]) -> Option<DateTime<Utc>> {
    idle_since_of(
        cluster,
        steps.iter().any(StepSummary::is_pending_or_running),
        steps.iter().filter_map(|s| s.ended_at).max(),
    )
}

/// [`idle_since`] from what the steps say: whether one is pending or
/// running, and when the last one ended (also what the policies read).
pub fn idle_since_of(
    cluster: &ClusterSummary,
    busy: bool,
    last_step: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    if cluster.state != ClusterState::Waiting || busy {
        return None;
    }
    match (last_step, cluster.ready_at.or(cluster.created_at)) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}
