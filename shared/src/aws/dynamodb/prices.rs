//! The price cache: what the AWS Price List said of one (service, region,
//! instance type). Item: `pk = PRICE#<service key>#<region>` (the service
//! code, `AmazonEC2.EBS` for volumes), `sk = <instance or volume type>`, with `usd_per_hour` (absent: the Price List has no
//! such product), `sku`, `published` (epoch s, the price list's
//! publication), `read_at` (epoch s), `expires_at` (TTL, a day after
//! `read_at`; the reader also checks `read_at`, since TTL deletes late).
//!
//! Spot price histories beside them: `pk = PRICE#SPOT#<region>`, `sk =
//! <zone>#<instance type>`, `points` (JSON: `[[epoch s, USD per hour], …]`),
//! `from` and `read_at` (epoch s), `expires_at` (a day after `read_at`).

use super::table::{epoch, get, key, put, s, string, time, TTL_ATTRIBUTE};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use emrbot_domain::cached_prices::PRICE_TTL;
use emrbot_domain::ports::prices::{CachedPrice, CachedSpotHistory, PriceCache, SpotHistoryCache};
use emrbot_domain::ports::StoreError;
use emrbot_domain::pricelist::{ListedPrice, Service};
use emrbot_domain::spot::SpotPoint;

pub const PRICE_PREFIX: &str = "PRICE#";

pub struct DynamoPriceCache {
    client: Client,
    table: String,
}

impl DynamoPriceCache {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn price_pk(service: Service, region: &str) -> String {
    format!("{PRICE_PREFIX}{}#{region}", service.key())
}

#[async_trait]
impl PriceCache for DynamoPriceCache {
    async fn get(
        &self,
        service: Service,
        region: &str,
        instance_type: &str,
    ) -> Result<Option<CachedPrice>, StoreError> {
        let item = get(
            &self.client,
            &self.table,
            key(price_pk(service, region), instance_type),
        )
        .await?;
        let Some(item) = item else { return Ok(None) };
        let corrupt = |problem: &str| StoreError::Corrupt {
            key: format!("{}/{instance_type}", price_pk(service, region)),
            problem: problem.into(),
        };
        let read_at = time(&item, "read_at").ok_or_else(|| corrupt("no read_at"))?;
        let price = match item.get("usd_per_hour") {
            None => None,
            Some(value) => {
                let usd: f64 = value
                    .as_n()
                    .ok()
                    .and_then(|n| n.parse().ok())
                    .filter(|p: &f64| p.is_finite() && *p > 0.0)
                    .ok_or_else(|| corrupt("usd_per_hour is not a price"))?;
                Some(ListedPrice {
                    service,
                    region: region.to_string(),
                    instance_type: instance_type.to_string(),
                    usd_per_hour: usd,
                    sku: s(&item, "sku").unwrap_or_default(),
                    published: time(&item, "published"),
                })
            }
        };
        Ok(Some(CachedPrice { price, read_at }))
    }

    async fn put(
        &self,
        service: Service,
        region: &str,
        instance_type: &str,
        cached: &CachedPrice,
    ) -> Result<(), StoreError> {
        let mut item = key(price_pk(service, region), instance_type);
        item.insert("read_at".into(), epoch(cached.read_at));
        item.insert(TTL_ATTRIBUTE.into(), epoch(cached.read_at + PRICE_TTL));
        if let Some(price) = &cached.price {
            item.insert(
                "usd_per_hour".into(),
                AttributeValue::N(price.usd_per_hour.to_string()),
            );
            item.insert("sku".into(), string(price.sku.clone()));
            if let Some(published) = price.published {
                item.insert("published".into(), epoch(published));
            }
        }
        put(&self.client, &self.table, item).await
    }
}

/// Spot price histories as EC2 gave them, in the price cache's partition.
pub struct DynamoSpotHistoryCache {
    client: Client,
    table: String,
}

impl DynamoSpotHistoryCache {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn spot_key(region: &str, zone: &str, instance_type: &str) -> super::table::Item {
    key(
        format!("{PRICE_PREFIX}SPOT#{region}"),
        &format!("{zone}#{instance_type}"),
    )
}

#[async_trait]
impl SpotHistoryCache for DynamoSpotHistoryCache {
    async fn get(
        &self,
        region: &str,
        zone: &str,
        instance_type: &str,
    ) -> Result<Option<CachedSpotHistory>, StoreError> {
        let Some(item) = get(
            &self.client,
            &self.table,
            spot_key(region, zone, instance_type),
        )
        .await?
        else {
            return Ok(None);
        };
        let corrupt = |problem: &str| StoreError::Corrupt {
            key: format!("{PRICE_PREFIX}SPOT#{region}/{zone}#{instance_type}"),
            problem: problem.into(),
        };
        let points: Vec<(i64, f64)> = s(&item, "points")
            .and_then(|json| serde_json::from_str(&json).ok())
            .ok_or_else(|| corrupt("points are not a history"))?;
        let points = points
            .into_iter()
            .map(|(secs, usd_per_hour)| {
                let at = chrono::DateTime::from_timestamp(secs, 0)
                    .ok_or_else(|| corrupt("a point's time"))?;
                Ok(SpotPoint { at, usd_per_hour })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(Some(CachedSpotHistory {
            points,
            from: time(&item, "from").ok_or_else(|| corrupt("no from"))?,
            read_at: time(&item, "read_at").ok_or_else(|| corrupt("no read_at"))?,
        }))
    }

    async fn put(
        &self,
        region: &str,
        zone: &str,
        instance_type: &str,
        cached: &CachedSpotHistory,
    ) -> Result<(), StoreError> {
        let points: Vec<(i64, f64)> = cached
            .points
            .iter()
            .map(|p| (p.at.timestamp(), p.usd_per_hour))
            .collect();
        let json = serde_json::to_string(&points).map_err(|e| StoreError::Corrupt {
            key: format!("{PRICE_PREFIX}SPOT#{region}"),
            problem: e.to_string(),
        })?;
        let mut item = spot_key(region, zone, instance_type);
        item.insert("points".into(), string(json));
        item.insert("from".into(), epoch(cached.from));
        item.insert("read_at".into(), epoch(cached.read_at));
        item.insert(
            TTL_ATTRIBUTE.into(),
            epoch(cached.read_at + chrono::Duration::days(1)),
        );
        put(&self.client, &self.table, item).await
    }
}
