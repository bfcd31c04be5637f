//! A bundle (many v1 messages in one queue message, as a busy sweep sends
//! them) is handled message by message, and delivered again it does nothing
//! twice: each message keeps its own id.

use crate::common;
use emrbot_domain::message::Incoming;
use emrbot_tests::launch_cluster;

#[tokio::test]
async fn a_bundle_delivered_twice_answers_each_message_once() {
    let env = common::env().await;
    let cluster = launch_cluster(&env.emr(), "bundled").await.unwrap();
    let mut sent = vec![env.text(&format!("lock {cluster} 2h"), "U1")];
    for _ in 0..11 {
        sent.push(env.text("status", "U1"));
    }
    let messages: Vec<_> = sent.iter().map(|(m, _)| m.clone()).collect();
    let body = Incoming::bundle_json(&messages);

    for delivery in 1..=2 {
        let event = common::batch_of_one(&format!("sqs-bundle-{delivery}"), body.clone(), delivery);
        let failures = env.worker.handle_batch(event).await.batch_item_failures;
        assert!(failures.is_empty(), "delivery {delivery}: {failures:?}");
    }

    let (_, lock_path) = &sent[0];
    assert!(
        env.reply(lock_path).contains("locked"),
        "{}",
        env.reply(lock_path)
    );
    for (_, path) in &sent[1..] {
        env.reply(path);
    }
}
