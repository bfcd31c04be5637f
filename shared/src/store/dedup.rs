//! Exactly-once effects: every queue message id is claimed here before the
//! worker acts. Item: `pk = MSG#<id>`, `sk = DEDUP`, `status` (`in_progress` |
//! `done`), `owner` (one handling's random id), `lease_until` (epoch s),
//! `expires_at` (TTL, 7 days). A claim is one conditional put: it succeeds when
//! the id is new or a previous handler's lease has run out (it crashed).

use crate::store::table::{key, n, s, StoreError, PK, TTL_ATTRIBUTE};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

pub const DEDUP_SK: &str = "DEDUP";
/// How long a processed id is remembered (longer than any SQS retention).
pub const REMEMBER_SECS: i64 = 7 * 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Ours: act, then [`DedupStore::complete`].
    Acquired,
    /// Already done by someone: do nothing, say nothing.
    Done,
    /// Another handler holds a live lease on it right now.
    InProgress,
}

#[async_trait]
pub trait DedupStore: Send + Sync {
    async fn claim(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_secs: i64,
    ) -> Result<Claim, StoreError>;
    /// Marks the id done (only if `owner` still holds it).
    async fn complete(&self, id: &str, owner: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Gives the claim up after a transient failure, so the retry may act at once.
    async fn abandon(&self, id: &str, owner: &str) -> Result<(), StoreError>;
}

pub struct DynamoDedupStore {
    client: Client,
    table: String,
}

impl DynamoDedupStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn pk(id: &str) -> String {
    format!("MSG#{id}")
}

fn is_condition_failure<E: aws_sdk_dynamodb::error::ProvideErrorMetadata>(
    err: &aws_sdk_dynamodb::error::SdkError<E, aws_sdk_dynamodb::config::http::HttpResponse>,
) -> bool {
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    err.code() == Some("ConditionalCheckFailedException")
}

#[async_trait]
impl DedupStore for DynamoDedupStore {
    async fn claim(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_secs: i64,
    ) -> Result<Claim, StoreError> {
        let mut item = key(pk(id), DEDUP_SK);
        item.insert("status".into(), AttributeValue::S("in_progress".into()));
        item.insert("owner".into(), AttributeValue::S(owner.into()));
        item.insert(
            "lease_until".into(),
            AttributeValue::N((now.timestamp() + lease_secs).to_string()),
        );
        item.insert(
            "claimed_at".into(),
            AttributeValue::N(now.timestamp().to_string()),
        );
        item.insert(
            TTL_ATTRIBUTE.into(),
            AttributeValue::N((now.timestamp() + REMEMBER_SECS).to_string()),
        );
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(
                "attribute_not_exists(#pk) OR (#status = :in_progress AND #lease < :now)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#lease", "lease_until")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Acquired),
            Err(err) if is_condition_failure(&err) => {
                let item =
                    crate::store::table::get(&self.client, &self.table, key(pk(id), DEDUP_SK))
                        .await?;
                match item.as_ref() {
                    Some(item) if s(item, "status").as_deref() == Some("done") => Ok(Claim::Done),
                    Some(item) if n(item, "lease_until").is_some_and(|l| l >= now.timestamp()) => {
                        Ok(Claim::InProgress)
                    }
                    // Finished or abandoned between our write and our read.
                    _ => Err(StoreError::Transient(
                        "dedup record changed while claiming".into(),
                    )),
                }
            }
            Err(err) => Err(StoreError::from_sdk("PutItem", err)),
        }
    }

    async fn complete(&self, id: &str, owner: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(pk(id), DEDUP_SK)))
            .update_expression("SET #status = :done, done_at = :now")
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":done", AttributeValue::S("done".into()))
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .expression_attribute_values(":owner", AttributeValue::S(owner.into()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => {
                tracing::warn!(message_id = id, "lease was taken over before completion");
                Ok(())
            }
            Err(err) => Err(StoreError::from_sdk("UpdateItem", err)),
        }
    }

    async fn abandon(&self, id: &str, owner: &str) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk(id), DEDUP_SK)))
            .condition_expression("#owner = :owner AND #status = :in_progress")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":owner", AttributeValue::S(owner.into()))
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(StoreError::from_sdk("DeleteItem", err)),
        }
    }
}
