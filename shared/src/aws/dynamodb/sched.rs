//! The scheduler's `SCHED` records as DynamoDB items (the table:
//! [`super::policy`]): decision keys carried out, warnings by when they went
//! out, the lock and unlock last seen, unreachable accounts, the version.

use super::policy::{GLOBAL_PK, KEEP, SCHED_SK};
use super::table::{cluster_pk, epoch, key, n, string, time, Item, TTL_ATTRIBUTE};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::policy::state::SchedRecord;
use emrbot_domain::policy::DecisionKey;

/// A `SCHED` item's version: one more on each write.
pub(super) const VERSION: &str = "version";

pub(super) fn sched_from(item: &Item) -> SchedRecord {
    SchedRecord {
        done: item
            .get("done")
            .and_then(|v| v.as_ss().ok())
            .map(|v| v.iter().filter_map(|k| decision_key(k)).collect())
            .unwrap_or_default(),
        warned: item
            .get("warned")
            .and_then(|v| v.as_m().ok())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| {
                        let secs = v.as_n().ok()?.parse().ok()?;
                        Some((decision_key(k)?, DateTime::from_timestamp(secs, 0)?))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        unreachable: item
            .get("unreachable")
            .and_then(|v| v.as_m().ok())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_s().ok()?.clone())))
                    .collect()
            })
            .unwrap_or_default(),
        lock_until: time(item, "lock_until"),
        unlock_seen: time(item, "unlock_seen"),
        version: n(item, VERSION)
            .and_then(|v| u64::try_from(v).ok())
            .unwrap_or(0),
    }
}

/// A stored decision key; one that does not parse (no version wrote such a
/// key) is left out, and said.
fn decision_key(text: &str) -> Option<DecisionKey> {
    text.parse()
        .map_err(|e: emrbot_domain::policy::NotAKey| tracing::warn!(error = %e, "a stored decision key is not one; left out"))
        .ok()
}

pub(super) fn sched_item(
    cluster: Option<&ClusterId>,
    record: &SchedRecord,
    now: DateTime<Utc>,
) -> Item {
    let pk = cluster
        .map(cluster_pk)
        .unwrap_or_else(|| GLOBAL_PK.to_string());
    let mut item = key(pk, SCHED_SK);
    let done = record.recent_done(now);
    if !done.is_empty() {
        let done = done.iter().map(ToString::to_string).collect();
        item.insert("done".into(), AttributeValue::Ss(done));
    }
    let warned = record.recent_warned(now);
    if !warned.is_empty() {
        let warned = warned
            .into_iter()
            .map(|(k, t)| (k.to_string(), epoch(t)))
            .collect();
        item.insert("warned".into(), AttributeValue::M(warned));
    }
    if !record.unreachable.is_empty() {
        let accounts = record
            .unreachable
            .iter()
            .map(|(k, v)| (k.clone(), string(v)))
            .collect();
        item.insert("unreachable".into(), AttributeValue::M(accounts));
    }
    if let Some(t) = record.lock_until {
        item.insert("lock_until".into(), epoch(t));
    }
    if let Some(t) = record.unlock_seen {
        item.insert("unlock_seen".into(), epoch(t));
    }
    item.insert(TTL_ATTRIBUTE.into(), epoch(now + KEEP));
    item.insert(
        VERSION.into(),
        AttributeValue::N((record.version + 1).to_string()),
    );
    item
}
