//! SQS batches in, partial batch failures out: a record whose work failed for a
//! transient reason is reported in `batchItemFailures` so SQS delivers it
//! again; an unparseable one is reported too, so after the queue's
//! maxReceiveCount it lands in the dead-letter queue instead of vanishing.
//! A bundle's messages are handled one by one, each as if it came alone; the
//! record is retried if any of them asks for it (the others are then dropped
//! as duplicates by their ids).

use crate::Outcome;
use crate::Worker;
use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use emrbot_domain::message::{CommandMessage, Incoming};
use emrbot_shared::slack::render;
use futures_util::future::join_all;
use std::time::{Duration, SystemTime};

/// The command queue's `maxReceiveCount` (infra/template.yaml; an infra check
/// holds the template to it): after this many receives a failing message
/// goes to the dead-letter queue.
pub const MAX_RECEIVES: u32 = 5;

/// A record is started only with this much of the invocation left: its
/// worst case (a Slack post that times out after 10 s, a few AWS calls) fits,
/// so a record is never cut off between two effects by Lambda's timeout.
pub const RECORD_RESERVE: Duration = Duration::from_secs(20);

impl Worker {
    pub async fn handle_batch(&self, event: SqsEvent) -> SqsBatchResponse {
        self.handle_batch_before(event, None).await
    }

    /// Handles the records of a batch at once (one stalled Slack post does
    /// not hold up the others), except those that must keep their order.
    /// With less than [`RECORD_RESERVE`] left before `deadline` (the Lambda
    /// invocation's), every record is handed back unstarted as a batch item
    /// failure, for SQS to deliver again.
    pub async fn handle_batch_before(
        &self,
        event: SqsEvent,
        deadline: Option<SystemTime>,
    ) -> SqsBatchResponse {
        let left = deadline.map(|d| d.duration_since(SystemTime::now()).unwrap_or_default());
        let start = left.is_none_or(|left| left >= RECORD_RESERVE);
        if !start {
            tracing::warn!(
                records = event.records.len(),
                left_ms = left.unwrap_or_default().as_millis() as u64,
                "too little time left: the batch is handed back unstarted"
            );
        }
        // Lanes run at once; a lane's records run in order: EMR's events
        // (a cluster's states come in order), and repeats of one body (the
        // second finds the first done and is dropped, not retried).
        let mut lanes: Vec<(&str, Vec<usize>)> = Vec::new();
        for (i, record) in event.records.iter().enumerate() {
            let body = record.body.as_deref().unwrap_or("");
            let lane = if crate::events::is_emr_event(body) {
                "emr"
            } else {
                body
            };
            match lanes.iter_mut().find(|(key, _)| *key == lane) {
                Some((_, members)) => members.push(i),
                None => lanes.push((lane, vec![i])),
            }
        }
        let records = &event.records;
        let done = join_all(lanes.iter().map(|(_, members)| async move {
            let mut outcomes = Vec::with_capacity(members.len());
            for &i in members {
                let outcome = if start {
                    self.handle_record(&records[i]).await
                } else {
                    Outcome::Retry
                };
                outcomes.push((i, outcome));
            }
            outcomes
        }))
        .await;
        let mut retry = vec![false; event.records.len()];
        for (i, outcome) in done.into_iter().flatten() {
            retry[i] = outcome == Outcome::Retry;
        }
        let failures = event
            .records
            .iter()
            .zip(retry)
            .filter(|(_, retry)| *retry)
            .map(|(record, _)| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = record.message_id.clone().unwrap_or_default();
                failure
            })
            .collect();
        // The event types are non-exhaustive: build from the default.
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = failures;
        response
    }

    async fn handle_record(&self, record: &SqsMessage) -> Outcome {
        let sqs_id = record.message_id.as_deref().unwrap_or("?");
        let body = record.body.as_deref().unwrap_or("");
        let receives = record
            .attributes
            .get("ApproximateReceiveCount")
            .map(String::as_str)
            .unwrap_or("?");
        if crate::events::is_emr_event(body) {
            return match self.handle_emr_event(body).await {
                Ok(outcome) => outcome,
                Err(error) => {
                    tracing::error!(sqs_message_id = sqs_id, receives, error = %error, "unreadable EMR event; leaving it for the dead-letter queue");
                    Outcome::Retry
                }
            };
        }
        let sender = record.attributes.get("SenderId").map(String::as_str);
        let last_try = receives.parse::<u32>().is_ok_and(|n| n >= MAX_RECEIVES);
        match Incoming::from_json(body) {
            Ok(Incoming::One(message)) => self.handle_one(&message, sender, last_try).await,
            Ok(Incoming::Bundle(messages)) => {
                let mut outcome = Outcome::Done;
                for message in &messages {
                    if self.handle_one(message, sender, last_try).await == Outcome::Retry {
                        outcome = Outcome::Retry;
                    }
                }
                outcome
            }
            Err(error) => {
                tracing::error!(
                    sqs_message_id = sqs_id,
                    receives,
                    error = %error,
                    "unparseable queue message; leaving it for the dead-letter queue"
                );
                Outcome::Retry
            }
        }
    }

    async fn handle_one(
        &self,
        message: &CommandMessage,
        sender: Option<&str>,
        last_try: bool,
    ) -> Outcome {
        let outcome = self.handle_message(message, sender).await;
        if outcome == Outcome::Retry && last_try {
            // Its next stop is the dead-letter queue: say so while a
            // trusted reply target exists (only admitted messages retry).
            let note = render::replies::gave_up(
                &message.command.action().to_string(),
                MAX_RECEIVES,
                message.id.as_str(),
            );
            self.deliver(&message.reply_to, message.issued_at, &note)
                .await;
        }
        outcome
    }
}
