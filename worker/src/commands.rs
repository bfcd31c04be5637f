//! Performing one command exactly once and reporting its result.

use crate::Worker;
use emrbot_shared::cluster::{ClusterId, ClusterRef};
use emrbot_shared::command::{Action, Command};
use emrbot_shared::duration::HumanDuration;
use emrbot_shared::emr::port::Resolved;
use emrbot_shared::emr::{
    idle_since, ClusterApi, ClusterDirectory, ClusterSummary, EmrError, TAG_PRESET,
};
use emrbot_shared::message::{CommandMessage, Requester};
use emrbot_shared::policy::report;
use emrbot_shared::slack::blocks::escape;
use emrbot_shared::slack::SlackMessage;
use emrbot_shared::store::{AuditEntry, Claim, Lock, LockError, StoreError};
use emrbot_shared::view::{self, ClusterView, DetailExtras};
use std::future::Future;
use std::sync::Arc;
use tracing::Instrument;

/// How long one handling may hold a message id before another delivery may
/// take over (it crashed). Longer than any command takes.
pub const LEASE_SECS: i64 = 5 * 60;

/// What the queue should do with a message after the worker is done with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Finished (successfully or with an error the user has been told about).
    Done,
    /// Failed for a transient reason: deliver again.
    Retry,
}

/// Why a command did not succeed. `Display` is what the user reads.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("{0}")]
    User(String),
    #[error(transparent)]
    Emr(#[from] EmrError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CommandError {
    pub fn is_transient(&self) -> bool {
        match self {
            CommandError::Emr(e) => e.is_transient(),
            CommandError::Store(e) => e.is_transient(),
            CommandError::User(_) => false,
        }
    }
}

impl From<LockError> for CommandError {
    fn from(e: LockError) -> Self {
        match e {
            LockError::Store(s) => CommandError::Store(s),
            LockError::HeldByOther(l) => CommandError::User(held_text(&l)),
        }
    }
}

/// What the audit log should say about a command.
#[derive(Debug, Default)]
pub struct Trace {
    pub cluster: Option<ClusterId>,
    pub account: Option<String>,
    pub detail: String,
}

impl Trace {
    pub fn about(&mut self, c: &ClusterSummary) {
        self.cluster = Some(c.id.clone());
        self.account = c.account.clone();
    }
}

/// The lock holder id of a requester: a Slack user id, `service:<name>`, `scheduler:<rule>`.
pub fn holder_id(r: &Requester) -> String {
    match r {
        Requester::Slack { user_id, .. } => user_id.clone(),
        Requester::Service { name } => format!("service:{name}"),
        Requester::Scheduler { rule } => format!("scheduler:{rule}"),
    }
}

fn held_text(l: &Lock) -> String {
    let reason = l
        .reason
        .as_deref()
        .map(|r| format!(" ({})", escape(r)))
        .unwrap_or_default();
    format!(
        ":no_entry: `{}` is locked by {} until <!date^{}^{{date_short_pretty}} {{time}}|{}>{reason}.",
        l.cluster,
        l.holder_display,
        l.until.timestamp(),
        l.until.format("%Y-%m-%d %H:%M UTC")
    )
}

impl Worker {
    pub async fn handle_message(&self, message: &CommandMessage) -> Outcome {
        let span = tracing::info_span!("command", message_id = %message.id, action = %message.command.action());
        self.once(message.id.as_str(), self.perform(message))
            .instrument(span)
            .await
    }

    /// Runs `work` at most once per `id`, however often the queue delivers it:
    /// claims the id first (a duplicate finds it done, or in progress and is
    /// retried later), marks it done after, and gives the claim up when the
    /// work asks to be retried.
    pub(crate) async fn once(&self, id: &str, work: impl Future<Output = Outcome>) -> Outcome {
        let owner = uuid::Uuid::new_v4().simple().to_string();
        match self
            .dedup
            .claim(id, &owner, self.clock.now(), LEASE_SECS)
            .await
        {
            Ok(Claim::Acquired) => {}
            Ok(Claim::Done) => {
                tracing::info!("duplicate delivery of a finished message; nothing to do");
                return Outcome::Done;
            }
            Ok(Claim::InProgress) => {
                tracing::info!(
                    "another delivery of this message is being handled; will look again later"
                );
                return Outcome::Retry;
            }
            Err(error) => {
                tracing::warn!(error = %error, "cannot record the message id, so not acting yet");
                return Outcome::Retry;
            }
        }
        let outcome = work.await;
        let recorded = match outcome {
            Outcome::Done => self.dedup.complete(id, &owner, self.clock.now()).await,
            Outcome::Retry => self.dedup.abandon(id, &owner).await,
        };
        if let Err(error) = recorded {
            // Done but not marked: a redelivery after the lease finds the
            // effect (launches by their request tag). Retry not released: the
            // retry waits for the lease.
            tracing::error!(error = %error, ?outcome, "could not record the outcome of the claim");
        }
        outcome
    }

    async fn perform(&self, message: &CommandMessage) -> Outcome {
        let mut trace = Trace::default();
        let (reply, outcome) = match self.execute(message, &mut trace).await {
            Ok(reply) => (reply, "ok"),
            Err(error) if error.is_transient() => {
                tracing::warn!(error = %error, "transient failure; will retry");
                return Outcome::Retry;
            }
            Err(error) => {
                tracing::info!(error = %error, "command refused");
                trace.detail = error.to_string();
                (
                    Some(SlackMessage::plain(format!(":warning: {error}"))),
                    "refused",
                )
            }
        };
        self.audit(message, &trace, outcome).await;
        if let Some(reply) = reply {
            self.deliver(&message.reply_to, message.issued_at, &reply)
                .await;
        }
        Outcome::Done
    }

    async fn audit(&self, message: &CommandMessage, trace: &Trace, outcome: &str) {
        let action = message.command.action();
        if matches!(action, Action::Status | Action::Help) {
            return;
        }
        let reason = match &message.command {
            Command::Terminate { reason, .. } => reason.clone(),
            _ => None,
        }
        .or_else(|| match &message.requested_by {
            Requester::Scheduler { rule } => Some(rule.clone()),
            _ => None,
        });
        let entry = AuditEntry {
            at: self.clock.now(),
            who: message.requested_by.display(),
            action: action.to_string(),
            cluster: trace.cluster.clone(),
            account: trace.account.clone(),
            outcome: outcome.to_string(),
            detail: trace.detail.clone(),
            reason,
            message_id: message.id.to_string(),
        };
        if let Err(error) = self.audit.record(&entry).await {
            tracing::error!(error = %error, "could not write the audit log");
        }
    }

    /// Performs the command. `Ok(None)`: it has replied itself (launch).
    pub async fn execute(
        &self,
        message: &CommandMessage,
        trace: &mut Trace,
    ) -> Result<Option<SlackMessage>, CommandError> {
        let action = message.command.action();
        let requester = &message.requested_by;
        if !self.config.permissions.allows(requester, action) {
            let hint = match requester {
                Requester::Service { .. } => {
                    " Grant it under `[[permissions.services]]` in the config."
                }
                _ => "",
            };
            return Err(CommandError::User(format!(
                "{} may not `{action}`.{hint}",
                requester.display()
            )));
        }
        let reply = match &message.command {
            Command::Help => self.help(requester),
            Command::Status { cluster: None } => self.status_all().await?,
            Command::Status {
                cluster: Some(reference),
            } => self.status_one(reference).await?,
            Command::Lock {
                cluster,
                duration,
                reason,
            } => {
                self.lock(requester, cluster, *duration, reason.clone(), trace)
                    .await?
            }
            Command::Unlock { cluster } => self.unlock(requester, cluster, trace).await?,
            Command::Extend { cluster, duration } => {
                self.extend(requester, cluster, *duration, trace).await?
            }
            Command::Launch {
                preset,
                cluster_name,
            } => {
                self.launch(message, preset, cluster_name.as_deref(), trace)
                    .await?;
                return Ok(None);
            }
            Command::Terminate {
                cluster,
                confirmed,
                force,
                reason,
            } => {
                self.terminate(
                    requester,
                    cluster,
                    *confirmed,
                    *force,
                    reason.as_deref(),
                    trace,
                )
                .await?
            }
            Command::Resize {
                cluster,
                group,
                count,
            } => {
                self.resize(requester, cluster, group, *count, trace)
                    .await?
            }
            // Scheduler notices: rendered here, posted where the message says.
            Command::Warn {
                cluster,
                rule,
                at,
                cluster_name,
            } => report::warning(
                cluster.as_str(),
                cluster_name.as_deref(),
                rule,
                *at,
                self.clock.now(),
                self.config.timezone,
            ),
            Command::IdleAlert {
                cluster,
                since,
                cluster_name,
                holder,
            } => report::idle_alert(
                cluster.as_str(),
                cluster_name.as_deref(),
                holder.as_deref(),
                *since,
                self.clock.now(),
                self.config.timezone,
            ),
            Command::Report { report } => report::daily_report(
                report,
                self.config.timezone,
                self.config.policy.cost_per_normalized_instance_hour,
            ),
        };
        Ok(Some(reply))
    }

    pub(crate) fn is_admin(&self, r: &Requester) -> bool {
        self.config.permissions.is_admin(r)
    }

    fn help(&self, requester: &Requester) -> SlackMessage {
        let permissions = &self.config.permissions;
        SlackMessage::plain(view::help_text(
            &self.config.slack.command,
            &permissions.allowed_actions(requester),
            permissions.is_admin(requester),
        ))
    }

    /// Finds the active cluster a user meant, and the API of its account.
    pub async fn resolve(
        &self,
        reference: &ClusterRef,
    ) -> Result<(ClusterSummary, Arc<dyn ClusterApi>), CommandError> {
        let clusters = self.clusters.list_active().await?;
        let summary = match ClusterDirectory::resolve(&clusters, reference) {
            Resolved::One(c) => c,
            Resolved::NotFound => {
                return Err(CommandError::User(format!(
                    "No active cluster matches `{}`.",
                    escape(reference.as_str())
                )))
            }
            Resolved::Ambiguous(candidates) => {
                let names: Vec<String> = candidates
                    .iter()
                    .take(20)
                    .map(|c| format!("{} (`{}`)", escape(&c.name), c.id))
                    .collect();
                return Err(CommandError::User(format!(
                    "`{}` matches several clusters: {}. Be more specific.",
                    escape(reference.as_str()),
                    names.join(", ")
                )));
            }
        };
        let api = self
            .clusters
            .account(summary.account.as_deref())
            .cloned()
            .ok_or_else(|| {
                CommandError::User(format!(
                    "The account `{}` of that cluster is not configured.",
                    summary.account.as_deref().unwrap_or("home")
                ))
            })?;
        Ok((summary, api))
    }

    async fn status_all(&self) -> Result<SlackMessage, CommandError> {
        let clusters = self.clusters.list_active().await?;
        let ids: Vec<_> = clusters.iter().map(|c| c.id.clone()).collect();
        let locks = self.locks.get_many(&ids).await?;
        // Idle time needs each waiting cluster's steps; asked concurrently, and a
        // failure only leaves that cluster's idle time blank.
        let mut tasks = tokio::task::JoinSet::new();
        for c in clusters.iter().filter(|c| c.state.as_emr() == "WAITING") {
            if let Some(api) = self.clusters.account(c.account.as_deref()).cloned() {
                let c = c.clone();
                tasks.spawn(async move {
                    (
                        c.id.clone(),
                        api.list_steps(&c.id)
                            .await
                            .ok()
                            .and_then(|s| idle_since(&c, &s)),
                    )
                });
            }
        }
        let mut idle = std::collections::HashMap::new();
        while let Some(Ok((id, since))) = tasks.join_next().await {
            idle.insert(id, since);
        }
        let rate = self.config.policy.cost_per_normalized_instance_hour;
        let views: Vec<ClusterView<'_>> = clusters
            .iter()
            .map(|c| ClusterView {
                cluster: c,
                lock: locks.get(&c.id),
                idle_since: idle.get(&c.id).copied().flatten(),
                cost_per_hour: rate,
            })
            .collect();
        Ok(view::status_list(
            &views,
            self.clock.now(),
            self.config.timezone,
        ))
    }

    async fn status_one(&self, reference: &ClusterRef) -> Result<SlackMessage, CommandError> {
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
        };
        Ok(view::cluster_detail_full(
            &detail,
            &extras,
            self.clock.now(),
            self.config.timezone,
        ))
    }

    async fn lock(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        duration: Option<HumanDuration>,
        reason: Option<String>,
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, _) = self.resolve(reference).await?;
        trace.about(&c);
        let now = self.clock.now();
        let duration = duration.unwrap_or(self.config.policy.default_lock);
        let lock = Lock {
            cluster: c.id.clone(),
            holder: holder_id(requester),
            holder_display: requester.display(),
            since: now,
            until: now + duration.to_chrono(),
            reason: reason.clone(),
        };
        self.locks.acquire(&lock, now).await?;
        trace.detail = format!("until {}", lock.until.to_rfc3339());
        let why = reason
            .map(|r| format!(" ({})", escape(&r)))
            .unwrap_or_default();
        Ok(SlackMessage::plain(format!(
            ":lock: {} locked *{}* `{}` for {duration}, until {}{why}.",
            requester.display(),
            escape(&c.name),
            c.id,
            self.local_time(lock.until)
        ))
        .in_channel())
    }

    async fn unlock(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, _) = self.resolve(reference).await?;
        trace.about(&c);
        let now = self.clock.now();
        let holder = holder_id(requester);
        let filter = if self.is_admin(requester) {
            None
        } else {
            Some(holder.as_str())
        };
        let released = self.locks.release(&c.id, filter).await;
        if let Ok(Some(l)) = &released {
            if l.is_active(now) {
                // The unlocked grace period (PRODUCT.md §2) starts again now. If
                // this write fails the scheduler still notices the lock is gone.
                if let Err(e) = self.policy.record_unlock(&c.id, now).await {
                    tracing::warn!(error = %e, cluster = %c.id, "could not record the unlock");
                }
            }
        }
        let text = match released {
            Ok(Some(l)) if l.is_active(now) && l.holder != holder => {
                format!(
                    ":unlock: {} unlocked *{}* `{}` (it was held by {}).",
                    requester.display(),
                    escape(&c.name),
                    c.id,
                    l.holder_display
                )
            }
            Ok(Some(l)) if l.is_active(now) => format!(
                ":unlock: {} unlocked *{}* `{}`.",
                requester.display(),
                escape(&c.name),
                c.id
            ),
            Ok(_) => format!("*{}* `{}` was not locked.", escape(&c.name), c.id),
            Err(LockError::HeldByOther(l)) if !l.is_active(now) => {
                format!(
                    "*{}* `{}` was not locked ({}'s lock had ended).",
                    escape(&c.name),
                    c.id,
                    l.holder_display
                )
            }
            Err(LockError::HeldByOther(l)) => {
                return Err(CommandError::User(format!(
                    "{} Only they or an admin can unlock it.",
                    held_text(&l)
                )))
            }
            Err(LockError::Store(e)) => return Err(e.into()),
        };
        Ok(SlackMessage::plain(text).in_channel())
    }

    async fn extend(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        duration: HumanDuration,
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, _) = self.resolve(reference).await?;
        trace.about(&c);
        let now = self.clock.now();
        let holder = holder_id(requester);
        let current = self.locks.get(&c.id).await?.filter(|l| l.is_active(now));
        let (lock, snooze) = match current {
            Some(l) if l.holder != holder && !self.is_admin(requester) => {
                return Err(CommandError::User(held_text(&l)))
            }
            Some(l) => (
                Lock {
                    until: l.until + duration.to_chrono(),
                    ..l
                },
                false,
            ),
            // Nobody holds it: snooze automatic termination by locking it for the caller.
            None => (
                Lock {
                    cluster: c.id.clone(),
                    holder,
                    holder_display: requester.display(),
                    since: now,
                    until: now + duration.to_chrono(),
                    reason: Some("snoozed automatic termination".into()),
                },
                true,
            ),
        };
        self.locks.acquire(&lock, now).await?;
        trace.detail = format!("until {}", lock.until.to_rfc3339());
        let text = if snooze {
            format!(
                ":zzz: {} snoozed automatic termination of *{}* `{}`: locked until {}.",
                requester.display(),
                escape(&c.name),
                c.id,
                self.local_time(lock.until)
            )
        } else {
            format!(
                ":lock: {} extended the lock on *{}* `{}` by {duration}, to {}.",
                requester.display(),
                escape(&c.name),
                c.id,
                self.local_time(lock.until)
            )
        };
        Ok(SlackMessage::plain(text).in_channel())
    }

    pub(crate) fn local_time(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&self.config.timezone)
            .format("%a %H:%M %Z")
            .to_string()
    }
}
