//! The idle rules: alerts, warnings, terminations, and what moves idle-since.

use super::*;

// 2026-11-23 is a Monday. 10:00 Tokyo = 01:00Z.

#[test]
fn unlocked_idle_cluster_is_warned_then_terminated() {
    let p = policy();
    let c = facts("j-1", "2026-11-23T01:00:00Z");
    assert!(
        run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T01:19:00Z")
            .decisions
            .is_empty()
    );
    let warn = run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T01:20:00Z");
    assert_eq!(
        warn.decisions[0].key.to_string(),
        "warn:idle:j-1:2026-11-23T01:30:00Z"
    );
    assert_eq!(
        kinds(&run(
            std::slice::from_ref(&c),
            &p,
            TOKYO,
            "2026-11-23T01:29:00Z"
        )),
        ["warn:idle"]
    );
    // Not before its warning is `warn_before` old…
    let mut just_warned = c.clone();
    just_warned.state.warned.insert(
        "warn:idle:j-1:2026-11-23T01:30:00Z".parse().unwrap(),
        t("2026-11-23T01:25:00Z"),
    );
    assert!(run(
        std::slice::from_ref(&just_warned),
        &p,
        TOKYO,
        "2026-11-23T01:31:00Z"
    )
    .decisions
    .is_empty());
    assert_eq!(
        kinds(&run(&[just_warned], &p, TOKYO, "2026-11-23T01:35:00Z")),
        ["term:idle"]
    );
    // …and a sweep that finds the deadline passed unwarned warns first.
    assert_eq!(
        kinds(&run(
            std::slice::from_ref(&c),
            &p,
            TOKYO,
            "2026-11-23T01:31:00Z"
        )),
        ["warn:idle"]
    );
    let term = run(
        &[warned(&c, "warn:idle:j-1:2026-11-23T01:30:00Z")],
        &p,
        TOKYO,
        "2026-11-23T01:31:00Z",
    );
    assert_eq!(
        term.decisions[0].key.to_string(),
        "term:idle:j-1:2026-11-23T01:30:00Z"
    );
    assert!(matches!(
        term.decisions[0].kind,
        DecisionKind::Terminate {
            rule: Rule::Idle,
            ..
        }
    ));
}

#[test]
fn the_idle_alert_is_once_per_idle_spell_whatever_locks_do() {
    let p = PolicyConfig {
        idle_alert_after: "2h".parse().unwrap(),
        ..policy()
    };
    let mut c = facts("j-1", "2026-11-23T01:00:00Z");
    let first = run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T03:05:00Z");
    let key = first
        .decisions
        .iter()
        .find(|d| d.key.to_string().starts_with("alert:"))
        .expect("alerted")
        .key
        .clone();
    c.state.done.insert(key.clone());
    // Locked and unlocked in between: the same spell, no second alert.
    c.state.last_unlock = Some(t("2026-11-23T04:00:00Z"));
    let later = run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T06:30:00Z");
    assert!(
        later
            .decisions
            .iter()
            .all(|d| !d.key.to_string().starts_with("alert:")),
        "{later:?}"
    );
    // Busy again, then idle for 2h: a new spell, a new alert.
    c.steps = Some(StepFacts {
        pending_or_running: false,
        last_end: Some(t("2026-11-23T07:00:00Z")),
    });
    let second = run(&[c], &p, TOKYO, "2026-11-23T09:05:00Z");
    assert!(second
        .decisions
        .iter()
        .any(|d| d.key.to_string().starts_with("alert:") && d.key != key));
}

#[test]
fn nothing_twice() {
    let p = policy();
    let mut c = facts("j-1", "2026-11-23T01:00:00Z");
    c.state
        .done
        .insert("warn:idle:j-1:2026-11-23T01:30:00Z".parse().unwrap());
    assert!(
        run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T01:25:00Z")
            .decisions
            .is_empty()
    );
    c.state
        .done
        .insert("term:idle:j-1:2026-11-23T01:30:00Z".parse().unwrap());
    assert!(run(&[c], &p, TOKYO, "2026-11-23T01:40:00Z")
        .decisions
        .is_empty());
}

#[test]
fn locks_steps_unlocks_and_snoozes_move_idle_since() {
    let p = policy();
    let now = "2026-11-23T02:00:00Z";
    let mut locked = facts("j-1", "2026-11-23T01:00:00Z");
    locked.lock = Some(lock("j-1", "2026-11-23T01:00:00Z", "2026-11-23T03:00:00Z"));
    assert!(
        run(&[locked.clone()], &p, TOKYO, now).decisions.is_empty(),
        "never terminate a locked cluster"
    );

    // The lock expired at 01:50: the grace runs from there.
    locked.lock = Some(lock("j-1", "2026-11-23T01:00:00Z", "2026-11-23T01:50:00Z"));
    assert!(run(&[locked.clone()], &p, TOKYO, now).decisions.is_empty());
    assert_eq!(
        kinds(&run(&[locked.clone()], &p, TOKYO, "2026-11-23T02:10:00Z")),
        ["warn:idle"]
    );
    assert_eq!(
        kinds(&run(
            &[warned(&locked, "warn:idle:j-1:2026-11-23T02:20:00Z")],
            &p,
            TOKYO,
            "2026-11-23T02:20:00Z"
        )),
        ["term:idle"]
    );

    let mut unlocked = facts("j-1", "2026-11-23T01:00:00Z");
    unlocked.state.last_unlock = Some(t("2026-11-23T01:45:00Z"));
    assert!(run(&[unlocked.clone()], &p, TOKYO, now)
        .decisions
        .is_empty());
    assert_eq!(
        run(
            &[warned(&unlocked, "warn:idle:j-1:2026-11-23T02:15:00Z")],
            &p,
            TOKYO,
            "2026-11-23T02:16:00Z"
        )
        .decisions[0]
            .key
            .to_string(),
        "term:idle:j-1:2026-11-23T02:15:00Z"
    );

    let mut stepped = facts("j-1", "2026-11-23T01:00:00Z");
    stepped.steps = Some(StepFacts {
        pending_or_running: false,
        last_end: Some(t("2026-11-23T01:45:00Z")),
    });
    assert!(run(&[stepped.clone()], &p, TOKYO, now).decisions.is_empty());
    stepped.steps = Some(StepFacts {
        pending_or_running: true,
        last_end: None,
    });
    assert!(
        run(&[stepped], &p, TOKYO, "2026-11-23T05:00:00Z")
            .decisions
            .is_empty(),
        "busy is not idle"
    );

    // Extend 1h at 01:25 (warned for 01:30): no termination before 02:25.
    let mut snoozed = facts("j-1", "2026-11-23T01:00:00Z");
    snoozed.state.snoozed_at = Some(t("2026-11-23T01:25:00Z"));
    snoozed.state.snoozed_until = Some(t("2026-11-23T02:25:00Z"));
    assert!(run(&[snoozed.clone()], &p, TOKYO, now).decisions.is_empty());
    assert_eq!(
        run(
            &[warned(&snoozed, "warn:idle:j-1:2026-11-23T02:25:00Z")],
            &p,
            TOKYO,
            "2026-11-23T02:25:00Z"
        )
        .decisions[0]
            .key
            .to_string(),
        "term:idle:j-1:2026-11-23T02:25:00Z"
    );
}

#[test]
fn facts_are_asked_for_only_when_needed() {
    let p = policy();
    let mut young = facts("j-1", "2026-11-23T01:00:00Z");
    young.steps = None;
    young.exempt = None;
    let e = run(&[young.clone()], &p, TOKYO, "2026-11-23T01:10:00Z");
    assert!(
        e.needs.is_empty() && e.decisions.is_empty(),
        "too young to matter: no ListSteps, no tags"
    );
    let e = run(&[young.clone()], &p, TOKYO, "2026-11-23T01:35:00Z");
    assert_eq!(e.needs, [(young.cluster.id.clone(), Need::Steps)]);
    young.steps = Some(StepFacts::default());
    let e = run(&[young], &p, TOKYO, "2026-11-23T01:35:00Z");
    assert!(e.decisions.is_empty());
    assert_eq!(e.needs[0].1, Need::Tags);
}

#[test]
fn exempt_tag_spares_a_cluster_from_termination_not_from_alerts() {
    let p = policy();
    let mut c = facts("j-1", "2026-11-23T01:00:00Z");
    c.exempt = Some(true);
    assert!(
        run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T01:40:00Z")
            .decisions
            .is_empty()
    );
    assert_eq!(
        kinds(&run(
            std::slice::from_ref(&c),
            &p,
            TOKYO,
            "2026-11-23T03:05:00Z"
        )),
        ["alert:j-1"]
    );
    // 19:00 Tokyo = 10:00Z.
    // At the end of day it is only recorded as kept (for the savings report).
    assert_eq!(
        kinds(&run(&[c], &p, TOKYO, "2026-11-23T10:00:00Z")),
        ["kept:eod", "alert:j-1"]
    );
}
