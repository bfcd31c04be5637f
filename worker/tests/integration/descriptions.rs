//! `status` and `plan` read cluster descriptions in bulk from DynamoDB,
//! kept an hour at most and forgotten when EMR says the cluster changed or
//! emrbot resized it: a second `status` asks EMR only for what it lacks.

use crate::common;
use aws_sdk_dynamodb::types::AttributeValue;
use emrbot_tests::launch_cluster;
use serde_json::json;

/// Makes the kept description of `cluster` read `age` ago.
async fn age_kept_description(env: &common::Env, cluster: &str, age: chrono::Duration) {
    let read_at = (chrono::Utc::now() - age).timestamp();
    aws_sdk_dynamodb::Client::new(&env.aws)
        .update_item()
        .table_name("emrbot")
        .key("pk", AttributeValue::S(format!("CLUSTER#{cluster}")))
        .key("sk", AttributeValue::S("DESC".into()))
        .update_expression("SET read_at = :t")
        .expression_attribute_values(":t", AttributeValue::N(read_at.to_string()))
        .condition_expression("attribute_exists(pk)")
        .send()
        .await
        .expect("a kept description to age");
}

async fn status_list(env: &common::Env) -> String {
    let (message, path) = env.text("status", "U1");
    env.worker
        .handle_message(&message, common::FROM_INGRESS)
        .await;
    env.reply(&path)
}

/// Grows the core group to `count` straight through EMR, as the console or
/// EMR's own scaling would: emrbot is not told.
async fn grow_core(env: &common::Env, cluster: &str, count: i32) {
    let emr = env.emr();
    let groups = emr
        .list_instance_groups()
        .cluster_id(cluster)
        .send()
        .await
        .unwrap();
    let core = groups
        .instance_groups()
        .iter()
        .find(|g| g.instance_group_type().map(|t| t.as_str()) == Some("CORE"))
        .and_then(|g| g.id())
        .unwrap()
        .to_string();
    emr.modify_instance_groups()
        .cluster_id(cluster)
        .instance_groups(
            aws_sdk_emr::types::InstanceGroupModifyConfig::builder()
                .instance_group_id(core)
                .instance_count(count)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

fn state_change(cluster: &str) -> String {
    // FAKE: moto sends no EventBridge events; this is the one EMR would.
    json!({
        "version": "0", "id": "evt-kept-1", "detail-type": "EMR Cluster State Change", "source": "aws.emr",
        "account": "123456789012", "time": "2026-12-07T10:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"severity": "INFO", "stateChangeReason": "{}", "name": "x", "clusterId": cluster,
                   "state": "WAITING", "message": "Cluster state changed"}
    })
    .to_string()
}

#[tokio::test]
async fn a_kept_description_serves_until_emr_says_the_cluster_changed() {
    let env = common::env().await;
    let id = launch_cluster(&env.emr(), "adhoc-kept").await.unwrap();
    assert!(status_list(&env).await.contains("$0.72/h now"));
    // Grown behind emrbot's back: the kept description still says 3 instances.
    grow_core(&env, &id, 4).await;
    let kept = status_list(&env).await;
    assert!(kept.contains("$0.72/h now"), "{kept}");
    // EMR's state-change event: the next status reads EMR again (5 × 0.24).
    env.worker
        .handle_emr_event(&state_change(&id))
        .await
        .unwrap();
    let fresh = status_list(&env).await;
    assert!(fresh.contains("$1.20/h now"), "{fresh}");

    // Without an event, an hour is the most a description is kept.
    grow_core(&env, &id, 6).await;
    assert!(status_list(&env).await.contains("$1.20/h now"));
    age_kept_description(&env, &id, chrono::Duration::minutes(61)).await;
    let later = status_list(&env).await;
    assert!(later.contains("$1.68/h now"), "{later}");
}

/// Adds to the kept instance records of `cluster` one m5.xlarge that ran
/// five hours and ended: what EMR never said, so only a reply that read the
/// kept records can count it.
async fn keep_an_extra_ended_instance(env: &common::Env, cluster: &str) {
    let dynamo = aws_sdk_dynamodb::Client::new(&env.aws);
    let key = |sk: &str| {
        std::collections::HashMap::from([
            (
                "pk".to_string(),
                AttributeValue::S(format!("CLUSTER#{cluster}")),
            ),
            ("sk".to_string(), AttributeValue::S(sk.into())),
        ])
    };
    let kept = dynamo
        .get_item()
        .table_name("emrbot")
        .set_key(Some(key("INSTANCES")))
        .send()
        .await
        .unwrap();
    let item = kept.item().expect("the instance records to be kept");
    let mut records: Vec<serde_json::Value> =
        serde_json::from_str(item["records"].as_s().unwrap()).unwrap();
    let now = chrono::Utc::now();
    records.push(json!({
        "id": "ci-ended-elsewhere", "instance_type": "m5.xlarge", "market": "OnDemand",
        "group": null, "started": now - chrono::Duration::hours(10), "ended": now - chrono::Duration::hours(5),
    }));
    dynamo
        .update_item()
        .table_name("emrbot")
        .set_key(Some(key("INSTANCES")))
        .update_expression("SET records = :r")
        .expression_attribute_values(
            ":r",
            AttributeValue::S(serde_json::to_string(&records).unwrap()),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_status_list_prices_kept_instance_records_until_the_cluster_changes() {
    let env = common::env().await;
    let id = launch_cluster(&env.emr(), "adhoc-records").await.unwrap();
    let first = status_list(&env).await;
    assert!(first.contains("≈ $0.00 so far ($0.72/h)"), "{first}");
    // The next status counts what was kept, not a fresh ListInstances:
    // five hours of one more m5.xlarge ($0.24/h).
    keep_an_extra_ended_instance(&env, &id).await;
    let kept = status_list(&env).await;
    assert!(kept.contains("≈ $1.20 so far ($0.72/h)"), "{kept}");
    // EMR's state-change event forgets them with the description.
    env.worker
        .handle_emr_event(&state_change(&id))
        .await
        .unwrap();
    let fresh = status_list(&env).await;
    assert!(fresh.contains("≈ $0.00 so far ($0.72/h)"), "{fresh}");
}
