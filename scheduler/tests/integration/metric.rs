//! Idleness from EMR's `IsIdle` metric, read for many clusters at once: a
//! cluster busy without a step (a notebook's Spark job) is not idle; one the
//! metric shows idle since it was ready is warned, with no ListSteps. The
//! test publishes the metric as EMR would (the emulator's EMR does not).

use chrono::Duration;
use emrbot_domain::policy::Sweep;
use emrbot_domain::Config;
use emrbot_shared::settings::Settings;
use emrbot_tests::{fixtures, launch_cluster};
use std::sync::Arc;

#[tokio::test]
async fn the_is_idle_metric_decides_who_is_idle() {
    let (_emulator, aws, resources) = emrbot_tests::aws::emulator_with_resources().await;
    let emr = aws_sdk_emr::Client::new(&aws);
    let idle = launch_cluster(&emr, "idle-by-metric").await.unwrap();
    let notebook = launch_cluster(&emr, "busy-notebook").await.unwrap();
    let t0 = emrbot_tests::aws::created_at(&emr, &idle).await;
    let mut points = Vec::new();
    for period in 0..6 {
        let at = t0 + Duration::minutes(5 * period);
        points.push((idle.clone(), at, true));
        // Busy until +20m: a YARN application, no EMR step.
        points.push((notebook.clone(), at, period >= 4));
    }
    emrbot_tests::aws::publish_is_idle(&aws, &points).await;

    let config = Arc::new(Config::load(&fixtures::config_path()).unwrap());
    let settings = Settings::new(config, resources.queue_url.clone(), "emrbot");
    let scheduler = emrbot_scheduler::build(&settings, &aws);
    // +31m: idle 31 minutes, past the 30-minute grace; the notebook's
    // cluster has been idle 11 minutes.
    let outcome = scheduler
        .sweep(t0 + Duration::minutes(31), Sweep::Idle)
        .await
        .expect("sweep");
    let warned = |id: &str| {
        outcome
            .decisions
            .iter()
            .any(|k| k.starts_with(&format!("warn:idle:{id}:")))
    };
    assert!(warned(&idle), "{:?}", outcome.decisions);
    assert!(
        !warned(&notebook),
        "busy in the metric until +20m: {:?}",
        outcome.decisions
    );

    // At +51m the notebook's cluster is 31 minutes past its last work: due.
    let later = scheduler
        .sweep(t0 + Duration::minutes(51), Sweep::Idle)
        .await
        .expect("sweep");
    // Its last busy period ended at +20m, as CloudWatch aligns periods
    // (up to one period earlier): the deadline is 30 minutes after.
    let deadline = later
        .decisions
        .iter()
        .find_map(|k| k.strip_prefix(&format!("warn:idle:{notebook}:")))
        .and_then(|stamp| chrono::DateTime::parse_from_rfc3339(stamp).ok())
        .unwrap_or_else(|| panic!("the notebook's cluster is warned: {:?}", later.decisions));
    let after_launch = deadline.with_timezone(&chrono::Utc) - t0;
    assert!(
        (45..=50).contains(&after_launch.num_minutes()),
        "idle since the metric's last busy period: deadline {after_launch} after launch"
    );
}
