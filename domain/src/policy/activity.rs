//! Idle detection from EMR's `IsIdle` metric: one datapoint per 5 minutes,
//! 1 when no step, job or YARN application is running. Read for many
//! clusters at once (GetMetricData), it spares a ListSteps per cluster; a
//! cluster whose metric cannot tell (no datapoints yet, or idle for the
//! whole window read) falls back to its steps.

use super::StepFacts;
use chrono::{DateTime, Duration, Utc};

/// How often EMR publishes `IsIdle`.
pub const METRIC_PERIOD: Duration = Duration::minutes(5);

/// How far back the scheduler reads `IsIdle`.
pub const METRIC_WINDOW: Duration = Duration::hours(24);

/// One cluster's `IsIdle` datapoints: (start of the period, idle?).
pub type IdlePoints = Vec<(DateTime<Utc>, bool)>;

/// What the steps would have said, when the metric can say it: busy in a
/// period means a step (or a job) ran until the period's end at the latest.
/// `None` when the datapoints do not reach back to the cluster being ready,
/// and show no busy period: the idle spell's start is then unknown.
pub fn step_facts_from_metric(
    points: &[(DateTime<Utc>, bool)],
    ready: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<StepFacts> {
    let first = points.iter().map(|(t, _)| *t).min()?;
    let last_busy = points
        .iter()
        .filter(|(_, idle)| !idle)
        .map(|(t, _)| *t)
        .max();
    match last_busy {
        Some(t) => Some(StepFacts {
            pending_or_running: false,
            last_end: Some((t + METRIC_PERIOD).min(now)),
        }),
        // EMR's first datapoint comes within a period or two of readiness.
        None if first <= ready + METRIC_PERIOD * 2 => Some(StepFacts {
            pending_or_running: false,
            last_end: None,
        }),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(minutes)
    }

    fn series(from: i64, idle: &[bool]) -> IdlePoints {
        idle.iter()
            .enumerate()
            .map(|(i, idle)| (at(from + 5 * i as i64), *idle))
            .collect()
    }

    #[test]
    fn idle_since_ready_when_the_metric_never_saw_work() {
        let facts = step_facts_from_metric(&series(5, &[true; 6]), at(0), at(31));
        assert_eq!(
            facts,
            Some(StepFacts {
                pending_or_running: false,
                last_end: None
            })
        );
    }

    #[test]
    fn the_last_busy_period_ends_the_work() {
        let facts =
            step_facts_from_metric(&series(5, &[true, false, false, true, true]), at(0), at(31));
        assert_eq!(facts.and_then(|f| f.last_end), Some(at(20)));
    }

    #[test]
    fn a_busy_last_period_ends_no_later_than_now() {
        let facts = step_facts_from_metric(&series(5, &[true, false]), at(0), at(12));
        assert_eq!(facts.and_then(|f| f.last_end), Some(at(12)));
    }

    #[test]
    fn no_answer_without_datapoints_or_when_idle_longer_than_the_window() {
        assert_eq!(step_facts_from_metric(&[], at(0), at(31)), None);
        assert_eq!(
            step_facts_from_metric(&series(60, &[true; 4]), at(0), at(90)),
            None,
            "idle since before the first datapoint: the spell's start is unknown"
        );
    }
}
