//! The daily report and the weekly savings report as they travel on the
//! queue (the scheduler assembles them, the worker renders and posts them),
//! and the records of the scheduler's automatic actions they list.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An automatic termination the scheduler requested.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AutoAction {
    pub at: DateTime<Utc>,
    pub cluster: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub rule: crate::rule::Rule,
    pub reason: String,
}

/// The daily report as it travels on the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyReport {
    pub at: DateTime<Utc>,
    /// Automatic terminations are listed from here (the previous report).
    pub since: DateTime<Utc>,
    pub clusters: Vec<ReportLine>,
    #[serde(default)]
    pub terminated: Vec<AutoAction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLine {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locked_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_since: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized_instance_hours: Option<i32>,
}

/// A cluster the end-of-day rule passed over: locked past it, or tagged
/// exempt. The scheduler records one per cluster and end of day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptAction {
    /// The end of day it survived.
    pub at: DateTime<Utc>,
    pub cluster: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub by: KeptBy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeptBy {
    Lock {
        holder: String,
        until: DateTime<Utc>,
    },
    /// The exempt tag (`policy.exempt_tag`).
    Tag,
}

/// The weekly savings report as it travels on the queue: what the
/// scheduler recorded between `since` and `at`. The worker checks each
/// termination against EMR and prices it (`crate::savings`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavingsReport {
    pub at: DateTime<Utc>,
    pub since: DateTime<Utc>,
    #[serde(default)]
    pub terminated: Vec<AutoAction>,
    #[serde(default)]
    pub kept: Vec<KeptAction>,
}
