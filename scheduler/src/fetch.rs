//! The facts the policy asks for beyond ListClusters, read per account for
//! many clusters at once: idleness from EMR's `IsIdle` metric (one
//! GetMetricData per 350 clusters), with ListSteps only for the clusters the
//! metric cannot answer for; the exempt tag from one GetResources.

use crate::Scheduler;
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::policy::activity::{step_facts_from_metric, METRIC_WINDOW};
use emrbot_domain::policy::{self, ClusterFacts, Need, StepFacts};
use emrbot_domain::ports::clusters::{ClusterApi, EmrError};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// How many ListSteps calls run at once.
const CONCURRENCY: usize = 16;

impl Scheduler {
    /// Fetches the steps and tags the policy asked for, account by account.
    pub(crate) async fn fetch(
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
                let tagged = api.with_tag(&self.config.policy.exempt_tag).await?;
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
                    tags.insert(self.config.policy.exempt_tag.clone(), value.clone());
                }
                f.exempt = Some(policy::is_exempt(&self.config.policy, &tags));
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
