//! Policy state in the one DynamoDB table (see docs/ARCHITECTURE.md):
//!
//! | pk | sk | attributes | written by |
//! |---|---|---|---|
//! | `CLUSTER#<id>` | `POLICY` | `snoozed_at`, `snoozed_until` (N, epoch s), `snoozed_by` (S), `last_unlock` (N), `expires_at` | the worker (`extend` on an unlocked cluster: [`PolicyStore::snooze`]; `unlock`: [`PolicyStore::record_unlock`]) |
//! | `CLUSTER#<id>` | `SCHED` | `done` (SS: decision keys carried out), `lock_until` (N: the lock last seen), `unlock_seen` (N: a lock seen to vanish), `exempt` (BOOL) + `exempt_at` (N: the exempt tag as last read), `expires_at` | the scheduler only |
//! | `SCHEDULER` | `SCHED` | `done` (SS: report keys) | the scheduler only |
//! | `SCHEDULER` | `AUTO#<rfc3339>#<id>` | `cluster`, `name`, `account`, `rule`, `reason`, `at` (N), `expires_at` | the scheduler: each automatic termination it requested, for the daily report |
//!
//! `SCHED` items have a single writer, so they are written whole with
//! BatchWriteItem (25 a call); reads are BatchGetItem (100 keys a call).

use crate::cluster::ClusterId;
use crate::policy::{stamp, PolicyState};
use crate::store::locks::cluster_pk;
use crate::store::table::{batch_get, key, n, s, Item, StoreError, PK, SK, TTL_ATTRIBUTE};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};
use std::collections::{BTreeSet, HashMap};

pub const POLICY_SK: &str = "POLICY";
pub const SCHED_SK: &str = "SCHED";
pub const GLOBAL_PK: &str = "SCHEDULER";
const AUTO_PREFIX: &str = "AUTO#";
/// Policy items outlive their cluster by this much.
const KEEP: Duration = Duration::days(7);
/// Done keys end with a timestamp; older ones than this are dropped on write.
const KEEP_DONE: Duration = Duration::days(3);

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

/// An automatic termination the scheduler requested.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AutoAction {
    pub at: DateTime<Utc>,
    pub cluster: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub rule: String,
    pub reason: String,
}

pub enum Write {
    /// `None`: the global record.
    Sched {
        cluster: Option<ClusterId>,
        record: SchedRecord,
        now: DateTime<Utc>,
    },
    Auto(AutoAction),
}

#[async_trait]
pub trait PolicyStore: Send + Sync {
    async fn load_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, Stored>, StoreError>;
    async fn load_global(&self) -> Result<SchedRecord, StoreError>;
    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError>;
    /// `extend` on an unlocked cluster: no automatic termination before `until`.
    async fn snooze(
        &self,
        cluster: &ClusterId,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
        by: &str,
    ) -> Result<(), StoreError>;
    /// A lock was released: the unlocked grace period starts again from `at`.
    async fn record_unlock(&self, cluster: &ClusterId, at: DateTime<Utc>)
        -> Result<(), StoreError>;
    /// Automatic terminations requested in `[since, until)`.
    async fn automatic_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<AutoAction>, StoreError>;
}

pub struct DynamoPolicyStore {
    client: Client,
    table: String,
}

impl DynamoPolicyStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        batch_get(&self.client, &self.table, keys).await
    }
}

fn time(item: &Item, name: &str) -> Option<DateTime<Utc>> {
    n(item, name).and_then(|secs| DateTime::from_timestamp(secs, 0))
}

fn num(t: DateTime<Utc>) -> AttributeValue {
    AttributeValue::N(t.timestamp().to_string())
}

fn sched_from(item: &Item) -> SchedRecord {
    SchedRecord {
        done: item
            .get("done")
            .and_then(|v| v.as_ss().ok())
            .map(|v| v.iter().cloned().collect())
            .unwrap_or_default(),
        lock_until: time(item, "lock_until"),
        unlock_seen: time(item, "unlock_seen"),
        exempt: item
            .get("exempt")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .zip(time(item, "exempt_at")),
    }
}

/// Keys end with `…:<rfc3339>`; keeps those newer than `KEEP_DONE`.
fn recent(done: &BTreeSet<String>, now: DateTime<Utc>) -> Vec<String> {
    done.iter()
        .filter(|k| {
            let stamp = k.get(k.len().saturating_sub(20)..).unwrap_or("");
            DateTime::parse_from_rfc3339(stamp)
                .map_or(true, |t| now - t.with_timezone(&Utc) < KEEP_DONE)
        })
        .cloned()
        .collect()
}

fn sched_item(cluster: Option<&ClusterId>, record: &SchedRecord, now: DateTime<Utc>) -> Item {
    let pk = cluster
        .map(cluster_pk)
        .unwrap_or_else(|| GLOBAL_PK.to_string());
    let mut item = key(pk, SCHED_SK);
    let done = recent(&record.done, now);
    if !done.is_empty() {
        item.insert("done".into(), AttributeValue::Ss(done));
    }
    if let Some(t) = record.lock_until {
        item.insert("lock_until".into(), num(t));
    }
    if let Some(t) = record.unlock_seen {
        item.insert("unlock_seen".into(), num(t));
    }
    if let Some((exempt, at)) = record.exempt {
        item.insert("exempt".into(), AttributeValue::Bool(exempt));
        item.insert("exempt_at".into(), num(at));
    }
    item.insert(TTL_ATTRIBUTE.into(), num(now + KEEP));
    item
}

fn auto_item(a: &AutoAction) -> Item {
    let mut item = key(
        GLOBAL_PK.to_string(),
        &format!("{AUTO_PREFIX}{}#{}", stamp(a.at), a.cluster),
    );
    item.insert("at".into(), num(a.at));
    item.insert("cluster".into(), AttributeValue::S(a.cluster.clone()));
    item.insert("name".into(), AttributeValue::S(a.name.clone()));
    if let Some(account) = &a.account {
        item.insert("account".into(), AttributeValue::S(account.clone()));
    }
    item.insert("rule".into(), AttributeValue::S(a.rule.clone()));
    item.insert("reason".into(), AttributeValue::S(a.reason.clone()));
    item.insert(TTL_ATTRIBUTE.into(), num(a.at + KEEP));
    item
}

#[async_trait]
impl PolicyStore for DynamoPolicyStore {
    async fn load_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, Stored>, StoreError> {
        let keys = clusters
            .iter()
            .flat_map(|c| [key(cluster_pk(c), POLICY_SK), key(cluster_pk(c), SCHED_SK)])
            .collect();
        let mut out: HashMap<ClusterId, Stored> = HashMap::new();
        for item in self.batch_get(keys).await? {
            let Some(id) = s(&item, PK).and_then(|pk| {
                pk.strip_prefix("CLUSTER#")
                    .and_then(|i| ClusterId::parse(i).ok())
            }) else {
                continue;
            };
            let entry = out.entry(id).or_default();
            match s(&item, SK).as_deref() {
                Some(SCHED_SK) => entry.sched = sched_from(&item),
                Some(POLICY_SK) => {
                    entry.snoozed_at = time(&item, "snoozed_at");
                    entry.snoozed_until = time(&item, "snoozed_until");
                    entry.last_unlock = time(&item, "last_unlock");
                }
                _ => {}
            }
        }
        Ok(out)
    }

    async fn load_global(&self) -> Result<SchedRecord, StoreError> {
        let item =
            crate::store::table::get(&self.client, &self.table, key(GLOBAL_PK.into(), SCHED_SK))
                .await?;
        Ok(item.as_ref().map(sched_from).unwrap_or_default())
    }

    async fn write(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let items: Vec<Item> = writes
            .iter()
            .map(|w| match w {
                Write::Sched {
                    cluster,
                    record,
                    now,
                } => sched_item(cluster.as_ref(), record, *now),
                Write::Auto(a) => auto_item(a),
            })
            .collect();
        for chunk in items.chunks(25) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    WriteRequest::builder()
                        .put_request(
                            PutRequest::builder()
                                .set_item(Some(item.clone()))
                                .build()
                                .expect("item set"),
                        )
                        .build()
                })
                .collect();
            for attempt in 0..5 {
                if pending.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending.clone())
                    .send()
                    .await
                    .map_err(|e| StoreError::from_sdk("BatchWriteItem", e))?;
                pending = out
                    .unprocessed_items()
                    .and_then(|u| u.get(&self.table))
                    .cloned()
                    .unwrap_or_default();
            }
            if !pending.is_empty() {
                return Err(StoreError::Transient(
                    "BatchWriteItem left items unprocessed".into(),
                ));
            }
        }
        Ok(())
    }

    async fn snooze(
        &self,
        cluster: &ClusterId,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
        by: &str,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(cluster_pk(cluster), POLICY_SK)))
            .update_expression(
                "SET snoozed_at = :at, snoozed_until = :until, snoozed_by = :by, #ttl = :ttl",
            )
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":at", num(at))
            .expression_attribute_values(":until", num(until))
            .expression_attribute_values(":by", AttributeValue::S(by.to_string()))
            .expression_attribute_values(":ttl", num(until.max(at) + KEEP))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("UpdateItem", e))?;
        Ok(())
    }

    async fn record_unlock(
        &self,
        cluster: &ClusterId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(cluster_pk(cluster), POLICY_SK)))
            .update_expression("SET last_unlock = :at, #ttl = :ttl")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":at", num(at))
            .expression_attribute_values(":ttl", num(at + KEEP))
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("UpdateItem", e))?;
        Ok(())
    }

    async fn automatic_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<AutoAction>, StoreError> {
        let pages: Vec<Item> = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", AttributeValue::S(GLOBAL_PK.into()))
            .expression_attribute_values(
                ":from",
                AttributeValue::S(format!("{AUTO_PREFIX}{}", stamp(since))),
            )
            .expression_attribute_values(
                ":to",
                AttributeValue::S(format!("{AUTO_PREFIX}{}", stamp(until))),
            )
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| StoreError::from_sdk("Query", e))?;
        Ok(pages
            .iter()
            .filter_map(|item| {
                Some(AutoAction {
                    at: time(item, "at")?,
                    cluster: s(item, "cluster")?,
                    name: s(item, "name").unwrap_or_default(),
                    account: s(item, "account"),
                    rule: s(item, "rule").unwrap_or_default(),
                    reason: s(item, "reason").unwrap_or_default(),
                })
            })
            .collect())
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
            recent(&done, now),
            vec![
                "odd".to_string(),
                "term:idle:j-1:2026-11-23T09:00:00Z".to_string()
            ]
        );
    }
}
