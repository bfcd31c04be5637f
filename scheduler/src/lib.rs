//! The scheduler: turns an EventBridge scheduled event into the decisions of
//! [`emrbot_shared::policy::evaluate`] and puts one v1 command message per
//! action on the queue (`requested_by: {"kind":"scheduler","rule":…}`), so the
//! worker performs and audits every change.
//!
//! # The event
//! Any EventBridge scheduled event (`{"time": "2026-11-23T10:00:00Z",
//! "detail": {"sweep": "all"}, …}`; see tests/fixtures/events/). "Now" is its
//! `time` (the real clock when absent). `detail.sweep` picks the rules:
//! `all` (the default: everything due, a tick), `idle`, `end_of_day`,
//! `report`. A 5-minute `all` tick alone is enough: end of day and the report
//! are caught up by the first tick after their time (up to 12 hours late).
//!
//! # Nothing twice
//! Each decision has a key naming cluster, rule and deadline
//! (`term:eod:j-1:2026-11-23T10:00:00Z`); the message id is `sched:<key>`, so
//! the worker's deduplication drops a repeat, and the key is stored in the
//! cluster's `SCHED` item after sending, so a repeated or late event sends
//! nothing more.
//!
//! # Calls per sweep (N clusters, A accounts)
//! ListClusters: paginated, per account. DynamoDB: BatchGetItem for locks and
//! policy state (3 keys per cluster, 100 keys a call), BatchWriteItem for
//! bookkeeping (25 a call). ListSteps only for WAITING clusters old enough to
//! be near a deadline (or all WAITING ones for the daily report);
//! DescribeCluster (tags) only for clusters about to be warned or terminated.
//! SendMessageBatch, 10 messages a call.

use chrono::{DateTime, Utc};
use emrbot_shared::clock::Clock;
use emrbot_shared::cluster::{ClusterId, ClusterRef};
use emrbot_shared::command::Command;
use emrbot_shared::emr::{ClusterDirectory, ClusterSummary, EmrError, StepSummary};
use emrbot_shared::message::{CommandMessage, MessageId, ReplyTo, Requester};
use emrbot_shared::policy::report::{DailyReport, ReportLine};
use emrbot_shared::policy::store::{AutoAction, PolicyStore, SchedRecord, Stored, Write};
use emrbot_shared::policy::{
    self, ClusterFacts, Decision, DecisionKind, Inputs, Need, StepFacts, Sweep,
};
use emrbot_shared::store::{LockStore, StoreError};
use emrbot_shared::Config;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

pub mod outbox;

pub use outbox::{Outbox, SqsOutbox};

/// How many ListSteps / DescribeCluster calls run at once.
const CONCURRENCY: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    #[error("bad scheduled event: {0}")]
    Event(String),
    #[error(transparent)]
    Emr(#[from] EmrError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] emrbot_shared::queue::QueueError),
}

/// The parts of an EventBridge scheduled event the scheduler reads.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduledEvent {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub detail: Option<serde_json::Value>,
    /// Also accepted at the top level (EventBridge Scheduler's own input).
    #[serde(default)]
    pub sweep: Option<String>,
}

impl ScheduledEvent {
    pub fn from_json(value: serde_json::Value) -> Result<ScheduledEvent, SweepError> {
        serde_json::from_value(value).map_err(|e| SweepError::Event(e.to_string()))
    }

    pub fn sweep(&self) -> Result<Sweep, SweepError> {
        let word = self
            .detail
            .as_ref()
            .and_then(|d| d.get("sweep"))
            .and_then(|s| s.as_str())
            .or(self.sweep.as_deref())
            .unwrap_or("all");
        Sweep::parse(word).ok_or_else(|| {
            SweepError::Event(format!(
                "unknown sweep `{word}`; use all, idle, end_of_day or report"
            ))
        })
    }
}

/// What one sweep did (the Lambda's response, and `POST /events`'s).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepOutcome {
    pub now: DateTime<Utc>,
    pub sweep: String,
    pub clusters: usize,
    /// Message ids sent, in order.
    pub sent: Vec<String>,
    /// Decision keys carried out (messages, and bookkeeping-only exemptions).
    pub decisions: Vec<String>,
}

pub struct Scheduler {
    pub config: Arc<Config>,
    pub clusters: ClusterDirectory,
    pub locks: Arc<dyn LockStore>,
    pub policy: Arc<dyn PolicyStore>,
    pub outbox: Arc<dyn Outbox>,
    /// Stamps `issued_at` (the decisions use the event's time).
    pub clock: Arc<dyn Clock>,
}

fn step_facts(steps: &[StepSummary]) -> StepFacts {
    StepFacts {
        pending_or_running: steps.iter().any(StepSummary::is_pending_or_running),
        last_end: steps.iter().filter_map(|s| s.ended_at).max(),
    }
}

fn message_id(key: &str) -> MessageId {
    MessageId::parse(&format!("sched:{key}"))
        .unwrap_or_else(|_| MessageId::derived("sched", key.as_bytes()))
}

impl Scheduler {
    /// Handles one scheduled event.
    pub async fn handle(&self, event: &ScheduledEvent) -> Result<SweepOutcome, SweepError> {
        let now = event.time.unwrap_or_else(|| self.clock.now());
        let sweep = event.sweep()?;
        tracing::info!(event_id = event.id.as_deref().unwrap_or("-"), %now, sweep = sweep.as_str(), "sweep");
        self.sweep(now, sweep).await
    }

    pub async fn sweep(
        &self,
        now: DateTime<Utc>,
        sweep: Sweep,
    ) -> Result<SweepOutcome, SweepError> {
        let clusters = self.clusters.list_active().await?;
        let ids: Vec<ClusterId> = clusters.iter().map(|c| c.id.clone()).collect();
        let (locks, stored, global) = tokio::try_join!(
            self.locks.get_many(&ids),
            self.policy.load_many(&ids),
            self.policy.load_global()
        )?;

        // Notice locks that vanished since the last sweep (unlocked): the grace restarts.
        let mut records: HashMap<ClusterId, (SchedRecord, bool)> = HashMap::new();
        let mut facts: Vec<ClusterFacts> = Vec::with_capacity(clusters.len());
        for c in &clusters {
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
            let exempt = record.exempt_at(now);
            records.insert(c.id.clone(), (record, changed));
            facts.push(ClusterFacts {
                cluster: c.clone(),
                steps: None,
                exempt,
                lock,
                state,
            });
        }

        let inputs = Inputs {
            policy: &self.config.policy,
            tz: self.config.timezone,
            now,
            sweep,
            global_done: &global.done,
        };
        let mut evaluation = policy::evaluate(&facts, &inputs);
        for _ in 0..3 {
            if evaluation.needs.is_empty() {
                break;
            }
            self.fetch(&mut facts, &evaluation.needs).await?;
            // Remember the tags read, so the next sweeps need not read them again.
            for (id, need) in &evaluation.needs {
                let exempt = facts
                    .iter()
                    .find(|f| &f.cluster.id == id)
                    .and_then(|f| f.exempt);
                if let (Need::Tags, Some(exempt), Some((record, changed))) =
                    (need, exempt, records.get_mut(id))
                {
                    record.exempt = Some((exempt, now));
                    *changed = true;
                }
            }
            evaluation = policy::evaluate(&facts, &inputs);
        }
        if !evaluation.needs.is_empty() {
            tracing::warn!(
                needs = evaluation.needs.len(),
                "facts still missing after fetching; those clusters wait"
            );
        }

        let by_id: HashMap<&ClusterId, &ClusterFacts> =
            facts.iter().map(|f| (&f.cluster.id, f)).collect();
        let mut messages = Vec::new();
        let mut autos = Vec::new();
        let mut carried = Vec::new();
        let mut global_record = global.clone();
        let mut global_changed = false;
        for decision in &evaluation.decisions {
            let f = decision
                .cluster
                .as_ref()
                .and_then(|id| by_id.get(id))
                .copied();
            if let Some(message) = self
                .message_for(decision, f, &facts, now, &mut autos)
                .await?
            {
                messages.push(message);
            }
            match &decision.cluster {
                Some(id) => {
                    if let Some((record, changed)) = records.get_mut(id) {
                        record.done.insert(decision.key.clone());
                        *changed = true;
                    }
                }
                None => {
                    global_record.done.insert(decision.key.clone());
                    global_changed = true;
                }
            }
            carried.push(decision.key.clone());
        }

        // Send first, then remember: a crash in between resends the same ids,
        // which the worker drops.
        self.outbox.send_all(&messages).await?;
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
        writes.extend(autos.into_iter().map(Write::Auto));
        self.policy.write(writes).await?;

        let outcome = SweepOutcome {
            now,
            sweep: sweep.as_str().into(),
            clusters: clusters.len(),
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

    /// Fetches the steps and tags the policy asked for, per account,
    /// [`CONCURRENCY`] calls at a time.
    async fn fetch(
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
                steps.insert(id, step_facts(&result?));
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
        let exempt_tag = &self.config.policy.exempt_tag;
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
                        tags.insert(
                            id,
                            t.get(exempt_tag)
                                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
                        );
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

    fn api_for(
        &self,
        account: Option<&str>,
    ) -> Result<Arc<dyn emrbot_shared::emr::ClusterApi>, EmrError> {
        self.clusters
            .account(account)
            .cloned()
            .ok_or_else(|| EmrError::Account {
                account: account.unwrap_or("home").into(),
                reason: "not configured".into(),
            })
    }

    fn reply_to(&self) -> ReplyTo {
        match &self.config.slack.report_channel {
            Some(channel) => ReplyTo::Channel {
                channel_id: channel.clone(),
                ts: None,
            },
            None => ReplyTo::None,
        }
    }

    fn message(&self, key: &str, rule: &str, command: Command) -> CommandMessage {
        CommandMessage::new(
            message_id(key),
            self.clock.now(),
            Requester::Scheduler { rule: rule.into() },
            command,
            self.reply_to(),
        )
    }

    async fn message_for(
        &self,
        decision: &Decision,
        f: Option<&ClusterFacts>,
        all: &[ClusterFacts],
        now: DateTime<Utc>,
        autos: &mut Vec<AutoAction>,
    ) -> Result<Option<CommandMessage>, SweepError> {
        let cluster_ref = |c: &ClusterSummary| {
            ClusterRef::parse(c.id.as_str()).expect("a cluster id is a valid reference")
        };
        let key = decision.key.as_str();
        let message = match (&decision.kind, f) {
            (DecisionKind::ExemptEndOfDay { .. }, _) => None,
            (DecisionKind::IdleAlert { idle_since }, Some(f)) => Some(
                self.message(
                    key,
                    "idle_alert",
                    Command::IdleAlert {
                        cluster: cluster_ref(&f.cluster),
                        since: *idle_since,
                        cluster_name: Some(f.cluster.name.clone()),
                        holder: f
                            .lock
                            .as_ref()
                            .filter(|l| l.is_active(now))
                            .map(|l| l.holder_display.clone()),
                    },
                ),
            ),
            (DecisionKind::Warn { rule, deadline }, Some(f)) => Some(self.message(
                key,
                rule.as_str(),
                Command::Warn {
                    cluster: cluster_ref(&f.cluster),
                    rule: rule.as_str().into(),
                    at: *deadline,
                    cluster_name: Some(f.cluster.name.clone()),
                },
            )),
            (DecisionKind::Terminate { rule, reason, .. }, Some(f)) => {
                autos.push(AutoAction {
                    at: now,
                    cluster: f.cluster.id.to_string(),
                    name: f.cluster.name.clone(),
                    account: f.cluster.account.clone(),
                    rule: rule.as_str().into(),
                    reason: reason.clone(),
                });
                Some(self.message(
                    key,
                    rule.as_str(),
                    Command::Terminate {
                        cluster: cluster_ref(&f.cluster),
                        confirmed: true,
                        force: false,
                        reason: Some(reason.clone()),
                    },
                ))
            }
            (DecisionKind::Report { deadline, since }, _) => {
                let terminated = self.policy.automatic_between(*since, now).await?;
                let clusters = all
                    .iter()
                    .map(|f| {
                        let lock = f.lock.as_ref().filter(|l| l.is_active(now));
                        ReportLine {
                            id: f.cluster.id.to_string(),
                            name: f.cluster.name.clone(),
                            account: f.cluster.account.clone(),
                            state: f.cluster.state.to_string(),
                            created_at: f.cluster.created_at,
                            holder: lock.map(|l| l.holder_display.clone()),
                            locked_until: lock.map(|l| l.until),
                            idle_since: policy::idle_since(f, now),
                            normalized_instance_hours: f.cluster.normalized_instance_hours,
                        }
                    })
                    .collect();
                let report = DailyReport {
                    at: now.max(*deadline),
                    since: *since,
                    clusters,
                    terminated,
                };
                Some(self.message(
                    key,
                    "daily_report",
                    Command::Report {
                        report: Box::new(report),
                    },
                ))
            }
            (_, None) => None,
        };
        Ok(message)
    }
}

/// Environment of the scheduler Lambda (PRODUCT.md §3); no Slack secrets needed.
pub struct SchedulerSettings {
    pub config: Arc<Config>,
    pub queue_url: String,
    pub table: String,
}

impl SchedulerSettings {
    pub fn from_env() -> Result<SchedulerSettings, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let config_path =
            var("EMRBOT_CONFIG").ok_or("environment variable EMRBOT_CONFIG is not set")?;
        let config = Config::load(std::path::Path::new(&config_path)).map_err(|e| e.to_string())?;
        Ok(SchedulerSettings {
            config: Arc::new(config),
            queue_url: var("EMRBOT_QUEUE_URL")
                .ok_or("environment variable EMRBOT_QUEUE_URL is not set")?,
            table: var("EMRBOT_TABLE").unwrap_or_else(|| "emrbot".into()),
        })
    }
}

/// Wires the AWS adapters (cold start; also emrbot-local).
pub fn build(
    config: Arc<Config>,
    queue_url: &str,
    table: &str,
    aws: &aws_config::SdkConfig,
) -> Scheduler {
    use emrbot_shared::accounts::directory_from_aws;
    use emrbot_shared::policy::store::DynamoPolicyStore;
    use emrbot_shared::store::DynamoLockStore;
    let dynamo = aws_sdk_dynamodb::Client::new(aws);
    let clock: Arc<dyn Clock> = Arc::new(emrbot_shared::clock::SystemClock);
    Scheduler {
        clusters: directory_from_aws(&config, aws, dynamo.clone(), table, clock.clone()),
        locks: Arc::new(DynamoLockStore::new(dynamo.clone(), table.to_string())),
        policy: Arc::new(DynamoPolicyStore::new(dynamo, table.to_string())),
        outbox: Arc::new(SqsOutbox::new(aws_sdk_sqs::Client::new(aws), queue_url)),
        clock,
        config,
    }
}
