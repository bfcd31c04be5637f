//! What Slack sends over a Socket Mode connection, and the acknowledgement
//! it expects back. Only the fields emrbot uses are read.

use serde::Deserialize;
use serde_json::{json, Value};

/// One text frame from Slack.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// The connection is ready.
    Hello,
    /// Slack will close this connection: `refresh_requested` and `warning`
    /// ask for a new one; `link_disabled` means Socket Mode was turned off.
    Disconnect { reason: String },
    /// A request to acknowledge by its `envelope_id`.
    Envelope(Envelope),
    /// Anything else (Slack may add types): logged and ignored.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Envelope {
    pub envelope_id: String,
    /// `slash_commands`, `interactive` or `events_api`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub payload: Value,
    /// Whether the acknowledgement may carry a response (slash commands).
    #[serde(default)]
    pub accepts_response_payload: bool,
    /// 0 on first delivery; Slack counts its redeliveries.
    #[serde(default)]
    pub retry_attempt: u32,
}

impl Frame {
    pub fn parse(text: &str) -> Result<Frame, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        if value.get("envelope_id").is_some() {
            return serde_json::from_value(value)
                .map(Frame::Envelope)
                .map_err(|e| format!("malformed envelope: {e}"));
        }
        let kind = value["type"].as_str().unwrap_or_default();
        Ok(match kind {
            "hello" => Frame::Hello,
            "disconnect" => Frame::Disconnect {
                reason: value["reason"].as_str().unwrap_or_default().to_string(),
            },
            other => Frame::Other(other.chars().take(40).collect()),
        })
    }
}

/// The acknowledgement of `envelope_id`, with the immediate response if any.
pub fn ack(envelope_id: &str, payload: Option<&Value>) -> String {
    match payload {
        Some(payload) => json!({ "envelope_id": envelope_id, "payload": payload }),
        None => json!({ "envelope_id": envelope_id }),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_told_apart() {
        assert_eq!(
            Frame::parse(r#"{"type":"hello","num_connections":1}"#),
            Ok(Frame::Hello)
        );
        assert_eq!(
            Frame::parse(r#"{"type":"disconnect","reason":"refresh_requested"}"#),
            Ok(Frame::Disconnect {
                reason: "refresh_requested".into()
            })
        );
        let Ok(Frame::Envelope(e)) = Frame::parse(
            r#"{"envelope_id":"e1","type":"slash_commands","payload":{"text":"status"},"accepts_response_payload":true}"#,
        ) else {
            panic!("an envelope")
        };
        assert_eq!(
            (e.envelope_id.as_str(), e.kind.as_str()),
            ("e1", "slash_commands")
        );
        assert!(e.accepts_response_payload);
        assert!(Frame::parse(r#"{"envelope_id":7}"#).is_err());
        assert!(Frame::parse("nope").is_err());
    }

    #[test]
    fn an_ack_names_its_envelope() {
        let plain: Value = serde_json::from_str(&ack("e1", None)).unwrap();
        assert_eq!(plain, json!({"envelope_id": "e1"}));
        let with: Value = serde_json::from_str(&ack("e2", Some(&json!({"text": "ok"})))).unwrap();
        assert_eq!(with["payload"]["text"], "ok");
    }
}
