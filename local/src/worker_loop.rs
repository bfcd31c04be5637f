//! What Lambda's SQS event source does, done locally: long-poll the queue, hand
//! batches to the worker as SQS events, delete what succeeded, leave the
//! reported failures to come back after the visibility timeout. Like Lambda,
//! several batches are handled at once, so one slow batch (a stalled Slack)
//! does not hold up the next.

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::types::MessageSystemAttributeName;
use emrbot_worker::Worker;
use std::collections::HashSet;
use std::time::Duration;

pub async fn run(
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    worker: Worker,
    shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENT_BATCHES));
    loop {
        if *shutdown.borrow() {
            return;
        }
        let received = sqs
            .receive_message()
            .queue_url(&queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            // Who sent it: the worker checks it against the requester it claims.
            .message_system_attribute_names(MessageSystemAttributeName::SenderId)
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(error) => {
                tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(error), "ReceiveMessage failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            continue;
        }
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let (sqs, queue_url, worker) = (sqs.clone(), queue_url.clone(), worker.clone());
        tokio::spawn(async move {
            handle(&sqs, &queue_url, &worker, messages).await;
            drop(slot);
        });
    }
}

/// How many batches are handled at once.
const CONCURRENT_BATCHES: usize = 4;

async fn handle(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    worker: &Worker,
    messages: Vec<aws_sdk_sqs::types::Message>,
) {
    let mut event = SqsEvent::default();
    event.records = messages.iter().map(to_event_record).collect();
    let response = worker.handle_batch(event).await;
    let failed: HashSet<String> = response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    for message in &messages {
        let (Some(id), Some(handle)) = (message.message_id(), message.receipt_handle()) else {
            continue;
        };
        if failed.contains(id) {
            continue;
        }
        if let Err(error) = sqs
            .delete_message()
            .queue_url(queue_url)
            .receipt_handle(handle)
            .send()
            .await
        {
            tracing::warn!(error = %aws_sdk_sqs::error::DisplayErrorContext(error), "DeleteMessage failed");
        }
    }
}

fn to_event_record(message: &aws_sdk_sqs::types::Message) -> SqsMessage {
    let mut record = SqsMessage::default();
    record.message_id = message.message_id().map(str::to_string);
    record.receipt_handle = message.receipt_handle().map(str::to_string);
    record.body = message.body().map(str::to_string);
    record.event_source = Some("aws:sqs".into());
    if let Some(attributes) = message.attributes() {
        for (name, value) in attributes {
            record
                .attributes
                .insert(name.as_str().to_string(), value.clone());
        }
    }
    record
}
