//! A batch that arrives with too little of the Lambda invocation left is
//! handed back unstarted (nothing done, nothing half done); delivered again
//! with time to spare, it is done once.

use crate::common;
use emrbot_worker::RECORD_RESERVE;
use std::time::{Duration, SystemTime};

#[tokio::test]
async fn a_batch_without_time_to_finish_is_handed_back_then_done_once() {
    let env = common::env().await;
    let cluster = emrbot_tests::launch_cluster(&env.emr(), "late")
        .await
        .unwrap();
    let (lock, path) = env.text(&format!("lock {cluster} 2h"), "U1");
    let event = |delivery: u32| common::batch_of_one("sqs-late", lock.to_json(), delivery);

    let almost_out = SystemTime::now() + RECORD_RESERVE - Duration::from_secs(5);
    let handed_back = env
        .worker
        .handle_batch_before(event(1), Some(almost_out))
        .await;
    assert_eq!(handed_back.batch_item_failures.len(), 1);
    assert!(env.replies(&path).is_empty(), "nothing started");
    let locks = emrbot_shared::aws::dynamodb::DynamoLockStore::new(
        aws_sdk_dynamodb::Client::new(&env.aws),
        "emrbot",
    );
    let id = emrbot_domain::ClusterId::parse(&cluster).unwrap();
    use emrbot_domain::ports::locks::LockStore;
    assert!(locks.get(&id).await.unwrap().is_none(), "no lock taken");

    let plenty = SystemTime::now() + Duration::from_secs(60);
    for delivery in [2, 3] {
        let done = env
            .worker
            .handle_batch_before(event(delivery), Some(plenty))
            .await;
        assert!(done.batch_item_failures.is_empty());
    }
    assert!(
        env.reply(&path).contains("locked"),
        "one reply for two deliveries"
    );
    assert!(locks.get(&id).await.unwrap().is_some());
}

/// The `worker` binary under the Lambda Runtime API: the deadline it acts on
/// is the one Lambda gives the invocation.
#[tokio::test]
async fn the_worker_binary_hands_back_a_batch_it_has_no_time_for() {
    use emrbot_tests::runtime_api::{lambda_env, RuntimeApi};
    use serde_json::json;
    let (emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let slack = emrbot_tests::FakeSlack::start().await;
    let cluster = emrbot_tests::launch_cluster(&aws_sdk_emr::Client::new(&aws), "late")
        .await
        .unwrap();
    let runtime = RuntimeApi::start().await;
    let mut env = lambda_env(&emulator, &resources);
    env.push(("SLACK_BOT_TOKEN", emrbot_tests::fixtures::BOT_TOKEN.into()));
    env.push(("SLACK_API_BASE_URL", slack.api_base()));
    let _function =
        runtime.spawn_function(std::path::Path::new(env!("CARGO_BIN_EXE_worker")), &env);
    let message = json!({
        "v": 1, "id": "etl:late-lock", "issued_at": chrono::Utc::now(),
        "requested_by": {"kind": "service", "name": "nightly-etl"},
        "command": {"name": "lock", "cluster": cluster, "duration": "2h"},
        "reply_to": {"kind": "response_url", "url": slack.response_url("late")},
    });
    let batch = json!({"Records": [{
        "messageId": "00000000-0000-0000-0000-000000000001",
        "receiptHandle": "handle",
        "body": message.to_string(),
        "attributes": {"ApproximateReceiveCount": "1", "SenderId": "AIDAIT2UOQQY3AUEKVGXU:etl-job"},
        "messageAttributes": {},
        "eventSource": "aws:sqs",
    }]});

    let short = runtime
        .invoke_with(batch.clone(), RECORD_RESERVE / 2)
        .await
        .expect("the worker answers");
    assert_eq!(
        short["batchItemFailures"],
        json!([{"itemIdentifier": "00000000-0000-0000-0000-000000000001"}])
    );
    assert!(slack.recorded().is_empty(), "nothing started");

    for _ in 0..2 {
        let answer = runtime.invoke(batch.clone()).await.expect("answers");
        assert_eq!(answer["batchItemFailures"], json!([]));
    }
    slack
        .wait_for(Duration::from_secs(10), |r| r.path == "response/late")
        .await;
    let replies = slack
        .recorded()
        .into_iter()
        .filter(|r| r.path == "response/late")
        .count();
    assert_eq!(replies, 1, "redelivered twice, done once");
}
