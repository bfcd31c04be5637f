//! What emrbot remembers between sweeps for its policies, as the scheduler
//! and the worker read and write it through [`crate::ports::policy`].

use crate::cluster::ClusterId;
use crate::policy::{DecisionKey, PolicyState};
use crate::report::{AutoAction, KeptAction};
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Done keys end with an instant; older ones than this are dropped on write.
pub const KEEP_DONE: Duration = Duration::days(3);

/// What the scheduler keeps for one cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchedRecord {
    pub done: BTreeSet<DecisionKey>,
    /// When each warning went out, by its decision key.
    pub warned: BTreeMap<DecisionKey, DateTime<Utc>>,
    pub lock_until: Option<DateTime<Utc>>,
    pub unlock_seen: Option<DateTime<Utc>>,
    /// The global record only: accounts that could not be reached, with
    /// the problem last announced (a notice goes out when this changes).
    pub unreachable: BTreeMap<String, String>,
    /// The version of the stored item this record was read from (0: none
    /// stored). A write succeeds only if the item is still at this version,
    /// so two overlapping sweeps cannot overwrite each other's records.
    pub version: u64,
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
            warned: self.sched.warned.clone(),
        }
    }
}

fn is_recent(key: &DecisionKey, now: DateTime<Utc>) -> bool {
    now - key.stamp() < KEEP_DONE
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
    Kept(KeptAction),
}

impl SchedRecord {
    /// The done keys worth keeping at `now`: those older than [`KEEP_DONE`]
    /// are dropped, except the latest idle alert's (its idle spell may last
    /// longer: one alert per spell).
    pub fn recent_done(&self, now: DateTime<Utc>) -> Vec<DecisionKey> {
        let latest_alert = self
            .done
            .iter()
            .filter(|k| k.is_idle_alert())
            .max_by_key(|k| k.stamp());
        self.done
            .iter()
            .filter(|k| Some(*k) == latest_alert || is_recent(k, now))
            .cloned()
            .collect()
    }
}

impl SchedRecord {
    /// The warnings worth remembering at `now` (as long as their keys).
    pub fn recent_warned(&self, now: DateTime<Utc>) -> BTreeMap<DecisionKey, DateTime<Utc>> {
        self.warned
            .iter()
            .filter(|(k, _)| is_recent(k, now))
            .map(|(k, t)| (k.clone(), *t))
            .collect()
    }
}

impl SchedRecord {
    /// This record written over `theirs`, which another sweep stored since
    /// this one was read: nothing either of them carried out is lost (done
    /// keys and warnings are unions; a warning keeps its first time), the
    /// latest observations win, and the version is theirs.
    pub fn merged_into(self, theirs: SchedRecord) -> SchedRecord {
        let mut warned = theirs.warned;
        for (key, at) in self.warned {
            let first = warned.get(&key).map_or(at, |t| (*t).min(at));
            warned.insert(key, first);
        }
        SchedRecord {
            done: theirs.done.union(&self.done).cloned().collect(),
            warned,
            lock_until: self.lock_until,
            unlock_seen: self.unlock_seen.max(theirs.unlock_seen),
            unreachable: self.unreachable,
            version: theirs.version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> DecisionKey {
        text.parse().unwrap()
    }

    #[test]
    fn done_keys_older_than_three_days_are_dropped_but_the_spells_alert_is_kept() {
        let now = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let done: BTreeSet<DecisionKey> = [
            "term:idle:j-1:2026-11-23T09:00:00Z",
            "warn:idle:j-1:2026-11-01T09:00:00Z",
            "alert:j-1:2026-10-01T09:00:00Z",
            "alert:j-1:2026-10-20T09:00:00Z",
        ]
        .map(key)
        .into();
        let mut kept = SchedRecord {
            done,
            ..Default::default()
        }
        .recent_done(now);
        kept.sort();
        let mut expected = vec![
            key("alert:j-1:2026-10-20T09:00:00Z"),
            key("term:idle:j-1:2026-11-23T09:00:00Z"),
        ];
        expected.sort();
        assert_eq!(
            kept, expected,
            "the current spell's alert lives as long as the spell"
        );
    }

    #[test]
    fn a_merge_keeps_what_both_sweeps_did() {
        let t = |h: u32| {
            DateTime::parse_from_rfc3339(&format!("2026-11-23T{h:02}:00:00Z"))
                .unwrap()
                .with_timezone(&Utc)
        };
        let warning = key("warn:idle:j-1:2026-11-23T12:00:00Z");
        let alert = key("alert:j-1:2026-11-23T08:00:00Z");
        let ours = SchedRecord {
            done: [warning.clone()].into(),
            warned: [(warning.clone(), t(10))].into(),
            lock_until: None,
            unlock_seen: Some(t(8)),
            version: 3,
            ..Default::default()
        };
        let theirs = SchedRecord {
            done: [alert.clone(), warning.clone()].into(),
            warned: [(warning.clone(), t(9))].into(),
            lock_until: Some(t(12)),
            unlock_seen: Some(t(9)),
            version: 4,
            ..Default::default()
        };
        let merged = ours.merged_into(theirs);
        assert_eq!(merged.done, [alert, warning.clone()].into());
        assert_eq!(
            merged.warned[&warning],
            t(9),
            "a warning keeps its first time"
        );
        assert_eq!(merged.unlock_seen, Some(t(9)));
        assert_eq!(
            merged.lock_until, None,
            "the later sweep's view of the lock"
        );
        assert_eq!(merged.version, 4, "written over their version");
    }
}
