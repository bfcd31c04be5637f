//! A slash command: the form Slack POSTs, and what the ingress does with it
//! (parse, permit, enqueue, acknowledge with what it understood).

use crate::http::HttpResponse;
use crate::{ack, ack_deferred, single_valued, Enqueued, Ingress};
use emrbot_domain::command::Command;
use emrbot_domain::message::Requester;
use emrbot_shared::slack::render::ack as words;
use emrbot_shared::slack::SlackMessage;
use serde::Deserialize;

impl Ingress {
    pub(crate) async fn slash_command(
        &self,
        form: &[(String, String)],
        body: &[u8],
    ) -> HttpResponse {
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
        let command = match Command::parse(&unescape(&form.text)) {
            Ok(command) => command,
            Err(error) => return ack(SlackMessage::plain(words::syntax_error(&error, slash))),
        };
        if let Err(refusal) = self.permit(&requester, &command) {
            return ack(SlackMessage::plain(self.refusal_text(&refusal, slash)));
        }
        if command == Command::Help {
            let allowed = self.config.permissions.allowed_actions(&requester);
            let admin = self.config.permissions.is_admin(&requester);
            return ack(SlackMessage::plain(words::help(slash, &allowed, admin)));
        }
        // A retry of this request carries the same trigger_id, so the same id.
        let identity = match form.trigger_id.as_deref() {
            Some(trigger) if !trigger.is_empty() => {
                format!("cmd|{}|{trigger}", form.team_id.as_deref().unwrap_or(""))
            }
            _ => format!("cmd-body|{}", String::from_utf8_lossy(body)),
        };
        let understood = words::understood(&command, &self.config);
        let message = self.slack_message(&identity, requester, command, &form.response_url, false);
        match self.enqueue(&message).await {
            Enqueued::Now | Enqueued::Already => ack_deferred(SlackMessage::plain(understood)),
            Enqueued::Failed => ack(SlackMessage::plain(words::ENQUEUE_FAILED)),
            // It may be on the queue: its answer may still come.
            Enqueued::Unconfirmed => ack_deferred(SlackMessage::plain(words::ENQUEUE_UNCONFIRMED)),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SlashCommand {
    #[serde(default)]
    pub command: String,
    #[serde(default)]
    pub text: String,
    pub user_id: String,
    #[serde(default)]
    pub user_name: Option<String>,
    pub channel_id: String,
    #[serde(default)]
    pub team_id: Option<String>,
    pub response_url: String,
    #[serde(default)]
    pub trigger_id: Option<String>,
}

/// Slack escapes `&`, `<` and `>` in the text it sends; undo it so what is
/// parsed (and later shown, escaped again) is what the user typed.
pub fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

impl SlashCommand {
    /// From the decoded form pairs; names the first required field missing.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<SlashCommand, String> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let required = |name: &'static str| {
            get(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(format!("missing field `{name}`"))
        };
        Ok(SlashCommand {
            command: get("command").unwrap_or_default(),
            text: get("text").unwrap_or_default(),
            user_id: required("user_id")?,
            user_name: get("user_name"),
            channel_id: required("channel_id")?,
            team_id: get("team_id"),
            response_url: required("response_url")?,
            trigger_id: get("trigger_id"),
        })
    }
}
