//! Where a launch's reply lives, so EMR's state-change events can update it.

use super::StoreError;
use crate::cluster::ClusterId;
use crate::message::ReplyTo;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct LaunchRecord {
    pub cluster: ClusterId,
    pub account: Option<String>,
    pub preset: String,
    pub name: String,
    pub requested_by: String,
    pub reply_to: ReplyTo,
    pub issued_at: DateTime<Utc>,
    pub response_uses: u32,
    pub channel_ts: Option<String>,
    pub last_state: Option<String>,
}

#[async_trait]
pub trait LaunchStore: Send + Sync {
    async fn put(&self, record: &LaunchRecord) -> Result<(), StoreError>;
    async fn get(&self, cluster: &ClusterId) -> Result<Option<LaunchRecord>, StoreError>;
}
