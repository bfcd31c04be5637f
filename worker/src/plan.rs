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

/// Which descriptions a plan reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Describe {
    /// Of every cluster due to be terminated (`plan`, the Home tab).
    Due,
    /// None: the caller reads those it shows.
    None,
}

/// How many clusters are described at once: EMR's API rate is low, and a
/// fleet of a thousand must not be asked all at one instant.
const DESCRIBE_CONCURRENCY: usize = 16;

/// Every active cluster with its fate, as `plan` and the App Home show them.
pub(crate) struct Planned {
    pub now: chrono::DateTime<chrono::Utc>,
    pub facts: Vec<ClusterFacts>,
    pub fates: Vec<Fate>,
    /// The descriptions of the clusters due to be terminated (read for
    /// their termination protection), when asked for: `status` reads only
    /// those of its page.
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
        let planned = self.planned(Describe::Due).await?;
        Ok(render::plan(
            &planned.views(),
            &planned.unreachable,
            &self.config.policy,
            planned.now,
            self.config.timezone,
        ))
    }

    /// The fates of every active cluster, now.
    pub(crate) async fn planned(&self, describe: Describe) -> Result<Planned, CommandError> {
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
        let details = match describe {
            Describe::Due => self.describe_due(&gathered.facts, &fates).await,
            Describe::None => HashMap::new(),
        };
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
        // Each is kept as soon as it is read, so a reply cut short by its
        // deadline still leaves the next one less to read.
        for (id, detail) in self.describe_all_keeping(missing, now).await {
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

    /// [`Self::describe_all`], each description kept as it comes; those that
    /// cannot be read are left out.
    async fn describe_all_keeping(
        &self,
        clusters: Vec<(Option<String>, ClusterId)>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Vec<(ClusterId, ClusterDetail)> {
        use futures_util::StreamExt;
        futures_util::stream::iter(clusters)
            .map(|(account, id)| async move {
                let detail = self.describe_one(account, &id).await?.ok()?;
                if let Err(e) = self.descriptions.put(&detail, now).await {
                    tracing::warn!(error = %e, "description not kept; it will be read again");
                }
                Some((id, detail))
            })
            .buffer_unordered(DESCRIBE_CONCURRENCY)
            .filter_map(|x| async move { x })
            .collect()
            .await
    }

    /// DescribeCluster of each (account, cluster), [`DESCRIBE_CONCURRENCY`]
    /// at a time, with what each answered; a cluster of an account not in
    /// the config is skipped.
    pub(crate) async fn describe_all(
        &self,
        clusters: Vec<(Option<String>, ClusterId)>,
    ) -> Vec<(ClusterId, Result<ClusterDetail, EmrError>)> {
        use futures_util::StreamExt;
        futures_util::stream::iter(clusters)
            .map(|(account, id)| async move {
                let described = self.describe_one(account, &id).await?;
                Some((id, described))
            })
            .buffer_unordered(DESCRIBE_CONCURRENCY)
            .filter_map(|x| async move { x })
            .collect()
            .await
    }

    /// DescribeCluster of one; `None` for an account not in the config.
    async fn describe_one(
        &self,
        account: Option<String>,
        id: &ClusterId,
    ) -> Option<Result<ClusterDetail, EmrError>> {
        let api = self.clusters.account(account.as_deref())?;
        // EMR's answer does not say which of emrbot's accounts it is.
        Some(api.describe(id).await.map(|mut d| {
            d.summary.account = account;
            d
        }))
    }
}
