//! How clusters are shown in Slack: the status list and the one-cluster view.
//! Buttons carry the command text they stand for in `value` (e.g.
//! `terminate j-1ABC`); the ingress parses it like typed text. The action id
//! `emrbot:confirm` marks a confirmation.

use crate::duration::format_elapsed;
use crate::emr::{ClusterDetail, ClusterSummary};
use crate::slack::blocks::{
    actions, context, divider, escape, header, section, section_fields, Button, SlackMessage,
};
use crate::store::Lock;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub const CONFIRM_ACTION_ID: &str = "emrbot:confirm";

/// One cluster with what emrbot knows about it beyond EMR.
#[derive(Debug, Clone)]
pub struct ClusterView<'a> {
    pub cluster: &'a ClusterSummary,
    pub lock: Option<&'a Lock>,
    pub idle_since: Option<DateTime<Utc>>,
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %H:%M").to_string()
}

fn lock_text(lock: Option<&Lock>, now: DateTime<Utc>, tz: Tz) -> String {
    match lock.filter(|l| l.is_active(now)) {
        Some(l) => format!("{} until {}", l.holder_display, local(l.until, tz)),
        None => "nobody".into(),
    }
}

fn account_text(c: &ClusterSummary) -> String {
    c.account.clone().unwrap_or_else(|| "home".into())
}

/// The buttons offered on a cluster.
pub fn cluster_buttons(c: &ClusterSummary, locked: bool) -> Vec<Button> {
    let id = c.id.as_str();
    let mut buttons = vec![if locked {
        Button::new("Unlock", "emrbot:unlock", &format!("unlock {id}"))
    } else {
        Button::new("Lock", "emrbot:lock", &format!("lock {id}")).primary()
    }];
    buttons.push(Button::new("Terminate", "emrbot:terminate", &format!("terminate {id}")).danger());
    buttons
}

/// `/emr status`: every active cluster, one block each.
pub fn status_list(views: &[ClusterView<'_>], now: DateTime<Utc>, tz: Tz) -> SlackMessage {
    if views.is_empty() {
        return SlackMessage::plain("No active EMR clusters. Nothing is costing money.");
    }
    let mut blocks = vec![header(&format!("EMR clusters ({})", views.len()))];
    let mut fallback = Vec::new();
    for v in views {
        let c = v.cluster;
        let locked = v.lock.is_some_and(|l| l.is_active(now));
        let uptime = c
            .uptime(now)
            .map(format_elapsed)
            .unwrap_or_else(|| "?".into());
        let activity = match v.idle_since {
            Some(since) => format!("idle for {}", format_elapsed(now - since)),
            None if c.state.as_emr() == "WAITING" => "idle".into(),
            None => "busy".into(),
        };
        let hours = c
            .normalized_instance_hours
            .map(|h| h.to_string())
            .unwrap_or_else(|| "0".into());
        blocks.push(divider());
        blocks.push(section(&format!(
            "*{}* `{}` · {} · *{}*\nUp {} · {} · held by {} · {} normalized instance hours",
            escape(&c.name),
            c.id,
            escape(&account_text(c)),
            c.state,
            uptime,
            activity,
            lock_text(v.lock, now, tz),
            hours
        )));
        blocks.push(actions(
            &format!("cluster:{}", c.id),
            &cluster_buttons(c, locked),
        ));
        fallback.push(format!("{} ({}) {}", c.name, c.id, c.state));
    }
    // Three blocks a cluster: past 16 clusters the list is cut with a note.
    SlackMessage::new(
        format!(
            "{} active EMR clusters: {}",
            views.len(),
            fallback.join(", ")
        ),
        blocks,
    )
}

/// `/emr status <cluster>`: groups or fleets, tags, protection, auto-termination.
pub fn cluster_detail(
    d: &ClusterDetail,
    lock: Option<&Lock>,
    now: DateTime<Utc>,
    tz: Tz,
) -> SlackMessage {
    let c = &d.summary;
    let mut blocks = vec![header(&format!("{} ({})", c.name, c.id))];
    let mut fields = vec![
        format!("*State*\n{}", c.state),
        format!("*Account*\n{}", escape(&account_text(c))),
        format!(
            "*Up*\n{}",
            c.uptime(now)
                .map(format_elapsed)
                .unwrap_or_else(|| "?".into())
        ),
        format!("*Held by*\n{}", lock_text(lock, now, tz)),
        format!("*Release*\n{}", d.release.as_deref().unwrap_or("?")),
        format!(
            "*Normalized instance hours*\n{}",
            c.normalized_instance_hours.unwrap_or(0)
        ),
        format!(
            "*Termination protection*\n{}",
            if d.termination_protected { "on" } else { "off" }
        ),
        format!(
            "*EMR auto-termination*\n{}",
            d.auto_terminate_idle
                .map(|t| format!("after {} idle", format_elapsed(t)))
                .unwrap_or_else(|| "not set".into())
        ),
    ];
    if !d.applications.is_empty() {
        fields.push(format!("*Applications*\n{}", d.applications.join(", ")));
    }
    blocks.push(section_fields(&fields));
    let kind = if d.uses_fleets {
        "Instance fleets"
    } else {
        "Instance groups"
    };
    let groups: Vec<String> = d
        .groups
        .iter()
        .map(|g| {
            format!(
                "• {} `{}` {} · {} · {}/{} running",
                g.role.as_ref().map(|r| r.as_str()).unwrap_or("?"),
                g.id,
                escape(g.name.as_deref().unwrap_or("")),
                g.instance_type,
                g.running,
                g.requested
            )
        })
        .collect();
    blocks.push(section(&format!(
        "*{kind}*\n{}",
        if groups.is_empty() {
            "none".into()
        } else {
            groups.join("\n")
        }
    )));
    if !d.tags.is_empty() {
        let tags: Vec<String> = d
            .tags
            .iter()
            .map(|(k, v)| format!("`{}={}`", escape(k), escape(v)))
            .collect();
        blocks.push(context(&format!("Tags: {}", tags.join(" "))));
    }
    blocks.push(actions(
        &format!("cluster:{}", c.id),
        &cluster_buttons(c, lock.is_some_and(|l| l.is_active(now))),
    ));
    SlackMessage::new(format!("{} ({}) is {}", c.name, c.id, c.state), blocks)
}
