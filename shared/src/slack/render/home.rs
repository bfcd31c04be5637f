//! The App Home tab: the clusters the user holds and those emrbot will
//! terminate within a day, in the plan's words, and what the automatic
//! terminations of the last 7 days saved.

use super::plan::{line, PlanView};
use crate::slack::blocks::{context, divider, escape, header, section, sections, SlackMessage};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::config::PolicyConfig;

/// What the Home tab shows.
pub struct Home<'a> {
    /// Clusters the user holds a lock on.
    pub held: &'a [PlanView<'a>],
    /// Clusters to be terminated within a day.
    pub soon: &'a [PlanView<'a>],
    /// Active clusters in all.
    pub active: usize,
    pub unreachable: &'a [String],
    /// The last 7 days' automatic terminations (`None`: not readable now).
    pub savings: Option<&'a emrbot_domain::savings::Savings>,
}

/// The Home view's blocks (sent with `views.publish`).
pub fn home(
    h: &Home<'_>,
    command: &str,
    policy: &PolicyConfig,
    now: DateTime<Utc>,
    tz: Tz,
) -> SlackMessage {
    let mut blocks = vec![header(&format!("EMR clusters: {} active", h.active))];
    let mut list = |title: String, views: &[PlanView<'_>], empty: &str| {
        blocks.push(divider());
        let mut lines = vec![format!("*{title}*")];
        if views.is_empty() {
            lines.push(empty.to_string());
        }
        lines.extend(views.iter().map(|v| line(v, policy, now, tz)));
        blocks.extend(sections(lines));
    };
    list(
        format!("You hold {}", super::plural(h.held.len(), "cluster")),
        h.held,
        "No locks. `lock <cluster>` says you are using one.",
    );
    list(
        format!(
            "{} within 24 hours{}",
            if policy.dry_run {
                "Would be terminated (dry run)"
            } else {
                "Terminated automatically"
            },
            if h.soon.is_empty() {
                String::new()
            } else {
                format!(" ({})", h.soon.len())
            }
        ),
        h.soon,
        "None, if nothing changes.",
    );
    if let Some(s) = h.savings {
        blocks.push(divider());
        blocks.push(section(&format!(
            "*What emrbot saved*\n{}",
            super::savings::summary(s, "in the last 7 days")
        )));
        let spot = s.saved.iter().any(|x| x.rate.spot);
        if let Some(note) = super::cost::sources_note(&s.sources(), spot) {
            blocks.push(context(&note));
        }
    }
    let mut note = format!(
        "Updated {}. `{command} plan` shows every cluster's fate, `{command} status` their details.",
        super::local_time(now, tz)
    );
    if !h.unreachable.is_empty() {
        note.push_str(&format!(
            " :warning: Not read: {}.",
            h.unreachable
                .iter()
                .map(|a| format!("account `{}`", escape(a)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    blocks.push(context(&note));
    SlackMessage::new(format!("emrbot: {} active EMR clusters", h.active), blocks)
}
