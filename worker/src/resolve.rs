//! From what a user typed to one active cluster and the API of its account.

use crate::error::CommandError;
use crate::Worker;
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::emr::ClusterSummary;
use emrbot_domain::ports::clusters::{ClusterApi, ClusterDirectory, Resolved};
use emrbot_domain::refusal::Refusal;
use std::sync::Arc;

impl Worker {
    /// Finds the active cluster a user meant, and the API of its account.
    pub async fn resolve(
        &self,
        reference: &ClusterRef,
    ) -> Result<(ClusterSummary, Arc<dyn ClusterApi>), CommandError> {
        let clusters = self.clusters.list_active().await?;
        let summary = match ClusterDirectory::resolve(&clusters, reference) {
            Resolved::One(c) => c,
            Resolved::NotFound => {
                return Err(Refusal::NoSuchCluster {
                    reference: reference.to_string(),
                }
                .into())
            }
            Resolved::Ambiguous(candidates) => {
                return Err(Refusal::Ambiguous {
                    reference: reference.to_string(),
                    candidates: candidates.into_iter().map(|c| (c.name, c.id)).collect(),
                }
                .into())
            }
        };
        let api = self.api_of(summary.account.as_deref())?;
        Ok((summary, api))
    }

    /// The API of an account (`None`: the bot's own).
    pub(crate) fn api_of(&self, account: Option<&str>) -> Result<Arc<dyn ClusterApi>, Refusal> {
        self.clusters
            .account(account)
            .cloned()
            .ok_or_else(|| Refusal::AccountNotConfigured {
                account: account.unwrap_or("home").to_string(),
            })
    }
}
