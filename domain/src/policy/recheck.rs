//! Automatic terminations, re-checked at the moment of acting. A scheduler's
//! decision can reach the worker late (a slow queue, a retry, a dead-letter
//! redrive days later); the worker acts on it only if it still holds.
//!
//! - Older than [`MAX_DECISION_AGE`] (one 5-minute sweep period plus slack):
//!   dropped; the next sweep decides again from fresh facts, with its own warning.
//! - Exempt (the exempt tag) or locked now: spared, for both rules.
//! - Idle rule: spared unless still WAITING with no step pending or running,
//!   no step ended and no lock released since the decision, and no step ended
//!   within the grace period (the sweep may have read EMR's `IsIdle` metric,
//!   which lags by up to a period; the steps read here are the truth).
//! - End of day: busy clusters go too; only the above spare them.

use super::{Rule, StepFacts};
use crate::emr::ClusterState;
use crate::lock::Lock;
use chrono::{DateTime, Duration, Utc};

/// How old a decision may be when the worker acts on it.
pub const MAX_DECISION_AGE: Duration = Duration::minutes(15);

/// The cluster as the worker reads it when about to act.
#[derive(Debug, Clone)]
pub struct Now {
    pub state: ClusterState,
    pub steps: StepFacts,
    pub lock: Option<Lock>,
    pub last_unlock: Option<DateTime<Utc>>,
    pub exempt: bool,
}

/// Why an automatic termination did not happen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "spare", rename_all = "snake_case")]
pub enum Spare {
    Stale {
        minutes: i64,
    },
    Exempt,
    Locked {
        holder: String,
        until: DateTime<Utc>,
    },
    Busy,
    RanStep,
    UnlockedSince,
}

/// Whether the decision `rule`, made at `decided_at`, still holds at `now`.
pub fn recheck(
    rule: Rule,
    decided_at: DateTime<Utc>,
    now: DateTime<Utc>,
    grace: Duration,
    c: &Now,
) -> Result<(), Spare> {
    if now - decided_at > MAX_DECISION_AGE {
        return Err(Spare::Stale {
            minutes: (now - decided_at).num_minutes(),
        });
    }
    if c.exempt {
        return Err(Spare::Exempt);
    }
    if let Some(l) = c.lock.as_ref().filter(|l| l.is_active(now)) {
        return Err(Spare::Locked {
            holder: l.holder_display.clone(),
            until: l.until,
        });
    }
    if rule == Rule::Idle {
        if c.state != ClusterState::Waiting || c.steps.pending_or_running {
            return Err(Spare::Busy);
        }
        if c.steps
            .last_end
            .is_some_and(|end| end > decided_at || end > now - grace)
        {
            return Err(Spare::RanStep);
        }
        if c.last_unlock.is_some_and(|t| t > decided_at) {
            return Err(Spare::UnlockedSince);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::ClusterId;

    const GRACE: Duration = Duration::minutes(30);

    fn t(m: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + m * 60, 0).unwrap()
    }

    fn idle() -> Now {
        Now {
            state: ClusterState::Waiting,
            steps: StepFacts::default(),
            lock: None,
            last_unlock: None,
            exempt: false,
        }
    }

    #[test]
    fn a_decision_that_still_holds_is_acted_on() {
        assert_eq!(recheck(Rule::Idle, t(0), t(2), GRACE, &idle()), Ok(()));
        let busy = Now {
            state: ClusterState::Running,
            steps: StepFacts {
                pending_or_running: true,
                last_end: None,
            },
            ..idle()
        };
        assert_eq!(
            recheck(Rule::EndOfDay, t(0), t(2), GRACE, &busy),
            Ok(()),
            "end of day takes busy clusters"
        );
    }

    #[test]
    fn what_changed_since_the_decision_spares_the_cluster() {
        assert_eq!(
            recheck(Rule::Idle, t(0), t(16), GRACE, &idle()),
            Err(Spare::Stale { minutes: 16 })
        );
        assert_eq!(
            recheck(Rule::EndOfDay, t(0), t(60 * 24 * 3), GRACE, &idle()),
            Err(Spare::Stale {
                minutes: 60 * 24 * 3
            })
        );
        let lock = Lock {
            cluster: ClusterId::parse("j-1").unwrap(),
            holder: "U1".into(),
            holder_display: "<@U1>".into(),
            since: t(1),
            until: t(60),
            reason: None,
        };
        let locked = Now {
            lock: Some(lock),
            ..idle()
        };
        assert!(matches!(
            recheck(Rule::EndOfDay, t(0), t(2), GRACE, &locked),
            Err(Spare::Locked { .. })
        ));
        let ran = Now {
            steps: StepFacts {
                pending_or_running: false,
                last_end: Some(t(1)),
            },
            ..idle()
        };
        assert_eq!(
            recheck(Rule::Idle, t(0), t(2), GRACE, &ran),
            Err(Spare::RanStep)
        );
        let running = Now {
            steps: StepFacts {
                pending_or_running: true,
                last_end: None,
            },
            ..idle()
        };
        assert_eq!(
            recheck(Rule::Idle, t(0), t(2), GRACE, &running),
            Err(Spare::Busy)
        );
        let unlocked = Now {
            last_unlock: Some(t(1)),
            ..idle()
        };
        assert_eq!(
            recheck(Rule::Idle, t(0), t(2), GRACE, &unlocked),
            Err(Spare::UnlockedSince)
        );
        assert_eq!(
            recheck(
                Rule::EndOfDay,
                t(0),
                t(2),
                GRACE,
                &Now {
                    exempt: true,
                    ..idle()
                }
            ),
            Err(Spare::Exempt)
        );
    }

    #[test]
    fn a_step_the_sweep_did_not_see_spares_the_cluster() {
        // Ended 5 minutes before the decision: within the 30-minute grace.
        let ran = Now {
            steps: StepFacts {
                pending_or_running: false,
                last_end: Some(t(-5)),
            },
            ..idle()
        };
        assert_eq!(
            recheck(Rule::Idle, t(0), t(2), GRACE, &ran),
            Err(Spare::RanStep)
        );
        let long_ago = Now {
            steps: StepFacts {
                pending_or_running: false,
                last_end: Some(t(-40)),
            },
            ..idle()
        };
        assert_eq!(recheck(Rule::Idle, t(0), t(2), GRACE, &long_ago), Ok(()));
    }
}
