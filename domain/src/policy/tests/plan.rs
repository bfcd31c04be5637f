//! The plan: each fate, found by evaluating the rules ahead.

use super::*;
use crate::policy::plan::{fate, Fate};

const UTC: Tz = chrono_tz::UTC;

fn busy(mut c: ClusterFacts) -> ClusterFacts {
    c.steps = Some(StepFacts {
        pending_or_running: true,
        last_end: None,
    });
    c
}

#[test]
fn an_idle_unlocked_cluster_dies_at_the_end_of_its_grace() {
    // Mon 2026-11-23, 10:00 UTC; grace 30m, warning 10m before.
    let c = facts("j-IDLE", "2026-11-23T10:00:00Z");
    assert_eq!(
        fate(&c, &policy(), UTC, t("2026-11-23T10:05:00Z")),
        Fate::Terminates {
            at: t("2026-11-23T10:30:00Z"),
            rule: Rule::Idle,
            warn_at: Some(t("2026-11-23T10:20:00Z")),
        }
    );
}

#[test]
fn a_lock_postpones_the_idle_rules_until_it_ends() {
    let mut c = facts("j-LOCKED", "2026-11-23T10:00:00Z");
    c.lock = Some(lock(
        "j-LOCKED",
        "2026-11-23T10:01:00Z",
        "2026-11-23T12:00:00Z",
    ));
    assert_eq!(
        fate(&c, &policy(), UTC, t("2026-11-23T10:05:00Z")),
        Fate::Terminates {
            at: t("2026-11-23T12:30:00Z"),
            rule: Rule::Idle,
            warn_at: Some(t("2026-11-23T12:20:00Z")),
        }
    );
}

#[test]
fn a_busy_cluster_dies_at_the_end_of_the_day_and_not_on_a_weekend() {
    let c = busy(facts("j-BUSY", "2026-11-23T10:00:00Z"));
    assert_eq!(
        fate(&c, &policy(), UTC, t("2026-11-23T10:05:00Z")),
        Fate::Terminates {
            at: t("2026-11-23T19:00:00Z"),
            rule: Rule::EndOfDay,
            warn_at: Some(t("2026-11-23T18:50:00Z")),
        }
    );
    // Created on Saturday: Monday's end of day.
    let weekend = busy(facts("j-SAT", "2026-11-28T10:00:00Z"));
    assert_eq!(
        fate(&weekend, &policy(), UTC, t("2026-11-28T10:05:00Z")),
        Fate::Terminates {
            at: t("2026-11-30T19:00:00Z"),
            rule: Rule::EndOfDay,
            warn_at: Some(t("2026-11-30T18:50:00Z")),
        }
    );
    // A holiday moves it a day on.
    let mut holiday = policy();
    holiday.holidays = vec![chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()];
    assert!(matches!(
        fate(&weekend, &holiday, UTC, t("2026-11-28T10:05:00Z")),
        Fate::Terminates { at, .. } if at == t("2026-12-01T19:00:00Z")
    ));
}

#[test]
fn exempt_and_busy_without_an_end_of_day_survive() {
    let mut exempt = facts("j-KEEP", "2026-11-23T10:00:00Z");
    exempt.exempt = Some(true);
    assert_eq!(
        fate(&exempt, &policy(), UTC, t("2026-11-23T10:05:00Z")),
        Fate::Exempt
    );
    let no_eod = PolicyConfig {
        end_of_day: None,
        ..policy()
    };
    let c = busy(facts("j-BUSY", "2026-11-23T10:00:00Z"));
    assert_eq!(
        fate(&c, &no_eod, UTC, t("2026-11-23T10:05:00Z")),
        Fate::Survives
    );
}

#[test]
fn a_warning_already_sent_is_not_planned_again() {
    let c = facts("j-WARNED", "2026-11-23T10:00:00Z");
    let mut warned = c.clone();
    warned.state.warned.insert(
        "warn:idle:j-WARNED:2026-11-23T10:30:00Z".parse().unwrap(),
        t("2026-11-23T10:20:00Z"),
    );
    warned
        .state
        .done
        .insert("warn:idle:j-WARNED:2026-11-23T10:30:00Z".parse().unwrap());
    assert_eq!(
        fate(&warned, &policy(), UTC, t("2026-11-23T10:25:00Z")),
        Fate::Terminates {
            at: t("2026-11-23T10:30:00Z"),
            rule: Rule::Idle,
            warn_at: None,
        }
    );
}

#[test]
fn missing_facts_say_so() {
    let mut c = facts("j-UNKNOWN", "2026-11-23T10:00:00Z");
    c.steps = None;
    assert_eq!(
        fate(&c, &policy(), UTC, t("2026-11-23T10:25:00Z")),
        Fate::Unknown
    );
}
