//! emrbot-local exposed safely: it will not start with the README's published
//! signing secret where others can reach it or where it acts on real
//! clusters, and `POST /events` (an end-of-day sweep at any `time`) needs the
//! token it was started with, or is off when exposed without one.

use emrbot_domain::Secret;
use emrbot_local::LOCAL_SIGNING_SECRET;
use emrbot_tests::app::TestApp;
use emrbot_tests::{Emulator, FakeSlack};
use serde_json::json;

#[tokio::test]
async fn the_published_secret_is_refused_on_real_aws_or_off_loopback() {
    let emulator = Emulator::start().await;
    let slack = FakeSlack::start().await;
    let published = || Secret::new(LOCAL_SIGNING_SECRET.to_string());

    let mut on_aws = TestApp::options(&emulator, &slack);
    on_aws.use_real_aws = true;
    on_aws.signing_secret = published();
    let error = emrbot_local::start(on_aws).await.err().expect("refused");
    assert!(
        error.contains("published development signing secret") && error.contains("--aws"),
        "{error}"
    );

    let mut open = TestApp::options(&emulator, &slack);
    open.listen = "0.0.0.0:0".parse().unwrap();
    open.signing_secret = published();
    let error = emrbot_local::start(open).await.err().expect("refused");
    assert!(error.contains("outside loopback"), "{error}");

    // On loopback with the emulator, the published secret is what `make run` uses.
    let mut local = TestApp::options(&emulator, &slack);
    local.signing_secret = published();
    emrbot_local::start(local)
        .await
        .expect("starts")
        .stop()
        .await;
}

async fn sweep(app: &TestApp, token: Option<&str>) -> u16 {
    let mut request = app
        .http
        .post(format!("{}/events", app.url))
        .json(&json!({"time": chrono::Utc::now(), "detail": {"sweep": "report"}}));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn post_events_needs_the_token_or_is_off_when_exposed() {
    let app =
        TestApp::start_with(|o| o.events_token = Some(Secret::new("s3cret-token".into()))).await;
    assert_eq!(sweep(&app, None).await, 401);
    assert_eq!(sweep(&app, Some("s3cret-tokeX")).await, 401);
    assert_eq!(sweep(&app, Some("s3cret-token")).await, 200);
    app.running.stop().await;

    let exposed = TestApp::start_with(|o| o.listen = "0.0.0.0:0".parse().unwrap()).await;
    assert_eq!(sweep(&exposed, None).await, 403);
    exposed.running.stop().await;
}
