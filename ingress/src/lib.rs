//! The ingress: Slack's front door. Verifies the signature, parses the command,
//! checks permissions, enqueues a v1 message, and acknowledges in milliseconds.
//! It never calls EMR. See ingress/README.md for the decisions behind it.

pub mod ack;
pub mod dedup;
pub mod http;
pub mod interaction;
pub mod lambda_event;
pub mod responder;
pub mod slash;

use crate::dedup::RecentIds;
use crate::http::{HttpRequest, HttpResponse};
use crate::interaction::{ActionPayload, Payload};
use crate::responder::{HttpResponder, Responder, ResponseUrlPolicy};
use crate::slash::SlashCommand;
use emrbot_shared::clock::Clock;
use emrbot_shared::command::{Action, Command};
use emrbot_shared::message::{CommandMessage, MessageId, ReplyTo, Requester};
use emrbot_shared::queue::CommandQueue;
use emrbot_shared::slack::blocks::{context, escape, section};
use emrbot_shared::slack::{SlackMessage, SlackVerifier};
use emrbot_shared::view::CONFIRM_ACTION_ID;
use emrbot_shared::Config;
use serde_json::Value;
use std::sync::Arc;

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

/// What is done with a parsed, permitted command.
struct Accepted {
    message: CommandMessage,
    understood: String,
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
            urls: ResponseUrlPolicy::from_env(),
            recent: RecentIds::new(4096),
        }
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

    async fn slash_command(&self, form: &[(String, String)], body: &[u8]) -> HttpResponse {
        let form = match single_valued(form).and_then(SlashCommand::from_pairs) {
            Ok(form) => form,
            Err(reason) => {
                return HttpResponse::error(400, &format!("malformed slash command form: {reason}"))
            }
        };
        if !self.urls.allows(&form.response_url) {
            return HttpResponse::error(400, "response_url is not a Slack response URL");
        }
        let requester = Requester::Slack {
            user_id: form.user_id.clone(),
            user_name: form.user_name.clone(),
            channel_id: form.channel_id.clone(),
            team_id: form.team_id.clone(),
        };
        let slash = if form.command.starts_with('/') && form.command.len() <= 32 {
            form.command.as_str()
        } else {
            self.config.slack.command.as_str()
        };
        let command = match Command::parse(&slash::unescape(&form.text)) {
            Ok(command) => command,
            Err(error) => {
                return ack(SlackMessage::plain(format!(
                    ":warning: {error} (`{slash} help` lists what you can do)"
                )))
            }
        };
        if let Err(refusal) = self.permit(&requester, &command, slash) {
            return ack(SlackMessage::plain(refusal));
        }
        if command == Command::Help {
            let allowed = self.config.permissions.allowed_actions(&requester);
            let admin = self.config.permissions.is_admin(&requester);
            return ack(SlackMessage::plain(ack::help(slash, &allowed, admin)));
        }
        // A retry of this request carries the same trigger_id, so the same id.
        let identity = match form.trigger_id.as_deref() {
            Some(trigger) if !trigger.is_empty() => {
                format!("cmd|{}|{trigger}", form.team_id.as_deref().unwrap_or(""))
            }
            _ => format!("cmd-body|{}", String::from_utf8_lossy(body)),
        };
        let accepted = Accepted {
            understood: ack::understood(&command, &self.config),
            message: CommandMessage::new(
                MessageId::derived("slack", identity.as_bytes()),
                self.clock.now(),
                requester,
                command,
                ReplyTo::ResponseUrl {
                    url: form.response_url.clone(),
                    replace_original: false,
                    channel_id: Some(form.channel_id),
                },
            ),
        };
        match self.enqueue(&accepted.message).await {
            Enqueued::Now | Enqueued::Already => ack(SlackMessage::plain(accepted.understood)),
            Enqueued::Failed => ack(SlackMessage::plain(ENQUEUE_FAILED)),
        }
    }

    async fn interaction(&self, form: &[(String, String)]) -> HttpResponse {
        let raw = match single_valued(form) {
            Ok(pairs) => pairs
                .iter()
                .find(|(k, _)| k == "payload")
                .map(|(_, v)| v.as_str())
                .unwrap_or_default(),
            Err(reason) => {
                return HttpResponse::error(400, &format!("malformed interaction form: {reason}"))
            }
        };
        let payload: Payload = match serde_json::from_str(raw) {
            Ok(payload) => payload,
            Err(reason) => {
                return HttpResponse::error(
                    400,
                    &format!("malformed interaction payload JSON: {reason}"),
                )
            }
        };
        if payload.kind != "block_actions" {
            // Shortcuts, view submissions, legacy attachments: emrbot offers none,
            // so there is nothing to do but acknowledge.
            tracing::info!(kind = %clip(&payload.kind, 40), "ignored an interaction emrbot does not use");
            return HttpResponse::empty();
        }
        let Some(action) = payload.emrbot_action() else {
            // A link button or someone else's element: Slack wants only the 200.
            return HttpResponse::empty();
        };
        let (Some(user), Some(channel_id), Some(response_url)) = (
            payload.user.as_ref(),
            payload.channel_id(),
            payload.response_url.as_deref(),
        ) else {
            return HttpResponse::error(
                400,
                "block_actions payload lacks user, channel or response_url",
            );
        };
        if !self.urls.allows(response_url) {
            return HttpResponse::error(400, "response_url is not a Slack response URL");
        }
        let requester = Requester::Slack {
            user_id: user.id.clone(),
            user_name: user.username.clone().or_else(|| user.name.clone()),
            channel_id: channel_id.to_string(),
            team_id: payload.team_id().map(str::to_string),
        };
        let slash = self.config.slack.command.as_str();
        // Slack ignores the body of a block_actions acknowledgement, so every
        // answer to a click goes to its response_url; the HTTP answer is a bare 200.
        let tell = |text: String| async move {
            let message = SlackMessage::plain(text)
                .ephemeral()
                .replacing_original(false);
            self.responder.respond(response_url, &message).await;
            HttpResponse::empty()
        };
        let command = match button_command(action) {
            Ok(command) => command,
            Err(text) => return tell(text).await,
        };
        if let Err(refusal) = self.permit(&requester, &command, slash) {
            return tell(refusal).await;
        }
        if command == Command::Help {
            let allowed = self.config.permissions.allowed_actions(&requester);
            return tell(ack::help(
                slash,
                &allowed,
                self.config.permissions.is_admin(&requester),
            ))
            .await;
        }
        let identity = format!(
            "click|{}|{}|{}|{}",
            payload.team_id().unwrap_or(""),
            payload.trigger_id.as_deref().unwrap_or(""),
            action.action_id,
            action.action_ts.as_deref().unwrap_or("")
        );
        let understood = ack::understood(&command, &self.config);
        let message = CommandMessage::new(
            MessageId::derived("slack", identity.as_bytes()),
            self.clock.now(),
            requester,
            command,
            ReplyTo::ResponseUrl {
                url: response_url.to_string(),
                replace_original: true,
                channel_id: Some(channel_id.to_string()),
            },
        );
        // The progress update goes out before the enqueue, so it can never
        // overwrite the worker's answer, which replaces the same message.
        let progress = format!(
            ":hourglass_flowing_sand: <@{}>: {understood}",
            escape(&user.id)
        );
        let original = payload.message.as_ref();
        self.responder
            .respond(
                response_url,
                &replace_block(original, action, context(&progress), &progress),
            )
            .await;
        match self.enqueue(&message).await {
            Enqueued::Now | Enqueued::Already => {}
            Enqueued::Failed => {
                let warning = format!(":warning: {ENQUEUE_FAILED}");
                let restored = restore_with_note(original, &warning);
                self.responder.respond(response_url, &restored).await;
            }
        }
        HttpResponse::empty()
    }

    /// Channel allow-list and admin rules, checked at the door; `Err` is the
    /// message for the user.
    fn permit(&self, requester: &Requester, command: &Command, slash: &str) -> Result<(), String> {
        let permissions = &self.config.permissions;
        let action = command.action();
        if !permissions.allows(requester, action) {
            return Err(format!(
                ":no_entry: You can't `{action}` from this channel. `{slash} help` shows what you can do here."
            ));
        }
        if let Command::Terminate { force: true, .. } = command {
            if !permissions.is_admin(requester) {
                return Err(":no_entry: Only emrbot admins may `terminate … force`.".into());
            }
        }
        if let Command::Launch { preset, .. } = command {
            if !self.config.presets.contains_key(preset) {
                let known: Vec<String> = self
                    .config
                    .presets
                    .keys()
                    .map(|p| format!("`{p}`"))
                    .collect();
                let known = if known.is_empty() {
                    "none are configured".into()
                } else {
                    known.join(", ")
                };
                return Err(format!(
                    ":warning: There is no preset `{preset}`. Presets: {known}."
                ));
            }
        }
        Ok(())
    }

    async fn enqueue(&self, message: &CommandMessage) -> Enqueued {
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

enum Enqueued {
    Now,
    Already,
    Failed,
}

const ENQUEUE_FAILED: &str =
    "Sorry, emrbot could not queue that command just now, so nothing was done. Please try again in a minute.";

/// An immediate ephemeral answer in the HTTP response (slash commands).
fn ack(message: SlackMessage) -> HttpResponse {
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
fn single_valued(form: &[(String, String)]) -> Result<&[(String, String)], String> {
    for (i, (k, _)) in form.iter().enumerate() {
        if form[..i].iter().any(|(other, _)| other == k) {
            return Err(format!("field `{}` appears twice", clip(k, 40)));
        }
    }
    Ok(form)
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// The command a click stands for: the element's value parsed like typed text;
/// `emrbot:confirm` confirms a termination.
pub fn button_command(action: &ActionPayload) -> Result<Command, String> {
    let text = action
        .command_text()
        .ok_or_else(|| ":warning: That button carries no command.".to_string())?;
    let mut command = Command::parse(text).map_err(|e| format!(":warning: {e}"))?;
    if action.action_id == CONFIRM_ACTION_ID {
        if let Command::Terminate { confirmed, .. } = &mut command {
            *confirmed = true;
        }
    } else if let Some(named) = action.emrbot_action().and_then(Action::parse) {
        if named != command.action() {
            return Err(":warning: That button does not match its command; ignored.".into());
        }
    }
    Ok(command)
}

/// The original message with the clicked row replaced by `note`, so the
/// buttons cannot be clicked twice; a plain note when the original is unknown.
fn replace_block(
    original: Option<&Value>,
    action: &ActionPayload,
    note: Value,
    text: &str,
) -> SlackMessage {
    let blocks = original
        .and_then(|m| m.get("blocks"))
        .and_then(Value::as_array);
    let (Some(blocks), Some(block_id)) = (blocks, action.block_id.as_deref()) else {
        return SlackMessage::new(text, vec![section(text)]).replacing_original(true);
    };
    let mut replaced = false;
    let blocks: Vec<Value> = blocks
        .iter()
        .map(|b| {
            if !replaced && b.get("block_id").and_then(Value::as_str) == Some(block_id) {
                replaced = true;
                note.clone()
            } else {
                b.clone()
            }
        })
        .collect();
    let fallback = original
        .and_then(|m| m.get("text"))
        .and_then(Value::as_str)
        .unwrap_or(text);
    SlackMessage::new(
        fallback,
        if replaced {
            blocks
        } else {
            vec![section(text)]
        },
    )
    .replacing_original(true)
}

/// The original message again (buttons back) with a warning under it.
fn restore_with_note(original: Option<&Value>, note: &str) -> SlackMessage {
    match original
        .and_then(|m| m.get("blocks"))
        .and_then(Value::as_array)
    {
        Some(blocks) => {
            let mut blocks = blocks.clone();
            blocks.push(context(note));
            let fallback = original
                .and_then(|m| m.get("text"))
                .and_then(Value::as_str)
                .unwrap_or(note);
            SlackMessage::new(fallback, blocks).replacing_original(true)
        }
        None => SlackMessage::plain(note).replacing_original(true),
    }
}
