//! `resize <cluster> <group> <count> [spot <count>]`: a core or task
//! instance group, or an instance fleet's on-demand (and spot) target
//! capacity; within the preset's limits (or `policy.max_instances` for
//! clusters of no preset), and not past another user's lock (admins may
//! `force`).

use crate::error::CommandError;
use crate::trace::Trace;
use crate::Worker;
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::emr::{CapacityGroup, FleetTarget, InstanceRole, TAG_PRESET};
use emrbot_domain::lock::holder_id;
use emrbot_domain::message::Requester;
use emrbot_domain::refusal::Refusal;
use emrbot_shared::slack::render::replies::{self, Named};
use emrbot_shared::slack::SlackMessage;

/// What `resize` asked for.
pub(crate) struct Size {
    pub count: u32,
    pub spot: Option<u32>,
    pub force: bool,
}

impl Worker {
    pub(crate) async fn resize(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        group_arg: &str,
        size: Size,
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, api) = self.resolve(reference).await?;
        trace.about(&c);
        let now = self.clock.now();
        if let Some(lock) = self
            .locks
            .get(&c.id)
            .await?
            .filter(|l| l.is_active(now) && l.holder != holder_id(requester))
        {
            if !(size.force && self.is_admin(requester)) {
                return Err(Refusal::Locked(Box::new(lock)).into());
            }
        }
        let detail = api.describe(&c.id).await?;
        let group = find_group(&detail.groups, group_arg)?;
        if size.spot.is_some() && !group.is_fleet {
            return Err(Refusal::SpotNeedsFleet.into());
        }
        let count = size.count + size.spot.unwrap_or(0);
        let role = match group.role {
            Some(InstanceRole::Core) if count == 0 => return Err(Refusal::CoreNeedsOne.into()),
            Some(ref role @ (InstanceRole::Core | InstanceRole::Task)) => role.clone(),
            _ => return Err(Refusal::NotResizable.into()),
        };
        let preset_name = detail.tags.get(TAG_PRESET);
        let preset = preset_name.and_then(|p| self.config.presets.get(p));
        // The preset's bound, else the config's default for every group.
        let max = match (&role, preset) {
            (InstanceRole::Core, Some(p)) => p.max_core_count,
            (_, Some(p)) => p.max_task_count,
            (_, None) => None,
        }
        .unwrap_or(self.config.policy.max_instances);
        if count > max {
            return Err(Refusal::OverPresetLimit {
                preset: preset_name
                    .cloned()
                    .unwrap_or_else(|| "(none: policy.max_instances)".into()),
                max,
                role: role.as_str().into(),
                count,
            }
            .into());
        }
        if group.is_fleet {
            let target = FleetTarget {
                on_demand: size.count,
                spot: size.spot,
            };
            api.resize_fleet(&c.id, &group.id, target).await?;
        } else {
            api.resize_group(&c.id, &group.id, size.count).await?;
        }
        self.forget_description(&c.id).await;
        trace.detail = format!(
            "{} {} {} -> {count}",
            role.as_str(),
            group.id,
            group.requested
        );
        Ok(replies::resized(
            &requester.display(),
            Named::of(&c),
            group,
            count,
        ))
    }
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
