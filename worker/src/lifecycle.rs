//! Commands that change clusters: launch, terminate, resize.

use crate::commands::{holder_id, CommandError, Trace};
use crate::Worker;
use emrbot_shared::cluster::{ClusterId, ClusterRef};
use emrbot_shared::emr::{
    CapacityGroup, ClusterApi, ClusterSummary, EmrError, InstanceRole, LaunchSpec, TAG_LAUNCHED_BY,
    TAG_PRESET, TAG_REQUEST,
};
use emrbot_shared::message::{CommandMessage, ReplyTo, Requester};
use emrbot_shared::slack::blocks::escape;
use emrbot_shared::slack::SlackMessage;
use emrbot_shared::store::LaunchRecord;
use emrbot_shared::view;

fn protected_text(c: &ClusterSummary) -> String {
    format!(
        ":shield: *{}* `{}` has EMR termination protection on, so it cannot be terminated. \
         If it really should go, turn protection off first (EMR console, or \
         `aws emr modify-cluster-attributes --cluster-id {} --no-termination-protected`), then try again.",
        escape(&c.name),
        c.id,
        c.id
    )
}

/// The cluster an earlier handling of `message` launched, if any. The dedup
/// claim stops concurrent and later duplicates; this covers the one gap it
/// leaves: a worker that died after RunJobFlow but before marking the message
/// done, whose lease then ran out. One ListClusters per launch, plus a
/// DescribeCluster for each active cluster of the same name.
async fn launched_for(
    api: &dyn ClusterApi,
    message: &CommandMessage,
    name: &str,
) -> Result<Option<ClusterId>, EmrError> {
    let same_name: Vec<ClusterId> = api
        .list_active()
        .await?
        .into_iter()
        .filter(|c| c.name == name)
        .map(|c| c.id)
        .collect();
    if same_name.is_empty() {
        return Ok(None);
    }
    let tags = api.tags_of(&same_name).await?;
    Ok(same_name.into_iter().find(|id| {
        tags.get(id)
            .and_then(|t| t.get(TAG_REQUEST))
            .map(String::as_str)
            == Some(message.id.as_str())
    }))
}

impl Worker {
    pub(crate) async fn launch(
        &self,
        message: &CommandMessage,
        preset_name: &str,
        cluster_name: Option<&str>,
        trace: &mut Trace,
    ) -> Result<(), CommandError> {
        let preset = self.config.presets.get(preset_name).ok_or_else(|| {
            let names: Vec<&str> = self.config.presets.keys().map(String::as_str).collect();
            CommandError::User(format!(
                "There is no preset `{}`. Presets: {}.",
                escape(preset_name),
                if names.is_empty() {
                    "none configured".into()
                } else {
                    names.join(", ")
                }
            ))
        })?;
        trace.account = preset.account.clone();
        let api = self
            .clusters
            .account(preset.account.as_deref())
            .cloned()
            .ok_or_else(|| {
                CommandError::User(format!(
                    "The account `{}` of preset `{preset_name}` is not configured.",
                    preset.account.as_deref().unwrap_or("home")
                ))
            })?;
        let requester = &message.requested_by;
        let name = match cluster_name {
            Some(n) => n.to_string(),
            None => {
                let who = match requester {
                    Requester::Slack {
                        user_name: Some(n), ..
                    } => n.clone(),
                    other => holder_id(other).replace(':', "-"),
                };
                format!(
                    "{preset_name}-{who}-{}",
                    message.issued_at.format("%m%d-%H%M")
                )
            }
        };
        let mut tags = preset.tags.clone();
        tags.insert(TAG_LAUNCHED_BY.into(), holder_id(requester));
        tags.insert(TAG_PRESET.into(), preset_name.to_string());
        tags.insert(TAG_REQUEST.into(), message.id.to_string());
        let spec = LaunchSpec {
            name: name.clone(),
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
        };
        let id = match launched_for(api.as_ref(), message, &name).await? {
            Some(id) => {
                tracing::warn!(cluster = %id, "this message already launched a cluster; not launching again");
                id
            }
            None => api.launch(&spec).await?,
        };
        tracing::info!(cluster = %id, preset = preset_name, "launched");
        trace.cluster = Some(id.clone());
        trace.detail = format!("preset {preset_name}, name {name}");
        // Stored before replying, so a state-change event that arrives at once finds it.
        let mut record = LaunchRecord {
            cluster: id.clone(),
            account: preset.account.clone(),
            preset: preset_name.to_string(),
            name: name.clone(),
            requested_by: requester.display(),
            reply_to: message.reply_to.clone(),
            issued_at: message.issued_at,
            response_uses: 0,
            channel_ts: None,
            last_state: Some("STARTING".into()),
        };
        let text = view::launch_progress(
            &name,
            id.as_str(),
            preset.account.as_deref(),
            preset_name,
            "STARTING",
            None,
            &requester.display(),
        );
        if let Err(e) = self.launches.put(&record).await {
            tracing::warn!(error = %e, "could not store the launch; progress will not be shown");
        }
        let route = self.route(&message.reply_to, message.issued_at, 0);
        if matches!(route, ReplyTo::ResponseUrl { .. }) {
            record.response_uses = 1;
        }
        if let Some(posted) = self
            .deliver(&message.reply_to, message.issued_at, &text.in_channel())
            .await
        {
            if matches!(route, ReplyTo::Channel { .. }) {
                record.channel_ts = posted.ts;
            }
        }
        if let Err(e) = self.launches.put(&record).await {
            tracing::warn!(error = %e, "could not store the launch's reply");
        }
        Ok(())
    }

    pub(crate) async fn terminate(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        confirmed: bool,
        force: bool,
        reason: Option<&str>,
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, api) = self.resolve(reference).await?;
        trace.about(&c);
        let now = self.clock.now();
        let may_force =
            force && (self.is_admin(requester) || matches!(requester, Requester::Scheduler { .. }));
        let other_lock = self
            .locks
            .get(&c.id)
            .await?
            .filter(|l| l.is_active(now) && l.holder != holder_id(requester));
        if let Some(l) = &other_lock {
            if !may_force {
                let hint = if force {
                    " Only an admin can force past a lock."
                } else {
                    " Ask them, or an admin can add `force`."
                };
                return Err(CommandError::User(format!(
                    ":no_entry: *{}* `{}` is locked by {} until {}, so it was not terminated.{hint}",
                    escape(&c.name),
                    c.id,
                    l.holder_display,
                    self.local_time(l.until)
                )));
            }
        }
        if !confirmed {
            let detail = api.describe(&c.id).await?;
            if detail.termination_protected {
                return Err(CommandError::User(protected_text(&c)));
            }
            let warning = other_lock.map(|l| {
                format!(
                    "{} holds a lock on it; you are forcing past it as an admin.",
                    l.holder_display
                )
            });
            trace.detail = "asked for confirmation".into();
            return Ok(view::terminate_confirmation(&c, force, warning.as_deref()));
        }
        match api.terminate(&c.id).await {
            Ok(()) => {}
            Err(EmrError::TerminationProtected(_)) => {
                return Err(CommandError::User(protected_text(&c)))
            }
            Err(e) => return Err(e.into()),
        }
        if let Err(e) = self.locks.release(&c.id, None).await {
            tracing::warn!(error = %e, "terminated, but the lock could not be removed");
        }
        trace.detail = match &other_lock {
            Some(l) => format!("terminated, forced past {}'s lock", l.holder_display),
            None => "terminated".into(),
        };
        let why = reason
            .map(|r| format!(" Reason: {}.", escape(r)))
            .unwrap_or_default();
        Ok(SlackMessage::plain(format!(
            ":boom: {} terminated *{}* `{}` ({}).{why}",
            requester.display(),
            escape(&c.name),
            c.id,
            c.account.as_deref().unwrap_or("home")
        ))
        .in_channel())
    }

    pub(crate) async fn resize(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        group_arg: &str,
        count: u32,
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, api) = self.resolve(reference).await?;
        trace.about(&c);
        let detail = api.describe(&c.id).await?;
        let group = find_group(&detail.groups, group_arg)?;
        let role = group.role.clone();
        if role == Some(InstanceRole::Master) || role.is_none() {
            return Err(CommandError::User(
                "Only core and task groups can be resized.".into(),
            ));
        }
        if role == Some(InstanceRole::Core) && count == 0 {
            return Err(CommandError::User(
                "A core group needs at least one instance (HDFS lives there).".into(),
            ));
        }
        let preset_name = detail.tags.get(TAG_PRESET);
        let preset = preset_name.and_then(|p| self.config.presets.get(p));
        let max = match role {
            Some(InstanceRole::Core) => preset.and_then(|p| p.max_core_count),
            _ => preset.and_then(|p| p.max_task_count),
        };
        if let Some(max) = max.filter(|max| count > *max) {
            return Err(CommandError::User(format!(
                "Preset `{}` allows at most {max} {} instances; {count} is too many.",
                preset_name.map(String::as_str).unwrap_or("?"),
                role.as_ref().map(InstanceRole::as_str).unwrap_or("?")
            )));
        }
        if group.is_fleet {
            api.resize_fleet(&c.id, &group.id, count).await?;
        } else {
            api.resize_group(&c.id, &group.id, count).await?;
        }
        let what = if group.is_fleet {
            "target capacity of the"
        } else {
            "size of the"
        };
        let role_name = role.as_ref().map(InstanceRole::as_str).unwrap_or("?");
        trace.detail = format!("{role_name} {} {} -> {count}", group.id, group.requested);
        Ok(SlackMessage::plain(format!(
            ":arrows_counterclockwise: {} changed the {what} {role_name} {} `{}` of *{}* `{}` from {} to {count}.",
            requester.display(),
            if group.is_fleet { "fleet" } else { "group" },
            group.id,
            escape(&c.name),
            c.id,
            group.requested
        ))
        .in_channel())
    }
}

/// `core` / `task` (the one group of that role), or a group's id or name.
pub fn find_group<'a>(
    groups: &'a [CapacityGroup],
    arg: &str,
) -> Result<&'a CapacityGroup, CommandError> {
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
        [] => {
            let known: Vec<String> = groups
                .iter()
                .map(|g| {
                    format!(
                        "{} `{}`",
                        g.role.as_ref().map(InstanceRole::as_str).unwrap_or("?"),
                        g.id
                    )
                })
                .collect();
            Err(CommandError::User(format!(
                "No group `{}` on that cluster. It has: {}.",
                escape(arg),
                known.join(", ")
            )))
        }
        many => {
            let ids: Vec<String> = many.iter().map(|g| format!("`{}`", g.id)).collect();
            Err(CommandError::User(format!(
                "`{}` is several groups ({}); give the group id.",
                escape(arg),
                ids.join(", ")
            )))
        }
    }
}
