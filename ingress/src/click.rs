//! A click on one of emrbot's buttons (`block_actions`): the button's value
//! is the command it stands for; the clicked row shows progress at once, and
//! every answer goes to the message's `response_url` (Slack ignores the body
//! of a `block_actions` acknowledgement).

use crate::http::HttpResponse;
use crate::interaction::{ActionPayload, Payload};
use crate::{clip, single_valued, Enqueued, Ingress};
use emrbot_domain::command::{Action, Command};
use emrbot_domain::message::Requester;
use emrbot_shared::slack::blocks::{context, section};
use emrbot_shared::slack::render::ack::{self as words, ButtonProblem};
use emrbot_shared::slack::render::CONFIRM_ACTION_ID;
use emrbot_shared::slack::{ReplyKind, SlackMessage};
use serde_json::Value;

impl Ingress {
    pub(crate) async fn interaction(&self, form: &[(String, String)]) -> HttpResponse {
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
            return HttpResponse::empty().telling(ReplyKind::Complete);
        }
        let Some(action) = payload.emrbot_action() else {
            // A link button or someone else's element: Slack wants only the 200.
            return HttpResponse::empty().telling(ReplyKind::Complete);
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
            HttpResponse::empty().telling(ReplyKind::Deferred)
        };
        let command = match button_command(action) {
            Ok(command) => command,
            Err(problem) => return tell(words::button_problem(&problem)).await,
        };
        if let Err(refusal) = self.permit(&requester, &command) {
            return tell(self.refusal_text(&refusal, slash)).await;
        }
        if command == Command::Help {
            let allowed = self.config.permissions.allowed_actions(&requester);
            return tell(words::help(
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
        let understood = words::understood(&command, &self.config);
        let message = self.slack_message(&identity, requester, command, response_url, true);
        // The progress update goes out before the enqueue, so it can never
        // overwrite the worker's answer, which replaces the same message.
        let progress = words::in_progress(&user.id, &understood);
        let original = payload.message.as_ref();
        let in_progress =
            replace_block(original, action, context(&progress), &progress).as_progress();
        self.respond_in_time(response_url, &in_progress).await;
        match self.enqueue(&message).await {
            Enqueued::Now | Enqueued::Already => {}
            Enqueued::Failed => {
                let restored = restore_with_note(original, &words::enqueue_failed_note());
                self.respond_in_time(response_url, &restored).await;
            }
            Enqueued::Unconfirmed => {
                let restored = restore_with_note(original, &words::enqueue_unconfirmed_note());
                self.respond_in_time(response_url, &restored).await;
            }
        }
        HttpResponse::empty().telling(ReplyKind::Deferred)
    }

    /// Posts to the clicked message's response_url, giving up when the
    /// acknowledgement is due: a stalled Slack must not make the click late.
    async fn respond_in_time(&self, response_url: &str, message: &SlackMessage) {
        let posted = tokio::time::timeout(
            crate::time_left(),
            self.responder.respond(response_url, message),
        );
        if posted.await.is_err() {
            tracing::warn!("response_url update cut off at the acknowledgement's deadline");
        }
    }
}

/// The command a click stands for: the element's value parsed like typed text;
/// `emrbot:confirm` confirms a termination.
pub fn button_command(action: &ActionPayload) -> Result<Command, ButtonProblem> {
    let text = action.command_text().ok_or(ButtonProblem::NoCommand)?;
    let mut command = Command::parse(text).map_err(ButtonProblem::Unparsable)?;
    if action.action_id == CONFIRM_ACTION_ID {
        if let Command::Terminate { confirmed, .. } = &mut command {
            *confirmed = true;
        }
    } else if let Some(named) = action.emrbot_action().and_then(Action::parse) {
        if named != command.action() {
            return Err(ButtonProblem::Mismatch);
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
        return SlackMessage::plain(text).replacing_original(true);
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
    SlackMessage::new_mrkdwn(
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
            SlackMessage::new_mrkdwn(fallback, blocks).replacing_original(true)
        }
        None => SlackMessage::plain(note).replacing_original(true),
    }
}
