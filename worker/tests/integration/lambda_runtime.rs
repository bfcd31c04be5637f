//! The `worker` binary as Lambda runs it: under the Runtime API, fed an SQS
//! event, answering with partial batch failures.

use emrbot_tests::runtime_api::{lambda_env, RuntimeApi};
use emrbot_tests::slack::message_text;
use emrbot_tests::{fixtures, launch_cluster, FakeSlack};
use std::path::Path;
use std::time::Duration;

#[tokio::test]
async fn worker_binary_processes_an_sqs_event_and_reports_the_bad_record() {
    let (emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let slack = FakeSlack::start().await;
    let cluster = launch_cluster(&aws_sdk_emr::Client::new(&aws), "lambda-test")
        .await
        .unwrap();

    let runtime = RuntimeApi::start().await;
    let mut env = lambda_env(&emulator, &resources);
    env.push(("SLACK_BOT_TOKEN", fixtures::BOT_TOKEN.into()));
    env.push(("SLACK_API_BASE_URL", slack.api_base()));
    let _function = runtime.spawn_function(Path::new(env!("CARGO_BIN_EXE_worker")), &env);

    let event = fixtures::read("lambda/sqs_event.json")
        .replace("RESPONSE_URL", &slack.response_url("lambda"));
    let answer = runtime
        .invoke(serde_json::from_str(&event).unwrap())
        .await
        .expect("the worker answers");

    // The unparseable record is reported so SQS retries it and, in the end,
    // moves it to the dead-letter queue; the good one is not.
    assert_eq!(
        answer["batchItemFailures"],
        serde_json::json!([{"itemIdentifier": "2e1424d4-f796-459a-8184-9c92662be6da"}])
    );
    let reply = slack
        .wait_for(Duration::from_secs(5), |r| r.path == "response/lambda")
        .await;
    assert!(message_text(&reply.body).contains(&cluster));
}
