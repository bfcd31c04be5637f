//! Only authenticated producers are obeyed, through the real `worker` binary
//! under the Lambda Runtime API: SQS's `SenderId` (which no sender can forge)
//! must be a principal that may speak for the requester the message claims.

use emrbot_tests::runtime_api::{lambda_env, RuntimeApi, SCHEDULER_PRINCIPAL};
use emrbot_tests::{aws::cluster_state, launch_cluster, FakeSlack};
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// nightly-etl's principal in the test config: a service with send rights.
const ETL: &str = "AIDAIT2UOQQY3AUEKVGXU:etl-job";

fn record(n: u32, sender: &str, body: Value) -> Value {
    json!({
        "messageId": format!("00000000-0000-0000-0000-{n:012}"),
        "receiptHandle": "handle",
        "body": body.to_string(),
        "attributes": {"ApproximateReceiveCount": "1", "SenderId": sender},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    })
}

fn message(id: &str, requested_by: Value, command: Value, reply_to: Value) -> Value {
    json!({"v": 1, "id": id, "issued_at": chrono::Utc::now(),
           "requested_by": requested_by, "command": command, "reply_to": reply_to})
}

/// Items of the table whose attribute `name` is `value`.
async fn items_with(aws: &aws_config::SdkConfig, name: &str, value: &str) -> usize {
    let items = aws_sdk_dynamodb::Client::new(aws)
        .scan()
        .table_name("emrbot")
        .send()
        .await
        .unwrap();
    items
        .items()
        .iter()
        .filter(|i| i.get(name).and_then(|v| v.as_s().ok()).map(String::as_str) == Some(value))
        .count()
}

#[tokio::test]
async fn a_sender_can_speak_only_for_itself() {
    let (emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let slack = FakeSlack::start().await;
    let emr = aws_sdk_emr::Client::new(&aws);
    let cluster = launch_cluster(&emr, "trusted").await.unwrap();
    let runtime = RuntimeApi::start().await;
    let mut env = lambda_env(&emulator, &resources);
    env.push(("SLACK_BOT_TOKEN", emrbot_tests::fixtures::BOT_TOKEN.into()));
    env.push(("SLACK_API_BASE_URL", slack.api_base()));
    let _function = runtime.spawn_function(Path::new(env!("CARGO_BIN_EXE_worker")), &env);

    let to = |path: &str| json!({"kind": "response_url", "url": slack.response_url(path)});
    let terminate =
        json!({"name": "terminate", "cluster": cluster, "confirmed": true, "force": true});
    let as_scheduler = message(
        "sched:term:idle:forged",
        json!({"kind": "scheduler", "rule": "idle"}),
        terminate.clone(),
        to("forged-scheduler"),
    );
    let forged = [
        // A service allowed to send claims the scheduler (every action, force past locks)…
        as_scheduler.clone(),
        // …a Slack admin…
        message(
            "forged-admin",
            json!({"kind": "slack", "user_id": "U0ADMIN", "channel_id": "C0DATAOPS"}),
            json!({"name": "lock", "cluster": cluster}),
            to("forged-admin"),
        ),
        // …another service, and a service with no principal configured.
        message(
            "forged-service",
            json!({"kind": "service", "name": "billing"}),
            json!({"name": "lock", "cluster": cluster}),
            json!({"kind": "channel", "channel_id": "C0DATAOPS"}),
        ),
    ];
    let mut records: Vec<Value> = forged
        .iter()
        .enumerate()
        .map(|(i, m)| record(i as u32, ETL, m.clone()))
        .collect();
    // Last in the batch, so its reply means the forged ones were handled.
    records.push(record(
        9,
        ETL,
        message(
            "etl:status",
            json!({"kind": "service", "name": "nightly-etl"}),
            json!({"name": "status"}),
            to("etl-status"),
        ),
    ));
    let answer = runtime
        .invoke(json!({ "Records": records }))
        .await
        .expect("the worker answers");
    assert_eq!(
        answer["batchItemFailures"],
        json!([]),
        "refused, not retried"
    );
    slack
        .wait_for(Duration::from_secs(10), |r| r.path == "response/etl-status")
        .await;
    let posted: Vec<String> = slack.recorded().into_iter().map(|r| r.path).collect();
    assert_eq!(
        posted,
        ["response/etl-status"],
        "nothing posted for a forged message"
    );
    assert_eq!(cluster_state(&emr, &cluster).await, "WAITING");
    assert_eq!(items_with(&aws, "sk", "LOCK").await, 0, "no lock taken");
    assert_eq!(
        items_with(&aws, "outcome", "refused").await,
        3,
        "each refusal audited"
    );

    // The same terminate from the scheduler's principal acts.
    let genuine = record(20, &format!("{SCHEDULER_PRINCIPAL}:sweep"), as_scheduler);
    let answer = runtime
        .invoke(json!({ "Records": [genuine] }))
        .await
        .expect("the worker answers");
    assert_eq!(answer["batchItemFailures"], json!([]));
    slack
        .wait_for(Duration::from_secs(10), |r| {
            r.path == "response/forged-scheduler"
        })
        .await;
    assert!(matches!(
        cluster_state(&emr, &cluster).await.as_str(),
        "TERMINATING" | "TERMINATED"
    ));
}

/// On Lambda (no explicit loopback setting) a `response_url` that is not
/// Slack's gets no request at all: here, a listener that records everything.
#[tokio::test]
async fn a_response_url_outside_slack_gets_no_request() {
    let (emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let slack = FakeSlack::start().await;
    let runtime = RuntimeApi::start().await;
    let mut env = lambda_env(&emulator, &resources);
    env.retain(|(k, _)| *k != "EMRBOT_ALLOW_LOOPBACK_RESPONSE_URLS");
    env.push(("SLACK_BOT_TOKEN", emrbot_tests::fixtures::BOT_TOKEN.into()));
    env.push(("SLACK_API_BASE_URL", slack.api_base()));
    let _function = runtime.spawn_function(Path::new(env!("CARGO_BIN_EXE_worker")), &env);

    let ingress = format!("{}:ingress", emrbot_tests::runtime_api::INGRESS_PRINCIPAL);
    let user = json!({"kind": "slack", "user_id": "U1", "channel_id": "C0DATAOPS"});
    let records = [
        record(
            1,
            &ingress,
            message(
                "elsewhere",
                user.clone(),
                json!({"name": "status"}),
                json!({"kind": "response_url", "url": slack.response_url("not-slack")}),
            ),
        ),
        // Then one to a channel, through the configured Slack API.
        record(
            2,
            &ingress,
            message(
                "to-channel",
                user,
                json!({"name": "status"}),
                json!({"kind": "channel", "channel_id": "C0DATAOPS"}),
            ),
        ),
    ];
    let answer = runtime
        .invoke(json!({ "Records": records }))
        .await
        .expect("the worker answers");
    assert_eq!(answer["batchItemFailures"], json!([]));
    slack
        .wait_for(Duration::from_secs(10), |r| {
            r.path.contains("chat.postMessage")
        })
        .await;
    assert!(
        slack
            .recorded()
            .iter()
            .all(|r| !r.path.contains("not-slack")),
        "no request to a response_url outside Slack"
    );
    assert_eq!(
        items_with(&aws, "outcome", "refused").await,
        1,
        "refused and audited"
    );
}
