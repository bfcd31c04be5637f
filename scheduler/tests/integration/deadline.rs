//! A sweep against a frozen AWS gives up before the Lambda invocation's
//! deadline with an error that says a retry can help, instead of being
//! killed mid-call.

use emrbot_domain::Config;
use emrbot_scheduler::{ScheduledEvent, SweepError, DEADLINE_MARGIN};
use emrbot_shared::settings::Settings;
use emrbot_tests::faults::{Fault, FaultProxy};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

#[tokio::test]
async fn a_sweep_against_a_frozen_aws_gives_up_before_the_deadline() {
    let (emulator, _, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let proxy = FaultProxy::start(&emulator.endpoint).await;
    let through_proxy = {
        let mut config = emulator.sdk_config().to_builder();
        config.set_endpoint_url(Some(proxy.endpoint.clone()));
        config.build()
    };
    let config = Arc::new(Config::load(&emrbot_tests::fixtures::config_path()).unwrap());
    let settings = Settings::new(config, resources.queue_url.clone(), "emrbot");
    let scheduler = emrbot_scheduler::build(&settings, &through_proxy);
    proxy.set(Fault::Stall);

    let event = ScheduledEvent::from_json(serde_json::json!({
        "time": "2026-11-23T10:00:00Z", "detail": {"sweep": "all"}
    }))
    .unwrap();
    let started = Instant::now();
    let deadline = SystemTime::now() + DEADLINE_MARGIN + Duration::from_secs(2);
    let result = scheduler.handle_before(&event, deadline).await;
    assert!(
        matches!(result, Err(SweepError::OutOfTime)),
        "{:?}",
        result.map(|o| o.sent)
    );
    assert!(result.unwrap_err().is_transient());
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}
