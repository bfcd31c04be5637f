//! The deployed schedule is the tested schedule: every EventBridge Scheduler
//! schedule in `infra/template.yaml`, fired over a simulated week, drives the
//! real scheduler and the real worker (the emulator's table and queue, the
//! local Slack server) through clusters that launch, run steps, idle, get
//! locked, extended and exempted. Every promise of the policies is checked
//! for every cluster. A template change that breaks one fails here.

mod schedules;
mod sim;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use emrbot_domain::command::Command;
use emrbot_domain::message::{CommandMessage, MessageId, ReplyTo, Requester};
use emrbot_domain::ports::clock::Clock;
use emrbot_domain::ClusterId;
use emrbot_domain::Config;
use emrbot_local::emulator::SENDER_ID;
use emrbot_scheduler::{ScheduledEvent, Scheduler};
use emrbot_shared::settings::Settings;
use emrbot_tests::slack::message_text;
use emrbot_tests::{fixtures, FakeSlack};
use emrbot_worker::Worker;
use sim::{SimClock, SimCluster, SimEmr};
use std::collections::BTreeMap;
use std::sync::Arc;

const TOKYO: chrono_tz::Tz = chrono_tz::Asia::Tokyo;
/// The 5-minute tick of the template.
const PERIOD: Duration = Duration::minutes(5);

/// `day` (0 = Monday 2026-12-07) at `hh:mm` Tokyo.
fn at(day: i64, hh: u32, mm: u32) -> DateTime<Utc> {
    let date = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap() + Duration::days(day);
    TOKYO
        .from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(hh, mm, 0).unwrap()))
        .unwrap()
        .with_timezone(&Utc)
}

fn cluster(
    n: u32,
    name: &str,
    created: DateTime<Utc>,
    steps: &[(DateTime<Utc>, DateTime<Utc>)],
) -> SimCluster {
    SimCluster {
        id: ClusterId::parse(&format!("j-WEEK{n}")).unwrap(),
        name: name.into(),
        created,
        steps: steps.to_vec(),
        tags: BTreeMap::new(),
        terminated: None,
    }
}

/// Something a user does at a simulated instant.
struct Act {
    at: DateTime<Utc>,
    user: &'static str,
    text: String,
}

struct Week {
    clock: Arc<SimClock>,
    emr: Arc<SimEmr>,
    scheduler: Scheduler,
    worker: Worker,
    slack: FakeSlack,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    /// Every Slack post, with the simulated instant it was made at.
    posts: Vec<(DateTime<Utc>, String)>,
    seen: usize,
}

impl Week {
    /// The worker takes every message on the queue, as Lambda's SQS event source would.
    async fn drain(&mut self) {
        use aws_sdk_sqs::types::MessageSystemAttributeName as A;
        for _ in 0..20 {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .message_system_attribute_names(A::SenderId)
                .message_system_attribute_names(A::ApproximateReceiveCount)
                .send()
                .await
                .unwrap();
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                break;
            }
            let mut event = aws_lambda_events::sqs::SqsEvent::default();
            event.records = messages
                .iter()
                .map(|m| {
                    let mut r = aws_lambda_events::sqs::SqsMessage::default();
                    r.message_id = m.message_id.clone();
                    r.body = m.body.clone();
                    for (k, v) in m.attributes().cloned().unwrap_or_default() {
                        r.attributes.insert(k.as_str().to_string(), v);
                    }
                    r
                })
                .collect();
            let failed = self.worker.handle_batch(event).await.batch_item_failures;
            assert!(
                failed.is_empty(),
                "the worker retried a message: {failed:?}"
            );
            for m in &messages {
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        let recorded = self.slack.recorded();
        let now = self.clock.now();
        for r in &recorded[self.seen..] {
            self.posts.push((now, message_text(&r.body)));
        }
        self.seen = recorded.len();
    }

    async fn act(&mut self, act: &Act) {
        let message = CommandMessage::new(
            MessageId::random("week"),
            act.at,
            Requester::Slack {
                user_id: act.user.into(),
                user_name: None,
                channel_id: "C0REPORT".into(),
                team_id: None,
            },
            Command::parse(&act.text).expect("a command"),
            ReplyTo::None,
        );
        self.worker.handle_message(&message, Some(SENDER_ID)).await;
    }

    fn posts_about(&self, id: &ClusterId, what: &str) -> Vec<DateTime<Utc>> {
        self.posts
            .iter()
            .filter(|(_, text)| text.contains(id.as_str()) && text.contains(what))
            .map(|(t, _)| *t)
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_week_on_the_templates_schedules_keeps_every_promise() {
    let template = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../infra/template.yaml");
    let schedules = schedules::from_template(&template);
    let names: Vec<&str> = schedules.iter().map(|s| s.name.as_str()).collect();
    assert!(schedules.len() >= 3, "the template's schedules: {names:?}");
    // To next Monday 09:10: past the weekly savings report (Mon 09:00).
    let (start, end) = (at(0, 0, 0), at(7, 9, 10));
    let mut events: Vec<(DateTime<Utc>, serde_json::Value)> = schedules
        .iter()
        .flat_map(|s| {
            s.fire_times(start, end)
                .into_iter()
                .map(move |t| (t, s.event(t)))
        })
        .collect();
    events.sort_by_key(|(t, _)| *t);

    // The week's clusters (Tokyo times; the test config: grace 30m, warn 10m,
    // idle alert after 2h, end of day 19:00 Mon-Fri, report 09:30).
    let mut exempt = cluster(5, "exempt-e", at(0, 8, 0), &[]);
    exempt.tags.insert("emrbot:keep".into(), "true".into());
    let clusters = vec![
        cluster(1, "idle-a", at(0, 10, 0), &[(at(0, 10, 0), at(0, 11, 0))]),
        cluster(2, "busy-b", at(0, 9, 0), &[(at(0, 9, 0), at(0, 21, 0))]),
        cluster(3, "locked-c", at(1, 9, 0), &[]),
        cluster(
            4,
            "late-lock-d",
            at(2, 9, 0),
            &[(at(2, 9, 0), at(2, 12, 0))],
        ),
        exempt,
        cluster(6, "extend-f", at(3, 10, 0), &[]),
        cluster(
            7,
            "weekend-g",
            at(5, 10, 0),
            &[(at(5, 10, 0), at(6, 20, 0))],
        ),
    ];
    let id = |n: usize| clusters[n - 1].id.clone();
    let acts = vec![
        Act {
            at: at(1, 9, 5),
            user: "U1",
            text: "lock locked-c for 4h".into(),
        },
        Act {
            at: at(2, 12, 10),
            user: "U2",
            text: "lock late-lock-d for 9h".into(),
        },
    ];

    let (_emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let slack = FakeSlack::start().await;
    let clock = Arc::new(SimClock::default());
    let emr = Arc::new(SimEmr {
        clock: clock.clone(),
        clusters: std::sync::Mutex::new(clusters.clone()),
    });
    let config_path = fixtures::config_variant(|c| {
        c.replace(
            "daily_report = ",
            "savings_report = \"Mon 09:00\"\ndaily_report = ",
        )
    });
    let config = Arc::new(Config::load(&config_path).unwrap());
    let _ = std::fs::remove_file(&config_path);
    let mut settings = Settings::new(config, resources.queue_url.clone(), "emrbot");
    settings.bot_token = Some(emrbot_domain::Secret::new(fixtures::BOT_TOKEN.into()));
    settings.slack_api_base = slack.api_base();
    settings.ingress_principal = Some(SENDER_ID.into());
    settings.scheduler_principal = Some(SENDER_ID.into());
    let directory =
        emrbot_domain::ports::directory::ClusterDirectory::new().with_account(None, emr.clone());
    let mut scheduler = emrbot_scheduler::build(&settings, &aws);
    scheduler.clusters = directory.clone();
    scheduler.clock = clock.clone();
    let mut worker = emrbot_worker::build(&settings, &aws)
        .unwrap()
        .with_clusters(directory);
    worker.clock = clock.clone();
    let _price_list = emrbot_tests::price_list::serve_worker(
        &mut worker,
        &aws,
        &resources.table,
        emrbot_tests::price_list::bundled(),
    )
    .await;
    let mut week = Week {
        clock,
        emr,
        scheduler,
        worker,
        slack,
        sqs: aws_sdk_sqs::Client::new(&aws),
        queue_url: resources.queue_url.clone(),
        posts: Vec::new(),
        seen: 0,
    };

    let mut acts = acts.into_iter().peekable();
    let mut extended = 0;
    let mut alive_after_eod: Vec<(DateTime<Utc>, Vec<String>)> = Vec::new();
    for (t, event) in &events {
        while let Some(act) = acts.next_if(|a| a.at <= *t) {
            week.clock.set(act.at);
            week.act(&act).await;
        }
        week.clock.set(*t);
        let event = ScheduledEvent::from_json(event.clone()).unwrap();
        let outcome = week
            .scheduler
            .handle(&event)
            .await
            .expect("the sweep succeeds");
        if !outcome.sent.is_empty() {
            week.drain().await;
        }
        // extend-f's owner clicks "Extend 1h" on its first warning, twice.
        if extended == 0 {
            if let Some(value) = week.slack.recorded().iter().find_map(|r| {
                let body = r.body.to_string();
                let start = body.find(&format!("extend {} 1h until ", id(6)))?;
                Some(body[start..].split('"').next()?.to_string())
            }) {
                for _ in 0..2 {
                    week.act(&Act {
                        at: *t,
                        user: "U3",
                        text: value.clone(),
                    })
                    .await;
                }
                extended = 1;
            }
        }
        if t.with_timezone(&TOKYO).time() == NaiveTime::from_hms_opt(19, 5, 0).unwrap() {
            let alive: Vec<String> = week.emr.alive().iter().map(|c| c.name.clone()).collect();
            alive_after_eod.push((*t, alive));
        }
    }
    assert!(acts.next().is_none(), "every act happened");
    assert_eq!(extended, 1, "extend-f was warned and extended");

    let terminated: BTreeMap<String, DateTime<Utc>> = week
        .emr
        .clusters
        .lock()
        .unwrap()
        .iter()
        .filter_map(|c| Some((c.name.clone(), c.terminated?)))
        .collect();

    // A warning at least warn_before before every automatic termination.
    for c in &clusters {
        if let Some(end) = terminated.get(&c.name) {
            let warned = week.posts_about(&c.id, "will be terminated");
            assert!(
                warned.iter().any(|w| *end - *w >= Duration::minutes(10)),
                "{} terminated at {end} without a warning 10 minutes before: {warned:?}",
                c.name
            );
        }
    }
    // Terminated within the grace plus one period of becoming idle and unlocked.
    for (name, idle_unlocked) in [
        ("idle-a", at(0, 11, 0)),
        ("locked-c", at(1, 13, 5)),
        ("late-lock-d", at(2, 21, 10)),
        ("weekend-g", at(6, 20, 0)),
    ] {
        let end = terminated
            .get(name)
            .unwrap_or_else(|| panic!("{name} was never terminated"));
        let late = *end - idle_unlocked;
        assert!(
            late > Duration::minutes(30) - PERIOD && late <= Duration::minutes(30) + PERIOD,
            "{name}: idle and unlocked at {idle_unlocked}, terminated at {end}"
        );
    }
    // The end of day takes the busy cluster, on time, warned.
    assert!(
        terminated["busy-b"] <= at(0, 19, 0) + PERIOD,
        "{:?}",
        terminated.get("busy-b")
    );
    // The extension moved extend-f's end by the hour the button said, once.
    let f_end = terminated["extend-f"];
    assert!(
        f_end > at(3, 11, 30) && f_end <= at(3, 12, 5),
        "extend-f terminated at {f_end}"
    );
    // Nothing non-exempt alive after the end of day on a workday; survivors on the weekend.
    for (t, alive) in &alive_after_eod {
        let local = t.with_timezone(&TOKYO);
        match local.weekday() {
            Weekday::Sat | Weekday::Sun => {}
            Weekday::Wed => assert_eq!(
                alive,
                &["late-lock-d", "exempt-e"]
                    .map(String::from)
                    .to_vec()
                    .into_iter()
                    .filter(|n| alive.contains(n))
                    .collect::<Vec<_>>(),
                "{local}: {alive:?}"
            ),
            _ => assert!(alive.iter().all(|n| n == "exempt-e"), "{local}: {alive:?}"),
        }
    }
    let saturday = alive_after_eod
        .iter()
        .find(|(t, _)| t.with_timezone(&TOKYO).weekday() == Weekday::Sat)
        .expect("a Saturday");
    assert!(
        saturday.1.contains(&"weekend-g".to_string()),
        "weekend survivors: {saturday:?}"
    );
    assert!(
        !terminated.contains_key("exempt-e"),
        "the exempt cluster lives"
    );
    // The idle alert once per idle spell.
    assert_eq!(
        week.posts_about(&id(5), "has been idle").len(),
        1,
        "exempt-e: one spell, one alert"
    );
    assert_eq!(
        week.posts_about(&id(3), "has been idle").len(),
        1,
        "locked-c: one alert, locked or not"
    );
    // Exactly one daily report a day.
    let reports: Vec<DateTime<Utc>> = week
        .posts
        .iter()
        .filter(|(_, text)| text.contains("EMR daily report"))
        .map(|(t, _)| *t)
        .collect();
    let days: std::collections::BTreeSet<_> = reports
        .iter()
        .map(|t| t.with_timezone(&TOKYO).date_naive())
        .collect();
    assert_eq!((reports.len(), days.len()), (7, 7), "{reports:?}");

    // The savings reports: Monday 09:00 of this week (nothing yet) and of
    // the next, which counts the week's automatic terminations.
    let savings: Vec<&(DateTime<Utc>, String)> = week
        .posts
        .iter()
        .filter(|(_, text)| text.contains("EMR savings"))
        .collect();
    assert_eq!(
        savings.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
        [at(0, 9, 0), at(7, 9, 0)],
        "one a week, on time"
    );
    assert!(
        savings[0].1.contains("No cluster was terminated"),
        "{}",
        savings[0].1
    );
    let text = &savings[1].1;
    assert!(
        text.contains("emrbot terminated *6 clusters* automatically"),
        "{text}"
    );
    // busy-b at Mon 19:00 by the end of day: 14 h to Tue 09:00, 3 m5.xlarge
    // at $0.24 an hour: 42 instance-hours, $10.08.
    assert!(
        text.contains("end of day: 1 cluster, ≈ 42 instance-hours, ≈ $10.08"),
        "{text}"
    );
    assert!(text.contains("idle: 5 clusters"), "{text}");
    // Cost Explorer is on in the test config: the week's bill beside
    // emrbot's figures follows (the emulator bills nothing).
    assert!(
        text.contains("Billed this week, beside emrbot's figures")
            && text.contains("*In all*: billed $0.00")
            && text.contains("*By who launched them*"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.contains(id(2).as_str()))
        .unwrap_or_else(|| panic!("busy-b's row: {text}"));
    assert!(
        row.contains("end of day")
            && row.contains("14.0")
            && row.contains("42.0")
            && row.contains("10.08"),
        "{row}"
    );
    for name in ["idle-a", "locked-c", "late-lock-d", "extend-f", "weekend-g"] {
        let c = clusters.iter().find(|c| c.name == name).unwrap();
        assert!(
            text.lines().any(|l| l.starts_with("saved")
                && l.contains(c.id.as_str())
                && l.contains(" idle ")),
            "{name} saved by the idle rule: {text}"
        );
    }
    // Kept: the exempt cluster at each workday's end (all week at $0.72/h),
    // late-lock-d on Wednesday by its lock.
    assert!(
        text.contains("exempt-e* `j-WEEK5`: exempt tag, 5 nights, ≈ $120.96 this week"),
        "{text}"
    );
    assert!(
        text.contains("late-lock-d* `j-WEEK4`: locked by <@U2>"),
        "{text}"
    );
}
