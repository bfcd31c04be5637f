//! The end of day: workdays, catch-up, locks past it, daylight saving.

use super::*;

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
        assert_eq!(
            e.decisions[0].key.to_string(),
            "term:eod:j-1:2026-11-23T10:00:00Z"
        );
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
    assert_eq!(
        e.decisions[0].key.to_string(),
        "exempt:eod:j-1:2026-11-23T10:00:00Z"
    );
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
            .all(|d| d.key.to_string().starts_with("warn"))
    );
    assert_eq!(
        run(
            &warned_eod(std::slice::from_ref(&c), "2026-10-30T23:00:00Z"),
            &p,
            NY,
            "2026-10-30T23:00:00Z"
        )
        .decisions[0]
            .key
            .to_string(),
        "term:eod:j-1:2026-10-30T23:00:00Z"
    );
    // Mon 2026-11-02 19:00 EST = 00:00Z on the 3rd (a UTC midnight).
    c.cluster.created_at = Some(t("2026-11-02T12:00:00Z"));
    assert!(
        run(std::slice::from_ref(&c), &p, NY, "2026-11-02T23:59:59Z")
            .decisions
            .iter()
            .all(|d| d.key.to_string().starts_with("warn"))
    );
    assert_eq!(
        run(
            &warned_eod(&[c], "2026-11-03T00:00:00Z"),
            &p,
            NY,
            "2026-11-03T00:00:00Z"
        )
        .decisions[0]
            .key
            .to_string(),
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
            .key
            .to_string(),
        "term:eod:j-1:2026-11-23T15:00:00Z"
    );
    // Tue→Wed midnight is not a Wednesday deadline.
    assert!(run(&[c], &p, TOKYO, "2026-11-24T15:01:00Z")
        .decisions
        .is_empty());
}
