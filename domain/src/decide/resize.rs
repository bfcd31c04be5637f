//! `resize <cluster> <group> <count> [spot <count>]`: a core or task
//! instance group, or an instance fleet's on-demand (and spot) target
//! capacity; within the preset's limits (or `policy.max_instances` for
//! clusters of no preset), and not past another user's lock (admins may
//! `force`).

use super::{Asker, AuditNote};
use crate::config::Preset;
use crate::emr::{CapacityGroup, FleetTarget, InstanceRole, TAG_PRESET};
use crate::lock::Lock;
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What `resize` asked for.
#[derive(Debug, Clone)]
pub struct Ask {
    /// `core`, `task`, or a group's id or name.
    pub group: String,
    pub count: u32,
    pub spot: Option<u32>,
    pub force: bool,
}

/// The bounds a resize must stay within.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'a> {
    pub presets: &'a BTreeMap<String, Preset>,
    /// For clusters of no preset, or groups their preset does not bound.
    pub max_instances: u32,
}

/// Someone else's active lock stops a resize, unless an admin forces it.
pub fn past_lock(
    asker: Asker<'_>,
    lock: Option<&Lock>,
    force: bool,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    match super::held_by_other(asker, lock, now) {
        Some(l) if !(force && asker.is_admin) => Err(Refusal::Locked(Box::new(l))),
        _ => Ok(()),
    }
}

/// The resize to perform.
#[derive(Debug, Clone, PartialEq)]
pub struct Resize {
    pub group: CapacityGroup,
    pub role: InstanceRole,
    /// For a fleet; `None`: an instance group, to `on_demand` instances.
    pub fleet: Option<FleetTarget>,
    /// Instances asked for in all (on-demand and spot).
    pub count: u32,
}

impl Resize {
    pub fn audit(&self) -> AuditNote {
        AuditNote::says(format!(
            "{} {} {} -> {}",
            self.role.as_str(),
            self.group.id,
            self.group.requested,
            self.count
        ))
    }
}

/// The resize of the group `ask.group` names among `groups` (a cluster
/// tagged with preset `tags[TAG_PRESET]`), or why not.
pub fn resize(
    groups: &[CapacityGroup],
    tags: &BTreeMap<String, String>,
    ask: &Ask,
    limits: Limits<'_>,
) -> Result<Resize, Refusal> {
    let group = find_group(groups, &ask.group)?;
    if ask.spot.is_some() && !group.is_fleet {
        return Err(Refusal::SpotNeedsFleet);
    }
    let count = ask.count + ask.spot.unwrap_or(0);
    let role = match group.role {
        Some(InstanceRole::Core) if count == 0 => return Err(Refusal::CoreNeedsOne),
        Some(ref role @ (InstanceRole::Core | InstanceRole::Task)) => role.clone(),
        _ => return Err(Refusal::NotResizable),
    };
    let preset_name = tags.get(TAG_PRESET);
    let preset = preset_name.and_then(|p| limits.presets.get(p));
    // The preset's bound, else the config's default for every group.
    let max = match (&role, preset) {
        (InstanceRole::Core, Some(p)) => p.max_core_count,
        (_, Some(p)) => p.max_task_count,
        (_, None) => None,
    }
    .unwrap_or(limits.max_instances);
    if count > max {
        return Err(Refusal::OverPresetLimit {
            preset: preset_name
                .cloned()
                .unwrap_or_else(|| "(none: policy.max_instances)".into()),
            max,
            role: role.as_str().into(),
            count,
        });
    }
    Ok(Resize {
        fleet: group.is_fleet.then_some(FleetTarget {
            on_demand: ask.count,
            spot: ask.spot,
        }),
        group: group.clone(),
        role,
        count,
    })
}

/// `core` / `task` (the one group of that role), or a group's id or name.
pub fn find_group<'a>(
    groups: &'a [CapacityGroup],
    arg: &str,
) -> Result<&'a CapacityGroup, Refusal> {
    let by_role = |role: InstanceRole| {
        groups
            .iter()
            .filter(|g| g.role.as_ref() == Some(&role))
            .collect::<Vec<_>>()
    };
    let matches: Vec<&CapacityGroup> = match arg.to_ascii_lowercase().as_str() {
        "core" => by_role(InstanceRole::Core),
        "task" => by_role(InstanceRole::Task),
        "master" | "primary" => by_role(InstanceRole::Master),
        _ => groups
            .iter()
            .filter(|g| {
                g.id == arg
                    || g.name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(arg))
            })
            .collect(),
    };
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Refusal::NoSuchGroup {
            group: arg.to_string(),
            known: groups
                .iter()
                .map(|g| {
                    let role = g.role.as_ref().map(InstanceRole::as_str).unwrap_or("?");
                    format!("{role} `{}`", g.id)
                })
                .collect(),
        }),
        many => Err(Refusal::SeveralGroups {
            group: arg.to_string(),
            ids: many.iter().map(|g| g.id.clone()).collect(),
        }),
    }
}
