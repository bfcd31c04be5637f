//! One command message: permissions, dispatch to the command's module, the
//! audit record, and the reply.

use crate::error::{CommandError, Inadmissible};
use crate::handled::{About, Done, Failed, Reply};
use crate::{Outcome, Worker};
use emrbot_domain::audit::AuditEntry;
use emrbot_domain::command::{Action, Command};
use emrbot_domain::decide::{Asker, AuditNote};
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
        let (reply, about, note, outcome) = match self.execute(message).await {
            Ok(done) => {
                let reply = done.reply.map(|reply| match reply {
                    Reply::Changed(change) => render::changed(&change, self.config.timezone),
                    Reply::Message(message) => message,
                });
                (reply, done.about, done.note, "ok")
            }
            Err(Failed { error, .. }) if error.is_transient() => {
                tracing::warn!(error = %error, "transient failure; will retry");
                return Outcome::Retry;
            }
            Err(Failed { error, about }) => {
                tracing::info!(error = %error, "command refused");
                let reply = match &error {
                    CommandError::Refused(refusal) => {
                        render::refusal(refusal, &self.config.slack.command, self.config.timezone)
                    }
                    CommandError::Emr(e) => failed_text(Failure::Emr(e), message.id.as_str()),
                    CommandError::Store(_) => failed_text(Failure::Store, message.id.as_str()),
                };
                // The audit keeps AWS's whole reason; the user sees the short one.
                let note = match &error {
                    CommandError::Refused(refusal) => AuditNote::refused(refusal, reply.clone()),
                    other => AuditNote::says(other.to_string()),
                };
                (Some(SlackMessage::plain(reply)), *about, note, "refused")
            }
        };
        self.audit(message, &about, note, outcome).await;
        if let Some(reply) = reply {
            self.deliver(&message.reply_to, message.issued_at, &reply)
                .await;
        }
        Outcome::Done
    }

    async fn audit(&self, message: &CommandMessage, about: &About, note: AuditNote, outcome: &str) {
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
            cluster: about.cluster.clone(),
            name: about.name.clone(),
            account: about.account.clone(),
            outcome: outcome.to_string(),
            detail: note.detail,
            reason,
            message_id: message.id.to_string(),
            fact: note.fact,
        };
        self.record(&entry).await;
    }

    /// Performs the command: what it did (and its reply), or why not.
    async fn execute(&self, message: &CommandMessage) -> Result<Done, Failed> {
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
            // The commands that change something: their handlers say what happened.
            Command::Lock {
                cluster,
                duration,
                reason,
            } => {
                return self
                    .lock(requester, cluster, *duration, reason.clone())
                    .await
            }
            Command::Unlock { cluster } => return self.unlock(requester, cluster).await,
            Command::Extend {
                cluster,
                duration,
                until,
            } => return self.extend(requester, cluster, *duration, *until).await,
            Command::Launch {
                preset,
                cluster_name,
            } => return self.launch(message, preset, cluster_name.as_deref()).await,
            Command::Terminate {
                cluster,
                confirmed,
                force,
                reason,
            } => {
                let request = crate::terminate::Request {
                    ask: emrbot_domain::decide::terminate::Ask {
                        confirmed: *confirmed,
                        force: *force,
                    },
                    reason: reason.as_deref(),
                    issued_at: message.issued_at,
                };
                return self.terminate(requester, cluster, request).await;
            }
            Command::Resize {
                cluster,
                group,
                count,
                spot,
                force,
            } => {
                let ask = emrbot_domain::decide::resize::Ask {
                    group: group.clone(),
                    count: *count,
                    spot: *spot,
                    force: *force,
                };
                return self.resize(requester, cluster, ask).await;
            }
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
        Ok(Done::reply(reply))
    }

    /// Writes an audit entry; a failure is logged, never a reason to redo the action.
    pub(crate) async fn record(&self, entry: &AuditEntry) {
        if let Err(error) = self.audit.record(entry).await {
            tracing::error!(error = %error, "could not write the audit log");
        }
    }

    /// Who asks, as the command rules see them.
    pub(crate) fn asker<'a>(&self, requester: &'a Requester) -> Asker<'a> {
        Asker {
            requester,
            is_admin: self.config.permissions.is_admin(requester),
        }
    }
}
