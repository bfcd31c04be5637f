//! The facts the policy asks for beyond ListClusters: steps (is it idle?)
//! and tags (is it exempt?), per account, a bounded number at a time.

use crate::Scheduler;
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::policy::{self, ClusterFacts, Need, StepFacts};
use emrbot_domain::ports::clusters::{ClusterApi, EmrError};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// How many ListSteps / DescribeCluster calls run at once.
const CONCURRENCY: usize = 16;

impl Scheduler {
    /// Fetches the steps and tags the policy asked for, per account,
    /// [`CONCURRENCY`] calls at a time.
    pub(crate) async fn fetch(
        &self,
        facts: &mut [ClusterFacts],
        needs: &[(ClusterId, Need)],
    ) -> Result<(), EmrError> {
        let wanted = |need: Need| -> BTreeSet<&ClusterId> {
            needs
                .iter()
                .filter(|(_, n)| *n == need)
                .map(|(id, _)| id)
                .collect()
        };
        let (steps_for, tags_for) = (wanted(Need::Steps), wanted(Need::Tags));
        let account_of: HashMap<ClusterId, Option<String>> = facts
            .iter()
            .map(|f| (f.cluster.id.clone(), f.cluster.account.clone()))
            .collect();

        let mut steps: HashMap<ClusterId, StepFacts> = HashMap::new();
        let ids: Vec<ClusterId> = steps_for.iter().map(|id| (*id).clone()).collect();
        for chunk in ids.chunks(CONCURRENCY) {
            let mut tasks = tokio::task::JoinSet::new();
            for id in chunk {
                let api = self.api_for(account_of.get(id).cloned().flatten().as_deref())?;
                let id = id.clone();
                tasks.spawn(async move { (id.clone(), api.list_steps(&id).await) });
            }
            while let Some(joined) = tasks.join_next().await {
                let (id, result) =
                    joined.map_err(|e| EmrError::Transient(format!("ListSteps task: {e}")))?;
                steps.insert(id, StepFacts::of(&result?));
            }
        }

        let mut tags: HashMap<ClusterId, bool> = HashMap::new();
        let mut per_account: HashMap<Option<String>, Vec<ClusterId>> = HashMap::new();
        for id in tags_for {
            per_account
                .entry(account_of.get(id).cloned().flatten())
                .or_default()
                .push(id.clone());
        }
        for (account, ids) in per_account {
            let api = self.api_for(account.as_deref())?;
            for chunk in ids.chunks(CONCURRENCY) {
                let mut tasks = tokio::task::JoinSet::new();
                for id in chunk {
                    let (api, id) = (Arc::clone(&api), id.clone());
                    tasks.spawn(async move { api.tags_of(std::slice::from_ref(&id)).await });
                }
                while let Some(joined) = tasks.join_next().await {
                    let found =
                        joined.map_err(|e| EmrError::Transient(format!("tags task: {e}")))??;
                    for (id, t) in found {
                        tags.insert(id, policy::is_exempt(&self.config.policy, &t));
                    }
                }
            }
        }

        for f in facts.iter_mut() {
            if let Some(s) = steps.remove(&f.cluster.id) {
                f.steps = Some(s);
            }
            if let Some(t) = tags.remove(&f.cluster.id) {
                f.exempt = Some(t);
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
