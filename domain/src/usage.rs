//! What a cluster used, as EMR recorded it: each EC2 instance with its
//! type, market and the time it ran (`ListInstances`), for instance groups
//! and fleets alike. A resize, a lost spot instance or a fleet's mixed
//! types then cost what they cost, instead of the cluster being taken to
//! have run at its current size all along. (Being built: not yet what the
//! figures use; docs/PRICES.md.)

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// How an instance is bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
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
#[derive(Debug, Clone, PartialEq)]
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

    /// It ended: its hours never change again.
    pub fn is_final(&self) -> bool {
        self.ended.is_some()
    }
}

/// Instance-hours by (instance type, market).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Usage {
    pub hours: BTreeMap<(String, Market), f64>,
    /// Instances whose market is unknown: named, never priced.
    pub unknown_market: Vec<String>,
}

pub fn usage(records: &[InstanceRecord], now: DateTime<Utc>) -> Usage {
    let mut out = Usage::default();
    for r in records {
        match r.market {
            Some(market) => {
                *out.hours
                    .entry((r.instance_type.clone(), market))
                    .or_default() += r.hours(now);
            }
            None => out.unknown_market.push(r.id.clone()),
        }
    }
    out
}

/// What the usage cost at the prices given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Costed {
    pub usd: f64,
    pub instance_hours: f64,
    /// (type, market) with hours and no price: left out of `usd`, and named.
    pub unpriced: Vec<(String, Market)>,
}

impl Usage {
    /// `price(type, market)`: USD per instance-hour, when known.
    pub fn cost(&self, price: impl Fn(&str, Market) -> Option<f64>) -> Costed {
        let mut out = Costed::default();
        for ((instance_type, market), hours) in &self.hours {
            out.instance_hours += hours;
            match price(instance_type, *market) {
                Some(usd) => out.usd += usd * hours,
                None if *hours > 0.0 => out.unpriced.push((instance_type.clone(), *market)),
                None => {}
            }
        }
        out
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
    fn a_resized_cluster_costs_each_size_for_the_hours_it_had_it() {
        use Market::OnDemand;
        // Master and 2 core from 0h; 2 more core from 2h; 1 of them gone at 3h.
        let records = [
            instance("m", "m5.xlarge", OnDemand, 0, None),
            instance("c1", "m5.xlarge", OnDemand, 0, None),
            instance("c2", "m5.xlarge", OnDemand, 0, None),
            instance("c3", "m5.xlarge", OnDemand, 2, None),
            instance("c4", "m5.xlarge", OnDemand, 2, Some(3)),
        ];
        let used = usage(&records, at(4));
        assert_eq!(
            used.hours[&("m5.xlarge".to_string(), OnDemand)],
            3.0 * 4.0 + 2.0 + 1.0
        );
        let cost = used.cost(|_, _| Some(0.24));
        assert!((cost.usd - 15.0 * 0.24).abs() < 1e-9, "{cost:?}");
        // "Current size all along" would have said 4 instances × 4 h = 16.
        assert_eq!(cost.instance_hours, 15.0);
    }

    #[test]
    fn spot_and_mixed_fleet_types_are_priced_each_at_their_own_rate() {
        let records = [
            instance("a", "m5.xlarge", Market::OnDemand, 0, None),
            instance("b", "m5.2xlarge", Market::Spot, 0, None),
            instance("c", "r5.xlarge", Market::Spot, 1, None),
        ];
        let cost = usage(&records, at(2)).cost(|t, m| match (t, m) {
            ("m5.xlarge", Market::OnDemand) => Some(0.24),
            ("m5.2xlarge", Market::Spot) => Some(0.15),
            _ => None,
        });
        assert!((cost.usd - (2.0 * 0.24 + 2.0 * 0.15)).abs() < 1e-9);
        // Never a zero for what has no price: it is named.
        assert_eq!(cost.unpriced, [("r5.xlarge".to_string(), Market::Spot)]);
    }

    #[test]
    fn instances_not_started_or_of_an_unknown_market_add_no_hours() {
        let mut pending = instance("p", "m5.xlarge", Market::OnDemand, 0, None);
        pending.started = None;
        let mut odd = instance("o", "m5.xlarge", Market::OnDemand, 0, None);
        odd.market = Market::from_emr("CAPACITY_BLOCK");
        let used = usage(&[pending, odd], at(5));
        assert_eq!(
            used.hours[&("m5.xlarge".to_string(), Market::OnDemand)],
            0.0
        );
        assert_eq!(used.unknown_market, ["o"]);
        // An ended instance's hours stop at its end, and it is final.
        let ended = instance("e", "m5.xlarge", Market::OnDemand, 0, Some(1));
        assert_eq!((ended.hours(at(9)), ended.is_final()), (1.0, true));
        assert_eq!(Market::from_emr("SPOT"), Some(Market::Spot));
    }
}
