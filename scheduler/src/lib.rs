//! The scheduler: turns an EventBridge scheduled event into the decisions of
//! [`emrbot_domain::policy::evaluate`] and puts one v1 command message per
//! action on the queue (`requested_by: {"kind":"scheduler","rule":…}`), so the
//! worker performs and audits every change.
//!
//! # The event
//! Any EventBridge scheduled event (`{"time": "2026-11-23T10:00:00Z",
//! "detail": {"sweep": "all"}, …}`; see tests/fixtures/events/). "Now" is its
//! `time` (the real clock when absent). `detail.sweep` picks the rules:
//! `all` (the default: everything due, a tick), `idle`, `end_of_day`,
//! `report`. A 5-minute `all` tick alone is enough: end of day and the report
//! are caught up by the first tick after their time (up to 12 hours late).
//!
//! # Nothing twice
//! Each decision has a key naming cluster, rule and deadline
//! (`term:eod:j-1:2026-11-23T10:00:00Z`); the message id is `sched:<key>`, so
//! the worker's deduplication drops a repeat, and the key is stored in the
//! cluster's `SCHED` item after sending, so a repeated or late event sends
//! nothing more.
//!
//! # Calls per sweep (N clusters, A accounts)
//! ListClusters: paginated, per account. DynamoDB: BatchGetItem for locks and
//! policy state (3 keys per cluster, 100 keys a call), TransactWriteItems for
//! the versioned bookkeeping and the daily report's termination records (100
//! a call). Only when a decision needs them, per account: the exempt tag of
//! every cluster (GetResources) and idleness from EMR's `IsIdle` metric
//! (GetMetricData, 350 clusters a call), with ListSteps only for clusters
//! the metric cannot answer for. SendMessageBatch: up to 10 messages one per
//! entry; more in bundles of up to 100 (see `emrbot_domain::message::Incoming`).

mod event;
mod messages;
mod sweep;

use emrbot_domain::ports::clock::{Clock, SystemClock};
use emrbot_domain::ports::directory::ClusterDirectory;
use emrbot_domain::ports::locks::LockStore;
use emrbot_domain::ports::policy::PolicyRecords;
use emrbot_domain::ports::queue::CommandQueue;
use emrbot_domain::Config;
use emrbot_shared::settings::Settings;
use std::sync::Arc;

pub use event::{ScheduledEvent, SweepError, SweepOutcome};

pub struct Scheduler {
    pub config: Arc<Config>,
    pub clusters: ClusterDirectory,
    pub locks: Arc<dyn LockStore>,
    pub policy: Arc<dyn PolicyRecords>,
    pub queue: Arc<dyn CommandQueue>,
    /// Stamps `issued_at` (the decisions use the event's time).
    pub clock: Arc<dyn Clock>,
}

impl Scheduler {
    /// Where the policies' facts are read from (the same reading `plan` uses).
    pub fn facts(&self) -> emrbot_domain::facts::FactReader<'_> {
        emrbot_domain::facts::FactReader {
            clusters: &self.clusters,
            locks: self.locks.as_ref(),
            records: self.policy.as_ref(),
            policy: &self.config.policy,
        }
    }

    /// Handles one scheduled event.
    pub async fn handle(&self, event: &ScheduledEvent) -> Result<SweepOutcome, SweepError> {
        let now = event.time.unwrap_or_else(|| self.clock.now());
        let sweep = event.sweep()?;
        tracing::info!(event_id = event.id.as_deref().unwrap_or("-"), %now, sweep = sweep.as_str(), "sweep");
        self.sweep(now, sweep).await
    }

    /// [`Scheduler::handle`], given up [`DEADLINE_MARGIN`] before `deadline`
    /// (the Lambda invocation's), so the failure is reported and retried
    /// rather than the process killed mid-call.
    pub async fn handle_before(
        &self,
        event: &ScheduledEvent,
        deadline: std::time::SystemTime,
    ) -> Result<SweepOutcome, SweepError> {
        let left = deadline
            .duration_since(std::time::SystemTime::now())
            .unwrap_or_default()
            .saturating_sub(DEADLINE_MARGIN);
        tokio::time::timeout(left, self.handle(event))
            .await
            .unwrap_or(Err(SweepError::OutOfTime))
    }
}

/// Kept back from the invocation's deadline to report a cut-off sweep.
pub const DEADLINE_MARGIN: std::time::Duration = std::time::Duration::from_secs(3);

/// Wires the AWS adapters (cold start; also emrbot-local).
pub fn build(settings: &Settings, aws: &aws_config::SdkConfig) -> Scheduler {
    use emrbot_domain::config::Access;
    use emrbot_shared::aws::accounts::directory_from_aws;
    use emrbot_shared::aws::dynamodb::{DynamoLockStore, DynamoPolicyStore};
    use emrbot_shared::aws::sqs::SqsQueue;
    let dynamo = aws_sdk_dynamodb::Client::new(aws);
    let table = settings.table.as_str();
    let config = settings.config.clone();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Scheduler {
        clusters: directory_from_aws(&config, aws, clock.clone(), Access::Read),
        locks: Arc::new(DynamoLockStore::new(dynamo.clone(), table)),
        policy: Arc::new(DynamoPolicyStore::new(dynamo, table)),
        queue: Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(aws),
            settings.queue_url.clone(),
        )),
        clock,
        config,
    }
}
