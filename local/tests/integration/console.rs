//! Without a bot token, what the scheduler sends to the report channel is
//! shown on emrbot-local's own console (and logged at info), not an error.

use crate::process::LocalRun;
use std::time::Duration;

#[tokio::test]
async fn the_daily_report_is_shown_on_the_console_without_a_bot_token() {
    let mut run = LocalRun::start().await;
    // 09:31 in Tokyo, just past the sample config's daily report (09:30).
    let outcome = run.sweep("2026-11-23T00:31:00Z", "report").await;
    assert!(
        outcome.to_string().contains("report"),
        "a report was sent: {outcome}"
    );
    let printed = run
        .wait_for(
            Duration::from_secs(30),
            "EMR daily report: 2 active clusters",
        )
        .await;
    assert!(
        printed.contains("== emrbot → channel C0REPORT (shown here: no bot token)"),
        "{printed}"
    );
    let report = printed
        .split("EMR daily report")
        .nth(1)
        .expect("the report");
    for cluster in ["adhoc-alice", "nightly-etl"] {
        assert!(report.contains(cluster), "{report}");
    }
    for alarm in ["ERROR", "could not deliver", "no bot token is configured"] {
        assert!(!printed.contains(alarm), "`{alarm}` in:\n{printed}");
    }
}
