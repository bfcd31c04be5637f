//! The lock store: taking a lock is one conditional write, so exactly one of
//! many concurrent lockers wins.

use super::StoreError;
use crate::cluster::ClusterId;
use crate::lock::Lock;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("held by {} until {}", .0.holder_display, .0.until)]
    HeldByOther(Box<Lock>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait LockStore: Send + Sync {
    /// The stored lock, expired or not (callers compare `until` with their now).
    async fn get(&self, cluster: &ClusterId) -> Result<Option<Lock>, StoreError>;
    /// Many locks in as few calls as the store allows.
    async fn get_many(
        &self,
        clusters: &[ClusterId],
    ) -> Result<HashMap<ClusterId, Lock>, StoreError>;
    /// Takes or renews the lock: succeeds when there is none, it has expired, or
    /// `lock.holder` already holds it.
    async fn acquire(&self, lock: &Lock, now: DateTime<Utc>) -> Result<(), LockError>;
    /// Removes the lock if `holder` holds it (or any holder, when `None`: an
    /// admin). Returns the lock that was removed.
    async fn release(
        &self,
        cluster: &ClusterId,
        holder: Option<&str>,
    ) -> Result<Option<Lock>, LockError>;
}
