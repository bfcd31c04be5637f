//! `/emr history` and the recent history of `status <cluster>`: typed facts
//! rendered like every other message (mentions as mentions, times in the
//! configured time zone), never escaped markup or raw timestamps.

use emrbot_tests::app::TestApp;
use emrbot_tests::launch_cluster;
use emrbot_tests::slack::message_text;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// The deferred reply to `/emr <text>`, as posted to its response_url.
async fn reply_to(app: &TestApp, text: &str, user: &str) -> serde_json::Value {
    let (reply, path) = app.slash(text, user, "C0DATAOPS").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    app.slack.wait_for(WAIT, |r| r.path == path).await.body
}

async fn ask(app: &TestApp, text: &str, user: &str) -> String {
    message_text(&reply_to(app, text, user).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_renders_what_happened_in_the_configured_time_zone() {
    let app = TestApp::start().await;
    let id = launch_cluster(&app.emr(), "storied").await.unwrap();
    ask(&app, &format!("lock {id} 2h"), "U0ALICE").await;
    let refused = ask(&app, &format!("terminate {id}"), "U0BOB").await;
    assert!(refused.contains("<@U0ALICE>"), "{refused}");

    let until = chrono::Utc::now() + chrono::Duration::hours(2);
    // The test config's time zone, Asia/Tokyo: UTC+9 all year.
    let tokyo = until.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap());
    let history = ask(&app, &format!("history {id}"), "U0ALICE").await;
    for (needle, why) in [
        ("`lock`", "the lock"),
        ("`terminate`", "the refused terminate"),
        ("<@U0ALICE>", "mentions as mentions"),
        ("refused", "the outcome"),
    ] {
        assert!(history.contains(needle), "{why}: {history}");
    }
    // The lock's end in Tokyo time, to the minute (either side of a tick).
    let shown =
        |t: chrono::DateTime<chrono::FixedOffset>| format!("until {}", t.format("%a %H:%M"));
    assert!(
        history.contains(&shown(tokyo))
            || history.contains(&shown(tokyo - chrono::Duration::minutes(1))),
        "{history}"
    );
    for raw in ["&lt;", "&gt;", "+00:00", "Z "] {
        assert!(!history.contains(raw), "raw `{raw}` in {history}");
    }
    // No RFC 3339 time (`2026-12-07T05:…`); a cluster id may hold a `T0`.
    let chars: Vec<char> = history.chars().collect();
    let digit = |c: &char| c.is_ascii_digit();
    assert!(
        !chars.windows(6).any(|w| digit(&w[0])
            && w[1] == 'T'
            && digit(&w[2])
            && digit(&w[3])
            && w[4] == ':'
            && digit(&w[5])),
        "a raw timestamp in {history}"
    );
    let detail = ask(&app, &format!("status {id}"), "U0ALICE").await;
    let recent = detail
        .split("Recent history")
        .nth(1)
        .expect("a recent history");
    assert!(
        !recent.contains("&lt;") && !recent.contains("+00:00"),
        "{recent}"
    );
    assert!(
        recent.contains(&shown(tokyo))
            || recent.contains(&shown(tokyo - chrono::Duration::minutes(1))),
        "{recent}"
    );

    // Every active cluster's history; a duration that is not one is told at once.
    let all = ask(&app, "history since 2h", "U0ALICE").await;
    assert!(all.contains(&id), "{all}");
    let (reply, _) = app
        .slash("history since forever", "U0ALICE", "C0DATAOPS")
        .await;
    assert!(
        message_text(&reply.body).contains("`forever` is not a duration"),
        "{}",
        reply.body
    );
}

/// `terminate <name>` as Alice, confirmed by clicking its button as she would.
async fn terminate_by_name(app: &TestApp, name: &str) {
    use emrbot_local::click::{buttons, click};
    use emrbot_local::send::{send, SendOptions};
    let options = SendOptions {
        url: app.url.clone(),
        text: format!("terminate {name}"),
        user: "U0ALICE".into(),
        channel: "C0DATAOPS".into(),
        signing_secret: emrbot_domain::Secret::new(emrbot_tests::fixtures::SIGNING_SECRET.into()),
        wait: WAIT,
    };
    let asked = send(&options).await.expect("sent");
    let question = asked.replies.last().expect("a reply asks to confirm");
    let confirm = buttons(question)
        .into_iter()
        .find(|b| b.action_id == "emrbot:confirm")
        .expect("a confirm button");
    let clicked = click(&options, question, &confirm).await.expect("clicked");
    let answer = message_text(&clicked.posted.last().expect("an answer").message);
    assert!(answer.contains(name), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_remembers_who_terminated_a_cluster_by_its_name() {
    let app = TestApp::start().await;
    let id = launch_cluster(&app.emr(), "adhoc-alice").await.unwrap();
    let kept = launch_cluster(&app.emr(), "etl-nightly").await.unwrap();
    ask(&app, "lock adhoc-alice 2h testing", "U0ALICE").await;
    ask(&app, "lock etl-nightly 1h", "U0BOB").await;
    terminate_by_name(&app, "adhoc-alice").await;
    assert_eq!(
        emrbot_tests::aws::cluster_state(&app.emr(), &id).await,
        "TERMINATED"
    );

    // By its name, and by a prefix of it, once EMR lists it as ended.
    for typed in ["adhoc-alice", "adhoc-al"] {
        let history = ask(&app, &format!("history {typed}"), "U0BOB").await;
        assert!(
            history.contains(&format!("History of adhoc-alice ({id}) since")),
            "{history}"
        );
        assert!(!history.contains("No active cluster"), "{history}");
        let terminated = history
            .lines()
            .find(|l| l.contains("`terminate`") && l.contains("terminated"))
            .unwrap_or_else(|| panic!("who terminated it: {history}"));
        assert!(terminated.contains("<@U0ALICE>"), "{terminated}");
        // The lock's reason, after its end.
        let locked = history
            .lines()
            .find(|l| l.contains("`lock`"))
            .unwrap_or_else(|| panic!("the lock: {history}"));
        assert!(
            locked.contains("until ") && locked.ends_with("(testing)"),
            "{locked}"
        );
        assert!(
            !history.contains(&kept),
            "another cluster's entries: {history}"
        );
    }

    // Every cluster's history, ended or not, each entry with its cluster's name.
    let body = reply_to(&app, "history", "U0BOB").await;
    let all = message_text(&body);
    assert!(all.contains("History of every cluster since"), "{all}");
    assert!(
        all.contains(&format!("*adhoc-alice* `{id}`")) && all.contains("`terminate`"),
        "the ended cluster: {all}"
    );
    assert!(all.contains(&format!("*etl-nightly* `{kept}`")), "{all}");
    assert!(!all.contains("active clusters"), "{all}");
    // Who looked is no news: the `history` requests themselves are left out.
    assert!(!all.contains("`history`"), "{all}");
    let fallback = body["text"].as_str().unwrap_or_default();
    assert!(
        fallback.starts_with("History of every cluster since") && fallback.ends_with(" entries"),
        "{fallback}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_two_ended_clusters_had_is_ambiguous() {
    let app = TestApp::start().await;
    let emr = app.emr();
    let first = launch_cluster(&emr, "adhoc-bob").await.unwrap();
    let second = launch_cluster(&emr, "adhoc-bob").await.unwrap();
    emr.terminate_job_flows()
        .job_flow_ids(&first)
        .job_flow_ids(&second)
        .send()
        .await
        .expect("TerminateJobFlows");
    let reply = ask(&app, "history adhoc-bob", "U0BOB").await;
    assert!(
        reply.contains(&first) && reply.contains(&second),
        "both candidates: {reply}"
    );
    let none = ask(&app, "history nobody-ever", "U0BOB").await;
    assert!(none.contains("`nobody-ever`"), "{none}");
}
