//! `/emr plan`: every active cluster's fate, from the same facts the
//! scheduler reads (`emrbot_domain::facts`) and the same rules, evaluated
//! ahead (`emrbot_domain::policy::plan`).

use crate::error::CommandError;
use crate::Worker;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::emr::ClusterState;
use emrbot_domain::emr::{ClusterDetail, ClusterSummary};
use emrbot_domain::facts::FactReader;
use emrbot_domain::policy::plan::{fate, Fate};
use emrbot_domain::policy::{ClusterFacts, Need};
use emrbot_domain::ports::clusters::EmrError;
use emrbot_domain::ports::descriptions::DESCRIPTION_TTL;
use emrbot_shared::slack::render::{self, PlanView};
use emrbot_shared::slack::SlackMessage;
use std::collections::HashMap;

/// Every active cluster with its fate, as `plan` and the App Home show them.
pub(crate) struct Planned {
    pub now: chrono::DateTime<chrono::Utc>,
    pub facts: Vec<ClusterFacts>,
    pub fates: Vec<Fate>,
    /// DescribeCluster of the clusters due to be terminated (read for
    /// their termination protection; `status` reuses them for prices).
    pub details: HashMap<ClusterId, ClusterDetail>,
    /// Accounts that did not answer.
    pub unreachable: Vec<String>,
}

impl Planned {
    /// Termination protection is on (an unread cluster counts as off, as
    /// the scheduler would try it).
    pub fn is_protected(&self, id: &ClusterId) -> bool {
        self.details
            .get(id)
            .is_some_and(|d| d.termination_protected)
    }

    pub fn views(&self) -> Vec<PlanView<'_>> {
        self.facts
            .iter()
            .zip(&self.fates)
            .map(|(f, fate)| PlanView {
                cluster: &f.cluster,
                lock: f.lock.as_ref(),
                protected: self.is_protected(&f.cluster.id),
                fate: fate.clone(),
            })
            .collect()
    }
}

impl Worker {
    pub(crate) async fn plan(&self) -> Result<SlackMessage, CommandError> {
        let planned = self.planned().await?;
        Ok(render::plan(
            &planned.views(),
            &planned.unreachable,
            &self.config.policy,
            planned.now,
            self.config.timezone,
        ))
    }

    /// The fates of every active cluster, now.
    pub(crate) async fn planned(&self) -> Result<Planned, CommandError> {
        let now = self.clock.now();
        let policy = &self.config.policy;
        let reader = FactReader {
            clusters: &self.clusters,
            locks: self.locks.as_ref(),
            records: self.records.as_ref(),
            policy,
        };
        let mut gathered = reader.gather(now).await?;
        // Every rule may come into play ahead: all the tags, and the steps of
        // every cluster that could go idle.
        let needs: Vec<(ClusterId, Need)> = gathered
            .facts
            .iter()
            .flat_map(|f| {
                let id = f.cluster.id.clone();
                let steps =
                    (f.cluster.state == ClusterState::Waiting).then(|| (id.clone(), Need::Steps));
                [Some((id, Need::Tags)), steps].into_iter().flatten()
            })
            .collect();
        reader.fetch(&mut gathered.facts, &needs, now).await?;
        let fates: Vec<Fate> = gathered
            .facts
            .iter()
            .map(|f| fate(f, policy, self.config.timezone, now))
            .collect();
        let details = self.describe_due(&gathered.facts, &fates).await;
        let unreachable = gathered
            .unreachable
            .iter()
            .map(|(account, _)| account.clone().unwrap_or_else(|| "home".into()))
            .collect();
        Ok(Planned {
            now,
            facts: gathered.facts,
            fates,
            details,
            unreachable,
        })
    }

    /// DescribeCluster of each cluster due to be terminated, concurrently;
    /// one that cannot be read is left out.
    async fn describe_due(
        &self,
        facts: &[ClusterFacts],
        fates: &[Fate],
    ) -> HashMap<ClusterId, ClusterDetail> {
        let due = facts
            .iter()
            .zip(fates)
            .filter(|(_, fate)| matches!(fate, Fate::Terminates { .. }))
            .map(|(f, _)| &f.cluster);
        self.describe_each(due).await
    }

    /// The description of each of `clusters`: kept ones younger than
    /// [`DESCRIPTION_TTL`] from the cache (one BatchGetItem per 100), the
    /// rest from EMR, concurrently, and kept. One that cannot be read is
    /// left out. For reading only: actions describe afresh.
    pub(crate) async fn describe_each<'a>(
        &self,
        clusters: impl IntoIterator<Item = &'a ClusterSummary>,
    ) -> HashMap<ClusterId, ClusterDetail> {
        let clusters: Vec<ClusterSummary> = clusters.into_iter().cloned().collect();
        let now = self.clock.now();
        let mut found: HashMap<ClusterId, ClusterDetail> = self
            .descriptions
            .get_many(&clusters)
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "kept descriptions not read"))
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, (_, read_at))| now - *read_at < DESCRIPTION_TTL)
            .map(|(id, (detail, _))| (id, detail))
            .collect();
        let missing = clusters
            .iter()
            .filter(|c| !found.contains_key(&c.id))
            .map(|c| (c.account.clone(), c.id.clone()))
            .collect();
        for (id, detail) in self.describe_all(missing).await {
            let Ok(detail) = detail else { continue };
            if let Err(e) = self.descriptions.put(&detail, now).await {
                tracing::warn!(error = %e, "description not kept; it will be read again");
            }
            found.insert(id, detail);
        }
        found
    }

    /// The kept description of `cluster` may be wrong now (a resize, a state
    /// change): the next `status` or `plan` reads EMR.
    pub(crate) async fn forget_description(&self, cluster: &ClusterId) {
        if let Err(e) = self.descriptions.forget(cluster).await {
            tracing::warn!(cluster = %cluster, error = %e, "kept description not forgotten; it lasts an hour at most");
        }
    }

    /// DescribeCluster of each (account, cluster), concurrently, with what
    /// each answered; a cluster of an account not in the config is skipped.
    pub(crate) async fn describe_all(
        &self,
        clusters: Vec<(Option<String>, ClusterId)>,
    ) -> Vec<(ClusterId, Result<ClusterDetail, EmrError>)> {
        let mut tasks = tokio::task::JoinSet::new();
        for (account, id) in clusters {
            if let Some(api) = self.clusters.account(account.as_deref()).cloned() {
                tasks.spawn(async move {
                    // EMR's answer does not say which of emrbot's accounts it is.
                    let described = api.describe(&id).await.map(|mut d| {
                        d.summary.account = account;
                        d
                    });
                    (id, described)
                });
            }
        }
        let mut out = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            out.extend(joined.ok());
        }
        out
    }
}
