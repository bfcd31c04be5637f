//! `launch <preset> [name]`: a preset the config names, a name no other
//! active cluster has (or the one this very message launched before: a
//! redelivery launches nothing twice), and the RunJobFlow request, tagged
//! with who asked and for which message.

use super::AuditNote;
use crate::cluster::ClusterId;
use crate::config::Preset;
use crate::emr::{
    ClusterSummary, LaunchSpec, TAG_CLUSTER, TAG_LAUNCHED_BY, TAG_PRESET, TAG_REQUEST,
};
use crate::lock::holder_id;
use crate::message::{MessageId, Requester};
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};

/// The preset `name`, or the refusal listing those there are.
pub fn preset<'a>(
    presets: &'a BTreeMap<String, Preset>,
    name: &str,
) -> Result<&'a Preset, Refusal> {
    presets.get(name).ok_or_else(|| Refusal::NoSuchPreset {
        preset: name.to_string(),
        known: presets.keys().cloned().collect(),
    })
}

/// The name asked for, else `<preset>-<who>-<MMdd-HHmm>` of when it was asked.
pub fn cluster_name(
    preset: &str,
    given: Option<&str>,
    requester: &Requester,
    issued_at: DateTime<Utc>,
) -> String {
    if let Some(name) = given {
        return name.to_string();
    }
    let who = match requester {
        Requester::Slack {
            user_name: Some(n), ..
        } => n.clone(),
        other => holder_id(other).replace(':', "-"),
    };
    format!("{preset}-{who}-{}", issued_at.format("%m%d-%H%M"))
}

/// Whether `name` is free among the active clusters `everywhere`. `Ok`:
/// the same-name clusters of `account` that may be this message's own
/// earlier launch (their request tags decide, [`earlier_launch`]); none:
/// the name is free. Another cluster's id, or a same-name cluster in
/// another account, makes the name ambiguous for every later command.
pub fn name_clash(
    everywhere: &[ClusterSummary],
    name: &str,
    account: Option<&str>,
) -> Result<Vec<ClusterId>, Refusal> {
    let taken = || Refusal::NameTaken {
        name: name.to_string(),
    };
    if everywhere.iter().any(|c| c.id.as_str() == name) {
        return Err(taken());
    }
    let same_name: Vec<&ClusterSummary> = everywhere.iter().filter(|c| c.name == name).collect();
    let ours: Vec<ClusterId> = same_name
        .iter()
        .filter(|c| c.account.as_deref() == account)
        .map(|c| c.id.clone())
        .collect();
    if ours.is_empty() && !same_name.is_empty() {
        return Err(taken());
    }
    Ok(ours)
}

/// Of the same-name `candidates` (with their `tags`), the one message
/// `message` launched before; any other holds the name: refused.
pub fn earlier_launch(
    candidates: &[ClusterId],
    tags: &HashMap<ClusterId, BTreeMap<String, String>>,
    message: &MessageId,
    name: &str,
) -> Result<Option<ClusterId>, Refusal> {
    if candidates.is_empty() {
        return Ok(None);
    }
    candidates
        .iter()
        .find(|id| {
            tags.get(*id)
                .and_then(|t| t.get(TAG_REQUEST))
                .map(String::as_str)
                == Some(message.as_str())
        })
        .cloned()
        .map(Some)
        .ok_or_else(|| Refusal::NameTaken {
            name: name.to_string(),
        })
}

/// What RunJobFlow gets from a preset, tagged with who asked and for which message.
pub fn spec(
    preset_name: &str,
    preset: &Preset,
    name: &str,
    requester: &Requester,
    message: &MessageId,
) -> LaunchSpec {
    let mut tags = preset.tags.clone();
    tags.insert(TAG_LAUNCHED_BY.into(), holder_id(requester));
    tags.insert(TAG_PRESET.into(), preset_name.to_string());
    tags.insert(TAG_REQUEST.into(), message.to_string());
    tags.insert(TAG_CLUSTER.into(), name.to_string());
    LaunchSpec {
        name: name.to_string(),
        release: preset.release.clone(),
        applications: preset.applications.clone(),
        master_instance_type: preset
            .master_instance_type
            .clone()
            .unwrap_or_else(|| preset.instance_type.clone()),
        instance_type: preset.instance_type.clone(),
        core_count: preset.core_count,
        task_count: preset.task_count,
        subnet: preset.subnet.clone(),
        service_role: preset.service_role.clone(),
        job_flow_role: preset.job_flow_role.clone(),
        log_uri: preset.log_uri.clone(),
        tags,
        idle_timeout_secs: preset.idle_timeout.map(|t| t.as_secs()),
    }
}

/// What the audit log keeps of a launch.
pub fn audit(preset: &str, name: &str) -> AuditNote {
    AuditNote::says(format!("preset {preset}, name {name}"))
}
