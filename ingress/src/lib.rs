//! The ingress: Slack's front door. Verifies the signature, parses the command,
//! checks permissions, enqueues a v1 message, and acknowledges in milliseconds.
//! It never calls EMR.

pub mod http;
pub mod lambda_event;
pub mod slash;

use crate::http::{HttpRequest, HttpResponse};
use crate::slash::SlashCommand;
use chrono::Utc;
use emrbot_shared::clock::Clock;
use emrbot_shared::command::{Action, Command};
use emrbot_shared::message::{CommandMessage, MessageId, ReplyTo, Requester};
use emrbot_shared::queue::CommandQueue;
use emrbot_shared::slack::{SlackMessage, SlackVerifier};
use emrbot_shared::Config;
use std::sync::Arc;

pub struct Ingress {
    verifier: SlackVerifier,
    config: Arc<Config>,
    queue: Arc<dyn CommandQueue>,
    clock: Arc<dyn Clock>,
}

impl Ingress {
    pub fn new(verifier: SlackVerifier, config: Arc<Config>, queue: Arc<dyn CommandQueue>, clock: Arc<dyn Clock>) -> Self {
        Self { verifier, config, queue, clock }
    }

    pub async fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let route = request.path.trim_end_matches('/');
        match (request.method.as_str(), route) {
            ("POST", "/slack/commands") => self.slash_command(request).await,
            (_, "/slack/commands") => HttpResponse::error(405, "method not allowed; Slack POSTs here"),
            _ => HttpResponse::error(404, "no such route"),
        }
    }

    fn verify(&self, request: &HttpRequest) -> Result<(), HttpResponse> {
        let now = self.clock.now().timestamp();
        self.verifier
            .verify(
                request.get_header("x-slack-request-timestamp"),
                request.get_header("x-slack-signature"),
                &request.body,
                now,
            )
            .map_err(|e| {
                tracing::warn!(reason = %e, "rejected request with a bad signature");
                HttpResponse::error(401, &format!("invalid Slack signature: {e}"))
            })
    }

    async fn slash_command(&self, request: &HttpRequest) -> HttpResponse {
        if let Err(response) = self.verify(request) {
            return response;
        }
        let form: SlashCommand = match serde_urlencoded::from_bytes(&request.body) {
            Ok(form) => form,
            Err(reason) => return HttpResponse::error(400, &format!("malformed slash command form: {reason}")),
        };
        let requester = Requester::Slack {
            user_id: form.user_id.clone(),
            user_name: form.user_name.clone(),
            channel_id: form.channel_id.clone(),
            team_id: form.team_id.clone(),
        };
        let command = match Command::parse(&form.text) {
            Ok(command) => command,
            Err(error) => return ack(SlackMessage::plain(error.to_string())),
        };
        let action = command.action();
        let permissions = &self.config.permissions;
        if !permissions.allows(&requester, action) {
            return ack(SlackMessage::plain(format!(
                "You can't `{action}` from this channel. Try `{} help` to see what you can do here.",
                self.config.slack.command
            )));
        }
        if action == Action::Help {
            return ack(help(&self.config.slack.command, &permissions.allowed_actions(&requester)));
        }
        let identity = form.trigger_id.as_deref().map(str::as_bytes).unwrap_or(&request.body);
        let message = CommandMessage::new(
            MessageId::derived("slack", identity),
            Utc::now(),
            requester,
            command,
            ReplyTo::ResponseUrl { url: form.response_url.clone(), replace_original: false, channel_id: Some(form.channel_id) },
        );
        match self.queue.send(&message).await {
            Ok(()) => {
                tracing::info!(message_id = %message.id, action = %action, "enqueued");
                ack(SlackMessage::plain(format!("Working on `{}`…", form.text.trim().chars().take(200).collect::<String>())))
            }
            Err(error) => {
                tracing::error!(message_id = %message.id, error = %error, "enqueue failed");
                ack(SlackMessage::plain(
                    "Sorry, emrbot could not queue that command just now, so nothing was done. Please try again in a minute.",
                ))
            }
        }
    }
}

/// An immediate ephemeral answer in the HTTP response.
fn ack(message: SlackMessage) -> HttpResponse {
    HttpResponse::json(200, &message.ephemeral().to_json())
}

fn help(command: &str, allowed: &[Action]) -> SlackMessage {
    let lines: Vec<String> = allowed.iter().map(|a| format!("`{command} {}`", a.usage())).collect();
    SlackMessage::plain(format!("*What you can do here:*\n{}", lines.join("\n")))
}
