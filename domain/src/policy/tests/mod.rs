//! The policies' edge cases, one test each: shared helpers here, the rules
//! in `idle`, `end_of_day` and `report`.

pub(super) use super::*;
pub(super) use crate::duration::HumanDuration;
pub(super) use crate::emr::ClusterState;

pub(super) fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(super) fn policy() -> PolicyConfig {
    PolicyConfig {
        end_of_day: NaiveTime::from_hms_opt(19, 0, 0),
        daily_report: None,
        ..PolicyConfig::default()
    }
}

pub(super) fn facts(id: &str, created: &str) -> ClusterFacts {
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

pub(super) fn lock(id: &str, since: &str, until: &str) -> Lock {
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
pub(super) fn warned(c: &ClusterFacts, key: &str) -> ClusterFacts {
    let mut c = c.clone();
    c.state
        .warned
        .insert(key.parse().unwrap(), t("2026-01-01T00:00:00Z"));
    c
}

/// Every cluster of `all` warned for the end of day at `deadline`.
pub(super) fn warned_eod(all: &[ClusterFacts], deadline: &str) -> Vec<ClusterFacts> {
    all.iter()
        .map(|c| warned(c, &format!("warn:eod:{}:{deadline}", c.cluster.id)))
        .collect()
}

pub(super) fn run(
    clusters: &[ClusterFacts],
    policy: &PolicyConfig,
    tz: Tz,
    now: &str,
) -> Evaluation {
    run_sweep(clusters, policy, tz, Sweep::All, &BTreeSet::new(), now)
}

/// A `sweep` at `now` in `tz`, with these report keys already sent.
pub(super) fn run_sweep(
    clusters: &[ClusterFacts],
    policy: &PolicyConfig,
    tz: Tz,
    sweep: Sweep,
    global_done: &BTreeSet<DecisionKey>,
    now: &str,
) -> Evaluation {
    evaluate(
        clusters,
        &Inputs {
            policy,
            tz,
            now: t(now),
            sweep,
            global_done,
        },
    )
}

pub(super) fn kinds(e: &Evaluation) -> Vec<String> {
    e.decisions
        .iter()
        .map(|d| {
            d.key
                .to_string()
                .split(':')
                .take(2)
                .collect::<Vec<_>>()
                .join(":")
        })
        .collect()
}

pub(super) const TOKYO: Tz = chrono_tz::Asia::Tokyo;
pub(super) const NY: Tz = chrono_tz::America::New_York;

mod end_of_day;
mod idle;
mod plan;
mod report;
