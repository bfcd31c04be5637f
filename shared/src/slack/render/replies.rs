//! What the worker answers when a command succeeds.

use super::local_time;
use crate::slack::blocks::{escape, SlackMessage};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::decide::lock::Unlocked;
use emrbot_domain::duration::HumanDuration;
use emrbot_domain::emr::{CapacityGroup, ClusterSummary, InstanceRole};
use emrbot_domain::ports::clusters::EmrError;

/// The cluster a reply is about: its name and id.
pub struct Named<'a> {
    pub name: &'a str,
    pub id: &'a ClusterId,
}

impl<'a> Named<'a> {
    pub fn of(cluster: &'a ClusterSummary) -> Self {
        Named {
            name: &cluster.name,
            id: &cluster.id,
        }
    }

    fn label(&self) -> String {
        format!("*{}* `{}`", escape(self.name), self.id)
    }
}

pub fn locked(
    by: &str,
    cluster: Named<'_>,
    duration: HumanDuration,
    until: DateTime<Utc>,
    reason: Option<&str>,
    tz: Tz,
) -> SlackMessage {
    let why = reason
        .map(|r| format!(" ({})", escape(r)))
        .unwrap_or_default();
    SlackMessage::plain(format!(
        ":lock: {by} locked {} for {duration}, until {}{why}.",
        cluster.label(),
        local_time(until, tz)
    ))
    .in_channel()
}

/// How an `unlock` ended.
pub fn unlocked(by: &str, cluster: Named<'_>, how: &Unlocked) -> SlackMessage {
    let text = match how {
        Unlocked::Released {
            held_by: Some(holder),
        } => format!(
            ":unlock: {by} unlocked {} (it was held by {holder}).",
            cluster.label()
        ),
        Unlocked::Released { held_by: None } => {
            format!(":unlock: {by} unlocked {}.", cluster.label())
        }
        Unlocked::NotLocked {
            ended: Some(holder),
        } => format!(
            "{} was not locked ({holder}'s lock had ended).",
            cluster.label()
        ),
        Unlocked::NotLocked { ended: None } => format!("{} was not locked.", cluster.label()),
    };
    SlackMessage::plain(text).in_channel()
}

/// `extend`: a lock made longer, or (`snoozed`) an unlocked cluster locked for a while.
pub fn extended(
    by: &str,
    cluster: Named<'_>,
    duration: HumanDuration,
    until: DateTime<Utc>,
    snoozed: bool,
    tz: Tz,
) -> SlackMessage {
    let text = if snoozed {
        format!(
            ":zzz: {by} snoozed automatic termination of {}: locked until {}.",
            cluster.label(),
            local_time(until, tz)
        )
    } else {
        format!(
            ":lock: {by} extended the lock on {} by {duration}, to {}.",
            cluster.label(),
            local_time(until, tz)
        )
    };
    SlackMessage::plain(text).in_channel()
}

pub fn terminated(
    by: &str,
    cluster: Named<'_>,
    account: Option<&str>,
    reason: Option<&str>,
) -> SlackMessage {
    let why = reason
        .map(|r| format!(" Reason: {}.", escape(r)))
        .unwrap_or_default();
    SlackMessage::plain(format!(
        ":boom: {by} terminated {} ({}).{why}",
        cluster.label(),
        escape(account.unwrap_or("home"))
    ))
    .in_channel()
}

/// A dry run's termination: what would have happened, and that nothing did.
pub fn would_terminate(
    cluster: Named<'_>,
    account: Option<&str>,
    reason: Option<&str>,
) -> SlackMessage {
    let why = reason
        .map(|r| format!(": {}", escape(r)))
        .unwrap_or_default();
    SlackMessage::plain(format!(
        ":test_tube: Dry run: emrbot would terminate {} ({}) now{why}. Nothing was changed; \
         set `dry_run = false` under `[policy]` to let it.",
        cluster.label(),
        escape(account.unwrap_or("home"))
    ))
    .in_channel()
}

pub fn resized(by: &str, cluster: Named<'_>, group: &CapacityGroup, to: u32) -> SlackMessage {
    let (what, kind) = if group.is_fleet {
        ("target capacity of the", "fleet")
    } else {
        ("size of the", "group")
    };
    let role = group.role.as_ref().map(InstanceRole::as_str).unwrap_or("?");
    SlackMessage::plain(format!(
        ":arrows_counterclockwise: {by} changed the {what} {role} {kind} `{}` of {} from {} to {to}.",
        group.id,
        cluster.label(),
        group.requested
    ))
    .in_channel()
}

/// What a user is told of a permanent AWS failure: a short reason and the
/// message id to find the log line by, never AWS's own text (it can carry
/// ARNs and account ids).
pub enum Failure<'a> {
    Emr(&'a EmrError),
    Store,
}

pub fn failed_text(failure: Failure<'_>, reference: &str) -> String {
    let what = match failure {
        Failure::Emr(EmrError::NotFound(_)) => {
            "EMR does not know that cluster any more".to_string()
        }
        Failure::Emr(EmrError::AccessDenied(_)) => {
            "emrbot is not allowed to do that in this account".to_string()
        }
        Failure::Emr(EmrError::Account { account, .. }) => {
            format!("emrbot cannot reach account `{}`", escape(account))
        }
        Failure::Emr(EmrError::TerminationProtected(_)) => {
            "the cluster has termination protection on".to_string()
        }
        Failure::Emr(EmrError::Rejected(_) | EmrError::Transient(_)) => {
            "EMR refused the request".to_string()
        }
        Failure::Store => "emrbot could not record it".to_string(),
    };
    format!(
        ":warning: That did not work: {what}. Reference: `{}`",
        escape(reference)
    )
}

/// A command that kept failing for a transient reason and now goes to the
/// dead-letter queue, where an operator can redrive it.
pub fn gave_up(action: &str, attempts: u32, reference: &str) -> SlackMessage {
    SlackMessage::plain(format!(
        ":warning: emrbot could not finish `{}` after {attempts} attempts (AWS kept failing); \
         it was set aside for an operator. Reference: `{}`",
        escape(action),
        escape(reference)
    ))
}
