//! `/emr cost`: each cluster's billed cost from Cost Explorer (the
//! emulator's, answering what the test configures, as moto documents)
//! beside emrbot's own figure and the difference, totalled by who launched
//! the clusters; and what it says when the bill cannot be read.

use crate::common;
use emrbot_domain::ports::clock::FixedClock;
use emrbot_tests::launch_cluster;
use serde_json::json;
use std::sync::Arc;

/// Queues the answer the emulator's Cost Explorer gives the next
/// GetCostAndUsage: `groups` of (group key, USD).
async fn bill_is(env: &common::Env, groups: &[(&str, &str)]) {
    let groups: Vec<_> = groups
        .iter()
        .map(|(key, usd)| json!({"Keys": [key], "Metrics": {"UnblendedCost": {"Amount": usd, "Unit": "USD"}}}))
        .collect();
    let results = json!({"results": [{
        "ResultsByTime": [{"TimePeriod": {"Start": "2026-12-01", "End": "2026-12-08"},
                           "Total": {}, "Groups": groups, "Estimated": true}],
        "DimensionValueAttributes": [],
    }]});
    let status = reqwest::Client::new()
        .post(format!(
            "{}/moto-api/static/ce/cost-and-usage-results",
            env.emulator.endpoint
        ))
        .json(&results)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 201);
}

/// The reply to `text`, issued at the worker's "now".
async fn reply_to(env: &common::Env, text: &str, user: &str) -> String {
    let (mut message, path) = env.text(text, user);
    message.issued_at = env.worker.clock.now();
    env.worker
        .handle_message(&message, common::FROM_INGRESS)
        .await;
    env.reply(&path)
}

/// The worker's clock a day on, so the clusters started now ran in the
/// window of whole days up to "yesterday".
fn tomorrow(env: &mut common::Env) {
    env.worker.clock = Arc::new(FixedClock(chrono::Utc::now() + chrono::Duration::days(1)));
}

#[tokio::test]
async fn cost_sets_the_bill_beside_emrbots_figure_by_cluster_and_by_launcher() {
    let mut env = common::env().await;
    // One cluster launched through emrbot by U1 (tagged emrbot:cluster),
    // one from the console (no tag, no launcher on record).
    let launched = reply_to(&env, "launch adhoc nightly-a", "U1").await;
    assert!(launched.contains("nightly-a"), "{launched}");
    launch_cluster(&env.emr(), "console-made").await.unwrap();
    bill_is(
        &env,
        &[
            ("emrbot:cluster$nightly-a", "12.5"),
            ("emrbot:cluster$gone-b", "3"),
            ("emrbot:cluster$", "40"),
        ],
    )
    .await;
    tomorrow(&mut env);
    let reply = reply_to(&env, "cost 7d", "U1").await;
    assert!(reply.contains("What the clusters cost:"), "{reply}");
    assert!(
        reply.contains("*nightly-a*: billed $12.50 · emrbot $"),
        "{reply}"
    );
    assert!(reply.contains("difference"), "{reply}");
    assert!(
        reply.contains("*gone-b*: billed $3.00 · no cluster of it seen by emrbot"),
        "{reply}"
    );
    assert!(
        reply.contains("Without the tag `emrbot:cluster`"),
        "{reply}"
    );
    assert!(reply.contains("*console-made* $"), "{reply}");
    assert!(
        reply.contains("untagged costs on the bill $40.00"),
        "{reply}"
    );
    assert!(reply.contains("<@U1> 1 cluster, billed $12.50"), "{reply}");
    assert!(
        reply.contains("not launched through emrbot 1 cluster"),
        "{reply}"
    );
    assert!(reply.contains("it lags about a day"), "{reply}");
    assert!(
        reply.contains("(estimated: the month is not closed)"),
        "{reply}"
    );
    assert!(reply.contains("AWS price list of"), "{reply}");
}

#[tokio::test]
async fn without_cost_explorer_cost_shows_emrbots_figures_and_says_what_to_enable() {
    let path = emrbot_tests::fixtures::config_variant(|t| {
        t.replace("cost_explorer = true", "cost_explorer = false")
    });
    let mut env = common::env_with_config(&path).await;
    launch_cluster(&env.emr(), "console-made").await.unwrap();
    tomorrow(&mut env);
    let reply = reply_to(&env, "cost", "U1").await;
    assert!(reply.contains("*In all*: emrbot's figure $"), "{reply}");
    assert!(!reply.contains("billed $"), "{reply}");
    let enable: Vec<&str> = reply
        .lines()
        .filter(|l| l.contains("Billed costs are off"))
        .collect();
    assert_eq!(enable.len(), 1, "{reply}");
    assert!(
        enable[0].contains("`[costs] cost_explorer = true`"),
        "{reply}"
    );
}

#[tokio::test]
async fn cost_explorer_unreachable_costs_the_bill_not_the_reply() {
    let mut env = common::env().await;
    launch_cluster(&env.emr(), "console-made").await.unwrap();
    // Cost Explorer's endpoint refuses connections; everything else works.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let unreachable = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(format!("http://{}", closed.local_addr().unwrap()))
        .credentials_provider(aws_sdk_sqs::config::SharedCredentialsProvider::new(
            aws_sdk_sqs::config::Credentials::new("testing", "testing", None, None, "test"),
        ))
        .build();
    drop(closed);
    env.worker.billing = Arc::new(emrbot_shared::aws::cost_explorer::AwsBilledCosts::new(
        &unreachable,
    ));
    tomorrow(&mut env);
    let reply = reply_to(&env, "cost 30d", "U1").await;
    assert!(reply.contains("*console-made* $"), "{reply}");
    assert!(
        reply.contains("Cost Explorer could not be reached"),
        "{reply}"
    );
}
