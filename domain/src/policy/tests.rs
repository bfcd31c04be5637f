use super::*;
use crate::duration::HumanDuration;
use crate::emr::ClusterState;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn policy() -> PolicyConfig {
    PolicyConfig {
        end_of_day: NaiveTime::from_hms_opt(19, 0, 0),
        daily_report: None,
        ..PolicyConfig::default()
    }
}

fn facts(id: &str, created: &str) -> ClusterFacts {
    ClusterFacts {
        cluster: ClusterSummary {
            id: ClusterId::parse(id).unwrap(),
            name: format!("name-{id}"),
            state: ClusterState::Waiting,
            account: None,
            created_at: Some(t(created)),
            ready_at: Some(t(created)),
            ended_at: None,
            normalized_instance_hours: Some(8),
            state_reason: None,
        },
        steps: Some(StepFacts::default()),
        exempt: Some(false),
        lock: None,
        state: PolicyState::default(),
    }
}

fn lock(id: &str, since: &str, until: &str) -> Lock {
    Lock {
        cluster: ClusterId::parse(id).unwrap(),
        holder: "U1".into(),
        holder_display: "<@U1>".into(),
        since: t(since),
        until: t(until),
        reason: None,
    }
}

/// `c` after its warning `key` went out long enough ago to act on.
fn warned(c: &ClusterFacts, key: &str) -> ClusterFacts {
    let mut c = c.clone();
    c.state.warned.insert(key.into(), t("2026-01-01T00:00:00Z"));
    c
}

/// Every cluster of `all` warned for the end of day at `deadline`.
fn warned_eod(all: &[ClusterFacts], deadline: &str) -> Vec<ClusterFacts> {
    all.iter()
        .map(|c| warned(c, &format!("warn:eod:{}:{deadline}", c.cluster.id)))
        .collect()
}

fn run(clusters: &[ClusterFacts], policy: &PolicyConfig, tz: Tz, now: &str) -> Evaluation {
    let done = BTreeSet::new();
    evaluate(
        clusters,
        &Inputs {
            policy,
            tz,
            now: t(now),
            sweep: Sweep::All,
            global_done: &done,
        },
    )
}

fn kinds(e: &Evaluation) -> Vec<String> {
    e.decisions
        .iter()
        .map(|d| d.key.split(':').take(2).collect::<Vec<_>>().join(":"))
        .collect()
}

const TOKYO: Tz = chrono_tz::Asia::Tokyo;
const NY: Tz = chrono_tz::America::New_York;

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
    assert_eq!(warn.decisions[0].key, "warn:idle:j-1:2026-11-23T01:30:00Z");
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
        "warn:idle:j-1:2026-11-23T01:30:00Z".into(),
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
    assert_eq!(term.decisions[0].key, "term:idle:j-1:2026-11-23T01:30:00Z");
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
        .find(|d| d.key.starts_with("alert:"))
        .expect("alerted")
        .key
        .clone();
    c.state.done.insert(key.clone());
    // Locked and unlocked in between: the same spell, no second alert.
    c.state.last_unlock = Some(t("2026-11-23T04:00:00Z"));
    let later = run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T06:30:00Z");
    assert!(
        later.decisions.iter().all(|d| !d.key.starts_with("alert:")),
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
        .any(|d| d.key.starts_with("alert:") && d.key != key));
}

#[test]
fn nothing_twice() {
    let p = policy();
    let mut c = facts("j-1", "2026-11-23T01:00:00Z");
    c.state
        .done
        .insert("warn:idle:j-1:2026-11-23T01:30:00Z".into());
    assert!(
        run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T01:25:00Z")
            .decisions
            .is_empty()
    );
    c.state
        .done
        .insert("term:idle:j-1:2026-11-23T01:30:00Z".into());
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
            .key,
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
            .key,
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
    assert_eq!(
        kinds(&run(&[c], &p, TOKYO, "2026-11-23T10:00:00Z")),
        ["alert:j-1"]
    );
}

#[test]
fn end_of_day_on_workdays_with_catch_up() {
    let p = policy();
    let mut busy = facts("j-1", "2026-11-23T01:00:00Z");
    busy.state.last_unlock = Some(t("2026-11-23T09:45:00Z"));
    busy.cluster.state = ClusterState::Running;
    busy.steps = None;
    let mut idle = facts("j-2", "2026-11-23T09:55:00Z");
    idle.steps = Some(StepFacts::default());
    let all = [busy, idle];
    // 18:50 Tokyo: warned.
    assert_eq!(
        kinds(&run(&all, &p, TOKYO, "2026-11-23T09:50:00Z")),
        ["warn:eod", "warn:eod"]
    );
    // 19:00 sharp and 19:04: both terminated, busy or idle.
    let all = warned_eod(&all, "2026-11-23T10:00:00Z");
    for now in ["2026-11-23T10:00:00Z", "2026-11-23T10:04:00Z"] {
        let e = run(&all, &p, TOKYO, now);
        assert_eq!(kinds(&e), ["term:eod", "term:eod"], "{now}");
        assert_eq!(e.decisions[0].key, "term:eod:j-1:2026-11-23T10:00:00Z");
    }
    // Saturday 2026-11-28 19:00 Tokyo: nothing (j-2 is too young for the idle rule).
    let mut sat = all.clone();
    for f in &mut sat {
        f.cluster.created_at = Some(t("2026-11-28T09:55:00Z"));
        f.cluster.ready_at = Some(t("2026-11-28T09:55:00Z"));
    }
    assert!(run(&sat, &p, TOKYO, "2026-11-28T10:00:00Z")
        .decisions
        .is_empty());
    // Created after the end of day: left to the idle rules.
    let mut late = facts("j-3", "2026-11-23T10:30:00Z");
    late.cluster.state = ClusterState::Running;
    assert!(run(&[late], &p, TOKYO, "2026-11-23T10:35:00Z")
        .decisions
        .is_empty());
    // More than CATCH_UP late: forgotten.
    let mut old = facts("j-4", "2026-11-23T01:00:00Z");
    old.cluster.state = ClusterState::Running;
    assert!(
        run(&[old.clone()], &p, TOKYO, "2026-11-23T21:59:00Z")
            .decisions
            .len()
            == 1
    );
    assert!(run(&[old], &p, TOKYO, "2026-11-23T22:01:00Z")
        .decisions
        .is_empty());
}

#[test]
fn end_of_day_lock_expiring_exactly_at_the_deadline_does_not_exempt() {
    let p = policy();
    let mut c = facts("j-1", "2026-11-23T01:00:00Z");
    c.cluster.state = ClusterState::Running;
    c.lock = Some(lock("j-1", "2026-11-23T06:00:00Z", "2026-11-23T10:00:00Z"));
    assert_eq!(
        kinds(&run(
            std::slice::from_ref(&c),
            &p,
            TOKYO,
            "2026-11-23T09:55:00Z"
        )),
        ["warn:eod"]
    );
    assert_eq!(
        kinds(&run(
            &warned_eod(std::slice::from_ref(&c), "2026-11-23T10:00:00Z"),
            &p,
            TOKYO,
            "2026-11-23T10:00:00Z"
        )),
        ["term:eod"]
    );
    // One second past the deadline: exempt, and remembered.
    c.lock = Some(lock("j-1", "2026-11-23T06:00:00Z", "2026-11-23T10:00:01Z"));
    assert!(
        run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T09:55:00Z")
            .decisions
            .is_empty()
    );
    let e = run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T10:00:00Z");
    assert_eq!(e.decisions[0].key, "exempt:eod:j-1:2026-11-23T10:00:00Z");
    // Unlocked at 19:30 (item gone): the idle rules apply, not the end of day.
    c.lock = None;
    c.state.done.insert(e.decisions[0].key.clone());
    c.state.last_unlock = Some(t("2026-11-23T10:30:00Z"));
    // It was busy until its last step ended, at the unlock.
    c.cluster.state = ClusterState::Waiting;
    c.steps = Some(StepFacts {
        pending_or_running: false,
        last_end: Some(t("2026-11-23T10:30:00Z")),
    });
    assert!(
        run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-23T10:35:00Z")
            .decisions
            .is_empty()
    );
    assert_eq!(
        kinds(&run(
            &[warned(&c, "warn:idle:j-1:2026-11-23T11:00:00Z")],
            &p,
            TOKYO,
            "2026-11-23T11:00:00Z"
        )),
        ["term:idle"]
    );
}

#[test]
fn end_of_day_follows_daylight_saving() {
    // New York: EDT (UTC-4) until Sun 2026-11-01 02:00, then EST (UTC-5).
    let p = policy();
    let mut c = facts("j-1", "2026-10-30T12:00:00Z");
    c.cluster.state = ClusterState::Running;
    // Fri 2026-10-30 19:00 EDT = 23:00Z.
    assert!(
        run(std::slice::from_ref(&c), &p, NY, "2026-10-30T22:59:00Z")
            .decisions
            .iter()
            .all(|d| d.key.starts_with("warn"))
    );
    assert_eq!(
        run(
            &warned_eod(std::slice::from_ref(&c), "2026-10-30T23:00:00Z"),
            &p,
            NY,
            "2026-10-30T23:00:00Z"
        )
        .decisions[0]
            .key,
        "term:eod:j-1:2026-10-30T23:00:00Z"
    );
    // Mon 2026-11-02 19:00 EST = 00:00Z on the 3rd (a UTC midnight).
    c.cluster.created_at = Some(t("2026-11-02T12:00:00Z"));
    assert!(
        run(std::slice::from_ref(&c), &p, NY, "2026-11-02T23:59:59Z")
            .decisions
            .iter()
            .all(|d| d.key.starts_with("warn"))
    );
    assert_eq!(
        run(
            &warned_eod(&[c], "2026-11-03T00:00:00Z"),
            &p,
            NY,
            "2026-11-03T00:00:00Z"
        )
        .decisions[0]
            .key,
        "term:eod:j-1:2026-11-03T00:00:00Z"
    );
}

#[test]
fn deadlines_in_a_dst_gap_or_overlap() {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let at = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    // 02:30 does not exist on 2026-03-08 in New York: the first valid instant is 03:00 EDT.
    assert_eq!(
        local_instant(NY, day("2026-03-08"), at(2, 30)),
        t("2026-03-08T07:00:00Z")
    );
    // 01:30 happens twice on 2026-11-01: the first (EDT) one.
    assert_eq!(
        local_instant(NY, day("2026-11-01"), at(1, 30)),
        t("2026-11-01T05:30:00Z")
    );
}

#[test]
fn midnight_end_of_day_and_weekday_boundaries() {
    // end_of_day 00:00 on Tuesdays only: Mon→Tue midnight Tokyo = Mon 15:00Z.
    let p = PolicyConfig {
        end_of_day: NaiveTime::from_hms_opt(0, 0, 0),
        workdays: vec![chrono::Weekday::Tue],
        ..policy()
    };
    let mut c = facts("j-1", "2026-11-23T01:00:00Z");
    c.cluster.state = ClusterState::Running;
    assert_eq!(
        kinds(&run(
            std::slice::from_ref(&c),
            &p,
            TOKYO,
            "2026-11-23T14:55:00Z"
        )),
        ["warn:eod"],
        "warned the day before"
    );
    assert_eq!(
        run(
            &warned_eod(std::slice::from_ref(&c), "2026-11-23T15:00:00Z"),
            &p,
            TOKYO,
            "2026-11-23T15:00:00Z"
        )
        .decisions[0]
            .key,
        "term:eod:j-1:2026-11-23T15:00:00Z"
    );
    // Tue→Wed midnight is not a Wednesday deadline.
    assert!(run(&[c], &p, TOKYO, "2026-11-24T15:01:00Z")
        .decisions
        .is_empty());
}

#[test]
fn daily_report_once_after_its_time() {
    let p = PolicyConfig {
        daily_report: NaiveTime::from_hms_opt(9, 30, 0),
        ..policy()
    };
    let mut c = facts("j-1", "2026-11-23T00:00:00Z");
    c.lock = Some(lock("j-1", "2026-11-23T00:00:00Z", "2026-11-23T08:00:00Z"));
    let mut done = BTreeSet::new();
    let eval = |done: &BTreeSet<String>, now: &str| {
        evaluate(
            &[c.clone()],
            &Inputs {
                policy: &p,
                tz: TOKYO,
                now: t(now),
                sweep: Sweep::Report,
                global_done: done,
            },
        )
    };
    assert!(eval(&done, "2026-11-23T00:29:00Z").decisions.is_empty());
    let e = eval(&done, "2026-11-23T00:35:00Z");
    assert_eq!(
        e.decisions.len(),
        1,
        "a report sweep does not run the idle rules"
    );
    assert_eq!(e.decisions[0].key, "report:2026-11-23T00:30:00Z");
    assert!(
        matches!(e.decisions[0].kind, DecisionKind::Report { since, .. } if since == t("2026-11-22T00:30:00Z"))
    );
    done.insert(e.decisions[0].key.clone());
    assert!(eval(&done, "2026-11-23T00:40:00Z").decisions.is_empty());
}

#[test]
fn terminated_clusters_are_left_alone() {
    let p = policy();
    let mut c = facts("j-1", "2026-11-23T01:00:00Z");
    c.cluster.state = ClusterState::Terminating;
    assert!(run(&[c], &p, TOKYO, "2026-11-23T10:00:00Z")
        .decisions
        .is_empty());
}

#[test]
fn durations_come_from_config() {
    let p = PolicyConfig {
        unlocked_grace: HumanDuration::from_mins(60),
        ..policy()
    };
    let c = facts("j-1", "2026-11-23T01:00:00Z");
    assert_eq!(
        kinds(&run(&[c], &p, TOKYO, "2026-11-23T01:55:00Z")),
        ["warn:idle"]
    );
}

#[test]
fn holidays_skip_the_end_of_day_and_the_report_keeps_its_days() {
    let p = PolicyConfig {
        holidays: vec![NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()],
        daily_report: NaiveTime::from_hms_opt(9, 30, 0),
        report_days: vec![chrono::Weekday::Tue],
        ..policy()
    };
    let mut c = facts("j-1", "2026-11-23T01:00:00Z");
    c.cluster.state = ClusterState::Running;
    // Monday 2026-11-23 19:00 Tokyo is a holiday: no warning, no termination.
    for now in ["2026-11-23T09:55:00Z", "2026-11-23T10:05:00Z"] {
        let e = run(
            &warned_eod(std::slice::from_ref(&c), "2026-11-23T10:00:00Z"),
            &p,
            TOKYO,
            now,
        );
        assert!(
            e.decisions.iter().all(|d| !d.key.contains("eod")),
            "{now}: {:?}",
            e.decisions
        );
    }
    // Tuesday's end of day is as usual.
    let tuesday = run(std::slice::from_ref(&c), &p, TOKYO, "2026-11-24T09:55:00Z");
    assert!(
        kinds(&tuesday).contains(&"warn:eod".to_string()),
        "{tuesday:?}"
    );
    // The report: Tuesdays only.
    let report = |now: &str| {
        run(std::slice::from_ref(&c), &p, TOKYO, now)
            .decisions
            .iter()
            .any(|d| d.key.starts_with("report:"))
    };
    assert!(!report("2026-11-23T00:35:00Z"), "not on Monday");
    assert!(report("2026-11-24T00:35:00Z"), "on Tuesday");
}
