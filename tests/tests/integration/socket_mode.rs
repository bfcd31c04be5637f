//! emrbot-local `--socket-mode` against a Socket Mode server that speaks
//! Slack's protocol: every envelope acknowledged by its id within Slack's 3
//! seconds and answered as over HTTP; redeliveries, `disconnect` and dropped
//! connections neither lose nor double a command.

use emrbot_local::click::{block_actions, buttons};
use emrbot_tests::app::TestApp;
use emrbot_tests::slack::message_text;
use emrbot_tests::{fixtures, launch_cluster, Emulator, FakeSlack, SocketModeServer};
use serde_json::json;
use std::time::Duration;

/// Slack's limit for an acknowledgement.
const SLACK_ACK_LIMIT: Duration = Duration::from_secs(3);
const WAIT: Duration = Duration::from_secs(20);

fn slash(app: &TestApp, text: &str, response_id: &str) -> serde_json::Value {
    fixtures::slash_payload(
        text,
        "U0ALICE",
        "C0DATAOPS",
        &app.slack.response_url(response_id),
    )
}

/// The first acknowledgement of `envelope_id`, checked to be within Slack's limit.
async fn acked_in_time(
    socket: &SocketModeServer,
    envelope_id: &str,
) -> emrbot_tests::socket_mode::Ack {
    let ack = socket.wait_ack(envelope_id, 1, WAIT).await;
    assert!(
        ack.after < SLACK_ACK_LIMIT,
        "acknowledged in {:?}",
        ack.after
    );
    ack
}

/// Messages posted to `response/<id>` so far.
fn answers(app: &TestApp, id: &str) -> Vec<serde_json::Value> {
    let path = format!("response/{id}");
    app.slack
        .recorded()
        .into_iter()
        .filter(|r| r.path == path)
        .map(|r| r.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_a_click_and_an_event_are_acknowledged_and_answered() {
    let (app, socket) = TestApp::start_over_socket_mode().await;
    assert_eq!(socket.connections(), 1, "connected before start returns");
    let cluster = launch_cluster(&app.emr(), "socketed").await.unwrap();

    // The slash command: acknowledged with what the HTTP route would answer.
    let asked = socket.deliver(
        "slash_commands",
        slash(&app, &format!("terminate {cluster}"), "sm-ask"),
    );
    let ack = acked_in_time(&socket, &asked).await;
    let immediate = ack
        .payload
        .expect("a slash command's ack carries its answer");
    assert_eq!(immediate["response_type"], "ephemeral", "{immediate}");
    assert!(!message_text(&immediate).trim().is_empty(), "{immediate}");
    let question = app
        .slack
        .wait_for(WAIT, |r| {
            r.path == "response/sm-ask"
                && buttons(&r.body)
                    .iter()
                    .any(|b| b.action_id == "emrbot:confirm")
        })
        .await;
    assert_eq!(
        emrbot_tests::aws::cluster_state(&app.emr(), &cluster).await,
        "WAITING"
    );

    // The click on Confirm, as an `interactive` envelope.
    let confirm = buttons(&question.body)
        .into_iter()
        .find(|b| b.action_id == "emrbot:confirm")
        .expect("confirm");
    let clicked = socket.deliver(
        "interactive",
        block_actions(
            "U0ALICE",
            "C0DATAOPS",
            &app.slack.response_url("sm-click"),
            &question.body,
            &confirm,
        ),
    );
    let ack = acked_in_time(&socket, &clicked).await;
    assert!(ack.payload.is_none(), "Slack ignores a click's ack payload");
    // The clicked row shows progress at once; the worker's answer follows.
    let deadline = tokio::time::Instant::now() + WAIT;
    while answers(&app, "sm-click").len() < 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            answers(&app, "sm-click")
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let answer = message_text(answers(&app, "sm-click").last().expect("an answer"));
    assert!(answer.contains(&cluster), "{answer}");
    let state = emrbot_tests::aws::cluster_state(&app.emr(), &cluster).await;
    assert!(
        matches!(state.as_str(), "TERMINATING" | "TERMINATED"),
        "{state}"
    );

    // An event: acknowledged, so Slack does not redeliver it.
    let event = socket.deliver(
        "events_api",
        json!({"type": "event_callback", "team_id": "T0LOCAL", "event_id": "Ev0TEST", "event": {"type": "app_home_opened", "user": "U0ALICE", "channel": "D0ALICE", "tab": "home"}}),
    );
    acked_in_time(&socket, &event).await;
    // ... and answered: the user's Home tab is published.
    let home = app
        .slack
        .wait_for(WAIT, |r| r.path == "api/views.publish")
        .await;
    assert_eq!(home.body["user_id"], "U0ALICE");

    // The same permissions as over HTTP: refused at once, in the ack.
    let mut elsewhere = slash(&app, "launch adhoc", "sm-refused");
    elsewhere["channel_id"] = json!("C0ELSEWHERE");
    let refused = socket.deliver("slash_commands", elsewhere);
    let ack = socket.wait_ack(&refused, 1, WAIT).await;
    let text = message_text(&ack.payload.expect("the refusal"));
    assert!(text.contains("can't `launch` from this channel"), "{text}");
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_envelope_or_payload_acts_once() {
    let (app, socket) = TestApp::start_over_socket_mode().await;
    let payload = slash(&app, "status", "sm-once");
    let first = socket.deliver("slash_commands", payload.clone());
    // Slack's retry of the same envelope, while the first may be in flight.
    socket.redeliver(&first);
    let one = socket.wait_ack(&first, 1, WAIT).await;
    let two = socket.wait_ack(&first, 2, WAIT).await;
    assert_eq!(
        one.payload, two.payload,
        "a redelivery gets the same answer"
    );
    // The same request in a new envelope (its trigger_id is the same).
    let again = socket.deliver("slash_commands", payload);
    socket.wait_ack(&again, 1, WAIT).await;
    app.slack
        .wait_for(WAIT, |r| r.path == "response/sm-once")
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        answers(&app, "sm-once").len(),
        1,
        "{:?}",
        answers(&app, "sm-once")
    );
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_when_asked_or_dropped_without_losing_a_command() {
    let (app, socket) = TestApp::start_over_socket_mode().await;
    // Slack asks for a new connection (it does every few hours).
    socket.disconnect("refresh_requested");
    socket.wait_connections(2, WAIT).await;
    assert_eq!(
        app.slack.socket_opens(),
        2,
        "a fresh URL for each connection"
    );

    // An envelope goes out and the connection dies before any ack reaches
    // Slack on it; Slack redelivers it on the next connection.
    let lost = socket.deliver("slash_commands", slash(&app, "status", "sm-lost"));
    socket.drop_connection();
    socket.wait_connections(3, WAIT).await;
    socket.redeliver(&lost);
    let deadline = tokio::time::Instant::now() + WAIT;
    while !socket.acks(&lost).iter().any(|a| a.connection == 3) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            socket.acks(&lost)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    app.slack
        .wait_for(WAIT, |r| r.path == "response/sm-lost")
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(answers(&app, "sm-lost").len(), 1, "answered once");
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_slack_refuses_stops_start_with_what_to_do() {
    let emulator = Emulator::start().await;
    let slack = FakeSlack::start().await;
    let socket = SocketModeServer::start().await;
    slack.serve_socket_mode(&socket);
    let error = TestApp::start_on(emulator, slack, |o| {
        // The local Slack takes only xapp- tokens; this one is a bot token.
        o.socket_mode = Some(emrbot_domain::Secret::new("xoxb-not-an-app-token".into()));
    })
    .await
    .err()
    .expect("start fails");
    assert!(
        error.contains("invalid_auth") && error.contains("connections:write"),
        "{error}"
    );
    assert!(!error.contains("xoxb-not-an-app-token"), "{error}");
    assert_eq!(socket.connections(), 0);
}
