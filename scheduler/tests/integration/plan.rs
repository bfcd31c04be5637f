//! `/emr plan` against the scheduler: the plan is asked for through the
//! slash command route, then the deployed scheduler is swept (`POST /events`)
//! around every instant the plan names. Each cluster is warned and
//! terminated exactly when the plan said (to its minute), and never before;
//! an exempt cluster never; a protected one is reported, not terminated.

use crate::policies::{created_at, lock, sent, state, sweep, wait_state, TOKYO, WAIT};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use emrbot_tests::app::TestApp;
use emrbot_tests::launch_cluster;
use emrbot_tests::slack::message_text;
use std::collections::{BTreeSet, HashMap};

/// What the plan said of one cluster, as instants (the plan shows minutes).
#[derive(Debug, Clone, Default)]
struct Said {
    line: String,
    terminate: Option<DateTime<Utc>>,
    warn: Option<DateTime<Utc>>,
}

/// `Wed 16:33` (Tokyo) as the first such minute from `now` on.
fn instant(text: &str, now: DateTime<Utc>) -> DateTime<Utc> {
    let (day, time) = text.split_once(' ').expect("day and time");
    let time = NaiveTime::parse_from_str(time, "%H:%M").expect("HH:MM");
    let start = (now - Duration::minutes(1))
        .with_timezone(&TOKYO)
        .date_naive();
    start
        .iter_days()
        .take(10)
        .map(|d| (d, TOKYO.from_local_datetime(&d.and_time(time)).unwrap()))
        .find(|(d, t)| {
            d.weekday().to_string() == day && t.with_timezone(&Utc) >= now - Duration::minutes(1)
        })
        .map(|(_, t)| t.with_timezone(&Utc))
        .unwrap_or_else(|| panic!("no {text} ahead"))
}

/// The nine characters after `marker` (`Wed 16:33`), as an instant.
fn after(line: &str, marker: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let at = line.find(marker)? + marker.len();
    Some(instant(line.get(at..at + 9)?, now))
}

fn read_plan(text: &str, ids: &[&String], now: DateTime<Utc>) -> HashMap<String, Said> {
    ids.iter()
        .map(|id| {
            let line = text
                .lines()
                .find(|l| l.contains(id.as_str()))
                .unwrap_or_else(|| panic!("{id} in the plan: {text}"))
                .to_string();
            let terminate =
                after(&line, "terminates at ", now).or_else(|| after(&line, "protected: at ", now));
            let warn = after(&line, "warned at ", now);
            (
                id.to_string(),
                Said {
                    line,
                    terminate,
                    warn,
                },
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_does_what_the_plan_said_when_it_said() {
    // Today and tomorrow are holidays: no end of day until the day after.
    let today = Utc::now().with_timezone(&TOKYO).date_naive();
    let holidays = format!(
        "holidays = [\"{today}\", \"{}\"]\n",
        today.succ_opt().unwrap()
    );
    let path = emrbot_tests::fixtures::config_variant(|c| {
        c.replace("workdays = ", &format!("{holidays}workdays = "))
    });
    let app = TestApp::start_with(|o| o.config = path.clone()).await;
    let emr = app.emr();

    let idle = launch_cluster(&emr, "plan-idle").await.unwrap();
    let locked = launch_cluster(&emr, "plan-locked").await.unwrap();
    let expiring = launch_cluster(&emr, "plan-expiring").await.unwrap();
    let exempt = launch_cluster(&emr, "plan-exempt").await.unwrap();
    let protected = launch_cluster(&emr, "plan-protected").await.unwrap();
    let busy = launch_cluster(&emr, "plan-busy").await.unwrap();
    lock(&app, &format!("lock {locked} 3h")).await;
    lock(&app, &format!("lock {expiring} 20m")).await;
    emrbot_tests::aws::tag(&emr, &exempt, "emrbot:keep", "true").await;
    emr.set_termination_protection()
        .job_flow_ids(&protected)
        .termination_protected(true)
        .send()
        .await
        .unwrap();
    emrbot_tests::aws::add_step(&emr, &busy).await;

    let now = Utc::now();
    let (reply, path) = app.slash("plan", "U0ALICE", "C0DATAOPS").await;
    assert_eq!(reply.status, 200);
    let text = message_text(&app.slack.wait_for(WAIT, |r| r.path == path).await.body);
    let all = [&idle, &locked, &expiring, &exempt, &protected, &busy];
    let said = read_plan(&text, &all, now);

    // What each line says, by rule.
    for id in [&idle, &locked, &expiring] {
        assert!(
            said[id.as_str()].line.contains("if still idle"),
            "{}",
            said[id.as_str()].line
        );
    }
    for id in [&locked, &expiring] {
        assert!(
            said[id.as_str()].line.contains("locked by <@U0ALICE>"),
            "{}",
            said[id.as_str()].line
        );
    }
    assert!(
        said[&exempt].line.contains("exempt") && said[&exempt].terminate.is_none(),
        "{text}"
    );
    assert!(
        said[&protected].line.contains("reported, not terminated"),
        "{text}"
    );
    assert!(said[&busy].line.contains("(end of day)"), "{text}");
    let eod = said[&busy].terminate.expect("busy: a time");
    assert!(
        eod.with_timezone(&TOKYO).date_naive() > today.succ_opt().unwrap(),
        "not on a holiday: {text}"
    );
    // The lock's end starts the grace period.
    let t0 = created_at(&app, &expiring).await;
    let expiring_at = said[&expiring].terminate.expect("a time");
    assert!(
        expiring_at >= t0 + Duration::minutes(49) && expiring_at <= t0 + Duration::minutes(51),
        "{text}"
    );

    // Sweep around every instant the plan named: a minute after each warning
    // and a minute either side of each termination (the plan shows minutes).
    let minute = Duration::minutes(1);
    let mut at: BTreeSet<DateTime<Utc>> = BTreeSet::new();
    for s in said.values() {
        at.extend(s.warn.map(|w| w + minute));
        at.extend(
            s.terminate
                .into_iter()
                .flat_map(|t| [t - minute, t + minute]),
        );
    }
    for x in at {
        let outcome = sweep(&app, x, "all").await;
        let sent = sent(&outcome);
        for id in all {
            let s = &said[id.as_str()];
            if s.terminate.is_some_and(|t| x > t + minute) {
                // Past its planned end: the plan has nothing more to say
                // (a cluster spared by the worker's re-check lives on).
                continue;
            }
            let warned = sent
                .iter()
                .any(|m| m.starts_with("sched:warn:") && m.contains(id.as_str()));
            let terminated = sent
                .iter()
                .any(|m| m.starts_with("sched:term:") && m.contains(id.as_str()));
            assert_eq!(
                warned,
                s.warn.map(|w| w + minute) == Some(x),
                "{id} warned at {x}? plan: {}",
                s.line
            );
            assert_eq!(
                terminated,
                s.terminate.map(|t| t + minute) == Some(x),
                "{id} terminated at {x}? plan: {}",
                s.line
            );
        }
    }
    wait_state(&app, &idle, &["TERMINATING", "TERMINATED"]).await;
    wait_state(&app, &busy, &["TERMINATING", "TERMINATED"]).await;
    assert_eq!(state(&app, &protected).await, "WAITING");
    assert_eq!(state(&app, &exempt).await, "WAITING");
    app.running.stop().await;
    let _ = std::fs::remove_file(&path);
}
