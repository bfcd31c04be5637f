//! The scheduled event in, what the sweep did out, and why it failed.

use chrono::{DateTime, Utc};
use emrbot_domain::policy::Sweep;
use emrbot_domain::ports::clusters::EmrError;
use emrbot_domain::ports::queue::QueueError;
use emrbot_domain::ports::StoreError;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("bad scheduled event: {0}")]
    Event(String),
    #[error(transparent)]
    Emr(#[from] EmrError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    /// Cut off before the invocation's deadline. Safe anywhere: messages go
    /// before the records that remember them, and a resend carries the same ids.
    #[error("the sweep ran out of time; it is retried")]
    OutOfTime,
}

impl From<emrbot_domain::facts::FactsError> for SweepError {
    fn from(error: emrbot_domain::facts::FactsError) -> Self {
        match error {
            emrbot_domain::facts::FactsError::Emr(e) => SweepError::Emr(e),
            emrbot_domain::facts::FactsError::Store(e) => SweepError::Store(e),
        }
    }
}

impl SweepError {
    /// A retry of the same event later can help (EventBridge retries a
    /// failed invocation; a repeated sweep does nothing twice).
    pub fn is_transient(&self) -> bool {
        match self {
            SweepError::Event(_) => false,
            SweepError::Emr(e) => e.is_transient(),
            SweepError::Store(e) => e.is_transient(),
            SweepError::Queue(e) => e.is_transient(),
            SweepError::OutOfTime => true,
        }
    }
}

/// The parts of an EventBridge scheduled event the scheduler reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduledEvent {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
    /// Also accepted at the top level (EventBridge Scheduler's own input).
    #[serde(default)]
    pub sweep: Option<String>,
}

impl ScheduledEvent {
    pub fn from_json(value: serde_json::Value) -> Result<ScheduledEvent, SweepError> {
        serde_json::from_value(value).map_err(|e| SweepError::Event(e.to_string()))
    }

    pub fn sweep(&self) -> Result<Sweep, SweepError> {
        let word = self
            .detail
            .as_ref()
            .and_then(|d| d.get("sweep"))
            .and_then(|s| s.as_str())
            .or(self.sweep.as_deref())
            .unwrap_or("all");
        Sweep::parse(word).ok_or_else(|| {
            SweepError::Event(format!(
                "unknown sweep `{word}`; use all, idle, end_of_day or report"
            ))
        })
    }
}

/// What one sweep did (the Lambda's response, and `POST /events`'s).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepOutcome {
    pub now: DateTime<Utc>,
    pub sweep: String,
    pub clusters: usize,
    /// Message ids sent, in order.
    pub sent: Vec<String>,
    /// Decision keys carried out (messages, and bookkeeping-only exemptions).
    pub decisions: Vec<String>,
}
