//! What emrbot remembers between sweeps for its policies, as the scheduler
//! and the worker read and write it through [`crate::ports::policy`].

use crate::cluster::ClusterId;
use crate::policy::PolicyState;
use crate::report::AutoAction;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeSet;

/// Done keys end with a timestamp; older ones than this are dropped on write.
pub const KEEP_DONE: Duration = Duration::days(3);

/// What the scheduler keeps for one cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchedRecord {
    pub done: BTreeSet<String>,
    pub lock_until: Option<DateTime<Utc>>,
    pub unlock_seen: Option<DateTime<Utc>>,
    /// The exempt tag as last read (`exempt_tag=true`?), and when: tags are
    /// read again after [`TAGS_FRESH`].
    pub exempt: Option<(bool, DateTime<Utc>)>,
}

/// How long a read of a cluster's exempt tag is trusted.
pub const TAGS_FRESH: Duration = Duration::hours(1);

impl SchedRecord {
    /// The cached exempt tag, if read within [`TAGS_FRESH`] of `now`.
    pub fn exempt_at(&self, now: DateTime<Utc>) -> Option<bool> {
        self.exempt
            .filter(|(_, at)| *at <= now && now - *at < TAGS_FRESH)
            .map(|(e, _)| e)
    }
}

/// Both policy items of a cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stored {
    pub sched: SchedRecord,
    pub snoozed_at: Option<DateTime<Utc>>,
    pub snoozed_until: Option<DateTime<Utc>>,
    pub last_unlock: Option<DateTime<Utc>>,
}

impl Stored {
    /// The state the policy function reads (last unlock: recorded or noticed).
    pub fn state(&self) -> PolicyState {
        PolicyState {
            snoozed_at: self.snoozed_at,
            snoozed_until: self.snoozed_until,
            last_unlock: self.last_unlock.max(self.sched.unlock_seen),
            done: self.sched.done.clone(),
        }
    }
}

/// One write of the scheduler's bookkeeping.
pub enum Write {
    /// `None`: the global record.
    Sched {
        cluster: Option<ClusterId>,
        record: SchedRecord,
        now: DateTime<Utc>,
    },
    Auto(AutoAction),
}

impl SchedRecord {
    /// The done keys worth keeping at `now`: keys end with `…:<rfc3339>`, and
    /// those older than [`KEEP_DONE`] are dropped.
    pub fn recent_done(&self, now: DateTime<Utc>) -> Vec<String> {
        self.done
            .iter()
            .filter(|k| {
                let stamp = k.get(k.len().saturating_sub(20)..).unwrap_or("");
                DateTime::parse_from_rfc3339(stamp)
                    .map_or(true, |t| now - t.with_timezone(&Utc) < KEEP_DONE)
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_done_keys_are_dropped() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let done: BTreeSet<String> = [
            "term:idle:j-1:2026-11-23T09:00:00Z",
            "warn:idle:j-1:2026-11-01T09:00:00Z",
            "odd",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            SchedRecord {
                done,
                ..Default::default()
            }
            .recent_done(now),
            vec![
                "odd".to_string(),
                "term:idle:j-1:2026-11-23T09:00:00Z".to_string()
            ]
        );
    }
}
