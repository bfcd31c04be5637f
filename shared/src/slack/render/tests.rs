//! What a newcomer reads: counts in the right number, costs that add up to
//! what is on screen, group lines without EMR's legacy names, a page past
//! the end said so, and every time in one convention (`Mon 15:18 JST`).

use super::clusters::{cluster_detail, ClusterView, DetailExtras};
use super::plan::{plan, PlanView};
use super::status::{status_list, StatusPages};
use crate::slack::SlackMessage;
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::config::PolicyConfig;
use emrbot_domain::emr::{
    CapacityGroup, ClusterDetail, ClusterState, ClusterSummary, InstanceRole,
};
use emrbot_domain::lock::Lock;
use emrbot_domain::policy::plan::Fate;
use emrbot_domain::policy::Rule;
use emrbot_domain::price_book::Rate;
use emrbot_domain::price_book::{Fallback, PriceSource, Spent};

const TOKYO: Tz = chrono_tz::Asia::Tokyo;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 5, 0, 0).unwrap()
}

fn cluster(id: &str, name: &str, up: Duration) -> ClusterSummary {
    ClusterSummary {
        id: ClusterId::parse(id).unwrap(),
        name: name.into(),
        state: ClusterState::Waiting,
        account: None,
        created_at: Some(now() - up),
        ready_at: None,
        ended_at: None,
        normalized_instance_hours: Some(0),
        state_reason: None,
    }
}

fn listed() -> PriceSource {
    PriceSource::PriceList(Some(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()))
}

fn rate(usd: f64) -> Rate {
    Rate {
        usd,
        unpriced: Vec::new(),
        spot: false,
        sources: [(listed(), ["m5.xlarge".to_string()].into())].into(),
    }
}

/// A cluster whose instance records say it ran at `rate` all along.
fn view<'a>(c: &'a ClusterSummary, rate: Option<Rate>) -> ClusterView<'a> {
    let spent = rate.as_ref().map(|r| Spent {
        usd: r.over(c.uptime(now()).unwrap()),
        sources: r.sources.clone(),
        ..Spent::default()
    });
    ClusterView {
        spent,
        cluster: c,
        lock: None,
        idle_since: None,
        cost_per_hour: None,
        fate: None,
        protected: false,
        rate,
    }
}

fn text(m: &SlackMessage) -> String {
    m.to_json()["blocks"].to_string()
}

#[test]
fn the_total_is_the_sum_of_the_cents_shown() {
    // Each has cost $0.004 (shown $0.00): the total is $0.00, not $0.01.
    let a = cluster("j-1AAAAAAAAAAAA", "a", Duration::seconds(20));
    let b = cluster("j-1BBBBBBBBBBBB", "b", Duration::seconds(20));
    let views = [view(&a, Some(rate(0.72))), view(&b, Some(rate(0.72)))];
    let shown = text(&status_list(
        &views,
        &StatusPages::of(2, 1),
        &PolicyConfig::default(),
        now(),
        TOKYO,
    ));
    assert_eq!(
        shown.matches("≈ $0.00 so far ($0.72/h)").count(),
        2,
        "{shown}"
    );
    assert!(
        shown.contains(
            "≈ $0.00 so far in all, $1.44/h now (all 2 clusters). \
             Prices: AWS price list of 2026-12-01 (EC2 on-demand + EMR)."
        ),
        "{shown}"
    );
}

#[test]
fn counts_are_in_the_right_number() {
    let a = cluster("j-1AAAAAAAAAAAA", "a", Duration::hours(1));
    let b = cluster("j-1BBBBBBBBBBBB", "b", Duration::hours(1));
    let one = text(&status_list(
        &[view(&a, Some(rate(1.0)))],
        &StatusPages::of(1, 1),
        &PolicyConfig::default(),
        now(),
        TOKYO,
    ));
    assert!(one.contains("(one cluster)."), "{one}");
    let partly = text(&status_list(
        &[view(&a, Some(rate(1.0))), view(&b, None)],
        &StatusPages::of(2, 1),
        &PolicyConfig::default(),
        now(),
        TOKYO,
    ));
    assert!(
        partly.contains("(1 of 2 clusters; the others have no price)."),
        "{partly}"
    );
    for wrong in ["1 clusters", "1 of 1 clusters"] {
        assert!(!one.contains(wrong) && !partly.contains(wrong), "{wrong}");
    }
    let planned = plan(
        &[PlanView {
            cluster: &a,
            lock: None,
            fate: Fate::Survives,
            protected: false,
        }],
        &[],
        &PolicyConfig::default(),
        now(),
        TOKYO,
    );
    assert!(
        planned.text.contains("0 of 1 active cluster will"),
        "{}",
        planned.text
    );
}

#[test]
fn a_page_past_the_last_is_said_so() {
    let pages = StatusPages::of(2, 3);
    assert_eq!((pages.page, pages.past_the_end), (1, Some(3)));
    let a = cluster("j-1AAAAAAAAAAAA", "a", Duration::hours(1));
    let shown = text(&status_list(
        &[view(&a, None)],
        &pages,
        &PolicyConfig::default(),
        now(),
        TOKYO,
    ));
    assert!(shown.contains("There is no page 3"), "{shown}");
    let many = StatusPages::of(85, 9);
    assert_eq!((many.page, many.pages, many.past_the_end), (3, 3, Some(9)));
    assert_eq!(StatusPages::of(85, 2).past_the_end, None);
}

fn group(id: &str, name: &str, role: InstanceRole) -> CapacityGroup {
    CapacityGroup {
        id: id.into(),
        name: Some(name.into()),
        role: Some(role),
        instance_type: "m5.xlarge".into(),
        requested: 2,
        running: 2,
        is_fleet: false,
        ebs: Vec::new(),
        spot: false,
    }
}

#[test]
fn groups_show_their_role_and_real_ids_and_names_only() {
    let c = cluster("j-1AAAAAAAAAAAA", "a", Duration::hours(1));
    let detail = ClusterDetail {
        summary: c,
        tags: Default::default(),
        release: None,
        applications: Vec::new(),
        termination_protected: false,
        auto_terminate_idle: None,
        groups: vec![
            // What the emulator reports: an instance-style id, legacy names.
            group("i-XN32ABCDEF012", "master", InstanceRole::Master),
            group("i-XN32ABCDEF013", "slave", InstanceRole::Core),
            // What EMR reports, with a name someone chose.
            group("ig-1ABC", "spark executors", InstanceRole::Task),
            group("ig-2ABC", "Core Instance Group", InstanceRole::Core),
        ],
        uses_fleets: false,
        availability_zone: None,
    };
    let shown = text(&cluster_detail(
        &detail,
        &DetailExtras::default(),
        now(),
        TOKYO,
    ));
    for line in [
        "• master · m5.xlarge · 2/2 running",
        "• core · m5.xlarge · 2/2 running",
        "• task `ig-1ABC` \\\"spark executors\\\" · m5.xlarge · 2/2 running",
        "• core `ig-2ABC` · m5.xlarge · 2/2 running",
    ] {
        assert!(shown.contains(line), "{line} in {shown}");
    }
    for legacy in ["slave", "i-XN32", "Core Instance Group"] {
        assert!(!shown.contains(legacy), "{legacy} in {shown}");
    }
}

#[test]
fn every_time_carries_its_zone() {
    let a = cluster("j-1AAAAAAAAAAAA", "a", Duration::hours(1));
    let lock = Lock {
        cluster: a.id.clone(),
        holder: "U1".into(),
        holder_display: "<@U1>".into(),
        since: now(),
        until: now() + Duration::hours(2),
        reason: None,
    };
    let fate = Fate::Terminates {
        at: now() + Duration::hours(3),
        rule: Rule::Idle,
        warn_at: Some(now() + Duration::minutes(170)),
    };
    let planned = text(&plan(
        &[PlanView {
            cluster: &a,
            lock: Some(&lock),
            fate,
            protected: false,
        }],
        &[],
        &PolicyConfig::default(),
        now(),
        TOKYO,
    ));
    // 05:00 UTC is 14:00 in Tokyo.
    for time in [
        "until Mon 16:00 JST",
        "at Mon 17:00 JST",
        "warned at Mon 16:50 JST",
    ] {
        assert!(planned.contains(time), "{time} in {planned}");
    }
    assert!(!planned.contains("Times in"), "{planned}");
    let mut locked = view(&a, None);
    locked.lock = Some(&lock);
    let status = text(&status_list(
        &[locked],
        &StatusPages::of(1, 1),
        &PolicyConfig::default(),
        now(),
        TOKYO,
    ));
    assert!(
        status.contains("held by <@U1> until Mon 16:00 JST"),
        "{status}"
    );
}

#[test]
fn every_figure_says_where_its_prices_came_from() {
    let a = cluster("j-1AAAAAAAAAAAA", "a", Duration::hours(2));
    let fallback = Rate {
        usd: 0.48,
        spot: true,
        sources: [
            (
                PriceSource::BuiltIn(Fallback::Unreachable),
                ["m5.xlarge".to_string()].into(),
            ),
            (PriceSource::Config, ["r5.xlarge".to_string()].into()),
        ]
        .into(),
        unpriced: vec!["x9.huge".into()],
    };
    // No instance records: the figure is the rate over the uptime, and says so.
    let mut v = view(&a, Some(fallback));
    v.spent = None;
    let shown = text(&status_list(
        &[v],
        &StatusPages::of(1, 1),
        &PolicyConfig::default(),
        now(),
        TOKYO,
    ));
    assert!(
        shown.contains(
            "≈ $0.96 so far ($0.48/h), at its current size, spot at on-demand prices, \
             without x9.huge (no price)"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "Prices: `[prices]` in the config for r5.xlarge; estimated from built-in prices: \
             the AWS price list could not be reached (m5.xlarge); \
             spot capacity at on-demand prices (an upper bound)."
        ),
        "{shown}"
    );
}
