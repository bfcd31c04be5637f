//! `launch <preset> [name]`: RunJobFlow once per message, and a reply that
//! EMR's state-change events move forward (events.rs).

use crate::error::CommandError;
use crate::trace::Trace;
use crate::Worker;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::config::Preset;
use emrbot_domain::emr::ClusterSummary;
use emrbot_domain::emr::{LaunchSpec, TAG_CLUSTER, TAG_LAUNCHED_BY, TAG_PRESET, TAG_REQUEST};
use emrbot_domain::lock::holder_id;
use emrbot_domain::message::{CommandMessage, ReplyTo, Requester};
use emrbot_domain::ports::clusters::ClusterReader;
use emrbot_domain::ports::launches::LaunchRecord;
use emrbot_domain::refusal::Refusal;
use emrbot_shared::slack::render;

/// The cluster an earlier handling of `message` launched, if any, or why the
/// name cannot be used. The dedup claim stops concurrent and later
/// duplicates; the request tag covers the one gap it leaves: a worker that
/// died after RunJobFlow but before marking the message done, whose lease
/// then ran out. Any other active cluster whose name or id is `name` makes
/// the name ambiguous for every later command: refused.
async fn launched_for(
    everywhere: &[ClusterSummary],
    api: &dyn ClusterReader,
    account: Option<&str>,
    message: &CommandMessage,
    name: &str,
) -> Result<Option<ClusterId>, CommandError> {
    let taken = || Refusal::NameTaken {
        name: name.to_string(),
    };
    if everywhere.iter().any(|c| c.id.as_str() == name) {
        return Err(taken().into());
    }
    let same_name: Vec<&ClusterSummary> = everywhere.iter().filter(|c| c.name == name).collect();
    if same_name.is_empty() {
        return Ok(None);
    }
    let ours: Vec<ClusterId> = same_name
        .iter()
        .filter(|c| c.account.as_deref() == account)
        .map(|c| c.id.clone())
        .collect();
    let tags = api.tags_of(&ours).await?;
    let mine = ours.into_iter().find(|id| {
        tags.get(id)
            .and_then(|t| t.get(TAG_REQUEST))
            .map(String::as_str)
            == Some(message.id.as_str())
    });
    match mine {
        Some(id) => Ok(Some(id)),
        None => Err(taken().into()),
    }
}

/// The default name: `<preset>-<who>-<MMdd-HHmm>`.
fn default_name(preset: &str, message: &CommandMessage) -> String {
    let who = match &message.requested_by {
        Requester::Slack {
            user_name: Some(n), ..
        } => n.clone(),
        other => holder_id(other).replace(':', "-"),
    };
    format!("{preset}-{who}-{}", message.issued_at.format("%m%d-%H%M"))
}

/// What RunJobFlow gets from a preset, tagged with who asked and for which message.
fn launch_spec(
    preset_name: &str,
    preset: &Preset,
    name: &str,
    message: &CommandMessage,
) -> LaunchSpec {
    let mut tags = preset.tags.clone();
    tags.insert(TAG_LAUNCHED_BY.into(), holder_id(&message.requested_by));
    tags.insert(TAG_PRESET.into(), preset_name.to_string());
    tags.insert(TAG_REQUEST.into(), message.id.to_string());
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

impl Worker {
    pub(crate) async fn launch(
        &self,
        message: &CommandMessage,
        preset_name: &str,
        cluster_name: Option<&str>,
        trace: &mut Trace,
    ) -> Result<(), CommandError> {
        let preset = self
            .config
            .presets
            .get(preset_name)
            .ok_or_else(|| Refusal::NoSuchPreset {
                preset: preset_name.to_string(),
                known: self.config.presets.keys().cloned().collect(),
            })?;
        trace.account = preset.account.clone();
        let api = self.api_of(preset.account.as_deref())?;
        let name = cluster_name
            .map(str::to_string)
            .unwrap_or_else(|| default_name(preset_name, message));
        let everywhere = self.clusters.list_active().await?;
        let account = preset.account.as_deref();
        let id = match launched_for(&everywhere, api.as_ref(), account, message, &name).await? {
            Some(id) => {
                tracing::warn!(cluster = %id, "this message already launched a cluster; not launching again");
                id
            }
            None => {
                api.launch(&launch_spec(preset_name, preset, &name, message))
                    .await?
            }
        };
        tracing::info!(cluster = %id, preset = preset_name, "launched");
        trace.cluster = Some(id.clone());
        trace.name = Some(name.clone());
        trace.detail = format!("preset {preset_name}, name {name}");
        let requester = message.requested_by.display();
        // Stored before replying, so a state-change event that arrives at once finds it.
        let mut record = LaunchRecord {
            cluster: id.clone(),
            account: preset.account.clone(),
            preset: preset_name.to_string(),
            name: name.clone(),
            requested_by: requester.clone(),
            reply_to: message.reply_to.clone(),
            issued_at: message.issued_at,
            response_uses: 0,
            channel_ts: None,
            last_state: Some("STARTING".into()),
        };
        let text = render::launch_progress(
            &name,
            id.as_str(),
            preset.account.as_deref(),
            preset_name,
            "STARTING",
            None,
            &requester,
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
}
