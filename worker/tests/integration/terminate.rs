//! terminate: a confirmation first; only the confirmed command terminates;
//! refused under another user's lock unless an admin forces it; termination
//! protection explained.

use crate::common;

use emrbot_domain::command::Command;
use emrbot_domain::ClusterRef;
use emrbot_tests::launch_cluster;
use emrbot_worker::Outcome;

fn confirmed(id: &str, force: bool) -> Command {
    Command::Terminate {
        cluster: ClusterRef::parse(id).unwrap(),
        confirmed: true,
        force,
        reason: None,
    }
}

#[tokio::test]
async fn terminate_asks_for_confirmation_and_only_the_confirmed_command_terminates() {
    let env = common::env().await;
    let id = launch_cluster(&env.emr(), "adhoc-term").await.unwrap();

    let (ask, path) = env.text("terminate adhoc-term", "U1");
    assert_eq!(
        env.worker.handle_message(&ask, common::FROM_INGRESS).await,
        Outcome::Done
    );
    let body = env
        .slack
        .recorded()
        .into_iter()
        .find(|r| r.path == path)
        .expect("a confirmation")
        .body;
    let button = body["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find(|e| e["action_id"] == "emrbot:confirm")
        .expect("a confirm button");
    assert_eq!(button["value"], format!("terminate {id}"));
    assert_eq!(
        env.state(&id).await,
        "WAITING",
        "nothing happens before the click"
    );

    // The click, as the ingress turns it into a command.
    let (click, path) = env.slack_message("U1", "C0DATAOPS", confirmed(&id, false));
    assert_eq!(
        env.worker
            .handle_message(&click, common::FROM_INGRESS)
            .await,
        Outcome::Done
    );
    assert!(
        env.reply(&path).contains("terminated"),
        "{}",
        env.reply(&path)
    );
    assert!(env.state(&id).await.starts_with("TERMINAT"));
}

#[tokio::test]
async fn terminate_is_refused_under_another_users_lock_unless_an_admin_forces() {
    let env = common::env().await;
    let id = launch_cluster(&env.emr(), "adhoc-held").await.unwrap();
    let (lock, _) = env.text("lock adhoc-held for 2h my job", "U1");
    env.worker.handle_message(&lock, common::FROM_INGRESS).await;

    for (user, force) in [("U2", false), ("U2", true)] {
        let (m, path) = env.slack_message(user, "C0DATAOPS", confirmed(&id, force));
        assert_eq!(
            env.worker.handle_message(&m, common::FROM_INGRESS).await,
            Outcome::Done
        );
        let reply = env.reply(&path);
        assert!(
            reply.contains("locked by <@U1>") && reply.contains("not terminated"),
            "{reply}"
        );
        assert_eq!(env.state(&id).await, "WAITING");
    }
    // The holder may terminate their own cluster.
    let (ask, path) = env.text("terminate adhoc-held", "U1");
    env.worker.handle_message(&ask, common::FROM_INGRESS).await;
    assert!(env.reply(&path).contains("Terminate"));
    // An admin may force, and is warned in the confirmation.
    let (ask, path) = env.text("terminate adhoc-held force", "U0ADMIN");
    env.worker.handle_message(&ask, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("forcing past it"),
        "{}",
        env.reply(&path)
    );
    let (m, path) = env.slack_message("U0ADMIN", "C0DATAOPS", confirmed(&id, true));
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("terminated"),
        "{}",
        env.reply(&path)
    );
    assert!(env.state(&id).await.starts_with("TERMINAT"));
}

#[tokio::test]
async fn termination_protection_is_explained() {
    let env = common::env().await;
    let id = launch_cluster(&env.emr(), "adhoc-prot").await.unwrap();
    env.emr()
        .set_termination_protection()
        .job_flow_ids(&id)
        .termination_protected(true)
        .send()
        .await
        .unwrap();
    let (ask, path) = env.text("terminate adhoc-prot", "U1");
    env.worker.handle_message(&ask, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("termination protection"),
        "{}",
        env.reply(&path)
    );
    let (m, path) = env.slack_message("U1", "C0DATAOPS", confirmed(&id, false));
    env.worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("no-termination-protected"),
        "{}",
        env.reply(&path)
    );
    assert_eq!(env.state(&id).await, "WAITING");
}
