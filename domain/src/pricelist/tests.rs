//! Product documents shaped as the Price List returns them
//! (tests/fixtures/pricelist/), and every near-duplicate the API answers
//! beside them, each of which must be skipped.

use super::*;

const EC2: &str =
    include_str!("../../../tests/fixtures/pricelist/ec2-m5.xlarge-linux-us-east-1.json");
const EMR: &str = include_str!("../../../tests/fixtures/pricelist/emr-m5.xlarge-us-east-1.json");

/// The EC2 document with `change` applied to it, at another price.
fn variant(base: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value = serde_json::from_str(base).unwrap();
    change(&mut doc);
    doc.to_string()
}

fn set_attribute<'a>(field: &'a str, value: &str) -> impl FnOnce(&mut Value) + 'a {
    let value = value.to_string();
    move |doc: &mut Value| doc["product"]["attributes"][field] = Value::String(value)
}

fn set_price(doc: &mut Value, f: impl FnOnce(&mut Value)) {
    let terms = doc["terms"]["OnDemand"].as_object_mut().unwrap();
    let term = terms.values_mut().next().unwrap();
    let dims = term["priceDimensions"].as_object_mut().unwrap();
    f(dims.values_mut().next().unwrap());
}

#[test]
fn the_linux_on_demand_price_and_emrs_uplift_are_read() {
    let ec2 = read(EC2, Service::Ec2, "us-east-1", "m5.xlarge").unwrap();
    assert_eq!(ec2.usd_per_hour, 0.192);
    assert_eq!(ec2.sku, "ECEGNPSNJCMU7KDS");
    assert_eq!(
        ec2.published.unwrap().to_rfc3339(),
        "2026-11-05T17:04:37+00:00"
    );
    let emr = read(EMR, Service::Emr, "us-east-1", "m5.xlarge").unwrap();
    assert_eq!(emr.usd_per_hour, 0.048);
    // Each is only the product of its own service.
    assert_eq!(
        read(EMR, Service::Ec2, "us-east-1", "m5.xlarge"),
        Err(Skipped::OtherProduct("serviceCode"))
    );
}

/// What GetProducts answers beside the right product, all cheaper or
/// dearer, none of which may be taken.
fn distractors() -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for (field, value) in [
        ("operatingSystem", "Windows"),
        ("operation", "RunInstances:0010"), // RHEL
        ("operation", "RunInstances:0006"), // Windows with SQL Server
        ("tenancy", "Dedicated"),
        ("tenancy", "Host"),
        ("capacitystatus", "UnusedCapacityReservation"),
        ("capacitystatus", "AllocatedCapacityReservation"),
        ("preInstalledSw", "SQL Web"),
        ("licenseModel", "Bring your own license"),
        ("regionCode", "us-west-2"),
        ("instanceType", "m5.2xlarge"),
    ] {
        let doc = variant(EC2, |d| {
            set_attribute(field, value)(d);
            set_price(d, |p| p["pricePerUnit"]["USD"] = "0.0100000000".into());
        });
        out.push((doc, field));
    }
    out.push((
        variant(EC2, |d| {
            d["product"]["productFamily"] = "Dedicated Host".into()
        }),
        "productFamily",
    ));
    out
}

#[test]
fn no_near_duplicate_is_ever_taken() {
    for (doc, field) in distractors() {
        assert_eq!(
            read(&doc, Service::Ec2, "us-east-1", "m5.xlarge"),
            Err(Skipped::OtherProduct(field)),
            "{field}"
        );
    }
    // Among them, in any order, the right one is found.
    let mut page: Vec<String> = distractors().into_iter().map(|(d, _)| d).collect();
    page.insert(page.len() / 2, EC2.to_string());
    for _ in 0..page.len() {
        page.rotate_left(1);
        let chosen = select(&page, Service::Ec2, "us-east-1", "m5.xlarge");
        assert_eq!(chosen.price.map(|p| p.usd_per_hour), Some(0.192));
        assert_eq!(chosen.skipped.len(), page.len() - 1);
    }
    // An EMR product for another engine is not EMR's uplift on EC2.
    let eks = variant(EMR, set_attribute("softwareType", "EMR on EKS"));
    assert_eq!(
        read(&eks, Service::Emr, "us-east-1", "m5.xlarge"),
        Err(Skipped::OtherProduct("softwareType"))
    );
}

#[test]
fn a_price_that_is_not_one_is_skipped_never_guessed() {
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Change, Skipped)> = vec![
        (
            Box::new(|p: &mut Value| p["unit"] = "Quantity".into()),
            Skipped::UnknownUnit("Quantity".into()),
        ),
        (
            Box::new(|p: &mut Value| p["pricePerUnit"] = serde_json::json!({"CNY": "1.2"})),
            Skipped::NotUsd,
        ),
        (
            Box::new(|p: &mut Value| p["pricePerUnit"]["USD"] = "0.0000000000".into()),
            Skipped::BadPrice("0.0000000000".into()),
        ),
        (
            Box::new(|p: &mut Value| p["pricePerUnit"]["USD"] = "NaN".into()),
            Skipped::BadPrice("NaN".into()),
        ),
    ];
    for (change, expected) in cases {
        let doc = variant(EC2, |d| set_price(d, |p| change(p)));
        assert_eq!(
            read(&doc, Service::Ec2, "us-east-1", "m5.xlarge"),
            Err(expected)
        );
    }
    let no_terms = variant(EC2, |d| d["terms"] = serde_json::json!({"Reserved": {}}));
    assert_eq!(
        read(&no_terms, Service::Ec2, "us-east-1", "m5.xlarge"),
        Err(Skipped::NoHourlyPrice)
    );
    assert_eq!(
        read("{\"product\":", Service::Ec2, "us-east-1", "m5.xlarge"),
        Err(Skipped::NotJson)
    );
}

#[test]
fn products_that_match_but_disagree_give_no_price() {
    let dearer = variant(EC2, |d| {
        set_price(d, |p| p["pricePerUnit"]["USD"] = "0.2000000000".into())
    });
    let chosen = select(
        &[EC2.to_string(), dearer],
        Service::Ec2,
        "us-east-1",
        "m5.xlarge",
    );
    assert_eq!((chosen.price, chosen.conflicting), (None, 2));
    // The same product twice (a page boundary) is one price.
    let twice = select(
        &[EC2.to_string(), EC2.to_string()],
        Service::Ec2,
        "us-east-1",
        "m5.xlarge",
    );
    assert_eq!(twice.price.map(|p| p.usd_per_hour), Some(0.192));
}

#[test]
fn the_query_asks_for_what_is_checked() {
    let asked = filters(Service::Ec2, "ap-northeast-1", "r5.2xlarge");
    for wanted in [
        ("instanceType", "r5.2xlarge"),
        ("regionCode", "ap-northeast-1"),
        ("operatingSystem", "Linux"),
        ("tenancy", "Shared"),
        ("preInstalledSw", "NA"),
        ("capacitystatus", "Used"),
    ] {
        assert!(
            asked.iter().any(|(f, v)| *f == wanted.0 && v == wanted.1),
            "{wanted:?}"
        );
    }
}

const EBS: &str = include_str!("../../../tests/fixtures/pricelist/ebs-gp3-us-east-1.json");

#[test]
fn an_ebs_volume_type_is_priced_per_gb_hour_from_its_gb_month_price() {
    let gp3 = read(EBS, Service::Ebs, "us-east-1", "gp3").unwrap();
    assert!(
        (gp3.usd_per_hour - 0.08 / HOURS_PER_MONTH).abs() < 1e-15,
        "{gp3:?}"
    );
    // gp3's IOPS and throughput are products of their own with the same
    // volumeApiName: never taken for its storage.
    let iops = variant(EBS, |d| {
        d["product"]["productFamily"] = Value::String("System Operation".into());
    });
    assert_eq!(
        read(&iops, Service::Ebs, "us-east-1", "gp3"),
        Err(Skipped::OtherProduct("productFamily"))
    );
    // Per hour is not per GB-month: a storage price in another unit is skipped.
    let hourly = variant(EBS, |d| {
        set_price(d, |dim| dim["unit"] = Value::String("Hrs".into()))
    });
    assert!(matches!(
        read(&hourly, Service::Ebs, "us-east-1", "gp3"),
        Err(Skipped::UnknownUnit(_))
    ));
    assert_eq!(
        read(EBS, Service::Ebs, "us-east-1", "io1"),
        Err(Skipped::OtherProduct("volumeApiName"))
    );
    assert_eq!(Service::Ebs.code(), "AmazonEC2");
    assert_ne!(Service::Ebs.key(), Service::Ec2.key());
}
