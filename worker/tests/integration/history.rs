//! `history <name>` of a cluster EMR no longer lists: the audit log keeps
//! its name.

use crate::common;
use crate::common::fake::FakeEmr;
use emrbot_domain::ports::directory::ClusterDirectory;
use emrbot_worker::Outcome;
use std::sync::Arc;

#[tokio::test]
async fn history_finds_a_cluster_emr_has_forgotten_by_the_name_its_audit_kept() {
    // FAKE: the emulator lists every cluster it ever had; this one forgets
    // them, as EMR does after two months (its `list_ended` lists none).
    let env = common::env().await;
    let fake = Arc::new(FakeEmr::with_fleet_cluster(
        "j-GONE1",
        "forgotten-etl",
        "analytics",
    ));
    let worker = env
        .worker
        .clone()
        .with_clusters(ClusterDirectory::new().with_account(None, fake.clone()));
    let (m, _) = env.text("lock forgotten-etl 1h backfill", "U0ALICE");
    assert_eq!(
        worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done
    );
    fake.clusters.lock().unwrap().clear();

    let (m, path) = env.text("history forgotten-et since 1h", "U0BOB");
    worker.handle_message(&m, common::FROM_INGRESS).await;
    let history = env.reply(&path);
    assert!(
        history.contains("History of forgotten-etl (j-GONE1) since"),
        "{history}"
    );
    assert!(
        history.contains("<@U0ALICE> `lock` `j-GONE1` ok: until") && history.contains("(backfill)"),
        "{history}"
    );

    // Nothing in the log by that name: no cluster matches.
    let (m, path) = env.text("history never-was", "U0BOB");
    worker.handle_message(&m, common::FROM_INGRESS).await;
    assert!(
        env.reply(&path).contains("`never-was`"),
        "{}",
        env.reply(&path)
    );
}
