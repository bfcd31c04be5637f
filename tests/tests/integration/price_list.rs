//! emrbot's Price List adapter (the real aws-sdk-pricing client) against a
//! local Price List that speaks AWS's wire protocol: the right product is
//! found among the near-duplicates GetProducts answers, across pages; a
//! type with no product is unpriced, not zero; an outage is an error that
//! says a retry may help.

use emrbot_domain::ports::prices::{PriceList, PriceListError};
use emrbot_domain::pricelist::Service;
use emrbot_shared::aws::pricing::AwsPriceList;
use emrbot_tests::fixtures;
use emrbot_tests::price_list::PriceListServer;
use serde_json::Value;

/// The fixture product with attribute `field` set to `value`, cheaper.
fn near_duplicate(field: &str, value: &str) -> Value {
    let mut doc = fixtures::json("pricelist/ec2-m5.xlarge-linux-us-east-1.json");
    doc["product"]["attributes"][field] = Value::String(value.into());
    doc["product"]["sku"] = Value::String(format!("SKU-{field}-{value}"));
    let terms = doc["terms"]["OnDemand"].as_object_mut().unwrap();
    for term in terms.values_mut() {
        for dimension in term["priceDimensions"]
            .as_object_mut()
            .unwrap()
            .values_mut()
        {
            dimension["pricePerUnit"]["USD"] = Value::String("0.0010000000".into());
        }
    }
    doc
}

/// What AWS's Price List holds for m5.xlarge in us-east-1, roughly: the
/// product emrbot wants, and its near-duplicates. The query's filters let
/// some of them through (those it does not filter on), so the choice by
/// attributes is exercised too.
fn catalogue() -> Vec<Value> {
    let mut products = vec![
        near_duplicate("operatingSystem", "Windows"),
        near_duplicate("tenancy", "Dedicated"),
        near_duplicate("capacitystatus", "UnusedCapacityReservation"),
        near_duplicate("preInstalledSw", "SQL Std"),
        near_duplicate("regionCode", "us-west-2"),
        fixtures::json("pricelist/ec2-m5.xlarge-linux-us-east-1.json"),
        fixtures::json("pricelist/emr-m5.xlarge-us-east-1.json"),
    ];
    // A product family the filters cannot tell apart: only its own
    // attributes can.
    let mut host = fixtures::json("pricelist/ec2-m5.xlarge-linux-us-east-1.json");
    host["product"]["productFamily"] = Value::String("Dedicated Host".into());
    products.insert(0, host);
    products
}

fn adapter(server: &PriceListServer) -> AwsPriceList {
    // As every Lambda builds its clients: from the shared SDK config, with
    // the endpoint override the SDK's standard configuration gives.
    let sdk = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("ap-northeast-1"))
        .endpoint_url(&server.endpoint)
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(
                aws_credential_types::Credentials::new("testing", "testing", None, None, "test"),
            ),
        )
        .build();
    AwsPriceList::new(&sdk)
}

#[tokio::test]
async fn the_right_product_is_found_among_its_near_duplicates() {
    // One product to a page: the answer spans pages.
    let server = PriceListServer::start(catalogue(), 1).await;
    let prices = adapter(&server);
    let ec2 = prices
        .hourly(Service::Ec2, "us-east-1", "m5.xlarge")
        .await
        .expect("answered")
        .expect("priced");
    assert_eq!(
        (ec2.usd_per_hour, ec2.sku.as_str()),
        (0.192, "ECEGNPSNJCMU7KDS")
    );
    let emr = prices
        .hourly(Service::Emr, "us-east-1", "m5.xlarge")
        .await
        .unwrap()
        .expect("EMR's uplift");
    assert_eq!(emr.usd_per_hour, 0.048);

    // The query said what it wanted: the service and TERM_MATCH filters.
    let first = &server.requests()[0];
    assert_eq!(first["ServiceCode"], "AmazonEC2");
    assert_eq!(first["FormatVersion"], "aws_v1");
    let filters = first["Filters"].as_array().expect("filters");
    for (field, value) in [
        ("instanceType", "m5.xlarge"),
        ("regionCode", "us-east-1"),
        ("operatingSystem", "Linux"),
        ("tenancy", "Shared"),
        ("capacitystatus", "Used"),
        ("preInstalledSw", "NA"),
    ] {
        assert!(
            filters
                .iter()
                .any(|f| f["Type"] == "TERM_MATCH" && f["Field"] == field && f["Value"] == value),
            "{field}={value} in {filters:?}"
        );
    }
    // The dedicated host passed the filters and was read, across two pages.
    let ec2_requests = server
        .requests()
        .iter()
        .filter(|r| r["ServiceCode"] == "AmazonEC2")
        .count();
    assert_eq!(ec2_requests, 2, "{:?}", server.requests());
}

#[tokio::test]
async fn a_type_without_a_product_is_unpriced_and_an_outage_is_said() {
    let server = PriceListServer::start(catalogue(), 100).await;
    let prices = adapter(&server);
    assert_eq!(
        prices
            .hourly(Service::Ec2, "us-east-1", "x9.mega")
            .await
            .unwrap(),
        None,
        "no product: unpriced, never a zero"
    );
    assert_eq!(
        prices
            .hourly(Service::Ec2, "eu-west-1", "m5.xlarge")
            .await
            .unwrap(),
        None,
        "another region's product is not this one's"
    );
    server.fail_with(Some(503));
    let down = prices
        .hourly(Service::Ec2, "us-east-1", "m5.xlarge")
        .await
        .expect_err("the price list is down");
    assert!(matches!(down, PriceListError::Unreachable(_)), "{down:?}");
    assert!(down.is_transient());
    server.fail_with(Some(400));
    let refused = prices
        .hourly(Service::Ec2, "us-east-1", "m5.xlarge")
        .await
        .expect_err("refused");
    assert!(matches!(refused, PriceListError::Refused(_)), "{refused:?}");
}

/// A clock a test moves.
struct Hands(std::sync::Mutex<chrono::DateTime<chrono::Utc>>);

impl emrbot_domain::ports::clock::Clock for Hands {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn a_price_is_read_from_the_price_list_once_a_day() {
    use emrbot_domain::cached_prices::CachedPriceList;
    use emrbot_shared::aws::dynamodb::DynamoPriceCache;
    use std::sync::Arc;
    let (_emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let server = PriceListServer::start(catalogue(), 100).await;
    let start = chrono::Utc::now();
    let hands = Arc::new(Hands(std::sync::Mutex::new(start)));
    let cache = Arc::new(DynamoPriceCache::new(
        aws_sdk_dynamodb::Client::new(&aws),
        resources.table.clone(),
    ));
    let prices = CachedPriceList::new(Arc::new(adapter(&server)), cache, hands.clone());
    let asked = |server: &PriceListServer| server.requests().len();

    // Cold: one GetProducts per (service, region, type), then none.
    for _ in 0..3 {
        let ec2 = prices.hourly(Service::Ec2, "us-east-1", "m5.xlarge").await;
        assert_eq!(ec2.unwrap().map(|p| p.usd_per_hour), Some(0.192));
        // "No such product" is kept too: it is not asked again either.
        let none = prices.hourly(Service::Ec2, "us-east-1", "x9.mega").await;
        assert_eq!(none.unwrap(), None);
    }
    assert_eq!(asked(&server), 2);
    // What was kept reads back whole (the cache is DynamoDB, not memory).
    let again = CachedPriceList::new(
        Arc::new(adapter(&server)),
        Arc::new(DynamoPriceCache::new(
            aws_sdk_dynamodb::Client::new(&aws),
            resources.table.clone(),
        )),
        hands.clone(),
    );
    let kept = again
        .hourly(Service::Ec2, "us-east-1", "m5.xlarge")
        .await
        .unwrap()
        .expect("kept");
    assert_eq!(
        (kept.usd_per_hour, kept.sku.as_str()),
        (0.192, "ECEGNPSNJCMU7KDS")
    );
    assert_eq!(
        kept.published,
        Some("2026-11-05T17:04:37Z".parse().unwrap())
    );
    assert_eq!(asked(&server), 2);

    // A day on, it is read again; an outage then is an error, not a stale
    // or a zero price.
    *hands.0.lock().unwrap() = start + chrono::Duration::hours(25);
    server.fail_with(Some(503));
    let down = prices.hourly(Service::Ec2, "us-east-1", "m5.xlarge").await;
    assert!(
        matches!(down, Err(PriceListError::Unreachable(_))),
        "{down:?}"
    );
    server.fail_with(None);
    let fresh = prices.hourly(Service::Ec2, "us-east-1", "m5.xlarge").await;
    assert_eq!(fresh.unwrap().map(|p| p.usd_per_hour), Some(0.192));
}
