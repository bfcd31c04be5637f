//! The ingress: Slack's front door. Verifies the signature, parses the command,
//! checks permissions, enqueues a v1 message, and acknowledges in milliseconds.
//! It never calls EMR. See ingress/README.md for the decisions behind it.

mod click;
pub mod dedup;
pub mod http;
pub mod interaction;
pub mod lambda_event;
mod permit;
pub mod responder;
pub mod slash;

use crate::dedup::RecentIds;
use crate::http::{HttpRequest, HttpResponse};
use crate::responder::{HttpResponder, Responder, ResponseUrlPolicy};
use emrbot_domain::command::Command;
use emrbot_domain::message::{CommandMessage, MessageId, ReplyTo, Requester};
use emrbot_domain::ports::clock::{Clock, SystemClock};
use emrbot_domain::ports::queue::CommandQueue;
use emrbot_domain::Config;
use emrbot_shared::settings::{Settings, SettingsError};
use emrbot_shared::slack::{SlackMessage, SlackVerifier};
use std::sync::Arc;

pub use click::button_command;

/// Bodies above this are refused before anything else is done with them.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub const COMMANDS_PATH: &str = "/slack/commands";
pub const INTERACTIONS_PATH: &str = "/slack/interactions";

pub struct Ingress {
    verifier: SlackVerifier,
    config: Arc<Config>,
    queue: Arc<dyn CommandQueue>,
    clock: Arc<dyn Clock>,
    responder: Arc<dyn Responder>,
    urls: ResponseUrlPolicy,
    recent: RecentIds,
}

impl Ingress {
    pub fn new(
        verifier: SlackVerifier,
        config: Arc<Config>,
        queue: Arc<dyn CommandQueue>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            verifier,
            config,
            queue,
            clock,
            responder: Arc::new(HttpResponder::default()),
            // Slack's own URLs only, until told otherwise.
            urls: ResponseUrlPolicy {
                allow_loopback: false,
            },
            recent: RecentIds::new(4096),
        }
    }

    /// The Lambda's (and emrbot-local's) ingress: the signing secret and the
    /// `response_url` policy from `settings`, the real clock.
    pub fn from_settings(
        settings: &Settings,
        queue: Arc<dyn CommandQueue>,
    ) -> Result<Self, SettingsError> {
        let verifier = SlackVerifier::new(settings.require_signing_secret()?);
        let urls = ResponseUrlPolicy {
            allow_loopback: settings.allow_loopback_response_urls,
        };
        Ok(Self::new(
            verifier,
            settings.config.clone(),
            queue,
            Arc::new(SystemClock),
        )
        .with_response_url_policy(urls))
    }

    /// Replaces how `response_url` updates are sent (tests, benchmarks).
    pub fn with_responder(mut self, responder: Arc<dyn Responder>) -> Self {
        self.responder = responder;
        self
    }

    pub fn with_response_url_policy(mut self, urls: ResponseUrlPolicy) -> Self {
        self.urls = urls;
        self
    }

    pub async fn handle(&self, request: &HttpRequest) -> HttpResponse {
        let route = request.path.split('?').next().unwrap_or_default();
        let route = if route.len() > 1 {
            route.trim_end_matches('/')
        } else {
            route
        };
        if route != COMMANDS_PATH && route != INTERACTIONS_PATH {
            return HttpResponse::error(404, "no such route");
        }
        if request.method != "POST" {
            return HttpResponse::error(405, "method not allowed; Slack POSTs here");
        }
        if request.body.len() > MAX_BODY_BYTES {
            return HttpResponse::error(400, "request body is larger than 64 KiB");
        }
        // Slack checks the certificate of a slash command URL with a POST of
        // `ssl_check=1&token=...`; answered 200 with nothing done, before the
        // signature (as Slack's own Bolt does), since it may come unsigned.
        if is_ssl_check(&request.body) {
            return HttpResponse::empty();
        }
        if let Err(response) = self.verify(request) {
            return response;
        }
        let form: Vec<(String, String)> = match serde_urlencoded::from_bytes(&request.body) {
            Ok(form) => form,
            Err(reason) => {
                return HttpResponse::error(400, &format!("malformed form body: {reason}"))
            }
        };
        let retry = request
            .get_header("x-slack-retry-num")
            .map(|n| n.chars().take(8).collect::<String>());
        if let Some(n) = &retry {
            tracing::info!(retry = %n, reason = request.get_header("x-slack-retry-reason").unwrap_or(""), "Slack retry");
        }
        if form.iter().any(|(k, _)| k == "payload") {
            self.interaction(&form).await
        } else {
            self.slash_command(&form, &request.body).await
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
                // The reason only: never the secret, the signature or the body.
                tracing::warn!(reason = %e, path = %request.path, "rejected a request with a bad signature");
                HttpResponse::error(401, &format!("invalid Slack signature: {e}"))
            })
    }

    /// The queue message for a Slack request: its id derived from `identity`
    /// (a retry of the request gets the same id), its answer going to
    /// `response_url`, and to the requester's channel once that has expired.
    pub(crate) fn slack_message(
        &self,
        identity: &str,
        requester: Requester,
        command: Command,
        response_url: &str,
        replace_original: bool,
    ) -> CommandMessage {
        let channel_id = match &requester {
            Requester::Slack { channel_id, .. } => Some(channel_id.clone()),
            _ => None,
        };
        CommandMessage::new(
            MessageId::derived("slack", identity.as_bytes()),
            self.clock.now(),
            requester,
            command,
            ReplyTo::ResponseUrl {
                url: response_url.to_string(),
                replace_original,
                channel_id,
            },
        )
    }

    pub(crate) async fn enqueue(&self, message: &CommandMessage) -> Enqueued {
        if !self.recent.claim(&message.id) {
            tracing::info!(message_id = %message.id, "already enqueued; acknowledged without enqueuing again");
            return Enqueued::Already;
        }
        match self.queue.send(message).await {
            Ok(()) => {
                tracing::info!(message_id = %message.id, action = %message.command.action(), "enqueued");
                Enqueued::Now
            }
            Err(error) => {
                self.recent.release(&message.id);
                tracing::error!(message_id = %message.id, error = %error, "enqueue failed; the user was told");
                Enqueued::Failed
            }
        }
    }
}

pub(crate) enum Enqueued {
    Now,
    Already,
    Failed,
}

/// An immediate ephemeral answer in the HTTP response (slash commands).
pub(crate) fn ack(message: SlackMessage) -> HttpResponse {
    HttpResponse::json(200, &message.ephemeral().to_json())
}

fn is_ssl_check(body: &[u8]) -> bool {
    body.len() < 512
        && serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).is_ok_and(|form| {
            form.iter().any(|(k, v)| k == "ssl_check" && v == "1")
                && !form.iter().any(|(k, _)| k == "payload" || k == "command")
        })
}

/// Refuses a form that repeats a key (Slack never does; a splice might).
pub(crate) fn single_valued(form: &[(String, String)]) -> Result<&[(String, String)], String> {
    for (i, (k, _)) in form.iter().enumerate() {
        if form[..i].iter().any(|(other, _)| other == k) {
            return Err(format!("field `{}` appears twice", clip(k, 40)));
        }
    }
    Ok(form)
}

pub(crate) fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
