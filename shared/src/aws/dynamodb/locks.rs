//! Cluster locks ("I am using this"): the [`LockStore`] port and its DynamoDB
//! adapter. Item: `pk = CLUSTER#<id>`, `sk = LOCK`, with holder, since, until,
//! reason. Taking a lock is one conditional write, so exactly one of many
//! concurrent lockers wins.

use super::table::{
    batch_get, cluster_of, cluster_pk, epoch, get, is_condition_failure, key, s, store_error,
    string, time, Item, PK, TTL_ATTRIBUTE,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::lock::Lock;
use emrbot_domain::ports::locks::{LockError, LockStore};
use emrbot_domain::ports::StoreError;
use std::collections::HashMap;

pub const LOCK_SK: &str = "LOCK";

pub struct DynamoLockStore {
    client: Client,
    table: String,
}

impl DynamoLockStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn lock_from(item: &Item) -> Result<Lock, StoreError> {
    let corrupt = |problem: &str| StoreError::Corrupt {
        key: s(item, PK).unwrap_or_default(),
        problem: problem.into(),
    };
    let id = cluster_of(item).ok_or_else(|| corrupt("pk"))?;
    let time = |name: &str| time(item, name).ok_or_else(|| corrupt(name));
    Ok(Lock {
        cluster: id,
        holder: s(item, "holder").ok_or_else(|| corrupt("holder"))?,
        holder_display: s(item, "holder_display").unwrap_or_default(),
        since: time("since")?,
        until: time("until")?,
        reason: s(item, "reason"),
    })
}

#[async_trait]
impl LockStore for DynamoLockStore {
    async fn get(&self, cluster: &ClusterId) -> Result<Option<Lock>, StoreError> {
        let item = get(&self.client, &self.table, key(cluster_pk(cluster), LOCK_SK)).await?;
        item.as_ref().map(lock_from).transpose()
    }

    async fn get_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, Lock>, StoreError> {
        let keys = clusters
            .iter()
            .map(|c| key(cluster_pk(c), LOCK_SK))
            .collect();
        let mut found = HashMap::new();
        for item in batch_get(&self.client, &self.table, keys).await? {
            let lock = lock_from(&item)?;
            found.insert(lock.cluster.clone(), lock);
        }
        Ok(found)
    }

    async fn acquire(&self, lock: &Lock, now: DateTime<Utc>) -> Result<(), LockError> {
        let mut item = key(cluster_pk(&lock.cluster), LOCK_SK);
        item.insert("holder".into(), string(&lock.holder));
        item.insert("holder_display".into(), string(&lock.holder_display));
        item.insert("since".into(), epoch(lock.since));
        item.insert("until".into(), epoch(lock.until));
        // Expired locks are cleaned up by DynamoDB a day after they end.
        item.insert(
            TTL_ATTRIBUTE.into(),
            epoch(lock.until + chrono::Duration::days(1)),
        );
        if let Some(reason) = &lock.reason {
            item.insert("reason".into(), string(reason));
        }
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(#pk) OR #until <= :now OR #holder = :holder",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#until", "until")
            .expression_attribute_names("#holder", "holder")
            .expression_attribute_values(":now", epoch(now))
            .expression_attribute_values(":holder", string(&lock.holder))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => {
                match self.get(&lock.cluster).await? {
                    Some(current) => Err(LockError::HeldByOther(Box::new(current))),
                    // Released between our write and our read: let the caller retry.
                    None => Err(LockError::Store(StoreError::Transient(
                        "lock changed while taking it".into(),
                    ))),
                }
            }
            Err(err) => Err(store_error("PutItem", err).into()),
        }
    }

    async fn release(
        &self,
        cluster: &ClusterId,
        holder: Option<&str>,
    ) -> Result<Option<Lock>, LockError> {
        let mut request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(cluster_pk(cluster), LOCK_SK)))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld);
        if let Some(holder) = holder {
            request = request
                .condition_expression("attribute_not_exists(#pk) OR #holder = :holder")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#holder", "holder")
                .expression_attribute_values(":holder", string(holder));
        }
        match request.send().await {
            Ok(out) => out
                .attributes()
                .map(|a| lock_from(a).map_err(LockError::from))
                .transpose(),
            Err(err) if is_condition_failure(&err) => match self.get(cluster).await? {
                Some(current) => Err(LockError::HeldByOther(Box::new(current))),
                None => Ok(None),
            },
            Err(err) => Err(store_error("DeleteItem", err).into()),
        }
    }
}
