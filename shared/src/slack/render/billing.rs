//! `/emr cost` and the bill section of the weekly savings report: each
//! allocation tag value billed beside emrbot's figure and the difference,
//! the totals, and the totals by who launched the clusters.

use super::cost::{cents, dollars, sources_note};
use super::plural;
use crate::slack::blocks::{context, escape, header, sections, SlackMessage};
use emrbot_domain::billing::{LauncherTotal, Reconciliation, Row};
use emrbot_domain::price_book::Sources;
use serde_json::Value;

/// Rows shown at most; the rest are counted (the largest come first).
const MAX_ROWS: usize = 25;

/// What came of asking Cost Explorer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillStatus {
    /// `[costs] cost_explorer` is off.
    Off,
    Read,
    NotEnabled,
    Denied,
    Unreachable,
}

/// A period's clusters reckoned, beside the bill where it was read.
#[derive(Debug, Clone)]
pub struct CostReport {
    pub reconciliation: Reconciliation,
    pub bill: BillStatus,
    /// Where emrbot's prices came from.
    pub sources: Sources,
    pub spot: bool,
    /// Clusters whose instance records could not be read (not in the figures).
    pub unread: Vec<String>,
}

/// The reply to `/emr cost`.
pub fn cost_report(report: &CostReport, tag: &str) -> SlackMessage {
    let r = &report.reconciliation;
    let title = format!(
        "What the clusters cost: {} to {} (UTC)",
        r.period.start.format("%Y-%m-%d"),
        r.period.last_day().format("%Y-%m-%d")
    );
    let mut blocks = vec![header(&title)];
    blocks.extend(bill_blocks(report, tag));
    let fallback = match r.billed_total() {
        Some(billed) => format!(
            "{title}: billed {}, emrbot's figure {}",
            money(billed),
            money(r.reckoned_total())
        ),
        None => format!("{title}: emrbot's figure {}", money(r.reckoned_total())),
    };
    SlackMessage::new(fallback, blocks)
}

/// The figures as blocks: rows, totals, launchers, then where they came from.
pub fn bill_blocks(report: &CostReport, tag: &str) -> Vec<Value> {
    let r = &report.reconciliation;
    let mut lines: Vec<String> = r.rows.iter().take(MAX_ROWS).map(row_line).collect();
    if r.rows.len() > MAX_ROWS {
        lines.push(format!(
            "…and {} more values of `{}`.",
            r.rows.len() - MAX_ROWS,
            escape(tag)
        ));
    }
    if lines.is_empty() && r.untagged_clusters.is_empty() {
        lines.push("No cluster ran in these days, and nothing was billed to the tag.".into());
    }
    if !r.untagged_clusters.is_empty() {
        let names: Vec<String> = r
            .untagged_clusters
            .iter()
            .take(MAX_ROWS)
            .map(|c| format!("*{}* {}", escape(&c.name), money(c.usd)))
            .collect();
        lines.push(format!(
            "Without the tag `{}` (the bill cannot name them): {}",
            escape(tag),
            names.join(", ")
        ));
    }
    let mut total = format!("*In all*: emrbot's figure {}", money(r.reckoned_total()));
    if let (Some(billed), Some(bill)) = (r.billed_total(), &r.bill) {
        total = format!(
            "*In all*: billed {} · emrbot's figure {} · difference {}; untagged costs on the bill {}",
            money(billed),
            money(r.reckoned_total()),
            signed(billed - r.reckoned_total()),
            money(bill.untagged)
        );
    }
    lines.push(total);
    lines.push(format!(
        "*By who launched them*: {}",
        r.launchers
            .iter()
            .map(launcher_text)
            .collect::<Vec<_>>()
            .join("; ")
    ));
    let mut blocks = sections(lines);
    let mut notes = vec![bill_note(report.bill, tag, r)];
    notes.extend(sources_note(&report.sources, report.spot));
    if !r.unpriced.is_empty() {
        notes.push(format!(
            "No price for {}: not counted.",
            escape(&r.unpriced.join(", "))
        ));
    }
    if !report.unread.is_empty() {
        notes.push(format!(
            "Instances not read (not counted): {}.",
            escape(&report.unread.join(", "))
        ));
    }
    blocks.push(context(&notes.join(" ")));
    blocks
}

fn row_line(row: &Row) -> String {
    let name = if row.clusters.is_empty() || row.clusters == [row.tag.clone()] {
        format!("*{}*", escape(&row.tag))
    } else {
        format!(
            "*{}* ({})",
            escape(&row.tag),
            escape(&row.clusters.join(", "))
        )
    };
    match (row.billed, row.reckoned, row.difference()) {
        (Some(b), Some(o), Some(d)) => format!(
            "• {name}: billed {} · emrbot {} · difference {}",
            money(b),
            money(o),
            signed(d)
        ),
        (Some(b), None, _) => format!(
            "• {name}: billed {} · no cluster of it seen by emrbot",
            money(b)
        ),
        (None, Some(o), _) => format!("• {name}: emrbot {}", money(o)),
        _ => format!("• {name}"),
    }
}

fn launcher_text(l: &LauncherTotal) -> String {
    // The audit's `who`: `<@U…>` for a Slack user (a mention), else a name.
    let is_mention = |w: &str| {
        w.strip_prefix("<@")
            .and_then(|w| w.strip_suffix('>'))
            .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()))
    };
    let who = match &l.launcher {
        Some(who) if is_mention(who) => who.clone(),
        Some(name) => escape(name),
        None => "not launched through emrbot".into(),
    };
    match l.billed {
        Some(b) => format!(
            "{who} {}, billed {} · emrbot {}",
            plural(l.clusters, "cluster"),
            money(b),
            money(l.reckoned)
        ),
        None => format!(
            "{who} {}, emrbot {}",
            plural(l.clusters, "cluster"),
            money(l.reckoned)
        ),
    }
}

/// Where the bill came from, or what to enable: one line.
fn bill_note(status: BillStatus, tag: &str, r: &Reconciliation) -> String {
    let tag = escape(tag);
    match status {
        BillStatus::Read => {
            let estimated = if r.bill.as_ref().is_some_and(|b| b.estimated) {
                " (estimated: the month is not closed)"
            } else {
                ""
            };
            format!(
                "Billed: Cost Explorer's unblended cost by the cost allocation tag `{tag}`{estimated}; it lags about a day, so the last day may be short."
            )
        }
        BillStatus::Off => format!(
            "Billed costs are off: to see them, set `[costs] cost_explorer = true`, deploy with `CostExplorer=true` and activate `{tag}` as a cost allocation tag in the Billing console."
        ),
        BillStatus::NotEnabled => "Billed costs: Cost Explorer is not enabled for this account; enable it in the Billing console (its data comes a day later).".into(),
        BillStatus::Denied => "Billed costs: Cost Explorer refused; the worker's role needs `ce:GetCostAndUsage` (deploy with `CostExplorer=true`).".into(),
        BillStatus::Unreachable => "Billed costs: Cost Explorer could not be reached; try again in a few minutes.".into(),
    }
}

fn money(usd: f64) -> String {
    if usd < 0.0 {
        format!("-{}", dollars(cents(-usd)))
    } else {
        dollars(cents(usd))
    }
}

/// `+$0.50`, `-$2.00`, `$0.00`.
fn signed(usd: f64) -> String {
    match cents(usd) {
        0 => "$0.00".into(),
        c if c > 0 => format!("+{}", dollars(c)),
        c => format!("-{}", dollars(-c)),
    }
}
