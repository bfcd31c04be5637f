//! Where a launch's reply lives, so EMR's state-change events can update it.
//! Item: `pk = CLUSTER#<id>`, `sk = LAUNCH`, with `preset`, `account`, `name`,
//! `requested_by`, `reply_to` (the queue contract's ReplyTo as JSON),
//! `issued_at` (epoch s, for the response_url's 30 minutes), `response_uses`
//! (of its 5), `channel_ts` (once moved to chat.postMessage), `last_state`,
//! `expires_at` (TTL, 7 days).

use super::table::{cluster_pk, epoch, get, key, n, put, s, string, time, TTL_ATTRIBUTE};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::ports::launches::{LaunchRecord, LaunchStore};
use emrbot_domain::ports::StoreError;

pub const LAUNCH_SK: &str = "LAUNCH";

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
        let mut set = |k: &str, v: String| {
            item.insert(k.into(), string(v));
        };
        set("preset", r.preset.clone());
        set("name", r.name.clone());
        set("requested_by", r.requested_by.clone());
        set(
            "reply_to",
            serde_json::to_string(&r.reply_to).expect("ReplyTo serializes"),
        );
        if let Some(a) = &r.account {
            set("account", a.clone());
        }
        if let Some(ts) = &r.channel_ts {
            set("channel_ts", ts.clone());
        }
        if let Some(st) = &r.last_state {
            set("last_state", st.clone());
        }
        item.insert("issued_at".into(), epoch(r.issued_at));
        item.insert(
            "response_uses".into(),
            AttributeValue::N(r.response_uses.to_string()),
        );
        item.insert(
            TTL_ATTRIBUTE.into(),
            epoch(r.issued_at + chrono::Duration::seconds(7 * 86_400)),
        );
        put(&self.client, &self.table, item).await?;
        Ok(())
    }

    async fn get(&self, cluster: &ClusterId) -> Result<Option<LaunchRecord>, StoreError> {
        let item = get(
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
            issued_at: time(item, "issued_at").ok_or_else(|| corrupt("issued_at"))?,
            response_uses: n(item, "response_uses").unwrap_or(0) as u32,
            channel_ts: s(item, "channel_ts"),
            last_state: s(item, "last_state"),
        }))
    }
}
