//! Slack waits 3 seconds for an acknowledgement; emrbot answers within 2.5
//! whatever the AWS emulator does, and says honestly what it knows. A fault
//! proxy sits between emrbot-local and the emulator.

use emrbot_tests::app::TestApp;
use emrbot_tests::faults::{Fault, FaultProxy};
use emrbot_tests::slack::message_text;
use emrbot_tests::Emulator;
use std::time::Duration;

const BUDGET: Duration = Duration::from_millis(2500);

/// Fails (rather than hangs) when no answer comes at all.
async fn within_10s<T>(answer: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), answer)
        .await
        .expect("emrbot answered within 10 s")
}

#[tokio::test]
async fn a_frozen_or_gone_queue_still_gets_an_honest_answer_in_time() {
    // emrbot-local's own emulator is not used: this one sits behind the proxy.
    let emulator = Emulator::start().await;
    let proxy = FaultProxy::start(&emulator.endpoint).await;
    let app = TestApp::start_with(|o| o.aws_endpoint = Some(proxy.endpoint.clone())).await;

    let (healthy, _) = app.slash("status", "U0ALICE", "C0DATAOPS").await;
    assert_eq!(healthy.status, 200);
    assert!(
        !message_text(&healthy.body).contains("could not"),
        "{}",
        healthy.body
    );

    // Frozen: connections accepted, never answered.
    proxy.set(Fault::Stall);
    let (frozen, _) = within_10s(app.slash("status", "U0ALICE", "C0DATAOPS")).await;
    assert_eq!(frozen.status, 200);
    assert!(
        frozen.elapsed < BUDGET,
        "answered after {:?}",
        frozen.elapsed
    );
    let text = message_text(&frozen.body);
    assert!(
        text.contains("could not confirm that the command was queued"),
        "{text}"
    );

    // Gone: every connection dropped unanswered.
    proxy.set(Fault::Reset);
    let (gone, _) = within_10s(app.slash("status", "U0ALICE", "C0DATAOPS")).await;
    eprintln!(
        "acknowledged: frozen after {:?}, gone after {:?}",
        frozen.elapsed, gone.elapsed
    );
    assert_eq!(gone.status, 200);
    assert!(gone.elapsed < BUDGET, "answered after {:?}", gone.elapsed);
    let text = message_text(&gone.body);
    assert!(
        text.contains("could not queue that command") || text.contains("could not confirm"),
        "{text}"
    );

    // Back: answered as usual.
    proxy.set(Fault::None);
    let (back, _) = app.slash("status", "U0ALICE", "C0DATAOPS").await;
    assert!(
        !message_text(&back.body).contains("could not"),
        "{}",
        back.body
    );
    drop(emulator);
}

#[tokio::test]
async fn one_stalled_slack_reply_does_not_hold_up_the_others() {
    let app = TestApp::start().await;
    // The first command's reply goes to a response_url that never answers.
    app.slack.stall("stalled");
    let first = app
        .slash_answering("status", "U0ALICE", "C0DATAOPS", "stalled")
        .await;
    assert_eq!(first.status, 200);
    let mut others = Vec::new();
    for _ in 0..3 {
        let (reply, path) = app.slash("status", "U0ALICE", "C0DATAOPS").await;
        assert_eq!(reply.status, 200);
        others.push(path);
    }
    // Slack's post times out after 10 s: the others arrive well before.
    for path in &others {
        app.slack
            .wait_for(Duration::from_secs(6), |r| &r.path == path)
            .await;
    }
}

/// What the user was told, from the acknowledgement's text.
fn told(text: &str) -> &'static str {
    if text.contains("could not confirm") {
        "could not confirm"
    } else if text.contains("could not queue") {
        "not queued"
    } else {
        "queued"
    }
}

#[tokio::test]
async fn every_queue_fault_is_answered_in_time_and_nothing_runs_twice() {
    let emulator = Emulator::start().await;
    let proxy = FaultProxy::start(&emulator.endpoint).await;
    let app = TestApp::start_with(|o| o.aws_endpoint = Some(proxy.endpoint.clone())).await;
    let faults = [
        ("stall", Fault::Stall, None),
        ("connection reset", Fault::Reset, None),
        ("delay 300 ms", Fault::Delay, Some(300)),
        ("delay 3 s", Fault::Delay, Some(3000)),
        ("HTTP 500", Fault::ServerError, None),
        ("ThrottlingException", Fault::Throttle, None),
    ];
    let mut table = vec!["| fault on SQS | acknowledged after | told | replies |".to_string()];
    for (i, (name, fault, delay)) in faults.into_iter().enumerate() {
        match delay {
            Some(ms) => proxy.set_delay(Duration::from_millis(ms)),
            None => proxy.set(fault),
        }
        let id = format!("fault-{i}");
        let ack = within_10s(app.slash_answering("status", "U0ALICE", "C0DATAOPS", &id)).await;
        assert_eq!(ack.status, 200, "{name}");
        assert!(
            ack.elapsed < BUDGET,
            "{name}: answered after {:?}",
            ack.elapsed
        );
        let said = told(&message_text(&ack.body));
        proxy.set(Fault::None);

        // Once the fault clears: what was queued runs once, what was not never does.
        let path = format!("response/{id}");
        if said == "queued" {
            app.slack
                .wait_for(Duration::from_secs(15), |r| r.path == path)
                .await;
        }
        tokio::time::sleep(Duration::from_secs(4)).await;
        let replies = app
            .slack
            .recorded()
            .iter()
            .filter(|r| r.path == path)
            .count();
        match said {
            "queued" => assert_eq!(replies, 1, "{name}"),
            "not queued" => assert_eq!(replies, 0, "{name}: told nothing was done"),
            _ => assert!(replies <= 1, "{name}: {replies} replies"),
        }
        table.push(format!(
            "| {name} | {} ms | {said} | {replies} |",
            ack.elapsed.as_millis()
        ));
    }
    eprintln!("{}", table.join("\n"));
    drop(emulator);
}
