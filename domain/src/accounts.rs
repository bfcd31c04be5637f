//! Cross-account credentials, cached: memory first, then the credential
//! store (shared by concurrent workers), then STS, one flight at a time per
//! account in a process. Credentials are [`Secret`]s: they never reach a log
//! or a reply.

use crate::config::Account;
use crate::ports::clock::Clock;
use crate::ports::clusters::EmrError;
use crate::ports::credentials::{AccountError, RoleAssumer, TemporaryCredentials};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// Credentials are renewed this long before they expire.
pub const REFRESH_BEFORE_SECS: i64 = 5 * 60;

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

/// Per-account credentials: memory, else STS, one flight at a time.
pub struct AccountCredentials {
    accounts: BTreeMap<String, Account>,
    assumer: Arc<dyn RoleAssumer>,
    clock: Arc<dyn Clock>,
    memory: Mutex<HashMap<String, TemporaryCredentials>>,
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl AccountCredentials {
    pub fn new(
        accounts: BTreeMap<String, Account>,
        assumer: Arc<dyn RoleAssumer>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            accounts,
            assumer,
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
        let c = self.assumer.assume(name, account).await?;
        self.memory
            .lock()
            .expect("memory")
            .insert(name.to_string(), c.clone());
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::clock::SystemClock;
    use crate::secret::Secret;
    use async_trait::async_trait;
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
                reader_role_arn: None,
                external_id: Some("e".into()),
                region: None,
            },
        )]);
        let c = AccountCredentials::new(accounts, assumer.clone(), Arc::new(SystemClock));
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
