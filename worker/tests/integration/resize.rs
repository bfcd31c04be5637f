//! resize: instance groups against the emulator; instance fleets against a fake
//! of the port (moto does not implement ModifyInstanceFleet).

use crate::common;

use common::fake::FakeEmr;
use emrbot_domain::emr::FleetTarget;
use emrbot_domain::ports::directory::ClusterDirectory;
use emrbot_tests::launch_cluster;
use emrbot_worker::Outcome;
use std::sync::Arc;

async fn core_count(env: &common::Env, id: &str) -> i32 {
    let out = env
        .emr()
        .list_instance_groups()
        .cluster_id(id)
        .send()
        .await
        .unwrap();
    out.instance_groups()
        .iter()
        .find(|g| g.instance_group_type().map(|t| t.as_str()) == Some("CORE"))
        .and_then(|g| g.requested_instance_count())
        .unwrap()
}

#[tokio::test]
async fn resize_changes_the_core_group_within_the_preset_limit() {
    let env = common::env().await;
    let id = launch_cluster(&env.emr(), "adhoc-big").await.unwrap();
    // Launched by hand: mark it as the adhoc preset's, whose max_core_count is 10.
    env.emr()
        .add_tags()
        .resource_id(&id)
        .tags(
            aws_sdk_emr::types::Tag::builder()
                .key("emrbot:preset")
                .value("adhoc")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(core_count(&env, &id).await, 2);

    let (m, path) = env.text("resize adhoc-big core 4", "U1");
    assert_eq!(
        env.worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done
    );
    assert!(
        env.reply(&path).contains("from 2 to 4"),
        "{}",
        env.reply(&path)
    );
    assert_eq!(core_count(&env, &id).await, 4);

    let (m, path) = env.text("resize adhoc-big core 11", "U1");
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("at most 10"),
        "{}",
        env.reply(&path)
    );
    assert_eq!(core_count(&env, &id).await, 4);

    // By group id too; and nonsense groups are explained.
    let groups = env
        .emr()
        .list_instance_groups()
        .cluster_id(&id)
        .send()
        .await
        .unwrap();
    let core_id = groups
        .instance_groups()
        .iter()
        .find(|g| g.instance_group_type().map(|t| t.as_str()) == Some("CORE"))
        .unwrap()
        .id()
        .unwrap()
        .to_string();
    let (m, _) = env.text(&format!("resize adhoc-big {core_id} 3"), "U1");
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert_eq!(core_count(&env, &id).await, 3);
    let (m, path) = env.text("resize adhoc-big gpu 3", "U1");
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("No group `gpu`"),
        "{}",
        env.reply(&path)
    );
    // Not allowed from another channel.
    let (m, path) = env.slack_message(
        "U1",
        "C0RANDOM",
        emrbot_domain::Command::parse("resize adhoc-big core 5").unwrap(),
    );
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(env
        .reply(&path)
        .contains("can't `resize` from this channel"));
    assert_eq!(core_count(&env, &id).await, 3);
}

#[tokio::test]
async fn resize_sets_an_instance_fleets_target_capacity_through_the_port() {
    // FAKE: moto answers 500 to ModifyInstanceFleet, so the fleet path runs on a fake of the port.
    let env = common::env().await;
    let fake = Arc::new(FakeEmr::with_fleet_cluster(
        "j-FLEET1",
        "fleet-etl",
        "analytics",
    ));
    let worker = env
        .worker
        .clone()
        .with_clusters(ClusterDirectory::new().with_account(None, fake.clone()));

    let (m, path) = env.text("resize fleet-etl task 3", "U1");
    assert_eq!(
        worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done
    );
    assert!(
        env.reply(&path).contains("target capacity"),
        "{}",
        env.reply(&path)
    );
    let target = |on_demand, spot| FleetTarget { on_demand, spot };
    assert_eq!(
        *fake.fleet_resizes.lock().unwrap(),
        vec![(
            "j-FLEET1".to_string(),
            "if-TASK".to_string(),
            target(3, None)
        )]
    );

    // The analytics preset allows 3 task units at most.
    let (m, path) = env.text("resize fleet-etl task 4", "U1");
    worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("at most 3"),
        "{}",
        env.reply(&path)
    );
    assert_eq!(fake.fleet_resizes.lock().unwrap().len(), 1);

    // On-demand and spot together, within the same bound.
    let (m, _) = env.text("resize fleet-etl task 1 spot 2", "U1");
    worker.handle_message(&m, common::FROM_INGRESS).await;
    assert_eq!(
        fake.fleet_resizes.lock().unwrap().last(),
        Some(&(
            "j-FLEET1".to_string(),
            "if-TASK".to_string(),
            target(1, Some(2))
        ))
    );
    let (m, path) = env.text("resize fleet-etl task 2 spot 2", "U1");
    worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("at most 3"),
        "{}",
        env.reply(&path)
    );
}

/// Without a preset the config's default bound applies, and someone else's
/// lock stops a resize unless an admin forces it.
#[tokio::test]
async fn resize_is_bounded_without_a_preset_and_respects_locks() {
    let env = common::env().await;
    let id = launch_cluster(&env.emr(), "handmade").await.unwrap();
    let run = |text: &str, user: &str| {
        let (m, path) = env.text(text, user);
        let worker = env.worker.clone();
        async move {
            worker.handle_message(&m, common::FROM_INGRESS).await;
            path
        }
    };
    let path = run("resize handmade core 21", "U1").await;
    assert!(
        env.reply(&path).contains("at most 20"),
        "{}",
        env.reply(&path)
    );
    assert_eq!(core_count(&env, &id).await, 2);

    run("lock handmade for 1h", "U1").await;
    let path = run("resize handmade core 3", "U2").await;
    assert!(
        env.reply(&path).contains("is locked by <@U1>"),
        "{}",
        env.reply(&path)
    );
    assert_eq!(core_count(&env, &id).await, 2);
    let path = run("resize handmade core 3", "U1").await;
    assert!(
        env.reply(&path).contains("from 2 to 3"),
        "the holder may: {}",
        env.reply(&path)
    );
    let path = run("resize handmade core 4 force", "U0ADMIN").await;
    assert!(
        env.reply(&path).contains("from 3 to 4"),
        "an admin may force: {}",
        env.reply(&path)
    );
    assert_eq!(core_count(&env, &id).await, 4);
    let path = run("resize handmade core 2 spot 1", "U1").await;
    assert!(
        env.reply(&path).contains("instance fleet"),
        "{}",
        env.reply(&path)
    );
}
