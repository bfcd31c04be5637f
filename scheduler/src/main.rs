//! The scheduler Lambda: settings and clients once, then one sweep per
//! EventBridge scheduled event. A failed sweep is an error, so EventBridge
//! retries it (repeats do nothing twice) and the error alarm sees it; the log
//! says whether a retry can help.

use emrbot_scheduler::{ScheduledEvent, SweepOutcome};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (aws, settings) = emrbot_shared::settings::cold_start().await?;
    let scheduler = emrbot_scheduler::build(&settings, &aws);
    let scheduler = &scheduler;
    run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let event = ScheduledEvent::from_json(event.payload)?;
            let outcome = scheduler.handle(&event).await.inspect_err(|e| {
                tracing::error!(retryable = e.is_transient(), error = %e, "sweep failed");
            })?;
            Ok::<SweepOutcome, Error>(outcome)
        },
    ))
    .await
}
