//! From what a user typed to one cluster and the API of its account: an
//! active cluster for the commands that change one, an ended one too for
//! `history`.

use crate::error::CommandError;
use crate::Worker;
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::emr::{ClusterState, ClusterSummary};
use emrbot_domain::ports::clusters::ClusterApi;
use emrbot_domain::ports::directory::{ClusterDirectory, Resolved};
use emrbot_domain::refusal::Refusal;
use std::sync::Arc;

/// How far back EMR lists the clusters that ended (by their creation).
pub(crate) const ENDED_LISTED: chrono::Duration = chrono::Duration::days(60);
/// Audit entries read for the names of ended clusters.
const NAMES_READ: usize = 500;

/// One cluster, or the refusal that says why not.
fn one(reference: &ClusterRef, resolved: Resolved) -> Result<ClusterSummary, Refusal> {
    match resolved {
        Resolved::One(c) => Ok(c),
        Resolved::NotFound => Err(Refusal::NoSuchCluster {
            reference: reference.to_string(),
        }),
        Resolved::Ambiguous(candidates) => Err(Refusal::Ambiguous {
            reference: reference.to_string(),
            candidates: candidates.into_iter().map(|c| (c.name, c.id)).collect(),
        }),
    }
}

impl Worker {
    /// Finds the active cluster a user meant, and the API of its account.
    pub async fn resolve(
        &self,
        reference: &ClusterRef,
    ) -> Result<(ClusterSummary, Arc<dyn ClusterApi>), CommandError> {
        let clusters = self.clusters.list_active().await?;
        let summary = one(reference, ClusterDirectory::resolve(&clusters, reference))?;
        let api = self.api_of(summary.account.as_deref())?;
        Ok((summary, api))
    }

    /// Finds the cluster a user meant among the active clusters first and,
    /// if none matches, among those that ended: the ones EMR still lists
    /// (created in the last two months) and the ones the audit log names
    /// since `since` (its entries keep the cluster's name).
    pub(crate) async fn resolve_ever(
        &self,
        reference: &ClusterRef,
        since: DateTime<Utc>,
    ) -> Result<ClusterSummary, CommandError> {
        let active = self.clusters.list_active().await?;
        match ClusterDirectory::resolve(&active, reference) {
            Resolved::NotFound => {}
            resolved => return Ok(one(reference, resolved)?),
        }
        let now = self.clock.now();
        let (listed, logged) = tokio::join!(
            self.clusters.list_ended(now - ENDED_LISTED),
            self.audit.since(since, now, NAMES_READ)
        );
        let mut ended = listed?;
        for e in logged? {
            let (Some(id), Some(name)) = (e.cluster, e.name) else {
                continue;
            };
            let known = |c: &ClusterSummary| c.id == id;
            if active.iter().any(known) || ended.iter().any(known) {
                continue;
            }
            ended.push(ClusterSummary {
                id,
                name,
                state: ClusterState::Terminated,
                account: e.account,
                created_at: None,
                ready_at: None,
                ended_at: None,
                normalized_instance_hours: None,
                state_reason: None,
            });
        }
        Ok(one(
            reference,
            ClusterDirectory::resolve(&ended, reference),
        )?)
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
