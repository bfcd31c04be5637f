//! lock / unlock / extend against the emulator's DynamoDB and EMR.

use crate::common;

use emrbot_domain::ports::policy::PolicyRecords;
use emrbot_tests::launch_cluster;
use emrbot_worker::Outcome;

#[tokio::test]
async fn twenty_concurrent_lockers_exactly_one_wins_and_the_others_are_told_who() {
    let env = common::env().await;
    let id = launch_cluster(&env.emr(), "adhoc-race").await.unwrap();

    let mut tasks = tokio::task::JoinSet::new();
    let mut paths = Vec::new();
    for i in 0..20 {
        let (message, path) = env.text("lock adhoc-race for 2h race", &format!("U{i:02}"));
        paths.push(path);
        let worker = env.worker.clone();
        tasks.spawn(async move { worker.handle_message(&message, common::FROM_INGRESS).await });
    }
    while let Some(outcome) = tasks.join_next().await {
        assert_eq!(outcome.unwrap(), Outcome::Done);
    }
    let replies: Vec<String> = paths.iter().map(|p| env.reply(p)).collect();
    let winners: Vec<&String> = replies.iter().filter(|r| r.contains(":lock:")).collect();
    assert_eq!(winners.len(), 1, "{replies:#?}");
    let winner = winners[0].split_whitespace().nth(1).unwrap().to_string(); // "<@Uxx>"
    let refused = replies
        .iter()
        .filter(|r| r.contains("is locked by") && r.contains(&winner))
        .count();
    assert_eq!(
        refused, 19,
        "the others are told who holds it: {replies:#?}"
    );
    assert!(replies.iter().all(|r| r.contains(&id)));
}

#[tokio::test]
async fn unlock_only_by_the_holder_or_an_admin_and_extend_moves_the_end() {
    let env = common::env().await;
    launch_cluster(&env.emr(), "adhoc-lock").await.unwrap();
    let run = |text: &'static str, user: &'static str| {
        let (message, path) = env.text(text, user);
        let worker = env.worker.clone();
        async move {
            assert_eq!(
                worker.handle_message(&message, common::FROM_INGRESS).await,
                Outcome::Done
            );
            path
        }
    };
    let p = run("lock adhoc-lock for 1h", "U1").await;
    assert!(env.reply(&p).contains(":lock:"));
    let p = run("unlock adhoc-lock", "U2").await;
    assert!(
        env.reply(&p).contains("Only they or an admin"),
        "{}",
        env.reply(&p)
    );
    let p = run("extend adhoc-lock 1h", "U2").await;
    assert!(env.reply(&p).contains("is locked by <@U1>"));
    let id = emrbot_domain::ClusterId::parse(
        env.emr().list_clusters().send().await.unwrap().clusters()[0]
            .id()
            .unwrap(),
    )
    .unwrap();
    let stored = env
        .policy_records()
        .load_many(std::slice::from_ref(&id))
        .await
        .unwrap();
    assert!(
        stored.get(&id).and_then(|s| s.last_unlock).is_none(),
        "no unlock recorded while U1 holds the lock"
    );
    let p = run("extend adhoc-lock 2h", "U1").await;
    assert!(
        env.reply(&p).contains("extended the lock"),
        "{}",
        env.reply(&p)
    );
    let p = run("status adhoc-lock", "U3").await;
    let status = env.reply(&p);
    assert!(
        status.contains("<@U1>") && status.contains("Recent history") && status.contains("extend"),
        "{status}"
    );
    assert!(
        status.contains("Idle for") && status.contains("≈ $"),
        "idle time and cost so far: {status}"
    );
    let p = run("unlock adhoc-lock", "U0ADMIN").await;
    assert!(env.reply(&p).contains("unlocked"), "{}", env.reply(&p));
    let p = run("lock adhoc-lock", "U2").await;
    assert!(env.reply(&p).contains(":lock:"));
    // Nobody's lock: extend snoozes automatic termination.
    let before = chrono::Utc::now().timestamp();
    let p = run("unlock adhoc-lock", "U2").await;
    assert!(env.reply(&p).contains("unlocked"));
    // The scheduler's grace period restarts from the unlock.
    let stored = env
        .policy_records()
        .load_many(std::slice::from_ref(&id))
        .await
        .unwrap();
    let last_unlock = stored
        .get(&id)
        .and_then(|s| s.last_unlock)
        .expect("unlock recorded");
    assert!(last_unlock.timestamp() >= before, "{last_unlock}");
    let p = run("extend adhoc-lock 1h", "U3").await;
    assert!(env.reply(&p).contains("snoozed"), "{}", env.reply(&p));
}

/// A double click on a warning's "Extend 1h" (two messages, the target on the
/// button) ends at one deadline, not two hours later.
#[tokio::test]
async fn a_double_clicked_extend_ends_at_the_same_deadline() {
    use emrbot_domain::ports::locks::LockStore;
    let env = common::env().await;
    let id = launch_cluster(&env.emr(), "adhoc-double").await.unwrap();
    let target = (chrono::Utc::now() + chrono::Duration::minutes(70))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let text = format!("extend {id} 1h until {target}");
    for _ in 0..2 {
        let (m, path) = env.text(&text, "U1");
        assert_eq!(
            env.worker.handle_message(&m, common::FROM_INGRESS).await,
            Outcome::Done
        );
        assert!(env.reply(&path).contains("<@U1>"), "{}", env.reply(&path));
    }
    let store = emrbot_shared::aws::dynamodb::DynamoLockStore::new(
        aws_sdk_dynamodb::Client::new(&env.aws),
        "emrbot",
    );
    let lock = store
        .get(&emrbot_domain::ClusterId::parse(&id).unwrap())
        .await
        .unwrap()
        .expect("locked");
    assert_eq!(
        lock.until
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        target
    );
}
