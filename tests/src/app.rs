//! A whole emrbot (emrbot-local: ingress over HTTP + worker loop) on its own
//! emulator and a local Slack, as a user would run it.

use crate::fixtures;
use crate::{Emulator, FakeSlack};
use emrbot_domain::Secret;
use std::time::Duration;

pub struct TestApp {
    pub emulator: Emulator,
    pub slack: FakeSlack,
    pub running: emrbot_local::Running,
    pub http: reqwest::Client,
    pub url: String,
}

pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    pub elapsed: Duration,
}

impl TestApp {
    pub async fn start() -> TestApp {
        Self::start_with(|_| {}).await
    }

    /// Started with options changed by `adjust` first.
    pub async fn start_with(adjust: impl FnOnce(&mut emrbot_local::Options)) -> TestApp {
        let emulator = Emulator::start().await;
        let slack = FakeSlack::start().await;
        Self::start_on(emulator, slack, adjust)
            .await
            .expect("emrbot-local starts")
    }

    /// Started with Socket Mode on, connected to a Socket Mode server that
    /// the local Slack's `apps.connections.open` hands out.
    pub async fn start_over_socket_mode() -> (TestApp, crate::SocketModeServer) {
        let emulator = Emulator::start().await;
        let slack = FakeSlack::start().await;
        let socket = crate::SocketModeServer::start().await;
        slack.serve_socket_mode(&socket);
        let app = Self::start_on(emulator, slack, |o| {
            o.socket_mode = Some(Secret::new(fixtures::APP_TOKEN.into()));
        })
        .await
        .expect("emrbot-local starts over Socket Mode");
        (app, socket)
    }

    /// emrbot-local on `emulator` and `slack`, options changed by `adjust`.
    pub async fn start_on(
        emulator: Emulator,
        slack: FakeSlack,
        adjust: impl FnOnce(&mut emrbot_local::Options),
    ) -> Result<TestApp, String> {
        let mut options = Self::options(&emulator, &slack);
        adjust(&mut options);
        let running = emrbot_local::start(options).await?;
        // Reached on loopback whatever address it listens on.
        let url = format!("http://127.0.0.1:{}", running.address.port());
        Ok(TestApp {
            emulator,
            slack,
            running,
            http: reqwest::Client::new(),
            url,
        })
    }

    /// What TestApp starts emrbot-local with: this emulator and this Slack.
    pub fn options(emulator: &Emulator, slack: &FakeSlack) -> emrbot_local::Options {
        emrbot_local::Options {
            listen: "127.0.0.1:0".parse().expect("addr"),
            config: fixtures::config_path(),
            aws_endpoint: Some(emulator.endpoint.clone()),
            use_real_aws: false,
            queue: "emrbot-commands".into(),
            table: "emrbot".into(),
            signing_secret: Secret::new(fixtures::SIGNING_SECRET.into()),
            bot_token: Some(Secret::new(fixtures::BOT_TOKEN.into())),
            slack_api_base: slack.api_base(),
            seed_demo_clusters: false,
            // Only the events a test sends count: no sweeps on the real clock.
            scheduler_tick: None,
            events_token: None,
            socket_mode: None,
            console: emrbot_local::console::stdout(),
        }
    }

    pub fn emr(&self) -> aws_sdk_emr::Client {
        aws_sdk_emr::Client::new(&self.running.aws)
    }

    /// Types `/emr <text>` as `user` in `channel`; returns the HTTP answer and
    /// the response_url the deferred reply will reach.
    pub async fn slash(&self, text: &str, user: &str, channel: &str) -> (Reply, String) {
        let response_id = uuid::Uuid::new_v4().simple().to_string();
        let reply = self
            .slash_answering(text, user, channel, &response_id)
            .await;
        (reply, format!("response/{response_id}"))
    }

    /// Like [`TestApp::slash`], the reply going to `response_url(response_id)`.
    pub async fn slash_answering(
        &self,
        text: &str,
        user: &str,
        channel: &str,
        response_id: &str,
    ) -> Reply {
        let response_url = self.slack.response_url(response_id);
        let body = fixtures::slash_body(text, user, channel, &response_url);
        let (ts, sig) = fixtures::sign(&body);
        self.post(
            "/slack/commands",
            body,
            &[
                ("x-slack-request-timestamp", &ts),
                ("x-slack-signature", &sig),
            ],
        )
        .await
    }

    pub async fn post(&self, path: &str, body: String, headers: &[(&str, &str)]) -> Reply {
        let mut request = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let started = std::time::Instant::now();
        let response = request.send().await.expect("emrbot answers");
        let elapsed = started.elapsed();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(serde_json::Value::Null);
        Reply {
            status,
            body,
            elapsed,
        }
    }

    /// A scheduled sweep of `kind` (`all`, `idle`, `end_of_day`, `report`) at
    /// `time`, through `POST /events` as EventBridge Scheduler delivers it
    /// (a new event id each call); returns the sweep's outcome (`sent`, `decisions`).
    pub async fn sweep(
        &self,
        time: chrono::DateTime<chrono::Utc>,
        kind: &str,
    ) -> serde_json::Value {
        static EVENTS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = EVENTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let event = serde_json::json!({
            "version": "0", "id": format!("sweep-{n}-{}", time.timestamp_millis()),
            "detail-type": "Scheduled Event", "source": "aws.scheduler",
            "time": time.to_rfc3339(), "detail": {"sweep": kind}
        });
        let reply = self
            .post(
                "/events",
                event.to_string(),
                &[("content-type", "application/json")],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }

    /// Messages now waiting on the command queue (not yet taken by the worker).
    pub async fn queue_depth(&self) -> i64 {
        use aws_sdk_sqs::types::QueueAttributeName;
        let sqs = aws_sdk_sqs::Client::new(&self.running.aws);
        let out = sqs
            .get_queue_attributes()
            .queue_url(&self.running.resources.queue_url)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("GetQueueAttributes");
        let attrs = out.attributes().cloned().unwrap_or_default();
        let n = |a: QueueAttributeName| {
            attrs
                .get(&a)
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        };
        n(QueueAttributeName::ApproximateNumberOfMessages)
            + n(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
    }
}
