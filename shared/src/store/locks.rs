//! Cluster locks ("I am using this"): the [`LockStore`] port and its DynamoDB
//! adapter. Item: `pk = CLUSTER#<id>`, `sk = LOCK`, with holder, since, until,
//! reason. Taking a lock is one conditional write, so exactly one of many
//! concurrent lockers wins.

use crate::cluster::ClusterId;
use crate::store::table::{batch_get, key, n, s, Item, StoreError, PK, TTL_ATTRIBUTE};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub const LOCK_SK: &str = "LOCK";

pub fn cluster_pk(id: &ClusterId) -> String {
    format!("CLUSTER#{id}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.until > now
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("held by {} until {}", .0.holder_display, .0.until)]
    HeldByOther(Box<Lock>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait LockStore: Send + Sync {
    /// The stored lock, expired or not (callers compare `until` with their now).
    async fn get(&self, cluster: &ClusterId) -> Result<Option<Lock>, StoreError>;
    /// Many locks in as few calls as the store allows.
    async fn get_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, Lock>, StoreError>;
    /// Takes or renews the lock: succeeds when there is none, it has expired, or
    /// `lock.holder` already holds it.
    async fn acquire(&self, lock: &Lock, now: DateTime<Utc>) -> Result<(), LockError>;
    /// Removes the lock if `holder` holds it (or any holder, when `None`: an
    /// admin). Returns the lock that was removed.
    async fn release(
        &self,
        cluster: &ClusterId,
        holder: Option<&str>,
    ) -> Result<Option<Lock>, LockError>;
}

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
    let pk = s(item, PK).ok_or_else(|| corrupt("no pk"))?;
    let id = pk
        .strip_prefix("CLUSTER#")
        .and_then(|id| ClusterId::parse(id).ok())
        .ok_or_else(|| corrupt("bad pk"))?;
    let time = |name: &str| {
        n(item, name)
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
            .ok_or_else(|| corrupt(name))
    };
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
        let item =
            crate::store::table::get(&self.client, &self.table, key(cluster_pk(cluster), LOCK_SK))
                .await?;
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
        item.insert("holder".into(), AttributeValue::S(lock.holder.clone()));
        item.insert(
            "holder_display".into(),
            AttributeValue::S(lock.holder_display.clone()),
        );
        item.insert(
            "since".into(),
            AttributeValue::N(lock.since.timestamp().to_string()),
        );
        item.insert(
            "until".into(),
            AttributeValue::N(lock.until.timestamp().to_string()),
        );
        // Expired locks are cleaned up by DynamoDB a day after they end.
        item.insert(
            TTL_ATTRIBUTE.into(),
            AttributeValue::N((lock.until.timestamp() + 86_400).to_string()),
        );
        if let Some(reason) = &lock.reason {
            item.insert("reason".into(), AttributeValue::S(reason.clone()));
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
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .expression_attribute_values(":holder", AttributeValue::S(lock.holder.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                match self.get(&lock.cluster).await? {
                    Some(current) => Err(LockError::HeldByOther(Box::new(current))),
                    // Released between our write and our read: let the caller retry.
                    None => Err(LockError::Store(StoreError::Transient(
                        "lock changed while taking it".into(),
                    ))),
                }
            }
            Err(err) => Err(StoreError::from_sdk("PutItem", err).into()),
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
                .expression_attribute_values(":holder", AttributeValue::S(holder.to_string()));
        }
        match request.send().await {
            Ok(out) => out
                .attributes()
                .map(|a| lock_from(a).map_err(LockError::from))
                .transpose(),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                match self.get(cluster).await? {
                    Some(current) => Err(LockError::HeldByOther(Box::new(current))),
                    None => Ok(None),
                }
            }
            Err(err) => Err(StoreError::from_sdk("DeleteItem", err).into()),
        }
    }
}
