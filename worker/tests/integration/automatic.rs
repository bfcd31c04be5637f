//! The scheduler's terminations are re-checked when the worker acts on them:
//! a cluster locked, or running a step, since the decision is spared, and so
//! is every cluster when the decision is older than the bound (a late
//! delivery, a dead-letter redrive). End of day takes busy clusters.

use crate::common::{self, Env};
use chrono::{Duration, Utc};
use emrbot_domain::command::Command;
use emrbot_domain::message::{CommandMessage, MessageId, ReplyTo, Requester};
use emrbot_tests::launch_cluster;
use emrbot_worker::Outcome;

const FROM_SCHEDULER: Option<&str> = Some("AROATESTSCHEDULER:sweep");

/// The scheduler's terminate for `cluster` by `rule`, decided `ago` back.
fn automatic(env: &Env, cluster: &str, rule: &str, ago: Duration) -> (CommandMessage, String) {
    let path = format!("auto-{}", uuid::Uuid::new_v4().simple());
    let message = CommandMessage::new(
        MessageId::random("sched"),
        Utc::now() - ago,
        Requester::Scheduler { rule: rule.into() },
        Command::Terminate {
            cluster: emrbot_domain::ClusterRef::parse(cluster).unwrap(),
            confirmed: true,
            force: false,
            reason: Some(format!("{rule} (test)")),
        },
        ReplyTo::ResponseUrl {
            url: env.slack.response_url(&path),
            replace_original: false,
            channel_id: None,
        },
    );
    (message, format!("response/{path}"))
}

async fn add_step(env: &Env, cluster: &str) {
    emrbot_tests::aws::add_step(&env.emr(), cluster).await;
}

#[tokio::test]
async fn late_locked_or_busy_clusters_are_spared_and_the_rest_go() {
    let env = common::env().await;
    let emr = env.emr();
    let locked = launch_cluster(&emr, "auto-locked").await.unwrap();
    let busy = launch_cluster(&emr, "auto-busy").await.unwrap();
    let stale = launch_cluster(&emr, "auto-stale").await.unwrap();
    let idle = launch_cluster(&emr, "auto-idle").await.unwrap();
    let (lock, _) = env.text("lock auto-locked for 2h", "U1");
    env.worker.handle_message(&lock, common::FROM_INGRESS).await;
    add_step(&env, &busy).await;

    for (cluster, rule, ago, why) in [
        (&locked, "end_of_day", Duration::minutes(1), "locked it"),
        (&busy, "idle", Duration::minutes(1), "busy"),
        (&stale, "idle", Duration::days(2), "minutes old"),
    ] {
        let (m, path) = automatic(&env, cluster, rule, ago);
        assert_eq!(
            env.worker.handle_message(&m, FROM_SCHEDULER).await,
            Outcome::Done
        );
        let reply = env.reply(&path);
        assert!(
            reply.contains("did not terminate") && reply.contains(why),
            "{reply}"
        );
        let state = env.state(cluster).await;
        assert!(
            matches!(state.as_str(), "WAITING" | "RUNNING"),
            "{cluster} spared ({why}): {state}"
        );
    }

    // End of day takes a busy cluster; a fresh idle decision still holds.
    for (cluster, rule) in [(&busy, "end_of_day"), (&idle, "idle")] {
        let (m, path) = automatic(&env, cluster, rule, Duration::minutes(1));
        assert_eq!(
            env.worker.handle_message(&m, FROM_SCHEDULER).await,
            Outcome::Done
        );
        assert!(env.reply(&path).contains(":boom:"), "{}", env.reply(&path));
        assert!(env.state(cluster).await.starts_with("TERMINAT"));
    }
}

/// A scheduler's termination under a rule this version does not know cannot
/// be re-checked: it is refused, said, audited, and the cluster stays.
#[tokio::test]
async fn a_termination_by_an_unknown_rule_is_refused_not_done_unchecked() {
    let env = common::env().await;
    let cluster = launch_cluster(&env.emr(), "auto-unknown-rule")
        .await
        .unwrap();
    let (m, path) = automatic(&env, &cluster, "midnight", Duration::minutes(1));
    assert_eq!(
        env.worker.handle_message(&m, FROM_SCHEDULER).await,
        Outcome::Done
    );
    let reply = env.reply(&path);
    assert!(
        reply.contains("did not terminate") && reply.contains("`midnight`"),
        "{reply}"
    );
    let state = env.state(&cluster).await;
    assert!(matches!(state.as_str(), "WAITING" | "RUNNING"), "{state}");
    let audit = aws_sdk_dynamodb::Client::new(&env.aws)
        .scan()
        .table_name("emrbot")
        .send()
        .await
        .unwrap();
    let refused = audit.items().iter().any(|i| {
        let s = |k: &str| i.get(k).and_then(|v| v.as_s().ok()).cloned();
        s("message_id").as_deref() == Some(m.id.as_str())
            && s("outcome").as_deref() == Some("refused")
    });
    assert!(refused, "the refusal is audited");
}
