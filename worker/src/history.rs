//! `history [cluster] [since <duration>]`: the audit log, newest first. A
//! cluster is found by name even once it has ended; without one, the log of
//! every cluster is read day by day (the table's day index).

use crate::error::CommandError;
use crate::Worker;
use emrbot_domain::audit::AuditEntry;
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::duration::HumanDuration;
use emrbot_shared::slack::render::{self, history::History, history::HistoryOf};
use emrbot_shared::slack::SlackMessage;

/// How far back `history` looks unless told.
const DEFAULT_SINCE: chrono::Duration = chrono::Duration::hours(24);
/// Entries read per cluster (the newest).
const PER_CLUSTER: i32 = 100;
/// Entries `history` without a cluster reads at most (the newest).
const EVERY_CLUSTER: usize = 200;

impl Worker {
    pub(crate) async fn history(
        &self,
        cluster: Option<&ClusterRef>,
        since: Option<HumanDuration>,
    ) -> Result<SlackMessage, CommandError> {
        let now = self.clock.now();
        let from = now - since.map_or(DEFAULT_SINCE, HumanDuration::to_chrono);
        let (slash, tz) = (&self.config.slack.command, self.config.timezone);
        let Some(reference) = cluster else {
            let read = self.audit.since(from, now, EVERY_CLUSTER).await?;
            let more = read.len() >= EVERY_CLUSTER;
            let entries: Vec<AuditEntry> = read.into_iter().filter(|e| !only_looked(e)).collect();
            let view = History {
                of: HistoryOf::Every,
                more,
                entries: &entries,
                since: from,
            };
            return Ok(render::history(&view, slash, tz));
        };
        // An id names an ended cluster too; a name is looked up among the
        // active clusters, then among the ended.
        let (id, name) = match reference.as_id() {
            Some(id) => (id, None),
            None => {
                let c = self.resolve_ever(reference, from).await?;
                (c.id, Some(c.name))
            }
        };
        let mut entries: Vec<AuditEntry> = self
            .audit
            .recent(&id, PER_CLUSTER)
            .await?
            .into_iter()
            .filter(|e| e.at >= from)
            .collect();
        entries.sort_by_key(|e| std::cmp::Reverse(e.at));
        let name = name.or_else(|| entries.iter().find_map(|e| e.name.clone()));
        let view = History {
            of: HistoryOf::Cluster {
                id: &id,
                name: name.as_deref(),
            },
            more: false,
            entries: &entries,
            since: from,
        };
        Ok(render::history(&view, slash, tz))
    }
}

/// Someone only looked (`history`, `plan`, the Home tab): no news in the
/// history of every cluster. A refused look is kept.
fn only_looked(e: &AuditEntry) -> bool {
    e.outcome == "ok"
        && matches!(
            e.action.as_str(),
            "history" | "plan" | "status" | "help" | "cost"
        )
}
