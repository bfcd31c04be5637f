//! The worker: the only component that changes EMR, locks or credentials. It
//! takes v1 command messages (and EMR state-change events) from the queue,
//! performs them exactly once, and reports back in Slack.

pub mod commands;
pub mod events;
pub mod lifecycle;
pub mod reply;
pub mod sqs;

use emrbot_shared::clock::Clock;
use emrbot_shared::emr::ClusterDirectory;
use emrbot_shared::slack::SlackReplies;
use emrbot_shared::store::{AuditLog, DedupStore, LaunchStore, LockStore};
use emrbot_shared::Config;
use std::sync::Arc;

pub use commands::{CommandError, Outcome};

/// Everything the worker needs, built once at cold start.
#[derive(Clone)]
pub struct Worker {
    pub config: Arc<Config>,
    pub clusters: ClusterDirectory,
    pub locks: Arc<dyn LockStore>,
    pub dedup: Arc<dyn DedupStore>,
    pub audit: Arc<dyn AuditLog>,
    pub launches: Arc<dyn LaunchStore>,
    /// The scheduler's per-cluster policy state; `unlock` restarts the grace.
    pub policy: Arc<dyn emrbot_shared::policy::store::PolicyStore>,
    pub slack: Arc<dyn SlackReplies>,
    pub clock: Arc<dyn Clock>,
}

impl Worker {
    /// The same worker over other clusters (tests: a fake of the port where
    /// the emulator cannot play).
    pub fn with_clusters(mut self, clusters: ClusterDirectory) -> Self {
        self.clusters = clusters;
        self
    }
}

/// Wires the AWS and Slack adapters from settings (cold start).
pub fn build(
    settings: &emrbot_shared::settings::Settings,
    aws: &aws_config::SdkConfig,
    http: reqwest::Client,
) -> Worker {
    use emrbot_shared::accounts::directory_from_aws;
    use emrbot_shared::slack::HttpSlack;
    use emrbot_shared::store::{
        DynamoAuditLog, DynamoDedupStore, DynamoLaunchStore, DynamoLockStore,
    };
    let dynamo = aws_sdk_dynamodb::Client::new(aws);
    let table = settings.table.clone();
    let clock: Arc<dyn Clock> = Arc::new(emrbot_shared::clock::SystemClock);
    Worker {
        config: settings.config.clone(),
        clusters: directory_from_aws(&settings.config, aws, dynamo.clone(), &table, clock.clone()),
        locks: Arc::new(DynamoLockStore::new(dynamo.clone(), table.clone())),
        dedup: Arc::new(DynamoDedupStore::new(dynamo.clone(), table.clone())),
        audit: Arc::new(DynamoAuditLog::new(dynamo.clone(), table.clone())),
        launches: Arc::new(DynamoLaunchStore::new(dynamo.clone(), table.clone())),
        policy: Arc::new(emrbot_shared::policy::store::DynamoPolicyStore::new(
            dynamo, table,
        )),
        slack: Arc::new(HttpSlack::new(
            http,
            &settings.slack_api_base,
            settings.bot_token.clone(),
        )),
        clock,
    }
}
