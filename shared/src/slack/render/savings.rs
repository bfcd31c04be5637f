//! The weekly savings report in Slack: what emrbot terminated automatically,
//! by rule, the instance-hours and money that avoided, what was requested but
//! does not count, and what the end of day kept running; then the same
//! figures as a link-free table the team can paste (a code block).

use super::{plural, rule_name};
use crate::slack::blocks::{context, escape, header, section, SlackMessage};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::config::PolicyConfig;
use emrbot_domain::policy::Rule;
use emrbot_domain::report::KeptBy;
use emrbot_domain::savings::{NotCounted, Savings, Total, MAX_IDLE};
use serde_json::Value;

/// Code blocks of the table at most (Slack: 50 blocks, 3,000 characters each).
const TABLE_BLOCKS: usize = 8;
const TABLE_BLOCK_CHARS: usize = 2800;

fn day(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %d %b").to_string()
}

fn when(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %d %H:%M").to_string()
}

fn figures(t: &Total) -> String {
    format!(
        "{}, ≈ {:.0} instance-hours, ≈ ${:.2}",
        plural(t.clusters, "cluster"),
        t.instance_hours,
        t.usd
    )
}

fn not_counted_text(why: NotCounted) -> &'static str {
    match why {
        NotCounted::StillRunning => "still running: spared at the last check",
        NotCounted::EndedLater => "ended later, not by emrbot",
        NotCounted::Unknown => "EMR could not tell",
    }
}

fn kept_text(by: &KeptBy, tz: Tz) -> String {
    match by {
        KeptBy::Lock { holder, until } => {
            format!(
                "locked by {} until {}",
                super::history::who_text(holder),
                super::local_time(*until, tz)
            )
        }
        KeptBy::Tag => "exempt tag".into(),
    }
}

/// `emrbot terminated *2 clusters* automatically and avoided …` over `period`.
pub fn summary(s: &Savings, period: &str) -> String {
    let total = s.total();
    match (total.clusters, s.dry_run) {
        (0, false) => format!("No cluster was terminated automatically {period}."),
        (0, true) => format!("Dry run: no cluster would have been terminated {period}."),
        (_, false) => format!(
            "emrbot terminated *{}* automatically {period} and avoided *≈ {:.0} \
             instance-hours*, *≈ ${:.2}*.",
            plural(total.clusters, "cluster"),
            total.instance_hours,
            total.usd
        ),
        (_, true) => format!(
            "Dry run: emrbot would have terminated *{}* {period}, avoiding *≈ {:.0} \
             instance-hours*, *≈ ${:.2}*. Nothing was terminated.",
            plural(total.clusters, "cluster"),
            total.instance_hours,
            total.usd
        ),
    }
}

/// The weekly savings report; with `bill`, the week's clusters billed beside
/// emrbot's figures follow (see [`super::billing`]).
pub fn savings(
    s: &Savings,
    policy: &PolicyConfig,
    tz: Tz,
    bill: Option<(&super::CostReport, &str)>,
) -> SlackMessage {
    let period = format!("{} – {}", day(s.since, tz), day(s.until, tz));
    let mut blocks = vec![header(&if s.dry_run {
        format!("EMR savings (dry run): {period}")
    } else {
        format!("EMR savings: {period}")
    })];
    let total = s.total();
    let mut lines = vec![summary(s, "this week")];
    for (rule, t) in s.by_rule() {
        let counted = match rule {
            Rule::EndOfDay => format!(
                "until the next workday starts, {}",
                policy.workday_start.format("%H:%M")
            ),
            Rule::Idle => format!("until the end of day, {} h at most", MAX_IDLE.num_hours()),
        };
        lines.push(format!(
            "• {}: {} ({counted})",
            rule_name(rule),
            figures(&t)
        ));
    }
    if !s.not_counted.is_empty() {
        let items: Vec<String> = s
            .not_counted
            .iter()
            .map(|(a, why)| {
                format!(
                    "`{}` {} ({})",
                    a.cluster,
                    escape(&a.name),
                    not_counted_text(*why)
                )
            })
            .collect();
        lines.push(format!("Requested but not counted: {}", items.join(", ")));
    }
    blocks.push(section(&lines.join("\n")));
    if !s.kept.is_empty() {
        let kept_usd: f64 = s.kept.iter().map(|k| k.usd()).sum();
        let items: Vec<String> = s
            .kept
            .iter()
            .map(|k| {
                format!(
                    "• *{}* `{}`: {}, {}, ≈ ${:.2} this week",
                    escape(&k.name),
                    k.cluster,
                    kept_text(&k.by, tz),
                    plural(k.nights, "night"),
                    k.usd()
                )
            })
            .collect();
        blocks.push(section(&format!(
            "Kept running at the end of day (locked or exempt): {}, ≈ ${kept_usd:.2} this week\n{}",
            plural(s.kept.len(), "cluster"),
            items.join("\n")
        )));
    }
    if !s.saved.is_empty() || !s.kept.is_empty() {
        blocks.extend(table_blocks(&table(s, tz)));
    }
    let spot = s.saved.iter().any(|x| x.rate.spot) || s.kept.iter().any(|k| k.rate.spot);
    let mut notes: Vec<String> = super::cost::sources_note(&s.sources(), spot)
        .into_iter()
        .collect();
    notes.push("How it counts: docs/SAVINGS.md.".into());
    let unpriced = s.unpriced();
    if !unpriced.is_empty() {
        notes.push(format!(
            "No price for {}: not counted in $.",
            escape(&unpriced.join(", "))
        ));
    }
    blocks.push(context(&notes.join(" ")));
    if let Some((report, tag)) = bill {
        blocks.push(header("Billed this week, beside emrbot's figures"));
        blocks.extend(super::billing::bill_blocks(report, tag));
    }
    let fallback = format!(
        "EMR savings {period}: {} terminated automatically{}, ≈ {:.0} instance-hours, ≈ ${:.2} avoided; {} kept running",
        plural(total.clusters, "cluster"),
        if s.dry_run { " (dry run: would have been)" } else { "" },
        total.instance_hours,
        total.usd,
        plural(s.kept.len(), "cluster")
    );
    SlackMessage::new(fallback, blocks)
}

/// The figures as fixed-width rows: one per termination counted, one per
/// cluster kept. No links, no markup: it pastes as it looks.
pub fn table(s: &Savings, tz: Tz) -> Vec<String> {
    let name = |n: &str| crate::slack::blocks::clip(n, 20);
    // The table's times are in the configured zone, named once in its head.
    let zone = format!("when {}", s.until.with_timezone(&tz).format("%Z"));
    let mut rows = vec![format!(
        "{:<8} {:<15} {:<20} {:<11} {:<12} {:>5} {:>7} {:>8} {:>9}",
        "what", "cluster", "name", "rule", zone, "inst", "hours", "inst-h", "usd"
    )];
    for saved in &s.saved {
        rows.push(format!(
            "{:<8} {:<15} {:<20} {:<11} {:<12} {:>5} {:>7.1} {:>8.1} {:>9.2}",
            if s.dry_run { "would" } else { "saved" },
            saved.action.cluster,
            name(&saved.action.name),
            rule_name(saved.rule),
            when(saved.action.at, tz),
            saved.instances,
            saved.hours,
            saved.instance_hours(),
            saved.usd()
        ));
    }
    for k in &s.kept {
        let why = match k.by {
            KeptBy::Lock { .. } => "locked",
            KeptBy::Tag => "exempt tag",
        };
        rows.push(format!(
            "{:<8} {:<15} {:<20} {:<11} {:<12} {:>5} {:>7} {:>8} {:>9.2}",
            "kept",
            k.cluster,
            name(&k.name),
            why,
            plural(k.nights, "night"),
            "",
            k.hours
                .map(|h| format!("{h:.1}"))
                .unwrap_or_else(|| "?".into()),
            "",
            k.usd()
        ));
    }
    rows
}

/// The table as code blocks within Slack's limits; rows past them are counted.
fn table_blocks(rows: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    let mut chunk: Vec<String> = Vec::new();
    let mut len = 0;
    let mut shown = 0;
    for row in rows {
        let row = escape(row);
        if len + row.len() + 1 > TABLE_BLOCK_CHARS {
            if out.len() + 1 == TABLE_BLOCKS {
                break;
            }
            out.push(section(&format!("```\n{}\n```", chunk.join("\n"))));
            chunk.clear();
            len = 0;
        }
        len += row.len() + 1;
        chunk.push(row);
        shown += 1;
    }
    if !chunk.is_empty() {
        out.push(section(&format!("```\n{}\n```", chunk.join("\n"))));
    }
    if shown < rows.len() {
        out.push(context(&format!("… and {} more rows", rows.len() - shown)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use emrbot_domain::price_book::Rate;
    use emrbot_domain::report::AutoAction;
    use emrbot_domain::savings::Saved;

    #[test]
    fn a_busy_week_stays_within_slacks_limits() {
        let t = |h: i64| DateTime::<Utc>::from_timestamp(1_796_000_000 + h * 3600, 0).unwrap();
        let saved = (0..300)
            .map(|i| Saved {
                action: AutoAction {
                    at: t(i),
                    cluster: format!("j-{i:013}"),
                    name: format!("<team> & cluster number {i}"),
                    account: None,
                    rule: Rule::Idle,
                    reason: "idle".into(),
                },
                rule: Rule::Idle,
                hours: 5.0,
                instances: 3,
                rate: Rate {
                    usd: 0.72,
                    ..Rate::default()
                },
            })
            .collect();
        let s = Savings {
            since: t(-168),
            until: t(0),
            dry_run: false,
            saved,
            not_counted: Vec::new(),
            kept: Vec::new(),
        };
        let message = savings(&s, &PolicyConfig::default(), chrono_tz::UTC, None).to_json();
        let blocks = message["blocks"].as_array().unwrap();
        assert!(blocks.len() <= 50, "{} blocks", blocks.len());
        for block in blocks {
            let text = block["text"]["text"]
                .as_str()
                .or_else(|| block["elements"][0]["text"].as_str())
                .unwrap_or_default();
            assert!(text.chars().count() <= 3000, "{text}");
            assert!(!text.contains("<team>"), "names are escaped: {text}");
        }
        let shown = message.to_string().matches("saved    j-").count();
        let more = blocks
            .iter()
            .filter_map(|b| b["elements"][0]["text"].as_str())
            .find(|t| t.contains("more rows"))
            .expect("the rows left out are counted");
        assert_eq!(more, format!("… and {} more rows", 300 - shown).as_str());
        assert!(message["text"].as_str().unwrap().contains("300 clusters"));
    }
}
