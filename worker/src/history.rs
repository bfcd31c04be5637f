//! `history [cluster] [since <duration>]`: the audit log, newest first.

use crate::error::CommandError;
use crate::Worker;
use emrbot_domain::audit::AuditEntry;
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::duration::HumanDuration;
use emrbot_shared::slack::render;
use emrbot_shared::slack::SlackMessage;

/// How far back `history` looks unless told.
const DEFAULT_SINCE: chrono::Duration = chrono::Duration::hours(24);
/// Entries read per cluster (the newest).
const PER_CLUSTER: i32 = 100;

impl Worker {
    pub(crate) async fn history(
        &self,
        cluster: Option<&ClusterRef>,
        since: Option<HumanDuration>,
    ) -> Result<SlackMessage, CommandError> {
        let now = self.clock.now();
        let from = now - since.map_or(DEFAULT_SINCE, HumanDuration::to_chrono);
        let (what, ids) = match cluster {
            // An id names an ended cluster too; a name is looked up among the active.
            Some(reference) => match reference.as_id() {
                Some(id) => (format!("`{id}`"), vec![id]),
                None => {
                    let (c, _) = self.resolve(reference).await?;
                    (
                        format!(
                            "*{}* `{}`",
                            emrbot_shared::slack::blocks::escape(&c.name),
                            c.id
                        ),
                        vec![c.id],
                    )
                }
            },
            None => {
                let active = self.clusters.list_active().await?;
                (
                    format!("the {} active clusters", active.len()),
                    active.into_iter().map(|c| c.id).collect(),
                )
            }
        };
        let mut reads = tokio::task::JoinSet::new();
        for id in ids {
            let audit = self.audit.clone();
            reads.spawn(async move { audit.recent(&id, PER_CLUSTER).await });
        }
        let mut entries: Vec<AuditEntry> = Vec::new();
        while let Some(read) = reads.join_next().await {
            let read = read.map_err(|e| {
                emrbot_domain::ports::StoreError::Transient(format!("history read: {e}"))
            })?;
            entries.extend(read?.into_iter().filter(|e| e.at >= from));
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        Ok(render::history(
            &what,
            &entries,
            from,
            &self.config.slack.command,
            self.config.timezone,
        ))
    }
}
