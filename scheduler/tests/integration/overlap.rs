//! Two sweeps that overlap (a slow run and the next tick, or a duplicate
//! delivery) both read a cluster's record before either writes it: neither
//! sweep's bookkeeping is lost. The real DynamoDB store on the emulator,
//! behind a gate that holds each sweep after its read until both have read.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use emrbot_domain::policy::state::{SchedRecord, Stored, Write};
use emrbot_domain::policy::{DecisionKey, Sweep};
use emrbot_domain::ports::policy::{Conflict, PolicyRecords};
use emrbot_domain::ports::StoreError;
use emrbot_domain::report::{AutoAction, KeptAction};
use emrbot_domain::{ClusterId, Config};
use emrbot_shared::aws::dynamodb::DynamoPolicyStore;
use emrbot_shared::settings::Settings;
use emrbot_tests::{fixtures, launch_cluster};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::sync::Barrier;

/// The store, with the first two `load_many` calls (one per sweep) held
/// until both have read.
struct BothReadFirst {
    store: DynamoPolicyStore,
    reads: AtomicUsize,
    barrier: Barrier,
}

#[async_trait]
impl PolicyRecords for BothReadFirst {
    async fn load_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, Stored>, StoreError> {
        let loaded = self.store.load_many(clusters).await;
        if self.reads.fetch_add(1, Ordering::SeqCst) < 2 {
            self.barrier.wait().await;
        }
        loaded
    }
    async fn load_global(&self) -> Result<SchedRecord, StoreError> {
        self.store.load_global().await
    }
    async fn write(&self, writes: Vec<Write>) -> Result<Vec<Conflict>, StoreError> {
        self.store.write(writes).await
    }
    async fn automatic_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<AutoAction>, StoreError> {
        self.store.automatic_between(since, until).await
    }
    async fn kept_between(
        &self,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<KeptAction>, StoreError> {
        self.store.kept_between(since, until).await
    }
}

#[tokio::test]
async fn overlapping_sweeps_keep_both_sweeps_records() {
    let (_emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let emr = aws_sdk_emr::Client::new(&aws);
    let id = launch_cluster(&emr, "overlap").await.unwrap();
    let t0 = emrbot_tests::aws::created_at(&emr, &id).await;
    let config = Arc::new(Config::load(&fixtures::config_path()).unwrap());
    let settings = Settings::new(config, resources.queue_url.clone(), "emrbot");
    let dynamo = aws_sdk_dynamodb::Client::new(&aws);
    let mut scheduler = emrbot_scheduler::build(&settings, &aws);
    scheduler.policy = Arc::new(BothReadFirst {
        store: DynamoPolicyStore::new(dynamo.clone(), "emrbot"),
        reads: AtomicUsize::new(0),
        barrier: Barrier::new(2),
    });

    // A slow sweep at +21m (idle 21m: the warning) and the next one, at
    // +2h01m (idle 2h: the idle alert, and its own warning), overlapping.
    // Idle sweeps: at this wall-clock time an end of day could otherwise
    // come between (it terminates instead of alerting).
    let (early, late) = tokio::join!(
        scheduler.sweep(t0 + Duration::minutes(21), Sweep::Idle),
        scheduler.sweep(t0 + Duration::minutes(121), Sweep::Idle),
    );
    let (early, late) = (early.expect("early sweep"), late.expect("late sweep"));
    let warning = early
        .decisions
        .iter()
        .find(|k| k.starts_with("warn:idle:"))
        .expect("the early sweep warns")
        .clone();
    let alert = late
        .decisions
        .iter()
        .find(|k| k.starts_with("alert:"))
        .expect("the late sweep alerts")
        .clone();
    let (warning, alert): (DecisionKey, DecisionKey) =
        (warning.parse().unwrap(), alert.parse().unwrap());

    let cluster = ClusterId::parse(&id).unwrap();
    let stored = DynamoPolicyStore::new(dynamo, "emrbot")
        .load_many(std::slice::from_ref(&cluster))
        .await
        .unwrap()
        .remove(&cluster)
        .expect("the record is stored")
        .sched;
    for key in [&warning, &alert] {
        assert!(stored.done.contains(key), "{key} kept: {:?}", stored.done);
    }
    assert_eq!(
        stored.warned.get(&warning).copied(),
        Some(t0 + Duration::minutes(21)),
        "the warning keeps the time it first went out: {:?}",
        stored.warned
    );
    assert_eq!(stored.version, 2, "written twice, neither over the other");
}
