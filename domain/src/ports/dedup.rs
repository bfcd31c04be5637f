//! Exactly-once effects: every queue message id is claimed before the worker acts.

use super::StoreError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Ours: act, then [`DedupStore::complete`].
    Acquired,
    /// Already done by someone: do nothing, say nothing.
    Done,
    /// Another handler holds a live lease on it right now.
    InProgress,
}

#[async_trait]
pub trait DedupStore: Send + Sync {
    /// Claims `id` for `owner` until `lease_secs` from `now`: succeeds when the
    /// id is new or a previous handler's lease has run out (it crashed).
    async fn claim(
        &self,
        id: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_secs: i64,
    ) -> Result<Claim, StoreError>;
    /// Marks the id done (only if `owner` still holds it).
    async fn complete(&self, id: &str, owner: &str, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Gives the claim up after a transient failure, so the retry may act at once.
    async fn abandon(&self, id: &str, owner: &str) -> Result<(), StoreError>;
}
