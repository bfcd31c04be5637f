//! The Price List behind a cache: a price (or the Price List's "no such
//! product") is read once a day per (service, region, instance type). A
//! cache that cannot be read or written costs a Price List call, never a
//! price.

use crate::ports::clock::Clock;
use crate::ports::prices::{CachedPrice, PriceCache, PriceList, PriceListError};
use crate::pricelist::{ListedPrice, Service};
use async_trait::async_trait;
use std::sync::Arc;

/// How long a read price is trusted: AWS publishes price changes rarely,
/// and a day is what a cost figure can be late by.
pub const PRICE_TTL: chrono::Duration = chrono::Duration::hours(24);

pub struct CachedPriceList {
    list: Arc<dyn PriceList>,
    cache: Arc<dyn PriceCache>,
    clock: Arc<dyn Clock>,
}

impl CachedPriceList {
    pub fn new(
        list: Arc<dyn PriceList>,
        cache: Arc<dyn PriceCache>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { list, cache, clock }
    }
}

#[async_trait]
impl PriceList for CachedPriceList {
    async fn hourly(
        &self,
        service: Service,
        region: &str,
        instance_type: &str,
    ) -> Result<Option<ListedPrice>, PriceListError> {
        let now = self.clock.now();
        match self.cache.get(service, region, instance_type).await {
            Ok(Some(cached)) if now - cached.read_at < PRICE_TTL => return Ok(cached.price),
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(error = %error, "price cache unreadable; asking the price list")
            }
        }
        // An outage is not cached: the next command asks again.
        let price = self.list.hourly(service, region, instance_type).await?;
        let cached = CachedPrice {
            price: price.clone(),
            read_at: now,
        };
        if let Err(error) = self
            .cache
            .put(service, region, instance_type, &cached)
            .await
        {
            tracing::warn!(error = %error, "could not cache a price; it will be read again");
        }
        Ok(price)
    }
}
