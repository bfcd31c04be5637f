//! `/emr status`: every active cluster. Up to [`FULL_ROWS`] clusters get a
//! block each with their buttons; more get one compact line each,
//! [`PAGE_ROWS`] to a page, with Previous / Next buttons, so any fleet fits
//! Slack's 50 blocks and 3,000 characters per text.

use super::clusters::{
    account_text, cents, cluster_buttons, cost_text, dollars, lock_text, ClusterView,
};
use super::plan::{fate_text, PlanView};
use crate::slack::blocks::{
    actions, context, divider, escape, header, section, sections, Button, SlackMessage,
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::config::PolicyConfig;
use emrbot_domain::duration::format_elapsed;
use emrbot_domain::emr::ClusterSummary;
use std::ops::Range;

/// Lists this long are shown in full, with buttons on every cluster.
pub const FULL_ROWS: usize = 10;
/// Compact lines to a page.
pub const PAGE_ROWS: usize = 40;

/// Which part of a list of `total` clusters one message shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusPages {
    pub total: usize,
    /// From 1; past the last page it is the last.
    pub page: usize,
    pub pages: usize,
    /// The page asked for, when it was past the last.
    pub past_the_end: Option<usize>,
}

impl StatusPages {
    pub fn of(total: usize, page: u32) -> Self {
        let pages = if total <= FULL_ROWS {
            1
        } else {
            total.div_ceil(PAGE_ROWS)
        };
        let asked = page.max(1) as usize;
        let page = asked.min(pages.max(1));
        Self {
            total,
            page,
            pages,
            past_the_end: (asked > page).then_some(asked),
        }
    }

    /// The clusters (in list order) on this page.
    pub fn range(&self) -> Range<usize> {
        if self.pages <= 1 {
            return 0..self.total;
        }
        let start = (self.page - 1) * PAGE_ROWS;
        start..(start + PAGE_ROWS).min(self.total)
    }

    fn compact(&self) -> bool {
        self.total > FULL_ROWS
    }
}

/// One page of `/emr status` (`views`: the clusters of `pages.range()`).
pub fn status_list(
    views: &[ClusterView<'_>],
    pages: &StatusPages,
    policy: &PolicyConfig,
    now: DateTime<Utc>,
    tz: Tz,
) -> SlackMessage {
    if views.is_empty() {
        return SlackMessage::plain("No active EMR clusters. Nothing is costing money.");
    }
    let title = if pages.pages > 1 {
        format!(
            "EMR clusters ({}) · page {} of {}",
            pages.total, pages.page, pages.pages
        )
    } else {
        format!("EMR clusters ({})", pages.total)
    };
    let mut blocks = vec![header(&title)];
    if let Some(asked) = pages.past_the_end {
        blocks.push(context(&if pages.pages > 1 {
            format!(
                "There is no page {asked}: the list has {} pages, and this is the last.",
                pages.pages
            )
        } else {
            format!("There is no page {asked}: every cluster fits on this one.")
        }));
    }
    if pages.compact() {
        let lines: Vec<String> = views
            .iter()
            .map(|v| compact_line(v, policy, now, tz))
            .collect();
        blocks.extend(sections(lines));
        blocks.push(context(
            "`/emr status <cluster>` shows one in detail, with its Lock and Terminate buttons.",
        ));
        let mut buttons = Vec::new();
        if pages.page > 1 {
            buttons.push(page_button("◀ Previous page", pages.page - 1));
        }
        if pages.page < pages.pages {
            buttons.push(page_button("Next page ▶", pages.page + 1).primary());
        }
        if !buttons.is_empty() {
            blocks.push(actions(&format!("pages:{}", pages.page), &buttons));
        }
    } else {
        for v in views {
            let c = v.cluster;
            let locked = v.lock.is_some_and(|l| l.is_active(now));
            blocks.push(divider());
            let fate = fate(v, policy, now, tz)
                .map(|f| format!("\n{f}"))
                .unwrap_or_default();
            blocks.push(section(&format!(
                "{}\n{}{fate}",
                cluster_title(c),
                facts(v, now, tz)
            )));
            blocks.push(actions(
                &format!("cluster:{}", c.id),
                &cluster_buttons(c, locked),
            ));
        }
    }
    if let Some(total) = cost_total(views, pages, now) {
        blocks.push(context(&total));
    }
    let names: Vec<String> = views
        .iter()
        .map(|v| format!("{} ({}) {}", v.cluster.name, v.cluster.id, v.cluster.state))
        .collect();
    SlackMessage::new(format!("{title}: {}", names.join(", ")), blocks)
}

/// The closing line: what the clusters shown cost, in the cents each line
/// shows (so the total is the sum of what is on screen), and how many of
/// them it covers.
fn cost_total(
    views: &[ClusterView<'_>],
    pages: &StatusPages,
    now: DateTime<Utc>,
) -> Option<String> {
    let priced: Vec<(i64, i64)> = views
        .iter()
        .filter_map(|v| {
            let (so_far, hourly) = v.cost().figures(v.cluster, now)?;
            Some((cents(so_far), cents(hourly)))
        })
        .collect();
    if priced.is_empty() {
        return None;
    }
    let so_far: i64 = priced.iter().map(|(c, _)| c).sum();
    let hourly: i64 = priced.iter().map(|(_, h)| h).sum();
    let whole = if pages.pages > 1 {
        "on this page"
    } else {
        "in all"
    };
    let covered = match (priced.len(), views.len()) {
        (1, 1) => "one cluster".to_string(),
        (k, n) if k == n => format!("all {n} clusters"),
        (k, n) => format!("{k} of {n} clusters; the others have no price"),
    };
    let mut sources = emrbot_domain::price_book::Sources::new();
    for v in views {
        emrbot_domain::price_book::merge(&mut sources, &v.cost().sources());
    }
    let spot = views.iter().any(|v| v.cost().spot());
    let note = super::cost::sources_note(&sources, spot).unwrap_or_default();
    Some(
        format!(
            "≈ {} so far {whole}, {}/h now ({covered}). {note}",
            dollars(so_far),
            dollars(hourly)
        )
        .trim_end()
        .to_string(),
    )
}

fn page_button(label: &str, page: usize) -> Button {
    Button::new(label, "emrbot:status", &format!("status page {page}"))
}

/// `Up 3h · idle for 20m · held by nobody · 12 normalized instance hours`.
fn facts(v: &ClusterView<'_>, now: DateTime<Utc>, tz: Tz) -> String {
    let c = v.cluster;
    let uptime = c
        .uptime(now)
        .map(format_elapsed)
        .unwrap_or_else(|| "?".into());
    let activity = match v.idle_since {
        Some(since) => format!("idle for {}", format_elapsed(now - since)),
        None if c.state.as_emr() == "WAITING" => "idle".into(),
        None => "busy".into(),
    };
    format!(
        "Up {uptime} · {activity} · held by {} · {}",
        lock_text(v.lock, now, tz),
        cost_text(c, v.cost(), v.cost_per_hour, now)
    )
}

fn compact_line(v: &ClusterView<'_>, policy: &PolicyConfig, now: DateTime<Utc>, tz: Tz) -> String {
    let fate = fate(v, policy, now, tz)
        .map(|f| format!(" · {f}"))
        .unwrap_or_default();
    format!(
        "• {} · {}{fate}",
        cluster_title(v.cluster),
        facts(v, now, tz)
    )
}

/// `*name* `j-1` · account · *STATE*`.
fn cluster_title(c: &ClusterSummary) -> String {
    format!(
        "*{}* `{}` · {} · *{}*",
        escape(&c.name),
        c.id,
        escape(&account_text(c)),
        c.state
    )
}

/// The plan's words for the cluster, when its fate is known.
fn fate(v: &ClusterView<'_>, policy: &PolicyConfig, now: DateTime<Utc>, tz: Tz) -> Option<String> {
    let plan = PlanView {
        cluster: v.cluster,
        // "held by … until …" is on the line already.
        lock: None,
        fate: v.fate.clone()?,
        protected: v.protected,
    };
    Some(fate_text(&plan, policy, now, tz))
}
