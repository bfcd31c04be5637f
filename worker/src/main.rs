//! The worker Lambda: settings and clients once, then SQS batches with
//! partial failures (a transient failure is retried by SQS, never dropped).

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use std::time::{Duration, UNIX_EPOCH};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (aws, settings) = emrbot_shared::settings::cold_start().await?;
    let worker = emrbot_worker::build(&settings, &aws)?;
    let worker = &worker;
    run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        // Lambda's deadline for this invocation, in ms since the epoch.
        let deadline = UNIX_EPOCH + Duration::from_millis(event.context.deadline);
        let response = worker
            .handle_batch_before(event.payload, Some(deadline))
            .await;
        Ok::<SqsBatchResponse, Error>(response)
    }))
    .await
}
