//! [`evaluate`]: every rule for every cluster at one instant.

use super::rules::ClusterRules;
use super::{
    local_instant, ClusterFacts, Decision, DecisionKey, DecisionKind, Evaluation, Inputs, Stamp,
    CATCH_UP,
};
use crate::config::PolicyConfig;
use crate::emr::ClusterState;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

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

/// A report (its key made from its deadline by `key`) due now at `time` on
/// the days `on`, up to [`CATCH_UP`] late, and not sent yet; only in a sweep
/// that sends reports.
fn pending_report(
    input: &Inputs<'_>,
    key: impl Fn(DateTime<Utc>) -> DecisionKey,
    time: NaiveTime,
    on: impl Fn(NaiveDate) -> bool,
) -> Option<(DateTime<Utc>, DecisionKey)> {
    if !input.sweep.report() {
        return None;
    }
    let deadline = due(&deadlines_around(input.tz, input.now, time, on), input.now)?;
    let key = key(deadline);
    (!input.global_done.contains(&key)).then_some((deadline, key))
}

/// A day with an end of day: a workday that is not a holiday.
pub(crate) fn workday(policy: &PolicyConfig) -> impl Fn(NaiveDate) -> bool + '_ {
    use chrono::Datelike;
    move |d: NaiveDate| policy.workdays.contains(&d.weekday()) && !policy.holidays.contains(&d)
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
pub(super) fn earliest_idle_since(f: &ClusterFacts, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
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

/// When the current idle spell began: the cluster became ready, or its last
/// step ended. Locks and unlocks do not start a new spell (the idle alert is
/// once per spell); `None` before the steps are known.
pub(super) fn spell_start(f: &ClusterFacts) -> Option<DateTime<Utc>> {
    let ready = f.cluster.ready_at.or(f.cluster.created_at)?;
    let last_end = f.steps.as_ref()?.last_end;
    Some(last_end.map_or(ready, |end| ready.max(end)))
}

pub(super) fn idle_deadline(
    f: &ClusterFacts,
    since: DateTime<Utc>,
    policy: &PolicyConfig,
) -> DateTime<Utc> {
    let grace = since + policy.unlocked_grace.to_chrono();
    f.state.snoozed_until.map_or(grace, |u| grace.max(u))
}

/// Evaluates every rule for every cluster at `input.now`: the end of day
/// and the idle rules per cluster ([`super::rules`]), then the reports.
pub fn evaluate(clusters: &[ClusterFacts], input: &Inputs<'_>) -> Evaluation {
    let policy = input.policy;
    let now = input.now;
    let eod_deadlines = match policy.end_of_day {
        Some(t) if input.sweep.eod() => deadlines_around(input.tz, now, t, workday(policy)),
        _ => Vec::new(),
    };
    let ends_of_day = EndsOfDay {
        due: due(&eod_deadlines, now),
        next: upcoming(&eod_deadlines, now, policy.warn_before.to_chrono()),
    };
    let (report_due, savings_due) = reports_due(input);

    let mut out = Evaluation::default();
    for f in clusters.iter().filter(|f| f.cluster.state.is_active()) {
        let mut rules = ClusterRules::new(f, input);
        let terminating = rules.end_of_day_due(ends_of_day.due);
        if !terminating {
            rules.end_of_day_coming(ends_of_day.next);
            if input.sweep.idle() {
                rules.idle();
            }
        }
        // The report shows idle times: it needs every WAITING cluster's steps.
        if report_due.is_some() {
            rules.steps_for_the_report();
        }
        rules.into_evaluation(&mut out);
    }
    out.decisions.extend(reports(report_due, savings_due, &out));
    out
}

/// The deadlines of the end of day that concern this sweep.
struct EndsOfDay {
    /// Due now (catch-up included).
    due: Option<DateTime<Utc>>,
    /// Coming up within `warn_before`.
    next: Option<DateTime<Utc>>,
}

type Due = Option<(DateTime<Utc>, DecisionKey)>;

/// The daily report and the savings report, if due and not sent yet.
fn reports_due(input: &Inputs<'_>) -> (Due, Due) {
    use chrono::Datelike;
    let policy = input.policy;
    let report = policy.daily_report.and_then(|t| {
        let key = |d| DecisionKey::Report {
            deadline: Stamp::from(d),
        };
        pending_report(input, key, t, |d| policy.report_days.contains(&d.weekday()))
    });
    let savings = policy.savings_report.and_then(|w| {
        let key = |d| DecisionKey::Savings {
            deadline: Stamp::from(d),
        };
        pending_report(input, key, w.time, |d| d.weekday() == w.day)
    });
    (report, savings)
}

/// The reports' decisions: the savings report from the records alone; the
/// daily report only once no cluster's facts are missing.
fn reports(report: Due, savings: Due, out: &Evaluation) -> Vec<Decision> {
    let mut decisions = Vec::new();
    if let Some((deadline, key)) = savings {
        decisions.push(Decision {
            cluster: None,
            key,
            kind: DecisionKind::Savings {
                deadline,
                since: deadline - Duration::days(7),
            },
        });
    }
    if let Some((deadline, key)) = report.filter(|_| out.needs.is_empty()) {
        decisions.push(Decision {
            cluster: None,
            key,
            kind: DecisionKind::Report {
                deadline,
                since: deadline - Duration::days(1),
            },
        });
    }
    decisions
}
