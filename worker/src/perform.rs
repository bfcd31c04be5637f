//! One command message: permissions, dispatch to the command's module, the
//! audit record, and the reply.

use crate::error::{CommandError, Inadmissible};
use crate::trace::Trace;
use crate::{Outcome, Worker};
use emrbot_domain::audit::{AuditEntry, AuditFact};
use emrbot_domain::command::{Action, Command};
use emrbot_domain::message::{CommandMessage, ReplyTo, Requester};
use emrbot_domain::refusal::Refusal;
use emrbot_shared::slack::render;
use emrbot_shared::slack::render::replies::{failed_text, Failure};
use emrbot_shared::slack::SlackMessage;
use tracing::Instrument;

impl Worker {
    /// One message from the queue; `sender` is who SQS says sent it
    /// (`SenderId`). A message its sender may not send, or whose reply would
    /// go outside Slack, is refused: audited, nothing done, nothing posted.
    pub async fn handle_message(&self, message: &CommandMessage, sender: Option<&str>) -> Outcome {
        let span = tracing::info_span!("command", message_id = %message.id, action = %message.command.action());
        async {
            if let Err(why) = self.admit(message, sender) {
                tracing::warn!(reason = %why, sender = sender.unwrap_or("-"), "refused a message; nothing done, nothing posted");
                self.audit_inadmissible(message, sender, &why).await;
                return Outcome::Done;
            }
            self.once(message.id.as_str(), self.perform(message)).await
        }
        .instrument(span)
        .await
    }

    fn admit(&self, message: &CommandMessage, sender: Option<&str>) -> Result<(), Inadmissible> {
        self.principals
            .check(sender, &message.requested_by, &self.config.permissions)
            .map_err(Inadmissible::Forged)?;
        match &message.reply_to {
            ReplyTo::ResponseUrl { url, .. } if !self.response_urls.allows(url) => {
                Err(Inadmissible::ReplyNotSlack)
            }
            ReplyTo::Home { user_id } => match &message.requested_by {
                Requester::Slack { user_id: own, .. } if own == user_id => Ok(()),
                _ => Err(Inadmissible::HomeNotOwn),
            },
            _ => Ok(()),
        }
    }

    async fn audit_inadmissible(
        &self,
        message: &CommandMessage,
        sender: Option<&str>,
        why: &Inadmissible,
    ) {
        let entry = AuditEntry {
            at: self.clock.now(),
            who: format!(
                "{} (claimed; sent by {})",
                message.requested_by.display(),
                sender.unwrap_or("an unknown sender")
            ),
            action: message.command.action().to_string(),
            cluster: message.command.cluster().and_then(|c| c.as_id()),
            name: None,
            account: None,
            outcome: "refused".into(),
            detail: why.to_string(),
            reason: None,
            message_id: message.id.to_string(),
            fact: None,
        };
        self.record(&entry).await;
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
                let reply = match &error {
                    CommandError::Refused(refusal) => {
                        render::refusal(refusal, &self.config.slack.command, self.config.timezone)
                    }
                    CommandError::Emr(e) => failed_text(Failure::Emr(e), message.id.as_str()),
                    CommandError::Store(_) => failed_text(Failure::Store, message.id.as_str()),
                };
                // The audit keeps AWS's whole reason; the user sees the short one.
                trace.detail = match &error {
                    CommandError::Refused(_) => reply.clone(),
                    other => other.to_string(),
                };
                if let CommandError::Refused(refusal) = &error {
                    trace.fact = Some(AuditFact::Refused {
                        refusal: refusal.clone(),
                    });
                }
                (Some(SlackMessage::plain(reply)), "refused")
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
            Requester::Scheduler { rule } => Some(rule.to_string()),
            _ => None,
        });
        let entry = AuditEntry {
            at: self.clock.now(),
            who: message.requested_by.display(),
            action: action.to_string(),
            cluster: trace.cluster.clone(),
            name: trace.name.clone(),
            account: trace.account.clone(),
            outcome: outcome.to_string(),
            detail: trace.detail.clone(),
            reason,
            message_id: message.id.to_string(),
            fact: trace.fact.clone(),
        };
        self.record(&entry).await;
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
            return Err(Refusal::NotPermitted {
                who: requester.display(),
                action,
                is_service: matches!(requester, Requester::Service { .. }),
            }
            .into());
        }
        let (now, tz) = (self.clock.now(), self.config.timezone);
        let reply = match &message.command {
            Command::Help => self.help(requester),
            Command::Status {
                cluster: None,
                page,
            } => self.status_all(page.unwrap_or(1)).await?,
            Command::Plan => self.plan().await?,
            Command::History { cluster, since } => self.history(cluster.as_ref(), *since).await?,
            Command::Home => self.home(requester).await?,
            Command::Cost { window } => self.cost(window.unwrap_or_default()).await?,
            Command::Status {
                cluster: Some(reference),
                ..
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
            Command::Extend {
                cluster,
                duration,
                until,
            } => {
                self.extend(requester, cluster, *duration, *until, trace)
                    .await?
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
                let request = crate::terminate::Request {
                    confirmed: *confirmed,
                    force: *force,
                    reason: reason.as_deref(),
                    issued_at: message.issued_at,
                };
                self.terminate(requester, cluster, request, trace).await?
            }
            Command::Resize {
                cluster,
                group,
                count,
                spot,
                force,
            } => {
                let size = crate::resize::Size {
                    count: *count,
                    spot: *spot,
                    force: *force,
                };
                self.resize(requester, cluster, group, size, trace).await?
            }
            // Scheduler notices: rendered here, posted where the message says.
            Command::Warn {
                cluster,
                rule,
                at,
                cluster_name,
            } => render::warning(
                cluster.as_str(),
                cluster_name.as_deref(),
                *rule,
                *at,
                now,
                tz,
                self.config.policy.dry_run,
            ),
            Command::IdleAlert {
                cluster,
                since,
                cluster_name,
                holder,
            } => render::idle_alert(
                cluster.as_str(),
                cluster_name.as_deref(),
                holder.as_deref(),
                *since,
                now,
                tz,
            ),
            Command::AccountNotice { account, problem } => {
                render::account_notice(account, problem.as_deref())
            }
            Command::Report { report } => render::daily_report(
                report,
                tz,
                self.config.policy.cost_per_normalized_instance_hour,
                self.config.policy.dry_run,
            ),
            Command::Savings { report } => self.savings(report).await?,
        };
        Ok(Some(reply))
    }

    /// Writes an audit entry; a failure is logged, never a reason to redo the action.
    pub(crate) async fn record(&self, entry: &AuditEntry) {
        if let Err(error) = self.audit.record(entry).await {
            tracing::error!(error = %error, "could not write the audit log");
        }
    }

    pub(crate) fn is_admin(&self, r: &Requester) -> bool {
        self.config.permissions.is_admin(r)
    }
}
