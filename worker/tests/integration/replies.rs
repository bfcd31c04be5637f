//! Replies: response_url retried on 5xx without duplicates; service callers
//! reporting to their channel through chat.postMessage.

use crate::common;

use chrono::Utc;
use emrbot_domain::command::Command;
use emrbot_domain::message::{CommandMessage, MessageId, ReplyTo, Requester};
use emrbot_tests::app::TestApp;
use emrbot_tests::launch_cluster;
use emrbot_worker::Outcome;
use std::time::Duration;

#[tokio::test]
async fn a_response_url_that_fails_once_then_succeeds_yields_exactly_one_message() {
    let env = common::env().await;
    launch_cluster(&env.emr(), "adhoc-r").await.unwrap();
    let (m, path) = env.text("lock adhoc-r", "U1");
    env.slack.fail_next(&[500]);
    assert_eq!(
        env.worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done
    );
    // And the same message delivered again posts nothing more.
    assert_eq!(
        env.worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done
    );
    assert_eq!(env.replies(&path).len(), 1);
    assert!(env.reply(&path).contains(":lock:"));
}

#[tokio::test]
async fn an_expired_response_url_falls_back_to_the_channel_and_a_dead_slack_does_not_repeat_the_action(
) {
    let env = common::env().await;
    launch_cluster(&env.emr(), "adhoc-x").await.unwrap();
    let (mut m, path) = env.text("lock adhoc-x", "U1");
    m.issued_at = Utc::now() - chrono::Duration::minutes(31);
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(env.replies(&path).is_empty());
    let posted = env
        .slack
        .recorded()
        .into_iter()
        .find(|r| r.path == "api/chat.postMessage")
        .expect("posted with the bot token");
    assert_eq!(posted.body["channel"], "C0DATAOPS");

    // Slack fails every attempt: logged, the lock stands, nothing is retried.
    let (m, path) = env.text("unlock adhoc-x", "U1");
    env.slack.fail_next(&[500, 500, 500, 500]);
    assert_eq!(
        env.worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done
    );
    assert!(env.replies(&path).is_empty());
    let (m, path) = env.text("lock adhoc-x", "U2");
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains(":lock:"),
        "the unlock happened: {}",
        env.reply(&path)
    );
}

#[tokio::test]
async fn a_service_message_put_on_the_queue_runs_and_reports_to_its_channel() {
    let app = TestApp::start().await;
    let id = launch_cluster(&app.emr(), "nightly-etl").await.unwrap();
    let message = CommandMessage::new(
        MessageId::parse("etl-nightly:2026-11-21").unwrap(),
        Utc::now(),
        Requester::Service {
            name: "nightly-etl".into(),
        },
        Command::parse("lock nightly-etl for 2h nightly run").unwrap(),
        ReplyTo::Channel {
            channel_id: "C0DATAOPS".into(),
            ts: None,
        },
    );
    let sqs = aws_sdk_sqs::Client::new(&app.running.aws);
    sqs.send_message()
        .queue_url(&app.running.resources.queue_url)
        .message_body(message.to_json())
        .send()
        .await
        .unwrap();
    let posted = app
        .slack
        .wait_for(Duration::from_secs(20), |r| {
            r.path == "api/chat.postMessage"
        })
        .await;
    assert_eq!(posted.body["channel"], "C0DATAOPS");
    let text = emrbot_tests::slack::message_text(&posted.body);
    assert!(
        text.contains("service `nightly-etl`") && text.contains(&id) && text.contains(":lock:"),
        "{text}"
    );
    assert!(posted.authorization.unwrap().starts_with("Bearer xoxb-"));

    // A service may only do what permissions.services grants it.
    let mut denied = message.clone();
    denied.id = MessageId::parse("etl-nightly:terminate").unwrap();
    denied.command = Command::Terminate {
        cluster: emrbot_domain::ClusterRef::parse(&id).unwrap(),
        confirmed: true,
        force: false,
        reason: None,
    };
    sqs.send_message()
        .queue_url(&app.running.resources.queue_url)
        .message_body(denied.to_json())
        .send()
        .await
        .unwrap();
    let refused = app
        .slack
        .wait_for(Duration::from_secs(20), |r| {
            emrbot_tests::slack::message_text(&r.body).contains("may not `terminate`")
        })
        .await;
    assert_eq!(refused.body["channel"], "C0DATAOPS");
    app.running.stop().await;
}
