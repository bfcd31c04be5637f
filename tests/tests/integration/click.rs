//! `emrbot-local send --click N`: the buttons of a reply, clicked as Slack
//! would click them (a signed `block_actions` payload), without Slack.

use emrbot_domain::Secret;
use emrbot_local::click::{buttons, click};
use emrbot_local::send::{send, SendOptions};
use emrbot_tests::app::TestApp;
use emrbot_tests::{fixtures, launch_cluster};
use std::time::Duration;

/// What `emrbot-local send terminate <cluster>` sends, as Alice in #dataops.
fn asking_to_terminate(app: &TestApp, cluster: &str) -> SendOptions {
    SendOptions {
        url: app.url.clone(),
        text: format!("terminate {cluster}"),
        user: "U0ALICE".into(),
        channel: "C0DATAOPS".into(),
        signing_secret: Secret::new(fixtures::SIGNING_SECRET.into()),
        wait: Duration::from_secs(15),
    }
}

#[tokio::test]
async fn a_terminate_is_confirmed_by_clicking_its_button() {
    let app = TestApp::start().await;
    let cluster = launch_cluster(&app.emr(), "clicked").await.unwrap();
    let options = asking_to_terminate(&app, &cluster);
    let asked = send(&options).await.expect("sent");
    let question = asked.replies.last().expect("a reply asks to confirm");
    let offered = buttons(question);
    let confirm = offered
        .iter()
        .find(|b| b.action_id == "emrbot:confirm")
        .unwrap_or_else(|| panic!("a confirm button: {offered:?}"));
    assert_eq!(
        emrbot_tests::aws::cluster_state(&app.emr(), &cluster).await,
        "WAITING",
        "nothing before the click"
    );

    let clicked = click(&options, question, confirm).await.expect("clicked");
    assert_eq!(clicked.status, 200);
    // The ingress's "in progress" update, marked so, then the answer, and
    // nothing is waited for after it.
    let kinds: Vec<bool> = clicked.posted.iter().map(|p| p.progress).collect();
    assert_eq!(kinds, [true, false], "{:?}", clicked.posted);
    let answer = &clicked.posted.last().expect("an answer").message;
    let text = emrbot_tests::slack::message_text(answer);
    assert!(text.contains(&cluster), "{text}");
    assert!(matches!(
        emrbot_tests::aws::cluster_state(&app.emr(), &cluster)
            .await
            .as_str(),
        "TERMINATING" | "TERMINATED"
    ));
}

/// At a terminal, `send` asks which button to click: typing its number
/// clicks it, and Enter stops.
#[tokio::test]
async fn the_prompt_clicks_the_button_typed() {
    let app = TestApp::start().await;
    let cluster = launch_cluster(&app.emr(), "prompted").await.unwrap();
    let options = asking_to_terminate(&app, &cluster);
    let asked = send(&options).await.expect("sent");
    let position = buttons(asked.replies.last().expect("a question"))
        .iter()
        .position(|b| b.action_id == "emrbot:confirm")
        .expect("a confirm button");
    // A wrong answer first: asked again, nothing clicked.
    let typed = format!("nine\n{}\n\n", position + 1);
    emrbot_local::prompt::offer_buttons(&options, asked.replies, typed.as_bytes())
        .await
        .expect("the prompt ends on Enter");
    assert!(matches!(
        emrbot_tests::aws::cluster_state(&app.emr(), &cluster)
            .await
            .as_str(),
        "TERMINATING" | "TERMINATED"
    ));
}
