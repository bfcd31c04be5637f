//! Per-request handler time without the network: signature check + form/JSON
//! parse + command parse + permission check + message and reply encoding, on a
//! queue that does nothing. Prints p50/p99/max per scenario.
//!
//!     cargo bench -p emrbot-ingress --bench handler
//!
//! Each request is timed on its own (Instant, ~20 ns overhead) so the tail shows.

use async_trait::async_trait;
use base64::Engine;
use emrbot_domain::ports::clock::SystemClock;
use emrbot_domain::ports::queue::{CommandQueue, QueueError};
use emrbot_domain::{CommandMessage, Config, Secret};
use emrbot_ingress::http::HttpRequest;
use emrbot_ingress::responder::{NoResponder, ResponseUrlPolicy};
use emrbot_ingress::{lambda_event, Ingress};
use emrbot_shared::slack::SlackVerifier;
use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "bench-signing-secret";

/// Encodes the message as SQS would be sent it, then drops it.
struct NullQueue;

#[async_trait]
impl CommandQueue for NullQueue {
    async fn send(&self, message: &CommandMessage) -> Result<(), QueueError> {
        black_box(message.to_json());
        Ok(())
    }
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "{name:<44} n={:<6} p50={:>7.2} µs  p99={:>7.2} µs  max={:>8.2} µs",
        samples.len(),
        percentile(&samples, 0.50).as_secs_f64() * 1e6,
        percentile(&samples, 0.99).as_secs_f64() * 1e6,
        samples.last().unwrap().as_secs_f64() * 1e6,
    );
}

fn main() {
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let config = Arc::new(Config::from_toml(&fixture("emrbot.test.toml")).expect("config"));
    let verifier = SlackVerifier::new(Secret::new(SECRET.to_string()));
    let signer = SlackVerifier::new(Secret::new(SECRET.to_string()));
    let ingress = Ingress::new(verifier, config, Arc::new(NullQueue), Arc::new(SystemClock))
        .with_responder(Arc::new(NoResponder))
        .with_response_url_policy(ResponseUrlPolicy {
            allow_loopback: false,
        });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let slash_form = fixture("slack/slash_command.form")
        .trim()
        .replace("text=status", "text=lock+adhoc+for+2h+backfill");
    let click_form =
        serde_urlencoded::to_string([("payload", fixture("slack/block_actions_confirm.json"))])
            .unwrap();
    let signed = |path: &str, body: &str, i: usize| {
        // A distinct trigger per request, so the retry cache never short-cuts the work.
        let body = body.replace("trigger_id=", &format!("trigger_id={i}."));
        let ts = chrono::Utc::now().timestamp();
        HttpRequest::new("POST", path)
            .header("X-Slack-Request-Timestamp", &ts.to_string())
            .header("X-Slack-Signature", &signer.sign(ts, body.as_bytes()))
            .body(body)
    };

    runtime.block_on(async {
        type Build<'a> = Box<dyn Fn(usize) -> HttpRequest + 'a>;
        let scenarios: Vec<(&str, Build<'_>, u16)> = vec![
            (
                "slash command `lock adhoc for 2h backfill`",
                Box::new(|i| signed("/slack/commands", &slash_form, i)),
                200,
            ),
            (
                "button click (confirm terminate)",
                Box::new(|i| {
                    let payload = click_with_trigger(&click_form, i);
                    signed("/slack/interactions", &payload, i)
                }),
                200,
            ),
            (
                "forged signature (401)",
                Box::new(|i| {
                    let mut r = signed("/slack/commands", &slash_form, i);
                    r.headers
                        .insert("x-slack-signature".into(), format!("v0={}", "0".repeat(64)));
                    r
                }),
                401,
            ),
        ];
        for (name, build, expected) in &scenarios {
            let requests: Vec<HttpRequest> = (0..iterations).map(build).collect();
            for r in requests.iter().take(200) {
                black_box(ingress.handle(r).await);
            }
            let mut samples = Vec::with_capacity(iterations);
            for r in &requests {
                let started = Instant::now();
                let response = ingress.handle(black_box(r)).await;
                samples.push(started.elapsed());
                assert_eq!(response.status, *expected, "{name}: {}", response.body);
            }
            report(name, samples);
        }

        // The whole Lambda path: event JSON → request → handler → proxy response.
        let event_template: serde_json::Value =
            serde_json::from_str(&fixture("lambda/apigw_v2_slash_base64.json")).unwrap();
        let events: Vec<serde_json::Value> = (0..iterations)
            .map(|i| {
                let r = signed("/slack/commands", &slash_form, i);
                let mut e = event_template.clone();
                e["body"] =
                    serde_json::json!(base64::engine::general_purpose::STANDARD.encode(&r.body));
                e["headers"]["x-slack-request-timestamp"] =
                    serde_json::json!(r.get_header("x-slack-request-timestamp"));
                e["headers"]["x-slack-signature"] =
                    serde_json::json!(r.get_header("x-slack-signature"));
                e
            })
            .collect();
        let mut samples = Vec::with_capacity(iterations);
        for e in events {
            let started = Instant::now();
            let request = lambda_event::to_request(e).unwrap();
            let response = ingress.handle(&request).await;
            black_box(lambda_event::to_proxy_response(&response));
            samples.push(started.elapsed());
        }
        report("API Gateway v2 event → proxy response", samples);
    });
}

/// The click form with a distinct trigger id (URL-encoded JSON inside the form).
fn click_with_trigger(form: &str, i: usize) -> String {
    form.replacen("12321423423.", &format!("{i}x12321423423."), 1)
}
