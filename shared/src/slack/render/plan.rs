//! `/emr plan`: each active cluster's fate under the automatic rules, soonest
//! first, in the configured time zone.

use super::local_time;
use crate::slack::blocks::{context, escape, header, section, sections, SlackMessage};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::config::PolicyConfig;
use emrbot_domain::emr::ClusterSummary;
use emrbot_domain::lock::Lock;
use emrbot_domain::policy::plan::{Fate, HORIZON};
use emrbot_domain::policy::Rule;

/// One cluster's line of the plan.
#[derive(Debug, Clone)]
pub struct PlanView<'a> {
    pub cluster: &'a ClusterSummary,
    pub lock: Option<&'a Lock>,
    pub fate: Fate,
    /// Termination protection is on (EMR refuses to terminate it).
    pub protected: bool,
}

pub fn plan(
    views: &[PlanView<'_>],
    unreachable: &[String],
    policy: &PolicyConfig,
    now: DateTime<Utc>,
    tz: Tz,
) -> SlackMessage {
    let mut ordered: Vec<&PlanView<'_>> = views.iter().collect();
    ordered.sort_by_key(|v| match v.fate {
        Fate::Terminates { at, .. } => (0, at),
        _ => (1, DateTime::<Utc>::MAX_UTC),
    });
    let dying = views
        .iter()
        .filter(|v| matches!(v.fate, Fate::Terminates { .. }) && !v.protected)
        .count();
    let mut blocks = vec![header(&format!(
        "What emrbot {} ({dying} of {})",
        if policy.dry_run {
            "would terminate (dry run)"
        } else {
            "will terminate"
        },
        views.len()
    ))];
    let lines: Vec<String> = ordered.iter().map(|v| line(v, policy, now, tz)).collect();
    if lines.is_empty() {
        blocks.push(section("No active EMR clusters: nothing to terminate."));
    }
    // Several clusters to a section: a large fleet stays within 50 blocks.
    blocks.extend(sections(lines));
    let mut notes = vec![
        "These times hold while nothing changes: a new step, a lock or an unlock moves them."
            .to_string(),
    ];
    if !unreachable.is_empty() {
        notes.push(format!(
            ":warning: Not read: {} (their clusters are missing here).",
            unreachable
                .iter()
                .map(|a| format!("account `{}`", escape(a)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    blocks.push(context(&notes.join(" ")));
    SlackMessage::new(
        format!(
            "Plan: {dying} of {} will be terminated automatically",
            super::plural(views.len(), "active cluster")
        ),
        blocks,
    )
}

/// `• *name* `j-1` · terminates at Mon 19:00 (end of day), warned at 18:50`.
pub(crate) fn line(v: &PlanView<'_>, policy: &PolicyConfig, now: DateTime<Utc>, tz: Tz) -> String {
    format!(
        "• *{}* `{}` · {}",
        escape(&v.cluster.name),
        v.cluster.id,
        fate_text(v, policy, now, tz)
    )
}

/// A cluster's fate in words (the plan's lines, and a line of `status`).
pub fn fate_text(v: &PlanView<'_>, policy: &PolicyConfig, now: DateTime<Utc>, tz: Tz) -> String {
    let locked = v.lock.filter(|l| l.is_active(now)).map(|l| {
        format!(
            "locked by {} until {}, then ",
            l.holder_display,
            local_time(l.until, tz)
        )
    });
    let when = |at: DateTime<Utc>| {
        if at <= now {
            "at the next sweep".to_string()
        } else {
            format!("at {}", local_time(at, tz))
        }
    };
    let fate = match &v.fate {
        Fate::Terminates { at, rule, warn_at } => {
            let why = match rule {
                Rule::EndOfDay => "(end of day)".to_string(),
                Rule::Idle => format!(
                    "if still idle (idle and unlocked for {})",
                    policy.unlocked_grace
                ),
            };
            let warned = warn_at
                .filter(|w| *w > now)
                .map(|w| format!(", warned at {}", local_time(w, tz)))
                .unwrap_or_default();
            if v.protected {
                format!(
                    ":shield: protected: {} {why} it will be reported, not terminated{warned}",
                    when(*at)
                )
            } else {
                format!(":boom: terminates {} {why}{warned}", when(*at))
            }
        }
        Fate::Exempt => format!(
            ":large_green_circle: exempt (tag `{}`): never terminated automatically",
            escape(&policy.exempt_tag)
        ),
        Fate::Survives => format!(
            ":large_green_circle: no automatic termination in the next {} days",
            HORIZON.num_days()
        ),
        Fate::Unknown => ":grey_question: cannot tell: its steps or tags could not be read".into(),
    };
    // "locked by … then" reads only before a termination.
    match (&locked, &v.fate) {
        (Some(prefix), Fate::Terminates { .. }) => format!("{prefix}{fate}"),
        (Some(prefix), _) => format!("{}; {fate}", prefix.trim_end_matches(", then ")),
        _ => fate,
    }
}
