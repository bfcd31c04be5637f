//! The prices emrbot falls back on, and the ones the config sets.
//!
//! Every figure is priced from the AWS Price List first
//! ([`crate::price_book`]). `[prices]` in the config names a region and
//! sets types for it, and wins over the Price List (a negotiated discount,
//! a type the Price List lacks). The built-in table, common types in
//! us-east-1 (Linux on-demand, transcribed from aws.amazon.com/ec2/pricing
//! and aws.amazon.com/emr/pricing), is only the fallback for when the Price
//! List cannot answer, and every figure made from it says so.

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
    /// Per EBS volume type (`gp3`, …), USD per GB-month; these win over the
    /// Price List too.
    #[serde(default)]
    pub volumes: BTreeMap<String, f64>,
}

impl Default for Prices {
    fn default() -> Self {
        Self {
            region: default_region(),
            instances: BTreeMap::new(),
            volumes: BTreeMap::new(),
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

/// (EBS volume type, USD per GB-month) in us-east-1, from
/// aws.amazon.com/ebs/pricing.
const BUILT_IN_VOLUMES: &[(&str, f64)] = &[
    ("gp3", 0.08),
    ("gp2", 0.10),
    ("io1", 0.125),
    ("io2", 0.125),
    ("st1", 0.045),
    ("sc1", 0.015),
    ("standard", 0.05),
];

impl Prices {
    /// The built-in table's price of an EBS volume type per GB-month (us-east-1 only).
    pub fn built_in_volume(&self, region: &str, volume_type: &str) -> Option<f64> {
        (region == BUILT_IN_REGION)
            .then(|| BUILT_IN_VOLUMES.iter().find(|(t, _)| *t == volume_type))
            .flatten()
            .map(|(_, usd)| *usd)
    }

    /// The price per GB-month `[prices]` sets for `volume_type` in `region`.
    pub fn configured_volume(&self, region: &str, volume_type: &str) -> Option<f64> {
        (self.region == region)
            .then(|| self.volumes.get(volume_type).copied())
            .flatten()
    }

    /// The price `[prices]` sets for `instance_type` in `region`.
    pub fn configured(&self, region: &str, instance_type: &str) -> Option<Price> {
        (self.region == region)
            .then(|| self.instances.get(instance_type).copied())
            .flatten()
    }

    /// The built-in table's price (us-east-1 only).
    pub fn built_in(&self, region: &str, instance_type: &str) -> Option<Price> {
        (region == BUILT_IN_REGION)
            .then(|| BUILT_IN.iter().find(|(t, _, _)| *t == instance_type))
            .flatten()
            .map(|(_, ec2, emr)| Price {
                ec2: *ec2,
                emr: *emr,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_sets_prices_for_its_region_and_the_table_is_us_east_1s() {
        let prices: Prices = toml::from_str(
            "region = \"eu-west-1\"\n[instances.\"m5.xlarge\"]\nec2 = 0.214\nemr = 0.048\n",
        )
        .unwrap();
        assert_eq!(
            prices.configured("eu-west-1", "m5.xlarge").map(|p| p.ec2),
            Some(0.214)
        );
        assert_eq!(prices.configured("us-east-1", "m5.xlarge"), None);
        assert_eq!(prices.built_in("eu-west-1", "r5.xlarge"), None);
        assert!(prices.built_in("us-east-1", "r5.xlarge").is_some());
        assert_eq!(prices.built_in("us-east-1", "x9.huge"), None);
    }

    #[test]
    fn the_config_sets_volume_prices_per_gb_month_for_its_region() {
        let prices: Prices =
            toml::from_str("region = \"eu-west-1\"\n[volumes]\ngp3 = 0.088\n").unwrap();
        assert_eq!(prices.configured_volume("eu-west-1", "gp3"), Some(0.088));
        assert_eq!(prices.configured_volume("us-east-1", "gp3"), None);
        assert_eq!(prices.configured_volume("eu-west-1", "io2"), None);
    }
}
