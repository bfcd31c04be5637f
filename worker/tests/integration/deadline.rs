//! A batch that arrives with too little of the Lambda invocation left is
//! handed back unstarted (nothing done, nothing half done); delivered again
//! with time to spare, it is done once.

use crate::common;
use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use emrbot_worker::RECORD_RESERVE;
use std::time::{Duration, SystemTime};

#[tokio::test]
async fn a_batch_without_time_to_finish_is_handed_back_then_done_once() {
    let env = common::env().await;
    let cluster = emrbot_tests::launch_cluster(&env.emr(), "late")
        .await
        .unwrap();
    let (lock, path) = env.text(&format!("lock {cluster} 2h"), "U1");
    let event = |delivery: u32| {
        let mut record = SqsMessage::default();
        record.message_id = Some("sqs-late".into());
        record.body = Some(lock.to_json());
        record
            .attributes
            .insert("ApproximateReceiveCount".into(), delivery.to_string());
        record
            .attributes
            .insert("SenderId".into(), common::FROM_INGRESS.unwrap().into());
        let mut event = SqsEvent::default();
        event.records = vec![record];
        event
    };

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
