//! The daily report as it travels on the queue (the scheduler assembles it,
//! the worker renders and posts it), and the automatic terminations it lists.

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
    pub rule: String,
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
