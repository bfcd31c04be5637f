//! What instances cost over the hours they ran: resizes, mixed fleets,
//! EBS volumes.

use super::*;

#[tokio::test]
async fn ebs_volumes_cost_their_gb_for_the_hours_their_instance_ran() {
    use crate::emr::EbsVolume;
    let list = Listed {
        prices: vec![
            (Service::Ec2, "m5.xlarge", 0.2, "2026-11-20T00:00:00Z"),
            (Service::Emr, "m5.xlarge", 0.05, "2026-11-20T00:00:00Z"),
            // Per GB-hour, as the adapter reads a GB-month price.
            (Service::Ebs, "gp3", 0.001, "2026-11-20T00:00:00Z"),
        ],
        ..Listed::default()
    };
    let mut core = group("m5.xlarge", 2, false);
    core.id = "ig-CORE".into();
    core.ebs = vec![
        EbsVolume {
            volume_type: "gp3".into(),
            size_gb: 100,
        },
        EbsVolume {
            volume_type: "io9".into(),
            size_gb: 10,
        },
    ];
    let mut wanted = Wanted::default();
    wanted.add_groups([&core]);
    let book = read(&list, &Prices::default(), "us-east-1", wanted).await;
    // 2 instances × (0.25 + 100 GB × 0.001); io9 has no price anywhere.
    let rate = book.hourly(std::slice::from_ref(&core), None);
    assert!((rate.usd - 2.0 * 0.35).abs() < 1e-9, "{rate:?}");
    assert_eq!(rate.unpriced, ["io9 volumes"]);
    assert!(rate.sources.values().any(|t| t.contains("gp3 volumes")));
    // One instance of the group for 3 h: its volumes for those 3 h.
    let record = InstanceRecord {
        group: Some("ig-CORE".into()),
        ..instance("c1", "m5.xlarge", Market::OnDemand, 0, Some(3))
    };
    let spent = book.spent(&[record], &[core], at(9), None);
    assert!((spent.usd - 3.0 * 0.35).abs() < 1e-9, "{spent:?}");
}

#[tokio::test]
async fn an_ebs_type_the_price_list_cannot_give_falls_back_per_gb_month() {
    let down = Listed {
        down: true,
        ..Listed::default()
    };
    let wanted = Wanted {
        instances: BTreeSet::new(),
        volumes: ["gp3".to_string()].into(),
    };
    let book = read(&down, &Prices::default(), "us-east-1", wanted).await;
    let mut g = group("m5.xlarge", 1, false);
    g.ebs = vec![crate::emr::EbsVolume {
        volume_type: "gp3".into(),
        size_gb: 730,
    }];
    let rate = book.hourly(&[g], None);
    // 730 GB at the table's $0.08 a GB-month is $0.08 an hour.
    assert!((rate.usd - 0.08).abs() < 1e-9, "{rate:?}");
    assert!(rate
        .sources
        .contains_key(&PriceSource::BuiltIn(Fallback::Unreachable)));
}

#[tokio::test]
async fn a_volume_price_in_the_config_wins_over_the_price_list_and_says_so() {
    let prices: Prices = toml::from_str("[volumes]\ngp3 = 0.0365\n").unwrap();
    let wanted = Wanted {
        instances: BTreeSet::new(),
        volumes: ["gp3".to_string()].into(),
    };
    let book = read(&Listed::default(), &prices, "us-east-1", wanted).await;
    let mut g = group("m5.xlarge", 1, false);
    g.ebs = vec![crate::emr::EbsVolume {
        volume_type: "gp3".into(),
        size_gb: 1000,
    }];
    let rate = book.hourly(&[g], None);
    // 1000 GB at $0.0365 a GB-month is $0.05 an hour.
    assert!((rate.usd - 0.05).abs() < 1e-9, "{rate:?}");
    assert!(rate.sources.contains_key(&PriceSource::Config), "{rate:?}");
}

#[test]
fn a_resized_cluster_costs_each_size_for_the_hours_it_had_it() {
    let record = |id: &str, from, to| instance(id, "m5.xlarge", Market::OnDemand, from, to);
    // Master and 2 core from 0h; 2 more core from 2h; one of them gone at 3h.
    let records = [
        record("m", 0, None),
        record("c1", 0, None),
        record("c2", 0, None),
        record("c3", 2, None),
        record("c4", 2, Some(3)),
    ];
    let book = PriceBook::of([listed("m5.xlarge", 0.24)]);
    let spent = book.spent(&records, &[], at(4), None);
    assert_eq!(spent.instance_hours, 3.0 * 4.0 + 2.0 + 1.0);
    assert!((spent.usd - 15.0 * 0.24).abs() < 1e-9, "{spent:?}");
    // "Its current size all along" would have said 4 instances × 4 h = 16.
}

#[test]
fn a_fleet_of_two_instance_types_costs_each_at_its_own_price() {
    let record = |id: &str, t: &str| InstanceRecord {
        group: Some("if-CORE".into()),
        ..instance(id, t, Market::OnDemand, 0, None)
    };
    let records = [
        record("a", "m5.xlarge"),
        record("b", "r5.xlarge"),
        record("c", "r5.xlarge"),
    ];
    let book = PriceBook::of([listed("m5.xlarge", 0.24), listed("r5.xlarge", 0.315)]);
    let spent = book.spent(&records, &[], at(2), None);
    assert!(
        (spent.usd - 2.0 * (0.24 + 2.0 * 0.315)).abs() < 1e-9,
        "{spent:?}"
    );
    assert_eq!(spent.sources.values().next().unwrap().len(), 2);
}
