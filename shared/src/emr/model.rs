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
        matches!(self, Self::Starting | Self::Bootstrapping | Self::Running | Self::Waiting)
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

#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityGroup {
    pub id: String,
    pub name: Option<String>,
    pub role: Option<InstanceRole>,
    pub instance_type: String,
    pub requested: i32,
    pub running: i32,
    pub is_fleet: bool,
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
        matches!(self.state.as_str(), "PENDING" | "RUNNING" | "CANCEL_PENDING")
    }
}
