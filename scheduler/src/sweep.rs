//! One sweep: gather clusters, locks and policy records; evaluate the
//! policies (fetching steps and tags only where a decision needs them; both
//! in `emrbot_domain::facts`); send one message per decision; remember what
//! was done.

use crate::{Scheduler, SweepError, SweepOutcome};
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterId;
use emrbot_domain::facts::Gathered;
use emrbot_domain::policy::state::{SchedRecord, Write};
use emrbot_domain::policy::{ClusterFacts, DecisionKind, Inputs, Sweep};
use std::collections::HashMap;

impl Scheduler {
    pub async fn sweep(
        &self,
        now: DateTime<Utc>,
        sweep: Sweep,
    ) -> Result<SweepOutcome, SweepError> {
        let reader = self.facts();
        let (gathered, global) = tokio::try_join!(
            async { reader.gather(now).await.map_err(SweepError::from) },
            async { self.policy.load_global().await.map_err(SweepError::from) }
        )?;
        let Gathered {
            mut facts,
            mut records,
            unreachable,
        } = gathered;
        let inputs = Inputs {
            policy: &self.config.policy,
            tz: self.config.timezone,
            now,
            sweep,
            global_done: &global.done,
        };
        let evaluation = reader.evaluate(&mut facts, &inputs).await?;

        let by_id: HashMap<&ClusterId, &ClusterFacts> =
            facts.iter().map(|f| (&f.cluster.id, f)).collect();
        let mut messages = Vec::new();
        let mut records_for_reports = Vec::new();
        let mut carried = Vec::new();
        let mut global_record = global.clone();
        let mut global_changed = false;
        for (account, notice) in self.account_notices(&unreachable, &global.unreachable, now) {
            match &notice.command {
                emrbot_domain::command::Command::AccountNotice {
                    problem: Some(p), ..
                } => global_record.unreachable.insert(account, p.clone()),
                _ => global_record.unreachable.remove(&account),
            };
            carried.push(notice.id.to_string());
            messages.push(notice);
            global_changed = true;
        }
        for decision in &evaluation.decisions {
            let f = decision
                .cluster
                .as_ref()
                .and_then(|id| by_id.get(id))
                .copied();
            if let Some(message) = self
                .message_for(decision, f, &facts, now, &mut records_for_reports)
                .await?
            {
                messages.push(message);
            }
            match &decision.cluster {
                Some(id) => {
                    if let Some((record, changed)) = records.get_mut(id) {
                        record.done.insert(decision.key.clone());
                        if matches!(decision.kind, DecisionKind::Warn { .. }) {
                            record.warned.insert(decision.key.clone(), now);
                        }
                        *changed = true;
                    }
                }
                None => {
                    global_record.done.insert(decision.key.clone());
                    global_changed = true;
                }
            }
            carried.push(decision.key.to_string());
        }

        // Send first, then remember: a crash in between resends the same ids,
        // which the worker drops.
        self.queue.send_all(&messages).await?;
        let mut writes: Vec<Write> = records
            .into_iter()
            .filter(|(_, (_, changed))| *changed)
            .map(|(id, (record, _))| Write::Sched {
                cluster: Some(id),
                record,
                now,
            })
            .collect();
        if global_changed {
            writes.push(Write::Sched {
                cluster: None,
                record: global_record,
                now,
            });
        }
        writes.extend(records_for_reports);
        self.remember(writes).await?;

        let outcome = SweepOutcome {
            now,
            sweep: sweep.as_str().into(),
            clusters: facts.len(),
            sent: messages.iter().map(|m| m.id.to_string()).collect(),
            decisions: carried,
        };
        tracing::info!(
            clusters = outcome.clusters,
            sent = outcome.sent.len(),
            "sweep done"
        );
        Ok(outcome)
    }

    /// Writes the sweep's records. One that another sweep stored meanwhile
    /// (an overlapping or duplicate run) is merged into the stored one and
    /// written again, so neither sweep's bookkeeping is lost.
    async fn remember(&self, writes: Vec<Write>) -> Result<(), SweepError> {
        let mut ours: HashMap<Option<ClusterId>, (SchedRecord, DateTime<Utc>)> = writes
            .iter()
            .filter_map(|w| match w {
                Write::Sched {
                    cluster,
                    record,
                    now,
                } => Some((cluster.clone(), (record.clone(), *now))),
                Write::Auto(_) | Write::Kept(_) => None,
            })
            .collect();
        let mut conflicts = self.policy.write(writes).await?;
        for _ in 0..MERGE_ROUNDS {
            if conflicts.is_empty() {
                return Ok(());
            }
            tracing::info!(
                records = conflicts.len(),
                "another sweep wrote first; merging"
            );
            let clusters: Vec<ClusterId> = conflicts.iter().flatten().cloned().collect();
            let mut stored = self.policy.load_many(&clusters).await?;
            let global = if conflicts.contains(&None) {
                Some(self.policy.load_global().await?)
            } else {
                None
            };
            let mut again = Vec::new();
            for who in conflicts {
                let Some((record, now)) = ours.remove(&who) else {
                    continue;
                };
                let theirs = match &who {
                    Some(id) => stored.remove(id).unwrap_or_default().sched,
                    None => global.clone().unwrap_or_default(),
                };
                let merged = record.merged_into(theirs);
                ours.insert(who.clone(), (merged.clone(), now));
                again.push(Write::Sched {
                    cluster: who,
                    record: merged,
                    now,
                });
            }
            conflicts = self.policy.write(again).await?;
        }
        // Still contended: the next sweep decides again; its messages carry
        // the same ids, which the worker drops.
        tracing::warn!(
            records = conflicts.len(),
            "sweep records not written: still contended"
        );
        Ok(())
    }
}

/// How many times a contended record is merged and written again.
const MERGE_ROUNDS: usize = 3;
