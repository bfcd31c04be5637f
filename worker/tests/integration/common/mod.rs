//! A worker wired to its own emulator and a local Slack, driven by v1
//! messages as the queue would deliver them.
#![allow(dead_code)]

pub mod fake;

use chrono::Utc;
use emrbot_domain::command::Command;
use emrbot_domain::message::{CommandMessage, MessageId, ReplyTo, Requester};
use emrbot_domain::{Config, Secret};
use emrbot_shared::settings::Settings;
use emrbot_tests::{fixtures, Emulator, FakeSlack};
use emrbot_worker::Worker;
use std::sync::Arc;

/// The worker under test is started with these principals; a message "from
/// the ingress" carries the ingress's `SenderId`.
pub const INGRESS_PRINCIPAL: &str = "AROATESTINGRESS";
pub const SCHEDULER_PRINCIPAL: &str = "AROATESTSCHEDULER";
pub const FROM_INGRESS: Option<&str> = Some("AROATESTINGRESS:ingress");

/// A batch of one record as SQS hands it to the worker: `body` sent by the
/// ingress, delivered for the `receives`-th time.
pub fn batch_of_one(sqs_id: &str, body: String, receives: u32) -> aws_lambda_events::sqs::SqsEvent {
    let mut record = aws_lambda_events::sqs::SqsMessage::default();
    record.message_id = Some(sqs_id.into());
    record.body = Some(body);
    record
        .attributes
        .insert("ApproximateReceiveCount".into(), receives.to_string());
    record
        .attributes
        .insert("SenderId".into(), FROM_INGRESS.unwrap().into());
    let mut event = aws_lambda_events::sqs::SqsEvent::default();
    event.records = vec![record];
    event
}

pub struct Env {
    pub emulator: Emulator,
    pub slack: FakeSlack,
    pub aws: aws_config::SdkConfig,
    pub worker: Worker,
    /// The Price List the worker's prices come from.
    pub price_list: emrbot_tests::price_list::PriceListServer,
}

pub async fn env() -> Env {
    env_with_config(&fixtures::config_path()).await
}

/// A worker on its own emulator with the config at `path`.
pub async fn env_with_config(path: &std::path::Path) -> Env {
    let emulator = Emulator::start().await;
    let slack = FakeSlack::start().await;
    let aws = emulator.sdk_config();
    let dynamo = aws_sdk_dynamodb::Client::new(&aws);
    emrbot_shared::aws::dynamodb::ensure_table(&dynamo, "emrbot")
        .await
        .expect("table");
    let settings = Settings {
        config: Arc::new(Config::load(path).expect("test config")),
        queue_url: "unused".into(),
        table: "emrbot".into(),
        signing_secret: Some(Secret::new(fixtures::SIGNING_SECRET.into())),
        bot_token: Some(Secret::new(fixtures::BOT_TOKEN.into())),
        slack_api_base: slack.api_base(),
        allow_loopback_response_urls: true,
        ingress_principal: Some(INGRESS_PRINCIPAL.into()),
        scheduler_principal: Some(SCHEDULER_PRINCIPAL.into()),
    };
    let mut worker = emrbot_worker::build(&settings, &aws).expect("worker");
    let price_list = emrbot_tests::price_list::serve_worker(
        &mut worker,
        &aws,
        "emrbot",
        emrbot_tests::price_list::bundled(),
    )
    .await;
    Env {
        emulator,
        slack,
        aws,
        worker,
        price_list,
    }
}

impl Env {
    pub fn emr(&self) -> aws_sdk_emr::Client {
        aws_sdk_emr::Client::new(&self.aws)
    }

    /// A message typed by `user` in `channel`, answering through a fresh
    /// response_url; returns it and the path its reply lands on.
    pub fn slack_message(
        &self,
        user: &str,
        channel: &str,
        command: Command,
    ) -> (CommandMessage, String) {
        let rid = uuid::Uuid::new_v4().simple().to_string();
        let message = CommandMessage::new(
            MessageId::random("test"),
            Utc::now(),
            Requester::Slack {
                user_id: user.into(),
                user_name: None,
                channel_id: channel.into(),
                team_id: None,
            },
            command,
            ReplyTo::ResponseUrl {
                url: self.slack.response_url(&rid),
                replace_original: false,
                channel_id: Some(channel.into()),
            },
        );
        (message, format!("response/{rid}"))
    }

    pub fn text(&self, text: &str, user: &str) -> (CommandMessage, String) {
        self.slack_message(
            user,
            "C0DATAOPS",
            Command::parse(text).expect("command parses"),
        )
    }

    /// Every recorded reply text on `path`.
    pub fn replies(&self, path: &str) -> Vec<String> {
        self.slack
            .recorded()
            .into_iter()
            .filter(|r| r.path == path)
            .map(|r| emrbot_tests::slack::message_text(&r.body))
            .collect()
    }

    pub fn reply(&self, path: &str) -> String {
        let all = self.replies(path);
        assert_eq!(all.len(), 1, "exactly one reply on {path}: {all:#?}");
        all.into_iter().next().unwrap()
    }

    /// The scheduler's view of the policy records, to see what the worker recorded.
    pub fn policy_records(&self) -> impl emrbot_domain::ports::policy::PolicyRecords {
        emrbot_shared::aws::dynamodb::DynamoPolicyStore::new(
            aws_sdk_dynamodb::Client::new(&self.aws),
            "emrbot",
        )
    }

    pub async fn state(&self, id: &str) -> String {
        emrbot_tests::aws::cluster_state(&self.emr(), id).await
    }
}
