//! How clusters are shown in Slack: the status list and the one-cluster view.
//! Buttons carry the command text they stand for in `value` (e.g.
//! `terminate j-1ABC`); the ingress parses it like typed text. The action id
//! `emrbot:confirm` marks a confirmation.

pub(crate) use super::cost::{cents, dollars};
pub use super::cost::{cost_text, hours_and_cost, Cost};
use super::local_time;
use crate::slack::blocks::{
    actions, context, escape, header, section, section_fields, Button, SlackMessage,
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::audit::AuditEntry;
use emrbot_domain::command::Action;
use emrbot_domain::duration::format_elapsed;
use emrbot_domain::emr::{ClusterDetail, ClusterSummary, InstanceRole, StepSummary};
use emrbot_domain::lock::Lock;
use emrbot_domain::price_book::{Rate, Spent};

pub const CONFIRM_ACTION_ID: &str = "emrbot:confirm";

/// One cluster with what emrbot knows about it beyond EMR.
#[derive(Debug, Clone)]
pub struct ClusterView<'a> {
    pub cluster: &'a ClusterSummary,
    pub lock: Option<&'a Lock>,
    pub idle_since: Option<DateTime<Utc>>,
    /// Price of a normalized instance hour (`policy.cost_per_normalized_instance_hour`).
    pub cost_per_hour: Option<f64>,
    /// What the automatic rules will do to it (as `plan` says), if known.
    pub fate: Option<emrbot_domain::policy::plan::Fate>,
    /// Termination protection is on.
    pub protected: bool,
    /// Its hourly rate from instance prices, when its capacity was read.
    pub rate: Option<Rate>,
    /// What its instances cost over the hours they ran, when EMR's
    /// instance records were read.
    pub spent: Option<Spent>,
}

impl ClusterView<'_> {
    pub fn cost(&self) -> Cost<'_> {
        Cost {
            rate: self.rate.as_ref(),
            spent: self.spent.as_ref(),
        }
    }
}

/// The confirmation asked before a terminate: the button's `value` is the
/// command it confirms; the ingress turns a click on `emrbot:confirm` into
/// that command with `confirmed = true`.
/// `forcing_past`: the holder of the lock an admin is forcing past.
pub fn terminate_confirmation(
    c: &ClusterSummary,
    force: bool,
    forcing_past: Option<&str>,
) -> SlackMessage {
    let value = format!("terminate {}{}", c.id, if force { " force" } else { "" });
    let mut text = format!(
        "Terminate *{}* `{}` ({})? Everything on it is lost; this cannot be undone.",
        escape(&c.name),
        c.id,
        escape(&account_text(c))
    );
    if let Some(holder) = forcing_past {
        text.push_str(&format!(
            "\n:warning: {holder} holds a lock on it; you are forcing past it as an admin."
        ));
    }
    let blocks = vec![
        section(&text),
        actions(
            &format!("confirm:{}", c.id),
            &[
                // No Cancel button: ignoring the prompt is cancelling, and the
                // ingress turns every emrbot button into a command.
                Button::new("Terminate", CONFIRM_ACTION_ID, &value).danger(),
            ],
        ),
    ];
    SlackMessage::new(format!("Confirm: terminate {} ({})?", c.name, c.id), blocks)
}

/// A launch and its progress, updated in place as EMR reports state changes.
pub fn launch_progress(
    name: &str,
    id: &str,
    account: Option<&str>,
    preset: &str,
    state: &str,
    reason: Option<&str>,
    by: &str,
) -> SlackMessage {
    let icon = match state {
        "WAITING" | "RUNNING" => ":white_check_mark:",
        "TERMINATED_WITH_ERRORS" | "TERMINATED" | "TERMINATING" => ":x:",
        _ => ":hourglass_flowing_sand:",
    };
    let steps = ["STARTING", "BOOTSTRAPPING", "WAITING"];
    let progress: Vec<String> = steps
        .iter()
        .map(|s| {
            if *s == state {
                format!("*{s}*")
            } else {
                s.to_string()
            }
        })
        .collect();
    let mut text = format!(
        "{icon} Launch of *{}* `{id}` from preset `{}` in {} by {by}: *{state}*\n{}",
        escape(name),
        escape(preset),
        escape(account.unwrap_or("home")),
        progress.join(" → ")
    );
    if let Some(r) = reason.filter(|r| !r.is_empty()) {
        text.push_str(&format!("\nEMR says: {}", escape(r)));
    }
    SlackMessage::new(
        format!("Launch of {name} ({id}): {state}"),
        vec![section(&text)],
    )
}

pub(crate) fn lock_text(lock: Option<&Lock>, now: DateTime<Utc>, tz: Tz) -> String {
    match lock.filter(|l| l.is_active(now)) {
        Some(l) => format!("{} until {}", l.holder_display, local_time(l.until, tz)),
        None => "nobody".into(),
    }
}

pub(crate) fn account_text(c: &ClusterSummary) -> String {
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

/// What `status <cluster>` shows beyond DescribeCluster.
#[derive(Debug, Clone, Default)]
pub struct DetailExtras<'a> {
    pub lock: Option<&'a Lock>,
    pub steps: &'a [StepSummary],
    pub idle_since: Option<DateTime<Utc>>,
    pub history: &'a [AuditEntry],
    pub cost_per_hour: Option<f64>,
    /// Its hourly rate from instance prices.
    pub rate: Option<Rate>,
    /// What its instances cost over the hours they ran.
    pub spent: Option<Spent>,
    /// The slash command, as refusals in the history name it.
    pub command: &'a str,
}

/// `/emr status <cluster>` with steps, idle time, cost and recent history.
pub fn cluster_detail(
    d: &ClusterDetail,
    x: &DetailExtras<'_>,
    now: DateTime<Utc>,
    tz: Tz,
) -> SlackMessage {
    let lock = x.lock;
    let c = &d.summary;
    let cost = Cost {
        rate: x.rate.as_ref(),
        spent: x.spent.as_ref(),
    };
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
        format!("*Cost*\n{}", cost_text(c, cost, x.cost_per_hour, now)),
        format!(
            "*Idle for*\n{}",
            x.idle_since
                .map(|s| format_elapsed(now - s))
                .unwrap_or_else(|| "not idle".into())
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
    // Master, core, task: the same order whatever order EMR lists them in.
    let mut ordered: Vec<_> = d.groups.iter().collect();
    ordered.sort_by_key(|g| match g.role {
        Some(InstanceRole::Master) => 0,
        Some(InstanceRole::Core) => 1,
        Some(InstanceRole::Task) => 2,
        None => 3,
    });
    let groups: Vec<String> = ordered
        .into_iter()
        .map(|g| {
            let role = g.role.as_ref().map(|r| r.as_str()).unwrap_or("group");
            format!(
                "• {role}{}{} · {} · {}/{} running",
                group_id_text(&g.id),
                group_name_text(g.name.as_deref(), role),
                escape(&g.instance_type),
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
    let running: Vec<String> = x
        .steps
        .iter()
        .filter(|s| s.is_pending_or_running())
        .take(10)
        .map(|s| format!("• {} `{}` {}", escape(&s.name), s.id, s.state))
        .collect();
    blocks.push(section(&format!(
        "*Steps running or pending*\n{}",
        if running.is_empty() {
            "none".to_string()
        } else {
            running.join("\n")
        }
    )));
    if !x.history.is_empty() {
        let lines: Vec<String> = x
            .history
            .iter()
            .take(10)
            .map(|e| super::history::history_line(e, x.command, tz))
            .collect();
        blocks.push(section(&format!("*Recent history*\n{}", lines.join("\n"))));
    }
    if let Some(note) = super::cost::sources_note(&cost.sources(), cost.spot()) {
        blocks.push(context(&note));
    }
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

/// ` `ig-1ABC`` for an instance group's or fleet's id; nothing for what is
/// not one (an emulator's made-up id), since `resize` takes the role too.
fn group_id_text(id: &str) -> String {
    if id.starts_with("ig-") || id.starts_with("if-") {
        format!(" `{}`", escape(id))
    } else {
        String::new()
    }
}

/// ` "spark executors"` for a name someone gave the group; nothing for the
/// names EMR and its older tools give by default (`MASTER`, `slave`, "Core
/// Instance Group"), which only repeat the role.
fn group_name_text(name: Option<&str>, role: &str) -> String {
    let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return String::new();
    };
    let plain = name.to_ascii_lowercase();
    let defaults = ["master", "slave", "core", "task", "primary"];
    let is_default = defaults.iter().any(|d| {
        plain == *d
            || plain == format!("{d} instance group")
            || plain == format!("{d} instance fleet")
            || plain == format!("{d} group")
            || plain == format!("{d} fleet")
    }) || plain == role.to_ascii_lowercase();
    if is_default {
        String::new()
    } else {
        format!(" \"{}\"", escape(name))
    }
}

/// `help`: only what the caller may do here, the admin extras to admins.
pub fn help_text(command: &str, allowed: &[Action], is_admin: bool) -> String {
    let mut lines = vec![format!("*What you can do here with `{command}`:*")];
    for action in allowed {
        lines.push(format!(
            "• `{command} {}`: {}",
            action.syntax(),
            action.purpose()
        ));
    }
    if allowed
        .iter()
        .all(|a| matches!(a, Action::Help | Action::Status))
    {
        lines.push(
            "_Other commands are available in the channels your admins allowed them in._".into(),
        );
    }
    if is_admin {
        lines.push(format!("• `{command} terminate <cluster> force` - as an admin, terminate past someone else's lock"));
    }
    lines.push(
        "Clusters: an id (`j-…`), a name, or a unique prefix. Durations: `30m`, `2h`, `1h30m`."
            .into(),
    );
    lines.join("\n")
}
