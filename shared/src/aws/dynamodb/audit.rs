//! The audit log: every action emrbot takes or refuses. Item: `pk =
//! CLUSTER#<id>` (or `AUDIT#NOCLUSTER` for launches that made no cluster),
//! `sk = AUDIT#<RFC 3339 time>#<message id>`, with `at` (epoch s), `who`,
//! `action`, `outcome` (`ok` | `refused` | `failed`), `detail`, `fact` (what
//! `detail` says, typed: JSON of `AuditFact`), `reason` (why, when
//! automatic), `account`, `message_id`, `expires_at` (TTL, 90 days).

use super::table::{
    cluster_of, cluster_pk, epoch, put, s, store_error, string, time, Item, PK, SK, TTL_ATTRIBUTE,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::SecondsFormat;
use emrbot_domain::audit::AuditEntry;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::ports::audit::AuditLog;
use emrbot_domain::ports::StoreError;

pub const AUDIT_PREFIX: &str = "AUDIT#";
pub const NO_CLUSTER_PK: &str = "AUDIT#NOCLUSTER";
pub const KEEP_SECS: i64 = 90 * 86_400;

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
        at: time(item, "at").unwrap_or_default(),
        who: s(item, "who").unwrap_or_default(),
        action: s(item, "action").unwrap_or_default(),
        cluster: cluster_of(item),
        account: s(item, "account"),
        outcome: s(item, "outcome").unwrap_or_default(),
        detail: s(item, "detail").unwrap_or_default(),
        reason: s(item, "reason"),
        message_id: s(item, "message_id").unwrap_or_default(),
        // A fact this version cannot read falls back to the detail text.
        fact: s(item, "fact").and_then(|json| serde_json::from_str(&json).ok()),
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
        let mut set = |k: &str, v: String| {
            item.insert(k.into(), string(v));
        };
        set(PK, pk);
        set(SK, sk);
        set("who", e.who.clone());
        set("action", e.action.clone());
        set("outcome", e.outcome.clone());
        set("detail", e.detail.chars().take(1000).collect());
        set("message_id", e.message_id.clone());
        if let Some(reason) = &e.reason {
            set("reason", reason.clone());
        }
        if let Some(account) = &e.account {
            set("account", account.clone());
        }
        if let Some(fact) = e.fact.as_ref().and_then(|f| serde_json::to_string(f).ok()) {
            set("fact", fact);
        }
        item.insert("at".into(), epoch(e.at));
        item.insert(
            TTL_ATTRIBUTE.into(),
            epoch(e.at + chrono::Duration::seconds(KEEP_SECS)),
        );
        put(&self.client, &self.table, item).await?;
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
            .expression_attribute_values(":pk", string(cluster_pk(cluster)))
            .expression_attribute_values(":prefix", string(AUDIT_PREFIX))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(|e| store_error("Query", e))?;
        Ok(out.items().iter().map(entry_from).collect())
    }
}
