//! The ingress Lambda: settings and the SQS client once, then API Gateway
//! (v1, v2) and function-URL events.

use emrbot_ingress::{http::HttpResponse, lambda_event, Ingress};
use emrbot_shared::aws::sqs::SqsQueue;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;

// One thread: the ingress answers one request at a time (Lambda gives each
// instance one), so a worker pool only costs start-up time and memory.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let (aws, settings) = emrbot_shared::settings::cold_start().await?;
    let sqs = emrbot_shared::aws::sqs::client_within(&aws, emrbot_ingress::SQS_BUDGET);
    let queue = SqsQueue::new(sqs, settings.queue_url.clone());
    let ingress = Ingress::from_settings(&settings, Arc::new(queue))?;
    let ingress = &ingress;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let response = match lambda_event::to_request(event.payload) {
            Ok(request) => ingress.handle(&request).await,
            Err(error) => HttpResponse::error(400, &error.to_string()),
        };
        Ok::<_, Error>(lambda_event::to_proxy_response(&response))
    }))
    .await
}
