//! Lambda adapter for the scheduler: config and clients once, then one sweep
//! per EventBridge scheduled event. A failed sweep is an error, so EventBridge
//! retries it; repeats do nothing twice.

use emrbot_scheduler::{build, ScheduledEvent, SchedulerSettings, SweepOutcome};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    emrbot_shared::telemetry::init_json();
    let settings = SchedulerSettings::from_env()?;
    let aws = emrbot_shared::aws::load_sdk_config().await;
    let scheduler = build(
        settings.config.clone(),
        &settings.queue_url,
        &settings.table,
        &aws,
    );
    let scheduler = &scheduler;
    run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let event = ScheduledEvent::from_json(event.payload)?;
            Ok::<SweepOutcome, Error>(scheduler.handle(&event).await?)
        },
    ))
    .await
}
