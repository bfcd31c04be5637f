//! What the ingress's acknowledgement says: the command as understood, in
//! words, so the user sees at once what emrbot is about to do (the ingress has
//! no EMR access, so it names the cluster as the user typed it).

use crate::slack::blocks::escape;
use emrbot_domain::command::Command;
use emrbot_domain::Config;

/// The acknowledgement when the enqueue failed.
pub const ENQUEUE_FAILED: &str =
    "Sorry, emrbot could not queue that command just now, so nothing was done. Please try again in a minute.";

fn code(text: &str) -> String {
    format!("`{}`", escape(&text.replace('`', "'")))
}

/// "Terminating `j-1ABC`: waiting for your confirmation…"
pub fn understood(command: &Command, config: &Config) -> String {
    match command {
        Command::Status { cluster: None } => "Looking up every active cluster…".into(),
        Command::Status { cluster: Some(c) } => format!("Looking up {}…", code(c.as_str())),
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
        Command::Extend { cluster, duration } => {
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
        } => {
            let unit = if *count == 1 { "instance" } else { "instances" };
            format!(
                "Resizing {} of {} to {count} {unit}…",
                code(group),
                code(cluster.as_str())
            )
        }
        Command::Help => "Help".into(),
        other => format!("Working on `{}`…", other.action()),
    }
}

/// `help`: only what the caller may do here (shared with the worker).
pub use super::clusters::help_text as help;
