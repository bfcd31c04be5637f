//! Performing one command and reporting its result.

use crate::Worker;
use emrbot_shared::command::Command;
use emrbot_shared::emr::port::Resolved;
use emrbot_shared::emr::{ClusterDirectory, EmrError};
use emrbot_shared::message::CommandMessage;
use emrbot_shared::slack::SlackMessage;
use emrbot_shared::store::StoreError;
use emrbot_shared::view::{self, ClusterView};

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
    fn is_transient(&self) -> bool {
        match self {
            CommandError::Emr(e) => e.is_transient(),
            CommandError::Store(e) => e.is_transient(),
            CommandError::User(_) => false,
        }
    }
}

impl Worker {
    pub async fn handle_message(&self, message: &CommandMessage) -> Outcome {
        let span = tracing::info_span!("command", message_id = %message.id, action = %message.command.action());
        let _guard = span.enter();
        let reply = match self.execute(message).await {
            Ok(reply) => reply,
            Err(error) if error.is_transient() => {
                tracing::warn!(error = %error, "transient failure; will retry");
                return Outcome::Retry;
            }
            Err(error) => {
                tracing::info!(error = %error, "command refused");
                SlackMessage::plain(format!(":warning: {error}"))
            }
        };
        if let Err(error) = self.slack.reply(&message.reply_to, &reply).await {
            // The action is done; repeating it to retry the reply would be worse.
            tracing::error!(error = %error, "could not deliver the reply to Slack");
        }
        Outcome::Done
    }

    pub async fn execute(&self, message: &CommandMessage) -> Result<SlackMessage, CommandError> {
        let action = message.command.action();
        if !self.config.permissions.allows(&message.requested_by, action) {
            return Err(CommandError::User(format!("{} may not `{action}`.", message.requested_by.display())));
        }
        match &message.command {
            Command::Status { cluster: None } => self.status_all().await,
            Command::Status { cluster: Some(reference) } => {
                let clusters = self.clusters.list_active().await?;
                let summary = match ClusterDirectory::resolve(&clusters, reference) {
                    Resolved::One(c) => c,
                    Resolved::NotFound => {
                        return Err(CommandError::User(format!("No active cluster matches `{reference}`.")))
                    }
                    Resolved::Ambiguous(candidates) => {
                        let names: Vec<String> = candidates.iter().map(|c| format!("{} ({})", c.name, c.id)).collect();
                        return Err(CommandError::User(format!(
                            "`{reference}` matches several clusters: {}. Be more specific.",
                            names.join(", ")
                        )));
                    }
                };
                let api = self
                    .clusters
                    .account(summary.account.as_deref())
                    .ok_or_else(|| CommandError::User("That cluster's account is not configured.".into()))?;
                let mut detail = api.describe(&summary.id).await?;
                detail.summary.account = summary.account.clone();
                let lock = self.locks.get(&summary.id).await?;
                Ok(view::cluster_detail(&detail, lock.as_ref(), self.clock.now(), self.config.timezone))
            }
            other => Err(CommandError::User(format!("`{}` is not available yet.", other.action()))),
        }
    }

    async fn status_all(&self) -> Result<SlackMessage, CommandError> {
        let clusters = self.clusters.list_active().await?;
        let ids: Vec<_> = clusters.iter().map(|c| c.id.clone()).collect();
        let locks = self.locks.get_many(&ids).await?;
        let views: Vec<ClusterView<'_>> =
            clusters.iter().map(|c| ClusterView { cluster: c, lock: locks.get(&c.id), idle_since: None }).collect();
        Ok(view::status_list(&views, self.clock.now(), self.config.timezone))
    }
}
