//! A fake of the ClusterApi port, only for what the emulator cannot play:
//! instance fleets (moto answers 500 to ModifyInstanceFleet) and reading back
//! the AutoTerminationPolicy (moto 500s on Get/PutAutoTerminationPolicy).

use async_trait::async_trait;
use emrbot_domain::emr::{
    CapacityGroup, ClusterDetail, ClusterState, ClusterSummary, FleetTarget, InstanceRole,
    LaunchSpec, StepSummary,
};
use emrbot_domain::ports::clusters::{ClusterChanger, ClusterReader, EmrError};
use emrbot_domain::ClusterId;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

#[derive(Default)]
pub struct FakeEmr {
    pub clusters: Mutex<Vec<ClusterDetail>>,
    pub launched: Mutex<Vec<LaunchSpec>>,
    pub fleet_resizes: Mutex<Vec<(String, String, FleetTarget)>>,
}

impl FakeEmr {
    /// A WAITING cluster on instance fleets (master, core, task).
    pub fn with_fleet_cluster(id: &str, name: &str, preset: &str) -> Self {
        let fleet = |id: &str, role: InstanceRole, n: i32| CapacityGroup {
            id: id.into(),
            name: Some(format!("{} fleet", role.as_str())),
            role: Some(role),
            instance_type: "m5.xlarge/m5a.xlarge".into(),
            requested: n,
            running: n,
            is_fleet: true,
            ebs: Vec::new(),
            spot: false,
        };
        let detail = ClusterDetail {
            summary: ClusterSummary {
                id: ClusterId::parse(id).unwrap(),
                name: name.into(),
                state: ClusterState::Waiting,
                account: None,
                created_at: Some(chrono::Utc::now()),
                ready_at: Some(chrono::Utc::now()),
                ended_at: None,
                normalized_instance_hours: Some(8),
                state_reason: None,
            },
            tags: [("emrbot:preset".to_string(), preset.to_string())].into(),
            release: Some("emr-7.5.0".into()),
            applications: vec![],
            termination_protected: false,
            auto_terminate_idle: None,
            groups: vec![
                fleet("if-MASTER", InstanceRole::Master, 1),
                fleet("if-CORE", InstanceRole::Core, 2),
                fleet("if-TASK", InstanceRole::Task, 1),
            ],
            uses_fleets: true,
            availability_zone: None,
        };
        let fake = Self::default();
        fake.clusters.lock().unwrap().push(detail);
        fake
    }
}

#[async_trait]
impl ClusterReader for FakeEmr {
    async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError> {
        Ok(self
            .clusters
            .lock()
            .unwrap()
            .iter()
            .map(|d| d.summary.clone())
            .collect())
    }

    async fn describe(&self, id: &ClusterId) -> Result<ClusterDetail, EmrError> {
        let clusters = self.clusters.lock().unwrap();
        clusters
            .iter()
            .find(|d| &d.summary.id == id)
            .cloned()
            .ok_or_else(|| EmrError::NotFound(id.to_string()))
    }

    async fn list_steps(&self, _: &ClusterId) -> Result<Vec<StepSummary>, EmrError> {
        Ok(Vec::new())
    }

    async fn tags_of(
        &self,
        ids: &[ClusterId],
    ) -> Result<HashMap<ClusterId, BTreeMap<String, String>>, EmrError> {
        let clusters = self.clusters.lock().unwrap();
        Ok(clusters
            .iter()
            .filter(|d| ids.contains(&d.summary.id))
            .map(|d| (d.summary.id.clone(), d.tags.clone()))
            .collect())
    }
}

#[async_trait]
impl ClusterChanger for FakeEmr {
    async fn launch(&self, spec: &LaunchSpec) -> Result<ClusterId, EmrError> {
        self.launched.lock().unwrap().push(spec.clone());
        Ok(ClusterId::parse("j-FAKELAUNCH").unwrap())
    }

    async fn resize_fleet(
        &self,
        id: &ClusterId,
        fleet_id: &str,
        target: FleetTarget,
    ) -> Result<(), EmrError> {
        self.fleet_resizes
            .lock()
            .unwrap()
            .push((id.to_string(), fleet_id.to_string(), target));
        let mut clusters = self.clusters.lock().unwrap();
        let group = clusters
            .iter_mut()
            .filter(|d| &d.summary.id == id)
            .flat_map(|d| d.groups.iter_mut())
            .find(|g| g.id == fleet_id)
            .ok_or_else(|| EmrError::NotFound(fleet_id.into()))?;
        group.requested = (target.on_demand + target.spot.unwrap_or(0)) as i32;
        Ok(())
    }

    async fn terminate(&self, id: &ClusterId) -> Result<(), EmrError> {
        self.clusters
            .lock()
            .unwrap()
            .retain(|d| &d.summary.id != id);
        Ok(())
    }

    async fn resize_group(&self, _: &ClusterId, group_id: &str, _: u32) -> Result<(), EmrError> {
        // Fleet clusters only: EMR refuses group calls on them.
        Err(EmrError::Rejected(format!(
            "{group_id} is an instance fleet"
        )))
    }
}
