//! Cold start of the `ingress` binary under a Lambda Runtime API: from process
//! start to its first response, and its peak RSS. Run by scripts/bench-ingress.sh
//! against the release binary (`INGRESS_BIN`); ignored in the normal suite.

use emrbot_domain::Secret;
use emrbot_shared::slack::SlackVerifier;
use emrbot_tests::fixtures;
use emrbot_tests::runtime_api::{lambda_env, RuntimeApi};
use emrbot_tests::Emulator;
use serde_json::json;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn event(text: &str) -> serde_json::Value {
    let body = fixtures::read("slack/slash_command.form")
        .trim()
        .replace("text=status", &format!("text={text}"));
    let ts = chrono::Utc::now().timestamp();
    let signature =
        SlackVerifier::new(Secret::new(fixtures::SIGNING_SECRET.into())).sign(ts, body.as_bytes());
    let mut e = fixtures::json("lambda/apigw_v2_slash_base64.json");
    use base64::Engine;
    e["body"] = json!(base64::engine::general_purpose::STANDARD.encode(&body));
    e["headers"]["x-slack-request-timestamp"] = json!(ts.to_string());
    e["headers"]["x-slack-signature"] = json!(signature);
    e
}

#[tokio::test]
#[ignore = "benchmark: scripts/bench-ingress.sh"]
async fn cold_start() {
    let binary = std::env::var("INGRESS_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_ingress")));
    let runs: usize = std::env::var("COLD_START_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let emulator = Emulator::start().await;
    let resources =
        emrbot_local::resources::ensure(&emulator.sdk_config(), "emrbot-commands", "emrbot")
            .await
            .unwrap();
    let mut env = lambda_env(&emulator, &resources);
    env.push(("SLACK_SIGNING_SECRET", fixtures::SIGNING_SECRET.to_string()));
    for (label, text) in [
        ("help (answered at the door)", "help"),
        (
            "status (one SQS SendMessage to the local emulator)",
            "status",
        ),
    ] {
        let mut times = Vec::new();
        let mut rss = Vec::new();
        for _ in 0..runs {
            let api = RuntimeApi::start().await;
            let request = event(text);
            // The event waits in the API; the clock starts when the process does.
            let started = Instant::now();
            let function = api.spawn_function(&binary, &env);
            let answer = api.invoke(request).await.expect("a response");
            times.push(started.elapsed());
            assert_eq!(answer["statusCode"], 200, "{answer}");
            rss.push(peak_rss_kib(function.0.id()).unwrap_or(0));
        }
        times.sort();
        rss.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "cold start, {label}: median {:.1} ms, min {:.1} ms, max {:.1} ms over {runs} runs; peak RSS median {:.1} MiB",
            ms(times[runs / 2]),
            ms(times[0]),
            ms(times[runs - 1]),
            rss[runs / 2] as f64 / 1024.0
        );
    }
}
