//! Clicks on emrbot's buttons and menus, with Slack's documented
//! interaction payloads: a click is a command too, answered in place.

use crate::common;
use emrbot_shared::slack::ReplyKind;

use common::*;
use emrbot_domain::command::Command;
use emrbot_domain::{ClusterRef, ReplyTo, Requester};
use emrbot_tests::fixtures;
use serde_json::json;
use std::sync::atomic::Ordering;

fn cluster(s: &str) -> ClusterRef {
    ClusterRef::parse(s).unwrap()
}

#[tokio::test]
async fn a_confirmation_click_becomes_a_confirmed_termination_and_updates_the_message_first() {
    let door = door();
    let payload = fixtures::json("slack/block_actions_confirm.json");
    let response = door.send(&interaction(&payload)).await;
    assert_eq!(response.status, 200);
    assert!(
        response.body.is_empty(),
        "Slack ignores the body of a block_actions ack"
    );
    let enqueued = door.enqueued();
    assert_eq!(enqueued.len(), 1);
    let m = &enqueued[0];
    assert_eq!(
        m.command,
        Command::Terminate {
            cluster: cluster("j-1ABC"),
            confirmed: true,
            force: false,
            reason: None
        }
    );
    assert_eq!(
        m.requested_by,
        Requester::Slack {
            user_id: "UA8RXUSPL".into(),
            user_name: Some("jtorrance".into()),
            channel_id: "C0DATAOPS".into(),
            team_id: Some("T9TK3CUKW".into())
        }
    );
    let url = payload["response_url"].as_str().unwrap();
    assert_eq!(
        m.reply_to,
        ReplyTo::ResponseUrl {
            url: url.into(),
            replace_original: true,
            channel_id: Some("C0DATAOPS".into())
        }
    );
    // The original message shows the action in progress before anything is queued.
    let events = door.events();
    assert_eq!(
        events,
        vec![format!("respond {url}"), format!("enqueue {}", m.id)]
    );
    let (_, progress) = &door.responses()[0];
    assert_eq!(progress.replace_original, Some(true));
    assert!(progress.progress, "marked as an update the answer replaces");
    assert_eq!(response.reply, Some(ReplyKind::Deferred));
    let blocks = serde_json::to_value(&progress.blocks).unwrap();
    assert_eq!(blocks[0]["block_id"], "question", "the question is kept");
    let note = blocks[1].to_string();
    assert!(
        note.contains("Terminating `j-1ABC`: confirmed") && note.contains("<@UA8RXUSPL>"),
        "{note}"
    );
    assert!(
        !note.contains("emrbot:confirm"),
        "the button is gone, so it cannot be clicked twice"
    );

    // Slack retrying the same click: acknowledged, not enqueued again.
    door.send(&interaction(&payload).header("X-Slack-Retry-Num", "1"))
        .await;
    assert_eq!(door.enqueued().len(), 1);
}

#[tokio::test]
async fn an_overflow_option_is_a_command_too() {
    let door = door();
    let payload = fixtures::json("slack/block_actions_overflow.json");
    assert_eq!(door.send(&interaction(&payload)).await.status, 200);
    let enqueued = door.enqueued();
    assert_eq!(
        enqueued[0].command,
        Command::Lock {
            cluster: cluster("j-1ABC"),
            duration: Some("2h".parse().unwrap()),
            reason: None
        }
    );
    // No original message (ephemeral): the progress note stands alone.
    let (_, progress) = &door.responses()[0];
    assert!(
        progress.text.contains("Locking `j-1ABC` for 2h"),
        "{}",
        progress.text
    );
}

#[tokio::test]
async fn clicks_that_are_not_emrbots_or_not_allowed_enqueue_nothing() {
    let door = door();
    // Slack's documented example: someone else's button.
    let documented = fixtures::json("slack/block_actions.json");
    let response = door.send(&interaction(&documented)).await;
    assert_eq!((response.status, response.body.as_str()), (200, ""));
    // Our button in a channel that may only see status: told via response_url.
    let mut elsewhere = fixtures::json("slack/block_actions_confirm.json");
    elsewhere["channel"]["id"] = json!("CRANDOM");
    assert_eq!(door.send(&interaction(&elsewhere)).await.status, 200);
    let (_, refusal) = door.responses().last().cloned().unwrap();
    assert!(
        refusal.text.contains("You can't `terminate`"),
        "{}",
        refusal.text
    );
    assert_eq!(refusal.replace_original, Some(false));
    // A button whose id and value disagree is not trusted.
    let mut mismatched = fixtures::json("slack/block_actions_confirm.json");
    mismatched["actions"][0]["action_id"] = json!("emrbot:lock");
    door.send(&interaction(&mismatched)).await;
    // Other interaction types are acknowledged and ignored.
    for kind in [
        "view_submission",
        "shortcut",
        "message_action",
        "interactive_message",
    ] {
        let response = door
            .send(&interaction(&json!({"type": kind, "user": {"id": "U1"}})))
            .await;
        assert_eq!(response.status, 200, "{kind}");
    }
    assert!(door.enqueued().is_empty(), "{:?}", door.enqueued());
}

#[tokio::test]
async fn a_click_whose_enqueue_fails_restores_the_buttons_with_a_warning() {
    let door = door();
    door.queue.fail.store(true, Ordering::SeqCst);
    door.send(&interaction(&fixtures::json(
        "slack/block_actions_confirm.json",
    )))
    .await;
    let responses = door.responses();
    assert_eq!(responses.len(), 2, "progress, then the restored message");
    let restored = serde_json::to_value(&responses[1].1.blocks)
        .unwrap()
        .to_string();
    assert!(
        restored.contains("emrbot:confirm") && restored.contains("could not queue"),
        "{restored}"
    );
}
