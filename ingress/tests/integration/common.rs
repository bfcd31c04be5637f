//! Shared by the ingress tests: an ingress on a recording queue, a recording
//! response_url, a pinned clock, and Slack-signed requests built from fixtures.
#![allow(dead_code)]

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use emrbot_domain::ports::clock::FixedClock;
use emrbot_domain::ports::queue::{CommandQueue, QueueError};
use emrbot_domain::{CommandMessage, Config, Secret};
use emrbot_ingress::http::{HttpRequest, HttpResponse};
use emrbot_ingress::responder::{Responder, ResponseUrlPolicy};
use emrbot_ingress::Ingress;
use emrbot_shared::slack::{SlackMessage, SlackVerifier};
use emrbot_tests::fixtures;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

static TRIGGERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

/// Everything that left the ingress, in order: `enqueue <id>` or `respond <url>`.
#[derive(Default)]
pub struct Log {
    pub events: Mutex<Vec<String>>,
    pub messages: Mutex<Vec<CommandMessage>>,
    pub responses: Mutex<Vec<(String, SlackMessage)>>,
}

pub struct RecordingQueue {
    pub log: Arc<Log>,
    pub fail: AtomicBool,
}

#[async_trait]
impl CommandQueue for RecordingQueue {
    async fn send(&self, message: &CommandMessage) -> Result<(), QueueError> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(QueueError::Transient("injected by the test".into()));
        }
        // What goes on the queue must read back as contract v1.
        let round_trip = CommandMessage::from_json(&message.to_json()).expect("valid v1 message");
        self.log
            .events
            .lock()
            .unwrap()
            .push(format!("enqueue {}", message.id));
        self.log.messages.lock().unwrap().push(round_trip);
        Ok(())
    }
}

pub struct RecordingResponder(pub Arc<Log>);

#[async_trait]
impl Responder for RecordingResponder {
    async fn respond(&self, url: &str, message: &SlackMessage) {
        self.0.events.lock().unwrap().push(format!("respond {url}"));
        self.0
            .responses
            .lock()
            .unwrap()
            .push((url.to_string(), message.clone()));
    }
}

pub struct Door {
    pub ingress: Ingress,
    pub log: Arc<Log>,
    pub queue: Arc<RecordingQueue>,
}

pub fn config() -> Arc<Config> {
    Arc::new(Config::load(&fixtures::config_path()).expect("test config"))
}

pub fn door_with(secret: &str, now: DateTime<Utc>) -> Door {
    let log = Arc::new(Log::default());
    let queue = Arc::new(RecordingQueue {
        log: log.clone(),
        fail: AtomicBool::new(false),
    });
    let ingress = Ingress::new(
        SlackVerifier::new(Secret::new(secret.to_string())),
        config(),
        queue.clone(),
        Arc::new(FixedClock(now)),
    )
    .with_responder(Arc::new(RecordingResponder(log.clone())))
    .with_response_url_policy(ResponseUrlPolicy {
        allow_loopback: false,
    });
    Door {
        ingress,
        log,
        queue,
    }
}

pub fn door() -> Door {
    door_with(fixtures::SIGNING_SECRET, Utc.timestamp_opt(NOW, 0).unwrap())
}

impl Door {
    pub fn enqueued(&self) -> Vec<CommandMessage> {
        self.log.messages.lock().unwrap().clone()
    }
    pub fn responses(&self) -> Vec<(String, SlackMessage)> {
        self.log.responses.lock().unwrap().clone()
    }
    pub fn events(&self) -> Vec<String> {
        self.log.events.lock().unwrap().clone()
    }
    pub async fn send(&self, request: &HttpRequest) -> HttpResponse {
        self.ingress.handle(request).await
    }
}

pub fn sign(body: &[u8], ts: i64) -> String {
    SlackVerifier::new(Secret::new(fixtures::SIGNING_SECRET.to_string())).sign(ts, body)
}

/// A POST signed with the test secret at `NOW`.
pub fn signed(path: &str, body: impl Into<Vec<u8>>) -> HttpRequest {
    let body = body.into();
    let signature = sign(&body, NOW);
    HttpRequest::new("POST", path)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("X-Slack-Request-Timestamp", &NOW.to_string())
        .header("X-Slack-Signature", &signature)
        .body(body)
}

/// Slack's documented slash command, with our text, user and channel.
pub fn slash(text: &str, user: &str, channel: &str) -> HttpRequest {
    let template = fixtures::read("slack/slash_command.form")
        .trim()
        .to_string();
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(&template).unwrap();
    for (k, v) in &mut pairs {
        match k.as_str() {
            "text" => *v = text.to_string(),
            "user_id" => *v = user.to_string(),
            "channel_id" => *v = channel.to_string(),
            // Every typed command has its own trigger_id, as in Slack.
            "trigger_id" => *v = format!("{}.{v}", TRIGGERS.fetch_add(1, Ordering::SeqCst)),
            _ => {}
        }
    }
    signed(
        "/slack/commands",
        serde_urlencoded::to_string(pairs).unwrap(),
    )
}

/// An interaction form `payload=<json>`.
pub fn interaction_body(payload: &serde_json::Value) -> String {
    serde_urlencoded::to_string([("payload", payload.to_string())]).unwrap()
}

pub fn interaction(payload: &serde_json::Value) -> HttpRequest {
    signed("/slack/interactions", interaction_body(payload))
}

pub fn text_of(response: &HttpResponse) -> String {
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap_or_default();
    body["text"].as_str().unwrap_or_default().to_string()
}
