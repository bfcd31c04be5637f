//! Lambda adapter for the worker: config and clients once, then serve SQS batches.

use aws_lambda_events::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    emrbot_shared::telemetry::init_json();
    let aws = emrbot_shared::aws::load_sdk_config().await;
    let settings = emrbot_shared::settings::Settings::load(&aws).await?;
    let worker = emrbot_worker::build(&settings, &aws, reqwest::Client::new());
    let worker = &worker;
    run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(worker.handle_batch(event.payload).await)
    }))
    .await
}
