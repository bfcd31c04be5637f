//! What a cluster used, from EMR's own instance records (`ListInstances`
//! through the real SDK, on the emulator): each instance with its type,
//! market and start, and the instance-hours they add up to.

use emrbot_domain::cluster::ClusterId;
use emrbot_domain::ports::clusters::ClusterReader;
use emrbot_domain::price_book::{PriceBook, PriceSource, Quote};
use emrbot_domain::usage::Market;
use emrbot_shared::aws::emr::AwsClusterApi;
use emrbot_tests::launch_cluster;

#[tokio::test]
async fn a_clusters_instances_are_read_with_type_market_and_start() {
    let (_emulator, aws, _) = emrbot_tests::aws::emulator_with_resources().await;
    let emr = aws_sdk_emr::Client::new(&aws);
    let id = launch_cluster(&emr, "metered").await.unwrap();
    let api = AwsClusterApi::from_sdk_config(&aws);
    let id = ClusterId::parse(&id).unwrap();
    let records = api.list_instances(&id).await.expect("ListInstances");
    // The demo cluster: one master and two core m5.xlarge, on demand.
    assert_eq!(records.len(), 3, "{records:?}");
    for r in &records {
        assert_eq!(r.instance_type, "m5.xlarge", "{r:?}");
        assert_eq!(r.market, Some(Market::OnDemand), "{r:?}");
        assert!(r.started.is_some() && r.ended.is_none(), "{r:?}");
        assert!(r.group.is_some(), "{r:?}");
    }
    let an_hour_on = records[0].started.unwrap() + chrono::Duration::hours(1);
    let book = PriceBook::of([(
        "m5.xlarge".to_string(),
        Some(Quote {
            usd_per_hour: 0.24,
            emr_per_hour: 0.048,
            source: PriceSource::PriceList(None),
        }),
    )]);
    let spent = book.spent(&records, &[], an_hour_on, None);
    assert!((spent.instance_hours - 3.0).abs() < 0.01, "{spent:?}");
    assert!((spent.usd - 0.72).abs() < 0.01, "{spent:?}");
    // An id EMR does not know is an error, not an empty list.
    let unknown = ClusterId::parse("j-NOSUCHCLUSTER").unwrap();
    assert!(api.list_instances(&unknown).await.is_err());
}
