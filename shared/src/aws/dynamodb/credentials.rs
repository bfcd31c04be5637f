//! Assumed-role credentials shared by concurrent workers, so they do not all
//! call STS. Item: `pk = ACCOUNT#<name>`, `sk = CREDENTIALS`, with
//! `access_key_id`, `secret_access_key`, `session_token`, `expiration` (epoch
//! s) and `expires_at` (TTL = expiration). Temporary credentials only; the
//! table is encrypted at rest and only emrbot's roles can read it. Values are
//! wrapped in [`Secret`] so they never reach a log.

use super::table::{epoch, get, key, put, s, string, time, TTL_ATTRIBUTE};
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use emrbot_domain::ports::credentials::{CredentialStore, TemporaryCredentials};
use emrbot_domain::ports::StoreError;
use emrbot_domain::secret::Secret;

pub const CREDENTIALS_SK: &str = "CREDENTIALS";

pub struct DynamoCredentialStore {
    client: Client,
    table: String,
}

impl DynamoCredentialStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }
}

fn pk(account: &str) -> String {
    format!("ACCOUNT#{account}")
}

#[async_trait]
impl CredentialStore for DynamoCredentialStore {
    async fn get(&self, account: &str) -> Result<Option<TemporaryCredentials>, StoreError> {
        let item = get(&self.client, &self.table, key(pk(account), CREDENTIALS_SK)).await?;
        Ok(item.as_ref().and_then(|item| {
            Some(TemporaryCredentials {
                access_key_id: s(item, "access_key_id")?,
                secret_access_key: Secret::new(s(item, "secret_access_key")?),
                session_token: Secret::new(s(item, "session_token")?),
                expiration: time(item, "expiration")?,
            })
        }))
    }

    async fn put(&self, account: &str, c: &TemporaryCredentials) -> Result<(), StoreError> {
        let mut item = key(pk(account), CREDENTIALS_SK);
        item.insert("access_key_id".into(), string(c.access_key_id.clone()));
        item.insert(
            "secret_access_key".into(),
            string(c.secret_access_key.expose().clone()),
        );
        item.insert(
            "session_token".into(),
            string(c.session_token.expose().clone()),
        );
        item.insert("expiration".into(), epoch(c.expiration));
        item.insert(TTL_ATTRIBUTE.into(), epoch(c.expiration));
        put(&self.client, &self.table, item).await?;
        Ok(())
    }
}
