//! launch: exactly one cluster however often the message is delivered; tags;
//! progress driven by EMR state-change events.

use crate::common;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use common::fake::FakeEmr;
use emrbot_domain::ports::directory::ClusterDirectory;
use emrbot_worker::Outcome;
use serde_json::json;
use std::sync::Arc;

fn state_change(event_id: &str, cluster: &str, state: &str, reason: &str) -> String {
    // FAKE: moto never moves clusters through states, so these are the
    // EventBridge events EMR would send, written by hand.
    json!({
        "version": "0", "id": event_id, "detail-type": "EMR Cluster State Change", "source": "aws.emr",
        "account": "123456789012", "time": "2026-11-21T10:00:00Z", "region": "us-east-1", "resources": [],
        "detail": {"severity": "INFO", "stateChangeReason": json!({"code": "", "message": reason}).to_string(),
                   "name": "x", "clusterId": cluster, "state": state, "message": "Cluster state changed"}
    })
    .to_string()
}

fn batch(bodies: &[String]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let mut r = SqsMessage::default();
            r.message_id = Some(format!("sqs-{i}"));
            r.body = Some(b.clone());
            r
        })
        .collect();
    event
}

#[tokio::test]
async fn ten_concurrent_deliveries_of_one_launch_make_one_cluster_and_one_reply() {
    let env = common::env().await;
    let (message, path) = env.text("launch adhoc my-adhoc", "U1");
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let (worker, message) = (env.worker.clone(), message.clone());
        tasks.spawn(async move { worker.handle_message(&message, common::FROM_INGRESS).await });
    }
    let mut outcomes = Vec::new();
    while let Some(o) = tasks.join_next().await {
        outcomes.push(o.unwrap());
    }
    assert!(outcomes.contains(&Outcome::Done));
    // Redelivered later, once the first is done: still nothing new.
    assert_eq!(
        env.worker
            .handle_message(&message, common::FROM_INGRESS)
            .await,
        Outcome::Done
    );

    let clusters = env.emr().list_clusters().send().await.unwrap();
    assert_eq!(clusters.clusters().len(), 1, "{:?}", clusters.clusters());
    let id = clusters.clusters()[0].id().unwrap().to_string();
    let reply = env.reply(&path);
    assert!(reply.contains(&id) && reply.contains("STARTING"), "{reply}");

    let c = env
        .emr()
        .describe_cluster()
        .cluster_id(&id)
        .send()
        .await
        .unwrap();
    let tags: Vec<(String, String)> = c
        .cluster()
        .unwrap()
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().into(), t.value().unwrap().into()))
        .collect();
    assert!(
        tags.contains(&("emrbot:launched-by".into(), "U1".into())),
        "{tags:?}"
    );
    assert!(
        tags.contains(&("emrbot:preset".into(), "adhoc".into())),
        "{tags:?}"
    );
    assert_eq!(c.cluster().unwrap().name(), Some("my-adhoc"));

    // Progress: EMR's events update the same message in place.
    let events = [
        state_change("e1", &id, "BOOTSTRAPPING", ""),
        state_change("e2", &id, "WAITING", "Cluster ready to run steps."),
        state_change("e2", &id, "WAITING", "Cluster ready to run steps."),
    ];
    let response = env.worker.handle_batch(batch(&events)).await;
    assert!(response.batch_item_failures.is_empty());
    let updates: Vec<_> = env
        .slack
        .recorded()
        .into_iter()
        .filter(|r| r.path == path)
        .collect();
    assert_eq!(
        updates.len(),
        3,
        "the launch message and two updates; the duplicate event adds none"
    );
    assert_eq!(updates[2].body["replace_original"], true);
    assert!(emrbot_tests::slack::message_text(&updates[2].body).contains("*WAITING*"));
    // An older state arriving late does not move the message back.
    env.worker
        .handle_batch(batch(&[state_change("e0", &id, "STARTING", "")]))
        .await;
    assert_eq!(env.replies(&path).len(), 3);
}

#[tokio::test]
async fn a_failed_launch_shows_emrs_reason_and_unknown_events_are_ignored() {
    let env = common::env().await;
    let (message, path) = env.text("launch adhoc", "U1");
    env.worker
        .handle_message(&message, common::FROM_INGRESS)
        .await;
    let id = env.emr().list_clusters().send().await.unwrap().clusters()[0]
        .id()
        .unwrap()
        .to_string();
    let failed = state_change(
        "f1",
        &id,
        "TERMINATED_WITH_ERRORS",
        "The subnet does not have enough free addresses.",
    );
    let other = state_change("f2", "j-NOTOURS", "WAITING", "");
    let response = env.worker.handle_batch(batch(&[failed, other])).await;
    assert!(response.batch_item_failures.is_empty());
    let last = env.replies(&path).pop().unwrap();
    assert!(
        last.contains("TERMINATED_WITH_ERRORS") && last.contains("enough free addresses"),
        "{last}"
    );

    // An unparseable body stays failing (so it reaches the dead-letter queue).
    let response = env
        .worker
        .handle_batch(batch(&["{not json".to_string()]))
        .await;
    assert_eq!(response.batch_item_failures.len(), 1);
}

#[tokio::test]
async fn launch_sets_emrs_auto_termination_from_the_preset() {
    // FAKE: moto accepts AutoTerminationPolicy in RunJobFlow but cannot show it
    // back (GetAutoTerminationPolicy answers 500), so the port's input is checked.
    let env = common::env().await;
    let fake = Arc::new(FakeEmr::default());
    let worker = env
        .worker
        .clone()
        .with_clusters(ClusterDirectory::new().with_account(None, fake.clone()));
    let (m, path) = env.text("launch adhoc", "U1");
    assert_eq!(
        worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done
    );
    let spec = fake.launched.lock().unwrap()[0].clone();
    assert_eq!(spec.idle_timeout_secs, Some(3 * 3600));
    assert_eq!(spec.core_count, 2);
    assert!(env.reply(&path).contains("j-FAKELAUNCH"));

    let (m, path) = env.text("launch nope", "U1");
    worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("no preset `nope`"),
        "{}",
        env.reply(&path)
    );
}

#[tokio::test]
async fn a_redelivery_after_a_crash_mid_launch_finds_its_cluster_instead_of_launching_again() {
    use aws_sdk_emr::types::Tag;
    let env = common::env().await;
    let (message, path) = env.text("launch adhoc crash-test", "U1");
    // The first handling ran RunJobFlow and died before recording the message
    // as done: its cluster carries the message id.
    let launched = emrbot_tests::launch_cluster(&env.emr(), "crash-test")
        .await
        .unwrap();
    let tag = Tag::builder()
        .key("emrbot:request")
        .value(message.id.as_str())
        .build();
    env.emr()
        .add_tags()
        .resource_id(&launched)
        .tags(tag)
        .send()
        .await
        .unwrap();
    // Someone else's cluster of the same name is not it.
    let bystander = emrbot_tests::launch_cluster(&env.emr(), "crash-test")
        .await
        .unwrap();

    assert_eq!(
        env.worker
            .handle_message(&message, common::FROM_INGRESS)
            .await,
        Outcome::Done
    );
    let count = || async {
        env.emr()
            .list_clusters()
            .send()
            .await
            .unwrap()
            .clusters()
            .len()
    };
    assert_eq!(count().await, 2, "no second cluster for the same message");
    let reply = env.reply(&path);
    assert!(
        reply.contains(&launched) && !reply.contains(&bystander),
        "{reply}"
    );

    // Another request for the same name is refused: it would be ambiguous.
    let (again, path) = env.text("launch adhoc crash-test", "U1");
    assert_eq!(
        env.worker
            .handle_message(&again, common::FROM_INGRESS)
            .await,
        Outcome::Done
    );
    assert!(env.reply(&path).contains("already running"));
    assert_eq!(count().await, 2);
}

/// A name that is another active cluster's name or id would make every later
/// `<cluster>` ambiguous: refused, nothing launched.
#[tokio::test]
async fn a_launch_named_like_a_running_cluster_is_refused() {
    let env = common::env().await;
    let emr = env.emr();
    let existing = emrbot_tests::launch_cluster(&emr, "team-etl")
        .await
        .unwrap();
    for name in ["team-etl", existing.as_str()] {
        let (m, path) = env.text(&format!("launch adhoc {name}"), "U1");
        assert_eq!(
            env.worker.handle_message(&m, common::FROM_INGRESS).await,
            Outcome::Done
        );
        assert!(
            env.reply(&path).contains("already running"),
            "{}",
            env.reply(&path)
        );
    }
    let clusters = emr.list_clusters().send().await.unwrap();
    assert_eq!(clusters.clusters().len(), 1, "nothing launched");
}
