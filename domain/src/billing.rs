//! Reconciliation with the bill: what Cost Explorer billed each cluster
//! (its costs grouped by a cost allocation tag) beside what emrbot reckons
//! it cost over the same days, and the difference; totalled by who launched
//! the clusters. Cost Explorer works in whole UTC days and lags about a
//! day, so a window ends with yesterday (docs/PRICES.md).

use crate::cluster::ClusterId;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The days `/emr cost` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum CostWindow {
    /// The last 7 whole days.
    #[default]
    #[serde(rename = "7d")]
    Week,
    /// The last 30 whole days.
    #[serde(rename = "30d")]
    ThirtyDays,
    /// This calendar month (UTC) up to yesterday; on the 1st, last month.
    #[serde(rename = "month")]
    Month,
}

impl CostWindow {
    pub const ALL: [CostWindow; 3] = [CostWindow::Week, CostWindow::ThirtyDays, CostWindow::Month];

    pub fn as_str(self) -> &'static str {
        match self {
            CostWindow::Week => "7d",
            CostWindow::ThirtyDays => "30d",
            CostWindow::Month => "month",
        }
    }

    pub fn parse(word: &str) -> Option<CostWindow> {
        CostWindow::ALL
            .into_iter()
            .find(|w| w.as_str().eq_ignore_ascii_case(word))
    }

    /// The whole UTC days it covers on `today`, up to yesterday.
    pub fn period(self, today: NaiveDate) -> Period {
        let days = |n| Period {
            start: today - Duration::days(n),
            end: today,
        };
        match self {
            CostWindow::Week => days(7),
            CostWindow::ThirtyDays => days(30),
            CostWindow::Month if today.day() == 1 => {
                let last_month = today.pred_opt().unwrap_or(today);
                Period {
                    start: last_month.with_day(1).unwrap_or(last_month),
                    end: today,
                }
            }
            CostWindow::Month => Period {
                start: today.with_day(1).unwrap_or(today),
                end: today,
            },
        }
    }
}

impl fmt::Display for CostWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whole UTC days: from `start` up to, not including, `end` (as Cost
/// Explorer's `TimePeriod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.start.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    pub fn ends_at(&self) -> DateTime<Utc> {
        self.end.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// The last day it covers.
    pub fn last_day(&self) -> NaiveDate {
        self.end.pred_opt().unwrap_or(self.end)
    }
}

/// What Cost Explorer billed over a period, by the allocation tag's value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Bill {
    pub by_tag: BTreeMap<String, f64>,
    /// Costs without the tag (every other service's too): shown, never
    /// given to a cluster.
    pub untagged: f64,
    /// Cost Explorer marked some of it estimated (the month is not closed).
    pub estimated: bool,
}

/// emrbot's own figure of one cluster over the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Reckoned {
    pub cluster: ClusterId,
    pub name: String,
    /// Its value of the allocation tag; `None`: untagged, so the bill
    /// cannot name it.
    pub tag: Option<String>,
    /// Who launched it through emrbot, from the audit; `None`: not on record.
    pub launcher: Option<String>,
    pub usd: f64,
    /// Instance types with hours and no price (not in `usd`).
    pub unpriced: Vec<String>,
}

/// One value of the allocation tag: billed, reckoned, or both.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub tag: String,
    /// The names of emrbot's clusters with this value (none: billed only).
    pub clusters: Vec<String>,
    pub billed: Option<f64>,
    pub reckoned: Option<f64>,
}

impl Row {
    /// Billed minus reckoned, where both are known.
    pub fn difference(&self) -> Option<f64> {
        Some(self.billed? - self.reckoned?)
    }
}

/// A launcher's clusters: billed (where the bill names them) and reckoned.
#[derive(Debug, Clone, PartialEq)]
pub struct LauncherTotal {
    /// `None`: launched outside emrbot, or before its audit reaches back.
    pub launcher: Option<String>,
    pub clusters: usize,
    pub billed: Option<f64>,
    pub reckoned: f64,
}

/// The bill beside emrbot's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconciliation {
    pub period: Period,
    /// Largest first (billed, else reckoned).
    pub rows: Vec<Row>,
    /// Emrbot's clusters without the tag: reckoned only.
    pub untagged_clusters: Vec<Reckoned>,
    pub launchers: Vec<LauncherTotal>,
    /// `None` when there is no bill to compare with.
    pub bill: Option<Bill>,
    pub unpriced: Vec<String>,
}

impl Reconciliation {
    pub fn reckoned_total(&self) -> f64 {
        self.rows.iter().filter_map(|r| r.reckoned).sum::<f64>()
            + self.untagged_clusters.iter().map(|c| c.usd).sum::<f64>()
    }

    pub fn billed_total(&self) -> Option<f64> {
        let bill = self.bill.as_ref()?;
        Some(bill.by_tag.values().sum())
    }
}

/// Pairs `bill` (if any) with `reckoned`, by tag value. A tag value billed
/// for several clusters (one name launched twice, say) is shared among their
/// launchers in proportion to emrbot's figures.
pub fn reconcile(period: Period, bill: Option<Bill>, reckoned: &[Reckoned]) -> Reconciliation {
    let mut by_tag: BTreeMap<&str, Vec<&Reckoned>> = BTreeMap::new();
    let mut untagged_clusters = Vec::new();
    for r in reckoned {
        match &r.tag {
            Some(tag) => by_tag.entry(tag).or_default().push(r),
            None => untagged_clusters.push(r.clone()),
        }
    }
    let billed = |tag: &str| {
        bill.as_ref()
            .map(|b| b.by_tag.get(tag).copied().unwrap_or(0.0))
    };
    let mut rows: Vec<Row> = by_tag
        .iter()
        .map(|(tag, clusters)| {
            let mut names: Vec<String> = clusters.iter().map(|c| c.name.clone()).collect();
            names.dedup();
            Row {
                tag: tag.to_string(),
                clusters: names,
                billed: billed(tag),
                reckoned: Some(clusters.iter().map(|c| c.usd).sum()),
            }
        })
        .collect();
    // What the bill names that emrbot saw no cluster of.
    for (tag, usd) in bill.iter().flat_map(|b| &b.by_tag) {
        if !by_tag.contains_key(tag.as_str()) {
            rows.push(Row {
                tag: tag.clone(),
                clusters: Vec::new(),
                billed: Some(*usd),
                reckoned: None,
            });
        }
    }
    rows.sort_by(|a, b| {
        let size = |r: &Row| r.billed.or(r.reckoned).unwrap_or(0.0);
        size(b).total_cmp(&size(a)).then_with(|| a.tag.cmp(&b.tag))
    });
    let mut unpriced: Vec<String> = reckoned.iter().flat_map(|r| r.unpriced.clone()).collect();
    unpriced.sort();
    unpriced.dedup();
    Reconciliation {
        period,
        launchers: launchers(&by_tag, &untagged_clusters, bill.is_some(), &billed),
        rows,
        untagged_clusters,
        bill,
        unpriced,
    }
}

/// Each launcher's clusters, most reckoned first.
fn launchers(
    by_tag: &BTreeMap<&str, Vec<&Reckoned>>,
    untagged: &[Reckoned],
    has_bill: bool,
    billed: &dyn Fn(&str) -> Option<f64>,
) -> Vec<LauncherTotal> {
    let mut totals: BTreeMap<Option<String>, LauncherTotal> = BTreeMap::new();
    let mut add = |r: &Reckoned, billed_share: Option<f64>| {
        let total = totals
            .entry(r.launcher.clone())
            .or_insert_with(|| LauncherTotal {
                launcher: r.launcher.clone(),
                clusters: 0,
                billed: has_bill.then_some(0.0),
                reckoned: 0.0,
            });
        total.clusters += 1;
        total.reckoned += r.usd;
        if let (Some(sum), Some(share)) = (total.billed.as_mut(), billed_share) {
            *sum += share;
        }
    };
    for (tag, clusters) in by_tag {
        let reckoned: f64 = clusters.iter().map(|c| c.usd).sum();
        for c in clusters {
            let weight = if reckoned > 0.0 {
                c.usd / reckoned
            } else {
                1.0 / clusters.len() as f64
            };
            add(c, billed(tag).map(|b| b * weight));
        }
    }
    for c in untagged {
        add(c, None);
    }
    let mut out: Vec<LauncherTotal> = totals.into_values().collect();
    out.sort_by(|a, b| {
        b.reckoned
            .total_cmp(&a.reckoned)
            .then_with(|| a.launcher.cmp(&b.launcher))
    });
    out
}

#[cfg(test)]
mod tests;
