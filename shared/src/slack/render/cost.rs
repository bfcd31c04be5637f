//! A cluster's cost as Slack shows it (`≈ $4.32 so far ($0.96/h)`), and
//! where a reply's dollars came from, said under them: the AWS Price List
//! and its date, `[prices]` in the config, or the built-in table as the
//! fallback it is, with the reason.

use crate::slack::blocks::escape;
use chrono::{DateTime, Utc};
use emrbot_domain::emr::ClusterSummary;
use emrbot_domain::price_book::{merge, Fallback, PriceSource, Rate, Sources, Spent};
use std::collections::BTreeSet;

/// A cluster's cost figures: so far, and per hour now.
#[derive(Debug, Clone, Copy)]
pub struct Cost<'a> {
    pub rate: Option<&'a Rate>,
    pub spent: Option<&'a Spent>,
}

impl Cost<'_> {
    /// (so far, per hour) in USD; `None` when nothing is priced. Without
    /// instance records, so far is the rate over the uptime (said).
    pub fn figures(&self, c: &ClusterSummary, now: DateTime<Utc>) -> Option<(f64, f64)> {
        let hourly = self.rate.map_or(0.0, |r| r.usd);
        let so_far = match self.spent {
            Some(s) => s.usd,
            None => c
                .uptime(now)
                .map_or(0.0, |up| self.rate.map_or(0.0, |r| r.over(up))),
        };
        (so_far > 0.0 || hourly > 0.0).then_some((so_far, hourly))
    }

    /// Where the figures' prices came from.
    pub fn sources(&self) -> Sources {
        let mut all = Sources::new();
        if let Some(r) = self.rate {
            merge(&mut all, &r.sources);
        }
        if let Some(s) = self.spent {
            merge(&mut all, &s.sources);
        }
        all
    }

    /// Some capacity is spot, priced at on-demand rates.
    pub fn spot(&self) -> bool {
        self.rate.is_some_and(|r| r.spot) || self.spent.is_some_and(|s| s.spot)
    }
}

/// `≈ $4.32 so far ($0.96/h)`, marked when spot, partly unpriced or
/// reckoned at the current size; the normalized-hour figure when no price
/// is known. Where the prices came from is said under the figures
/// ([`sources_note`]).
pub fn cost_text(
    c: &ClusterSummary,
    cost: Cost<'_>,
    per_nih: Option<f64>,
    now: DateTime<Utc>,
) -> String {
    let mut unpriced: Vec<&String> = cost
        .rate
        .iter()
        .flat_map(|r| &r.unpriced)
        .chain(cost.spent.iter().flat_map(|s| &s.unpriced))
        .collect();
    unpriced.sort();
    unpriced.dedup();
    let unpriced = unpriced
        .iter()
        .map(|t| escape(t))
        .collect::<Vec<_>>()
        .join(", ");
    let Some((so_far, hourly)) = cost.figures(c, now) else {
        let hours = hours_and_cost(c.normalized_instance_hours, per_nih);
        return if unpriced.is_empty() {
            hours
        } else {
            // Never a zero where a price is unknown: the type is named.
            format!("{hours}; no price for {unpriced}")
        };
    };
    let mut text = format!(
        "≈ {} so far ({}/h)",
        dollars(cents(so_far)),
        dollars(cents(hourly))
    );
    if cost.spent.is_none() {
        text.push_str(", at its current size");
    }
    if cost.spot() {
        text.push_str(", spot at on-demand prices");
    }
    if !unpriced.is_empty() {
        text.push_str(&format!(", without {unpriced} (no price)"));
    }
    text
}

/// Dollars rounded to the cent, as every cost line shows them: a total is
/// the sum of these, so it adds up to what is on screen.
pub(crate) fn cents(usd: f64) -> i64 {
    (usd * 100.0).round() as i64
}

/// `$12.05` from cents.
pub(crate) fn dollars(cents: i64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// `12 normalized instance hours (≈ $3.60)`.
pub fn hours_and_cost(hours: Option<i32>, rate: Option<f64>) -> String {
    let hours = hours.unwrap_or(0);
    match rate {
        Some(rate) => format!(
            "{hours} normalized instance hours (≈ ${:.2})",
            hours as f64 * rate
        ),
        None => format!("{hours} normalized instance hours"),
    }
}

/// `Prices: AWS price list of 2026-12-01 (EC2 on-demand + EMR).`;
/// `None` when nothing was priced.
pub fn sources_note(sources: &Sources, spot: bool) -> Option<String> {
    if sources.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = sources
        .iter()
        .map(|(source, types)| match source {
            PriceSource::PriceList(Some(day)) => {
                format!(
                    "AWS price list of {} (EC2 on-demand + EMR)",
                    day.format("%Y-%m-%d")
                )
            }
            PriceSource::PriceList(None) => "AWS price list (EC2 on-demand + EMR)".into(),
            PriceSource::SpotHistory => format!(
                "spot history (EC2's spot price history + EMR) for the spot capacity of {}",
                names(types)
            ),
            PriceSource::Config => format!("`[prices]` in the config for {}", names(types)),
            PriceSource::BuiltIn(Fallback::Unreachable) => format!(
                "estimated from built-in prices: the AWS price list could not be reached ({})",
                names(types)
            ),
            PriceSource::BuiltIn(Fallback::NoProduct) => format!(
                "estimated from built-in prices: the AWS price list has no product for {}",
                names(types)
            ),
        })
        .collect();
    if spot {
        parts.push("spot capacity at on-demand prices (an upper bound)".into());
    }
    Some(format!("Prices: {}.", parts.join("; ")))
}

fn names(types: &BTreeSet<String>) -> String {
    types
        .iter()
        .map(|t| escape(t))
        .collect::<Vec<_>>()
        .join(", ")
}
