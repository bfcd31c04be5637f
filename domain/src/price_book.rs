//! The prices a cost figure is made of, each with where it came from: the
//! AWS Price List (EC2 on-demand plus EMR's uplift, in the cluster's region),
//! `[prices]` in the config where it names a type, or the built-in table
//! when the Price List cannot answer, said as the fallback it is.
//!
//! A [`PriceBook`] is read once per command for the instance types the
//! command shows (one Price List query per (service, region, type), behind
//! the day-long cache); every figure is then priced from it, so the figures
//! of one reply agree.

use crate::emr::CapacityGroup;
use crate::ports::prices::PriceList;
use crate::pricelist::Service;
use crate::prices::Prices;
use crate::spot::SpotBook;
use crate::usage::{InstanceRecord, Market};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Where a price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PriceSource {
    /// AWS's Price List, as published on that day (`None`: undated).
    PriceList(Option<NaiveDate>),
    /// EC2's spot price history (plus EMR's uplift from the price book).
    SpotHistory,
    /// `[prices]` in the config, which wins over every other source.
    Config,
    /// The built-in table, because the Price List did not answer.
    BuiltIn(Fallback),
}

/// Why the built-in table was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fallback {
    /// The Price List could not be reached, or refused the query.
    Unreachable,
    /// The Price List has no product for the type in the region.
    NoProduct,
}

/// An instance type's on-demand price per hour (EC2 + EMR), and its source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quote {
    pub usd_per_hour: f64,
    /// EMR's part of it, which spot hours pay on top of the spot price.
    pub emr_per_hour: f64,
    pub source: PriceSource,
}

/// The instance types priced from each source: what a reply says under its
/// figures.
pub type Sources = BTreeMap<PriceSource, BTreeSet<String>>;

/// What a cluster costs per hour.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rate {
    pub usd: f64,
    /// Instance types with no price (not counted in `usd`).
    pub unpriced: Vec<String>,
    /// Some capacity is spot, priced at on-demand rates: `usd` is an upper bound.
    pub spot: bool,
    /// The types priced from each source.
    pub sources: Sources,
}

impl Rate {
    /// At this rate for `uptime`: the cost so far.
    pub fn over(&self, uptime: chrono::Duration) -> f64 {
        self.usd * uptime.num_seconds().max(0) as f64 / 3600.0
    }
}

/// The quotes of one command's instance types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PriceBook {
    /// `None`: no source has a price for the type (it is named, never zero).
    quotes: BTreeMap<String, Option<Quote>>,
    /// EBS volume types, per GB-hour.
    volumes: BTreeMap<String, Option<Quote>>,
}

/// What a reply prices: instance types and EBS volume types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wanted {
    pub instances: BTreeSet<String>,
    pub volumes: BTreeSet<String>,
}

impl Wanted {
    /// What `groups` run: their (first) instance types and volume types.
    pub fn add_groups<'a>(&mut self, groups: impl IntoIterator<Item = &'a CapacityGroup>) {
        for g in groups {
            self.instances
                .insert(first_type(&g.instance_type).to_string());
            self.volumes
                .extend(g.ebs.iter().map(|v| v.volume_type.clone()));
        }
    }
}

/// How an EBS volume type is named among a reply's priced types.
pub fn volume_name(volume_type: &str) -> String {
    format!("{volume_type} volumes")
}

/// What a cluster's instances cost over the hours they ran.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spent {
    pub usd: f64,
    pub instance_hours: f64,
    /// Instance types with hours and no price (not counted in `usd`).
    pub unpriced: Vec<String>,
    /// Some hours were spot, priced at on-demand rates: `usd` is an upper bound.
    pub spot: bool,
    pub sources: Sources,
}

impl PriceBook {
    /// A book of the given quotes (tests, and [`read`]).
    pub fn of(quotes: impl IntoIterator<Item = (String, Option<Quote>)>) -> Self {
        Self {
            quotes: quotes.into_iter().collect(),
            volumes: BTreeMap::new(),
        }
    }

    /// The same book with these EBS volume types' quotes (per GB-hour).
    pub fn with_volumes(
        mut self,
        volumes: impl IntoIterator<Item = (String, Option<Quote>)>,
    ) -> Self {
        self.volumes.extend(volumes);
        self
    }

    /// What one instance of `group` pays an hour for its EBS volumes, with
    /// the sources used and the volume types no source prices.
    fn ebs_per_instance_hour(
        &self,
        group: &CapacityGroup,
        into: &mut Sources,
        unpriced: &mut Vec<String>,
    ) -> f64 {
        let mut usd = 0.0;
        for v in &group.ebs {
            match self.volumes.get(&v.volume_type).copied().flatten() {
                Some(q) => {
                    usd += q.usd_per_hour * f64::from(v.size_gb);
                    into.entry(q.source)
                        .or_default()
                        .insert(volume_name(&v.volume_type));
                }
                None => unpriced.push(volume_name(&v.volume_type)),
            }
        }
        usd
    }

    pub fn quote(&self, instance_type: &str) -> Option<Quote> {
        self.quotes.get(instance_type).copied().flatten()
    }

    /// The hourly rate of `groups` at their running size (a fleet at its
    /// first instance type, one instance per unit of capacity). Spot groups
    /// at the spot price now where `spot` has it, else at on-demand (an
    /// upper bound, marked).
    pub fn hourly(&self, groups: &[CapacityGroup], spot: Option<SpotAt<'_>>) -> Rate {
        let mut rate = Rate::default();
        for g in groups.iter().filter(|g| g.running > 0) {
            let ebs = self.ebs_per_instance_hour(g, &mut rate.sources, &mut rate.unpriced);
            rate.usd += ebs * f64::from(g.running);
            let first = first_type(&g.instance_type);
            let Some(q) = self.quote(first) else {
                rate.unpriced.push(first.to_string());
                rate.spot |= g.spot;
                continue;
            };
            let spot_now = spot
                .filter(|_| g.spot)
                .and_then(|s| s.book.at(s.zone, first, s.now));
            let (usd, source) = match spot_now {
                Some(price) => (price + q.emr_per_hour, PriceSource::SpotHistory),
                None => {
                    rate.spot |= g.spot;
                    (q.usd_per_hour, q.source)
                }
            };
            rate.usd += usd * f64::from(g.running);
            rate.sources
                .entry(source)
                .or_default()
                .insert(first.to_string());
        }
        rate.unpriced.sort();
        rate.unpriced.dedup();
        rate
    }

    /// What `records` cost up to `now`: each instance's hours at its type's
    /// price plus its group's EBS volumes; a spot instance at the spot price averaged over the hours it
    /// ran, where `spot` has the history (else at on-demand, marked).
    pub fn spent(
        &self,
        records: &[InstanceRecord],
        groups: &[CapacityGroup],
        now: DateTime<Utc>,
        spot: Option<(&SpotBook, &str)>,
    ) -> Spent {
        let mut spent = Spent::default();
        for r in records {
            let hours = r.hours(now);
            // Its volumes, for as long as it ran (EBS as its group configures it).
            if let Some(g) = groups
                .iter()
                .find(|g| r.group.as_deref() == Some(g.id.as_str()))
            {
                let ebs = self.ebs_per_instance_hour(g, &mut spent.sources, &mut spent.unpriced);
                spent.usd += ebs * hours;
            }
            let Some(market) = r.market else {
                continue;
            };
            spent.instance_hours += hours;
            if hours <= 0.0 {
                continue;
            }
            let Some(q) = self.quote(&r.instance_type) else {
                spent.unpriced.push(r.instance_type.clone());
                continue;
            };
            let average = match (market, spot, r.started) {
                (Market::Spot, Some((book, zone)), Some(started)) => book.average(
                    zone,
                    &r.instance_type,
                    started,
                    r.ended.unwrap_or(now).min(now),
                ),
                _ => None,
            };
            let (usd, source) = match average {
                Some(price) => (price + q.emr_per_hour, PriceSource::SpotHistory),
                None => {
                    spent.spot |= market == Market::Spot;
                    (q.usd_per_hour, q.source)
                }
            };
            spent.usd += usd * hours;
            spent
                .sources
                .entry(source)
                .or_default()
                .insert(r.instance_type.clone());
        }
        spent.unpriced.sort();
        spent.unpriced.dedup();
        spent
    }
}

/// The spot prices of the zone a cluster runs in, at an instant.
#[derive(Debug, Clone, Copy)]
pub struct SpotAt<'a> {
    pub book: &'a SpotBook,
    pub zone: &'a str,
    pub now: DateTime<Utc>,
}

/// Adds `from`'s sources to `into`.
pub fn merge(into: &mut Sources, from: &Sources) {
    for (source, types) in from {
        into.entry(*source)
            .or_default()
            .extend(types.iter().cloned());
    }
}

/// A fleet names its types `a/b/c`; it is priced at the first.
pub fn first_type(instance_type: &str) -> &str {
    instance_type.split('/').next().unwrap_or_default()
}

/// Reads the quotes of what is `wanted` in `region`: `[prices]` where it
/// names the type, else the Price List (EC2 and EMR, concurrently), else
/// the built-in table with the reason. A Price List that fails costs a
/// fallback, never the figure.
pub async fn read(
    list: &dyn PriceList,
    prices: &Prices,
    region: &str,
    wanted: Wanted,
) -> PriceBook {
    let quotes = wanted.instances.into_iter().map(|t| async move {
        let quote = quote(list, prices, region, &t).await;
        (t, quote)
    });
    let volumes = wanted.volumes.into_iter().map(|v| async move {
        let quote = volume_quote(list, prices, region, &v).await;
        (v, quote)
    });
    let (quotes, volumes) = tokio::join!(
        futures_util::future::join_all(quotes),
        futures_util::future::join_all(volumes)
    );
    PriceBook::of(quotes).with_volumes(volumes)
}

async fn volume_quote(
    list: &dyn PriceList,
    prices: &Prices,
    region: &str,
    v: &str,
) -> Option<Quote> {
    if let Some(per_month) = prices.configured_volume(region, v) {
        return Some(Quote {
            usd_per_hour: per_month / crate::pricelist::HOURS_PER_MONTH,
            emr_per_hour: 0.0,
            source: PriceSource::Config,
        });
    }
    let fallback = match list.hourly(Service::Ebs, region, v).await {
        Ok(Some(listed)) => {
            return Some(Quote {
                usd_per_hour: listed.usd_per_hour,
                emr_per_hour: 0.0,
                source: PriceSource::PriceList(listed.published.map(|d| d.date_naive())),
            })
        }
        Ok(None) => Fallback::NoProduct,
        Err(error) => {
            tracing::warn!(volume_type = v, region, error = %error, "price list: using the built-in EBS price");
            Fallback::Unreachable
        }
    };
    prices.built_in_volume(region, v).map(|per_month| Quote {
        usd_per_hour: per_month / crate::pricelist::HOURS_PER_MONTH,
        emr_per_hour: 0.0,
        source: PriceSource::BuiltIn(fallback),
    })
}

async fn quote(list: &dyn PriceList, prices: &Prices, region: &str, t: &str) -> Option<Quote> {
    if let Some(p) = prices.configured(region, t) {
        return Some(Quote {
            usd_per_hour: p.ec2 + p.emr,
            emr_per_hour: p.emr,
            source: PriceSource::Config,
        });
    }
    let (ec2, emr) = tokio::join!(
        list.hourly(Service::Ec2, region, t),
        list.hourly(Service::Emr, region, t)
    );
    let fallback = match (ec2, emr) {
        (Ok(Some(ec2)), Ok(Some(emr))) => {
            let published = [ec2.published, emr.published]
                .into_iter()
                .flatten()
                .min()
                .map(|d| d.date_naive());
            return Some(Quote {
                usd_per_hour: ec2.usd_per_hour + emr.usd_per_hour,
                emr_per_hour: emr.usd_per_hour,
                source: PriceSource::PriceList(published),
            });
        }
        (Err(error), _) | (_, Err(error)) => {
            tracing::warn!(instance_type = t, region, error = %error, "price list: using the built-in price");
            Fallback::Unreachable
        }
        _ => {
            tracing::info!(
                instance_type = t,
                region,
                "price list has no product; using the built-in price"
            );
            Fallback::NoProduct
        }
    };
    prices.built_in(region, t).map(|p| Quote {
        usd_per_hour: p.ec2 + p.emr,
        emr_per_hour: p.emr,
        source: PriceSource::BuiltIn(fallback),
    })
}

#[cfg(test)]
mod tests;
