//! Where a launch's reply lives, so EMR's state-change events can update it.
//! Item: `pk = CLUSTER#<id>`, `sk = LAUNCH`, with `preset`, `account`, `name`,
//! `requested_by`, `reply_to` (the queue contract's ReplyTo as JSON),
//! `issued_at` (epoch s, for the response_url's 30 minutes), `response_uses`
//! (of its 5), `channel_ts` (once moved to chat.postMessage), `last_state`,
//! `expires_at` (TTL, 7 days).

use crate::cluster::ClusterId;
use crate::message::ReplyTo;
use crate::store::locks::cluster_pk;
use crate::store::table::{key, n, s, StoreError, TTL_ATTRIBUTE};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

pub const LAUNCH_SK: &str = "LAUNCH";

#[derive(Debug, Clone, PartialEq)]
pub struct LaunchRecord {
    pub cluster: ClusterId,
    pub account: Option<String>,
    pub preset: String,
    pub name: String,
    pub requested_by: String,
    pub reply_to: ReplyTo,
    pub issued_at: DateTime<Utc>,
    pub response_uses: u32,
    pub channel_ts: Option<String>,
    pub last_state: Option<String>,
}

#[async_trait]
pub trait LaunchStore: Send + Sync {
    async fn put(&self, record: &LaunchRecord) -> Result<(), StoreError>;
    async fn get(&self, cluster: &ClusterId) -> Result<Option<LaunchRecord>, StoreError>;
}

pub struct DynamoLaunchStore {
    client: Client,
    table: String,
}

impl DynamoLaunchStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

#[async_trait]
impl LaunchStore for DynamoLaunchStore {
    async fn put(&self, r: &LaunchRecord) -> Result<(), StoreError> {
        let mut item = key(cluster_pk(&r.cluster), LAUNCH_SK);
        let mut put = |k: &str, v: String| {
            item.insert(k.into(), AttributeValue::S(v));
        };
        put("preset", r.preset.clone());
        put("name", r.name.clone());
        put("requested_by", r.requested_by.clone());
        put(
            "reply_to",
            serde_json::to_string(&r.reply_to).expect("ReplyTo serializes"),
        );
        if let Some(a) = &r.account {
            put("account", a.clone());
        }
        if let Some(ts) = &r.channel_ts {
            put("channel_ts", ts.clone());
        }
        if let Some(st) = &r.last_state {
            put("last_state", st.clone());
        }
        item.insert(
            "issued_at".into(),
            AttributeValue::N(r.issued_at.timestamp().to_string()),
        );
        item.insert(
            "response_uses".into(),
            AttributeValue::N(r.response_uses.to_string()),
        );
        item.insert(
            TTL_ATTRIBUTE.into(),
            AttributeValue::N((r.issued_at.timestamp() + 7 * 86_400).to_string()),
        );
        crate::store::table::put(&self.client, &self.table, item).await?;
        Ok(())
    }

    async fn get(&self, cluster: &ClusterId) -> Result<Option<LaunchRecord>, StoreError> {
        let item = crate::store::table::get(
            &self.client,
            &self.table,
            key(cluster_pk(cluster), LAUNCH_SK),
        )
        .await?;
        let Some(item) = item.as_ref() else {
            return Ok(None);
        };
        let corrupt = |p: &str| StoreError::Corrupt {
            key: cluster_pk(cluster),
            problem: p.into(),
        };
        let reply_to = s(item, "reply_to")
            .and_then(|j| serde_json::from_str(&j).ok())
            .ok_or_else(|| corrupt("reply_to"))?;
        Ok(Some(LaunchRecord {
            cluster: cluster.clone(),
            account: s(item, "account"),
            preset: s(item, "preset").unwrap_or_default(),
            name: s(item, "name").unwrap_or_default(),
            requested_by: s(item, "requested_by").unwrap_or_default(),
            reply_to,
            issued_at: n(item, "issued_at")
                .and_then(|t| DateTime::from_timestamp(t, 0))
                .ok_or_else(|| corrupt("issued_at"))?,
            response_uses: n(item, "response_uses").unwrap_or(0) as u32,
            channel_ts: s(item, "channel_ts"),
            last_state: s(item, "last_state"),
        }))
    }
}
