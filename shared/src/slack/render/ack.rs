//! What the ingress's acknowledgement says: the command as understood, in
//! words, so the user sees at once what emrbot is about to do (the ingress has
//! no EMR access, so it names the cluster as the user typed it).

use crate::slack::blocks::escape;
use emrbot_domain::command::{Command, ParseError};
use emrbot_domain::Config;

/// The acknowledgement when the enqueue failed.
pub const ENQUEUE_FAILED: &str =
    "Sorry, emrbot could not queue that command just now, so nothing was done. Please try again in a minute.";

/// The acknowledgement when the queue did not answer in time: the command
/// may be on it. Its id makes a repeat of the same request harmless.
pub const ENQUEUE_UNCONFIRMED: &str =
    "emrbot could not confirm that the command was queued (the queue did not answer in time). If it was, you will see its result here shortly; if nothing comes within a minute, send it again.";

/// The note under a clicked message whose command may not have been queued.
pub fn enqueue_unconfirmed_note() -> String {
    format!(":hourglass: {ENQUEUE_UNCONFIRMED}")
}

/// The note under a clicked message whose command could not be queued.
pub fn enqueue_failed_note() -> String {
    format!(":warning: {ENQUEUE_FAILED}")
}

/// Typed text that is not a command.
pub fn syntax_error(error: &ParseError, slash: &str) -> String {
    format!(":warning: {error} (`{slash} help` lists what you can do)")
}

/// Why a click was not turned into a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ButtonProblem {
    NoCommand,
    Unparsable(ParseError),
    /// The action id names another command than the value carries.
    Mismatch,
}

pub fn button_problem(problem: &ButtonProblem) -> String {
    match problem {
        ButtonProblem::NoCommand => ":warning: That button carries no command.".into(),
        ButtonProblem::Unparsable(e) => format!(":warning: {e}"),
        ButtonProblem::Mismatch => {
            ":warning: That button does not match its command; ignored.".into()
        }
    }
}

/// What replaces the clicked row while the worker works on it.
pub fn in_progress(user_id: &str, understood: &str) -> String {
    format!(
        ":hourglass_flowing_sand: <@{}>: {understood}",
        escape(user_id)
    )
}

fn code(text: &str) -> String {
    format!("`{}`", escape(&text.replace('`', "'")))
}

/// "Terminating `j-1ABC`: waiting for your confirmation…"
pub fn understood(command: &Command, config: &Config) -> String {
    match command {
        Command::Status {
            cluster: None,
            page: None | Some(1),
        } => "Looking up every active cluster…".into(),
        Command::Status {
            cluster: None,
            page: Some(n),
        } => format!("Looking up page {n} of the clusters…"),
        Command::Status {
            cluster: Some(c), ..
        } => format!("Looking up {}…", code(c.as_str())),
        Command::Lock {
            cluster,
            duration,
            reason,
        } => {
            let how_long = match duration {
                Some(d) => format!("for {d}"),
                None => format!("for {} (the default)", config.policy.default_lock),
            };
            let why = reason
                .as_deref()
                .map(|r| format!(" ({})", escape(r)))
                .unwrap_or_default();
            format!("Locking {} {how_long}{why}…", code(cluster.as_str()))
        }
        Command::Unlock { cluster } => format!("Unlocking {}…", code(cluster.as_str())),
        Command::Extend {
            cluster, duration, ..
        } => {
            format!("Extending {} by {duration}…", code(cluster.as_str()))
        }
        Command::Launch {
            preset,
            cluster_name,
        } => {
            let account = config
                .presets
                .get(preset)
                .and_then(|p| p.account.as_deref())
                .map(|a| format!(" in account {}", code(a)))
                .unwrap_or_default();
            match cluster_name {
                Some(name) => format!(
                    "Launching {} from preset {}{account}…",
                    code(name),
                    code(preset)
                ),
                None => format!("Launching a cluster from preset {}{account}…", code(preset)),
            }
        }
        Command::Terminate {
            cluster,
            confirmed,
            force,
            ..
        } => {
            let forced = if *force {
                " (forcing past any lock)"
            } else {
                ""
            };
            if *confirmed {
                format!("Terminating {}{forced}: confirmed…", code(cluster.as_str()))
            } else {
                format!(
                    "Terminating {}{forced}: waiting for your confirmation…",
                    code(cluster.as_str())
                )
            }
        }
        Command::Resize {
            cluster,
            group,
            count,
            spot,
            ..
        } => {
            let unit = if *count == 1 { "instance" } else { "instances" };
            let spot = spot.map(|s| format!(" and {s} spot")).unwrap_or_default();
            format!(
                "Resizing {} of {} to {count} {unit}{spot}…",
                code(group),
                code(cluster.as_str())
            )
        }
        Command::Help => "Help".into(),
        Command::Plan => "Working out which clusters emrbot will terminate, and when…".into(),
        Command::History {
            cluster: Some(c), ..
        } => format!("Looking up the history of {}…", code(c.as_str())),
        Command::History { cluster: None, .. } => "Looking up the history…".into(),
        other => format!("Working on `{}`…", other.action()),
    }
}

/// `help`: only what the caller may do here (shared with the worker).
pub use super::clusters::help_text as help;
