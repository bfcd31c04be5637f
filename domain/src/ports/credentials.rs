//! Cross-account credentials: the STS port.

use crate::config::Account;
use crate::secret::Secret;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Temporary credentials of an assumed role. The secret parts never print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemporaryCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret<String>,
    pub session_token: Secret<String>,
    pub expiration: DateTime<Utc>,
}

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

/// AssumeRole into `[accounts.NAME]`.
#[async_trait]
pub trait RoleAssumer: Send + Sync {
    async fn assume(
        &self,
        name: &str,
        account: &Account,
    ) -> Result<TemporaryCredentials, AccountError>;
}
