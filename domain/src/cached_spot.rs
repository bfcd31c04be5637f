//! EC2's spot price history behind a cache: a (region, zone, type)'s
//! history is read once, then only from when it was last read; within
//! [`SPOT_TTL`] of that, not at all. A cache that cannot be read or written
//! costs an EC2 call, never a price.

use crate::ports::clock::Clock;
use crate::ports::prices::{CachedSpotHistory, SpotHistoryCache, SpotHistoryError, SpotPrices};
use crate::spot::SpotPoint;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// How long a read history is taken to hold as it was: spot prices move a
/// few times a day at most.
pub const SPOT_TTL: chrono::Duration = chrono::Duration::minutes(15);

pub struct CachedSpotPrices {
    history: Arc<dyn SpotPrices>,
    cache: Arc<dyn SpotHistoryCache>,
    clock: Arc<dyn Clock>,
}

impl CachedSpotPrices {
    pub fn new(
        history: Arc<dyn SpotPrices>,
        cache: Arc<dyn SpotHistoryCache>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            history,
            cache,
            clock,
        }
    }
}

#[async_trait]
impl SpotPrices for CachedSpotPrices {
    async fn history(
        &self,
        region: &str,
        zone: &str,
        instance_type: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<SpotPoint>, SpotHistoryError> {
        let now = self.clock.now();
        let kept = match self.cache.get(region, zone, instance_type).await {
            Ok(kept) => kept.filter(|k| k.from <= from),
            Err(error) => {
                tracing::warn!(error = %error, "spot history cache unreadable; asking EC2");
                None
            }
        };
        let merged = match kept {
            Some(k) if now - k.read_at < SPOT_TTL => return Ok(k.points),
            // Only what came since: EC2 answers with the price in effect at
            // `read_at` and every change after it.
            Some(k) => {
                let since = self
                    .history
                    .history(region, zone, instance_type, k.read_at, to)
                    .await?;
                CachedSpotHistory {
                    points: merge(k.points, since),
                    from: k.from,
                    read_at: now,
                }
            }
            None => CachedSpotHistory {
                points: self
                    .history
                    .history(region, zone, instance_type, from, to)
                    .await?,
                from,
                read_at: now,
            },
        };
        if let Err(error) = self.cache.put(region, zone, instance_type, &merged).await {
            tracing::warn!(error = %error, "spot history not kept; it will be read again");
        }
        Ok(merged.points)
    }
}

/// `old` and `new` as one history, oldest first, one point per instant.
fn merge(old: Vec<SpotPoint>, new: Vec<SpotPoint>) -> Vec<SpotPoint> {
    let mut all: Vec<SpotPoint> = old.into_iter().chain(new).collect();
    all.sort_by_key(|p| p.at);
    all.dedup_by_key(|p| p.at);
    all
}

#[cfg(test)]
mod tests;
