//! Property tests over the whole request → response path: any method, path,
//! headers and body (random, or validly signed around random forms and payload
//! JSON) gets a well-formed answer from a fixed set of statuses, never a panic;
//! unsigned input never reaches the queue.

use crate::common;

use common::*;
use emrbot_ingress::http::HttpRequest;
use emrbot_ingress::lambda_event;
use proptest::prelude::*;
use serde_json::json;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("POST".to_string()),
        Just("GET".to_string()),
        "[A-Za-z]{0,8}"
    ]
}

fn path() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("/slack/commands".to_string()),
        Just("/slack/interactions".to_string()),
        Just("/slack/commands/".to_string()),
        "/?[ -~]{0,40}",
        "\\PC{0,20}",
    ]
}

/// Command text from the grammar's words and junk.
fn text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        Just("status"),
        Just("lock"),
        Just("unlock"),
        Just("extend"),
        Just("launch"),
        Just("terminate"),
        Just("resize"),
        Just("help"),
        Just("for"),
        Just("force"),
        Just("j-1ABC"),
        Just("adhoc"),
        Just("2h"),
        Just("core"),
        Just("4"),
        Just("-1"),
        Just("&lt;"),
        Just("?"),
    ]
    .prop_map(str::to_string);
    prop_oneof![
        prop::collection::vec(word, 0..6).prop_map(|w| w.join(" ")),
        "\\PC{0,80}"
    ]
}

fn form_body() -> impl Strategy<Value = Vec<u8>> {
    let slash = (
        text(),
        "[A-Z0-9]{0,10}",
        prop_oneof![Just("C0DATAOPS".to_string()), "[A-Z0-9]{0,10}"],
        any::<bool>(),
    )
        .prop_map(|(text, user, channel, good_url)| {
            let url = if good_url {
                "https://hooks.slack.com/commands/1/2/3"
            } else {
                "https://evil.example/x"
            };
            serde_urlencoded::to_string([
                ("command", "/emr"),
                ("text", &text),
                ("user_id", &user),
                ("channel_id", &channel),
                ("response_url", url),
                ("trigger_id", "1.2.3"),
            ])
            .unwrap()
            .into_bytes()
        });
    let click = (text(), "[a-z:_]{0,14}", prop_oneof![Just("C0DATAOPS".to_string()), "[A-Z0-9]{0,6}"], any::<bool>(), any::<bool>())
        .prop_map(|(value, id, channel, ours, overflow)| {
            let action_id = if ours { format!("emrbot:{id}") } else { id };
            let action = if overflow {
                json!({"action_id": action_id, "block_id": "b", "selected_option": {"value": value}})
            } else {
                json!({"action_id": action_id, "block_id": "b", "value": value, "action_ts": "1.2"})
            };
            let payload = json!({
                "type": "block_actions", "user": {"id": "U1"}, "channel": {"id": channel},
                "response_url": "https://hooks.slack.com/actions/1/2/3", "trigger_id": "9.9",
                "message": {"text": "t", "blocks": [{"type": "actions", "block_id": "b"}]},
                "actions": [action],
            });
            interaction_body(&payload).into_bytes()
        });
    let junk_payload = "\\PC{0,200}".prop_map(|s| {
        serde_urlencoded::to_string([("payload", s)])
            .unwrap()
            .into_bytes()
    });
    prop_oneof![
        slash,
        click,
        junk_payload,
        prop::collection::vec(any::<u8>(), 0..600)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn unsigned_anything_is_refused_without_panic(
        method in method(),
        path in path(),
        body in form_body(),
        headers in prop::collection::vec(("[A-Za-z-]{1,24}", "[ -~]{0,80}"), 0..6),
    ) {
        let door = door();
        let mut request = HttpRequest::new(&method, &path).body(body);
        for (k, v) in &headers {
            request = request.header(k, v);
        }
        let response = runtime().block_on(door.send(&request));
        prop_assert!([200, 400, 401, 404, 405].contains(&response.status), "{}", response.status);
        prop_assert!(serde_json::from_str::<serde_json::Value>(&response.body).is_ok() || response.body.is_empty());
        prop_assert!(door.enqueued().is_empty());
        prop_assert!(door.responses().is_empty());
    }

    #[test]
    fn any_signature_headers_are_refused_without_panic(
        ts in prop_oneof![any::<i64>().prop_map(|t| t.to_string()), "\\PC{0,24}"],
        sig in prop_oneof!["v0=[0-9a-fA-F]{0,70}", "\\PC{0,80}"],
        body in form_body(),
    ) {
        let door = door();
        let request = HttpRequest::new("POST", "/slack/commands")
            .header("X-Slack-Request-Timestamp", &ts)
            .header("X-Slack-Signature", &sig)
            .body(body);
        let response = runtime().block_on(door.send(&request));
        prop_assert!([200, 400, 401].contains(&response.status));
        prop_assert!(door.enqueued().is_empty());
    }

    #[test]
    fn signed_forms_and_payloads_never_panic(path in path(), body in form_body(), retry in any::<bool>()) {
        let door = door();
        let mut request = signed(&path, body);
        if retry {
            request = request.header("X-Slack-Retry-Num", "1");
        }
        let response = runtime().block_on(door.send(&request));
        prop_assert!([200, 400, 404].contains(&response.status), "{} {}", response.status, response.body);
        prop_assert!(door.enqueued().len() <= 1);
        for message in door.enqueued() {
            // Whatever is enqueued was permitted and reads back as v1.
            prop_assert!(message.command.action() != emrbot_domain::Action::Help);
        }
    }

    #[test]
    fn any_lambda_event_converts_or_errs(
        v2 in any::<bool>(),
        method in "[A-Z]{0,7}",
        path in "\\PC{0,30}",
        b64 in any::<bool>(),
        body in "\\PC{0,200}",
        stage in "[a-z$]{0,8}",
    ) {
        let event = if v2 {
            json!({"version": "2.0", "rawPath": path, "headers": {"X-Slack-Signature": "v0=1"},
                   "requestContext": {"http": {"method": method, "path": path}, "stage": stage},
                   "body": body, "isBase64Encoded": b64})
        } else {
            json!({"httpMethod": method, "path": path, "headers": {"a": "b"}, "body": body, "isBase64Encoded": b64})
        };
        if let Ok(request) = lambda_event::to_request(event) {
            let door = door();
            let response = runtime().block_on(door.send(&request));
            prop_assert!(response.status >= 200 && response.status < 500);
        }
    }
}
