//! The audit log in Slack: `history` and the "Recent history" of
//! `status <cluster>`. Each entry's typed fact is rendered like every other
//! message (a refusal as the user was told it, times in the configured time
//! zone); only old entries fall back to their escaped text.

use super::refusal::refusal;
use crate::slack::blocks::{context, escape, header, section, sections, SlackMessage};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::audit::{AuditEntry, AuditFact};

/// Entries one `history` message shows, newest first.
pub const MAX_ENTRIES: usize = 100;

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%a %H:%M").to_string()
}

/// Who acted: a Slack mention as a mention, anything else as text (a forged
/// message's claimed requester is in the log too, and must not ping anyone).
pub(crate) fn who_text(who: &str) -> String {
    let mention = who
        .strip_prefix("<@")
        .and_then(|w| w.strip_suffix('>'))
        .is_some_and(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()));
    if mention {
        who.to_string()
    } else {
        escape(who)
    }
}

/// `• Wed 16:33 <@U1> `lock` ok: until Wed 18:33`.
pub fn history_line(e: &AuditEntry, slash: &str, tz: Tz) -> String {
    let what = match &e.fact {
        Some(AuditFact::LockedUntil { until }) => format!("until {}", local(*until, tz)),
        Some(AuditFact::Refused { refusal: r }) => refusal(r, slash, tz),
        None => escape(&e.detail),
    };
    let why = e
        .reason
        .as_deref()
        .map(|r| format!(" (why: {})", escape(r)))
        .unwrap_or_default();
    let cluster = e
        .cluster
        .as_ref()
        .map(|c| format!(" `{c}`"))
        .unwrap_or_default();
    format!(
        "• {} {} `{}`{cluster} {}: {what}{why}",
        local(e.at, tz),
        who_text(&e.who),
        escape(&e.action),
        escape(&e.outcome)
    )
}

/// `/emr history`: `entries` newest first, about `what` since `since`.
pub fn history(
    what: &str,
    entries: &[AuditEntry],
    since: DateTime<Utc>,
    slash: &str,
    tz: Tz,
) -> SlackMessage {
    let title = format!("History of {what} since {}", local(since, tz));
    let mut blocks = vec![header(&title)];
    if entries.is_empty() {
        blocks.push(section("Nothing was done or refused in that time."));
    }
    blocks.extend(sections(
        entries
            .iter()
            .take(MAX_ENTRIES)
            .map(|e| history_line(e, slash, tz)),
    ));
    let mut note = format!("Times in {}.", tz.name());
    if entries.len() > MAX_ENTRIES {
        note.push_str(&format!(
            " The newest {MAX_ENTRIES} of {}; `{slash} history <cluster> since <duration>` narrows it.",
            entries.len()
        ));
    }
    blocks.push(context(&note));
    SlackMessage::new(format!("{title}: {} entries", entries.len()), blocks)
}
