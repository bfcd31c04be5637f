//! Slack requests that arrive already authenticated: Socket Mode delivers
//! them over a WebSocket that emrbot opened to Slack with the app-level
//! token, so there is no signature to check. Everything after the signature
//! check is the HTTP routes' own path: the same parsing, permissions, queue
//! message and acknowledgement.

use crate::http::HttpResponse;
use crate::{Ingress, ACK_BUDGET, ACK_MARGIN, ANSWER_BY, MAX_BODY_BYTES};
use serde_json::Value;
use tokio::time::Instant;

/// A request's payload as Socket Mode delivers it (JSON, not a form).
#[derive(Debug, Clone)]
pub enum Delivered {
    /// A `slash_commands` envelope's payload: the slash command form's
    /// fields as a JSON object of strings.
    SlashCommand(Value),
    /// An `interactive` envelope's payload: what the HTTP route receives
    /// JSON-encoded in its `payload` form field.
    Interaction(Value),
    /// An `events_api` envelope's payload: an `event_callback`.
    Event(Value),
}

impl Ingress {
    /// Handles `delivered` within the acknowledgement budget; the answer is
    /// what the HTTP route would have answered.
    pub async fn handle_delivered(&self, delivered: &Delivered) -> HttpResponse {
        let answer_by = Instant::now() + ACK_BUDGET - ACK_MARGIN;
        ANSWER_BY
            .scope(answer_by, self.route_delivered(delivered))
            .await
    }

    async fn route_delivered(&self, delivered: &Delivered) -> HttpResponse {
        match delivered {
            Delivered::SlashCommand(payload) => {
                let body = payload.to_string();
                if body.len() > MAX_BODY_BYTES {
                    return HttpResponse::error(400, "payload is larger than 64 KiB");
                }
                match form_of(payload) {
                    Ok(form) => self.slash_command(&form, body.as_bytes()).await,
                    Err(reason) => HttpResponse::error(
                        400,
                        &format!("malformed slash command payload: {reason}"),
                    ),
                }
            }
            Delivered::Interaction(payload) => {
                let body = payload.to_string();
                if body.len() > MAX_BODY_BYTES {
                    return HttpResponse::error(400, "payload is larger than 64 KiB");
                }
                self.interaction(&[("payload".to_string(), body)]).await
            }
            Delivered::Event(payload) => self.event_callback(payload).await,
        }
    }
}

/// The form pairs of a slash command payload. Slack sends strings; a number
/// or a boolean is taken as its text, and a nested value (no form has one)
/// is left out, so a field emrbot needs is then reported missing by name.
fn form_of(payload: &Value) -> Result<Vec<(String, String)>, String> {
    let object = payload.as_object().ok_or("not a JSON object")?;
    Ok(object
        .iter()
        .filter_map(|(key, value)| match value {
            Value::String(text) => Some((key.clone(), text.clone())),
            Value::Bool(_) | Value::Number(_) => Some((key.clone(), value.to_string())),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_slash_payload_becomes_the_form_it_stands_for() {
        let form = form_of(&json!({"text": "status", "user_id": "U1", "is_enterprise_install": false, "x": {"y": 1}})).unwrap();
        assert!(form.contains(&("text".into(), "status".into())));
        assert!(form.contains(&("user_id".into(), "U1".into())));
        assert!(form.contains(&("is_enterprise_install".into(), "false".into())));
        assert!(!form.iter().any(|(k, _)| k == "x"), "{form:?}");
        assert!(form_of(&json!(["text"])).is_err());
    }
}
