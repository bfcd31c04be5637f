//! The [`ClusterReader`] and [`ClusterChanger`] ports over aws-sdk-emr
//! (instance groups and fleets: `capacity`).

mod capacity;
mod instances;
mod signals;

use crate::aws::{classify, to_chrono, FailureKind};
use async_trait::async_trait;
use aws_sdk_emr::config::http::HttpResponse;
use aws_sdk_emr::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_emr::types as emr;
use aws_sdk_emr::Client;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::emr::{
    ClusterDetail, ClusterState, ClusterSummary, FleetTarget, LaunchSpec, StepSummary,
};
use emrbot_domain::policy::activity::IdlePoints;
use emrbot_domain::ports::clusters::{ClusterChanger, ClusterReader, EmrError};
use std::collections::{BTreeMap, HashMap};

pub struct AwsClusterApi {
    client: Client,
    tagging: aws_sdk_resourcegroupstagging::Client,
    metrics: aws_sdk_cloudwatch::Client,
}

impl AwsClusterApi {
    /// DescribeCluster alone.
    async fn describe_cluster(&self, id: &ClusterId) -> Result<emr::Cluster, EmrError> {
        self.client
            .describe_cluster()
            .cluster_id(id.as_str())
            .send()
            .await
            .map_err(|e| emr_error("DescribeCluster", e))?
            .cluster
            .ok_or_else(|| EmrError::NotFound(id.to_string()))
    }

    pub fn from_sdk_config(config: &aws_config::SdkConfig) -> Self {
        Self {
            client: Client::new(config),
            tagging: aws_sdk_resourcegroupstagging::Client::new(config),
            metrics: aws_sdk_cloudwatch::Client::new(config),
        }
    }
}

pub(crate) fn emr_error<E: ProvideErrorMetadata>(
    what: &str,
    err: SdkError<E, HttpResponse>,
) -> EmrError {
    let failure = classify(&err);
    tracing::warn!(operation = what, code = %failure.code, message = %failure.message, "EMR call failed");
    match failure.kind {
        FailureKind::Transient => EmrError::Transient(failure.to_string()),
        FailureKind::NotFound => EmrError::NotFound(failure.message),
        FailureKind::AccessDenied => EmrError::AccessDenied(failure.code),
        FailureKind::ConditionFailed | FailureKind::Rejected => {
            EmrError::Rejected(failure.to_string())
        }
    }
}

fn summary_from(c: &emr::ClusterSummary) -> Option<ClusterSummary> {
    let id = ClusterId::parse(c.id()?).ok()?;
    Some(summary_of(
        id,
        c.name(),
        c.status(),
        c.normalized_instance_hours(),
    ))
}

fn tags_of(c: &emr::Cluster) -> BTreeMap<String, String> {
    c.tags()
        .iter()
        .filter_map(|t| {
            Some((
                t.key()?.to_string(),
                t.value().unwrap_or_default().to_string(),
            ))
        })
        .collect()
}

/// ListClusters' summaries and DescribeCluster's cluster carry the same status.
fn summary_of(
    id: ClusterId,
    name: Option<&str>,
    status: Option<&emr::ClusterStatus>,
    normalized_instance_hours: Option<i32>,
) -> ClusterSummary {
    let timeline = status.and_then(|s| s.timeline());
    let time = |t: Option<&aws_smithy_types::DateTime>| t.and_then(to_chrono);
    ClusterSummary {
        id,
        name: name.unwrap_or_default().to_string(),
        state: ClusterState::from_emr(
            status
                .and_then(|s| s.state())
                .map(|s| s.as_str())
                .unwrap_or("UNKNOWN"),
        ),
        account: None,
        created_at: time(timeline.and_then(|t| t.creation_date_time())),
        ready_at: time(timeline.and_then(|t| t.ready_date_time())),
        ended_at: time(timeline.and_then(|t| t.end_date_time())),
        normalized_instance_hours,
        state_reason: status
            .and_then(|s| s.state_change_reason())
            .and_then(|r| r.message())
            .map(str::to_string),
    }
}

impl AwsClusterApi {
    /// ListClusters in `states` (created after `created_after`), every page.
    async fn list_in(
        &self,
        states: &[&str],
        created_after: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<Vec<ClusterSummary>, EmrError> {
        let states = states.iter().map(|s| emr::ClusterState::from(*s)).collect();
        let pages = self
            .client
            .list_clusters()
            .set_cluster_states(Some(states))
            .set_created_after(
                created_after.map(|t| aws_smithy_types::DateTime::from_secs(t.timestamp())),
            )
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| emr_error("ListClusters", e))?;
        Ok(pages.iter().filter_map(summary_from).collect())
    }
}

#[async_trait]
impl ClusterReader for AwsClusterApi {
    async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError> {
        self.list_in(&ClusterState::ACTIVE, None).await
    }
    async fn list_ended(
        &self,
        created_after: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<ClusterSummary>, EmrError> {
        let ended = [ClusterState::Terminated, ClusterState::TerminatedWithErrors];
        let ended = ended.each_ref().map(ClusterState::as_emr);
        self.list_in(&ended, Some(created_after)).await
    }
    async fn list_instances(
        &self,
        id: &ClusterId,
    ) -> Result<Vec<emrbot_domain::usage::InstanceRecord>, EmrError> {
        instances::list(&self.client, id).await
    }
    async fn describe(&self, id: &ClusterId) -> Result<ClusterDetail, EmrError> {
        let c = self.describe_cluster(id).await?;
        let c = &c;
        let summary = summary_of(
            id.clone(),
            c.name(),
            c.status(),
            c.normalized_instance_hours(),
        );
        let uses_fleets =
            c.instance_collection_type() == Some(&emr::InstanceCollectionType::InstanceFleet);
        let groups = if uses_fleets {
            self.fleets(id).await?
        } else {
            self.instance_groups(id).await?
        };
        Ok(ClusterDetail {
            summary,
            tags: tags_of(c),
            release: c.release_label().map(str::to_string),
            applications: c
                .applications()
                .iter()
                .filter_map(|a| a.name().map(str::to_string))
                .collect(),
            termination_protected: c.termination_protected().unwrap_or(false),
            auto_terminate_idle: None,
            groups,
            uses_fleets,
            availability_zone: c
                .ec2_instance_attributes()
                .and_then(|a| a.ec2_availability_zone())
                .filter(|z| !z.is_empty())
                .map(str::to_string),
        })
    }
    async fn list_steps(&self, id: &ClusterId) -> Result<Vec<StepSummary>, EmrError> {
        let steps = self
            .client
            .list_steps()
            .cluster_id(id.as_str())
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| emr_error("ListSteps", e))?;
        Ok(steps
            .iter()
            .map(|s| StepSummary {
                id: s.id().unwrap_or_default().to_string(),
                name: s.name().unwrap_or_default().to_string(),
                state: s
                    .status()
                    .and_then(|st| st.state())
                    .map(|st| st.as_str().to_string())
                    .unwrap_or_default(),
                ended_at: s
                    .status()
                    .and_then(|st| st.timeline())
                    .and_then(|t| t.end_date_time())
                    .and_then(to_chrono),
            })
            .collect())
    }
    /// DescribeCluster alone (no instance groups): EMR has no bulk tag call.
    async fn tags_of(
        &self,
        ids: &[ClusterId],
    ) -> Result<HashMap<ClusterId, BTreeMap<String, String>>, EmrError> {
        let mut out = HashMap::with_capacity(ids.len());
        for id in ids {
            out.insert(id.clone(), tags_of(&self.describe_cluster(id).await?));
        }
        Ok(out)
    }
    async fn with_tag(&self, key: &str) -> Result<HashMap<ClusterId, String>, EmrError> {
        signals::with_tag(&self.tagging, key).await
    }
    async fn idle_metric(
        &self,
        ids: &[ClusterId],
        since: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<HashMap<ClusterId, IdlePoints>, EmrError> {
        signals::idle_metric(&self.metrics, ids, since, until).await
    }
}

#[async_trait]
impl ClusterChanger for AwsClusterApi {
    async fn launch(&self, spec: &LaunchSpec) -> Result<ClusterId, EmrError> {
        let group = |role: emr::InstanceRoleType, instance_type: &str, count: u32| {
            emr::InstanceGroupConfig::builder()
                .instance_role(role)
                .instance_type(instance_type)
                .instance_count(count as i32)
                .build()
        };
        let mut instances = emr::JobFlowInstancesConfig::builder()
            .instance_groups(group(
                emr::InstanceRoleType::Master,
                &spec.master_instance_type,
                1,
            ))
            .instance_groups(group(
                emr::InstanceRoleType::Core,
                &spec.instance_type,
                spec.core_count,
            ))
            .keep_job_flow_alive_when_no_steps(true)
            .set_ec2_subnet_id(spec.subnet.clone());
        if spec.task_count > 0 {
            instances = instances.instance_groups(group(
                emr::InstanceRoleType::Task,
                &spec.instance_type,
                spec.task_count,
            ));
        }
        let mut request = self
            .client
            .run_job_flow()
            .name(&spec.name)
            .release_label(&spec.release)
            .service_role(&spec.service_role)
            .job_flow_role(&spec.job_flow_role)
            .visible_to_all_users(true)
            .set_log_uri(spec.log_uri.clone())
            .instances(instances.build());
        for app in &spec.applications {
            request = request.applications(emr::Application::builder().name(app).build());
        }
        for (k, v) in &spec.tags {
            request = request.tags(emr::Tag::builder().key(k).value(v).build());
        }
        // Set inside RunJobFlow: the emulator accepts it there (its separate
        // Put/GetAutoTerminationPolicy answer 500), and on AWS it is atomic
        // with the launch, so no cluster ever runs without its safety net.
        if let Some(secs) = spec.idle_timeout_secs {
            request = request.auto_termination_policy(
                emr::AutoTerminationPolicy::builder()
                    .idle_timeout(secs as i64)
                    .build(),
            );
        }
        let out = request
            .send()
            .await
            .map_err(|e| emr_error("RunJobFlow", e))?;
        let id = out
            .job_flow_id()
            .ok_or_else(|| EmrError::Rejected("RunJobFlow returned no cluster id".into()))?;
        ClusterId::parse(id).map_err(|e| EmrError::Rejected(e.to_string()))
    }
    async fn terminate(&self, id: &ClusterId) -> Result<(), EmrError> {
        match self
            .client
            .terminate_job_flows()
            .job_flow_ids(id.as_str())
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.message()
                    .is_some_and(|m| m.contains("termination protected")) =>
            {
                Err(EmrError::TerminationProtected(id.to_string()))
            }
            Err(e) => Err(emr_error("TerminateJobFlows", e)),
        }
    }
    async fn resize_group(
        &self,
        id: &ClusterId,
        group_id: &str,
        count: u32,
    ) -> Result<(), EmrError> {
        let group = emr::InstanceGroupModifyConfig::builder()
            .instance_group_id(group_id)
            .instance_count(count as i32)
            .build();
        self.client
            .modify_instance_groups()
            .cluster_id(id.as_str())
            .instance_groups(group)
            .send()
            .await
            .map_err(|e| emr_error("ModifyInstanceGroups", e))?;
        Ok(())
    }
    async fn resize_fleet(
        &self,
        id: &ClusterId,
        fleet_id: &str,
        target: FleetTarget,
    ) -> Result<(), EmrError> {
        // Counts are at most 10,000 (the parser's bound), so they fit EMR's i32.
        let units = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        let change = emr::InstanceFleetModifyConfig::builder().instance_fleet_id(fleet_id);
        let change = match target.spot {
            Some(spot) => change
                .target_on_demand_capacity(units(target.on_demand))
                .target_spot_capacity(units(spot)),
            None => {
                // Keep the fleet's purchasing mix: a spot-only fleet gets a spot target.
                let fleets = self.fleet_details(id).await?;
                let (_, spot_only) = fleets
                    .iter()
                    .find(|(f, _)| f.id == fleet_id)
                    .ok_or_else(|| EmrError::NotFound(fleet_id.to_string()))?;
                if *spot_only {
                    change.target_spot_capacity(units(target.on_demand))
                } else {
                    change.target_on_demand_capacity(units(target.on_demand))
                }
            }
        };
        self.client
            .modify_instance_fleet()
            .cluster_id(id.as_str())
            .instance_fleet(change.build())
            .send()
            .await
            .map_err(|e| emr_error("ModifyInstanceFleet", e))?;
        Ok(())
    }
}
