//! The scheduler Lambda: settings and clients once, then one sweep per
//! EventBridge scheduled event. A failed sweep is an error, so EventBridge
//! retries it (repeats do nothing twice) and the error alarm sees it; the log
//! says whether a retry can help.

use emrbot_scheduler::{ScheduledEvent, SweepOutcome};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use std::time::{Duration, UNIX_EPOCH};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (aws, settings) = emrbot_shared::settings::cold_start().await?;
    let scheduler = emrbot_scheduler::build(&settings, &aws);
    let scheduler = &scheduler;
    run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let (payload, context) = event.into_parts();
            let event = ScheduledEvent::from_json(payload)?;
            let deadline = UNIX_EPOCH + Duration::from_millis(context.deadline);
            let outcome = scheduler
                .handle_before(&event, deadline)
                .await
                .inspect_err(|e| {
                    tracing::error!(retryable = e.is_transient(), error = %e, "sweep failed");
                })?;
            Ok::<SweepOutcome, Error>(outcome)
        },
    ))
    .await
}
