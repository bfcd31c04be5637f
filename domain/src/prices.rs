//! What a cluster costs, estimated from per-instance-type prices: EC2
//! on-demand plus EMR's uplift, per hour, for the region the table is for.
//! Built-in: common types in us-east-1 (Linux on-demand, as published on
//! aws.amazon.com/ec2/pricing/on-demand and aws.amazon.com/emr/pricing;
//! estimates, not a bill). `[prices]` in the config names its region and
//! adds or overrides types; other regions use only what the config lists.
//!
//! The estimate assumes the cluster ran at its current size all along.
//! Spot capacity is priced at on-demand rates (an upper bound) and marked.
//! An instance fleet is priced at its first instance type, one instance per
//! unit of capacity.

use crate::emr::CapacityGroup;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One instance type's hourly price (USD).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// EC2 on-demand.
    pub ec2: f64,
    /// EMR's charge on top.
    pub emr: f64,
}

/// `[prices]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prices {
    /// The region the prices are for.
    #[serde(default = "default_region")]
    pub region: String,
    /// Per instance type; these win over the built-in ones.
    #[serde(default)]
    pub instances: BTreeMap<String, Price>,
}

impl Default for Prices {
    fn default() -> Self {
        Self {
            region: default_region(),
            instances: BTreeMap::new(),
        }
    }
}

fn default_region() -> String {
    BUILT_IN_REGION.into()
}

pub const BUILT_IN_REGION: &str = "us-east-1";

/// (type, EC2 on-demand, EMR uplift) per hour in us-east-1.
const BUILT_IN: &[(&str, f64, f64)] = &[
    ("m5.xlarge", 0.192, 0.048),
    ("m5.2xlarge", 0.384, 0.096),
    ("m5.4xlarge", 0.768, 0.192),
    ("m5.8xlarge", 1.536, 0.27),
    ("m5.12xlarge", 2.304, 0.27),
    ("m6g.xlarge", 0.154, 0.0385),
    ("m6g.2xlarge", 0.308, 0.077),
    ("m6g.4xlarge", 0.616, 0.154),
    ("m7g.xlarge", 0.1632, 0.0408),
    ("m7g.2xlarge", 0.3264, 0.0816),
    ("r5.xlarge", 0.252, 0.063),
    ("r5.2xlarge", 0.504, 0.126),
    ("r5.4xlarge", 1.008, 0.252),
    ("r5.8xlarge", 2.016, 0.27),
    ("r6g.xlarge", 0.2016, 0.0504),
    ("r6g.2xlarge", 0.4032, 0.1008),
    ("c5.xlarge", 0.17, 0.043),
    ("c5.2xlarge", 0.34, 0.085),
    ("c5.4xlarge", 0.68, 0.17),
];

impl Prices {
    pub fn price(&self, instance_type: &str) -> Option<Price> {
        self.instances.get(instance_type).copied().or_else(|| {
            (self.region == BUILT_IN_REGION)
                .then(|| BUILT_IN.iter().find(|(t, _, _)| *t == instance_type))
                .flatten()
                .map(|(_, ec2, emr)| Price {
                    ec2: *ec2,
                    emr: *emr,
                })
        })
    }

    /// The hourly rate of `groups` at their running size.
    pub fn hourly(&self, groups: &[CapacityGroup]) -> Rate {
        let mut rate = Rate::default();
        for g in groups.iter().filter(|g| g.running > 0) {
            let first = g.instance_type.split('/').next().unwrap_or_default();
            match self.price(first) {
                Some(p) => rate.usd += (p.ec2 + p.emr) * f64::from(g.running),
                None => rate.unpriced.push(first.to_string()),
            }
            rate.spot |= g.spot;
        }
        rate.unpriced.sort();
        rate.unpriced.dedup();
        rate
    }
}

/// What a cluster costs per hour.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rate {
    pub usd: f64,
    /// Instance types with no price (not counted in `usd`).
    pub unpriced: Vec<String>,
    /// Some capacity is spot: `usd` is an upper bound.
    pub spot: bool,
}

impl Rate {
    /// At this rate for `uptime`: the cost so far.
    pub fn over(&self, uptime: chrono::Duration) -> f64 {
        self.usd * uptime.num_seconds().max(0) as f64 / 3600.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(t: &str, running: i32, spot: bool) -> CapacityGroup {
        CapacityGroup {
            id: "ig".into(),
            name: None,
            role: None,
            instance_type: t.into(),
            requested: running,
            running,
            is_fleet: t.contains('/'),
            spot,
        }
    }

    #[test]
    fn prices_running_capacity_and_names_what_it_cannot() {
        let prices = Prices::default();
        let rate = prices.hourly(&[
            group("m5.xlarge", 1, false),
            group("r5.2xlarge", 2, true),
            group("x9.huge", 3, false),
            group("m5.4xlarge", 0, false),
        ]);
        assert!((rate.usd - (0.24 + 2.0 * 0.63)).abs() < 1e-9, "{rate:?}");
        assert_eq!(rate.unpriced, vec!["x9.huge".to_string()]);
        assert!(rate.spot);
    }

    #[test]
    fn the_config_overrides_and_other_regions_use_only_it() {
        let mut prices: Prices = toml::from_str(
            "region = \"eu-west-1\"\n[instances.\"m5.xlarge\"]\nec2 = 0.214\nemr = 0.048\n",
        )
        .unwrap();
        assert_eq!(prices.price("m5.xlarge").map(|p| p.ec2), Some(0.214));
        assert_eq!(
            prices.price("r5.xlarge"),
            None,
            "no us-east-1 price in eu-west-1"
        );
        prices.region = BUILT_IN_REGION.into();
        assert!(prices.price("r5.xlarge").is_some());
        // A fleet at its first type.
        assert!(
            prices
                .hourly(&[group("m5.xlarge/m5a.xlarge", 2, false)])
                .usd
                > 0.0
        );
    }
}
