//! The AWS Price List: hourly on-demand prices as AWS publishes them.

use crate::pricelist::{ListedPrice, Service};
use async_trait::async_trait;

#[async_trait]
pub trait PriceList: Send + Sync {
    /// The hourly on-demand price of `instance_type` in `region` (EC2's, or
    /// EMR's on top of it); `None` when the Price List has no such product.
    async fn hourly(
        &self,
        service: Service,
        region: &str,
        instance_type: &str,
    ) -> Result<Option<ListedPrice>, PriceListError>;
}

/// Why no price came: either way emrbot falls back to its built-in table,
/// and says so.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PriceListError {
    #[error("the AWS price list could not be reached ({0})")]
    Unreachable(String),
    #[error("the AWS price list refused the query ({0})")]
    Refused(String),
}

impl PriceListError {
    /// A retry later can help.
    pub fn is_transient(&self) -> bool {
        matches!(self, PriceListError::Unreachable(_))
    }
}

/// What the Price List said of one (service, region, type), kept for a day:
/// a price, or that it has no such product.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedPrice {
    pub price: Option<ListedPrice>,
    pub read_at: chrono::DateTime<chrono::Utc>,
}

/// Prices read from the Price List, so a cold cache costs one GetProducts
/// per (service, region, type) a day, not one per command.
#[async_trait]
pub trait PriceCache: Send + Sync {
    async fn get(
        &self,
        service: Service,
        region: &str,
        instance_type: &str,
    ) -> Result<Option<CachedPrice>, super::StoreError>;
    async fn put(
        &self,
        service: Service,
        region: &str,
        instance_type: &str,
        cached: &CachedPrice,
    ) -> Result<(), super::StoreError>;
}

/// EC2's spot price history (Linux/UNIX), which spot instance-hours are
/// priced from.
#[async_trait]
pub trait SpotPrices: Send + Sync {
    /// The prices of `instance_type` in `zone` (of `region`) from the one
    /// in effect at `from` up to `to`, in any order.
    async fn history(
        &self,
        region: &str,
        zone: &str,
        instance_type: &str,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<crate::spot::SpotPoint>, SpotHistoryError>;
}

/// Why no spot history came: spot hours are then priced at on-demand (an
/// upper bound), and the reply says so.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpotHistoryError {
    #[error("EC2's spot price history could not be read ({0})")]
    Unreachable(String),
    #[error("EC2 refused the spot price history query ({0})")]
    Refused(String),
}

/// A spot price history as read: its points, from when, and when it was
/// read (the last point holds from its time up to then, at least).
#[derive(Debug, Clone, PartialEq)]
pub struct CachedSpotHistory {
    pub points: Vec<crate::spot::SpotPoint>,
    pub from: chrono::DateTime<chrono::Utc>,
    pub read_at: chrono::DateTime<chrono::Utc>,
}

/// Spot price histories read from EC2, per (region, zone, type), so a
/// reply asks EC2 only for what changed since the last one.
#[async_trait]
pub trait SpotHistoryCache: Send + Sync {
    async fn get(
        &self,
        region: &str,
        zone: &str,
        instance_type: &str,
    ) -> Result<Option<CachedSpotHistory>, super::StoreError>;
    async fn put(
        &self,
        region: &str,
        zone: &str,
        instance_type: &str,
        cached: &CachedSpotHistory,
    ) -> Result<(), super::StoreError>;
}
