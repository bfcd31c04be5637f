use super::*;
use crate::ports::prices::PriceListError;
use crate::pricelist::ListedPrice;
use crate::spot::{SpotBook, SpotPoint};
use crate::usage::InstanceRecord;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Mutex;

mod spending;

/// A Price List that knows some (service, type) prices, or is down.
#[derive(Default)]
struct Listed {
    prices: Vec<(Service, &'static str, f64, &'static str)>,
    down: bool,
    asked: Mutex<Vec<(Service, String)>>,
}

#[async_trait]
impl PriceList for Listed {
    async fn hourly(
        &self,
        service: Service,
        region: &str,
        instance_type: &str,
    ) -> Result<Option<ListedPrice>, PriceListError> {
        self.asked
            .lock()
            .unwrap()
            .push((service, instance_type.to_string()));
        if self.down {
            return Err(PriceListError::Unreachable("timed out".into()));
        }
        Ok(self
            .prices
            .iter()
            .find(|(s, t, _, _)| *s == service && *t == instance_type)
            .map(|(_, t, usd, published)| ListedPrice {
                service,
                region: region.into(),
                instance_type: (*t).into(),
                usd_per_hour: *usd,
                sku: "SKU".into(),
                published: Some(published.parse::<DateTime<Utc>>().unwrap()),
            }))
    }
}

fn types(t: &[&str]) -> Wanted {
    Wanted {
        instances: t.iter().map(|t| t.to_string()).collect(),
        volumes: BTreeSet::new(),
    }
}

fn day(d: &str) -> Option<NaiveDate> {
    Some(d.parse().unwrap())
}

#[tokio::test]
async fn a_type_is_priced_from_the_price_list_as_ec2_plus_emr_dated_by_the_older() {
    let list = Listed {
        prices: vec![
            (Service::Ec2, "m5.xlarge", 0.2, "2026-11-20T00:00:00Z"),
            (Service::Emr, "m5.xlarge", 0.05, "2026-10-01T00:00:00Z"),
        ],
        ..Listed::default()
    };
    let book = read(
        &list,
        &Prices::default(),
        "us-east-1",
        types(&["m5.xlarge"]),
    )
    .await;
    let q = book.quote("m5.xlarge").unwrap();
    assert!((q.usd_per_hour - 0.25).abs() < 1e-12);
    assert_eq!(q.source, PriceSource::PriceList(day("2026-10-01")));
}

#[tokio::test]
async fn the_built_in_table_is_the_fallback_and_says_why() {
    let down = Listed {
        down: true,
        ..Listed::default()
    };
    let book = read(
        &down,
        &Prices::default(),
        "us-east-1",
        types(&["m5.xlarge"]),
    )
    .await;
    assert_eq!(
        book.quote("m5.xlarge").map(|q| q.source),
        Some(PriceSource::BuiltIn(Fallback::Unreachable))
    );
    // EC2 listed, EMR not: no half price; the whole quote falls back.
    let half = Listed {
        prices: vec![(Service::Ec2, "m5.xlarge", 0.2, "2026-11-20T00:00:00Z")],
        ..Listed::default()
    };
    let book = read(
        &half,
        &Prices::default(),
        "us-east-1",
        types(&["m5.xlarge"]),
    )
    .await;
    let q = book.quote("m5.xlarge").unwrap();
    assert_eq!(q.source, PriceSource::BuiltIn(Fallback::NoProduct));
    assert!(
        (q.usd_per_hour - 0.24).abs() < 1e-12,
        "the table's m5.xlarge"
    );
}

#[tokio::test]
async fn a_type_no_source_prices_is_unpriced_never_zero() {
    let down = Listed {
        down: true,
        ..Listed::default()
    };
    // The built-in table is us-east-1's: no fallback in another region.
    let book = read(
        &down,
        &Prices::default(),
        "eu-west-1",
        types(&["m5.xlarge"]),
    )
    .await;
    assert_eq!(book.quote("m5.xlarge"), None);
    let rate = book.hourly(&[group("m5.xlarge", 2, false)], None);
    assert_eq!(
        (rate.usd, rate.unpriced.clone()),
        (0.0, vec!["m5.xlarge".into()])
    );
}

#[tokio::test]
async fn the_config_wins_over_the_price_list_and_it_is_not_asked() {
    let list = Listed {
        prices: vec![
            (Service::Ec2, "m5.xlarge", 0.2, "2026-11-20T00:00:00Z"),
            (Service::Emr, "m5.xlarge", 0.05, "2026-11-20T00:00:00Z"),
        ],
        ..Listed::default()
    };
    let prices: Prices = toml::from_str(
        "region = \"us-east-1\"\n[instances.\"m5.xlarge\"]\nec2 = 0.1\nemr = 0.01\n",
    )
    .unwrap();
    let book = read(&list, &prices, "us-east-1", types(&["m5.xlarge"])).await;
    let q = book.quote("m5.xlarge").unwrap();
    assert_eq!(q.source, PriceSource::Config);
    assert!((q.usd_per_hour - 0.11).abs() < 1e-12);
    assert!(list.asked.lock().unwrap().is_empty());
}

/// `h` hours into the day the tests are set on.
fn at(h: i64) -> DateTime<Utc> {
    "2026-12-07T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + chrono::Duration::hours(h)
}

/// An instance of no group that ran from `from` hours (to `to`, or still).
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

fn group(t: &str, running: i32, spot: bool) -> CapacityGroup {
    CapacityGroup {
        id: "ig".into(),
        name: None,
        role: None,
        instance_type: t.into(),
        requested: running,
        running,
        is_fleet: t.contains('/'),
        ebs: Vec::new(),
        spot,
    }
}

fn listed(t: &str, usd: f64) -> (String, Option<Quote>) {
    (
        t.into(),
        Some(Quote {
            usd_per_hour: usd,
            emr_per_hour: usd / 5.0,
            source: PriceSource::PriceList(day("2026-12-01")),
        }),
    )
}

#[test]
fn a_rate_names_its_sources_and_what_it_could_not_price() {
    let mut quotes = vec![listed("m5.xlarge", 0.25)];
    quotes.push((
        "r5.xlarge".into(),
        Some(Quote {
            usd_per_hour: 0.3,
            emr_per_hour: 0.06,
            source: PriceSource::BuiltIn(Fallback::Unreachable),
        }),
    ));
    quotes.push(("x9.huge".into(), None));
    let book = PriceBook::of(quotes);
    let rate = book.hourly(
        &[
            group("m5.xlarge/m5a.xlarge", 2, false),
            group("r5.xlarge", 1, true),
            group("x9.huge", 3, false),
            group("c5.xlarge", 0, false),
        ],
        None,
    );
    assert!((rate.usd - 0.8).abs() < 1e-12, "{rate:?}");
    assert!(rate.spot);
    assert_eq!(rate.unpriced, ["x9.huge"]);
    assert_eq!(
        rate.sources.keys().copied().collect::<Vec<_>>(),
        [
            PriceSource::PriceList(day("2026-12-01")),
            PriceSource::BuiltIn(Fallback::Unreachable)
        ]
    );
}

#[test]
fn what_was_spent_is_each_instances_hours_at_its_types_price() {
    let records = [
        instance("m", "m5.xlarge", Market::OnDemand, 0, None),
        instance("c1", "m5.xlarge", Market::OnDemand, 0, Some(2)),
        instance("t1", "r5.xlarge", Market::Spot, 1, None),
    ];
    let book = PriceBook::of([listed("m5.xlarge", 0.25)]);
    let spent = book.spent(&records, &[], at(4), None);
    assert!((spent.usd - 6.0 * 0.25).abs() < 1e-12, "{spent:?}");
    assert_eq!(spent.instance_hours, 9.0);
    assert_eq!(spent.unpriced, ["r5.xlarge"]);
    assert!(
        !spent.spot,
        "the spot hours had no price, so none were priced at on-demand"
    );
}

#[test]
fn spot_hours_cost_the_spot_price_they_ran_at_plus_emr() {
    let mut spot = SpotBook::default();
    spot.insert(
        "us-east-1a",
        "m5.xlarge",
        vec![
            SpotPoint {
                at: at(-1),
                usd_per_hour: 0.06,
            },
            SpotPoint {
                at: at(2),
                usd_per_hour: 0.10,
            },
        ],
    );
    let task = instance("t", "m5.xlarge", Market::Spot, 0, Some(4));
    // On demand 0.25, of which EMR 0.05.
    let book = PriceBook::of([listed("m5.xlarge", 0.25)]);
    let spent = book.spent(
        std::slice::from_ref(&task),
        &[],
        at(6),
        Some((&spot, "us-east-1a")),
    );
    // 4 h at an average 0.08 spot + 0.05 EMR.
    assert!((spent.usd - 4.0 * 0.13).abs() < 1e-9, "{spent:?}");
    assert!(!spent.spot, "priced from spot history, not an upper bound");
    assert_eq!(
        spent.sources.keys().copied().collect::<Vec<_>>(),
        [PriceSource::SpotHistory]
    );
    // Another zone's history is not this one's: on-demand, marked.
    let elsewhere = book.spent(&[task], &[], at(6), Some((&spot, "us-east-1b")));
    assert!((elsewhere.usd - 4.0 * 0.25).abs() < 1e-9);
    assert!(elsewhere.spot);
    // The rate now: the spot price in effect now.
    let rate = book.hourly(
        &[group("m5.xlarge", 2, true)],
        Some(SpotAt {
            book: &spot,
            zone: "us-east-1a",
            now: at(3),
        }),
    );
    assert!((rate.usd - 2.0 * 0.15).abs() < 1e-9, "{rate:?}");
    assert!(!rate.spot);
}
