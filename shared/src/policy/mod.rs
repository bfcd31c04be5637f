//! The automatic policies of PRODUCT.md §2 as one pure function:
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
//! - **Daily report** at `daily_report` every day, up to [`CATCH_UP`] late.
//!
//! Every decision has a key naming cluster, rule and deadline; a decision whose
//! key is already in the cluster's `done` set is not made again, and the key is
//! also the queue message id, so a repeated or late event does nothing twice.

pub mod report;
pub mod store;

use crate::cluster::ClusterId;
use crate::config::PolicyConfig;
use crate::emr::{ClusterState, ClusterSummary};
use crate::store::Lock;
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

/// What emrbot remembers per cluster for its policies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyState {
    /// `extend` on an unlocked cluster: when, and until when.
    pub snoozed_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    /// The last time a lock ended (unlock, or expiry noticed).
    pub last_unlock: Option<DateTime<Utc>>,
    /// Keys of the decisions already carried out.
    pub done: BTreeSet<String>,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Idle,
    EndOfDay,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Idle => "idle",
            Rule::EndOfDay => "end_of_day",
        }
    }
}

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
    /// Bookkeeping only: locked past this end of day; remembered so a later
    /// unlock leaves the cluster to the idle rules.
    ExemptEndOfDay {
        deadline: DateTime<Utc>,
    },
    /// The daily report due at `deadline`, covering automatic actions since `since`.
    Report {
        deadline: DateTime<Utc>,
        since: DateTime<Utc>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `None` for the report.
    pub cluster: Option<ClusterId>,
    /// Unique per cluster, rule and deadline; also the message id's suffix.
    pub key: String,
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
    pub global_done: &'a BTreeSet<String>,
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

/// The deadlines (`time` on allowed local dates) around `now`: yesterday,
/// today, tomorrow (local), oldest first.
fn deadlines_around(
    tz: Tz,
    now: DateTime<Utc>,
    time: NaiveTime,
    allowed: impl Fn(NaiveDate) -> bool,
) -> Vec<DateTime<Utc>> {
    let today = now.with_timezone(&tz).date_naive();
    [today.pred_opt(), Some(today), today.succ_opt()]
        .into_iter()
        .flatten()
        .filter(|d| allowed(*d))
        .map(|d| local_instant(tz, d, time))
        .collect()
}

/// The latest deadline at or before `now`, if no older than [`CATCH_UP`].
fn due(deadlines: &[DateTime<Utc>], now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    deadlines
        .iter()
        .copied()
        .filter(|d| *d <= now && now - *d < CATCH_UP)
        .max()
}

/// The next deadline after `now` whose warning window (`warn_before`) has begun.
fn upcoming(
    deadlines: &[DateTime<Utc>],
    now: DateTime<Utc>,
    warn_before: Duration,
) -> Option<DateTime<Utc>> {
    deadlines
        .iter()
        .copied()
        .filter(|d| *d > now && *d - warn_before <= now)
        .min()
}

fn workday(policy: &PolicyConfig) -> impl Fn(NaiveDate) -> bool + '_ {
    use chrono::Datelike;
    move |d: NaiveDate| policy.workdays.contains(&d.weekday())
}

/// Idle since when (`None`: not idle, or steps unknown).
pub fn idle_since(f: &ClusterFacts, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if f.cluster.state != ClusterState::Waiting {
        return None;
    }
    let steps = f.steps.as_ref()?;
    if steps.pending_or_running {
        return None;
    }
    let mut since = earliest_idle_since(f, now)?;
    if let Some(end) = steps.last_end {
        since = since.max(end);
    }
    Some(since)
}

/// Idle since, before the steps are known: a lower bound.
fn earliest_idle_since(f: &ClusterFacts, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let c = &f.cluster;
    let mut since = c.ready_at.or(c.created_at)?;
    let lock_end = f
        .lock
        .as_ref()
        .filter(|l| !l.is_active(now))
        .map(|l| l.until);
    for t in [lock_end, f.state.last_unlock, f.state.snoozed_at]
        .into_iter()
        .flatten()
    {
        since = since.max(t);
    }
    Some(since)
}

fn idle_deadline(f: &ClusterFacts, since: DateTime<Utc>, policy: &PolicyConfig) -> DateTime<Utc> {
    let grace = since + policy.unlocked_grace.to_chrono();
    f.state.snoozed_until.map_or(grace, |u| grace.max(u))
}

/// Evaluates every rule for every cluster at `input.now`.
pub fn evaluate(clusters: &[ClusterFacts], input: &Inputs<'_>) -> Evaluation {
    let policy = input.policy;
    let now = input.now;
    let warn_before = policy.warn_before.to_chrono();
    let mut out = Evaluation::default();

    let eod_deadlines = match policy.end_of_day {
        Some(t) if input.sweep.eod() => deadlines_around(input.tz, now, t, workday(policy)),
        _ => Vec::new(),
    };
    let eod_due = due(&eod_deadlines, now);
    let eod_next = upcoming(&eod_deadlines, now, warn_before);

    let report_due = match policy.daily_report {
        Some(t) if input.sweep.report() => due(&deadlines_around(input.tz, now, t, |_| true), now),
        None | Some(_) => None,
    };
    let report_key = report_due.map(|r| format!("report:{}", stamp(r)));
    let report_pending = report_key
        .as_ref()
        .is_some_and(|k| !input.global_done.contains(k));

    for f in clusters {
        let id = &f.cluster.id;
        if !f.cluster.state.is_active() {
            continue;
        }
        let mut decisions = Vec::new();
        let mut needs = BTreeSet::new();
        let locked = f.lock.as_ref().is_some_and(|l| l.is_active(now));
        let created_before = |d: DateTime<Utc>| f.cluster.created_at.is_none_or(|c| c < d);
        let locked_past = |d: DateTime<Utc>| f.lock.as_ref().is_some_and(|l| l.until > d);
        let decide = |decisions: &mut Vec<Decision>, key: String, kind: DecisionKind| {
            if !f.state.done.contains(&key) {
                decisions.push(Decision {
                    cluster: Some(id.clone()),
                    key,
                    kind,
                });
            }
        };
        let mut terminating = false;

        // End of day: due now (catch-up included).
        if let Some(d) = eod_due.filter(|d| created_before(*d)) {
            let exempt_key = format!("exempt:eod:{id}:{}", stamp(d));
            if f.state.done.contains(&exempt_key) {
                // Decided at D: locked past it. The idle rules apply now.
            } else if locked_past(d) {
                decide(
                    &mut decisions,
                    exempt_key,
                    DecisionKind::ExemptEndOfDay { deadline: d },
                );
            } else if !locked {
                match f.exempt {
                    None => {
                        needs.insert(Need::Tags);
                    }
                    Some(true) => {}
                    Some(false) => {
                        terminating = true;
                        decide(
                            &mut decisions,
                            format!("term:eod:{id}:{}", stamp(d)),
                            DecisionKind::Terminate {
                                rule: Rule::EndOfDay,
                                deadline: d,
                                reason: format!(
                                    "end of day ({} {})",
                                    d.with_timezone(&input.tz).format("%a %H:%M"),
                                    input.tz.name()
                                ),
                            },
                        );
                    }
                }
            }
        }
        // End of day: coming up.
        if let Some(d) = eod_next.filter(|d| !terminating && created_before(*d) && !locked_past(*d))
        {
            match f.exempt {
                None => {
                    needs.insert(Need::Tags);
                }
                Some(true) => {}
                Some(false) => decide(
                    &mut decisions,
                    format!("warn:eod:{id}:{}", stamp(d)),
                    DecisionKind::Warn {
                        rule: Rule::EndOfDay,
                        deadline: d,
                    },
                ),
            }
        }

        // Idle rules.
        if input.sweep.idle() && !terminating && f.cluster.state == ClusterState::Waiting {
            let bound = earliest_idle_since(f, now);
            let since = if f.steps.is_some() {
                idle_since(f, now)
            } else {
                bound
            };
            if let Some(since) = since {
                let deadline = idle_deadline(f, since, policy);
                let alert_due = now - since >= policy.idle_alert_after.to_chrono();
                let term_soon = !locked && now >= deadline - warn_before;
                if f.steps.is_none() && (alert_due || term_soon) {
                    needs.insert(Need::Steps);
                } else if f.steps.is_some() {
                    if alert_due {
                        decide(
                            &mut decisions,
                            format!("alert:{id}:{}", stamp(since)),
                            DecisionKind::IdleAlert { idle_since: since },
                        );
                    }
                    if term_soon {
                        match f.exempt {
                            None => {
                                needs.insert(Need::Tags);
                            }
                            Some(true) => {}
                            Some(false) if now >= deadline => decide(
                                &mut decisions,
                                format!("term:idle:{id}:{}", stamp(deadline)),
                                DecisionKind::Terminate {
                                    rule: Rule::Idle,
                                    deadline,
                                    reason: format!(
                                        "idle and unlocked since {}",
                                        since.with_timezone(&input.tz).format("%a %H:%M")
                                    ),
                                },
                            ),
                            Some(false) => decide(
                                &mut decisions,
                                format!("warn:idle:{id}:{}", stamp(deadline)),
                                DecisionKind::Warn {
                                    rule: Rule::Idle,
                                    deadline,
                                },
                            ),
                        }
                    }
                }
            }
        }
        // The report shows idle times: it needs every WAITING cluster's steps.
        if report_pending && f.steps.is_none() && f.cluster.state == ClusterState::Waiting {
            needs.insert(Need::Steps);
        }

        if needs.is_empty() {
            out.decisions.extend(decisions);
        } else {
            out.needs.extend(needs.into_iter().map(|n| (id.clone(), n)));
        }
    }

    if let (Some(deadline), Some(key), true) = (report_due, report_key, report_pending) {
        if out.needs.is_empty() {
            out.decisions.push(Decision {
                cluster: None,
                key,
                kind: DecisionKind::Report {
                    deadline,
                    since: deadline - Duration::days(1),
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
