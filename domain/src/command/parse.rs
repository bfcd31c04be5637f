//! Parsing what a user typed after `/emr` into a [`Command`].

use super::{Action, Command};
use crate::cluster::{ClusterNameError, ClusterRef};
use crate::duration::{DurationError, HumanDuration};

impl Command {
    /// Parses the text after the slash command (`/emr <text>`).
    pub fn parse(text: &str) -> Result<Command, ParseError> {
        let length = text.chars().count();
        if length > MAX_COMMAND_CHARS {
            return Err(ParseError::TooLong(length));
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some((&first, args)) = words.split_first() else {
            return Ok(Command::Status {
                cluster: None,
                page: None,
            });
        };
        let first = if first == "?" { "help" } else { first };
        let action = Action::parse(first).ok_or_else(|| ParseError::UnknownSubcommand {
            word: clip(first),
            near: Action::nearest(first),
        })?;
        let usage_error = || ParseError::Usage(action);
        let cluster_at = |i: usize| cluster_arg(args, i, action);
        let command = match action {
            Action::Help => Command::Help,
            Action::Plan => exact(args, 0, action, || Ok(Command::Plan))?,
            Action::Cost => match args {
                [] => Command::Cost { window: None },
                [word] => Command::Cost {
                    window: Some(crate::billing::CostWindow::parse(word).ok_or_else(usage_error)?),
                },
                _ => return Err(usage_error()),
            },
            Action::History => history(args, action)?,
            Action::Lock => lock(args, action)?,
            Action::Extend => extend(args, action)?,
            Action::Resize => resize(args, action)?,
            Action::Status => match args {
                [] => Command::Status {
                    cluster: None,
                    page: None,
                },
                [_] => Command::Status {
                    cluster: Some(cluster_at(0)?),
                    page: None,
                },
                [word, n] if word.eq_ignore_ascii_case("page") => Command::Status {
                    cluster: None,
                    page: Some(n.parse().ok().filter(|n| *n >= 1).ok_or_else(usage_error)?),
                },
                _ => return Err(usage_error()),
            },
            Action::Unlock => exact(args, 1, action, || {
                Ok(Command::Unlock {
                    cluster: cluster_at(0)?,
                })
            })?,
            Action::Launch => match args {
                [preset] => Command::Launch {
                    preset: preset_name(preset)?,
                    cluster_name: None,
                },
                [preset, name @ ..] => Command::Launch {
                    preset: preset_name(preset)?,
                    cluster_name: Some(cluster_name(&name.join(" "))?),
                },
                [] => return Err(usage_error()),
            },
            Action::Terminate => {
                let cluster = cluster_at(0)?;
                let force = match &args[1..] {
                    [] => false,
                    [flag] if is_force(flag) => true,
                    _ => return Err(usage_error()),
                };
                Command::Terminate {
                    cluster,
                    confirmed: false,
                    force,
                    reason: None,
                }
            }
        };
        Ok(command)
    }
}

/// The cluster named by `args[i]`; missing: the action's usage.
fn cluster_arg(args: &[&str], i: usize, action: Action) -> Result<ClusterRef, ParseError> {
    let word = args.get(i).ok_or(ParseError::Usage(action))?;
    Ok(ClusterRef::parse(word)?)
}

/// `history [cluster] [since <duration>]`
fn history(args: &[&str], action: Action) -> Result<Command, ParseError> {
    let usage_error = || ParseError::Usage(action);
    let (cluster, rest) = match args {
        [first, rest @ ..] if !first.eq_ignore_ascii_case("since") => {
            (Some(ClusterRef::parse(first)?), rest)
        }
        rest => (None, rest),
    };
    let since = match rest {
        [] => None,
        [word, d] if word.eq_ignore_ascii_case("since") => Some(d.parse()?),
        _ => return Err(usage_error()),
    };
    Ok(Command::History { cluster, since })
}

/// `lock <cluster> [[for] <duration>] [reason…]`
fn lock(args: &[&str], action: Action) -> Result<Command, ParseError> {
    let usage_error = || ParseError::Usage(action);
    let cluster_at = |i: usize| cluster_arg(args, i, action);
    let cluster = cluster_at(0)?;
    let mut rest = &args[1..];
    let mut duration = None;
    if let [first, tail @ ..] = rest {
        if first.eq_ignore_ascii_case("for") {
            let word = tail.first().ok_or_else(usage_error)?;
            duration = Some(word.parse()?);
            rest = &tail[1..];
        } else if let Ok(d) = first.parse::<HumanDuration>() {
            duration = Some(d);
            rest = tail;
        }
    }
    let reason = (!rest.is_empty()).then(|| clip_reason(&rest.join(" ")));
    Ok(Command::Lock {
        cluster,
        duration,
        reason,
    })
}

/// `extend <cluster> <duration> [until <rfc3339>]`
fn extend(args: &[&str], action: Action) -> Result<Command, ParseError> {
    let usage_error = || ParseError::Usage(action);
    let cluster_at = |i: usize| cluster_arg(args, i, action);
    let until = match args {
        [_, _] => None,
        [_, _, word, time] if word.eq_ignore_ascii_case("until") => Some(
            chrono::DateTime::parse_from_rfc3339(time)
                .map_err(|_| usage_error())?
                .with_timezone(&chrono::Utc),
        ),
        _ => return Err(usage_error()),
    };
    let word = args[1].strip_prefix('+').unwrap_or(args[1]);
    Ok(Command::Extend {
        cluster: cluster_at(0)?,
        duration: word.parse()?,
        until,
    })
}

/// `resize <cluster> <group> <count> [spot <count>] [force]`
fn resize(args: &[&str], action: Action) -> Result<Command, ParseError> {
    let usage_error = || ParseError::Usage(action);
    let cluster_at = |i: usize| cluster_arg(args, i, action);
    let [_, group, count, rest @ ..] = args else {
        return Err(usage_error());
    };
    if group.len() > 256 {
        return Err(usage_error());
    }
    let (spot, force) = match rest {
        [] => (None, false),
        [f] if is_force(f) => (None, true),
        [s, n] if s.eq_ignore_ascii_case("spot") => (Some(instance_count(n)?), false),
        [s, n, f] if s.eq_ignore_ascii_case("spot") && is_force(f) => {
            (Some(instance_count(n)?), true)
        }
        _ => return Err(usage_error()),
    };
    Ok(Command::Resize {
        cluster: cluster_at(0)?,
        group: group.to_string(),
        count: instance_count(count)?,
        spot,
        force,
    })
}

/// The longest command text accepted (Slack itself sends at most 4000 characters).
pub const MAX_COMMAND_CHARS: usize = 4000;

fn exact(
    args: &[&str],
    n: usize,
    action: Action,
    build: impl FnOnce() -> Result<Command, ParseError>,
) -> Result<Command, ParseError> {
    if args.len() != n {
        return Err(ParseError::Usage(action));
    }
    build()
}

/// The most instances (or capacity units) a command may ask for; EMR counts
/// in 32-bit integers, and no group is this big.
pub const MAX_COUNT: u32 = 10_000;

fn instance_count(word: &str) -> Result<u32, ParseError> {
    word.parse::<u32>()
        .ok()
        .filter(|n| *n <= MAX_COUNT)
        .ok_or_else(|| ParseError::BadCount(clip(word)))
}

fn is_force(word: &str) -> bool {
    word.eq_ignore_ascii_case("force") || word == "--force"
}

fn preset_name(word: &str) -> Result<String, ParseError> {
    let ok = !word.is_empty()
        && word.len() <= 64
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then(|| word.to_string())
        .ok_or_else(|| ParseError::BadPreset(clip(word)))
}

/// EMR cluster names: up to 256 characters, printable.
fn cluster_name(name: &str) -> Result<String, ParseError> {
    if name.chars().count() > 256 || name.chars().any(char::is_control) {
        return Err(ParseError::Usage(Action::Launch));
    }
    Ok(name.to_string())
}

fn near_miss(near: Option<Action>) -> String {
    match near {
        Some(action) => format!(": did you mean `{}`?", action.as_str()),
        None => ".".into(),
    }
}

fn clip(word: &str) -> String {
    word.chars().take(40).collect()
}

fn clip_reason(reason: &str) -> String {
    reason
        .chars()
        .filter(|c| !c.is_control())
        .take(500)
        .collect()
}

/// Why the text of a command could not be understood. `Display` is the short
/// message the user sees.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("I don't know `{word}`{}", near_miss(*.near))]
    UnknownSubcommand {
        word: String,
        /// The command it is a slip of, if any.
        near: Option<Action>,
    },
    #[error("Usage: `{}`", .0.syntax())]
    Usage(Action),
    #[error(transparent)]
    Cluster(#[from] ClusterNameError),
    #[error(transparent)]
    Duration(#[from] DurationError),
    #[error("`{0}` is not an instance count; give a whole number from 0 to 10000")]
    BadCount(String),
    #[error("`{0}` is not a preset name (letters, digits, - and _)")]
    BadPreset(String),
    #[error("that command is {0} characters long; the most is 4000")]
    TooLong(usize),
}
