//! What a cluster costs, as `status` tells it: prices from the AWS Price
//! List (a local one that speaks its wire protocol; moto has none) behind
//! the DynamoDB cache, EMR's instance records from the emulator, and the
//! source of every figure said under it, the built-in table as a fallback.

use crate::common;
use aws_sdk_dynamodb::types::AttributeValue;
use emrbot_tests::launch_cluster;

/// A cluster of `instance_type` (1 master, 2 core, and `spot_tasks` spot
/// task instances), launched straight through EMR.
async fn launch_with(
    env: &common::Env,
    name: &str,
    instance_type: &str,
    spot_tasks: i32,
) -> String {
    use aws_sdk_emr::types::{
        InstanceGroupConfig, InstanceRoleType, JobFlowInstancesConfig, MarketType,
    };
    let group = |role: InstanceRoleType, count: i32| {
        InstanceGroupConfig::builder()
            .instance_role(role)
            .instance_type(instance_type)
            .instance_count(count)
            .build()
    };
    let mut instances = JobFlowInstancesConfig::builder()
        .instance_groups(group(InstanceRoleType::Master, 1))
        .instance_groups(group(InstanceRoleType::Core, 2))
        .keep_job_flow_alive_when_no_steps(true);
    if spot_tasks > 0 {
        instances = instances.instance_groups(
            InstanceGroupConfig::builder()
                .instance_role(InstanceRoleType::Task)
                .instance_type(instance_type)
                .instance_count(spot_tasks)
                .market(MarketType::Spot)
                .build(),
        );
    }
    let out = env
        .emr()
        .run_job_flow()
        .name(name)
        .release_label("emr-7.5.0")
        .service_role("EMR_DefaultRole")
        .job_flow_role("EMR_EC2_DefaultRole")
        .instances(instances.build())
        .send()
        .await
        .expect("RunJobFlow");
    out.job_flow_id().unwrap().to_string()
}

async fn status(env: &common::Env, text: &str) -> String {
    let (message, path) = env.text(text, "U1");
    env.worker
        .handle_message(&message, common::FROM_INGRESS)
        .await;
    env.reply(&path)
}

#[tokio::test]
async fn status_prices_from_the_price_list_and_says_of_which_date() {
    let env = common::env().await;
    launch_cluster(&env.emr(), "adhoc-priced").await.unwrap();
    let one = status(&env, "status adhoc-priced").await;
    // 3 × m5.xlarge at the Price List's 0.192 (EC2) + 0.048 (EMR).
    assert!(one.contains("so far ($0.72/h)"), "{one}");
    assert!(
        one.contains("Prices: AWS price list of 2026-11-01 (EC2 on-demand + EMR)."),
        "{one}"
    );
    assert!(
        !one.contains("at its current size"),
        "from EMR's instance records: {one}"
    );
    let all = status(&env, "status").await;
    assert!(
        all.contains("$0.72/h now (one cluster). Prices: AWS price list of 2026-11-01"),
        "{all}"
    );
    // One GetProducts per (service, type) for both replies: the cache served the second.
    let asked: Vec<String> = env
        .price_list
        .requests()
        .iter()
        .map(|r| r["ServiceCode"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(asked.contains(&"AmazonEC2".into()) && asked.contains(&"ElasticMapReduce".into()));
}

#[tokio::test]
async fn the_price_list_down_gives_built_in_prices_said_as_the_fallback() {
    let env = common::env().await;
    launch_cluster(&env.emr(), "adhoc-outage").await.unwrap();
    env.price_list.fail_with(Some(503));
    let one = status(&env, "status adhoc-outage").await;
    assert!(
        one.contains("so far ($0.72/h)"),
        "the figure is still there: {one}"
    );
    assert!(
        one.contains(
            "estimated from built-in prices: the AWS price list could not be reached (m5.xlarge)"
        ),
        "{one}"
    );
    // The outage was not cached: once the Price List is back, so are its prices.
    env.price_list.fail_with(None);
    let again = status(&env, "status adhoc-outage").await;
    assert!(
        again.contains("Prices: AWS price list of 2026-11-01"),
        "{again}"
    );
}

#[tokio::test]
async fn a_type_the_price_list_has_no_product_for_is_named_never_zero() {
    let env = common::env().await;
    // r5.xlarge: in the built-in table, not on the local Price List.
    launch_with(&env, "adhoc-r5", "r5.xlarge", 0).await;
    let one = status(&env, "status adhoc-r5").await;
    assert!(
        one.contains("so far ($0.95/h)"),
        "3 × 0.315 from the table: {one}"
    );
    assert!(
        one.contains(
            "estimated from built-in prices: the AWS price list has no product for r5.xlarge"
        ),
        "{one}"
    );
    // In no source at all: named, and not counted as zero.
    launch_with(&env, "adhoc-x9", "x9.mega", 0).await;
    let odd = status(&env, "status adhoc-x9").await;
    assert!(odd.contains("no price for x9.mega"), "{odd}");
    assert!(!odd.contains("$0.00/h"), "{odd}");
}

#[tokio::test]
async fn spot_capacity_is_priced_from_ec2s_spot_price_history() {
    let env = common::env().await;
    launch_with(&env, "adhoc-spot", "m5.xlarge", 2).await;
    let one = status(&env, "status adhoc-spot").await;
    // The emulator's spot history says $0.00001 an hour: 3 on-demand at
    // 0.24, 2 spot at 0.00001 + EMR's 0.048.
    assert!(one.contains("so far ($0.82/h)"), "{one}");
    assert!(
        one.contains(
            "spot history (EC2's spot price history + EMR) for the spot capacity of m5.xlarge"
        ),
        "{one}"
    );
    assert!(!one.contains("spot at on-demand prices"), "{one}");

    // The history is kept: the next reply prices from what was kept (here
    // made $1.00 an hour), not from another EC2 call.
    let dynamo = aws_sdk_dynamodb::Client::new(&env.aws);
    let kept = dynamo
        .query()
        .table_name("emrbot")
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S("PRICE#SPOT#us-east-1".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(kept.items().len(), 1, "one kept history: {kept:?}");
    let mut item = kept.items()[0].clone();
    let points: Vec<(i64, f64)> = serde_json::from_str(item["points"].as_s().unwrap()).unwrap();
    let dearer: Vec<(i64, f64)> = points.iter().map(|(at, _)| (*at, 1.0)).collect();
    item.insert(
        "points".into(),
        AttributeValue::S(serde_json::to_string(&dearer).unwrap()),
    );
    dynamo
        .put_item()
        .table_name("emrbot")
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    let two = status(&env, "status adhoc-spot").await;
    // 3 × 0.24 + 2 × (1.00 + 0.048).
    assert!(two.contains("so far ($2.82/h)"), "{two}");
}

#[tokio::test]
async fn the_ebs_volumes_a_group_configures_are_priced_from_the_price_list() {
    use aws_sdk_emr::types::{
        EbsBlockDeviceConfig, EbsConfiguration, InstanceGroupConfig, InstanceRoleType,
        JobFlowInstancesConfig, VolumeSpecification,
    };
    let env = common::env().await;
    let volume = EbsConfiguration::builder()
        .ebs_block_device_configs(
            EbsBlockDeviceConfig::builder()
                .volume_specification(
                    VolumeSpecification::builder()
                        .volume_type("gp3")
                        .size_in_gb(365)
                        .build(),
                )
                .volumes_per_instance(1)
                .build(),
        )
        .build();
    let group = |role: InstanceRoleType, count: i32| {
        InstanceGroupConfig::builder()
            .instance_role(role)
            .instance_type("m5.xlarge")
            .instance_count(count)
    };
    env.emr()
        .run_job_flow()
        .name("adhoc-ebs")
        .release_label("emr-7.5.0")
        .service_role("EMR_DefaultRole")
        .job_flow_role("EMR_EC2_DefaultRole")
        .instances(
            JobFlowInstancesConfig::builder()
                .instance_groups(group(InstanceRoleType::Master, 1).build())
                .instance_groups(
                    group(InstanceRoleType::Core, 2)
                        .ebs_configuration(volume)
                        .build(),
                )
                .keep_job_flow_alive_when_no_steps(true)
                .build(),
        )
        .send()
        .await
        .expect("RunJobFlow");
    let one = status(&env, "status adhoc-ebs").await;
    // 3 × m5.xlarge at 0.24, and 2 × 365 GB of gp3 at $0.08 a GB-month
    // (730 h): 0.72 + 0.08.
    assert!(one.contains("so far ($0.80/h)"), "{one}");
    assert!(
        one.contains("Prices: AWS price list of 2026-11-01"),
        "{one}"
    );
    assert!(!one.contains("no price"), "{one}");
}
