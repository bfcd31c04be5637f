//! `status`, `status <cluster>` and `help`: read only.

use crate::error::CommandError;
use crate::Worker;
use emrbot_domain::cluster::{ClusterId, ClusterRef};
use emrbot_domain::duration::HumanDuration;
use emrbot_domain::emr::{idle_since, idle_since_of, ClusterState, TAG_PRESET};
use emrbot_domain::message::Requester;
use emrbot_domain::policy::plan::Fate;
use emrbot_domain::policy::StepFacts;
use emrbot_shared::slack::render::{self, ClusterView, DetailExtras};
use emrbot_shared::slack::SlackMessage;
use std::collections::HashMap;

impl Worker {
    pub(crate) fn help(&self, requester: &Requester) -> SlackMessage {
        let permissions = &self.config.permissions;
        SlackMessage::plain(render::help_text(
            &self.config.slack.command,
            &permissions.allowed_actions(requester),
            permissions.is_admin(requester),
        ))
    }

    /// Page `page` of every active cluster (see [`render::status_list`]).
    /// The clusters, their locks and fates come from `plan`'s reading; if
    /// that fails, the list is read alone and shows without fates.
    pub(crate) async fn status_all(&self, page: u32) -> Result<SlackMessage, CommandError> {
        let planned = self
            .planned(crate::plan::Describe::None)
            .await
            .inspect_err(|error| tracing::warn!(error = %error, "status without the plan's line"))
            .ok();
        let (mut clusters, locks) = match &planned {
            Some(p) => (
                p.facts.iter().map(|f| f.cluster.clone()).collect(),
                p.facts
                    .iter()
                    .filter_map(|f| Some((f.cluster.id.clone(), f.lock.clone()?)))
                    .collect(),
            ),
            None => {
                let clusters = self.clusters.list_active().await?;
                let ids: Vec<_> = clusters.iter().map(|c| c.id.clone()).collect();
                let locks = self.locks.get_many(&ids).await?;
                (clusters, locks)
            }
        };
        // A stable order, so the pages of a list hold together.
        clusters.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        let pages = render::StatusPages::of(clusters.len(), page);
        let shown = &clusters[pages.range()];
        // Idle time: from the steps the plan read; a waiting cluster it has
        // no steps for (no plan) is asked, and a failure leaves it blank.
        let known_steps: HashMap<&ClusterId, &StepFacts> = planned
            .iter()
            .flat_map(|p| &p.facts)
            .filter_map(|f| Some((&f.cluster.id, f.steps.as_ref()?)))
            .collect();
        let mut idle = HashMap::new();
        let mut tasks = tokio::task::JoinSet::new();
        for c in shown.iter().filter(|c| c.state == ClusterState::Waiting) {
            if let Some(steps) = known_steps.get(&c.id) {
                idle.insert(
                    c.id.clone(),
                    idle_since_of(c, steps.pending_or_running, steps.last_end),
                );
            } else if let Some(api) = self.clusters.account(c.account.as_deref()).cloned() {
                let c = c.clone();
                tasks.spawn(async move {
                    let steps = api.list_steps(&c.id).await.ok();
                    (c.id.clone(), steps.and_then(|s| idle_since(&c, &s)))
                });
            }
        }
        // Capacity (for cost) and termination protection (for the fate), of
        // the page's clusters only: a thousand clusters cost no more calls.
        let shown_refs: Vec<_> = shown.iter().collect();
        let (described, records) = tokio::join!(
            self.describe_each(shown.iter()),
            self.instance_records(&shown_refs)
        );
        while let Some(Ok((id, since))) = tasks.join_next().await {
            idle.insert(id, since);
        }
        let details: HashMap<&ClusterId, _> = described.iter().collect();
        let costs = self.costs(&shown_refs, &details, &records).await;
        let fates: HashMap<&ClusterId, (&Fate, bool)> = planned
            .iter()
            .flat_map(|p| {
                p.facts.iter().zip(&p.fates).map(|(f, fate)| {
                    let id = &f.cluster.id;
                    let protected = details.get(id).is_some_and(|d| d.termination_protected);
                    (id, (fate, protected))
                })
            })
            .collect();
        let rate = self.config.policy.cost_per_normalized_instance_hour;
        let views: Vec<ClusterView<'_>> = shown
            .iter()
            .map(|c| ClusterView {
                cluster: c,
                lock: locks.get(&c.id),
                idle_since: idle.get(&c.id).copied().flatten(),
                cost_per_hour: rate,
                fate: fates.get(&c.id).map(|(fate, _)| (*fate).clone()),
                protected: fates.get(&c.id).is_some_and(|(_, protected)| *protected),
                rate: costs.rates.get(&c.id).cloned(),
                spent: costs.spent.get(&c.id).cloned(),
            })
            .collect();
        Ok(render::status_list(
            &views,
            &pages,
            &self.config.policy,
            self.clock.now(),
            self.config.timezone,
        ))
    }

    pub(crate) async fn status_one(
        &self,
        reference: &ClusterRef,
    ) -> Result<SlackMessage, CommandError> {
        let (summary, api) = self.resolve(reference).await?;
        let mut detail = api.describe(&summary.id).await?;
        detail.summary.account = summary.account.clone();
        if detail.auto_terminate_idle.is_none() {
            // EMR's policy as the preset set it at launch (the emulator cannot read it back).
            detail.auto_terminate_idle = detail
                .tags
                .get(TAG_PRESET)
                .and_then(|p| self.config.presets.get(p))
                .and_then(|p| p.idle_timeout)
                .map(HumanDuration::to_chrono);
        }
        let (steps, records) =
            tokio::join!(api.list_steps(&summary.id), api.list_instances(&summary.id));
        let steps = steps.unwrap_or_default();
        let records = records
            .inspect_err(|e| tracing::warn!(error = %e, "instance records not read"))
            .ok();
        let records: HashMap<ClusterId, _> = records
            .map(|r| (summary.id.clone(), r))
            .into_iter()
            .collect();
        let mut costs = self
            .costs(&[&summary], &[(&summary.id, &detail)].into(), &records)
            .await;
        let lock = self.locks.get(&summary.id).await?;
        let history = self
            .audit
            .recent(&summary.id, 10)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "audit history unavailable");
                Vec::new()
            });
        let extras = DetailExtras {
            lock: lock.as_ref(),
            steps: &steps,
            idle_since: idle_since(&detail.summary, &steps),
            history: &history,
            cost_per_hour: self.config.policy.cost_per_normalized_instance_hour,
            command: &self.config.slack.command,
            rate: costs.rates.remove(&summary.id),
            spent: costs.spent.remove(&summary.id),
        };
        Ok(render::cluster_detail(
            &detail,
            &extras,
            self.clock.now(),
            self.config.timezone,
        ))
    }
}
