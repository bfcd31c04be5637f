//! A flood of malformed, forged, stale, oversized and random requests at a
//! running emrbot-local (ingress over HTTP + worker + emulator + local Slack):
//! only 4xx answers, no crash, nothing on the queue and nothing reaching Slack.

use emrbot_domain::Secret;
use emrbot_shared::slack::SlackVerifier;
use emrbot_tests::app::TestApp;
use emrbot_tests::fixtures;
use std::time::Duration;

fn xorshift(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[tokio::test]
async fn a_flood_of_bad_requests_gets_only_4xx_and_enqueues_nothing() {
    let app = TestApp::start().await;
    let now = chrono::Utc::now().timestamp();
    let body = fixtures::slash_body(
        "terminate j-1ABC",
        "U0ADMIN",
        "C0DATAOPS",
        &app.slack.response_url("flood"),
    );
    let interaction = serde_urlencoded::to_string([(
        "payload",
        fixtures::read("slack/block_actions_confirm.json").replace(
            "https://hooks.slack.com/actions/AABA1ABCD/1232321423432/D09sSasdasdAS9091209",
            &app.slack.response_url("flood-click"),
        ),
    )])
    .unwrap();
    let right = SlackVerifier::new(Secret::new(fixtures::SIGNING_SECRET.into()));
    let wrong = SlackVerifier::new(Secret::new("not-the-signing-secret".into()));

    // (method, path, body, timestamp, signature)
    let mut cases: Vec<(&str, &str, Vec<u8>, String, String)> = Vec::new();
    for (path, body) in [
        ("/slack/commands", body.as_bytes()),
        ("/slack/interactions", interaction.as_bytes()),
    ] {
        cases.push((
            "POST",
            path,
            body.to_vec(),
            now.to_string(),
            wrong.sign(now, body),
        )); // forged
        cases.push((
            "POST",
            path,
            body.to_vec(),
            (now - 400).to_string(),
            right.sign(now - 400, body),
        )); // stale
        cases.push((
            "POST",
            path,
            body.to_vec(),
            // Well past the 5-minute window: a slow machine must not bring it back in.
            (now + 400).to_string(),
            right.sign(now + 400, body),
        )); // from the future
        cases.push(("POST", path, body.to_vec(), now.to_string(), String::new())); // unsigned
        cases.push((
            "POST",
            path,
            body.to_vec(),
            "garbage".into(),
            "v0=zz".into(),
        )); // garbled
        let mut tampered = body.to_vec();
        let i = tampered.len() / 2;
        tampered[i] ^= 0x20;
        cases.push((
            "POST",
            path,
            tampered,
            now.to_string(),
            right.sign(now, body),
        )); // one byte changed
        let big = vec![b'x'; 64 * 1024 + 1];
        cases.push((
            "POST",
            path,
            big.clone(),
            now.to_string(),
            right.sign(now, &big),
        )); // oversized, signed
        for method in ["GET", "PUT", "DELETE", "PATCH"] {
            cases.push((
                method,
                path,
                body.to_vec(),
                now.to_string(),
                right.sign(now, body),
            ));
        }
    }
    // Signed but malformed: bad forms, bad payload JSON, missing fields.
    for bad in [
        "payload=%7Bnot-json",
        "payload=%5B1%2C2%5D",
        "text=status",
        "user_id=U1&channel_id=C0DATAOPS&response_url=https%3A%2F%2Fevil.example%2F",
        "user_id=U1&user_id=U2&channel_id=C&response_url=x",
        "%%%",
    ] {
        cases.push((
            "POST",
            "/slack/commands",
            bad.as_bytes().to_vec(),
            now.to_string(),
            right.sign(now, bad.as_bytes()),
        ));
    }
    // Random bytes, random paths.
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..120 {
        let len = (xorshift(&mut seed) % 2048) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut seed) as u8).collect();
        let path = [
            "/slack/commands",
            "/slack/interactions",
            "/slack",
            "/",
            "/slack/commands/../../etc",
            "/events/x",
        ][i % 6];
        let sig = format!("v0={:064x}", xorshift(&mut seed));
        cases.push(("POST", path, bytes, now.to_string(), sig));
    }

    let total = cases.len();
    let mut tasks = Vec::new();
    for (method, path, body, ts, sig) in cases {
        let http = app.http.clone();
        let url = format!("{}{path}", app.url);
        tasks.push(tokio::spawn(async move {
            let mut request = http
                .request(method.parse().unwrap(), &url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-slack-request-timestamp", ts)
                .body(body);
            if !sig.is_empty() {
                request = request.header("x-slack-signature", sig);
            }
            let response = request.send().await.expect("emrbot answers every request");
            (method, path, response.status().as_u16())
        }));
    }
    for task in tasks {
        let (method, path, status) = task.await.unwrap();
        assert!(
            (400..500).contains(&status),
            "{method} {path} answered {status}"
        );
    }
    // Still alive and serving.
    let health = app
        .http
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    // Give a worker time to act on anything that slipped through.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(app.queue_depth().await, 0);
    assert!(
        app.slack.recorded().is_empty(),
        "{total} bad requests, yet Slack heard: {:#?}",
        app.slack.recorded()
    );

    // And a good request still goes through.
    let (reply, _) = app.slash("status", "U1", "C0DATAOPS").await;
    assert_eq!(reply.status, 200);
    app.running.stop().await;
}
