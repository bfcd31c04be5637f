//! A cluster's capacity: its instance groups, or its instance fleets.

use super::{emr_error, AwsClusterApi};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::emr::{CapacityGroup, EbsVolume, InstanceRole};
use emrbot_domain::ports::clusters::EmrError;

impl AwsClusterApi {
    pub(super) async fn instance_groups(
        &self,
        id: &ClusterId,
    ) -> Result<Vec<CapacityGroup>, EmrError> {
        let groups = self
            .client
            .list_instance_groups()
            .cluster_id(id.as_str())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| emr_error("ListInstanceGroups", e))?;
        Ok(groups
            .iter()
            .map(|g| CapacityGroup {
                id: g.id().unwrap_or_default().to_string(),
                name: g.name().map(str::to_string),
                role: g
                    .instance_group_type()
                    .and_then(|t| InstanceRole::from_emr(t.as_str())),
                instance_type: g.instance_type().unwrap_or_default().to_string(),
                requested: g.requested_instance_count().unwrap_or(0),
                running: g.running_instance_count().unwrap_or(0),
                is_fleet: false,
                ebs: volumes(g.ebs_block_devices()),
                spot: g
                    .market()
                    .is_some_and(|m| *m == aws_sdk_emr::types::MarketType::Spot),
            })
            .collect())
    }

    pub(super) async fn fleets(&self, id: &ClusterId) -> Result<Vec<CapacityGroup>, EmrError> {
        Ok(self
            .fleet_details(id)
            .await?
            .into_iter()
            .map(|(g, _)| g)
            .collect())
    }

    /// Fleets with whether each runs on spot only.
    pub(super) async fn fleet_details(
        &self,
        id: &ClusterId,
    ) -> Result<Vec<(CapacityGroup, bool)>, EmrError> {
        let fleets = self
            .client
            .list_instance_fleets()
            .cluster_id(id.as_str())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| emr_error("ListInstanceFleets", e))?;
        Ok(fleets
            .iter()
            .map(|f| {
                let types: Vec<&str> = f
                    .instance_type_specifications()
                    .iter()
                    .filter_map(|s| s.instance_type())
                    .collect();
                let spot_only = f.target_on_demand_capacity().unwrap_or(0) == 0
                    && f.target_spot_capacity().unwrap_or(0) > 0;
                let group = CapacityGroup {
                    id: f.id().unwrap_or_default().to_string(),
                    name: f.name().map(str::to_string),
                    role: f
                        .instance_fleet_type()
                        .and_then(|t| InstanceRole::from_emr(t.as_str())),
                    instance_type: types.join("/"),
                    requested: f.target_on_demand_capacity().unwrap_or(0)
                        + f.target_spot_capacity().unwrap_or(0),
                    running: f.provisioned_on_demand_capacity().unwrap_or(0)
                        + f.provisioned_spot_capacity().unwrap_or(0),
                    is_fleet: true,
                    ebs: f
                        .instance_type_specifications()
                        .first()
                        .map(|spec| volumes(spec.ebs_block_devices()))
                        .unwrap_or_default(),
                    spot: f.provisioned_spot_capacity().unwrap_or(0) > 0
                        || f.target_spot_capacity().unwrap_or(0) > 0,
                };
                (group, spot_only)
            })
            .collect())
    }
}

/// The EBS volumes EMR lists for each instance (one device each).
fn volumes(devices: &[aws_sdk_emr::types::EbsBlockDevice]) -> Vec<EbsVolume> {
    devices
        .iter()
        .filter_map(|d| {
            let spec = d.volume_specification()?;
            Some(EbsVolume {
                volume_type: spec.volume_type()?.to_string(),
                size_gb: u32::try_from(spec.size_in_gb()?).ok()?,
            })
        })
        .collect()
}
