//! The AWS Price List's product documents (the JSON strings GetProducts
//! returns in `PriceList`), read as emrbot needs them: the hourly on-demand
//! price of an instance type as EMR runs it on EC2 (Linux, shared tenancy,
//! no pre-installed software, capacity used), and EMR's own per-instance
//! price on top of it.
//!
//! The API answers near-duplicates for the same type: Windows, RHEL and
//! SQL Server, dedicated hosts and instances, unused capacity reservations.
//! The query narrows by the same attributes (see [`filters`]), but a
//! product is taken only if its own attributes say exactly what emrbot
//! wants, so a wrong one can never be picked, whatever the server sends.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Which price: EC2's for the instance, EMR's on top of it, or an EBS
/// volume type's (per GB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Ec2,
    Emr,
    Ebs,
}

/// Hours in a month, as AWS prorates a GB-month of EBS (365 × 24 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

impl Service {
    /// The Price List's service code (EBS is part of EC2's).
    pub fn code(self) -> &'static str {
        match self {
            Service::Ec2 | Service::Ebs => "AmazonEC2",
            Service::Emr => "ElasticMapReduce",
        }
    }

    /// A name of its own, for keeping its prices apart from EC2's.
    pub fn key(self) -> &'static str {
        match self {
            Service::Ebs => "AmazonEC2.EBS",
            other => other.code(),
        }
    }
}

/// One hourly on-demand price, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedPrice {
    pub service: Service,
    pub region: String,
    pub instance_type: String,
    pub usd_per_hour: f64,
    /// The product's SKU, to find it again.
    pub sku: String,
    /// When the price list that holds it was published.
    pub published: Option<DateTime<Utc>>,
}

/// Why a product document was not taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Skipped {
    #[error("not a JSON product document")]
    NotJson,
    /// Another product (Windows, dedicated, another type or region, …): the
    /// attribute that says so.
    #[error("not the product: its `{0}` differs")]
    OtherProduct(&'static str),
    #[error("no on-demand hourly price")]
    NoHourlyPrice,
    #[error("priced per `{0}`, not per hour")]
    UnknownUnit(String),
    #[error("priced in another currency than USD")]
    NotUsd,
    #[error("`{0}` is not a price")]
    BadPrice(String),
}

/// The attributes a product must have, as `(field, value)`: also the
/// Price List's `TERM_MATCH` filters of the query.
pub fn filters(service: Service, region: &str, instance_type: &str) -> Vec<(&'static str, String)> {
    if service == Service::Ebs {
        // `instance_type` is the volume type (`gp3`, `io1`, …).
        return vec![
            ("volumeApiName", instance_type.to_string()),
            ("regionCode", region.to_string()),
        ];
    }
    let mut wanted = vec![
        ("instanceType", instance_type.to_string()),
        ("regionCode", region.to_string()),
    ];
    let fixed: &[(&'static str, &str)] = match service {
        Service::Ec2 => &[
            ("operatingSystem", "Linux"),
            ("tenancy", "Shared"),
            ("preInstalledSw", "NA"),
            ("capacitystatus", "Used"),
            ("licenseModel", "No License required"),
            // RHEL, SUSE, Windows and SQL Server are RunInstances:00xx.
            ("operation", "RunInstances"),
        ],
        Service::Emr => &[("softwareType", "EMR")],
        Service::Ebs => &[],
    };
    wanted.extend(fixed.iter().map(|(k, v)| (*k, v.to_string())));
    wanted
}

fn family(service: Service) -> &'static str {
    match service {
        Service::Ec2 => "Compute Instance",
        Service::Emr => "Elastic Map Reduce Instance",
        Service::Ebs => "Storage",
    }
}

/// The hourly on-demand price in one product document, if it is the one
/// wanted.
pub fn read(
    document: &str,
    service: Service,
    region: &str,
    instance_type: &str,
) -> Result<ListedPrice, Skipped> {
    let doc: Value = serde_json::from_str(document).map_err(|_| Skipped::NotJson)?;
    let product = &doc["product"];
    if doc["serviceCode"].as_str() != Some(service.code()) {
        return Err(Skipped::OtherProduct("serviceCode"));
    }
    if product["productFamily"].as_str() != Some(family(service)) {
        return Err(Skipped::OtherProduct("productFamily"));
    }
    let attributes = &product["attributes"];
    for (field, value) in filters(service, region, instance_type) {
        if attributes[field].as_str() != Some(value.as_str()) {
            return Err(Skipped::OtherProduct(field));
        }
    }
    let usd_per_hour = hourly_usd(&doc["terms"]["OnDemand"], service)?;
    Ok(ListedPrice {
        service,
        region: region.to_string(),
        instance_type: instance_type.to_string(),
        usd_per_hour,
        sku: product["sku"].as_str().unwrap_or_default().to_string(),
        published: doc["publicationDate"]
            .as_str()
            .and_then(|d| d.parse::<DateTime<Utc>>().ok()),
    })
}

/// The first tier (`beginRange` 0) of the on-demand terms' price, per hour
/// in USD (for EBS, per GB-hour: its GB-month price over [`HOURS_PER_MONTH`]).
fn hourly_usd(on_demand: &Value, service: Service) -> Result<f64, Skipped> {
    let (units, per_hour): (&[&str], f64) = match service {
        Service::Ebs => (&["GB-Mo"], HOURS_PER_MONTH),
        _ => (&["Hrs", "Hours"], 1.0),
    };
    let dimensions = on_demand
        .as_object()
        .into_iter()
        .flat_map(|terms| terms.values())
        .filter_map(|term| term["priceDimensions"].as_object())
        .flat_map(|d| d.values());
    let mut found = None;
    for dimension in dimensions {
        if dimension["beginRange"].as_str().is_some_and(|b| b != "0") {
            continue;
        }
        let unit = dimension["unit"].as_str().unwrap_or_default();
        if !units.contains(&unit) {
            return Err(Skipped::UnknownUnit(unit.chars().take(20).collect()));
        }
        let Some(usd) = dimension["pricePerUnit"]["USD"].as_str() else {
            return Err(Skipped::NotUsd);
        };
        let price: f64 = usd
            .parse()
            .ok()
            .filter(|p: &f64| p.is_finite() && *p > 0.0)
            .ok_or_else(|| Skipped::BadPrice(usd.chars().take(20).collect()))?;
        if found.is_some_and(|f| f != price) {
            // Two first tiers that disagree: no price is better than a guess.
            return Err(Skipped::BadPrice(usd.chars().take(20).collect()));
        }
        found = Some(price);
    }
    found.map(|p| p / per_hour).ok_or(Skipped::NoHourlyPrice)
}

/// What a set of product documents says: the price, when exactly one
/// product (or several agreeing) is the one wanted, and why each other was
/// skipped (for the log).
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub price: Option<ListedPrice>,
    pub skipped: Vec<Skipped>,
    /// Products that matched but disagree on the price: none is taken.
    pub conflicting: usize,
}

pub fn select(
    documents: &[String],
    service: Service,
    region: &str,
    instance_type: &str,
) -> Selection {
    let mut matched: Vec<ListedPrice> = Vec::new();
    let mut skipped = Vec::new();
    for document in documents {
        match read(document, service, region, instance_type) {
            Ok(price) => matched.push(price),
            Err(why) => skipped.push(why),
        }
    }
    let agree = matched
        .windows(2)
        .all(|w| w[0].usd_per_hour == w[1].usd_per_hour);
    if agree {
        Selection {
            price: matched.into_iter().next(),
            skipped,
            conflicting: 0,
        }
    } else {
        Selection {
            price: None,
            skipped,
            conflicting: matched.len(),
        }
    }
}

#[cfg(test)]
mod tests;
