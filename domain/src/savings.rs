//! The weekly savings report's figures: the scheduler's records of the week
//! (`SavingsReport`), checked against what EMR says of each cluster now, and
//! priced from the same price book as `status` (`crate::price_book`). The definitions
//! (docs/SAVINGS.md says them to users):
//!
//! - A termination **counts** when EMR shows the cluster ended no later than
//!   [`ACTED_WITHIN`] after the scheduler asked. Otherwise the worker spared
//!   it at its last check, or someone ended it later: it is listed, not
//!   counted. In a dry run nothing was terminated: each request counts as
//!   what *would* have been saved.
//! - **End of day** saves the hours from the termination to the start of the
//!   next workday (`workday_start` on the next workday that is not a
//!   holiday), at most [`MAX_END_OF_DAY`].
//! - **Idle** saves the hours to the next end of day, at most [`MAX_IDLE`]
//!   (the same without `end_of_day`).
//! - Instance-hours avoided = the cluster's instances × hours; money = its
//!   hourly rate × hours, at the size it had when it ended.
//! - **Kept**: clusters the end-of-day rule passed over (locked past it, or
//!   tagged exempt), with what they cost while up during the week.

use crate::config::PolicyConfig;
use crate::emr::{CapacityGroup, ClusterDetail};
use crate::policy::{local_instant, workday, Rule};
use crate::price_book::{PriceBook, Rate, Sources};
use crate::report::{AutoAction, KeptBy, SavingsReport};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeMap, HashMap};

/// How long after the scheduler's request a cluster may end and still count
/// as terminated by it (the worker acts within seconds; retries, minutes).
pub const ACTED_WITHIN: Duration = Duration::hours(1);
/// An end-of-day termination saves at most this (a long holiday).
pub const MAX_END_OF_DAY: Duration = Duration::days(4);
/// An idle termination saves at most this.
pub const MAX_IDLE: Duration = Duration::hours(24);

/// The hours a termination by `rule` at `at` saved (docs/SAVINGS.md).
pub fn avoided(rule: Rule, at: DateTime<Utc>, policy: &PolicyConfig, tz: Tz) -> Duration {
    let has_end_of_day = workday(policy);
    let next = |time| {
        let today = at.with_timezone(&tz).date_naive();
        today
            .iter_days()
            .take(MAX_END_OF_DAY.num_days() as usize + 2)
            .filter(|d| has_end_of_day(*d))
            .map(|d| local_instant(tz, d, time))
            .find(|t| *t > at)
    };
    let until = match rule {
        Rule::EndOfDay => next(policy.workday_start)
            .map_or(at + MAX_END_OF_DAY, |start| start.min(at + MAX_END_OF_DAY)),
        Rule::Idle => policy
            .end_of_day
            .and_then(next)
            .map_or(at + MAX_IDLE, |eod| eod.min(at + MAX_IDLE)),
    };
    until - at
}

/// One automatic termination, checked and priced.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub action: AutoAction,
    pub rule: Rule,
    pub hours: f64,
    pub instances: u32,
    pub rate: Rate,
}

impl Saved {
    pub fn instance_hours(&self) -> f64 {
        self.hours * f64::from(self.instances)
    }
    pub fn usd(&self) -> f64 {
        self.rate.usd * self.hours
    }
}

/// Why a recorded termination does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCounted {
    /// Still up: spared at the worker's last check.
    StillRunning,
    /// Ended more than [`ACTED_WITHIN`] after the request.
    EndedLater,
    /// EMR could not tell (too old, or its account did not answer).
    Unknown,
}

/// A cluster the end-of-day rule passed over, once or more in the week.
#[derive(Debug, Clone, PartialEq)]
pub struct Kept {
    pub cluster: String,
    pub name: String,
    /// The last reason (a lock's holder, or the tag).
    pub by: KeptBy,
    /// How many ends of day it survived.
    pub nights: usize,
    /// Hours it was up within the week (`None`: EMR could not tell).
    pub hours: Option<f64>,
    pub rate: Rate,
}

impl Kept {
    pub fn usd(&self) -> f64 {
        self.rate.usd * self.hours.unwrap_or(0.0)
    }
}

/// The figures of one week.
#[derive(Debug, Clone, PartialEq)]
pub struct Savings {
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// Nothing was terminated: the figures are what would have been saved.
    pub dry_run: bool,
    pub saved: Vec<Saved>,
    pub not_counted: Vec<(AutoAction, NotCounted)>,
    pub kept: Vec<Kept>,
}

/// Totals of some terminations.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Total {
    pub clusters: usize,
    pub instance_hours: f64,
    pub usd: f64,
}

impl Savings {
    pub fn total(&self) -> Total {
        total(self.saved.iter())
    }

    /// Per rule, end of day first; only rules with a termination.
    pub fn by_rule(&self) -> Vec<(Rule, Total)> {
        [Rule::EndOfDay, Rule::Idle]
            .into_iter()
            .map(|rule| (rule, total(self.saved.iter().filter(|s| s.rule == rule))))
            .filter(|(_, t)| t.clusters > 0)
            .collect()
    }

    /// The instance types no rate could price (left out of the dollars).
    pub fn unpriced(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .saved
            .iter()
            .map(|s| &s.rate)
            .chain(self.kept.iter().map(|k| &k.rate))
            .flat_map(|r| r.unpriced.iter().cloned())
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Where the prices of every figure came from.
    pub fn sources(&self) -> Sources {
        let mut all = Sources::new();
        let rates = self.saved.iter().map(|s| &s.rate);
        for rate in rates.chain(self.kept.iter().map(|k| &k.rate)) {
            crate::price_book::merge(&mut all, &rate.sources);
        }
        all
    }
}

fn total<'a>(saved: impl Iterator<Item = &'a Saved>) -> Total {
    saved.fold(Total::default(), |t, s| Total {
        clusters: t.clusters + 1,
        instance_hours: t.instance_hours + s.instance_hours(),
        usd: t.usd + s.usd(),
    })
}

/// The groups at the size they ran at: an ended cluster's groups report no
/// running instances, so they count at their requested size.
fn at_size(detail: &ClusterDetail) -> Vec<CapacityGroup> {
    let ended = !detail.summary.state.is_active();
    detail
        .groups
        .iter()
        .map(|g| CapacityGroup {
            running: if ended {
                g.running.max(g.requested)
            } else {
                g.running
            },
            ..g.clone()
        })
        .collect()
}

fn instances(groups: &[CapacityGroup]) -> u32 {
    groups
        .iter()
        .map(|g| u32::try_from(g.running).unwrap_or(0))
        .sum()
}

/// The price book of each account's clusters (`None`: the bot's own), for
/// the region it runs them in.
pub type AccountBooks = HashMap<Option<String>, PriceBook>;

/// The week's figures: `details` are DescribeCluster of the report's
/// clusters now, by id (a missing one: EMR could not tell).
pub fn tally(
    report: &SavingsReport,
    details: &HashMap<String, ClusterDetail>,
    policy: &PolicyConfig,
    books: &AccountBooks,
    tz: Tz,
) -> Savings {
    let none = PriceBook::default();
    let book = |d: &ClusterDetail| books.get(&d.summary.account).unwrap_or(&none);
    let mut saved = Vec::new();
    let mut not_counted = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for action in &report.terminated {
        // A cluster is terminated once; a repeated record counts once.
        if !seen.insert(action.cluster.clone()) {
            continue;
        }
        let rule = action.rule;
        let Some(detail) = details.get(&action.cluster) else {
            not_counted.push((action.clone(), NotCounted::Unknown));
            continue;
        };
        let summary = &detail.summary;
        let counts = if policy.dry_run {
            Ok(())
        } else if summary.state.is_active() {
            Err(NotCounted::StillRunning)
        } else if summary
            .ended_at
            .is_some_and(|end| end > action.at + ACTED_WITHIN)
        {
            Err(NotCounted::EndedLater)
        } else {
            Ok(())
        };
        if let Err(why) = counts {
            not_counted.push((action.clone(), why));
            continue;
        }
        let groups = at_size(detail);
        saved.push(Saved {
            action: action.clone(),
            rule,
            hours: avoided(rule, action.at, policy, tz).num_seconds() as f64 / 3600.0,
            instances: instances(&groups),
            // Hours avoided lie ahead, with no spot price yet: spot at on-demand (said).
            rate: book(detail).hourly(&groups, None),
        });
    }

    let mut kept: BTreeMap<String, Kept> = BTreeMap::new();
    for k in &report.kept {
        let entry = kept.entry(k.cluster.clone()).or_insert_with(|| {
            let detail = details.get(&k.cluster);
            let hours = detail.and_then(|d| {
                let from = d.summary.created_at?.max(report.since);
                let to = d.summary.ended_at.unwrap_or(report.at).min(report.at);
                Some((to - from).num_seconds().max(0) as f64 / 3600.0)
            });
            Kept {
                cluster: k.cluster.clone(),
                name: k.name.clone(),
                by: k.by.clone(),
                nights: 0,
                hours,
                rate: detail
                    .map(|d| book(d).hourly(&at_size(d), None))
                    .unwrap_or_default(),
            }
        });
        entry.nights += 1;
        entry.by = k.by.clone();
    }
    Savings {
        since: report.since,
        until: report.at,
        dry_run: policy.dry_run,
        saved,
        not_counted,
        kept: kept.into_values().collect(),
    }
}

#[cfg(test)]
mod tests;
