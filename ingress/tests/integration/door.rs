//! The front door, request by request, with Slack's documented payloads: what
//! is answered at once, what is enqueued (and only once), and what is refused.

use crate::common;
use emrbot_shared::slack::ReplyKind;

use chrono::{TimeZone, Utc};
use common::*;
use emrbot_domain::command::Command;
use emrbot_domain::{ClusterRef, ReplyTo, Requester};
use emrbot_ingress::http::HttpRequest;
use emrbot_ingress::lambda_event;
use emrbot_tests::fixtures;
use serde_json::json;
use std::sync::atomic::Ordering;

fn cluster(s: &str) -> ClusterRef {
    ClusterRef::parse(s).unwrap()
}

#[tokio::test]
async fn slacks_signing_example_verifies_through_the_whole_door() {
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
    let body = fixtures::read("slack/signing_example.form");
    let request = |ts: &str, sig: &str, body: &[u8]| {
        HttpRequest::new("POST", "/slack/commands")
            .header("x-slack-request-timestamp", ts)
            .header("x-slack-signature", sig)
            .body(body.to_vec())
    };
    let pinned = Utc.timestamp_opt(1_531_420_618, 0).unwrap();
    let door = door_with(SECRET, pinned);
    let ok = door
        .send(&request("1531420618", SIGNATURE, body.as_bytes()))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    // Empty text is `status`, allowed in every channel: enqueued once.
    assert_eq!(door.enqueued().len(), 1);
    assert_eq!(
        door.enqueued()[0].command,
        Command::Status {
            cluster: None,
            page: None
        }
    );

    let mut changed = body.clone().into_bytes();
    changed[20] ^= 1;
    for (what, response) in [
        (
            "one second off",
            door.send(&request("1531420619", SIGNATURE, body.as_bytes()))
                .await,
        ),
        (
            "one byte changed",
            door.send(&request("1531420618", SIGNATURE, &changed)).await,
        ),
        (
            "another secret",
            door_with("8f742231b10e8888abcd99yyyzzz85a6", pinned)
                .send(&request("1531420618", SIGNATURE, body.as_bytes()))
                .await,
        ),
        (
            "stale by 5 minutes and a second",
            door_with(SECRET, Utc.timestamp_opt(1_531_420_618 + 301, 0).unwrap())
                .send(&request("1531420618", SIGNATURE, body.as_bytes()))
                .await,
        ),
    ] {
        assert_eq!(response.status, 401, "{what}: {}", response.body);
        assert!(
            !response.body.contains(SIGNATURE) && !response.body.contains(SECRET),
            "{what} leaks"
        );
    }
    assert_eq!(door.enqueued().len(), 1, "nothing more enqueued");
}

#[tokio::test]
async fn missing_or_garbled_headers_are_401() {
    let door = door();
    let good = slash("status", "U1", "C0DATAOPS");
    let cases: Vec<(&str, HttpRequest)> = vec![
        (
            "no headers",
            HttpRequest::new("POST", "/slack/commands").body(good.body.clone()),
        ),
        (
            "no signature",
            HttpRequest::new("POST", "/slack/commands")
                .header("X-Slack-Request-Timestamp", &NOW.to_string())
                .body(good.body.clone()),
        ),
        (
            "garbled timestamp",
            good.clone()
                .header("x-slack-request-timestamp", "yesterday"),
        ),
        (
            "garbled signature",
            good.clone().header("x-slack-signature", "v0=not-hex"),
        ),
        (
            "v1 signature",
            good.clone()
                .header("x-slack-signature", &format!("v1={}", "0".repeat(64))),
        ),
        (
            "short signature",
            good.clone().header("x-slack-signature", "v0=abcd"),
        ),
    ];
    for (what, request) in cases {
        let response = door.send(&request).await;
        assert_eq!(response.status, 401, "{what}");
        assert!(
            response.body.contains("invalid Slack signature"),
            "{what}: {}",
            response.body
        );
    }
    assert!(door.enqueued().is_empty());
}

#[tokio::test]
async fn the_acknowledgement_names_what_was_understood() {
    let door = door();
    let cases = [
        (
            "terminate j-1ABC",
            "Terminating `j-1ABC`: waiting for your confirmation",
        ),
        (
            "lock adhoc for 2h backfill",
            "Locking `adhoc` for 2h (backfill)",
        ),
        ("lock adhoc", "Locking `adhoc` for 4h (the default)"),
        ("unlock adhoc", "Unlocking `adhoc`"),
        ("extend adhoc 1h30m", "Extending `adhoc` by 1h30m"),
        (
            "launch adhoc my test",
            "Launching `my test` from preset `adhoc`",
        ),
        (
            "resize adhoc core 4",
            "Resizing `core` of `adhoc` to 4 instances",
        ),
        ("status", "Looking up every active cluster"),
        ("", "Looking up every active cluster"),
        ("STATUS j-1ABC", "Looking up `j-1ABC`"),
    ];
    for (text, expected) in cases {
        let response = door.send(&slash(text, "U1", "C0DATAOPS")).await;
        assert_eq!(response.status, 200);
        let body: serde_json::Value = serde_json::from_str(&response.body).unwrap();
        assert_eq!(body["response_type"], "ephemeral");
        assert!(
            text_of(&response).contains(expected),
            "{text}: {}",
            response.body
        );
        // Queued: the answer follows on the response_url, and the ack says so.
        assert_eq!(response.reply, Some(ReplyKind::Deferred), "{text}");
        assert!(
            response.headers().contains(&("x-emrbot-reply", "deferred")),
            "{text}"
        );
    }
    let enqueued = door.enqueued();
    assert_eq!(enqueued.len(), cases.len());
    let first = &enqueued[0];
    assert_eq!(
        first.command,
        Command::Terminate {
            cluster: cluster("j-1ABC"),
            confirmed: false,
            force: false,
            reason: None
        }
    );
    assert_eq!(
        first.requested_by,
        Requester::Slack {
            user_id: "U1".into(),
            user_name: Some("Steve".into()),
            channel_id: "C0DATAOPS".into(),
            team_id: Some("T0001".into())
        }
    );
    assert!(
        matches!(&first.reply_to, ReplyTo::ResponseUrl { url, replace_original: false, .. } if url.starts_with("https://hooks.slack.com/"))
    );
    assert_eq!(first.issued_at.timestamp(), NOW);
}

#[tokio::test]
async fn syntax_errors_refusals_and_help_are_answered_at_once_and_not_enqueued() {
    let door = door();
    let cases = [
        ("frobnicate", "U1", "C0DATAOPS", "I don't know `frobnicate`"),
        ("unlock", "U1", "C0DATAOPS", "Usage: `unlock <cluster>"),
        (
            "resize adhoc core many",
            "U1",
            "C0DATAOPS",
            "not an instance count",
        ),
        ("lock adhoc for soon", "U1", "C0DATAOPS", "not a duration"),
        (
            "terminate j-1ABC",
            "U1",
            "CRANDOM",
            "You can't `terminate` from this channel",
        ),
        (
            "terminate j-1ABC force",
            "U1",
            "C0DATAOPS",
            "Only emrbot admins",
        ),
        (
            "launch nosuch",
            "U1",
            "C0DATAOPS",
            "There is no preset `nosuch`. Presets: `adhoc`",
        ),
        ("launch ../etc", "U1", "C0DATAOPS", "not a preset name"),
    ];
    for (text, user, channel, expected) in cases {
        let response = door.send(&slash(text, user, channel)).await;
        assert_eq!(response.status, 200, "{text}");
        assert!(
            text_of(&response).contains(expected),
            "{text}: {}",
            response.body
        );
        // The whole answer: a client need not wait for anything more.
        assert_eq!(response.reply, Some(ReplyKind::Complete), "{text}");
    }
    assert!(door.enqueued().is_empty(), "{:?}", door.enqueued());
    // A slip gets the command it is a slip of, and the pointer to help once.
    let slip = text_of(
        &door
            .send(&slash("terminat j-1ABC", "U1", "C0DATAOPS"))
            .await,
    );
    assert!(slip.contains("did you mean `terminate`?"), "{slip}");
    assert_eq!(slip.matches("help").count(), 1, "{slip}");

    let help_elsewhere = text_of(&door.send(&slash("help", "U1", "CRANDOM")).await);
    assert!(
        help_elsewhere.contains("/emr status") && !help_elsewhere.contains("/emr terminate"),
        "{help_elsewhere}"
    );
    let help_ops = text_of(&door.send(&slash("help", "U1", "C0DATAOPS")).await);
    assert!(
        help_ops.contains("/emr terminate <cluster>") && !help_ops.contains("force"),
        "{help_ops}"
    );
    let help_admin = text_of(&door.send(&slash("?", "U0ADMIN", "CRANDOM")).await);
    assert!(
        help_admin.contains("/emr launch") && help_admin.contains("force"),
        "{help_admin}"
    );
    assert!(door.enqueued().is_empty());

    // An admin may force, from anywhere.
    let forced = door
        .send(&slash("terminate j-1ABC force", "U0ADMIN", "CRANDOM"))
        .await;
    assert!(
        text_of(&forced).contains("forcing past any lock"),
        "{}",
        forced.body
    );
    assert_eq!(door.enqueued().len(), 1);
}

#[tokio::test]
async fn slack_escapes_are_undone_before_parsing() {
    let door = door();
    door.send(&slash(
        "lock adhoc 2h fixing &lt;bug&gt; &amp; more",
        "U1",
        "C0DATAOPS",
    ))
    .await;
    let Command::Lock { reason, .. } = &door.enqueued()[0].command else {
        panic!("a lock")
    };
    assert_eq!(reason.as_deref(), Some("fixing <bug> & more"));
}

#[tokio::test]
async fn a_slack_retry_is_acknowledged_without_enqueuing_again() {
    let door = door();
    let first = slash("lock adhoc", "U1", "C0DATAOPS");
    let retry = first
        .clone()
        .header("X-Slack-Retry-Num", "1")
        .header("X-Slack-Retry-Reason", "http_timeout");
    assert_eq!(door.send(&first).await.status, 200);
    let again = door.send(&retry).await;
    assert_eq!(again.status, 200);
    assert!(text_of(&again).contains("Locking `adhoc`"));
    assert_eq!(door.enqueued().len(), 1, "the retry was not enqueued again");

    // The same text typed again (a new trigger_id) is a different message.
    let other = slash("lock adhoc", "U1", "C0DATAOPS");
    door.send(&other).await;
    assert_eq!(door.enqueued().len(), 2);
    assert_ne!(door.enqueued()[0].id, door.enqueued()[1].id);
}

#[tokio::test]
async fn an_enqueue_failure_is_told_and_a_retry_then_enqueues() {
    let door = door();
    door.queue.fail.store(true, Ordering::SeqCst);
    let request = slash("terminate j-1ABC", "U1", "C0DATAOPS");
    let failed = door.send(&request).await;
    assert_eq!(failed.status, 200);
    assert!(
        text_of(&failed).contains("could not queue that command"),
        "{}",
        failed.body
    );
    assert!(door.enqueued().is_empty());
    door.queue.fail.store(false, Ordering::SeqCst);
    let retried = door
        .send(&request.clone().header("x-slack-retry-num", "1"))
        .await;
    assert!(text_of(&retried).contains("Terminating"));
    assert_eq!(
        door.enqueued().len(),
        1,
        "the retry after a failure is enqueued"
    );
}

#[tokio::test]
async fn routes_methods_sizes_and_malformed_bodies() {
    let door = door();
    let status = |r: emrbot_ingress::http::HttpResponse| r.status;
    assert_eq!(
        status(door.send(&HttpRequest::new("POST", "/slack/other")).await),
        404
    );
    assert_eq!(status(door.send(&HttpRequest::new("GET", "/")).await), 404);
    assert_eq!(
        status(door.send(&HttpRequest::new("GET", "/slack/commands")).await),
        405
    );
    assert_eq!(
        status(
            door.send(&HttpRequest::new("put", "/slack/interactions"))
                .await
        ),
        405
    );
    assert_eq!(
        status(
            door.send(&signed(
                "/slack/commands/",
                slash("status", "U1", "C1").body
            ))
            .await
        ),
        200,
        "trailing slash"
    );
    let big = signed("/slack/commands", vec![b'a'; 64 * 1024 + 1]);
    let response = door.send(&big).await;
    assert_eq!(response.status, 400);
    assert!(response.body.contains("64 KiB"));

    let malformed = [
        (
            "/slack/commands",
            "text=status".to_string(),
            "missing field `user_id`",
        ),
        (
            "/slack/commands",
            "user_id=U1&user_id=U2&channel_id=C&response_url=https://hooks.slack.com/x".into(),
            "appears twice",
        ),
        (
            "/slack/commands",
            "user_id=U1&channel_id=C&response_url=https://evil.example/x".into(),
            "response_url",
        ),
        (
            "/slack/interactions",
            "payload=%7Bnot%20json".into(),
            "payload JSON",
        ),
        (
            "/slack/interactions",
            "payload=%7B%7D".into(),
            "payload JSON",
        ),
        (
            "/slack/interactions",
            interaction_body(
                &json!({"type": "block_actions", "actions": [{"action_id": "emrbot:lock", "value": "lock x"}]}),
            ),
            "lacks user",
        ),
    ];
    for (path, body, reason) in malformed {
        let response = door.send(&signed(path, body.clone())).await;
        assert_eq!(response.status, 400, "{body}");
        assert!(response.body.contains(reason), "{body}: {}", response.body);
    }
    assert_eq!(door.enqueued().len(), 1, "only the trailing-slash status");
}

#[tokio::test]
async fn ssl_check_is_200_and_nothing_else() {
    let door = door();
    let response = door
        .send(
            &HttpRequest::new("POST", "/slack/commands")
                .body("ssl_check=1&token=gIkuvaNzQIHg97ATvDxqgjtO"),
        )
        .await;
    assert_eq!((response.status, response.body.as_str()), (200, ""));
    assert!(door.enqueued().is_empty() && door.responses().is_empty());
    // ssl_check does not smuggle a command past the signature.
    let smuggled = door
        .send(
            &HttpRequest::new("POST", "/slack/commands")
                .body("ssl_check=1&command=/emr&text=terminate+j-1"),
        )
        .await;
    assert_eq!(smuggled.status, 401);
}

/// Re-signs a Lambda event's body at `NOW` (placeholders in the fixtures).
fn resign(mut event: serde_json::Value, ts_header: &str, sig_header: &str) -> serde_json::Value {
    use base64::Engine;
    let b64 = event["isBase64Encoded"].as_bool().unwrap_or(false);
    let raw = event["body"].as_str().unwrap().to_string();
    let body = if b64 {
        base64::engine::general_purpose::STANDARD
            .decode(raw)
            .unwrap()
    } else {
        raw.into_bytes()
    };
    event["headers"][ts_header] = json!(NOW.to_string());
    event["headers"][sig_header] = json!(sign(&body, NOW));
    event
}

#[tokio::test]
async fn lambda_events_of_every_shape() {
    let door = door();
    let v2 = resign(
        fixtures::json("lambda/apigw_v2_slash_base64.json"),
        "x-slack-request-timestamp",
        "x-slack-signature",
    );
    let v1 = resign(
        fixtures::json("lambda/apigw_v1_slash.json"),
        "X-Slack-Request-Timestamp",
        "X-Slack-Signature",
    );
    let url = resign(
        fixtures::json("lambda/function_url_interaction_base64.json"),
        "x-slack-request-timestamp",
        "x-slack-signature",
    );
    for (what, event) in [("v2 base64", v2.clone()), ("v1 plain", v1)] {
        let response = door.send(&lambda_event::to_request(event).unwrap()).await;
        assert_eq!(response.status, 200, "{what}: {}", response.body);
        assert!(
            text_of(&response).contains("Looking up every active cluster"),
            "{what}"
        );
        // What API Gateway hands back to Slack carries the reply header too.
        let proxy = lambda_event::to_proxy_response(&response);
        assert_eq!(proxy["headers"]["x-emrbot-reply"], "deferred", "{what}");
        assert_eq!(proxy["headers"]["content-type"], "application/json");
    }
    let response = door.send(&lambda_event::to_request(url).unwrap()).await;
    assert_eq!(response.status, 200);
    assert_eq!(
        door.enqueued().len(),
        2,
        "v2 and v1 carry the same slash command (same trigger_id): once; plus the click"
    );
    assert!(matches!(
        door.enqueued()[1].command,
        Command::Terminate {
            confirmed: true,
            ..
        }
    ));

    // A named HTTP API stage is stripped from the path.
    let mut staged = v2.clone();
    staged["rawPath"] = json!("/prod/slack/commands");
    staged["requestContext"]["stage"] = json!("prod");
    assert_eq!(
        lambda_event::to_request(staged).unwrap().path,
        "/slack/commands"
    );
    // Bad base64, oversize, and non-events are errors (the binary answers 400).
    let mut bad = v2.clone();
    bad["body"] = json!("%%%not base64");
    assert!(lambda_event::to_request(bad).is_err());
    let mut huge = v2.clone();
    huge["body"] = json!("A".repeat(100_000));
    assert!(matches!(
        lambda_event::to_request(huge),
        Err(lambda_event::EventError::TooLarge)
    ));
    assert!(lambda_event::to_request(json!({"hello": "world"})).is_err());
    let proxy =
        lambda_event::to_proxy_response(&emrbot_ingress::http::HttpResponse::error(400, "x"));
    assert_eq!(proxy["statusCode"], 400);
}
