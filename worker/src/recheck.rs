//! The scheduler's terminations, re-checked when the worker is about to act
//! (the rules: `emrbot_domain::policy::recheck`): the cluster, its steps,
//! its lock, its last unlock and its exempt tag, read again now.

use crate::error::CommandError;
use crate::Worker;
use chrono::{DateTime, Utc};
use emrbot_domain::emr::ClusterSummary;
use emrbot_domain::policy::recheck::{recheck, Now};
use emrbot_domain::policy::{is_exempt, Rule, StepFacts};
use emrbot_domain::ports::clusters::ClusterApi;
use emrbot_domain::refusal::Refusal;

impl Worker {
    /// `Ok` when the automatic termination decided at `decided_at` by `rule`
    /// still holds; a [`Refusal::Spared`] otherwise.
    pub(crate) async fn recheck_automatic(
        &self,
        c: &ClusterSummary,
        api: &dyn ClusterApi,
        rule: Rule,
        decided_at: DateTime<Utc>,
    ) -> Result<(), CommandError> {
        let (detail, steps, lock, last_unlock) = tokio::try_join!(
            async { api.describe(&c.id).await.map_err(CommandError::from) },
            async { api.list_steps(&c.id).await.map_err(CommandError::from) },
            async { self.locks.get(&c.id).await.map_err(CommandError::from) },
            async {
                self.unlocks
                    .last_unlock(&c.id)
                    .await
                    .map_err(CommandError::from)
            },
        )?;
        let now = Now {
            state: detail.summary.state.clone(),
            steps: StepFacts::of(&steps),
            lock,
            last_unlock,
            exempt: is_exempt(&self.config.policy, &detail.tags),
        };
        let grace = self.config.policy.unlocked_grace.to_chrono();
        recheck(rule, decided_at, self.clock.now(), grace, &now).map_err(|why| {
            tracing::info!(cluster = %c.id, ?why, "automatic termination spared");
            CommandError::Refused(Refusal::Spared {
                name: c.name.clone(),
                id: c.id.clone(),
                rule,
                why,
            })
        })
    }
}
