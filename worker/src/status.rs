//! `status`, `status <cluster>` and `help`: read only.

use crate::error::CommandError;
use crate::Worker;
use emrbot_domain::cluster::{ClusterId, ClusterRef};
use emrbot_domain::duration::HumanDuration;
use emrbot_domain::emr::{idle_since, ClusterState, TAG_PRESET};
use emrbot_domain::message::Requester;
use emrbot_domain::policy::plan::Fate;
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
    pub(crate) async fn status_all(&self, page: u32) -> Result<SlackMessage, CommandError> {
        let mut clusters = self.clusters.list_active().await?;
        // A stable order, so the pages of a list hold together.
        clusters.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        let pages = render::StatusPages::of(clusters.len(), page);
        let shown = &clusters[pages.range()];
        let ids: Vec<_> = shown.iter().map(|c| c.id.clone()).collect();
        let locks = self.locks.get_many(&ids).await?;
        // Idle time needs each waiting cluster's steps (this page's only);
        // asked concurrently, and a failure only leaves that idle time blank.
        let mut tasks = tokio::task::JoinSet::new();
        for c in shown.iter().filter(|c| c.state == ClusterState::Waiting) {
            if let Some(api) = self.clusters.account(c.account.as_deref()).cloned() {
                let c = c.clone();
                tasks.spawn(async move {
                    let steps = api.list_steps(&c.id).await.ok();
                    (c.id.clone(), steps.and_then(|s| idle_since(&c, &s)))
                });
            }
        }
        // Each cluster's capacity, for its cost from instance prices.
        let mut described = tokio::task::JoinSet::new();
        for c in shown {
            if let Some(api) = self.clusters.account(c.account.as_deref()).cloned() {
                let id = c.id.clone();
                described.spawn(async move { (id.clone(), api.describe(&id).await.ok()) });
            }
        }
        let mut idle = HashMap::new();
        while let Some(Ok((id, since))) = tasks.join_next().await {
            idle.insert(id, since);
        }
        let mut rates = HashMap::new();
        while let Some(Ok((id, detail))) = described.join_next().await {
            if let Some(detail) = detail {
                rates.insert(id, self.config.prices.hourly(&detail.groups));
            }
        }
        // Each cluster's fate, as `plan` tells it; without it the list still shows.
        let fates: HashMap<ClusterId, (Fate, bool)> = match self.planned().await {
            Ok(planned) => planned
                .facts
                .iter()
                .zip(planned.fates)
                .map(|(f, fate)| {
                    let protected = planned.protected.contains(&f.cluster.id);
                    (f.cluster.id.clone(), (fate, protected))
                })
                .collect(),
            Err(error) => {
                tracing::warn!(error = %error, "status without the plan's line");
                HashMap::new()
            }
        };
        let rate = self.config.policy.cost_per_normalized_instance_hour;
        let views: Vec<ClusterView<'_>> = shown
            .iter()
            .map(|c| ClusterView {
                cluster: c,
                lock: locks.get(&c.id),
                idle_since: idle.get(&c.id).copied().flatten(),
                cost_per_hour: rate,
                fate: fates.get(&c.id).map(|(f, _)| f.clone()),
                protected: fates.get(&c.id).is_some_and(|(_, p)| *p),
                rate: rates.get(&c.id).cloned(),
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
        let steps = api.list_steps(&summary.id).await.unwrap_or_default();
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
            rate: Some(self.config.prices.hourly(&detail.groups)),
        };
        Ok(render::cluster_detail(
            &detail,
            &extras,
            self.clock.now(),
            self.config.timezone,
        ))
    }
}
