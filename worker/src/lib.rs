//! The worker: the only component that changes EMR, locks or credentials. It
//! takes v1 command messages (and EMR state-change events) from the queue,
//! performs them exactly once, and reports back in Slack.
//!
//! The path of one message: `sqs` (a batch, partial failures) → `once`
//! (claim the id) → `perform` (permissions, dispatch, audit, reply) → one of
//! `status`, `plan`, `locks`, `launch`, `terminate`, `resize` → `reply` (to Slack).

mod billing;
mod costs;
mod error;
pub mod events;
mod handled;
mod history;
mod home;
mod launch;
mod locks;
mod once;
mod perform;
mod plan;
mod recheck;
pub mod reply;
mod resize;
mod resolve;
mod savings;
pub mod sqs;
mod status;
mod terminate;

use emrbot_domain::ports::audit::AuditLog;
use emrbot_domain::ports::billing::BilledCosts;
use emrbot_domain::ports::clock::{Clock, SystemClock};
use emrbot_domain::ports::dedup::DedupStore;
use emrbot_domain::ports::descriptions::DescriptionCache;
use emrbot_domain::ports::directory::ClusterDirectory;
use emrbot_domain::ports::launches::LaunchStore;
use emrbot_domain::ports::locks::LockStore;
use emrbot_domain::ports::policy::{PolicyRecords, UnlockRecorder};
use emrbot_domain::ports::prices::{PriceList, SpotPrices};
use emrbot_domain::producers::Principals;
use emrbot_domain::Config;
use emrbot_shared::settings::{Settings, SettingsError};
use emrbot_shared::slack::SlackReplies;
use std::sync::Arc;

pub use error::{CommandError, Outcome};
pub use sqs::RECORD_RESERVE;

/// Everything the worker needs, built once at cold start.
#[derive(Clone)]
pub struct Worker {
    pub config: Arc<Config>,
    /// Who may send what: checked against SQS's `SenderId` of every message.
    pub principals: Principals,
    /// Where a message's `response_url` may point (Slack's hosts).
    pub response_urls: emrbot_shared::slack::urls::ResponseUrlPolicy,
    pub clusters: ClusterDirectory,
    pub locks: Arc<dyn LockStore>,
    pub dedup: Arc<dyn DedupStore>,
    pub audit: Arc<dyn AuditLog>,
    pub launches: Arc<dyn LaunchStore>,
    /// `unlock` restarts the scheduler's grace period.
    pub unlocks: Arc<dyn UnlockRecorder>,
    /// The scheduler's records, read by `plan`, the savings report and the Home tab.
    pub records: Arc<dyn PolicyRecords>,
    pub slack: Arc<dyn SlackReplies>,
    pub clock: Arc<dyn Clock>,
    /// What `status` and `plan` last read of each cluster's description.
    pub descriptions: Arc<dyn DescriptionCache>,
    /// AWS's on-demand prices, behind the day-long cache.
    pub prices: Arc<dyn PriceList>,
    /// EC2's spot price history, for spot instance-hours.
    pub spot: Arc<dyn SpotPrices>,
    /// The bill, by cost allocation tag (read only with `[costs] cost_explorer`).
    pub billing: Arc<dyn BilledCosts>,
    /// The region this Lambda runs in: its own account's clusters' region.
    pub region: String,
}

impl Worker {
    /// The same worker over other clusters (tests: a fake of the port where
    /// the emulator cannot play).
    pub fn with_clusters(mut self, clusters: ClusterDirectory) -> Self {
        self.clusters = clusters;
        self
    }
}

/// Wires the AWS and Slack adapters from settings (cold start). Fails without
/// the principals it authenticates senders against.
pub fn build(settings: &Settings, aws: &aws_config::SdkConfig) -> Result<Worker, SettingsError> {
    use emrbot_domain::config::Access;
    use emrbot_shared::aws::accounts::directory_from_aws;
    use emrbot_shared::aws::dynamodb::{
        DynamoAuditLog, DynamoDedupStore, DynamoDescriptionCache, DynamoLaunchStore,
        DynamoLockStore, DynamoPolicyStore,
    };
    use emrbot_shared::slack::urls::ResponseUrlPolicy;
    use emrbot_shared::slack::HttpSlack;
    let dynamo = aws_sdk_dynamodb::Client::new(aws);
    let table = settings.table.clone();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let prices = price_list(aws, &dynamo, &table, clock.clone());
    let spot = spot_prices(aws, &dynamo, &table, clock.clone());
    Ok(Worker {
        principals: settings.require_principals()?,
        response_urls: ResponseUrlPolicy {
            allow_loopback: settings.allow_loopback_response_urls,
        },
        config: settings.config.clone(),
        clusters: directory_from_aws(&settings.config, aws, clock.clone(), Access::Operate),
        locks: Arc::new(DynamoLockStore::new(dynamo.clone(), table.clone())),
        dedup: Arc::new(DynamoDedupStore::new(dynamo.clone(), table.clone())),
        descriptions: Arc::new(DynamoDescriptionCache::new(dynamo.clone(), table.clone())),
        audit: Arc::new(DynamoAuditLog::new(dynamo.clone(), table.clone())),
        launches: Arc::new(DynamoLaunchStore::new(dynamo.clone(), table.clone())),
        unlocks: Arc::new(DynamoPolicyStore::new(dynamo.clone(), table.clone())),
        records: Arc::new(DynamoPolicyStore::new(dynamo, table)),
        prices,
        spot,
        billing: Arc::new(emrbot_shared::aws::cost_explorer::AwsBilledCosts::new(aws)),
        region: aws
            .region()
            .map(|r| r.to_string())
            .unwrap_or_else(|| emrbot_domain::prices::BUILT_IN_REGION.into()),
        slack: Arc::new(
            HttpSlack::new(
                &settings.slack_api_base,
                settings.bot_token.clone(),
                ResponseUrlPolicy {
                    allow_loopback: settings.allow_loopback_response_urls,
                },
            )
            .with_report_webhook(settings.config.slack.report_webhook.clone()),
        ),
        clock,
    })
}

/// EC2's spot price history behind the DynamoDB spot history cache.
pub fn spot_prices(
    aws: &aws_config::SdkConfig,
    dynamo: &aws_sdk_dynamodb::Client,
    table: &str,
    clock: Arc<dyn Clock>,
) -> Arc<dyn SpotPrices> {
    use emrbot_domain::cached_spot::CachedSpotPrices;
    use emrbot_shared::aws::dynamodb::DynamoSpotHistoryCache;
    Arc::new(CachedSpotPrices::new(
        Arc::new(emrbot_shared::aws::spot::AwsSpotPrices::new(aws)),
        Arc::new(DynamoSpotHistoryCache::new(dynamo.clone(), table)),
        clock,
    ))
}

/// The AWS Price List (its endpoint per the SDK's standard configuration)
/// behind the DynamoDB price cache.
pub fn price_list(
    aws: &aws_config::SdkConfig,
    dynamo: &aws_sdk_dynamodb::Client,
    table: &str,
    clock: Arc<dyn Clock>,
) -> Arc<dyn PriceList> {
    use emrbot_domain::cached_prices::CachedPriceList;
    use emrbot_shared::aws::dynamodb::DynamoPriceCache;
    use emrbot_shared::aws::pricing::AwsPriceList;
    Arc::new(CachedPriceList::new(
        Arc::new(AwsPriceList::new(aws)),
        Arc::new(DynamoPriceCache::new(dynamo.clone(), table)),
        clock,
    ))
}
