//! `/emr plan`: each cluster's fate under the current rules, found by asking
//! [`evaluate`] itself at the instants ahead where a decision can change,
//! with the sweep's own bookkeeping carried forward (a warning recorded when
//! it would go out). No rule is written twice: what the plan says is what
//! the scheduler, sweeping at those instants, does, provided nothing changes
//! meanwhile (no step runs, no lock is taken or released).

use super::{
    evaluate, local_instant, ClusterFacts, DecisionKind, Inputs, PolicyState, Rule, Sweep,
};
use crate::config::PolicyConfig;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

/// How far ahead the plan looks: past a long weekend.
pub const HORIZON: Duration = Duration::days(8);
/// Evaluations per cluster at most (each step moves to a later instant).
const MAX_STEPS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Terminated by `rule` at the first sweep from `at`, unless something
    /// changes first; warned from `warn_at` (`None`: warned already).
    Terminates {
        at: DateTime<Utc>,
        rule: Rule,
        warn_at: Option<DateTime<Utc>>,
    },
    /// Tagged with the exempt tag: never terminated automatically.
    Exempt,
    /// No automatic termination within [`HORIZON`].
    Survives,
    /// The facts the rules need are missing (no steps, no tags).
    Unknown,
}

/// The fate of one cluster whose steps and tags are known, from `now`.
pub fn fate(f: &ClusterFacts, policy: &PolicyConfig, tz: Tz, now: DateTime<Utc>) -> Fate {
    if f.exempt == Some(true) {
        return Fate::Exempt;
    }
    let none = BTreeSet::new();
    let end = now + HORIZON;
    let mut facts = f.clone();
    let mut first_warning: Option<(Rule, DateTime<Utc>)> = None;
    let mut at = now;
    for _ in 0..MAX_STEPS {
        let inputs = Inputs {
            policy,
            tz,
            now: at,
            sweep: Sweep::All,
            global_done: &none,
        };
        let evaluation = evaluate(std::slice::from_ref(&facts), &inputs);
        if !evaluation.needs.is_empty() {
            return Fate::Unknown;
        }
        for decision in evaluation.decisions.iter().filter(|d| d.cluster.is_some()) {
            match &decision.kind {
                DecisionKind::Terminate { rule, .. } => {
                    return Fate::Terminates {
                        at,
                        rule: *rule,
                        warn_at: first_warning
                            .filter(|(warned, _)| warned == rule)
                            .map(|(_, t)| t),
                    };
                }
                DecisionKind::Warn { rule, .. } => {
                    facts.state.warned.insert(decision.key.clone(), at);
                    first_warning.get_or_insert((*rule, at));
                }
                _ => {}
            }
            facts.state.done.insert(decision.key.clone());
        }
        match next_instant(&facts, policy, tz, at).filter(|t| *t <= end) {
            Some(next) => at = next,
            None => return Fate::Survives,
        }
    }
    Fate::Survives
}

/// The first instant after `after` at which a decision about `f` may
/// change: a superset (every one is evaluated; most decide nothing).
fn next_instant(
    f: &ClusterFacts,
    policy: &PolicyConfig,
    tz: Tz,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let grace = policy.unlocked_grace.to_chrono();
    let warn = policy.warn_before.to_chrono();
    let alert = policy.idle_alert_after.to_chrono();
    let state: &PolicyState = &f.state;
    let starts = [
        f.cluster.ready_at.or(f.cluster.created_at),
        f.steps.as_ref().and_then(|s| s.last_end),
        f.lock.as_ref().map(|l| l.until),
        state.last_unlock,
        state.snoozed_at,
    ];
    let mut instants: Vec<DateTime<Utc>> = starts
        .into_iter()
        .flatten()
        .flat_map(|t| [t, t + grace - warn, t + grace, t + alert])
        .collect();
    if let Some(until) = state.snoozed_until {
        instants.extend([until - warn, until]);
    }
    instants.extend(state.warned.values().map(|w| *w + warn));
    if let Some(time) = policy.end_of_day {
        // Every local day's end-of-day instant; the rules decide which count.
        let today = after.with_timezone(&tz).date_naive();
        for date in today.iter_days().take(HORIZON.num_days() as usize + 2) {
            let d = local_instant(tz, date, time);
            instants.extend([d - warn, d]);
        }
    }
    instants.into_iter().filter(|t| *t > after).min()
}
