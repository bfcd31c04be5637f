use super::*;
use crate::cluster::ClusterId;
use crate::emr::{ClusterState, ClusterSummary, InstanceRole};
use chrono::NaiveTime;

const TOKYO: Tz = chrono_tz::Asia::Tokyo;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn policy() -> PolicyConfig {
    PolicyConfig {
        end_of_day: NaiveTime::from_hms_opt(19, 0, 0),
        ..PolicyConfig::default()
    }
}

/// m5.xlarge at 0.192 + 0.048 an hour, from the Price List.
fn book() -> AccountBooks {
    use crate::price_book::{PriceSource, Quote};
    let book = PriceBook::of([(
        "m5.xlarge".to_string(),
        Some(Quote {
            usd_per_hour: 0.24,
            emr_per_hour: 0.048,
            source: PriceSource::PriceList(None),
        }),
    )]);
    [(None, book)].into_iter().collect()
}

fn hours(rule: Rule, at: &str, policy: &PolicyConfig) -> i64 {
    avoided(rule, t(at), policy, TOKYO).num_minutes() / 60
}

#[test]
fn an_end_of_day_termination_saves_until_the_next_workday_starts() {
    let p = policy();
    // Fri 2026-11-27 19:00 Tokyo → Mon 09:00.
    assert_eq!(hours(Rule::EndOfDay, "2026-11-27T10:00:00Z", &p), 62);
    // Tue 19:00 → Wed 09:00.
    assert_eq!(hours(Rule::EndOfDay, "2026-11-24T10:00:00Z", &p), 14);
    // Caught up after midnight (Wed 02:00): until 09:00 that day.
    assert_eq!(hours(Rule::EndOfDay, "2026-11-24T17:00:00Z", &p), 7);
    let holiday = PolicyConfig {
        holidays: vec!["2026-11-26".parse().unwrap()],
        ..policy()
    };
    // Wed 19:00, Thursday off → Fri 09:00.
    assert_eq!(hours(Rule::EndOfDay, "2026-11-25T10:00:00Z", &holiday), 38);
    let long = PolicyConfig {
        holidays: (23..=30)
            .map(|d| format!("2026-11-{d}").parse().unwrap())
            .collect(),
        ..policy()
    };
    assert_eq!(
        hours(Rule::EndOfDay, "2026-11-20T10:00:00Z", &long),
        MAX_END_OF_DAY.num_hours()
    );
}

#[test]
fn an_idle_termination_saves_until_the_end_of_day_at_most_a_day() {
    let p = policy();
    // Tue 14:00 → 19:00.
    assert_eq!(hours(Rule::Idle, "2026-11-24T05:00:00Z", &p), 5);
    // Tue 20:00 → Wed 19:00.
    assert_eq!(hours(Rule::Idle, "2026-11-24T11:00:00Z", &p), 23);
    // Sat 10:00: the next end of day is Monday's: a day at most.
    assert_eq!(hours(Rule::Idle, "2026-11-28T01:00:00Z", &p), 24);
    let no_eod = PolicyConfig {
        end_of_day: None,
        ..policy()
    };
    assert_eq!(hours(Rule::Idle, "2026-11-24T05:00:00Z", &no_eod), 24);
}

fn detail(id: &str, state: ClusterState, ended: Option<&str>, core: i32) -> ClusterDetail {
    let group = |role, t: &str, requested, running| CapacityGroup {
        id: format!("ig-{id}"),
        name: None,
        role: Some(role),
        instance_type: t.into(),
        requested,
        running,
        is_fleet: false,
        ebs: Vec::new(),
        spot: false,
    };
    let active = state.is_active();
    ClusterDetail {
        summary: ClusterSummary {
            id: ClusterId::parse(id).unwrap(),
            name: format!("name-{id}"),
            state,
            account: None,
            created_at: Some(t("2026-11-20T00:00:00Z")),
            ready_at: None,
            ended_at: ended.map(t),
            normalized_instance_hours: None,
            state_reason: None,
        },
        tags: Default::default(),
        release: None,
        applications: Vec::new(),
        termination_protected: false,
        auto_terminate_idle: None,
        groups: vec![
            group(InstanceRole::Master, "m5.xlarge", 1, i32::from(active)),
            group(
                InstanceRole::Core,
                "m5.xlarge",
                core,
                if active { core } else { 0 },
            ),
        ],
        uses_fleets: false,
        availability_zone: None,
    }
}

fn auto(id: &str, rule: &str, at: &str) -> AutoAction {
    AutoAction {
        at: t(at),
        cluster: id.into(),
        name: format!("name-{id}"),
        account: None,
        rule: rule.parse().expect("a rule"),
        reason: "why".into(),
    }
}

fn report(terminated: Vec<AutoAction>, kept: Vec<crate::report::KeptAction>) -> SavingsReport {
    SavingsReport {
        at: t("2026-11-30T00:00:00Z"),
        since: t("2026-11-23T00:00:00Z"),
        terminated,
        kept,
    }
}

#[test]
fn terminations_count_when_emr_shows_them_done() {
    let details: HashMap<String, ClusterDetail> = [
        detail(
            "j-EOD",
            ClusterState::Terminated,
            Some("2026-11-27T10:01:00Z"),
            2,
        ),
        detail(
            "j-IDLE",
            ClusterState::Terminated,
            Some("2026-11-24T05:02:00Z"),
            4,
        ),
        detail("j-SPARED", ClusterState::Waiting, None, 2),
        detail(
            "j-LATER",
            ClusterState::Terminated,
            Some("2026-11-24T09:00:00Z"),
            2,
        ),
    ]
    .into_iter()
    .map(|d| (d.summary.id.to_string(), d))
    .collect();
    let r = report(
        vec![
            auto("j-IDLE", "idle", "2026-11-24T05:00:00Z"),
            auto("j-SPARED", "idle", "2026-11-24T05:00:00Z"),
            auto("j-LATER", "idle", "2026-11-24T05:00:00Z"),
            auto("j-EOD", "end_of_day", "2026-11-27T10:00:00Z"),
            auto("j-EOD", "end_of_day", "2026-11-27T10:05:00Z"),
            auto("j-GONE", "idle", "2026-11-24T05:00:00Z"),
        ],
        Vec::new(),
    );
    let s = tally(&r, &details, &policy(), &book(), TOKYO);
    let rows: Vec<(&str, u32, f64)> = s
        .saved
        .iter()
        .map(|s| (s.action.cluster.as_str(), s.instances, s.hours))
        .collect();
    assert_eq!(rows, [("j-IDLE", 5, 5.0), ("j-EOD", 3, 62.0)]);
    // m5.xlarge: 0.192 + 0.048 an hour.
    let eod = &s.saved[1];
    assert!(
        (eod.usd() - 3.0 * 0.24 * 62.0).abs() < 1e-9,
        "{}",
        eod.usd()
    );
    assert!((eod.instance_hours() - 186.0).abs() < 1e-9);
    let why: Vec<(&str, NotCounted)> = s
        .not_counted
        .iter()
        .map(|(a, w)| (a.cluster.as_str(), *w))
        .collect();
    assert_eq!(
        why,
        [
            ("j-SPARED", NotCounted::StillRunning),
            ("j-LATER", NotCounted::EndedLater),
            ("j-GONE", NotCounted::Unknown)
        ]
    );
    let by_rule = s.by_rule();
    assert_eq!(by_rule[0].0, Rule::EndOfDay);
    assert_eq!(by_rule[1].1.clusters, 1);
    assert!((s.total().instance_hours - (186.0 + 25.0)).abs() < 1e-9);

    // A dry run terminated nothing: each request is what would have been saved.
    let dry = PolicyConfig {
        dry_run: true,
        ..policy()
    };
    let s = tally(&r, &details, &dry, &book(), TOKYO);
    assert!(s.dry_run);
    assert_eq!(s.saved.len(), 4);
}

#[test]
fn kept_clusters_cost_what_they_ran_in_the_week() {
    let kept = |at: &str, by: KeptBy| crate::report::KeptAction {
        at: t(at),
        cluster: "j-K".into(),
        name: "kept".into(),
        account: None,
        by,
    };
    let lock = KeptBy::Lock {
        holder: "<@U1>".into(),
        until: t("2026-11-25T12:00:00Z"),
    };
    let r = report(
        Vec::new(),
        vec![
            kept("2026-11-24T10:00:00Z", lock.clone()),
            kept("2026-11-25T10:00:00Z", KeptBy::Tag),
        ],
    );
    let details = [(
        "j-K".to_string(),
        detail("j-K", ClusterState::Running, None, 1),
    )]
    .into_iter()
    .collect();
    let s = tally(&r, &details, &policy(), &book(), TOKYO);
    assert_eq!(s.kept.len(), 1);
    let k = &s.kept[0];
    assert_eq!((k.nights, &k.by), (2, &KeptBy::Tag));
    // Up the whole week (created before it): 168 h at 2 × 0.24.
    assert_eq!(k.hours, Some(168.0));
    assert!((k.usd() - 168.0 * 0.48).abs() < 1e-9);
}
