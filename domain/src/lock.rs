//! Cluster locks: "I am using this".

use crate::cluster::ClusterId;
use crate::duration::HumanDuration;
use crate::message::Requester;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Lock {
    pub cluster: ClusterId,
    /// A Slack user id, or `service:<name>`.
    pub holder: String,
    /// How to show the holder (`<@U123>`, "service `etl`").
    pub holder_display: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub reason: Option<String>,
}

impl Lock {
    /// A lock `requester` takes on `cluster` at `now` for `duration`.
    pub fn taken(
        requester: &Requester,
        cluster: ClusterId,
        now: DateTime<Utc>,
        duration: HumanDuration,
        reason: Option<String>,
    ) -> Lock {
        Lock {
            cluster,
            holder: holder_id(requester),
            holder_display: requester.display(),
            since: now,
            until: now + duration.to_chrono(),
            reason,
        }
    }

    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.until > now
    }
}

/// The lock holder id of a requester: a Slack user id, `service:<name>`, `scheduler:<rule>`.
pub fn holder_id(r: &Requester) -> String {
    match r {
        Requester::Slack { user_id, .. } => user_id.clone(),
        Requester::Service { name } => format!("service:{name}"),
        Requester::Scheduler { rule } => format!("scheduler:{rule}"),
    }
}
