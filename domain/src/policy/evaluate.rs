//! [`evaluate`]: every rule for every cluster at one instant.

use super::{
    local_instant, ClusterFacts, Decision, DecisionKey, DecisionKind, Evaluation, Inputs, Need,
    Rule, CATCH_UP,
};
use crate::config::PolicyConfig;
use crate::emr::ClusterState;
use crate::report::KeptBy;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use std::collections::BTreeSet;

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

/// When the current idle spell began: the cluster became ready, or its last
/// step ended. Locks and unlocks do not start a new spell (the idle alert is
/// once per spell); `None` before the steps are known.
fn spell_start(f: &ClusterFacts) -> Option<DateTime<Utc>> {
    let ready = f.cluster.ready_at.or(f.cluster.created_at)?;
    let last_end = f.steps.as_ref()?.last_end;
    Some(last_end.map_or(ready, |end| ready.max(end)))
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

    use chrono::Datelike;
    let report_due = policy.daily_report.and_then(|t| {
        pending_report(
            input,
            |d| DecisionKey::Report { deadline: d.into() },
            t,
            |d| policy.report_days.contains(&d.weekday()),
        )
    });
    let savings_due = policy.savings_report.and_then(|w| {
        let key = |d: DateTime<Utc>| DecisionKey::Savings { deadline: d.into() };
        pending_report(input, key, w.time, |d| d.weekday() == w.day)
    });
    let report_pending = report_due.is_some();

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
        let decide = |decisions: &mut Vec<Decision>, key: DecisionKey, kind: DecisionKind| {
            if !f.state.done.contains(&key) {
                decisions.push(Decision {
                    cluster: Some(id.clone()),
                    key,
                    kind,
                });
            }
        };
        let mut terminating = false;
        // A termination is due: terminate if its warning went out at least
        // `warn_before` ago; otherwise warn now (a late or missed sweep) and
        // terminate on a later sweep. Never terminate unwarned.
        let warned_at = |key: &DecisionKey| {
            f.state.warned.get(key).copied().or_else(|| {
                // Warned by a version that did not record when: long enough ago.
                f.state
                    .done
                    .contains(key)
                    .then_some(DateTime::<Utc>::MIN_UTC)
            })
        };
        let terminate_or_warn =
            |decisions: &mut Vec<Decision>, rule: Rule, deadline: DateTime<Utc>, reason: String| {
                let cluster = id.clone();
                let warn_key = DecisionKey::Warn {
                    rule,
                    cluster: cluster.clone(),
                    deadline: deadline.into(),
                };
                match warned_at(&warn_key) {
                    Some(at) if now - at >= warn_before => decide(
                        decisions,
                        DecisionKey::Terminate {
                            rule,
                            cluster,
                            deadline: deadline.into(),
                        },
                        DecisionKind::Terminate {
                            rule,
                            deadline,
                            reason,
                        },
                    ),
                    Some(_) => {}
                    None => decide(
                        decisions,
                        warn_key,
                        DecisionKind::Warn {
                            rule,
                            deadline: deadline.max(now + warn_before),
                        },
                    ),
                }
            };

        // End of day: due now (catch-up included).
        if let Some(d) = eod_due.filter(|d| created_before(*d)) {
            let exempt_key = DecisionKey::LockedPastEndOfDay {
                cluster: id.clone(),
                deadline: d.into(),
            };
            if f.state.done.contains(&exempt_key) {
                // Decided at D: locked past it. The idle rules apply now.
            } else if let Some(lock) = f.lock.as_ref().filter(|_| locked_past(d)) {
                let by = KeptBy::Lock {
                    holder: lock.holder_display.clone(),
                    until: lock.until,
                };
                let kind = DecisionKind::ExemptEndOfDay { deadline: d, by };
                decide(&mut decisions, exempt_key, kind);
            } else if !locked {
                match f.exempt {
                    None => {
                        needs.insert(Need::Tags);
                    }
                    Some(true) => decide(
                        &mut decisions,
                        DecisionKey::TaggedExempt {
                            cluster: id.clone(),
                            deadline: d.into(),
                        },
                        DecisionKind::ExemptEndOfDay {
                            deadline: d,
                            by: KeptBy::Tag,
                        },
                    ),
                    Some(false) => {
                        terminating = true;
                        let reason = format!(
                            "end of day ({})",
                            d.with_timezone(&input.tz).format("%a %H:%M %Z")
                        );
                        terminate_or_warn(&mut decisions, Rule::EndOfDay, d, reason);
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
                    DecisionKey::Warn {
                        rule: Rule::EndOfDay,
                        cluster: id.clone(),
                        deadline: d.into(),
                    },
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
                // The alert counts from the spell's start (a lower bound
                // until the steps are known).
                let spell = spell_start(f).or(f.cluster.ready_at.or(f.cluster.created_at));
                let alert_due =
                    spell.is_some_and(|s| now - s >= policy.idle_alert_after.to_chrono());
                let term_soon = !locked && now >= deadline - warn_before;
                if f.steps.is_none() && (alert_due || term_soon) {
                    needs.insert(Need::Steps);
                } else if f.steps.is_some() {
                    if let (true, Some(spell)) = (alert_due, spell) {
                        decide(
                            &mut decisions,
                            DecisionKey::IdleAlert {
                                cluster: id.clone(),
                                spell: spell.into(),
                            },
                            DecisionKind::IdleAlert { idle_since: spell },
                        );
                    }
                    if term_soon {
                        match f.exempt {
                            None => {
                                needs.insert(Need::Tags);
                            }
                            Some(true) => {}
                            Some(false) if now >= deadline => {
                                let reason = format!(
                                    "idle and unlocked since {}",
                                    since.with_timezone(&input.tz).format("%a %H:%M %Z")
                                );
                                terminate_or_warn(&mut decisions, Rule::Idle, deadline, reason);
                            }
                            Some(false) => decide(
                                &mut decisions,
                                DecisionKey::Warn {
                                    rule: Rule::Idle,
                                    cluster: id.clone(),
                                    deadline: deadline.into(),
                                },
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

    if let Some((deadline, key)) = savings_due {
        // From the records alone: no cluster's facts are needed.
        out.decisions.push(Decision {
            cluster: None,
            key,
            kind: DecisionKind::Savings {
                deadline,
                since: deadline - Duration::days(7),
            },
        });
    }
    if let Some((deadline, key)) = report_due {
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
