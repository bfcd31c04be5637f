//! `/emr history` and the recent history of `status <cluster>`: typed facts
//! rendered like every other message (mentions as mentions, times in the
//! configured time zone), never escaped markup or raw timestamps.

use emrbot_tests::app::TestApp;
use emrbot_tests::launch_cluster;
use emrbot_tests::slack::message_text;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

async fn ask(app: &TestApp, text: &str, user: &str) -> String {
    let (reply, path) = app.slash(text, user, "C0DATAOPS").await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    message_text(&app.slack.wait_for(WAIT, |r| r.path == path).await.body)
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
    for raw in ["&lt;", "&gt;", "+00:00", "T0", "Z "] {
        assert!(!history.contains(raw), "raw `{raw}` in {history}");
    }
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
