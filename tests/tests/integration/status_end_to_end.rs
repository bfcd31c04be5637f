//! The walking skeleton, driven as a user would: a signed `/emr status` at a
//! running emrbot-local, on the emulator, with a local Slack.

use emrbot_tests::app::TestApp;
use emrbot_tests::slack::message_text;
use emrbot_tests::{fixtures, launch_cluster};
use std::time::Duration;

#[tokio::test]
async fn status_lists_every_active_cluster_through_the_response_url() {
    let app = TestApp::start().await;
    let emr = app.emr();
    let a = launch_cluster(&emr, "adhoc-alice").await.unwrap();
    let b = launch_cluster(&emr, "nightly-etl").await.unwrap();

    let (reply, response_path) = app.slash("status", "U1", "C0DATAOPS").await;
    assert_eq!(reply.status, 200, "{:?}", reply.body);
    assert_eq!(reply.body["response_type"], "ephemeral");

    let message = app
        .slack
        .wait_for(Duration::from_secs(5), |r| r.path == response_path)
        .await;
    let text = message_text(&message.body);
    for expected in [
        "adhoc-alice",
        "nightly-etl",
        a.as_str(),
        b.as_str(),
        "WAITING",
        // Each cluster's fate, as `plan` tells it (idle and unlocked).
        ":boom: terminates at",
        // Cost from AWS's Price List (the local one, serving m5.xlarge),
        // said under the figures.
        "so far ($",
        "(all 2 clusters). Prices: AWS price list of 2026-11-01 (EC2 on-demand + EMR).",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    assert!(message.body["blocks"]
        .as_array()
        .is_some_and(|b| !b.is_empty() && b.len() <= 50));
    assert!(
        message.body["text"].as_str().is_some_and(|t| !t.is_empty()),
        "plain-text fallback"
    );
    app.running.stop().await;
}

#[tokio::test]
async fn a_forged_or_stale_request_gets_401_and_enqueues_nothing() {
    let app = TestApp::start().await;
    let body = fixtures::slash_body("status", "U1", "C0DATAOPS", &app.slack.response_url("x"));
    let (ts, sig) = fixtures::sign(&body);

    let mut forged = sig.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).unwrap();
    let stale_ts = (chrono::Utc::now().timestamp() - 301).to_string();
    let stale_sig = {
        use emrbot_shared::slack::SlackVerifier;
        SlackVerifier::new(emrbot_domain::Secret::new(fixtures::SIGNING_SECRET.into()))
            .sign(stale_ts.parse().unwrap(), body.as_bytes())
    };
    for (ts, sig) in [
        (ts.as_str(), forged.as_str()),
        (stale_ts.as_str(), stale_sig.as_str()),
    ] {
        let reply = app
            .post(
                "/slack/commands",
                body.clone(),
                &[
                    ("x-slack-request-timestamp", ts),
                    ("x-slack-signature", sig),
                ],
            )
            .await;
        assert_eq!(reply.status, 401);
        assert!(!reply.body.to_string().contains(fixtures::SIGNING_SECRET));
    }
    let unsigned = app.post("/slack/commands", body.clone(), &[]).await;
    assert_eq!(unsigned.status, 401);
    assert_eq!(app.queue_depth().await, 0);
    assert!(app.slack.recorded().is_empty());
    app.running.stop().await;
}

/// A fleet of 60: compact pages with Previous / Next buttons; every cluster
/// reachable by clicking through, every page valid Block Kit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_clusters_are_all_reachable_page_by_page() {
    use emrbot_local::click::{buttons, click};
    use emrbot_tests::slack::assert_valid_block_kit;
    let app = TestApp::start().await;
    let emr = app.emr();
    let launches = (0..60).map(|i| {
        let emr = emr.clone();
        async move {
            launch_cluster(&emr, &format!("fleet-{i:02}"))
                .await
                .unwrap()
        }
    });
    let launched: std::collections::BTreeSet<String> = futures_util::future::join_all(launches)
        .await
        .into_iter()
        .collect();
    let options = emrbot_local::send::SendOptions {
        url: app.url.clone(),
        text: "status".into(),
        user: "U0ALICE".into(),
        channel: "C0DATAOPS".into(),
        signing_secret: emrbot_domain::Secret::new(fixtures::SIGNING_SECRET.into()),
        wait: Duration::from_secs(20),
    };
    let first = emrbot_local::send::send(&options).await.expect("sent");
    let mut page = first.replies.last().expect("page 1").clone();
    let mut seen = std::collections::BTreeSet::new();
    for n in 1..=2 {
        assert_valid_block_kit(&page);
        let text = message_text(&page);
        assert!(text.contains(&format!("page {n} of 2")), "{text}");
        seen.extend(
            launched
                .iter()
                .filter(|id| text.contains(id.as_str()))
                .cloned(),
        );
        let offered = buttons(&page);
        let next = offered.iter().find(|b| b.label.starts_with("Next page"));
        let Some(next) = next else {
            assert_eq!(n, 2, "page {n} has no Next: {offered:?}");
            assert!(
                offered.iter().any(|b| b.value == "status page 1"),
                "{offered:?}"
            );
            break;
        };
        let clicked = click(&options, &page, next).await.expect("clicked");
        assert_eq!(clicked.status, 200);
        page = clicked
            .posted
            .last()
            .expect("the next page")
            .message
            .clone();
    }
    assert_eq!(seen, launched, "every cluster is on a page");
}
