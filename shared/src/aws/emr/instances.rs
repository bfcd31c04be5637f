//! `ListInstances`: every EC2 instance EMR records for a cluster, with its
//! type, market and timeline, for groups and fleets alike.

use super::emr_error;
use crate::aws::to_chrono;
use aws_sdk_emr::types as emr;
use aws_sdk_emr::Client;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::ports::clusters::EmrError;
use emrbot_domain::usage::{InstanceRecord, Market};

fn record_from(i: &emr::Instance) -> Option<InstanceRecord> {
    let timeline = i.status().and_then(|s| s.timeline());
    Some(InstanceRecord {
        id: i.id()?.to_string(),
        instance_type: i.instance_type()?.to_string(),
        market: i.market().and_then(|m| Market::from_emr(m.as_str())),
        group: i
            .instance_group_id()
            .or(i.instance_fleet_id())
            .filter(|g| !g.is_empty())
            .map(str::to_string),
        started: timeline
            .and_then(|t| t.creation_date_time())
            .and_then(to_chrono),
        ended: timeline.and_then(|t| t.end_date_time()).and_then(to_chrono),
    })
}

pub(super) async fn list(client: &Client, id: &ClusterId) -> Result<Vec<InstanceRecord>, EmrError> {
    let instances: Vec<emr::Instance> = client
        .list_instances()
        .cluster_id(id.as_str())
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| emr_error("ListInstances", e))?;
    let records: Vec<InstanceRecord> = instances.iter().filter_map(record_from).collect();
    if records.len() < instances.len() {
        tracing::warn!(
            cluster = %id,
            skipped = instances.len() - records.len(),
            "instances without an id or a type were left out"
        );
    }
    Ok(records)
}
