//! EMR's "EMR Cluster State Change" events, routed by an EventBridge rule onto
//! the command queue. Not v1 messages: recognised by `"source": "aws.emr"`.
//! Each moves the launch reply of that cluster (if emrbot launched it) on:
//! STARTING → BOOTSTRAPPING → WAITING, or the failure with EMR's reason.

use crate::Outcome;
use crate::Worker;
use emrbot_domain::cluster::ClusterId;
use emrbot_shared::slack::render;
use serde::Deserialize;
use tracing::Instrument;

pub const STATE_CHANGE: &str = "EMR Cluster State Change";

#[derive(Debug, Clone, Deserialize)]
pub struct EmrEvent {
    pub id: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub source: String,
    #[serde(default)]
    pub account: Option<String>,
    pub detail: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StateChange {
    #[serde(rename = "clusterId")]
    pub cluster_id: String,
    pub state: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    /// A JSON string: `{"code": "...", "message": "..."}`.
    #[serde(default, rename = "stateChangeReason")]
    pub state_change_reason: Option<String>,
}

impl StateChange {
    /// EMR's own words for why, when it has any.
    pub fn reason(&self) -> Option<String> {
        let from_reason = self
            .state_change_reason
            .as_deref()
            .and_then(|r| serde_json::from_str::<serde_json::Value>(r).ok())
            .and_then(|v| {
                v.get("message")
                    .and_then(|m| m.as_str())
                    .map(str::to_string)
            })
            .filter(|m| !m.is_empty());
        from_reason.or_else(|| {
            matches!(self.state.as_str(), "TERMINATED_WITH_ERRORS" | "TERMINATED")
                .then(|| self.message.clone())
                .flatten()
        })
    }
}

/// Whether a queue body is an EventBridge event from EMR (not a v1 message).
pub fn is_emr_event(body: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .is_some_and(|v| {
            v.get("source").and_then(|s| s.as_str()) == Some("aws.emr")
                && v.get("detail-type").is_some()
        })
}

/// Launch progress only moves forward, whatever order events arrive in.
fn rank(state: &str) -> u8 {
    match state {
        "STARTING" => 1,
        "BOOTSTRAPPING" => 2,
        "RUNNING" | "WAITING" => 3,
        "TERMINATING" => 4,
        "TERMINATED" | "TERMINATED_WITH_ERRORS" => 5,
        _ => 0,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("not an EMR event: {0}")]
    Malformed(#[from] serde_json::Error),
}

impl Worker {
    pub async fn handle_emr_event(&self, body: &str) -> Result<Outcome, EventError> {
        let event: EmrEvent = serde_json::from_str(body)?;
        if event.detail_type != STATE_CHANGE || event.source != "aws.emr" {
            tracing::info!(detail_type = %event.detail_type, "ignoring an EMR event of another kind");
            return Ok(Outcome::Done);
        }
        let change: StateChange = serde_json::from_value(event.detail.clone())?;
        let Ok(cluster) = ClusterId::parse(&change.cluster_id) else {
            tracing::warn!(cluster = %change.cluster_id, "EMR event names no valid cluster id");
            return Ok(Outcome::Done);
        };
        let span = tracing::info_span!("emr_event", event_id = %event.id, cluster = %cluster, state = %change.state);
        // Whatever changed, `status` and `plan` read the cluster afresh.
        self.forget_description(&cluster).await;
        let outcome = self
            .once(
                &format!("evt:{}", event.id),
                self.apply_state_change(&cluster, &change),
            )
            .instrument(span)
            .await;
        Ok(outcome)
    }

    async fn apply_state_change(&self, cluster: &ClusterId, change: &StateChange) -> Outcome {
        let mut record = match self.launches.get(cluster).await {
            Ok(Some(r)) => r,
            Ok(None) => {
                tracing::info!("not launched through emrbot (or long ago); nothing to update");
                return Outcome::Done;
            }
            Err(e) if e.is_transient() => return Outcome::Retry,
            Err(e) => {
                tracing::error!(error = %e, "launch record unreadable");
                return Outcome::Done;
            }
        };
        if record
            .last_state
            .as_deref()
            .is_some_and(|last| rank(last) >= rank(&change.state) && rank(&change.state) > 0)
        {
            tracing::info!(last = ?record.last_state, "stale or repeated state; not moving the launch message back");
            if record.last_state.as_deref() != Some(change.state.as_str())
                || rank(&change.state) != 1
            {
                return Outcome::Done;
            }
        }
        let reason = change.reason();
        let message = render::launch_progress(
            &record.name,
            cluster.as_str(),
            record.account.as_deref(),
            &record.preset,
            &change.state,
            reason.as_deref(),
            &record.requested_by,
        );
        self.update_launch_message(&mut record, &message).await;
        record.last_state = Some(change.state.clone());
        if let Err(e) = self.launches.put(&record).await {
            tracing::warn!(error = %e, "could not store the launch's progress");
        }
        if change.state == "TERMINATED_WITH_ERRORS" {
            let entry = emrbot_domain::audit::AuditEntry {
                at: self.clock.now(),
                who: "EMR".into(),
                action: "launch".into(),
                cluster: Some(cluster.clone()),
                name: Some(record.name.clone()).filter(|n| !n.is_empty()),
                account: record.account.clone(),
                outcome: "failed".into(),
                detail: reason.unwrap_or_else(|| "terminated with errors".into()),
                reason: None,
                message_id: format!("state:{}", change.state),
                fact: None,
            };
            self.record(&entry).await;
        }
        Outcome::Done
    }
}
