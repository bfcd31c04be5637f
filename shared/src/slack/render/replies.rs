//! What the worker answers when a command succeeds.

use super::local_time;
use crate::slack::blocks::{escape, SlackMessage};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::duration::HumanDuration;
use emrbot_domain::emr::{CapacityGroup, ClusterSummary, InstanceRole};

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
pub enum Unlocked<'a> {
    /// Released; `held_by` is the holder when it was someone else (an admin unlocked).
    Released { held_by: Option<&'a str> },
    /// There was no live lock; `ended` names the holder whose lock had run out.
    NotLocked { ended: Option<&'a str> },
}

pub fn unlocked(by: &str, cluster: Named<'_>, how: Unlocked<'_>) -> SlackMessage {
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

/// A failure that is not a refusal (EMR or DynamoDB said no for good).
pub fn failed_text(reason: &str) -> String {
    format!(":warning: {}", escape(reason))
}
