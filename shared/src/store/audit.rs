//! The audit log: every action emrbot takes or refuses. Item: `pk =
//! CLUSTER#<id>` (or `AUDIT#NOCLUSTER` for launches that made no cluster),
//! `sk = AUDIT#<RFC 3339 time>#<message id>`, with `at` (epoch s), `who`,
//! `action`, `outcome` (`ok` | `refused` | `failed`), `detail`, `reason` (why,
//! when automatic), `account`, `message_id`, `expires_at` (TTL, 90 days).

use crate::cluster::ClusterId;
use crate::store::locks::cluster_pk;
use crate::store::table::{n, s, Item, StoreError, PK, SK, TTL_ATTRIBUTE};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SecondsFormat, Utc};

pub const AUDIT_PREFIX: &str = "AUDIT#";
pub const NO_CLUSTER_PK: &str = "AUDIT#NOCLUSTER";
pub const KEEP_SECS: i64 = 90 * 86_400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub who: String,
    pub action: String,
    pub cluster: Option<ClusterId>,
    pub account: Option<String>,
    /// `ok`, `refused` or `failed`.
    pub outcome: String,
    pub detail: String,
    /// Why, when the action was automatic.
    pub reason: Option<String>,
    pub message_id: String,
}

#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// The latest entries of one cluster, newest first.
    async fn recent(&self, cluster: &ClusterId, limit: i32) -> Result<Vec<AuditEntry>, StoreError>;
}

pub struct DynamoAuditLog {
    client: Client,
    table: String,
}

impl DynamoAuditLog {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn entry_from(item: &Item) -> AuditEntry {
    AuditEntry {
        at: n(item, "at")
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .unwrap_or_default(),
        who: s(item, "who").unwrap_or_default(),
        action: s(item, "action").unwrap_or_default(),
        cluster: s(item, PK).and_then(|pk| {
            pk.strip_prefix("CLUSTER#")
                .and_then(|id| ClusterId::parse(id).ok())
        }),
        account: s(item, "account"),
        outcome: s(item, "outcome").unwrap_or_default(),
        detail: s(item, "detail").unwrap_or_default(),
        reason: s(item, "reason"),
        message_id: s(item, "message_id").unwrap_or_default(),
    }
}

#[async_trait]
impl AuditLog for DynamoAuditLog {
    async fn record(&self, e: &AuditEntry) -> Result<(), StoreError> {
        let pk = e
            .cluster
            .as_ref()
            .map(cluster_pk)
            .unwrap_or_else(|| NO_CLUSTER_PK.into());
        let sk = format!(
            "{AUDIT_PREFIX}{}#{}",
            e.at.to_rfc3339_opts(SecondsFormat::Millis, true),
            e.message_id
        );
        let mut item = Item::new();
        let mut put = |k: &str, v: String| {
            item.insert(k.into(), AttributeValue::S(v));
        };
        put(PK, pk);
        put(SK, sk);
        put("who", e.who.clone());
        put("action", e.action.clone());
        put("outcome", e.outcome.clone());
        put("detail", e.detail.chars().take(1000).collect());
        put("message_id", e.message_id.clone());
        if let Some(reason) = &e.reason {
            put("reason", reason.clone());
        }
        if let Some(account) = &e.account {
            put("account", account.clone());
        }
        item.insert("at".into(), AttributeValue::N(e.at.timestamp().to_string()));
        item.insert(
            TTL_ATTRIBUTE.into(),
            AttributeValue::N((e.at.timestamp() + KEEP_SECS).to_string()),
        );
        crate::store::table::put(&self.client, &self.table, item).await?;
        Ok(())
    }

    async fn recent(&self, cluster: &ClusterId, limit: i32) -> Result<Vec<AuditEntry>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", AttributeValue::S(cluster_pk(cluster)))
            .expression_attribute_values(":prefix", AttributeValue::S(AUDIT_PREFIX.into()))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("Query", e))?;
        Ok(out.items().iter().map(entry_from).collect())
    }
}
