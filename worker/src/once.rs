//! Exactly once: a message id is claimed before the work and marked done
//! after, so SQS redeliveries and duplicate producers act once.

use crate::{Outcome, Worker};
use emrbot_domain::ports::dedup::Claim;
use std::future::Future;

/// How long one handling may hold a message id before another delivery may
/// take over (it crashed). Longer than any command takes.
pub const LEASE_SECS: i64 = 5 * 60;

impl Worker {
    /// Runs `work` at most once per `id`, however often the queue delivers it:
    /// claims the id first (a duplicate finds it done, or in progress and is
    /// retried later), marks it done after, and gives the claim up when the
    /// work asks to be retried.
    pub(crate) async fn once(&self, id: &str, work: impl Future<Output = Outcome>) -> Outcome {
        let owner = uuid::Uuid::new_v4().simple().to_string();
        match self
            .dedup
            .claim(id, &owner, self.clock.now(), LEASE_SECS)
            .await
        {
            Ok(Claim::Acquired) => {}
            Ok(Claim::Done) => {
                tracing::info!("duplicate delivery of a finished message; nothing to do");
                return Outcome::Done;
            }
            Ok(Claim::InProgress) => {
                tracing::info!(
                    "another delivery of this message is being handled; will look again later"
                );
                return Outcome::Retry;
            }
            Err(error) => {
                tracing::warn!(error = %error, "cannot record the message id, so not acting yet");
                return Outcome::Retry;
            }
        }
        let outcome = work.await;
        let recorded = match outcome {
            Outcome::Done => self.dedup.complete(id, &owner, self.clock.now()).await,
            Outcome::Retry => self.dedup.abandon(id, &owner).await,
        };
        if let Err(error) = recorded {
            // Done but not marked: a redelivery after the lease finds the
            // effect (launches by their request tag). Retry not released: the
            // retry waits for the lease.
            tracing::error!(error = %error, ?outcome, "could not record the outcome of the claim");
        }
        outcome
    }
}
