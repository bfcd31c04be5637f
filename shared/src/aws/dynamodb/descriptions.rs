//! Cluster descriptions kept between replies. Item: `pk = CLUSTER#<id>`,
//! `sk = DESC`, `detail` (JSON: tags, release, applications, protection,
//! EMR's idle timeout, groups or fleets, zone), `read_at` (epoch s),
//! `expires_at` (TTL, a day on; readers also check `read_at` against
//! `DESCRIPTION_TTL`). The summary (state, timeline) is never kept: the
//! caller's comes fresh from ListClusters. Beside it, `sk = INSTANCES`:
//! `records` (JSON: what ListInstances said of each instance), `read_at`,
//! `expires_at`.

use super::table::{
    batch_get, cluster_of, cluster_pk, epoch, key, put, s, store_error, string, time, Item,
    TTL_ATTRIBUTE,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::emr::{CapacityGroup, ClusterDetail, ClusterSummary};
use emrbot_domain::ports::descriptions::DescriptionCache;
use emrbot_domain::ports::StoreError;
use emrbot_domain::usage::InstanceRecord;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub const DESCRIPTION_SK: &str = "DESC";
pub const INSTANCES_SK: &str = "INSTANCES";

pub struct DynamoDescriptionCache {
    client: Client,
    table: String,
}

impl DynamoDescriptionCache {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

/// What is kept of a description.
#[derive(Serialize, Deserialize)]
struct Kept {
    tags: BTreeMap<String, String>,
    release: Option<String>,
    applications: Vec<String>,
    termination_protected: bool,
    auto_terminate_idle_secs: Option<i64>,
    groups: Vec<CapacityGroup>,
    uses_fleets: bool,
    availability_zone: Option<String>,
}

fn detail_from(
    item: &Item,
    summary: &ClusterSummary,
) -> Result<(ClusterDetail, DateTime<Utc>), StoreError> {
    let corrupt = |problem: &str| StoreError::Corrupt {
        key: format!("{}/{DESCRIPTION_SK}", cluster_pk(&summary.id)),
        problem: problem.into(),
    };
    let read_at = time(item, "read_at").ok_or_else(|| corrupt("no read_at"))?;
    let kept: Kept = s(item, "detail")
        .and_then(|json| serde_json::from_str(&json).ok())
        .ok_or_else(|| corrupt("detail is not a kept description"))?;
    Ok((
        ClusterDetail {
            summary: summary.clone(),
            tags: kept.tags,
            release: kept.release,
            applications: kept.applications,
            termination_protected: kept.termination_protected,
            auto_terminate_idle: kept.auto_terminate_idle_secs.map(chrono::Duration::seconds),
            groups: kept.groups,
            uses_fleets: kept.uses_fleets,
            availability_zone: kept.availability_zone,
        },
        read_at,
    ))
}

#[async_trait]
impl DescriptionCache for DynamoDescriptionCache {
    async fn get_many(
        &self,
        clusters: &[ClusterSummary],
    ) -> Result<HashMap<ClusterId, (ClusterDetail, DateTime<Utc>)>, StoreError> {
        let keys = clusters
            .iter()
            .map(|c| key(cluster_pk(&c.id), DESCRIPTION_SK))
            .collect();
        let summaries: HashMap<&ClusterId, &ClusterSummary> =
            clusters.iter().map(|c| (&c.id, c)).collect();
        let mut found = HashMap::new();
        for item in batch_get(&self.client, &self.table, keys).await? {
            let Some(summary) = cluster_of(&item).and_then(|id| summaries.get(&id).copied()) else {
                continue;
            };
            match detail_from(&item, summary) {
                Ok(kept) => {
                    found.insert(summary.id.clone(), kept);
                }
                // A kept description that cannot be read costs a DescribeCluster, not the reply.
                Err(error) => tracing::warn!(error = %error, "kept description unreadable"),
            }
        }
        Ok(found)
    }

    async fn put(&self, detail: &ClusterDetail, read_at: DateTime<Utc>) -> Result<(), StoreError> {
        let kept = Kept {
            tags: detail.tags.clone(),
            release: detail.release.clone(),
            applications: detail.applications.clone(),
            termination_protected: detail.termination_protected,
            auto_terminate_idle_secs: detail.auto_terminate_idle.map(|d| d.num_seconds()),
            groups: detail.groups.clone(),
            uses_fleets: detail.uses_fleets,
            availability_zone: detail.availability_zone.clone(),
        };
        let json = serde_json::to_string(&kept).map_err(|e| StoreError::Corrupt {
            key: cluster_pk(&detail.summary.id),
            problem: e.to_string(),
        })?;
        self.keep(&detail.summary.id, DESCRIPTION_SK, "detail", &json, read_at)
            .await
    }

    async fn get_records_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, (Vec<InstanceRecord>, DateTime<Utc>)>, StoreError> {
        let keys = clusters
            .iter()
            .map(|id| key(cluster_pk(id), INSTANCES_SK))
            .collect();
        let mut found = HashMap::new();
        for item in batch_get(&self.client, &self.table, keys).await? {
            let Some(id) = cluster_of(&item) else {
                continue;
            };
            let records = s(&item, "records")
                .and_then(|json| serde_json::from_str::<Vec<InstanceRecord>>(&json).ok());
            match (records, time(&item, "read_at")) {
                (Some(records), Some(read_at)) => {
                    found.insert(id, (records, read_at));
                }
                // Unreadable: it costs a ListInstances, not the reply.
                _ => tracing::warn!(cluster = %id, "kept instance records unreadable"),
            }
        }
        Ok(found)
    }

    async fn put_records(
        &self,
        cluster: &ClusterId,
        records: &[InstanceRecord],
        read_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(records).map_err(|e| StoreError::Corrupt {
            key: cluster_pk(cluster),
            problem: e.to_string(),
        })?;
        self.keep(cluster, INSTANCES_SK, "records", &json, read_at)
            .await
    }

    async fn forget(&self, cluster: &ClusterId) -> Result<(), StoreError> {
        for sk in [DESCRIPTION_SK, INSTANCES_SK] {
            self.client
                .delete_item()
                .table_name(&self.table)
                .set_key(Some(key(cluster_pk(cluster), sk)))
                .send()
                .await
                .map_err(|e| store_error("DeleteItem", e))?;
        }
        Ok(())
    }
}

impl DynamoDescriptionCache {
    /// Keeps `json` as `attribute` of `CLUSTER#<id>/<sk>`, read at `read_at`
    /// (the table's TTL removes it a day on).
    async fn keep(
        &self,
        cluster: &ClusterId,
        sk: &str,
        attribute: &str,
        json: &str,
        read_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut item = key(cluster_pk(cluster), sk);
        item.insert(attribute.into(), string(json));
        item.insert("read_at".into(), epoch(read_at));
        item.insert(
            TTL_ATTRIBUTE.into(),
            epoch(read_at + chrono::Duration::days(1)),
        );
        put(&self.client, &self.table, item).await
    }
}
