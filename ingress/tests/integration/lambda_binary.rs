//! The release-shaped `ingress` binary run as Lambda runs it (a local Runtime
//! API), answering API Gateway v2 events with base64 bodies and putting one
//! v1 message on a real (emulated) SQS queue.

use base64::Engine;
use emrbot_domain::command::Command;
use emrbot_domain::Secret;
use emrbot_shared::slack::SlackVerifier;
use emrbot_tests::aws::receive_commands;
use emrbot_tests::fixtures;
use emrbot_tests::runtime_api::{lambda_env, RuntimeApi};
use emrbot_tests::Emulator;
use serde_json::{json, Value};
use std::path::Path;

fn signed_event(mut event: Value, body: &[u8], ts: i64, secret: &str) -> Value {
    let signature = SlackVerifier::new(Secret::new(secret.to_string())).sign(ts, body);
    event["body"] = json!(base64::engine::general_purpose::STANDARD.encode(body));
    event["isBase64Encoded"] = json!(true);
    event["headers"]["x-slack-request-timestamp"] = json!(ts.to_string());
    event["headers"]["x-slack-signature"] = json!(signature);
    event
}

#[tokio::test]
async fn the_ingress_binary_answers_api_gateway_events_under_the_runtime_api() {
    let emulator = Emulator::start().await;
    let aws = emulator.sdk_config();
    let resources = emrbot_local::resources::ensure(&aws, "emrbot-commands", "emrbot")
        .await
        .expect("queue");
    let api = RuntimeApi::start().await;
    let mut env = lambda_env(&emulator, &resources);
    env.push(("SLACK_SIGNING_SECRET", fixtures::SIGNING_SECRET.to_string()));
    let _function = api.spawn_function(Path::new(env!("CARGO_BIN_EXE_ingress")), &env);
    let template = fixtures::json("lambda/apigw_v2_slash_base64.json");
    let encoded = template["body"].as_str().unwrap();
    let body = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    let now = chrono::Utc::now().timestamp();

    let answer = api
        .invoke(signed_event(
            template.clone(),
            &body,
            now,
            fixtures::SIGNING_SECRET,
        ))
        .await
        .expect("a response");
    assert_eq!(answer["statusCode"], 200, "{answer}");
    let slack: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(slack["response_type"], "ephemeral");
    assert!(
        slack["text"]
            .as_str()
            .unwrap()
            .contains("Looking up every active cluster"),
        "{slack}"
    );

    // Exactly one v1 message on the queue.
    let messages = receive_commands(&aws, &resources.queue_url, 1).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(
        message.command,
        Command::Status {
            cluster: None,
            page: None
        }
    );

    // Forged, oversized and shapeless events: answered, nothing enqueued.
    let forged = api
        .invoke(signed_event(template.clone(), &body, now, "wrong-secret"))
        .await
        .unwrap();
    assert_eq!(forged["statusCode"], 401);
    let huge = api
        .invoke(signed_event(
            template.clone(),
            &vec![b'a'; 70_000],
            now,
            fixtures::SIGNING_SECRET,
        ))
        .await
        .unwrap();
    assert_eq!(huge["statusCode"], 400);
    let shapeless = api
        .invoke(json!({"detail-type": "Scheduled Event"}))
        .await
        .unwrap();
    assert_eq!(shapeless["statusCode"], 400);
    let again = receive_commands(&aws, &resources.queue_url, 0).await;
    assert!(again.is_empty(), "{again:#?}");
}
