//! The policies end to end: emrbot-local (ingress, worker loop, scheduler) on
//! the emulator, sweeps through `POST /events` with chosen `time`s. moto's
//! clusters are WAITING at once, ready at creation (the real clock), so event
//! times are set relative to the clusters' creation.

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc, Weekday};
use emrbot_tests::app::TestApp;
use emrbot_tests::launch_cluster;
use emrbot_tests::slack::message_text;
use serde_json::Value;
use std::time::Duration as StdDuration;

pub(crate) const TOKYO: chrono_tz::Tz = chrono_tz::Asia::Tokyo;
pub(crate) const WAIT: StdDuration = StdDuration::from_secs(30);

pub(crate) async fn created_at(app: &TestApp, id: &str) -> DateTime<Utc> {
    emrbot_tests::aws::created_at(&app.emr(), id).await
}

pub(crate) async fn state(app: &TestApp, id: &str) -> String {
    emrbot_tests::aws::cluster_state(&app.emr(), id).await
}

pub(crate) async fn wait_state(app: &TestApp, id: &str, want: &[&str]) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let now = state(app, id).await;
        if want.contains(&now.as_str()) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{id} is {now}, wanted {want:?}"
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
}

/// Runs a sweep at `time` and returns its outcome.
pub(crate) async fn sweep(app: &TestApp, time: DateTime<Utc>, kind: &str) -> Value {
    app.sweep(time, kind).await
}

pub(crate) fn sent(outcome: &Value) -> Vec<String> {
    outcome["sent"]
        .as_array()
        .expect("sent")
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

pub(crate) fn sent_for(outcome: &Value, prefix: &str, id: &str) -> bool {
    sent(outcome)
        .iter()
        .any(|m| m.starts_with(&format!("sched:{prefix}:{id}:")))
}

pub(crate) async fn lock(app: &TestApp, text: &str) {
    let (reply, path) = app.slash(text, "U0ALICE", "C0DATAOPS").await;
    assert_eq!(reply.status, 200);
    let r = app.slack.wait_for(WAIT, |r| r.path == path).await;
    let text = message_text(&r.body);
    assert!(text.contains("lock") || text.contains("Lock"), "{text}");
}

/// The next `time` (Tokyo) on a day matching `day` strictly after `after`.
fn next_local(
    after: DateTime<Utc>,
    time: NaiveTime,
    day: impl Fn(Weekday) -> bool,
) -> DateTime<Utc> {
    let mut date = after.with_timezone(&TOKYO).date_naive();
    loop {
        let t = TOKYO
            .from_local_datetime(&date.and_time(time))
            .earliest()
            .expect("Tokyo has no DST")
            .with_timezone(&Utc);
        if t > after && day(date.weekday()) {
            return t;
        }
        date = date.succ_opt().expect("date");
    }
}

fn report_messages(app: &TestApp) -> Vec<String> {
    app.slack
        .recorded()
        .into_iter()
        .filter(|r| r.path == "api/chat.postMessage" && r.body["channel"] == "C0REPORT")
        .map(|r| message_text(&r.body))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_clusters_are_warned_then_terminated_unless_locked() {
    let app = TestApp::start().await;
    let emr = app.emr();
    let never = launch_cluster(&emr, "never-locked").await.unwrap();
    let held = launch_cluster(&emr, "held").await.unwrap();
    let released = launch_cluster(&emr, "released").await.unwrap();
    let t0 = created_at(&app, &released).await;
    let m = |mins: i64| t0 + Duration::minutes(mins);

    lock(&app, &format!("lock {held}")).await;
    lock(&app, &format!("lock {released}")).await;
    // A sweep sees both locks.
    let first = sweep(&app, m(5), "idle").await;
    assert!(sent(&first).is_empty(), "{first}");

    let (_, path) = app
        .slash(&format!("unlock {released}"), "U0ALICE", "C0DATAOPS")
        .await;
    app.slack.wait_for(WAIT, |r| r.path == path).await;

    // 29 minutes idle: warned, not terminated.
    let at29 = sweep(&app, m(29), "idle").await;
    assert!(sent_for(&at29, "warn:idle", &never), "{at29}");
    assert!(!sent_for(&at29, "term:idle", &never), "{at29}");
    assert!(
        !sent(&at29)
            .iter()
            .any(|s| s.contains(&held) || s.contains(&released)),
        "{at29}"
    );
    let warning = app
        .slack
        .wait_for(WAIT, |r| {
            r.path == "api/chat.postMessage" && message_text(&r.body).contains(&never)
        })
        .await;
    let text = serde_json::to_string(&warning.body).unwrap();
    for value in [
        format!("lock {never}"),
        format!("extend {never} 1h"),
        format!("terminate {never}"),
    ] {
        assert!(text.contains(&value), "warning buttons: {text}");
    }
    assert!(text.contains("emrbot:extend"), "{text}");
    tokio::time::sleep(StdDuration::from_secs(2)).await;
    assert_eq!(state(&app, &never).await, "WAITING");

    // 31 minutes: past the deadline, but warned only 2 minutes ago: not yet.
    let at31 = sweep(&app, m(31), "idle").await;
    assert!(!sent_for(&at31, "term:idle", &never), "{at31}");
    // 39 minutes, the warning 10 minutes old: terminated; the locked one and
    // the just-unlocked one survive.
    let at39 = sweep(&app, m(39), "idle").await;
    assert!(sent_for(&at39, "term:idle", &never), "{at39}");
    assert!(
        !sent(&at39)
            .iter()
            .any(|s| s.contains(&held) || s.contains(&released)),
        "{at39}"
    );
    wait_state(&app, &never, &["TERMINATING", "TERMINATED"]).await;
    let announcement = app
        .slack
        .wait_for(WAIT, |r| {
            message_text(&r.body).contains(":boom:") && message_text(&r.body).contains(&never)
        })
        .await;
    let recorded = app.slack.recorded();
    let pos = |body: &Value| recorded.iter().position(|r| &r.body == body).unwrap();
    assert!(
        pos(&warning.body) < pos(&announcement.body),
        "the warning comes before the termination"
    );

    // The same event again: nothing more.
    let again = sweep(&app, m(39), "idle").await;
    assert!(sent(&again).is_empty(), "{again}");

    // After unlock, the grace period started again (noticed by the 29-minute
    // sweep): warned at 58, terminated once the warning is 10 minutes old.
    let at58 = sweep(&app, m(58), "idle").await;
    assert!(sent_for(&at58, "warn:idle", &released), "{at58}");
    let at60 = sweep(&app, m(60), "idle").await;
    assert!(!sent_for(&at60, "term:idle", &released), "{at60}");
    let at68 = sweep(&app, m(68), "idle").await;
    assert!(sent_for(&at68, "term:idle", &released), "{at68}");
    wait_state(&app, &released, &["TERMINATING", "TERMINATED"]).await;
    assert_eq!(
        state(&app, &held).await,
        "WAITING",
        "a locked cluster is never terminated"
    );
    app.running.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_of_day_on_weekdays_catches_up_once_and_the_report_lists_every_cluster() {
    let app = TestApp::start().await;
    let emr = app.emr();
    let a = launch_cluster(&emr, "eod-a").await.unwrap();
    let b = launch_cluster(&emr, "eod-b").await.unwrap();
    let keep = launch_cluster(&emr, "eod-keep").await.unwrap();
    emrbot_tests::aws::tag(&emr, &keep, "emrbot:keep", "true").await;
    let t0 = created_at(&app, &keep).await;
    let seven = NaiveTime::from_hms_opt(19, 0, 0).unwrap();
    // The daily report (09:30 Tokyo) lists every cluster; the end of day
    // comes after it, so the next report (a later day) lists what it did,
    // whatever the time of day the test runs at.
    let report_at = next_local(t0, NaiveTime::from_hms_opt(9, 30, 0).unwrap(), |_| true);
    let weekday = next_local(report_at, seven, |d| {
        !matches!(d, Weekday::Sat | Weekday::Sun)
    });
    let saturday = next_local(t0, seven, |d| d == Weekday::Sat);

    let report = sweep(&app, report_at + Duration::minutes(2), "report").await;
    assert_eq!(sent(&report).len(), 1, "{report}");
    let posted = app
        .slack
        .wait_for(WAIT, |r| message_text(&r.body).contains("daily report"))
        .await;
    let text = message_text(&posted.body);
    for id in [&a, &b, &keep] {
        assert!(text.contains(id.as_str()), "report lists {id}: {text}");
    }
    assert_eq!(posted.body["channel"], "C0REPORT");
    assert!(
        sent(&sweep(&app, report_at + Duration::minutes(7), "report").await).is_empty(),
        "one report a day"
    );

    // Saturday 19:00: nothing.
    let sat = sweep(&app, saturday, "end_of_day").await;
    assert!(sent(&sat).is_empty(), "{sat}");

    // Warned ten minutes ahead on a weekday; the exempt cluster is not.
    let warn = sweep(&app, weekday - Duration::minutes(9), "end_of_day").await;
    assert!(
        sent_for(&warn, "warn:eod", &a) && sent_for(&warn, "warn:eod", &b),
        "{warn}"
    );
    assert!(!sent(&warn).iter().any(|s| s.contains(&keep)), "{warn}");

    // The sweep comes 4 minutes late: it still terminates, once.
    let late = sweep(&app, weekday + Duration::minutes(4), "end_of_day").await;
    assert!(
        sent_for(&late, "term:eod", &a) && sent_for(&late, "term:eod", &b),
        "{late}"
    );
    assert_eq!(sent(&late).len(), 2, "{late}");
    for id in [&a, &b] {
        wait_state(&app, id, &["TERMINATING", "TERMINATED"]).await;
    }
    let again = sweep(&app, weekday + Duration::minutes(4), "end_of_day").await;
    assert!(sent(&again).is_empty(), "{again}");
    let later = sweep(&app, weekday + Duration::minutes(9), "end_of_day").await;
    assert!(sent(&later).is_empty(), "{later}");
    assert_eq!(
        state(&app, &keep).await,
        "WAITING",
        "emrbot:keep=true is exempt"
    );

    // The next report says what was terminated automatically.
    let next_report = next_local(weekday, NaiveTime::from_hms_opt(9, 30, 0).unwrap(), |_| {
        true
    });
    sweep(&app, next_report, "report").await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(text) = report_messages(&app)
            .into_iter()
            .find(|t| t.contains("Terminated automatically"))
        {
            assert!(
                text.contains(&a) && text.contains(&b) && text.contains(&keep),
                "{text}"
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:#?}",
            report_messages(&app)
        );
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    app.running.stop().await;
}

/// The 18:50 sweep was missed: the first sweep after 19:00 warns instead of
/// terminating unwarned, and a sweep `warn_before` later terminates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_sweep_warns_before_it_terminates() {
    let app = TestApp::start().await;
    let emr = app.emr();
    let late = launch_cluster(&emr, "eod-late").await.unwrap();
    let t0 = created_at(&app, &late).await;
    let seven = NaiveTime::from_hms_opt(19, 0, 0).unwrap();
    let eod = next_local(t0, seven, |d| !matches!(d, Weekday::Sat | Weekday::Sun));

    let first = sweep(&app, eod + Duration::minutes(3), "all").await;
    assert!(sent_for(&first, "warn:eod", &late), "{first}");
    assert!(!sent_for(&first, "term:eod", &late), "{first}");
    let warning = app
        .slack
        .wait_for(WAIT, |r| {
            message_text(&r.body).contains(&late)
                && message_text(&r.body).contains("will be terminated")
        })
        .await;
    // It announces the termination `warn_before` from now, not the past deadline.
    let at = (eod + Duration::minutes(13))
        .with_timezone(&TOKYO)
        .format("%H:%M")
        .to_string();
    assert!(
        message_text(&warning.body).contains(&at),
        "{}",
        message_text(&warning.body)
    );
    let early = sweep(&app, eod + Duration::minutes(8), "all").await;
    assert!(!sent_for(&early, "term:eod", &late), "{early}");
    let due = sweep(&app, eod + Duration::minutes(13), "all").await;
    assert!(sent_for(&due, "term:eod", &late), "{due}");
    wait_state(&app, &late, &["TERMINATING", "TERMINATED"]).await;
    app.running.stop().await;
}

/// With an Incoming Webhook and no report channel, the notices still arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_only_config_delivers_the_warning() {
    let slack_for_url = emrbot_tests::FakeSlack::start().await;
    let webhook = slack_for_url.response_url("report-webhook");
    let path = emrbot_tests::fixtures::config_variant(|c| {
        c.replace(
            "report_channel = \"C0REPORT\"",
            &format!("report_webhook = \"{webhook}\""),
        )
    });
    let app = TestApp::start_with(|o| o.config = path.clone()).await;
    let idle = launch_cluster(&app.emr(), "hooked").await.unwrap();
    let t0 = created_at(&app, &idle).await;
    // An idle sweep only: an `all` sweep at this wall-clock time could also
    // send the daily report to the webhook, or an end-of-day warning instead.
    let warn = sweep(&app, t0 + Duration::minutes(21), "idle").await;
    assert!(sent_for(&warn, "warn:idle", &idle), "{warn}");
    let posted = slack_for_url
        .wait_for(WAIT, |r| {
            r.path == "response/report-webhook"
                && message_text(&r.body).contains("will be terminated")
        })
        .await;
    assert!(
        message_text(&posted.body).contains(&idle),
        "{}",
        posted.body
    );
    app.running.stop().await;
    let _ = std::fs::remove_file(&path);
}

/// A termination-protected idle cluster: one notice, not one every sweep.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_cluster_gets_one_notice_in_an_hour_of_sweeps() {
    let app = TestApp::start().await;
    let emr = app.emr();
    let id = launch_cluster(&emr, "guarded").await.unwrap();
    emr.set_termination_protection()
        .job_flow_ids(&id)
        .termination_protected(true)
        .send()
        .await
        .unwrap();
    let t0 = created_at(&app, &id).await;
    // Idle sweeps only, so the wall clock cannot bring an end of day in.
    for minutes in (21..=81).step_by(5) {
        sweep(&app, t0 + Duration::minutes(minutes), "idle").await;
    }
    // The notice arrives; then give any repeat the time to arrive too.
    app.slack
        .wait_for(WAIT, |r| {
            let text = message_text(&r.body);
            text.contains(&id) && text.contains("termination protection")
        })
        .await;
    tokio::time::sleep(StdDuration::from_secs(3)).await;
    let notices = app
        .slack
        .recorded()
        .iter()
        .filter(|r| {
            let text = message_text(&r.body);
            text.contains(&id) && text.contains("termination protection")
        })
        .count();
    assert_eq!(notices, 1);
    assert_eq!(state(&app, &id).await, "WAITING");
    app.running.stop().await;
}

/// `dry_run = true`: warned and told, audited, and nothing terminated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_says_what_it_would_terminate_and_changes_nothing() {
    let path = emrbot_tests::fixtures::config_variant(|c| {
        c.replace("[policy]\n", "[policy]\ndry_run = true\n")
    });
    let app = TestApp::start_with(|o| o.config = path.clone()).await;
    let id = launch_cluster(&app.emr(), "rehearsed").await.unwrap();
    let t0 = created_at(&app, &id).await;
    let warn = sweep(&app, t0 + Duration::minutes(21), "idle").await;
    assert!(sent_for(&warn, "warn:idle", &id), "{warn}");
    let warning = app
        .slack
        .wait_for(WAIT, |r| {
            message_text(&r.body).contains("will be terminated")
        })
        .await;
    assert!(
        message_text(&warning.body).contains("Dry run"),
        "{}",
        message_text(&warning.body)
    );
    let due = sweep(&app, t0 + Duration::minutes(31), "idle").await;
    assert!(sent_for(&due, "term:idle", &id), "{due}");
    let said = app
        .slack
        .wait_for(WAIT, |r| message_text(&r.body).contains("would terminate"))
        .await;
    let text = message_text(&said.body);
    assert!(
        text.contains(&id) && text.contains("idle and unlocked since"),
        "{text}"
    );
    assert_eq!(
        said.body["channel"], "C0REPORT",
        "told where the warning went"
    );
    tokio::time::sleep(StdDuration::from_secs(2)).await;
    assert_eq!(state(&app, &id).await, "WAITING", "nothing terminated");
    // Audited: the cluster's history says what was not done.
    let (_, path_status) = app
        .slash(&format!("status {id}"), "U0ALICE", "C0DATAOPS")
        .await;
    let detail = app.slack.wait_for(WAIT, |r| r.path == path_status).await;
    assert!(
        message_text(&detail.body).contains("dry run: not terminated"),
        "{}",
        message_text(&detail.body)
    );
    app.running.stop().await;
    let _ = std::fs::remove_file(&path);
}
