//! The audit log: every action emrbot takes or refuses. Item: `pk =
//! CLUSTER#<id>` (or `AUDIT#NOCLUSTER` for launches that made no cluster),
//! `sk = AUDIT#<RFC 3339 time>#<message id>`, with `at` (epoch s), `who`,
//! `action`, `outcome` (`ok` | `refused` | `failed`), `detail`, `fact` (what
//! `detail` says, typed: JSON of `AuditFact`), `reason` (why, when
//! automatic), `name` (the cluster's, when known), `account`, `message_id`,
//! `audit_day` (`DAY#<UTC date>`: the key of the day index, which `history`
//! without a cluster reads), `expires_at` (TTL, 90 days).

use super::table::{
    cluster_of, cluster_pk, epoch, put, s, store_error, string, time, Item, AUDIT_DAY,
    AUDIT_DAY_INDEX, PK, SK, TTL_ATTRIBUTE,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SecondsFormat, Utc};
use emrbot_domain::audit::AuditEntry;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::ports::audit::AuditLog;
use emrbot_domain::ports::StoreError;

pub const AUDIT_PREFIX: &str = "AUDIT#";
pub const NO_CLUSTER_PK: &str = "AUDIT#NOCLUSTER";
pub const DAY_PREFIX: &str = "DAY#";
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

    /// Up to `limit` entries of `cluster`, oldest or newest first.
    async fn of_cluster(
        &self,
        cluster: &ClusterId,
        oldest_first: bool,
        limit: i32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", string(cluster_pk(cluster)))
            .expression_attribute_values(":prefix", string(AUDIT_PREFIX))
            .scan_index_forward(oldest_first)
            .limit(limit)
            .send()
            .await
            .map_err(|e| store_error("Query", e))?;
        Ok(out.items().iter().map(entry_from).collect())
    }
}

/// The day bucket of an entry made at `t`: `DAY#2026-12-07` (its UTC date).
pub fn day_bucket(t: DateTime<Utc>) -> String {
    format!("{DAY_PREFIX}{}", t.date_naive().format("%Y-%m-%d"))
}

/// The day buckets that hold the entries from `since` to `now`, newest
/// first; never more than the days entries are kept.
pub fn day_buckets(since: DateTime<Utc>, now: DateTime<Utc>) -> Vec<String> {
    let kept = chrono::Duration::seconds(KEEP_SECS);
    let first = since.max(now - kept).date_naive();
    std::iter::successors(Some(now.date_naive()), |day| day.pred_opt())
        .take_while(|day| *day >= first)
        .map(|day| format!("{DAY_PREFIX}{}", day.format("%Y-%m-%d")))
        .collect()
}

fn sort_key_at(t: DateTime<Utc>) -> String {
    format!(
        "{AUDIT_PREFIX}{}",
        t.to_rfc3339_opts(SecondsFormat::Millis, true)
    )
}

fn entry_from(item: &Item) -> AuditEntry {
    AuditEntry {
        at: time(item, "at").unwrap_or_default(),
        who: s(item, "who").unwrap_or_default(),
        action: s(item, "action").unwrap_or_default(),
        cluster: cluster_of(item),
        name: s(item, "name"),
        account: s(item, "account"),
        outcome: s(item, "outcome").unwrap_or_default(),
        detail: s(item, "detail").unwrap_or_default(),
        reason: s(item, "reason"),
        message_id: s(item, "message_id").unwrap_or_default(),
        // A fact this version cannot read falls back to the detail text.
        fact: s(item, "fact").and_then(|json| serde_json::from_str(&json).ok()),
    }
}

impl DynamoAuditLog {
    /// One day's entries at or after `since`, newest first, at most `limit`.
    async fn day(
        &self,
        bucket: &str,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries = Vec::new();
        let mut start = None;
        while entries.len() < limit {
            let page = i32::try_from(limit - entries.len()).unwrap_or(i32::MAX);
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(AUDIT_DAY_INDEX)
                .key_condition_expression("#day = :day AND #sk >= :from")
                .expression_attribute_names("#day", AUDIT_DAY)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":day", string(bucket))
                .expression_attribute_values(":from", string(sort_key_at(since)))
                .scan_index_forward(false)
                .limit(page)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| store_error("Query", e))?;
            entries.extend(out.items().iter().map(entry_from));
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        entries.truncate(limit);
        Ok(entries)
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
        let sk = format!("{}#{}", sort_key_at(e.at), e.message_id);
        let mut item = Item::new();
        let mut set = |k: &str, v: String| {
            item.insert(k.into(), string(v));
        };
        set(PK, pk);
        set(SK, sk);
        set(AUDIT_DAY, day_bucket(e.at));
        set("who", e.who.clone());
        set("action", e.action.clone());
        set("outcome", e.outcome.clone());
        set("detail", e.detail.chars().take(1000).collect());
        set("message_id", e.message_id.clone());
        if let Some(reason) = &e.reason {
            set("reason", reason.clone());
        }
        if let Some(name) = e.name.as_ref().filter(|n| !n.is_empty()) {
            set("name", name.chars().take(256).collect());
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
        self.of_cluster(cluster, false, limit).await
    }

    async fn first(&self, cluster: &ClusterId) -> Result<Option<AuditEntry>, StoreError> {
        Ok(self.of_cluster(cluster, true, 1).await?.into_iter().next())
    }

    /// Day by day, newest first, until `limit` entries or the window's first day.
    async fn since(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let mut entries = Vec::new();
        for bucket in day_buckets(since, now) {
            if entries.len() >= limit {
                break;
            }
            let day = self.day(&bucket, since, limit - entries.len()).await?;
            entries.extend(day);
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn an_entry_falls_in_the_bucket_of_its_utc_day() {
        assert_eq!(day_bucket(at("2026-12-07T23:59:59.999Z")), "DAY#2026-12-07");
        assert_eq!(day_bucket(at("2026-12-08T00:00:00Z")), "DAY#2026-12-08");
        // 08:30 in Tokyo on the 8th is still the 7th in UTC.
        let tokyo: DateTime<chrono::FixedOffset> = "2026-12-08T08:30:00+09:00".parse().unwrap();
        assert_eq!(day_bucket(tokyo.with_timezone(&Utc)), "DAY#2026-12-07");
    }

    #[test]
    fn a_window_across_midnight_reads_both_days_newest_first() {
        let buckets = day_buckets(at("2026-12-07T22:00:00Z"), at("2026-12-08T01:30:00Z"));
        assert_eq!(buckets, ["DAY#2026-12-08", "DAY#2026-12-07"]);
        // Across a month's and a year's end.
        let buckets = day_buckets(at("2026-12-30T12:00:00Z"), at("2027-01-01T00:00:00Z"));
        assert_eq!(
            buckets,
            ["DAY#2027-01-01", "DAY#2026-12-31", "DAY#2026-12-30"]
        );
    }

    #[test]
    fn a_window_within_one_day_reads_one_bucket() {
        let buckets = day_buckets(at("2026-12-07T00:00:00Z"), at("2026-12-07T23:59:00Z"));
        assert_eq!(buckets, ["DAY#2026-12-07"]);
    }

    #[test]
    fn a_window_longer_than_the_log_reads_only_the_kept_days() {
        let now = at("2026-12-07T10:00:00Z");
        let buckets = day_buckets(now - chrono::Duration::days(400), now);
        assert_eq!(buckets.len(), 91);
        assert_eq!(buckets.first().map(String::as_str), Some("DAY#2026-12-07"));
        assert_eq!(buckets.last().map(String::as_str), Some("DAY#2026-09-08"));
    }
}
