//! Policy state in the one DynamoDB table (see docs/ARCHITECTURE.md):
//!
//! | pk | sk | attributes | written by |
//! |---|---|---|---|
//! | `CLUSTER#<id>` | `POLICY` | `last_unlock` (N, epoch s), `expires_at` | the worker (`unlock`: [`UnlockRecorder::record_unlock`]) |
//! | `CLUSTER#<id>` | `SCHED` | `done` (SS: decision keys carried out), `lock_until` (N: the lock last seen), `unlock_seen` (N: a lock seen to vanish), `version` (N), `expires_at` | the scheduler only |
//! | `SCHEDULER` | `SCHED` | `done` (SS: report keys) | the scheduler only |
//! | `REPORTS` | `AUTO#<rfc3339>#<id>` | `cluster`, `name`, `account`, `rule`, `reason`, `at` (N), `expires_at` | the scheduler: each automatic termination it requested, for the daily and savings reports |
//! | `REPORTS` | `KEPT#<rfc3339>#<id>` | `cluster`, `name`, `account`, `by` (JSON: a lock's holder and end, or the tag), `at` (N: the end of day), `expires_at` | the scheduler: each cluster an end of day passed over, for the savings report |
//!
//! The records the reports read are in their own partition, `REPORTS`: the
//! worker may read it (`plan`'s neighbour, the Home tab, shows the week's
//! savings) but never the scheduler's own `SCHEDULER` record.
//!
//! `SCHED` items also carry `version` (N): each is written whole, on the
//! condition that its version is still the one read, so overlapping sweeps
//! cannot overwrite each other; the loser merges and writes again. They and
//! the `AUTO#` records go in TransactWriteItems, 100 items a call. Reads are
//! BatchGetItem (100 keys a call).

use super::sched::{sched_from, sched_item, VERSION};
use super::table::{
    batch_get, cluster_of, cluster_pk, epoch, get, key, s, store_error, string, time, Item, PK, SK,
    TTL_ATTRIBUTE,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, Utc};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::policy::stamp;
use emrbot_domain::policy::state::{SchedRecord, Stored, Write};
use emrbot_domain::ports::policy::{Conflict, PolicyRecords, UnlockRecorder};
use emrbot_domain::ports::StoreError;
use emrbot_domain::report::{AutoAction, KeptAction};
use std::collections::HashMap;

pub const POLICY_SK: &str = "POLICY";
pub const SCHED_SK: &str = "SCHED";
pub const GLOBAL_PK: &str = "SCHEDULER";
/// The partition of the AUTO# and KEPT# records.
pub const RECORDS_PK: &str = "REPORTS";
const AUTO_PREFIX: &str = "AUTO#";
const KEPT_PREFIX: &str = "KEPT#";
/// Policy items outlive their cluster by this much.
pub(super) const KEEP: Duration = Duration::days(7);
/// The records the reports read: a weekly report, up to a day late, reads a week back.
const KEEP_RECORDS: Duration = Duration::days(15);

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
}

/// A put of `item` on the condition that nobody wrote it since `version`.
fn versioned_put(table: &str, item: Item, version: u64) -> TransactWriteItem {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .expression_attribute_names("#v", VERSION);
    let put = if version == 0 {
        put.condition_expression("attribute_not_exists(#v)")
    } else {
        put.condition_expression("#v = :v")
            .expression_attribute_values(":v", AttributeValue::N(version.to_string()))
    };
    TransactWriteItem::builder()
        .put(put.build().expect("table and item are set"))
        .build()
}

fn plain_put(table: &str, item: Item) -> TransactWriteItem {
    let put = Put::builder().table_name(table).set_item(Some(item));
    TransactWriteItem::builder()
        .put(put.build().expect("table and item are set"))
        .build()
}

/// A report record `<prefix><at>#<cluster>` with the attributes every record has.
fn record_item(
    prefix: &str,
    at: DateTime<Utc>,
    cluster: &str,
    name: &str,
    account: Option<&String>,
) -> Item {
    let mut item = key(
        RECORDS_PK.to_string(),
        &format!("{prefix}{}#{cluster}", stamp(at)),
    );
    item.insert("at".into(), epoch(at));
    item.insert("cluster".into(), string(cluster));
    item.insert("name".into(), string(name));
    if let Some(account) = account {
        item.insert("account".into(), string(account.clone()));
    }
    item.insert(TTL_ATTRIBUTE.into(), epoch(at + KEEP_RECORDS));
    item
}

fn auto_item(a: &AutoAction) -> Item {
    let mut item = record_item(AUTO_PREFIX, a.at, &a.cluster, &a.name, a.account.as_ref());
    item.insert("rule".into(), string(a.rule.to_string()));
    item.insert("reason".into(), string(a.reason.clone()));
    item
}

fn kept_item(k: &KeptAction) -> Item {
    let mut item = record_item(KEPT_PREFIX, k.at, &k.cluster, &k.name, k.account.as_ref());
    let by = serde_json::to_string(&k.by).expect("KeptBy serializes");
    item.insert("by".into(), string(by));
    item
}

impl DynamoPolicyStore {
    /// Writes the puts in one transaction. When some conditions fail, the
    /// whole transaction is cancelled: the others are written again without
    /// them, and those are returned.
    async fn transact(
        &self,
        mut puts: Vec<(Option<Conflict>, TransactWriteItem)>,
    ) -> Result<Vec<Conflict>, StoreError> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        let mut conflicts = Vec::new();
        while !puts.is_empty() {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(puts.iter().map(|(_, p)| p.clone()).collect()))
                .send()
                .await;
            let err = match result {
                Ok(_) => break,
                Err(err) => err,
            };
            let reasons: Vec<bool> = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(e)) => e
                    .cancellation_reasons()
                    .iter()
                    .map(|r| r.code() == Some("ConditionalCheckFailed"))
                    .collect(),
                _ => Vec::new(),
            };
            if reasons.len() != puts.len() || !reasons.contains(&true) {
                return Err(store_error("TransactWriteItems", err));
            }
            let (lost, rest): (Vec<_>, Vec<_>) = puts
                .into_iter()
                .zip(reasons)
                .partition(|(_, conflicted)| *conflicted);
            conflicts.extend(lost.into_iter().filter_map(|((who, _), _)| who));
            puts = rest.into_iter().map(|(put, _)| put).collect();
        }
        Ok(conflicts)
    }
}

#[async_trait]
impl PolicyRecords for DynamoPolicyStore {
    async fn load_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, Stored>, StoreError> {
        let keys = clusters
            .iter()
            .flat_map(|c| [key(cluster_pk(c), POLICY_SK), key(cluster_pk(c), SCHED_SK)])
            .collect();
        let mut out: HashMap<ClusterId, Stored> = HashMap::new();
        for item in batch_get(&self.client, &self.table, keys).await? {
            let Some(id) = cluster_of(&item) else {
                continue;
            };
            let entry = out.entry(id).or_default();
            match s(&item, SK).as_deref() {
                Some(SCHED_SK) => entry.sched = sched_from(&item),
                Some(POLICY_SK) => {
                    entry.last_unlock = time(&item, "last_unlock");
                }
                _ => {}
            }
        }
        Ok(out)
    }

    async fn load_global(&self) -> Result<SchedRecord, StoreError> {
        let item = get(&self.client, &self.table, key(GLOBAL_PK.into(), SCHED_SK)).await?;
        Ok(item.as_ref().map(sched_from).unwrap_or_default())
    }

    async fn write(&self, writes: Vec<Write>) -> Result<Vec<Conflict>, StoreError> {
        // `None`: an AUTO or KEPT record (a new key each time: no condition).
        let puts: Vec<(Option<Conflict>, TransactWriteItem)> = writes
            .into_iter()
            .map(|w| match w {
                Write::Sched {
                    cluster,
                    record,
                    now,
                } => {
                    let item = sched_item(cluster.as_ref(), &record, now);
                    (
                        Some(cluster),
                        versioned_put(&self.table, item, record.version),
                    )
                }
                Write::Auto(a) => (None, plain_put(&self.table, auto_item(&a))),
                Write::Kept(k) => (None, plain_put(&self.table, kept_item(&k))),
            })
            .collect();
        let mut conflicts = Vec::new();
        for chunk in puts.chunks(100) {
            conflicts.extend(self.transact(chunk.to_vec()).await?);
        }
        Ok(conflicts)
    }

    async fn automatic_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<AutoAction>, StoreError> {
        let items = self.records_between(AUTO_PREFIX, since, until).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                Some(AutoAction {
                    at: time(item, "at")?,
                    cluster: s(item, "cluster")?,
                    name: s(item, "name").unwrap_or_default(),
                    account: s(item, "account"),
                    // Only this code writes these records: every rule in them parses.
                    rule: s(item, "rule")?.parse().ok()?,
                    reason: s(item, "reason").unwrap_or_default(),
                })
            })
            .collect())
    }

    async fn kept_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<KeptAction>, StoreError> {
        let items = self.records_between(KEPT_PREFIX, since, until).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                Some(KeptAction {
                    at: time(item, "at")?,
                    cluster: s(item, "cluster")?,
                    name: s(item, "name").unwrap_or_default(),
                    account: s(item, "account"),
                    by: serde_json::from_str(&s(item, "by")?).ok()?,
                })
            })
            .collect())
    }
}

impl DynamoPolicyStore {
    /// The scheduler's `<prefix><rfc3339>#<id>` records from `since` to `until`, oldest first.
    async fn records_between(
        &self,
        prefix: &str,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<Item>, StoreError> {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", string(RECORDS_PK))
            .expression_attribute_values(":from", string(format!("{prefix}{}", stamp(since))))
            .expression_attribute_values(":to", string(format!("{prefix}{}", stamp(until))))
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| store_error("Query", e))
    }
}

#[async_trait]
impl UnlockRecorder for DynamoPolicyStore {
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
            .expression_attribute_values(":at", epoch(at))
            .expression_attribute_values(":ttl", epoch(at + KEEP))
            .send()
            .await
            .map_err(|e| store_error("UpdateItem", e))?;
        Ok(())
    }

    async fn last_unlock(&self, cluster: &ClusterId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let item = get(
            &self.client,
            &self.table,
            key(cluster_pk(cluster), POLICY_SK),
        )
        .await?;
        Ok(item.as_ref().and_then(|i| time(i, "last_unlock")))
    }
}
