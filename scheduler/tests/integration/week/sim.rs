//! A week in a few seconds. FAKE: the emulator's clusters live in real time
//! (created now, WAITING at once, steps that never finish), so a simulated
//! week cannot pass in it; this fake of the EMR ports plays clusters that
//! launch, run steps and idle on the simulated clock. Everything else (the
//! table, the queue, Slack) is real: the emulator and the local Slack server.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use emrbot_domain::emr::{
    CapacityGroup, ClusterDetail, ClusterState, ClusterSummary, FleetTarget, InstanceRole,
    LaunchSpec, StepSummary,
};
use emrbot_domain::ports::clock::Clock;
use emrbot_domain::ports::clusters::{ClusterChanger, ClusterReader, EmrError};
use emrbot_domain::ClusterId;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The simulated now, shared by the scheduler, the worker and the fake.
#[derive(Default)]
pub struct SimClock(Mutex<DateTime<Utc>>);

impl SimClock {
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().unwrap() = t;
    }
}

impl Clock for SimClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[derive(Clone)]
pub struct SimCluster {
    pub id: ClusterId,
    pub name: String,
    pub created: DateTime<Utc>,
    /// Busy spans: a step runs from the first to the second instant.
    pub steps: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    pub tags: BTreeMap<String, String>,
    pub terminated: Option<DateTime<Utc>>,
}

pub struct SimEmr {
    pub clock: Arc<SimClock>,
    pub clusters: Mutex<Vec<SimCluster>>,
}

impl SimEmr {
    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    fn summary(&self, c: &SimCluster) -> ClusterSummary {
        let now = self.now();
        let busy = c
            .steps
            .iter()
            .any(|(start, end)| *start <= now && now < *end);
        ClusterSummary {
            id: c.id.clone(),
            name: c.name.clone(),
            state: match c.terminated {
                Some(_) => ClusterState::Terminated,
                None if busy => ClusterState::Running,
                None => ClusterState::Waiting,
            },
            account: None,
            created_at: Some(c.created),
            ready_at: Some(c.created),
            ended_at: c.terminated,
            normalized_instance_hours: Some(8),
            state_reason: None,
        }
    }

    fn find(&self, id: &ClusterId) -> Result<SimCluster, EmrError> {
        self.clusters
            .lock()
            .unwrap()
            .iter()
            .find(|c| &c.id == id)
            .cloned()
            .ok_or_else(|| EmrError::NotFound(id.to_string()))
    }

    /// Alive (launched, not terminated) at the simulated now.
    pub fn alive(&self) -> Vec<SimCluster> {
        let now = self.now();
        self.clusters
            .lock()
            .unwrap()
            .iter()
            .filter(|c| c.created <= now && c.terminated.is_none())
            .cloned()
            .collect()
    }
}

#[async_trait]
impl ClusterReader for SimEmr {
    async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError> {
        Ok(self.alive().iter().map(|c| self.summary(c)).collect())
    }

    async fn describe(&self, id: &ClusterId) -> Result<ClusterDetail, EmrError> {
        let c = self.find(id)?;
        Ok(ClusterDetail {
            summary: self.summary(&c),
            tags: c.tags.clone(),
            release: Some("emr-7.5.0".into()),
            applications: vec![],
            termination_protected: false,
            auto_terminate_idle: None,
            // One m5.xlarge master and two core nodes; an ended cluster's
            // groups run nothing, as EMR reports them.
            groups: [(InstanceRole::Master, 1), (InstanceRole::Core, 2)]
                .into_iter()
                .map(|(role, requested)| CapacityGroup {
                    id: format!("ig-{role:?}"),
                    name: None,
                    role: Some(role),
                    instance_type: "m5.xlarge".into(),
                    requested,
                    running: if c.terminated.is_some() { 0 } else { requested },
                    is_fleet: false,
                    ebs: Vec::new(),
                    spot: false,
                })
                .collect(),
            uses_fleets: false,
            availability_zone: None,
        })
    }

    async fn list_steps(&self, id: &ClusterId) -> Result<Vec<StepSummary>, EmrError> {
        let now = self.now();
        let c = self.find(id)?;
        Ok(c.steps
            .iter()
            .enumerate()
            .filter(|(_, (start, _))| *start <= now)
            .rev()
            .map(|(i, (_, end))| StepSummary {
                id: format!("s-{i}"),
                name: format!("step {i}"),
                state: if *end > now { "RUNNING" } else { "COMPLETED" }.into(),
                ended_at: (*end <= now).then_some(*end),
            })
            .collect())
    }

    async fn tags_of(
        &self,
        ids: &[ClusterId],
    ) -> Result<HashMap<ClusterId, BTreeMap<String, String>>, EmrError> {
        ids.iter()
            .map(|id| Ok((id.clone(), self.find(id)?.tags)))
            .collect()
    }
}

#[async_trait]
impl ClusterChanger for SimEmr {
    async fn launch(&self, _: &LaunchSpec) -> Result<ClusterId, EmrError> {
        Err(EmrError::Rejected(
            "no launches in the simulated week".into(),
        ))
    }

    async fn terminate(&self, id: &ClusterId) -> Result<(), EmrError> {
        let now = self.now();
        let mut clusters = self.clusters.lock().unwrap();
        let c = clusters
            .iter_mut()
            .find(|c| &c.id == id)
            .ok_or_else(|| EmrError::NotFound(id.to_string()))?;
        c.terminated.get_or_insert(now);
        Ok(())
    }

    async fn resize_group(&self, _: &ClusterId, _: &str, _: u32) -> Result<(), EmrError> {
        Err(EmrError::Rejected(
            "no resizes in the simulated week".into(),
        ))
    }

    async fn resize_fleet(&self, _: &ClusterId, _: &str, _: FleetTarget) -> Result<(), EmrError> {
        Err(EmrError::Rejected(
            "no resizes in the simulated week".into(),
        ))
    }
}
