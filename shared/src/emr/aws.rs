//! The [`ClusterApi`] adapter over aws-sdk-emr.

use crate::aws::{classify, to_chrono, FailureKind};
use crate::cluster::ClusterId;
use crate::emr::model::{CapacityGroup, ClusterDetail, ClusterState, ClusterSummary, InstanceRole};
use crate::emr::port::{ClusterApi, EmrError};
use async_trait::async_trait;
use aws_sdk_emr::config::http::HttpResponse;
use aws_sdk_emr::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_emr::types as emr;
use aws_sdk_emr::Client;

pub struct AwsClusterApi {
    client: Client,
}

impl AwsClusterApi {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub fn from_sdk_config(config: &aws_config::SdkConfig) -> Self {
        Self::new(Client::new(config))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

pub(crate) fn emr_error<E: ProvideErrorMetadata>(what: &str, err: SdkError<E, HttpResponse>) -> EmrError {
    let failure = classify(&err);
    tracing::warn!(operation = what, code = %failure.code, message = %failure.message, "EMR call failed");
    match failure.kind {
        FailureKind::Transient => EmrError::Transient(failure.to_string()),
        FailureKind::NotFound => EmrError::NotFound(failure.message),
        FailureKind::AccessDenied => EmrError::AccessDenied(failure.code),
        FailureKind::ConditionFailed | FailureKind::Rejected => EmrError::Rejected(failure.to_string()),
    }
}

fn summary_from(c: &emr::ClusterSummary) -> Option<ClusterSummary> {
    let id = ClusterId::parse(c.id()?).ok()?;
    let status = c.status();
    let timeline = status.and_then(|s| s.timeline());
    Some(ClusterSummary {
        id,
        name: c.name().unwrap_or_default().to_string(),
        state: ClusterState::from_emr(status.and_then(|s| s.state()).map(|s| s.as_str()).unwrap_or("UNKNOWN")),
        account: None,
        created_at: timeline.and_then(|t| t.creation_date_time()).and_then(to_chrono),
        ready_at: timeline.and_then(|t| t.ready_date_time()).and_then(to_chrono),
        ended_at: timeline.and_then(|t| t.end_date_time()).and_then(to_chrono),
        normalized_instance_hours: c.normalized_instance_hours(),
        state_reason: status.and_then(|s| s.state_change_reason()).and_then(|r| r.message()).map(str::to_string),
    })
}

#[async_trait]
impl ClusterApi for AwsClusterApi {
    async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError> {
        let states = ClusterState::ACTIVE.map(emr::ClusterState::from).to_vec();
        let pages = self
            .client
            .list_clusters()
            .set_cluster_states(Some(states))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| emr_error("ListClusters", e))?;
        Ok(pages.iter().filter_map(summary_from).collect())
    }

    async fn describe(&self, id: &ClusterId) -> Result<ClusterDetail, EmrError> {
        let out = self
            .client
            .describe_cluster()
            .cluster_id(id.as_str())
            .send()
            .await
            .map_err(|e| emr_error("DescribeCluster", e))?;
        let c = out.cluster().ok_or_else(|| EmrError::NotFound(id.to_string()))?;
        let status = c.status();
        let timeline = status.and_then(|s| s.timeline());
        let summary = ClusterSummary {
            id: id.clone(),
            name: c.name().unwrap_or_default().to_string(),
            state: ClusterState::from_emr(status.and_then(|s| s.state()).map(|s| s.as_str()).unwrap_or("UNKNOWN")),
            account: None,
            created_at: timeline.and_then(|t| t.creation_date_time()).and_then(to_chrono),
            ready_at: timeline.and_then(|t| t.ready_date_time()).and_then(to_chrono),
            ended_at: timeline.and_then(|t| t.end_date_time()).and_then(to_chrono),
            normalized_instance_hours: c.normalized_instance_hours(),
            state_reason: status.and_then(|s| s.state_change_reason()).and_then(|r| r.message()).map(str::to_string),
        };
        let uses_fleets = c.instance_collection_type() == Some(&emr::InstanceCollectionType::InstanceFleet);
        let groups = if uses_fleets { self.fleets(id).await? } else { self.instance_groups(id).await? };
        Ok(ClusterDetail {
            summary,
            tags: c.tags().iter().filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string()))).collect(),
            release: c.release_label().map(str::to_string),
            applications: c.applications().iter().filter_map(|a| a.name().map(str::to_string)).collect(),
            termination_protected: c.termination_protected().unwrap_or(false),
            auto_terminate_idle: None,
            groups,
            uses_fleets,
        })
    }
}

impl AwsClusterApi {
    async fn instance_groups(&self, id: &ClusterId) -> Result<Vec<CapacityGroup>, EmrError> {
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
                role: g.instance_group_type().and_then(|t| InstanceRole::from_emr(t.as_str())),
                instance_type: g.instance_type().unwrap_or_default().to_string(),
                requested: g.requested_instance_count().unwrap_or(0),
                running: g.running_instance_count().unwrap_or(0),
                is_fleet: false,
            })
            .collect())
    }

    async fn fleets(&self, id: &ClusterId) -> Result<Vec<CapacityGroup>, EmrError> {
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
                let types: Vec<&str> =
                    f.instance_type_specifications().iter().filter_map(|s| s.instance_type()).collect();
                CapacityGroup {
                    id: f.id().unwrap_or_default().to_string(),
                    name: f.name().map(str::to_string),
                    role: f.instance_fleet_type().and_then(|t| InstanceRole::from_emr(t.as_str())),
                    instance_type: types.join("/"),
                    requested: f.target_on_demand_capacity().unwrap_or(0) + f.target_spot_capacity().unwrap_or(0),
                    running: f.provisioned_on_demand_capacity().unwrap_or(0) + f.provisioned_spot_capacity().unwrap_or(0),
                    is_fleet: true,
                }
            })
            .collect())
    }
}
