//! The queue message contract, version 1: what any producer (the ingress, the
//! scheduler, another service) puts on the command queue. Documented with a JSON
//! Schema in `docs/queue-message.schema.json`; keep the two in step.

use crate::command::Command;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub const CONTRACT_VERSION: u8 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CommandMessage {
    /// Always 1 for this shape.
    pub v: u8,
    /// Deduplication id: the same id is acted on at most once.
    pub id: MessageId,
    pub issued_at: DateTime<Utc>,
    pub requested_by: Requester,
    pub command: Command,
    #[serde(default)]
    pub reply_to: ReplyTo,
}

/// 1 to 128 characters from `[A-Za-z0-9._:-]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MessageId(String);

impl MessageId {
    pub fn parse(text: &str) -> Result<Self, ContractError> {
        let ok = !text.is_empty()
            && text.len() <= 128
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '-'));
        ok.then(|| Self(text.to_string()))
            .ok_or(ContractError::BadId)
    }

    /// A stable id derived from the bytes that identify a request, so that a
    /// retried request gets the id of the first one.
    pub fn derived(prefix: &str, identity: &[u8]) -> Self {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(identity);
        Self(format!("{prefix}:{}", hex::encode(&digest[..16])))
    }

    pub fn random(prefix: &str) -> Self {
        Self(format!("{prefix}:{}", uuid::Uuid::new_v4().simple()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MessageId {
    type Error = ContractError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MessageId> for String {
    fn from(id: MessageId) -> Self {
        id.0
    }
}

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who asked. Permissions are decided on this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Requester {
    Slack {
        user_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_name: Option<String>,
        channel_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team_id: Option<String>,
    },
    /// Another program; config grants it permissions under `permissions.services`.
    Service { name: String },
    /// emrbot's own scheduled policies.
    Scheduler { rule: crate::rule::Job },
}

impl Requester {
    /// How the requester is named in replies and the audit log.
    pub fn display(&self) -> String {
        match self {
            Requester::Slack { user_id, .. } => format!("<@{user_id}>"),
            Requester::Service { name } => format!("service `{name}`"),
            Requester::Scheduler { rule } => format!("emrbot ({rule})"),
        }
    }
}

/// Where the result goes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyTo {
    /// Slack's `response_url` for a slash command or a click (5 uses in 30 minutes).
    ResponseUrl {
        url: String,
        /// Update the message the click came from instead of posting a new one.
        #[serde(default)]
        replace_original: bool,
        /// Channel of the original message: the fallback once the URL has expired.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel_id: Option<String>,
    },
    /// A channel, through the bot token; `ts` updates that message in place.
    Channel {
        channel_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ts: Option<String>,
    },
    /// The Incoming Webhook of the config (`slack.report_webhook`): its URL is
    /// the worker's own, never the message's.
    ReportWebhook,
    /// The App Home tab of `user_id` (`views.publish`, bot token). The worker
    /// publishes only to the requesting Slack user's own Home.
    Home { user_id: String },
    #[default]
    None,
}

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    #[error("message is not valid JSON for contract v1: {0}")]
    Json(#[from] serde_json::Error),
    #[error("unsupported contract version {0}; this worker reads v1")]
    Version(u64),
    #[error("message id must be 1-128 characters of [A-Za-z0-9._:-]")]
    BadId,
    #[error("a bundle holds 1 to {MAX_BUNDLE} v1 messages")]
    BundleSize,
}

/// The most messages one bundle may carry.
pub const MAX_BUNDLE: usize = 100;

/// What one queue message carries: a v1 message, or a bundle of them
/// (`{"v":1,"bundle":[…]}`), which a producer with many messages at once
/// (the scheduler's busy sweep) sends to make fewer calls. The worker
/// handles each message of a bundle as if it came alone, in order; when the
/// queue message is delivered again, each message's own id keeps what was
/// done from being done twice.
#[derive(Clone, Debug, PartialEq)]
pub enum Incoming {
    One(Box<CommandMessage>),
    Bundle(Vec<CommandMessage>),
}

#[derive(Serialize, Deserialize)]
struct BundleBody {
    v: u8,
    bundle: Vec<CommandMessage>,
}

impl Incoming {
    pub fn from_json(body: &str) -> Result<Self, ContractError> {
        #[derive(Deserialize)]
        struct Shape {
            #[serde(default)]
            bundle: Option<serde_json::Value>,
        }
        let shape: Shape = serde_json::from_str(body)?;
        if shape.bundle.is_none() {
            return CommandMessage::from_json(body).map(|m| Incoming::One(Box::new(m)));
        }
        let parsed: BundleBody = serde_json::from_str(body)?;
        if parsed.v != CONTRACT_VERSION {
            return Err(ContractError::Version(parsed.v.into()));
        }
        if parsed.bundle.is_empty() || parsed.bundle.len() > MAX_BUNDLE {
            return Err(ContractError::BundleSize);
        }
        if let Some(m) = parsed.bundle.iter().find(|m| m.v != CONTRACT_VERSION) {
            return Err(ContractError::Version(m.v.into()));
        }
        Ok(Incoming::Bundle(parsed.bundle))
    }

    /// The body of a bundle of `messages` (1 to [`MAX_BUNDLE`]).
    pub fn bundle_json(messages: &[CommandMessage]) -> String {
        serde_json::to_string(&BundleBody {
            v: CONTRACT_VERSION,
            bundle: messages.to_vec(),
        })
        .expect("messages always serialize")
    }
}

impl CommandMessage {
    pub fn new(
        id: MessageId,
        issued_at: DateTime<Utc>,
        requested_by: Requester,
        command: Command,
        reply_to: ReplyTo,
    ) -> Self {
        Self {
            v: CONTRACT_VERSION,
            id,
            issued_at,
            requested_by,
            command,
            reply_to,
        }
    }

    /// Parses a queue message body, checking the version before the shape so a
    /// future version gets a clear error rather than a confusing one.
    pub fn from_json(body: &str) -> Result<Self, ContractError> {
        #[derive(Deserialize)]
        struct Versioned {
            v: serde_json::Value,
        }
        let versioned: Versioned = serde_json::from_str(body)?;
        match versioned.v.as_u64() {
            Some(1) => Ok(serde_json::from_str(body)?),
            Some(other) => Err(ContractError::Version(other)),
            None => Err(ContractError::Version(0)),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a CommandMessage always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"{
        "v": 1,
        "id": "etl-nightly:2026-11-21",
        "issued_at": "2026-11-21T10:00:00Z",
        "requested_by": {"kind": "service", "name": "nightly-etl"},
        "command": {"name": "lock", "cluster": "j-1ABC", "duration": "2h", "reason": "nightly"},
        "reply_to": {"kind": "channel", "channel_id": "C0DATAOPS"}
    }"#;

    #[test]
    fn reads_a_service_message() {
        let m = CommandMessage::from_json(EXAMPLE).unwrap();
        assert_eq!(
            m.requested_by,
            Requester::Service {
                name: "nightly-etl".into()
            }
        );
        assert_eq!(
            m.reply_to,
            ReplyTo::Channel {
                channel_id: "C0DATAOPS".into(),
                ts: None
            }
        );
        assert_eq!(CommandMessage::from_json(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn rejects_other_versions_and_bad_ids() {
        let v2 = EXAMPLE.replace("\"v\": 1", "\"v\": 2");
        assert!(matches!(
            CommandMessage::from_json(&v2),
            Err(ContractError::Version(2))
        ));
        let bad_id = EXAMPLE.replace("etl-nightly:2026-11-21", "has space");
        assert!(CommandMessage::from_json(&bad_id).is_err());
        assert!(CommandMessage::from_json("not json").is_err());
    }

    #[test]
    fn derived_ids_are_stable() {
        assert_eq!(
            MessageId::derived("slack", b"abc"),
            MessageId::derived("slack", b"abc")
        );
        assert_ne!(
            MessageId::derived("slack", b"abc"),
            MessageId::derived("slack", b"abd")
        );
    }

    #[test]
    fn reads_a_bundle_and_refuses_a_bad_one() {
        let one = CommandMessage::from_json(EXAMPLE).unwrap();
        let mut two = one.clone();
        two.id = MessageId::parse("etl-nightly:2026-11-22").unwrap();
        let body = Incoming::bundle_json(&[one.clone(), two.clone()]);
        assert_eq!(
            Incoming::from_json(&body).unwrap(),
            Incoming::Bundle(vec![one.clone(), two])
        );
        assert_eq!(
            Incoming::from_json(EXAMPLE).unwrap(),
            Incoming::One(Box::new(one))
        );
        assert!(matches!(
            Incoming::from_json(r#"{"v":1,"bundle":[]}"#),
            Err(ContractError::BundleSize)
        ));
        let v2 = body.replacen("\"v\":1", "\"v\":2", 1);
        assert!(matches!(
            Incoming::from_json(&v2),
            Err(ContractError::Version(2))
        ));
        let inner_v2 = body.replace("\"v\":1,\"id\"", "\"v\":2,\"id\"");
        assert!(Incoming::from_json(&inner_v2).is_err(), "{inner_v2}");
    }
}
