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

/// The command queue's `maxReceiveCount` (infra/template.yaml; an infra check
/// holds the template to it): after this many receives a failing message
/// goes to the dead-letter queue.
pub const MAX_RECEIVES: u32 = 5;

impl Worker {
    pub async fn handle_batch(&self, event: SqsEvent) -> SqsBatchResponse {
        let mut failures = Vec::new();
        for record in event.records {
            let id = record.message_id.clone().unwrap_or_default();
            if self.handle_record(&record).await == Outcome::Retry {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id;
                failures.push(failure);
            }
        }
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
