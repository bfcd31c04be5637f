//! What the scheduler's notices look like in Slack: warnings, idle alerts and
//! the daily report. The scheduler puts the data on the queue; the worker
//! renders it with these functions and posts it to the report channel.
//! Buttons carry command text (`lock j-1`, `extend j-1 1h`, `terminate j-1`)
//! under action ids `emrbot:<action>`, like every other emrbot button.

use super::local_time;
use crate::slack::blocks::{
    actions, context, escape, header, section, sections, Button, SlackMessage,
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::duration::format_elapsed;
use emrbot_domain::report::DailyReport;
use emrbot_domain::rule::Rule;

fn label(id: &str, name: Option<&str>) -> String {
    match name {
        Some(n) if !n.is_empty() => format!("*{}* `{id}`", escape(n)),
        _ => format!("`{id}`"),
    }
}

fn rule_text(rule: Rule) -> &'static str {
    match rule {
        Rule::EndOfDay => "end of day",
        Rule::Idle => "idle and unlocked",
    }
}

/// `warn_before` ahead of an automatic termination.
pub fn warning(
    id: &str,
    name: Option<&str>,
    rule: Rule,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
    dry_run: bool,
) -> SlackMessage {
    let left = if at > now {
        format!("in {}", format_elapsed(at - now))
    } else {
        "now".into()
    };
    let mut text = format!(
        ":hourglass_flowing_sand: {} will be terminated {left} (at {}, {}). Lock it if you are using it.",
        label(id, name),
        local_time(at, tz),
        rule_text(rule)
    );
    if dry_run {
        text.push_str(DRY_RUN_NOTE);
    }
    let buttons = [
        Button::new("Lock", "emrbot:lock", &format!("lock {id}")).primary(),
        // The target rides on the button: a double click ends at the same time.
        Button::new(
            "Extend 1h",
            "emrbot:extend",
            &format!(
                "extend {id} 1h until {}",
                (at.max(now) + chrono::Duration::hours(1))
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
        ),
        Button::new(
            "Terminate now",
            "emrbot:terminate",
            &format!("terminate {id}"),
        )
        .danger(),
    ];
    SlackMessage::new(
        format!(
            "{} will be terminated at {} ({})",
            name.unwrap_or(id),
            local_time(at, tz),
            rule_text(rule)
        ),
        vec![section(&text), actions(&format!("warn:{id}"), &buttons)],
    )
}

pub fn idle_alert(
    id: &str,
    name: Option<&str>,
    holder: Option<&str>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    tz: Tz,
) -> SlackMessage {
    let held = holder.map(|h| format!(", held by {h}")).unwrap_or_default();
    let text = format!(
        ":zzz: {} has been idle for {} (since {}){held}.",
        label(id, name),
        format_elapsed(now - since),
        local_time(since, tz)
    );
    let lock_button = if holder.is_some() {
        Button::new("Unlock", "emrbot:unlock", &format!("unlock {id}"))
    } else {
        Button::new("Lock", "emrbot:lock", &format!("lock {id}")).primary()
    };
    let buttons = [
        lock_button,
        Button::new("Terminate", "emrbot:terminate", &format!("terminate {id}")).danger(),
    ];
    SlackMessage::new(
        format!(
            "{} has been idle for {}",
            name.unwrap_or(id),
            format_elapsed(now - since)
        ),
        vec![section(&text), actions(&format!("idle:{id}"), &buttons)],
    )
}

/// An account emrbot cannot reach (`problem`), or can again (`None`).
pub fn account_notice(account: &str, problem: Option<&str>) -> SlackMessage {
    SlackMessage::plain(match problem {
        Some(problem) => format!(
            ":warning: emrbot cannot reach account `{}`: {}. Its clusters are left alone \
             (no warnings, no automatic terminations) until it can; the other accounts are swept as usual.",
            escape(account),
            escape(problem)
        ),
        None => format!(
            ":white_check_mark: emrbot reaches account `{}` again; its clusters are swept as usual.",
            escape(account)
        ),
    })
}

/// The report: one line a cluster, packed into sections (Slack's 3000
/// characters a text, 50 blocks a message).
/// Said wherever a dry run would have acted.
const DRY_RUN_NOTE: &str =
    "\n:test_tube: Dry run: emrbot only says what it would do; it terminates nothing (`dry_run` under `[policy]`).";

pub fn daily_report(
    r: &DailyReport,
    tz: Tz,
    price_per_hour: Option<f64>,
    dry_run: bool,
) -> SlackMessage {
    let mut blocks = vec![header(&format!(
        "EMR daily report: {}",
        super::plural(r.clusters.len(), "active cluster")
    ))];
    let mut lines: Vec<String> = r
        .clusters
        .iter()
        .map(|c| {
            let up = c
                .created_at
                .map(|t| format!("up {}", format_elapsed(r.at - t)))
                .unwrap_or_default();
            let activity = match c.idle_since {
                Some(s) => format!("idle {}", format_elapsed(r.at - s)),
                None if c.state == "WAITING" => "idle".into(),
                None => "busy".into(),
            };
            let holder = match (&c.holder, c.locked_until) {
                (Some(h), Some(u)) => format!("held by {h} until {}", local_time(u, tz)),
                (Some(h), None) => format!("held by {h}"),
                _ => "not locked".into(),
            };
            let hours = c.normalized_instance_hours.unwrap_or(0);
            let cost = price_per_hour
                .map(|p| format!(" (${:.2})", p * f64::from(hours)))
                .unwrap_or_default();
            let account = c
                .account
                .as_deref()
                .map(|a| format!(" · {}", escape(a)))
                .unwrap_or_default();
            format!(
                "• *{}* `{}`{account} · {} · {up} · {activity} · {holder} · {hours} NIH{cost}",
                escape(&c.name),
                c.id,
                c.state
            )
        })
        .collect();
    if lines.is_empty() {
        lines.push("No active clusters.".into());
    }
    let total: i64 = r
        .clusters
        .iter()
        .map(|c| i64::from(c.normalized_instance_hours.unwrap_or(0)))
        .sum();
    blocks.extend(sections(lines));
    let terminated = if r.terminated.is_empty() {
        format!(
            "No automatic terminations since {}.",
            local_time(r.since, tz)
        )
    } else {
        let items: Vec<String> = r
            .terminated
            .iter()
            .map(|a| {
                format!(
                    "`{}` {} at {} ({})",
                    a.cluster,
                    escape(&a.name),
                    local_time(a.at, tz),
                    escape(&a.reason)
                )
            })
            .collect();
        format!(
            "{} since {}: {}",
            if dry_run {
                "Would have been terminated automatically (dry run)"
            } else {
                "Terminated automatically"
            },
            local_time(r.since, tz),
            items.join(", ")
        )
    };
    blocks.push(context(&terminated));
    let cost = price_per_hour
        .map(|p| format!(", about ${:.2}", p * total as f64))
        .unwrap_or_default();
    let fallback = format!(
        "EMR daily report: {} ({}), {total} normalized instance hours{cost}; {} terminated automatically",
        super::plural(r.clusters.len(), "active cluster"),
        r.clusters.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", "),
        r.terminated.len()
    );
    SlackMessage::new(fallback, blocks)
}
