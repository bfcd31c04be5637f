//! Exactly-once effects: every queue message id is claimed here before the
//! worker acts. Item: `pk = MSG#<id>`, `sk = DEDUP`, `status` (`in_progress` |
//! `done`), `owner` (one handling's random id), `lease_until` (epoch s),
//! `expires_at` (TTL, 7 days). A claim is one conditional put: it succeeds when
//! the id is new or a previous handler's lease has run out (it crashed).

use super::table::{
    epoch, get, is_condition_failure, key, n, s, store_error, string, PK, TTL_ATTRIBUTE,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use emrbot_domain::ports::dedup::{Claim, DedupStore};
use emrbot_domain::ports::StoreError;

pub const DEDUP_SK: &str = "DEDUP";
/// How long a processed id is remembered (longer than any SQS retention).
pub const REMEMBER_SECS: i64 = 7 * 86_400;

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
        item.insert("status".into(), string("in_progress"));
        item.insert("owner".into(), string(owner));
        item.insert(
            "lease_until".into(),
            epoch(now + chrono::Duration::seconds(lease_secs)),
        );
        item.insert("claimed_at".into(), epoch(now));
        item.insert(
            TTL_ATTRIBUTE.into(),
            epoch(now + chrono::Duration::seconds(REMEMBER_SECS)),
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
            .expression_attribute_values(":in_progress", string("in_progress"))
            .expression_attribute_values(":now", epoch(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Acquired),
            Err(err) if is_condition_failure(&err) => {
                let item = get(&self.client, &self.table, key(pk(id), DEDUP_SK)).await?;
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
            Err(err) => Err(store_error("PutItem", err)),
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
            .expression_attribute_values(":done", string("done"))
            .expression_attribute_values(":now", epoch(now))
            .expression_attribute_values(":owner", string(owner))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => {
                tracing::warn!(message_id = id, "lease was taken over before completion");
                Ok(())
            }
            Err(err) => Err(store_error("UpdateItem", err)),
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
            .expression_attribute_values(":owner", string(owner))
            .expression_attribute_values(":in_progress", string("in_progress"))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(store_error("DeleteItem", err)),
        }
    }
}
