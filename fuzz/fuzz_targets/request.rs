//! The whole request → response path. The input is split into a path selector
//! and a body; the body is signed with the fuzzer's secret so the form, payload
//! JSON and command parsers are reached, not just the signature check. Also
//! feeds the raw bytes as a Lambda event.
#![no_main]
use async_trait::async_trait;
use emrbot_ingress::http::HttpRequest;
use emrbot_ingress::responder::{NoResponder, ResponseUrlPolicy};
use emrbot_ingress::{lambda_event, Ingress};
use emrbot_domain::ports::clock::FixedClock;
use emrbot_domain::ports::queue::{CommandQueue, QueueError};
use emrbot_shared::slack::SlackVerifier;
use emrbot_domain::{CommandMessage, Config, Secret};
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};

struct NullQueue;
#[async_trait]
impl CommandQueue for NullQueue {
    async fn send(&self, message: &CommandMessage) -> Result<(), QueueError> {
        CommandMessage::from_json(&message.to_json()).expect("v1 round trip");
        Ok(())
    }
}

const CONFIG: &str = include_str!("../../tests/fixtures/emrbot.test.toml");
const NOW: i64 = 1_767_225_600;

fn ingress() -> &'static Ingress {
    static INGRESS: OnceLock<Ingress> = OnceLock::new();
    INGRESS.get_or_init(|| {
        let clock = chrono::DateTime::from_timestamp(NOW, 0).unwrap();
        Ingress::new(
            SlackVerifier::new(Secret::new("fuzz".into())),
            Arc::new(Config::from_toml(CONFIG).unwrap()),
            Arc::new(NullQueue),
            Arc::new(FixedClock(clock)),
        )
        .with_responder(Arc::new(NoResponder))
        .with_response_url_policy(ResponseUrlPolicy { allow_loopback: true })
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let path = if selector & 1 == 0 { "/slack/commands" } else { "/slack/interactions" };
    let signature = SlackVerifier::new(Secret::new("fuzz".into())).sign(NOW, body);
    let mut request = HttpRequest::new("POST", path)
        .header("x-slack-request-timestamp", &NOW.to_string())
        .header("x-slack-signature", &signature)
        .body(body.to_vec());
    if selector & 2 != 0 {
        request = request.header("X-Slack-Retry-Num", "1");
    }
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let response = runtime.block_on(ingress().handle(&request));
    assert!(matches!(response.status, 200 | 400 | 404), "{}", response.status);
    if let Ok(event) = serde_json::from_slice(data) {
        if let Ok(request) = lambda_event::to_request(event) {
            let response = runtime.block_on(ingress().handle(&request));
            assert!((200..500).contains(&response.status));
        }
    }
});
