//! One unreachable account does not stop the sweep for the others, and the
//! report channel hears about it once, and again when it clears.
//! FAKE: the emulator's STS lets every AssumeRole through, so it cannot
//! refuse one; a fake of the EMR port plays the unreachable account.

use async_trait::async_trait;
use chrono::Duration;
use emrbot_domain::emr::{ClusterDetail, ClusterSummary, FleetTarget, LaunchSpec, StepSummary};
use emrbot_domain::ports::clusters::{ClusterChanger, ClusterReader, EmrError};
use emrbot_domain::ports::directory::ClusterDirectory;
use emrbot_domain::{ClusterId, Config};
use emrbot_shared::aws::emr::AwsClusterApi;
use emrbot_shared::settings::Settings;
use emrbot_tests::{fixtures, launch_cluster};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// An account that refuses emrbot while `down`, and has no clusters after.
#[derive(Default)]
struct Unreachable {
    up: AtomicBool,
}

fn refused() -> EmrError {
    EmrError::Account {
        account: "analytics".into(),
        reason: "AccessDenied (role arn:aws:iam::210987654321:role/emrbot-operator)".into(),
    }
}

#[async_trait]
impl ClusterReader for Unreachable {
    async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError> {
        if self.up.load(Ordering::SeqCst) {
            return Ok(Vec::new());
        }
        Err(refused())
    }
    async fn describe(&self, _: &ClusterId) -> Result<ClusterDetail, EmrError> {
        Err(refused())
    }
    async fn list_steps(&self, _: &ClusterId) -> Result<Vec<StepSummary>, EmrError> {
        Err(refused())
    }
    async fn tags_of(
        &self,
        _: &[ClusterId],
    ) -> Result<HashMap<ClusterId, BTreeMap<String, String>>, EmrError> {
        Err(refused())
    }
}

#[async_trait]
impl ClusterChanger for Unreachable {
    async fn launch(&self, _: &LaunchSpec) -> Result<ClusterId, EmrError> {
        Err(refused())
    }
    async fn terminate(&self, _: &ClusterId) -> Result<(), EmrError> {
        Err(refused())
    }
    async fn resize_group(&self, _: &ClusterId, _: &str, _: u32) -> Result<(), EmrError> {
        Err(refused())
    }
    async fn resize_fleet(&self, _: &ClusterId, _: &str, _: FleetTarget) -> Result<(), EmrError> {
        Err(refused())
    }
}

async fn sweep(
    scheduler: &emrbot_scheduler::Scheduler,
    t0: chrono::DateTime<chrono::Utc>,
    minutes: i64,
) -> emrbot_scheduler::SweepOutcome {
    // Idle sweeps: an end of day at this wall-clock time would change what
    // the home cluster gets; the account notices come with any sweep.
    scheduler
        .sweep(
            t0 + Duration::minutes(minutes),
            emrbot_domain::policy::Sweep::Idle,
        )
        .await
        .expect("the sweep completes")
}

#[tokio::test]
async fn an_unreachable_account_leaves_the_others_swept_and_is_announced_once() {
    let (_emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let emr = aws_sdk_emr::Client::new(&aws);
    let home_cluster = launch_cluster(&emr, "home-idle").await.unwrap();
    let t0 = emrbot_tests::aws::created_at(&emr, &home_cluster).await;
    let config = Arc::new(Config::load(&fixtures::config_path()).unwrap());
    let settings = Settings::new(config, resources.queue_url.clone(), "emrbot");
    let mut scheduler = emrbot_scheduler::build(&settings, &aws);
    let home = Arc::new(AwsClusterApi::from_sdk_config(&aws));
    let analytics = Arc::new(Unreachable::default());
    scheduler.clusters = ClusterDirectory::new()
        .with_account(None, home)
        .with_account(Some("analytics".into()), analytics.clone());

    let first = sweep(&scheduler, t0, 21).await;
    assert!(
        first
            .sent
            .iter()
            .any(|id| id.starts_with(&format!("sched:warn:idle:{home_cluster}"))),
        "{:?}",
        first.sent
    );
    let notices = |sent: &[String]| {
        sent.iter()
            .filter(|id| id.starts_with("sched:account:analytics"))
            .count()
    };
    assert_eq!(notices(&first.sent), 1, "{:?}", first.sent);
    for minutes in [26, 31, 36] {
        let again = sweep(&scheduler, t0, minutes).await;
        assert_eq!(notices(&again.sent), 0, "said once: {:?}", again.sent);
    }
    let messages = emrbot_tests::aws::receive_commands(&aws, &resources.queue_url, 10).await;
    let notice = messages
        .iter()
        .find(|m| m.id.as_str().starts_with("sched:account:"))
        .expect("the notice is on the queue");
    let text = serde_json::to_string(&notice.command).unwrap();
    assert!(
        !text.contains("arn:aws") && !text.contains("210987654321"),
        "{text}"
    );

    // Reachable again: said once.
    analytics.up.store(true, Ordering::SeqCst);
    let cleared = sweep(&scheduler, t0, 41).await;
    assert_eq!(notices(&cleared.sent), 1, "{:?}", cleared.sent);
    assert_eq!(notices(&sweep(&scheduler, t0, 46).await.sent), 0);
}
