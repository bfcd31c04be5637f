//! Failure semantics: transient EMR errors are retried (and the retry may act,
//! since the claim is released); permanent ones are told to the user once.
//! FAKE: the emulator cannot be made to throttle, so a fake of the port does.

use crate::common;

use async_trait::async_trait;
use emrbot_domain::emr::{ClusterDetail, ClusterSummary, FleetTarget, LaunchSpec, StepSummary};
use emrbot_domain::ports::clusters::{ClusterChanger, ClusterReader, EmrError};
use emrbot_domain::ports::directory::ClusterDirectory;
use emrbot_domain::ClusterId;
use emrbot_worker::Outcome;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// Fails the first `transient` listings with throttling, then answers `permanent`.
struct Flaky {
    transient: AtomicU32,
    calls: AtomicU32,
}

#[async_trait]
impl ClusterReader for Flaky {
    async fn list_active(&self) -> Result<Vec<ClusterSummary>, EmrError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if self.transient.load(Ordering::SeqCst) > 0 {
            self.transient.fetch_sub(1, Ordering::SeqCst);
            return Err(EmrError::Transient(
                "ThrottlingException: Rate exceeded".into(),
            ));
        }
        Err(EmrError::AccessDenied("AccessDeniedException".into()))
    }
    async fn describe(&self, id: &ClusterId) -> Result<ClusterDetail, EmrError> {
        Err(EmrError::NotFound(id.to_string()))
    }
    async fn list_steps(&self, id: &ClusterId) -> Result<Vec<StepSummary>, EmrError> {
        Err(EmrError::NotFound(id.to_string()))
    }
    async fn tags_of(
        &self,
        _: &[ClusterId],
    ) -> Result<HashMap<ClusterId, BTreeMap<String, String>>, EmrError> {
        Ok(HashMap::new())
    }
}

/// Never reached: every command fails at the listing.
#[async_trait]
impl ClusterChanger for Flaky {
    async fn launch(&self, _: &LaunchSpec) -> Result<ClusterId, EmrError> {
        Err(EmrError::Rejected("not in this test".into()))
    }
    async fn terminate(&self, _: &ClusterId) -> Result<(), EmrError> {
        Err(EmrError::Rejected("not in this test".into()))
    }
    async fn resize_group(&self, _: &ClusterId, _: &str, _: u32) -> Result<(), EmrError> {
        Err(EmrError::Rejected("not in this test".into()))
    }
    async fn resize_fleet(&self, _: &ClusterId, _: &str, _: FleetTarget) -> Result<(), EmrError> {
        Err(EmrError::Rejected("not in this test".into()))
    }
}

#[tokio::test]
async fn transient_errors_retry_and_permanent_errors_are_told_once() {
    let env = common::env().await;
    let flaky = Arc::new(Flaky {
        transient: AtomicU32::new(1),
        calls: AtomicU32::new(0),
    });
    let worker = env
        .worker
        .clone()
        .with_clusters(ClusterDirectory::new().with_account(None, flaky.clone()));
    let (m, path) = env.text("lock adhoc", "U1");

    assert_eq!(
        worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Retry,
        "throttling is retried"
    );
    assert!(
        env.replies(&path).is_empty(),
        "nobody is told about a retry"
    );
    assert_eq!(
        worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done,
        "the redelivery acts at once"
    );
    assert!(
        env.reply(&path).contains("not allowed")
            && env.reply(&path).contains(m.id.as_str())
            && !env.reply(&path).contains("AccessDeniedException"),
        "{}",
        env.reply(&path)
    );
    assert_eq!(
        worker.handle_message(&m, common::FROM_INGRESS).await,
        Outcome::Done
    );
    assert_eq!(
        flaky.calls.load(Ordering::SeqCst),
        2,
        "a finished message is not acted on again"
    );
    assert_eq!(env.replies(&path).len(), 1);
}

/// The last receive before the dead-letter queue tells the user.
#[tokio::test]
async fn a_command_that_keeps_failing_says_so_before_the_dead_letter_queue() {
    let env = common::env().await;
    let flaky = Arc::new(Flaky {
        transient: AtomicU32::new(u32::MAX),
        calls: AtomicU32::new(0),
    });
    let worker = env
        .worker
        .clone()
        .with_clusters(ClusterDirectory::new().with_account(None, flaky));
    let (m, path) = env.text("lock adhoc", "U1");
    let event =
        |receives: u32| common::batch_of_one(&format!("sqs-{receives}"), m.to_json(), receives);
    for receives in [1, 4] {
        assert_eq!(
            worker
                .handle_batch(event(receives))
                .await
                .batch_item_failures
                .len(),
            1
        );
        assert!(env.replies(&path).is_empty(), "a retry is silent");
    }
    assert_eq!(
        worker
            .handle_batch(event(5))
            .await
            .batch_item_failures
            .len(),
        1,
        "still to the DLQ"
    );
    let told = env.reply(&path);
    assert!(
        told.contains("could not finish `lock`") && told.contains(m.id.as_str()),
        "{told}"
    );
}
