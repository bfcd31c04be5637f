//! The ingress: Slack's front door. Verifies the signature, parses the command,
//! checks permissions, enqueues a v1 message, and acknowledges in milliseconds.
//! It never calls EMR. See ingress/README.md for the decisions behind it.

mod click;
pub mod dedup;
mod delivered;
mod events;
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
use emrbot_domain::ports::queue::{CommandQueue, QueueError};
use emrbot_domain::Config;
use emrbot_shared::settings::{Settings, SettingsError};
use emrbot_shared::slack::{ReplyKind, SlackMessage, SlackVerifier};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub use click::button_command;
pub use delivered::Delivered;

/// Slack shows the user an error if no acknowledgement comes within 3
/// seconds; emrbot answers within this, whatever its dependencies do.
pub const ACK_BUDGET: Duration = Duration::from_millis(2500);
/// Of the budget, kept for rendering and the way back to Slack.
const ACK_MARGIN: Duration = Duration::from_millis(300);
/// What the SQS client itself may spend on one send: it gives up (with an
/// error that says whether the message may have gone) before the ingress's
/// own deadline cuts it off.
pub const SQS_BUDGET: Duration = Duration::from_millis(1800);

tokio::task_local! {
    /// When the acknowledgement of the request being handled is due (minus
    /// the margin): every outbound call on its path stops by then.
    static ANSWER_BY: Instant;
}

/// Time left before the acknowledgement is due (all of the budget outside a request).
pub(crate) fn time_left() -> Duration {
    ANSWER_BY
        .try_with(|by| by.saturating_duration_since(Instant::now()))
        .unwrap_or(ACK_BUDGET - ACK_MARGIN)
}

/// Bodies above this are refused before anything else is done with them.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub const COMMANDS_PATH: &str = "/slack/commands";
pub const INTERACTIONS_PATH: &str = "/slack/interactions";
pub const EVENTS_PATH: &str = "/slack/events";

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
        let answer_by = Instant::now() + ACK_BUDGET - ACK_MARGIN;
        ANSWER_BY.scope(answer_by, self.route(request)).await
    }

    async fn route(&self, request: &HttpRequest) -> HttpResponse {
        let route = request.path.split('?').next().unwrap_or_default();
        let route = if route.len() > 1 {
            route.trim_end_matches('/')
        } else {
            route
        };
        if ![COMMANDS_PATH, INTERACTIONS_PATH, EVENTS_PATH].contains(&route) {
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
        if route == EVENTS_PATH {
            return self.event(&request.body).await;
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

    /// Enqueues `message` within the time left to answer Slack.
    pub(crate) async fn enqueue(&self, message: &CommandMessage) -> Enqueued {
        if !self.recent.claim(&message.id) {
            tracing::info!(message_id = %message.id, "already enqueued; acknowledged without enqueuing again");
            return Enqueued::Already;
        }
        let left = time_left();
        if left.is_zero() {
            // Nothing was sent: it is certainly not on the queue.
            self.recent.release(&message.id);
            tracing::error!(message_id = %message.id, "no time left to enqueue; the user was told");
            return Enqueued::Failed;
        }
        let sent = tokio::time::timeout(left, self.queue.send(message)).await;
        let outcome = match sent {
            Ok(Ok(())) => {
                tracing::info!(message_id = %message.id, action = %message.command.action(), "enqueued");
                return Enqueued::Now;
            }
            Ok(Err(QueueError::Unconfirmed(why))) => {
                tracing::error!(message_id = %message.id, error = %why, "enqueue unconfirmed; the user was told");
                Enqueued::Unconfirmed
            }
            Err(_) => {
                tracing::error!(message_id = %message.id, "enqueue cut off at the acknowledgement's deadline; the user was told");
                Enqueued::Unconfirmed
            }
            Ok(Err(error)) => {
                tracing::error!(message_id = %message.id, error = %error, "enqueue failed; the user was told");
                Enqueued::Failed
            }
        };
        // A repeat (Slack's retry carries the same id) may try again: if the
        // first did reach the queue, the worker drops the second.
        self.recent.release(&message.id);
        outcome
    }
}

pub(crate) enum Enqueued {
    Now,
    Already,
    /// Not on the queue: nothing will be done.
    Failed,
    /// No answer in time: it may or may not be on the queue.
    Unconfirmed,
}

/// An immediate ephemeral answer in the HTTP response (slash commands) that
/// is the whole answer: help, a syntax error, a refusal.
pub(crate) fn ack(message: SlackMessage) -> HttpResponse {
    HttpResponse::json(200, &message.ephemeral().to_json()).telling(ReplyKind::Complete)
}

/// The acknowledgement of a queued command: its answer follows on the
/// `response_url`.
pub(crate) fn ack_deferred(message: SlackMessage) -> HttpResponse {
    HttpResponse::json(200, &message.ephemeral().to_json()).telling(ReplyKind::Deferred)
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
