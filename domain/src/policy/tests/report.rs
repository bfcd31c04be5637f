//! The daily report, holidays, and what the policies leave alone.

use super::*;

#[test]
fn daily_report_once_after_its_time() {
    let p = PolicyConfig {
        daily_report: NaiveTime::from_hms_opt(9, 30, 0),
        ..policy()
    };
    let mut c = facts("j-1", "2026-11-23T00:00:00Z");
    c.lock = Some(lock("j-1", "2026-11-23T00:00:00Z", "2026-11-23T08:00:00Z"));
    let mut done = BTreeSet::new();
    let eval = |done: &BTreeSet<DecisionKey>, now: &str| {
        run_sweep(
            std::slice::from_ref(&c),
            &p,
            TOKYO,
            Sweep::Report,
            done,
            now,
        )
    };
    assert!(eval(&done, "2026-11-23T00:29:00Z").decisions.is_empty());
    let e = eval(&done, "2026-11-23T00:35:00Z");
    assert_eq!(
        e.decisions.len(),
        1,
        "a report sweep does not run the idle rules"
    );
    assert_eq!(
        e.decisions[0].key.to_string(),
        "report:2026-11-23T00:30:00Z"
    );
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
            e.decisions
                .iter()
                .all(|d| !d.key.to_string().contains("eod")),
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
            .any(|d| d.key.to_string().starts_with("report:"))
    };
    assert!(!report("2026-11-23T00:35:00Z"), "not on Monday");
    assert!(report("2026-11-24T00:35:00Z"), "on Tuesday");
}

#[test]
fn savings_report_once_a_week_on_its_day() {
    let p = PolicyConfig {
        savings_report: Some(crate::config::Weekly {
            day: chrono::Weekday::Mon,
            time: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        }),
        ..policy()
    };
    let eval = |done: &BTreeSet<DecisionKey>, now: &str| {
        run_sweep(&[], &p, TOKYO, Sweep::Report, done, now)
    };
    let mut done = BTreeSet::new();
    // Mon 2026-11-23 09:00 Tokyo = 00:00Z.
    assert!(eval(&done, "2026-11-22T23:59:00Z").decisions.is_empty());
    let e = eval(&done, "2026-11-23T00:05:00Z");
    assert_eq!(e.decisions.len(), 1);
    assert_eq!(
        e.decisions[0].key.to_string(),
        "savings:2026-11-23T00:00:00Z"
    );
    assert!(matches!(
        e.decisions[0].kind,
        DecisionKind::Savings { since, deadline }
            if since == t("2026-11-16T00:00:00Z") && deadline == t("2026-11-23T00:00:00Z")
    ));
    done.insert(e.decisions[0].key.clone());
    assert!(eval(&done, "2026-11-23T00:10:00Z").decisions.is_empty());
    assert!(
        eval(&BTreeSet::new(), "2026-11-24T00:05:00Z")
            .decisions
            .is_empty(),
        "not on Tuesday"
    );
}

#[test]
fn an_exempt_cluster_is_recorded_as_kept_at_the_end_of_day() {
    let p = policy();
    let mut tagged = facts("j-1", "2026-11-23T01:00:00Z");
    tagged.exempt = Some(true);
    tagged.cluster.state = ClusterState::Running;
    let e = run(&[tagged], &p, TOKYO, "2026-11-23T10:01:00Z");
    assert_eq!(e.decisions.len(), 1);
    assert_eq!(
        e.decisions[0].key.to_string(),
        "kept:eod:j-1:2026-11-23T10:00:00Z"
    );
    assert!(matches!(
        e.decisions[0].kind,
        DecisionKind::ExemptEndOfDay {
            by: crate::report::KeptBy::Tag,
            ..
        }
    ));
    let mut locked = facts("j-2", "2026-11-23T01:00:00Z");
    locked.cluster.state = ClusterState::Running;
    locked.lock = Some(lock("j-2", "2026-11-23T01:00:00Z", "2026-11-23T12:00:00Z"));
    let e = run(&[locked], &p, TOKYO, "2026-11-23T10:01:00Z");
    assert_eq!(
        e.decisions[0].key.to_string(),
        "exempt:eod:j-2:2026-11-23T10:00:00Z"
    );
    assert!(matches!(
        &e.decisions[0].kind,
        DecisionKind::ExemptEndOfDay {
            by: crate::report::KeptBy::Lock { holder, until },
            ..
        } if holder == "<@U1>" && *until == t("2026-11-23T12:00:00Z")
    ));
}
