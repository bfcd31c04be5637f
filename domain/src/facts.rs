//! The facts the policies decide on, read through the ports: the clusters of
//! every account, their locks and policy records, and (only where a decision
//! needs them) idleness and the exempt tag. The scheduler's sweep acts on
//! them; `/emr plan` predicts from them: one reading, so the two agree.
//!
//! Idleness comes from EMR's `IsIdle` metric (one GetMetricData per 350
//! clusters), with ListSteps only for the clusters the metric cannot answer
//! for; the exempt tag from one GetResources per account.

use crate::cluster::ClusterId;
use crate::config::PolicyConfig;
use crate::policy::activity::{step_facts_from_metric, METRIC_WINDOW};
use crate::policy::state::{SchedRecord, Stored};
use crate::policy::{evaluate, is_exempt, ClusterFacts, Evaluation, Inputs, Need, StepFacts};
use crate::ports::clusters::{ClusterApi, EmrError};
use crate::ports::directory::ClusterDirectory;
use crate::ports::locks::LockStore;
use crate::ports::policy::PolicyRecords;
use crate::ports::StoreError;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How many ListSteps calls run at once.
const CONCURRENCY: usize = 16;
/// Fetch-and-evaluate rounds before the clusters still missing facts wait.
const ROUNDS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error(transparent)]
    Emr(#[from] EmrError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the facts come from.
pub struct FactReader<'a> {
    pub clusters: &'a ClusterDirectory,
    pub locks: &'a dyn LockStore,
    pub records: &'a dyn PolicyRecords,
    pub policy: &'a PolicyConfig,
}

/// What was read at `now`.
pub struct Gathered {
    /// Every active cluster, steps and tags not yet fetched.
    pub facts: Vec<ClusterFacts>,
    /// Each cluster's `SCHED` record updated with what was noticed now (a
    /// lock gone since the last reading: the grace period restarts), and
    /// whether that changed it.
    pub records: HashMap<ClusterId, (SchedRecord, bool)>,
    /// Accounts that did not answer (the others were read).
    pub unreachable: Vec<(Option<String>, EmrError)>,
}

impl FactReader<'_> {
    /// Reads clusters, locks and the clusters' records (not the scheduler's
    /// own, which only the sweep reads); fails only if no account answered.
    pub async fn gather(&self, now: DateTime<Utc>) -> Result<Gathered, FactsError> {
        let (clusters, unreachable) = self.clusters.list_active_each().await;
        if !unreachable.is_empty() && unreachable.len() == self.clusters.accounts().count() {
            return Err(unreachable.into_iter().next().expect("one").1.into());
        }
        let ids: Vec<ClusterId> = clusters.iter().map(|c| c.id.clone()).collect();
        let (locks, stored) =
            tokio::try_join!(self.locks.get_many(&ids), self.records.load_many(&ids))?;
        let mut records = HashMap::new();
        let mut facts = Vec::with_capacity(clusters.len());
        for c in clusters {
            let stored = stored.get(&c.id).cloned().unwrap_or_else(Stored::default);
            let lock = locks.get(&c.id).cloned();
            let mut record = stored.sched.clone();
            let seen = lock.as_ref().map(|l| l.until);
            if let (Some(before), None) = (record.lock_until, seen) {
                record.unlock_seen = record.unlock_seen.max(Some(before.min(now)));
            }
            record.lock_until = seen;
            let changed = record != stored.sched;
            let mut state = stored.state();
            state.last_unlock = state.last_unlock.max(record.unlock_seen);
            records.insert(c.id.clone(), (record, changed));
            facts.push(ClusterFacts {
                cluster: c,
                steps: None,
                exempt: None,
                lock,
                state,
            });
        }
        Ok(Gathered {
            facts,
            records,
            unreachable,
        })
    }

    /// Evaluates the policies on `facts`, fetching what the decisions need
    /// first (a few rounds; clusters still missing facts wait for the next).
    pub async fn evaluate(
        &self,
        facts: &mut [ClusterFacts],
        inputs: &Inputs<'_>,
    ) -> Result<Evaluation, EmrError> {
        let mut evaluation = evaluate(facts, inputs);
        for _ in 0..ROUNDS {
            if evaluation.needs.is_empty() {
                break;
            }
            self.fetch(facts, &evaluation.needs, inputs.now).await?;
            evaluation = evaluate(facts, inputs);
        }
        if !evaluation.needs.is_empty() {
            tracing::warn!(
                needs = evaluation.needs.len(),
                "facts still missing after fetching; those clusters wait"
            );
        }
        Ok(evaluation)
    }

    /// Fetches `needs`, account by account.
    pub async fn fetch(
        &self,
        facts: &mut [ClusterFacts],
        needs: &[(ClusterId, Need)],
        now: DateTime<Utc>,
    ) -> Result<(), EmrError> {
        // Account → (clusters needing steps, any needing tags).
        let account_of: HashMap<&ClusterId, Option<String>> = facts
            .iter()
            .map(|f| (&f.cluster.id, f.cluster.account.clone()))
            .collect();
        let ready_at: HashMap<&ClusterId, _> = facts
            .iter()
            .filter_map(|f| Some((&f.cluster.id, f.cluster.ready_at.or(f.cluster.created_at)?)))
            .collect();
        let mut per_account: BTreeMap<Option<String>, (Vec<ClusterId>, bool)> = BTreeMap::new();
        for (id, need) in needs {
            let entry = per_account
                .entry(account_of.get(id).cloned().flatten())
                .or_default();
            match need {
                Need::Steps => entry.0.push(id.clone()),
                Need::Tags => entry.1 = true,
            }
        }

        let mut steps: HashMap<ClusterId, StepFacts> = HashMap::new();
        let mut exempt: HashMap<Option<String>, HashMap<ClusterId, String>> = HashMap::new();
        for (account, (wanted, tags)) in per_account {
            let api = self.api_for(account.as_deref())?;
            if tags {
                let tagged = api.with_tag(&self.policy.exempt_tag).await?;
                exempt.insert(account.clone(), tagged);
            }
            if wanted.is_empty() {
                continue;
            }
            let metric = api.idle_metric(&wanted, now - METRIC_WINDOW, now).await?;
            let mut unanswered = Vec::new();
            for id in wanted {
                let answer = metric
                    .get(&id)
                    .zip(ready_at.get(&id).copied())
                    .and_then(|(points, ready)| step_facts_from_metric(points, ready, now));
                match answer {
                    Some(s) => {
                        steps.insert(id, s);
                    }
                    None => unanswered.push(id),
                }
            }
            steps.extend(list_steps(&api, &unanswered).await?);
        }

        for f in facts.iter_mut() {
            if let Some(s) = steps.remove(&f.cluster.id) {
                f.steps = Some(s);
            }
            if let Some(tagged) = exempt.get(&f.cluster.account) {
                let mut tags = BTreeMap::new();
                if let Some(value) = tagged.get(&f.cluster.id) {
                    tags.insert(self.policy.exempt_tag.clone(), value.clone());
                }
                f.exempt = Some(is_exempt(self.policy, &tags));
            }
        }
        Ok(())
    }

    fn api_for(&self, account: Option<&str>) -> Result<Arc<dyn ClusterApi>, EmrError> {
        self.clusters
            .account(account)
            .cloned()
            .ok_or_else(|| EmrError::Account {
                account: account.unwrap_or("home").into(),
                reason: "not configured".into(),
            })
    }
}

/// ListSteps for each of `ids`, [`CONCURRENCY`] at a time.
async fn list_steps(
    api: &Arc<dyn ClusterApi>,
    ids: &[ClusterId],
) -> Result<HashMap<ClusterId, StepFacts>, EmrError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(CONCURRENCY) {
        let mut tasks = tokio::task::JoinSet::new();
        for id in chunk {
            let (api, id) = (Arc::clone(api), id.clone());
            tasks.spawn(async move { (id.clone(), api.list_steps(&id).await) });
        }
        while let Some(joined) = tasks.join_next().await {
            let (id, result) =
                joined.map_err(|e| EmrError::Transient(format!("ListSteps task: {e}")))?;
            out.insert(id, StepFacts::of(&result?));
        }
    }
    Ok(out)
}
