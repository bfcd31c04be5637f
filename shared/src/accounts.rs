//! Cross-account access: AssumeRole (with ExternalId) into each
//! `[accounts.NAME]`, credentials cached in memory and in DynamoDB until 5
//! minutes before they expire, one STS call at a time per account in a process
//! (single flight) and across processes through the DynamoDB cache. Builds the
//! [`ClusterDirectory`] of every account. Credentials are [`Secret`]s: they
//! never reach a log or a reply.

use crate::aws::{classify, FailureKind};
use crate::clock::Clock;
use crate::cluster::ClusterId;
use crate::config::{Account, Config};
use crate::emr::aws::AwsClusterApi;
use crate::emr::model::{ClusterDetail, ClusterSummary, LaunchSpec, StepSummary};
use crate::emr::port::{ClusterApi, ClusterDirectory, EmrError};
use crate::secret::Secret;
use crate::store::credentials::{CredentialStore, TemporaryCredentials};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Credentials are renewed this long before they expire.
pub const REFRESH_BEFORE_SECS: i64 = 5 * 60;
pub const SESSION_NAME: &str = "emrbot";

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("account `{0}` is not configured under [accounts]")]
    Unknown(String),
    #[error("could not assume the role of account `{account}`: {reason}")]
    AssumeRole {
        account: String,
        reason: String,
        transient: bool,
    },
}

impl From<AccountError> for EmrError {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::AssumeRole {
                transient: true,
                account,
                reason,
            } => EmrError::Transient(format!("STS for account `{account}`: {reason}")),
            AccountError::AssumeRole {
                account, reason, ..
            } => EmrError::Account { account, reason },
            AccountError::Unknown(account) => EmrError::Account {
                account,
                reason: "not configured".into(),
            },
        }
    }
}

/// The STS port.
#[async_trait]
pub trait RoleAssumer: Send + Sync {
    async fn assume(
        &self,
        name: &str,
        account: &Account,
    ) -> Result<TemporaryCredentials, AccountError>;
}

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

/// Per-account credentials: memory, then DynamoDB, then STS, one flight at a time.
pub struct AccountCredentials {
    accounts: BTreeMap<String, Account>,
    assumer: Arc<dyn RoleAssumer>,
    store: Option<Arc<dyn CredentialStore>>,
    clock: Arc<dyn Clock>,
    memory: Mutex<HashMap<String, TemporaryCredentials>>,
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl AccountCredentials {
    pub fn new(
        accounts: BTreeMap<String, Account>,
        assumer: Arc<dyn RoleAssumer>,
        store: Option<Arc<dyn CredentialStore>>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            accounts,
            assumer,
            store,
            clock,
            memory: Mutex::default(),
            flights: Mutex::default(),
        }
    }

    fn fresh(&self, c: &TemporaryCredentials, now: DateTime<Utc>) -> bool {
        c.expiration.timestamp() - REFRESH_BEFORE_SECS > now.timestamp()
    }

    fn in_memory(&self, name: &str) -> Option<TemporaryCredentials> {
        let now = self.clock.now();
        self.memory
            .lock()
            .expect("memory")
            .get(name)
            .filter(|c| self.fresh(c, now))
            .cloned()
    }

    pub async fn get(&self, name: &str) -> Result<TemporaryCredentials, AccountError> {
        if let Some(c) = self.in_memory(name) {
            return Ok(c);
        }
        let account = self
            .accounts
            .get(name)
            .ok_or_else(|| AccountError::Unknown(name.to_string()))?;
        let flight = Arc::clone(
            self.flights
                .lock()
                .expect("flights")
                .entry(name.to_string())
                .or_default(),
        );
        let _only_one = flight.lock().await;
        if let Some(c) = self.in_memory(name) {
            return Ok(c);
        }
        if let Some(store) = &self.store {
            match store.get(name).await {
                Ok(Some(c)) if self.fresh(&c, self.clock.now()) => {
                    self.memory
                        .lock()
                        .expect("memory")
                        .insert(name.to_string(), c.clone());
                    return Ok(c);
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(account = name, error = %e, "credential cache unreadable; asking STS")
                }
            }
        }
        let c = self.assumer.assume(name, account).await?;
        if let Some(store) = &self.store {
            if let Err(e) = store.put(name, &c).await {
                tracing::warn!(account = name, error = %e, "could not cache credentials in DynamoDB");
            }
        }
        self.memory
            .lock()
            .expect("memory")
            .insert(name.to_string(), c.clone());
        Ok(c)
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
impl ClusterApi for AssumedRoleClusterApi {
    async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError> {
        self.api().await?.list_active().await
    }
    async fn describe(&self, id: &ClusterId) -> Result<ClusterDetail, EmrError> {
        self.api().await?.describe(id).await
    }
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
        target: u32,
    ) -> Result<(), EmrError> {
        self.api().await?.resize_fleet(id, fleet_id, target).await
    }
    async fn list_steps(&self, id: &ClusterId) -> Result<Vec<StepSummary>, EmrError> {
        self.api().await?.list_steps(id).await
    }
    // Delegated explicitly: the trait's default would DescribeCluster *and*
    // list instance groups for every cluster.
    async fn tags_of(
        &self,
        ids: &[ClusterId],
    ) -> Result<HashMap<ClusterId, BTreeMap<String, String>>, EmrError> {
        self.api().await?.tags_of(ids).await
    }
}

/// The directory the Lambdas use: every account, with assumed-role
/// credentials from STS, cached in memory and in the table.
pub fn directory_from_aws(
    config: &Config,
    aws: &aws_config::SdkConfig,
    dynamo: aws_sdk_dynamodb::Client,
    table: &str,
    clock: Arc<dyn crate::clock::Clock>,
) -> ClusterDirectory {
    let credentials = Arc::new(AccountCredentials::new(
        config.accounts.clone(),
        Arc::new(StsRoleAssumer::new(aws_sdk_sts::Client::new(aws))),
        Some(Arc::new(crate::store::DynamoCredentialStore::new(
            dynamo,
            table.to_string(),
        ))),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SystemClock;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct CountingAssumer(AtomicU32, bool);

    #[async_trait]
    impl RoleAssumer for CountingAssumer {
        async fn assume(
            &self,
            name: &str,
            _: &Account,
        ) -> Result<TemporaryCredentials, AccountError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            if self.1 {
                return Err(AccountError::AssumeRole {
                    account: name.into(),
                    reason: "AccessDenied".into(),
                    transient: false,
                });
            }
            Ok(TemporaryCredentials {
                access_key_id: "ASIAFAKE".into(),
                secret_access_key: Secret::new("s3cr3t".into()),
                session_token: Secret::new("t0k3n".into()),
                expiration: Utc::now() + chrono::Duration::hours(1),
            })
        }
    }

    fn credentials(fail: bool) -> (Arc<CountingAssumer>, Arc<AccountCredentials>) {
        let assumer = Arc::new(CountingAssumer(AtomicU32::new(0), fail));
        let accounts = BTreeMap::from([(
            "analytics".to_string(),
            Account {
                role_arn: "arn:aws:iam::210987654321:role/x".into(),
                external_id: Some("e".into()),
                region: None,
            },
        )]);
        let c = AccountCredentials::new(accounts, assumer.clone(), None, Arc::new(SystemClock));
        (assumer, Arc::new(c))
    }

    #[tokio::test]
    async fn concurrent_callers_make_one_sts_call() {
        let (assumer, creds) = credentials(false);
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let creds = creds.clone();
            tasks.spawn(async move { creds.get("analytics").await.map(|c| c.access_key_id) });
        }
        while let Some(r) = tasks.join_next().await {
            assert_eq!(r.unwrap().unwrap(), "ASIAFAKE");
        }
        assert_eq!(assumer.0.load(Ordering::SeqCst), 1);
        let c = creds.get("analytics").await.unwrap();
        assert!(
            !format!("{c:?}").contains("s3cr3t"),
            "credentials must not print"
        );
    }

    #[tokio::test]
    async fn a_failed_assume_role_names_the_account() {
        let (_, creds) = credentials(true);
        let err = EmrError::from(creds.get("analytics").await.unwrap_err());
        assert!(err.to_string().contains("`analytics`"), "{err}");
        assert!(!err.is_transient());
        assert!(creds
            .get("nope")
            .await
            .unwrap_err()
            .to_string()
            .contains("`nope`"));
    }
}
