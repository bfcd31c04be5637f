//! The rules of the commands that change something, one sentence each. They
//! need no AWS: the facts are values, and so are the outcomes.

pub(super) use crate::cluster::ClusterId;
pub(super) use crate::config::Preset;
pub(super) use crate::decide::launch;
pub(super) use crate::decide::lock::{self, Unlocked};
pub(super) use crate::decide::resize::{self, Limits};
pub(super) use crate::decide::terminate::{self, Effect};
pub(super) use crate::decide::Asker;
pub(super) use crate::duration::HumanDuration;
pub(super) use crate::emr::{
    CapacityGroup, ClusterState, ClusterSummary, InstanceRole, TAG_PRESET, TAG_REQUEST,
};
pub(super) use crate::lock::Lock;
pub(super) use crate::message::{MessageId, Requester};
pub(super) use crate::refusal::Refusal;
pub(super) use crate::rule::{Job, Rule};
pub(super) use chrono::{DateTime, Duration, Utc};
pub(super) use std::collections::{BTreeMap, HashMap};

pub(super) fn now() -> DateTime<Utc> {
    "2026-12-07T10:00:00Z".parse().unwrap()
}

pub(super) fn user(id: &str) -> Requester {
    Requester::Slack {
        user_id: id.into(),
        user_name: Some(id.to_lowercase()),
        channel_id: "C1".into(),
        team_id: None,
    }
}

pub(super) fn scheduler() -> Requester {
    Requester::Scheduler {
        rule: Job::Rule(Rule::Idle),
    }
}

pub(super) fn asker(r: &Requester) -> Asker<'_> {
    Asker {
        requester: r,
        is_admin: false,
    }
}

pub(super) fn admin(r: &Requester) -> Asker<'_> {
    Asker {
        requester: r,
        is_admin: true,
    }
}

pub(super) fn id() -> ClusterId {
    ClusterId::parse("j-1ABC").unwrap()
}

pub(super) fn cluster(name: &str, id: &str, account: Option<&str>) -> ClusterSummary {
    ClusterSummary {
        id: ClusterId::parse(id).unwrap(),
        name: name.into(),
        state: ClusterState::Waiting,
        account: account.map(str::to_string),
        created_at: None,
        ready_at: None,
        ended_at: None,
        normalized_instance_hours: None,
        state_reason: None,
    }
}

pub(super) fn hours(h: u64) -> HumanDuration {
    format!("{h}h").parse().unwrap()
}

/// `holder`'s lock on the cluster, ending `left` from now.
pub(super) fn lock_of(holder: &Requester, left: Duration) -> Lock {
    let mut l = Lock::taken(holder, id(), now() - Duration::hours(1), hours(1), None);
    l.until = now() + left;
    l
}

mod launches;
mod locks;
mod resizes;
mod terminations;
