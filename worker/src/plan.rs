//! `/emr plan`: every active cluster's fate, from the same facts the
//! scheduler reads (`emrbot_domain::facts`) and the same rules, evaluated
//! ahead (`emrbot_domain::policy::plan`).

use crate::error::CommandError;
use crate::Worker;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::emr::ClusterState;
use emrbot_domain::facts::FactReader;
use emrbot_domain::policy::plan::{fate, Fate};
use emrbot_domain::policy::{ClusterFacts, Need};
use emrbot_shared::slack::render::{self, PlanView};
use emrbot_shared::slack::SlackMessage;
use std::collections::HashSet;

/// Every active cluster with its fate, as `plan` and the App Home show them.
pub(crate) struct Planned {
    pub now: chrono::DateTime<chrono::Utc>,
    pub facts: Vec<ClusterFacts>,
    pub fates: Vec<Fate>,
    pub protected: HashSet<ClusterId>,
    /// Accounts that did not answer.
    pub unreachable: Vec<String>,
}

impl Planned {
    pub fn views(&self) -> Vec<PlanView<'_>> {
        self.facts
            .iter()
            .zip(&self.fates)
            .map(|(f, fate)| PlanView {
                cluster: &f.cluster,
                lock: f.lock.as_ref(),
                protected: self.protected.contains(&f.cluster.id),
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
        let protected = self.protected(&gathered.facts, &fates).await;
        let unreachable = gathered
            .unreachable
            .iter()
            .map(|(account, _)| account.clone().unwrap_or_else(|| "home".into()))
            .collect();
        Ok(Planned {
            now,
            facts: gathered.facts,
            fates,
            protected,
            unreachable,
        })
    }

    /// Which of the clusters due to be terminated have termination
    /// protection on (DescribeCluster each, concurrently; one that cannot be
    /// read is taken as unprotected, as the scheduler would try it).
    async fn protected(&self, facts: &[ClusterFacts], fates: &[Fate]) -> HashSet<ClusterId> {
        let mut tasks = tokio::task::JoinSet::new();
        for (f, fate) in facts.iter().zip(fates) {
            if !matches!(fate, Fate::Terminates { .. }) {
                continue;
            }
            if let Some(api) = self.clusters.account(f.cluster.account.as_deref()).cloned() {
                let id = f.cluster.id.clone();
                tasks.spawn(async move {
                    let on = api
                        .describe(&id)
                        .await
                        .is_ok_and(|d| d.termination_protected);
                    (id, on)
                });
            }
        }
        let mut out = HashSet::new();
        while let Some(Ok((id, on))) = tasks.join_next().await {
            if on {
                out.insert(id);
            }
        }
        out
    }
}
