//! Cross-account access on AWS: AssumeRole (with ExternalId) into each
//! `[accounts.NAME]` through STS, and the [`ClusterDirectory`] of every
//! account, each call running with the account's current credentials (see
//! `emrbot_domain::accounts` for the cache).

use crate::aws::emr::AwsClusterApi;
use crate::aws::{classify, FailureKind};
use async_trait::async_trait;
use emrbot_domain::accounts::AccountCredentials;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::config::{Access, Account, Config};
use emrbot_domain::emr::{ClusterDetail, ClusterSummary, FleetTarget, LaunchSpec, StepSummary};
use emrbot_domain::policy::activity::IdlePoints;
use emrbot_domain::ports::clock::Clock;
use emrbot_domain::ports::clusters::{ClusterChanger, ClusterReader, EmrError};
use emrbot_domain::ports::credentials::{AccountError, RoleAssumer, TemporaryCredentials};
use emrbot_domain::ports::directory::ClusterDirectory;
use emrbot_domain::secret::Secret;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

pub const SESSION_NAME: &str = "emrbot";

/// The [`RoleAssumer`] port over aws-sdk-sts.
pub struct StsRoleAssumer {
    client: aws_sdk_sts::Client,
}

impl StsRoleAssumer {
    pub fn new(client: aws_sdk_sts::Client) -> Self {
        Self { client }
    }
}

#[async_trait]
impl RoleAssumer for StsRoleAssumer {
    async fn assume(
        &self,
        name: &str,
        account: &Account,
    ) -> Result<TemporaryCredentials, AccountError> {
        let out = self
            .client
            .assume_role()
            .role_arn(&account.role_arn)
            .role_session_name(SESSION_NAME)
            .set_external_id(account.external_id.clone())
            .send()
            .await
            .map_err(|err| {
                let failure = classify(&err);
                tracing::warn!(account = name, code = %failure.code, "AssumeRole failed");
                AccountError::AssumeRole {
                    account: name.to_string(),
                    reason: format!("{} (role {})", failure, account.role_arn),
                    transient: failure.kind == FailureKind::Transient,
                }
            })?;
        let missing = || AccountError::AssumeRole {
            account: name.to_string(),
            reason: "STS returned no credentials".into(),
            transient: false,
        };
        let c = out.credentials().ok_or_else(missing)?;
        let expiration = crate::aws::to_chrono(c.expiration()).ok_or_else(missing)?;
        tracing::info!(account = name, %expiration, "assumed role");
        Ok(TemporaryCredentials {
            access_key_id: c.access_key_id().to_string(),
            secret_access_key: Secret::new(c.secret_access_key().to_string()),
            session_token: Secret::new(c.session_token().to_string()),
            expiration,
        })
    }
}

/// A [`ClusterApi`] in another account: each call runs with the account's
/// current assumed-role credentials (a client is kept while they last).
pub struct AssumedRoleClusterApi {
    account: String,
    base: aws_config::SdkConfig,
    region: Option<String>,
    credentials: Arc<AccountCredentials>,
    current: Mutex<Option<(String, Arc<AwsClusterApi>)>>,
}

impl AssumedRoleClusterApi {
    pub fn new(
        account: &str,
        config: &Account,
        base: &aws_config::SdkConfig,
        credentials: Arc<AccountCredentials>,
    ) -> Self {
        Self {
            account: account.to_string(),
            base: base.clone(),
            region: config.region.clone(),
            credentials,
            current: Mutex::default(),
        }
    }

    async fn api(&self) -> Result<Arc<AwsClusterApi>, EmrError> {
        let c = self.credentials.get(&self.account).await?;
        if let Some((key_id, api)) = self.current.lock().expect("client").as_ref() {
            if *key_id == c.access_key_id {
                return Ok(Arc::clone(api));
            }
        }
        let provider = aws_credential_types::Credentials::new(
            c.access_key_id.clone(),
            c.secret_access_key.expose().clone(),
            Some(c.session_token.expose().clone()),
            Some(c.expiration.into()),
            "emrbot-assume-role",
        );
        let mut builder = self.base.to_builder().credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        );
        if let Some(region) = &self.region {
            builder = builder.region(aws_config::Region::new(region.clone()));
        }
        let api = Arc::new(AwsClusterApi::from_sdk_config(&builder.build()));
        *self.current.lock().expect("client") = Some((c.access_key_id.clone(), Arc::clone(&api)));
        Ok(api)
    }
}

#[async_trait]
impl ClusterReader for AssumedRoleClusterApi {
    async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError> {
        self.api().await?.list_active().await
    }
    async fn list_ended(
        &self,
        created_after: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<ClusterSummary>, EmrError> {
        self.api().await?.list_ended(created_after).await
    }
    async fn describe(&self, id: &ClusterId) -> Result<ClusterDetail, EmrError> {
        self.api().await?.describe(id).await
    }
    async fn list_instances(
        &self,
        id: &ClusterId,
    ) -> Result<Vec<emrbot_domain::usage::InstanceRecord>, EmrError> {
        self.api().await?.list_instances(id).await
    }
    async fn list_steps(&self, id: &ClusterId) -> Result<Vec<StepSummary>, EmrError> {
        self.api().await?.list_steps(id).await
    }
    async fn tags_of(
        &self,
        ids: &[ClusterId],
    ) -> Result<HashMap<ClusterId, BTreeMap<String, String>>, EmrError> {
        self.api().await?.tags_of(ids).await
    }
    async fn with_tag(&self, key: &str) -> Result<HashMap<ClusterId, String>, EmrError> {
        self.api().await?.with_tag(key).await
    }
    async fn idle_metric(
        &self,
        ids: &[ClusterId],
        since: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> Result<HashMap<ClusterId, IdlePoints>, EmrError> {
        self.api().await?.idle_metric(ids, since, until).await
    }
}

#[async_trait]
impl ClusterChanger for AssumedRoleClusterApi {
    async fn launch(&self, spec: &LaunchSpec) -> Result<ClusterId, EmrError> {
        self.api().await?.launch(spec).await
    }
    async fn terminate(&self, id: &ClusterId) -> Result<(), EmrError> {
        self.api().await?.terminate(id).await
    }
    async fn resize_group(
        &self,
        id: &ClusterId,
        group_id: &str,
        count: u32,
    ) -> Result<(), EmrError> {
        self.api().await?.resize_group(id, group_id, count).await
    }
    async fn resize_fleet(
        &self,
        id: &ClusterId,
        fleet_id: &str,
        target: FleetTarget,
    ) -> Result<(), EmrError> {
        self.api().await?.resize_fleet(id, fleet_id, target).await
    }
}

/// The directory the Lambdas use: every account, with assumed-role
/// credentials from STS, cached in memory; `access` picks each account's role.
pub fn directory_from_aws(
    config: &Config,
    aws: &aws_config::SdkConfig,
    clock: Arc<dyn Clock>,
    access: Access,
) -> ClusterDirectory {
    let accounts = config
        .accounts
        .iter()
        .map(|(name, account)| (name.clone(), account.for_access(access)))
        .collect();
    let credentials = Arc::new(AccountCredentials::new(
        accounts,
        Arc::new(StsRoleAssumer::new(aws_sdk_sts::Client::new(aws))),
        clock,
    ));
    directory_for(config, aws, credentials)
}

/// The bot's own account plus every `[accounts.NAME]`, through assumed roles.
pub fn directory_for(
    config: &Config,
    base: &aws_config::SdkConfig,
    credentials: Arc<AccountCredentials>,
) -> ClusterDirectory {
    let mut directory =
        ClusterDirectory::new().with_account(None, Arc::new(AwsClusterApi::from_sdk_config(base)));
    for (name, account) in &config.accounts {
        let api = AssumedRoleClusterApi::new(name, account, base, Arc::clone(&credentials));
        directory = directory.with_account(Some(name.clone()), Arc::new(api));
    }
    directory
}
