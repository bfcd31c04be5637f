//! The audit log in Slack: `history` and the "Recent history" of
//! `status <cluster>`. Each entry's typed fact is rendered like every other
//! message (a refusal as the user was told it, times in the configured time
//! zone); only old entries fall back to their escaped text.

use super::local_time;
use super::refusal::refusal;
use crate::slack::blocks::{context, escape, header, section, sections, SlackMessage};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use emrbot_domain::audit::{AuditEntry, AuditFact};
use emrbot_domain::cluster::ClusterId;

/// Entries one `history` message shows, newest first.
pub const MAX_ENTRIES: usize = 100;

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

/// `• Wed 16:33 <@U1> `lock` `j-1ABC` ok: until Wed 18:33 (testing)`.
pub fn history_line(e: &AuditEntry, slash: &str, tz: Tz) -> String {
    line(e, slash, tz, false)
}

/// An entry's line; `named`: with the cluster's name before its id (a
/// history of many clusters).
fn line(e: &AuditEntry, slash: &str, tz: Tz, named: bool) -> String {
    let what = match &e.fact {
        Some(AuditFact::LockedUntil { until, reason }) => {
            let why = reason
                .as_deref()
                .filter(|r| !r.is_empty())
                .map(|r| format!(" ({})", escape(r)))
                .unwrap_or_default();
            format!("until {}{why}", local_time(*until, tz))
        }
        Some(AuditFact::Refused { refusal: r }) => refusal(r, slash, tz),
        None => escape(&e.detail),
    };
    let why = e
        .reason
        .as_deref()
        .map(|r| format!(" (why: {})", escape(r)))
        .unwrap_or_default();
    let name = e
        .name
        .as_deref()
        .filter(|n| named && !n.is_empty())
        .map(|n| format!(" *{}*", escape(n)))
        .unwrap_or_default();
    let cluster = e
        .cluster
        .as_ref()
        .map(|c| format!("{name} `{c}`"))
        .unwrap_or_default();
    format!(
        "• {} {} `{}`{cluster} {}: {what}{why}",
        local_time(e.at, tz),
        who_text(&e.who),
        escape(&e.action),
        escape(&e.outcome)
    )
}

/// Whose history a `history` message tells.
#[derive(Debug, Clone, Copy)]
pub enum HistoryOf<'a> {
    /// Every cluster, ended ones too (and what concerned no cluster).
    Every,
    /// One cluster, by its id and, when known, its name.
    Cluster {
        id: &'a ClusterId,
        name: Option<&'a str>,
    },
}

impl HistoryOf<'_> {
    /// As the (plain text) header says it.
    fn title(&self) -> String {
        match self {
            HistoryOf::Every => "every cluster".into(),
            HistoryOf::Cluster {
                id,
                name: Some(name),
            } if !name.is_empty() => format!("{name} ({id})"),
            HistoryOf::Cluster { id, .. } => id.to_string(),
        }
    }
}

/// A `history` message: `entries` newest first, since `since`.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    pub of: HistoryOf<'a>,
    pub entries: &'a [AuditEntry],
    pub since: DateTime<Utc>,
    /// The read stopped at its bound: older entries of the window were not read.
    pub more: bool,
}

/// `/emr history`.
pub fn history(h: &History<'_>, slash: &str, tz: Tz) -> SlackMessage {
    let title = format!(
        "History of {} since {}",
        h.of.title(),
        local_time(h.since, tz)
    );
    let mut blocks = vec![header(&title)];
    if h.entries.is_empty() {
        blocks.push(section("Nothing was done or refused in that time."));
    }
    let named = matches!(h.of, HistoryOf::Every);
    blocks.extend(sections(
        h.entries
            .iter()
            .take(MAX_ENTRIES)
            .map(|e| line(e, slash, tz, named)),
    ));
    let mut note = String::new();
    let count = if h.more {
        format!("at least {}", h.entries.len())
    } else {
        h.entries.len().to_string()
    };
    if h.entries.len() > MAX_ENTRIES || h.more {
        note.push_str(&format!(
            "The newest {} of {count}; `{slash} history <cluster> since <duration>` narrows it.",
            h.entries.len().min(MAX_ENTRIES)
        ));
    }
    if !note.is_empty() {
        blocks.push(context(&note));
    }
    let entries = match (h.more, h.entries.len()) {
        (false, 1) => "1 entry".to_string(),
        _ => format!("{count} entries"),
    };
    SlackMessage::new(format!("{title}: {entries}"), blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: Option<&str>, fact: Option<AuditFact>) -> AuditEntry {
        AuditEntry {
            at: "2026-12-07T07:33:00Z".parse().unwrap(),
            who: "<@U0ALICE>".into(),
            action: "lock".into(),
            cluster: Some(ClusterId::parse("j-1ABC").unwrap()),
            name: name.map(str::to_string),
            account: None,
            outcome: "ok".into(),
            detail: "until 2026-12-07T09:33:00+00:00".into(),
            reason: None,
            message_id: "m-1".into(),
            fact,
        }
    }

    fn text(m: &SlackMessage) -> String {
        serde_json::to_string(m).unwrap()
    }

    #[test]
    fn a_lock_shows_its_reason() {
        let fact = AuditFact::LockedUntil {
            until: "2026-12-07T09:33:00Z".parse().unwrap(),
            reason: Some("testing <b>".into()),
        };
        let line = history_line(&entry(None, Some(fact)), "/emr", chrono_tz::UTC);
        assert!(
            line.ends_with("ok: until Mon 09:33 UTC (testing &lt;b&gt;)"),
            "{line}"
        );
        let old = AuditFact::LockedUntil {
            until: "2026-12-07T09:33:00Z".parse().unwrap(),
            reason: None,
        };
        let line = history_line(&entry(None, Some(old)), "/emr", chrono_tz::UTC);
        assert!(line.ends_with("ok: until Mon 09:33 UTC"), "{line}");
    }

    #[test]
    fn headers_read_right_whatever_the_count() {
        let since = "2026-12-07T01:00:00Z".parse().unwrap();
        let one = [entry(Some("adhoc-alice"), None)];
        let every = History {
            of: HistoryOf::Every,
            entries: &one,
            since,
            more: false,
        };
        let m = history(&every, "/emr", chrono_tz::Asia::Tokyo);
        let shown = text(&m);
        assert!(
            shown.contains("History of every cluster since Mon 10:00 JST: 1 entry\""),
            "{shown}"
        );
        assert!(
            shown.contains("*adhoc-alice* `j-1ABC`"),
            "names in a history of many: {shown}"
        );
        let id = ClusterId::parse("j-1ABC").unwrap();
        let two = [one[0].clone(), one[0].clone()];
        let of_one = History {
            of: HistoryOf::Cluster {
                id: &id,
                name: Some("adhoc-alice"),
            },
            entries: &two,
            since,
            more: false,
        };
        let shown = text(&history(&of_one, "/emr", chrono_tz::Asia::Tokyo));
        assert!(
            shown.contains("History of adhoc-alice (j-1ABC) since Mon 10:00 JST: 2 entries\""),
            "{shown}"
        );
        assert!(!shown.contains("*adhoc-alice*"), "{shown}");
        let none = History {
            entries: &[],
            ..every
        };
        let shown = text(&history(&none, "/emr", chrono_tz::UTC));
        assert!(shown.contains(": 0 entries\""), "{shown}");
        assert!(shown.contains("Nothing was done"), "{shown}");
        let bounded = History {
            more: true,
            ..every
        };
        let shown = text(&history(&bounded, "/emr", chrono_tz::UTC));
        assert!(shown.contains("The newest 1 of at least 1"), "{shown}");
    }
}
