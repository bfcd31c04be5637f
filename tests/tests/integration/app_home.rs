//! The App Home through the Events API route: Slack's URL check, signed
//! like every other request, and `app_home_opened` publishing the user's
//! Home tab (the clusters they hold, those ending within a day) once per
//! event, however often Slack retries it.

use emrbot_tests::app::TestApp;
use emrbot_tests::slack::{assert_valid_block_kit, message_text};
use emrbot_tests::{fixtures, launch_cluster};
use serde_json::json;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

async fn post_event(
    app: &TestApp,
    body: &serde_json::Value,
    retry: Option<&str>,
) -> emrbot_tests::app::Reply {
    let body = body.to_string();
    let (ts, sig) = fixtures::sign(&body);
    let mut headers = vec![
        ("content-type", "application/json"),
        ("x-slack-request-timestamp", ts.as_str()),
        ("x-slack-signature", sig.as_str()),
    ];
    if let Some(n) = retry {
        headers.push(("x-slack-retry-num", n));
    }
    app.post("/slack/events", body.clone(), &headers).await
}

/// Alice opens emrbot's Home tab (Slack's event `event_id`).
fn home_opened(event_id: &str) -> serde_json::Value {
    json!({
        "type": "event_callback", "team_id": "T0LOCAL", "api_app_id": "A0LOCAL",
        "event_id": event_id, "event_time": 1_796_000_000,
        "event": {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home"},
    })
}

/// Delivers `opened` and returns the `views.publish` it causes.
async fn open_home(app: &TestApp, opened: &serde_json::Value) -> emrbot_tests::slack::Recorded {
    assert_eq!(post_event(app, opened, None).await.status, 200);
    app.slack
        .wait_for(WAIT, |r| r.path == "api/views.publish")
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_the_home_tab_publishes_what_matters_to_the_user() {
    let app = TestApp::start().await;
    let emr = app.emr();
    let mine = launch_cluster(&emr, "home-mine").await.unwrap();
    let idle = launch_cluster(&emr, "home-idle").await.unwrap();
    let (_, locked) = app
        .slash(&format!("lock {mine} 2h"), "U0ALICE", "C0DATAOPS")
        .await;
    app.slack.wait_for(WAIT, |r| r.path == locked).await;

    // Slack's check of the Request URL: signed, answered with the challenge.
    let check = json!({"type": "url_verification", "token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"});
    let reply = post_event(&app, &check, None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["challenge"], check["challenge"]);
    let unsigned = app
        .post(
            "/slack/events",
            check.to_string(),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(unsigned.status, 401, "{}", unsigned.body);

    let opened = home_opened("Ev0HOME1");
    let published = open_home(&app, &opened).await;
    assert_eq!(published.body["user_id"], "U0ALICE");
    assert_eq!(published.body["view"]["type"], "home");
    assert_valid_block_kit(&json!({"text": "home", "blocks": published.body["view"]["blocks"]}));
    let text = message_text(&published.body["view"]);
    assert!(
        text.contains("You hold 1 cluster") && text.contains(&mine),
        "{text}"
    );
    // The idle cluster ends within the day (its grace is 30 minutes).
    let soon = text.split("within 24 hours").nth(1).unwrap_or_default();
    assert!(
        soon.contains(&idle) && soon.contains("terminates at"),
        "{text}"
    );

    // Slack's retry of the same event: acknowledged, not published again.
    assert_eq!(post_event(&app, &opened, Some("1")).await.status, 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let publishes = app
        .slack
        .recorded()
        .iter()
        .filter(|r| r.path == "api/views.publish")
        .count();
    assert_eq!(publishes, 1);
}

/// The Home tab says what emrbot's automatic terminations saved this week:
/// an idle cluster is warned and terminated by the sweep (`POST /events`),
/// then the tab counts it, priced at its instances.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_tab_shows_the_weeks_savings() {
    let app = TestApp::start().await;
    let emr = app.emr();
    let idle = launch_cluster(&emr, "home-saved").await.unwrap();
    let t0 = emrbot_tests::aws::created_at(&emr, &idle).await;
    let sweep = |minutes: i64| app.sweep(t0 + chrono::Duration::minutes(minutes), "idle");
    // Idle sweeps only: the wall clock cannot bring an end of day in.
    sweep(21).await;
    app.slack
        .wait_for(WAIT, |r| {
            message_text(&r.body).contains("will be terminated")
        })
        .await;
    sweep(32).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !["TERMINATING", "TERMINATED"]
        .contains(&emrbot_tests::aws::cluster_state(&emr, &idle).await.as_str())
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{idle} was not terminated"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let published = open_home(&app, &home_opened("Ev0HOME2")).await;
    let text = message_text(&published.body["view"]);
    let saved = text
        .split("What emrbot saved")
        .nth(1)
        .unwrap_or_else(|| panic!("no savings on the tab: {text}"));
    assert!(
        saved.contains("terminated *1 cluster* automatically in the last 7 days")
            && saved.contains("instance-hours"),
        "{text}"
    );
}
