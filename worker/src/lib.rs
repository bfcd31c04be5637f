//! The worker: the only component that changes EMR, locks or credentials. It
//! takes v1 command messages from the queue, performs them, and reports back
//! in Slack.

pub mod commands;
pub mod sqs;

use emrbot_shared::clock::Clock;
use emrbot_shared::emr::ClusterDirectory;
use emrbot_shared::slack::SlackReplies;
use emrbot_shared::store::LockStore;
use emrbot_shared::Config;
use std::sync::Arc;

/// Everything the worker needs, built once at cold start.
#[derive(Clone)]
pub struct Worker {
    pub config: Arc<Config>,
    pub clusters: ClusterDirectory,
    pub locks: Arc<dyn LockStore>,
    pub slack: Arc<dyn SlackReplies>,
    pub clock: Arc<dyn Clock>,
}

/// Wires the AWS and Slack adapters from settings (cold start).
pub fn build(settings: &emrbot_shared::settings::Settings, aws: &aws_config::SdkConfig, http: reqwest::Client) -> Worker {
    use emrbot_shared::emr::aws::AwsClusterApi;
    use emrbot_shared::slack::HttpSlack;
    use emrbot_shared::store::DynamoLockStore;
    let dynamo = aws_sdk_dynamodb::Client::new(aws);
    Worker {
        config: settings.config.clone(),
        clusters: ClusterDirectory::new().with_account(None, Arc::new(AwsClusterApi::from_sdk_config(aws))),
        locks: Arc::new(DynamoLockStore::new(dynamo, settings.table.clone())),
        slack: Arc::new(HttpSlack::new(http, &settings.slack_api_base, settings.bot_token.clone())),
        clock: Arc::new(emrbot_shared::clock::SystemClock),
    }
}
