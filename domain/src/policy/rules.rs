//! The rules for one cluster at one instant, one method each: the end of
//! day due now, the end of day coming up, and the idle rules. Each adds
//! decisions not yet carried out, or the facts it still needs.

use super::evaluate::{earliest_idle_since, idle_deadline, idle_since, spell_start};
use super::{ClusterFacts, Decision, DecisionKey, DecisionKind, Evaluation, Inputs, Need, Rule};
use crate::emr::ClusterState;
use crate::report::KeptBy;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

pub(super) struct ClusterRules<'a> {
    f: &'a ClusterFacts,
    input: &'a Inputs<'a>,
    warn_before: Duration,
    /// Locked now.
    locked: bool,
    decisions: Vec<Decision>,
    needs: BTreeSet<Need>,
}

impl<'a> ClusterRules<'a> {
    pub(super) fn new(f: &'a ClusterFacts, input: &'a Inputs<'a>) -> Self {
        ClusterRules {
            f,
            input,
            warn_before: input.policy.warn_before.to_chrono(),
            locked: f.lock.as_ref().is_some_and(|l| l.is_active(input.now)),
            decisions: Vec::new(),
            needs: BTreeSet::new(),
        }
    }

    /// The decisions, or (if any fact is missing) what to fetch first.
    pub(super) fn into_evaluation(self, out: &mut Evaluation) {
        if self.needs.is_empty() {
            out.decisions.extend(self.decisions);
        } else {
            let id = &self.f.cluster.id;
            out.needs
                .extend(self.needs.into_iter().map(|n| (id.clone(), n)));
        }
    }

    fn decide(&mut self, key: DecisionKey, kind: DecisionKind) {
        if !self.f.state.done.contains(&key) {
            self.decisions.push(Decision {
                cluster: Some(self.f.cluster.id.clone()),
                key,
                kind,
            });
        }
    }

    /// The exempt tag, or `None` after asking for the tags.
    fn exempt(&mut self) -> Option<bool> {
        if self.f.exempt.is_none() {
            self.needs.insert(Need::Tags);
        }
        self.f.exempt
    }

    fn created_before(&self, d: DateTime<Utc>) -> bool {
        self.f.cluster.created_at.is_none_or(|c| c < d)
    }

    fn locked_past(&self, d: DateTime<Utc>) -> bool {
        self.f.lock.as_ref().is_some_and(|l| l.until > d)
    }

    /// When the warning `key` went out, if it did.
    fn warned_at(&self, key: &DecisionKey) -> Option<DateTime<Utc>> {
        let state = &self.f.state;
        state.warned.get(key).copied().or_else(|| {
            // Warned by a version that did not record when: long enough ago.
            state.done.contains(key).then_some(DateTime::<Utc>::MIN_UTC)
        })
    }

    /// A termination is due: terminate if its warning went out at least
    /// `warn_before` ago; otherwise warn now (a late or missed sweep) and
    /// terminate on a later sweep. Never terminate unwarned.
    fn terminate_or_warn(&mut self, rule: Rule, deadline: DateTime<Utc>, reason: String) {
        let (now, cluster) = (self.input.now, self.f.cluster.id.clone());
        let warn_key = DecisionKey::Warn {
            rule,
            cluster: cluster.clone(),
            deadline: deadline.into(),
        };
        match self.warned_at(&warn_key) {
            Some(at) if now - at >= self.warn_before => self.decide(
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
            None => {
                let deadline = deadline.max(now + self.warn_before);
                self.decide(warn_key, DecisionKind::Warn { rule, deadline });
            }
        }
    }

    /// The end of day `due` now: passed over (locked past it, or tagged
    /// exempt), or the cluster goes. `true`: a termination is under way.
    pub(super) fn end_of_day_due(&mut self, due: Option<DateTime<Utc>>) -> bool {
        let Some(d) = due.filter(|d| self.created_before(*d)) else {
            return false;
        };
        let cluster = self.f.cluster.id.clone();
        let exempt_key = DecisionKey::LockedPastEndOfDay {
            cluster: cluster.clone(),
            deadline: d.into(),
        };
        if self.f.state.done.contains(&exempt_key) {
            // Decided at D: locked past it. The idle rules apply now.
            return false;
        }
        if let Some(lock) = self.f.lock.as_ref().filter(|_| self.locked_past(d)) {
            let by = KeptBy::Lock {
                holder: lock.holder_display.clone(),
                until: lock.until,
            };
            self.decide(exempt_key, DecisionKind::ExemptEndOfDay { deadline: d, by });
            return false;
        }
        if self.locked {
            return false;
        }
        match self.exempt() {
            None => false,
            Some(true) => {
                let key = DecisionKey::TaggedExempt {
                    cluster,
                    deadline: d.into(),
                };
                let by = KeptBy::Tag;
                self.decide(key, DecisionKind::ExemptEndOfDay { deadline: d, by });
                false
            }
            Some(false) => {
                let local = d.with_timezone(&self.input.tz).format("%a %H:%M %Z");
                self.terminate_or_warn(Rule::EndOfDay, d, format!("end of day ({local})"));
                true
            }
        }
    }

    /// The end of day `next`, within `warn_before`: warned, unless locked
    /// past it or exempt.
    pub(super) fn end_of_day_coming(&mut self, next: Option<DateTime<Utc>>) {
        let Some(d) = next.filter(|d| self.created_before(*d) && !self.locked_past(*d)) else {
            return;
        };
        if self.exempt() == Some(false) {
            let key = DecisionKey::Warn {
                rule: Rule::EndOfDay,
                cluster: self.f.cluster.id.clone(),
                deadline: d.into(),
            };
            let kind = DecisionKind::Warn {
                rule: Rule::EndOfDay,
                deadline: d,
            };
            self.decide(key, kind);
        }
    }

    /// The idle rules on a WAITING cluster: the idle alert once per idle
    /// spell, and, unlocked, the warning and the termination after the
    /// grace period (a snooze pushes it back).
    pub(super) fn idle(&mut self) {
        let (f, now) = (self.f, self.input.now);
        if f.cluster.state != ClusterState::Waiting {
            return;
        }
        let since = match f.steps.is_some() {
            true => idle_since(f, now),
            false => earliest_idle_since(f, now),
        };
        let Some(since) = since else {
            return;
        };
        let deadline = idle_deadline(f, since, self.input.policy);
        // The alert counts from the spell's start (a lower bound until the
        // steps are known).
        let spell = spell_start(f).or(f.cluster.ready_at.or(f.cluster.created_at));
        let alert_after = self.input.policy.idle_alert_after.to_chrono();
        let alert_due = spell.is_some_and(|s| now - s >= alert_after);
        let term_soon = !self.locked && now >= deadline - self.warn_before;
        if f.steps.is_none() {
            if alert_due || term_soon {
                self.needs.insert(Need::Steps);
            }
            return;
        }
        if let (true, Some(spell)) = (alert_due, spell) {
            let key = DecisionKey::IdleAlert {
                cluster: f.cluster.id.clone(),
                spell: spell.into(),
            };
            self.decide(key, DecisionKind::IdleAlert { idle_since: spell });
        }
        if !term_soon {
            return;
        }
        match self.exempt() {
            None | Some(true) => {}
            Some(false) if now >= deadline => {
                let local = since.with_timezone(&self.input.tz).format("%a %H:%M %Z");
                let reason = format!("idle and unlocked since {local}");
                self.terminate_or_warn(Rule::Idle, deadline, reason);
            }
            Some(false) => {
                let key = DecisionKey::Warn {
                    rule: Rule::Idle,
                    cluster: f.cluster.id.clone(),
                    deadline: deadline.into(),
                };
                self.decide(
                    key,
                    DecisionKind::Warn {
                        rule: Rule::Idle,
                        deadline,
                    },
                );
            }
        }
    }

    /// The daily report shows idle times: every WAITING cluster's steps.
    pub(super) fn steps_for_the_report(&mut self) {
        if self.f.steps.is_none() && self.f.cluster.state == ClusterState::Waiting {
            self.needs.insert(Need::Steps);
        }
    }
}
