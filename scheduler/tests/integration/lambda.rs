//! The `scheduler` binary as Lambda runs it (Runtime API), on the emulator,
//! with an EventBridge scheduled event fixture: what it puts on the queue.

use chrono::Duration;
use emrbot_domain::command::Command;
use emrbot_domain::message::Requester;
use emrbot_tests::runtime_api::{lambda_env, RuntimeApi};
use emrbot_tests::{fixtures, launch_cluster};
use std::path::Path;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lambda_warns_then_terminates_an_idle_cluster_through_the_queue() {
    let (emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let emr = aws_sdk_emr::Client::new(&aws);
    let idle = launch_cluster(&emr, "idle-one").await.unwrap();
    let created = emrbot_tests::aws::created_at(&emr, &idle).await;

    let api = RuntimeApi::start().await;
    let env = lambda_env(&emulator, &resources);
    let _function = api.spawn_function(Path::new(env!("CARGO_BIN_EXE_scheduler")), &env);

    let mut event = fixtures::json("events/scheduled_all.json");
    event["detail"]["sweep"] = "idle".into();
    event["time"] = (created + Duration::minutes(29)).to_rfc3339().into();
    let early = api.invoke(event.clone()).await.expect("the sweep succeeds");
    assert!(!early["sent"].to_string().contains("term:idle"), "{early}");

    // Past the deadline but warned 2 minutes ago: not yet.
    event["time"] = (created + Duration::minutes(31)).to_rfc3339().into();
    let soon = api.invoke(event.clone()).await.expect("the sweep succeeds");
    assert_eq!(soon["sent"], serde_json::json!([]), "{soon}");

    event["time"] = (created + Duration::minutes(39)).to_rfc3339().into();
    let outcome = api.invoke(event.clone()).await.expect("the sweep succeeds");
    let expected_id = format!(
        "sched:term:idle:{idle}:{}",
        (created + Duration::minutes(30)).format("%Y-%m-%dT%H:%M:%SZ")
    );
    assert_eq!(
        outcome["sent"],
        serde_json::json!([expected_id]),
        "{outcome}"
    );
    let repeat = api.invoke(event).await.expect("the sweep succeeds");
    assert_eq!(
        repeat["sent"],
        serde_json::json!([]),
        "a repeated event does nothing: {repeat}"
    );

    // On the queue: the 29-minute warning, then the termination, as v1 messages.
    let messages = emrbot_tests::aws::receive_commands(&aws, &resources.queue_url, 2).await;
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(matches!(
        &messages
            .iter()
            .find(|m| m.id.as_str().starts_with("sched:warn"))
            .unwrap()
            .command,
        Command::Warn {
            rule: emrbot_domain::rule::Rule::Idle,
            ..
        }
    ));
    let term = messages
        .iter()
        .find(|m| m.id.as_str() == expected_id)
        .expect("termination message");
    assert_eq!(
        term.requested_by,
        Requester::Scheduler {
            rule: emrbot_domain::rule::Rule::Idle.into()
        }
    );
    match &term.command {
        Command::Terminate {
            cluster,
            confirmed,
            force,
            reason,
        } => {
            assert_eq!(cluster.as_str(), idle);
            assert!(*confirmed && !*force);
            assert!(
                reason.as_deref().unwrap_or_default().contains("idle"),
                "{reason:?}"
            );
        }
        other => panic!("expected terminate, got {other:?}"),
    }
}
