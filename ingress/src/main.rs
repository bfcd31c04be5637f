//! Lambda adapter for the ingress: config and clients once, then serve events.

use emrbot_ingress::{lambda_event, Ingress};
use emrbot_shared::clock::SystemClock;
use emrbot_shared::queue::SqsQueue;
use emrbot_shared::settings::Settings;
use emrbot_shared::slack::SlackVerifier;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), Error> {
    emrbot_shared::telemetry::init_json();
    let aws = emrbot_shared::aws::load_sdk_config().await;
    let settings = Settings::load(&aws).await?;
    let queue = SqsQueue::new(aws_sdk_sqs_client(&aws), settings.queue_url.clone());
    let ingress = Ingress::new(
        SlackVerifier::new(settings.require_signing_secret()?),
        settings.config.clone(),
        Arc::new(queue),
        Arc::new(SystemClock),
    );
    let ingress = &ingress;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let response = match lambda_event::to_request(event.payload) {
            Ok(request) => ingress.handle(&request).await,
            Err(error) => emrbot_ingress::http::HttpResponse::error(400, &error.to_string()),
        };
        Ok::<_, Error>(lambda_event::to_proxy_response(&response))
    }))
    .await
}

fn aws_sdk_sqs_client(aws: &aws_config::SdkConfig) -> emrbot_shared::queue::SqsClient {
    emrbot_shared::queue::SqsClient::new(aws)
}
