//! Slack's Events API (`POST /slack/events`, signed like the other routes):
//! the `url_verification` Slack makes when the Request URL is set, and
//! `app_home_opened`, which has the worker publish the user's Home tab.
//! Every other event is acknowledged and ignored.

use crate::http::HttpResponse;
use crate::{clip, Enqueued, Ingress};
use emrbot_domain::command::Command;
use emrbot_domain::message::{CommandMessage, MessageId, ReplyTo, Requester};
use serde_json::{json, Value};

impl Ingress {
    pub(crate) async fn event(&self, body: &[u8]) -> HttpResponse {
        let payload: Value = match serde_json::from_slice(body) {
            Ok(payload) => payload,
            Err(reason) => {
                return HttpResponse::error(400, &format!("malformed event JSON: {reason}"))
            }
        };
        match payload["type"].as_str() {
            Some("url_verification") => match payload["challenge"].as_str() {
                Some(challenge) if challenge.len() <= 512 => {
                    HttpResponse::json(200, &json!({ "challenge": challenge }))
                }
                _ => HttpResponse::error(400, "url_verification without a usable challenge"),
            },
            Some("event_callback") => self.event_callback(&payload).await,
            other => {
                tracing::info!(kind = %clip(other.unwrap_or("?"), 40), "ignored an event envelope");
                HttpResponse::empty()
            }
        }
    }

    /// An `event_callback` (over HTTP, or a Socket Mode `events_api` payload).
    pub(crate) async fn event_callback(&self, payload: &Value) -> HttpResponse {
        let event = &payload["event"];
        let kind = event["type"].as_str().unwrap_or("?");
        if kind != "app_home_opened" || event["tab"].as_str() != Some("home") {
            tracing::info!(event = %clip(kind, 40), "ignored an event emrbot does not use");
            return HttpResponse::empty();
        }
        let (Some(user_id), Some(event_id)) =
            (event["user"].as_str(), payload["event_id"].as_str())
        else {
            return HttpResponse::error(400, "app_home_opened lacks user or event_id");
        };
        let team = payload["team_id"].as_str().unwrap_or("");
        let requester = Requester::Slack {
            user_id: clip(user_id, 40),
            user_name: None,
            // The user's conversation with the app: where `status` is allowed
            // by the `*` channel rule.
            channel_id: clip(event["channel"].as_str().unwrap_or("-"), 40),
            team_id: (!team.is_empty()).then(|| clip(team, 40)),
        };
        // Slack's retries of an event carry its event_id: the same message id.
        let identity = format!("event|{team}|{event_id}");
        let message = CommandMessage::new(
            MessageId::derived("slack", identity.as_bytes()),
            self.clock.now(),
            requester,
            Command::Home,
            ReplyTo::Home {
                user_id: clip(user_id, 40),
            },
        );
        match self.enqueue(&message).await {
            Enqueued::Now | Enqueued::Already => HttpResponse::empty(),
            // Not queued: an error makes Slack retry the event later.
            Enqueued::Failed | Enqueued::Unconfirmed => {
                HttpResponse::error(503, "could not queue the Home tab's update")
            }
        }
    }
}
