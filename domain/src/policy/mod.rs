//! The automatic policies (docs/ARCHITECTURE.md, "The policies") as one pure function:
//! (clusters, their steps, locks, per-cluster policy state, config, now) →
//! decisions (idle alert, warn, terminate, report). No I/O here: the scheduler
//! gathers the facts, calls [`evaluate`], and turns decisions into queue
//! messages; the worker performs and audits them.
//!
//! Rules, all in the configured time zone (chrono-tz, daylight saving included):
//! - **Idle**: state WAITING with no pending/running step. Idle since = the
//!   latest of ready time (creation when unknown), last step end, last unlock,
//!   lock expiry, last snooze.
//! - **Unlocked auto-termination**: deadline = max(idle since + `unlocked_grace`,
//!   snoozed until). Warning from deadline − `warn_before`; termination from
//!   the deadline. Never while a lock is active; never for `exempt_tag=true`.
//!   A sweep after the deadline terminates at once (catch-up), even if no
//!   warning went out (the scheduler was down): the termination is announced.
//! - **End of day**: deadline D = `end_of_day` on a `workdays` local date (a
//!   time that does not exist on a DST day moves forward to the first valid
//!   instant; an ambiguous one is its first occurrence). From D (up to
//!   [`CATCH_UP`] late), every cluster created before D is terminated, busy or
//!   idle, unless tagged `exempt_tag=true`, locked until after D (then an
//!   exemption is recorded for D, so a later unlock leaves it to the idle
//!   rules), or locked now. Warned from D − `warn_before`.
//! - **Idle alert**: idle for `idle_alert_after` (locked or not): one alert per
//!   idle period.
//! - **Daily report** at `daily_report` on `report_days`, up to [`CATCH_UP`]
//!   late; the **savings report** at `savings_report` once a week, likewise.
//!
//! Every decision has a key naming cluster, rule and deadline; a decision whose
//! key is already in the cluster's `done` set is not made again, and the key is
//! also the queue message id, so a repeated or late event does nothing twice.

pub mod activity;
pub mod state;

use crate::cluster::ClusterId;
use crate::config::PolicyConfig;
use crate::emr::{ClusterSummary, StepSummary};
use crate::lock::Lock;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// How late a sweep may be and still catch up an end of day or a report.
pub const CATCH_UP: Duration = Duration::hours(12);

/// Which rules a sweep evaluates (`detail.sweep` of the scheduled event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Everything due (the default; a 5-minute tick of this catches up any lost event).
    All,
    Idle,
    EndOfDay,
    Report,
}

impl Sweep {
    pub fn parse(word: &str) -> Option<Sweep> {
        match word {
            "all" | "tick" | "" => Some(Sweep::All),
            "idle" => Some(Sweep::Idle),
            "end_of_day" | "eod" => Some(Sweep::EndOfDay),
            "report" | "daily_report" => Some(Sweep::Report),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sweep::All => "all",
            Sweep::Idle => "idle",
            Sweep::EndOfDay => "end_of_day",
            Sweep::Report => "report",
        }
    }

    fn idle(self) -> bool {
        matches!(self, Sweep::All | Sweep::Idle)
    }
    fn eod(self) -> bool {
        matches!(self, Sweep::All | Sweep::EndOfDay)
    }
    fn report(self) -> bool {
        matches!(self, Sweep::All | Sweep::Report)
    }
}

/// Steps as idle detection needs them (the first page of ListSteps).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepFacts {
    pub pending_or_running: bool,
    pub last_end: Option<DateTime<Utc>>,
}

impl StepFacts {
    pub fn of(steps: &[StepSummary]) -> Self {
        StepFacts {
            pending_or_running: steps.iter().any(StepSummary::is_pending_or_running),
            last_end: steps.iter().filter_map(|s| s.ended_at).max(),
        }
    }
}

/// `tags` carry the exempt tag set to `true` (`policy.exempt_tag`).
pub fn is_exempt(policy: &PolicyConfig, tags: &std::collections::BTreeMap<String, String>) -> bool {
    tags.get(&policy.exempt_tag)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// What emrbot remembers per cluster for its policies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyState {
    /// `extend` on an unlocked cluster: when, and until when.
    pub snoozed_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    /// The last time a lock ended (unlock, or expiry noticed).
    pub last_unlock: Option<DateTime<Utc>>,
    /// Keys of the decisions already carried out.
    pub done: BTreeSet<DecisionKey>,
    /// When each warning (by its key) went out: a termination waits until
    /// its warning is `warn_before` old.
    pub warned: std::collections::BTreeMap<DecisionKey, DateTime<Utc>>,
}

/// One cluster with everything known about it. `steps` and `exempt` are
/// fetched only when a decision depends on them (see [`Evaluation::needs`]).
#[derive(Debug, Clone)]
pub struct ClusterFacts {
    pub cluster: ClusterSummary,
    pub steps: Option<StepFacts>,
    /// `exempt_tag=true`; `None`: tags not fetched yet.
    pub exempt: Option<bool>,
    pub lock: Option<Lock>,
    pub state: PolicyState,
}

pub use crate::rule::Rule;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionKind {
    IdleAlert {
        idle_since: DateTime<Utc>,
    },
    Warn {
        rule: Rule,
        deadline: DateTime<Utc>,
    },
    Terminate {
        rule: Rule,
        deadline: DateTime<Utc>,
        reason: String,
    },
    /// Bookkeeping only: this end of day passed the cluster over, `by` a
    /// lock past it (remembered so a later unlock leaves the cluster to the
    /// idle rules) or the exempt tag. The savings report lists both.
    ExemptEndOfDay {
        deadline: DateTime<Utc>,
        by: crate::report::KeptBy,
    },
    /// The daily report due at `deadline`, covering automatic actions since `since`.
    Report {
        deadline: DateTime<Utc>,
        since: DateTime<Utc>,
    },
    /// The weekly savings report due at `deadline`, covering `since` (a week before).
    Savings {
        deadline: DateTime<Utc>,
        since: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `None` for the report.
    pub cluster: Option<ClusterId>,
    /// Unique per cluster, rule and deadline; also the message id's suffix.
    pub key: DecisionKey,
    pub kind: DecisionKind,
}

/// Facts to fetch before the decisions for a cluster can be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    Steps,
    Tags,
}

#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub decisions: Vec<Decision>,
    /// Fetch these and evaluate again; decisions for those clusters are held back.
    pub needs: Vec<(ClusterId, Need)>,
}

pub struct Inputs<'a> {
    pub policy: &'a PolicyConfig,
    pub tz: Tz,
    pub now: DateTime<Utc>,
    pub sweep: Sweep,
    /// Keys done outside any cluster (reports).
    pub global_done: &'a BTreeSet<DecisionKey>,
}

/// `2026-11-23T10:00:00Z`: in decision keys, message ids and sort keys.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The instant `time` on local `date`: a time skipped by a DST change moves
/// forward to the first valid minute; a repeated one is its first occurrence.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut naive = date.and_time(time);
    for _ in 0..(4 * 60) {
        if let Some(t) = tz.from_local_datetime(&naive).earliest() {
            return t.with_timezone(&Utc);
        }
        naive += Duration::minutes(1);
    }
    // No zone has a gap this long; fall back to reading the time as UTC.
    Utc.from_utc_datetime(&date.and_time(time))
}

mod evaluate;
mod key;
mod rules;
pub use key::{DecisionKey, NotAKey, Stamp};
pub mod plan;
pub mod recheck;
pub(crate) use evaluate::workday;
pub use evaluate::{evaluate, idle_since};

#[cfg(test)]
mod tests;
