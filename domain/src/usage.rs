//! What a cluster used, as EMR recorded it: each EC2 instance with its
//! type, market and the time it ran (`ListInstances`), for instance groups
//! and fleets alike. A resize, a lost spot instance or a fleet's mixed
//! types then cost what they cost, instead of the cluster being taken to
//! have run at its current size all along (`crate::price_book` prices
//! them; docs/PRICES.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How an instance is bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Market {
    OnDemand,
    Spot,
}

impl Market {
    /// EMR's `Market` (`ON_DEMAND`, `SPOT`); anything else is not priced as either.
    pub fn from_emr(market: &str) -> Option<Market> {
        match market {
            "ON_DEMAND" => Some(Market::OnDemand),
            "SPOT" => Some(Market::Spot),
            _ => None,
        }
    }
}

/// One EC2 instance of a cluster, as `ListInstances` reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceRecord {
    /// EMR's instance id (`ci-…`).
    pub id: String,
    pub instance_type: String,
    /// `None`: a market EMR reported that is neither (not priced).
    pub market: Option<Market>,
    /// The instance group or fleet it belongs to.
    pub group: Option<String>,
    pub started: Option<DateTime<Utc>>,
    /// `None`: still running.
    pub ended: Option<DateTime<Utc>>,
}

impl InstanceRecord {
    /// Hours it ran up to `now` (0 for an instance not started yet).
    pub fn hours(&self, now: DateTime<Utc>) -> f64 {
        let Some(started) = self.started else {
            return 0.0;
        };
        let until = self.ended.unwrap_or(now).min(now);
        (until - started).num_seconds().max(0) as f64 / 3600.0
    }

    /// The part of it that ran within `[from, to)`: what a bill of those days
    /// covers. `None` when it did not run then.
    pub fn within(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<InstanceRecord> {
        let started = self.started?.max(from);
        let ended = self.ended.unwrap_or(to).min(to);
        (started < ended).then(|| InstanceRecord {
            started: Some(started),
            ended: Some(ended),
            ..self.clone()
        })
    }

    /// It ended: its hours never change again.
    pub fn is_final(&self) -> bool {
        self.ended.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        "2026-12-07T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::hours(h)
    }

    fn instance(id: &str, t: &str, market: Market, from: i64, to: Option<i64>) -> InstanceRecord {
        InstanceRecord {
            id: id.into(),
            instance_type: t.into(),
            market: Some(market),
            group: None,
            started: Some(at(from)),
            ended: to.map(at),
        }
    }

    #[test]
    fn within_a_window_an_instance_counts_only_the_hours_it_ran_there() {
        let long = instance("ci-1", "m5.xlarge", Market::OnDemand, -5, None);
        let day = long.within(at(0), at(24)).unwrap();
        assert_eq!(day.hours(at(30)), 24.0);
        let short = instance("ci-2", "m5.xlarge", Market::Spot, 2, Some(5));
        assert_eq!(short.within(at(0), at(24)).unwrap().hours(at(30)), 3.0);
        assert_eq!(short.within(at(4), at(24)).unwrap().hours(at(30)), 1.0);
        assert_eq!(short.within(at(5), at(24)), None);
        assert_eq!(short.within(at(-24), at(2)), None);
    }

    #[test]
    fn an_instance_not_started_has_no_hours_and_an_unknown_market_is_none() {
        let mut pending = instance("p", "m5.xlarge", Market::OnDemand, 0, None);
        pending.started = None;
        let mut odd = instance("o", "m5.xlarge", Market::OnDemand, 0, None);
        odd.market = Market::from_emr("CAPACITY_BLOCK");
        assert_eq!(pending.hours(at(5)), 0.0);
        assert_eq!(odd.market, None);
        // An ended instance's hours stop at its end, and it is final.
        let ended = instance("e", "m5.xlarge", Market::OnDemand, 0, Some(1));
        assert_eq!((ended.hours(at(9)), ended.is_final()), (1.0, true));
        assert_eq!(Market::from_emr("SPOT"), Some(Market::Spot));
    }
}
