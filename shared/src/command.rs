//! The command model: what `/emr <text>` and button clicks mean, parsed once at
//! the door into typed values, and carried on the queue in that typed form.

use crate::cluster::{ClusterNameError, ClusterRef};
use crate::duration::{DurationError, HumanDuration};
use serde::{Deserialize, Serialize};
use std::fmt;

/// One thing a user or service asks emrbot to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case")]
pub enum Command {
    /// Every active cluster, or one in detail.
    Status {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster: Option<ClusterRef>,
    },
    Lock {
        cluster: ClusterRef,
        /// `None`: the configured `policy.default_lock`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration: Option<HumanDuration>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Unlock {
        cluster: ClusterRef,
    },
    Extend {
        cluster: ClusterRef,
        duration: HumanDuration,
    },
    Launch {
        preset: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster_name: Option<String>,
    },
    Terminate {
        cluster: ClusterRef,
        /// `false` asks the user to confirm with a button; the click sends `true`.
        #[serde(default)]
        confirmed: bool,
        /// An admin overriding another user's lock.
        #[serde(default)]
        force: bool,
        /// Why, when the termination is automatic (scheduler); shown and audited.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Resize {
        cluster: ClusterRef,
        /// Instance group or fleet: its id, its name, or its role (`core`, `task`).
        group: String,
        count: u32,
    },
    Help,
    /// Scheduler (PRODUCT.md §2): warns the report channel that `cluster` will
    /// be terminated at `at` by `rule` (`idle` or `end_of_day`), with Lock /
    /// Extend 1h / Terminate now buttons. Changes nothing.
    Warn {
        cluster: ClusterRef,
        rule: String,
        at: chrono::DateTime<chrono::Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster_name: Option<String>,
    },
    /// Scheduler: `cluster` has been idle since `since` (Lock / Terminate buttons).
    IdleAlert {
        cluster: ClusterRef,
        since: chrono::DateTime<chrono::Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster_name: Option<String>,
        /// Who holds its lock, if anyone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        holder: Option<String>,
    },
    /// Scheduler: the daily report, assembled by the scheduler; the worker posts it.
    Report {
        report: Box<crate::policy::report::DailyReport>,
    },
}

/// The permission a command needs; names match `permissions.channels[].allow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Status,
    Lock,
    Unlock,
    Extend,
    Launch,
    Terminate,
    Resize,
    Help,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::Status,
        Action::Lock,
        Action::Unlock,
        Action::Extend,
        Action::Launch,
        Action::Terminate,
        Action::Resize,
        Action::Help,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Status => "status",
            Action::Lock => "lock",
            Action::Unlock => "unlock",
            Action::Extend => "extend",
            Action::Launch => "launch",
            Action::Terminate => "terminate",
            Action::Resize => "resize",
            Action::Help => "help",
        }
    }

    pub fn parse(word: &str) -> Option<Action> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(word))
    }

    /// What to type, shown by `help` and in syntax errors.
    pub fn syntax(self) -> &'static str {
        match self {
            Action::Status => "status [cluster]",
            Action::Lock => "lock <cluster> [for <duration>] [reason...]",
            Action::Unlock => "unlock <cluster>",
            Action::Extend => "extend <cluster> <duration>",
            Action::Launch => "launch <preset> [name]",
            Action::Terminate => "terminate <cluster>",
            Action::Resize => "resize <cluster> <group> <count>",
            Action::Help => "help",
        }
    }

    /// What it does, for `help`.
    pub fn purpose(self) -> &'static str {
        match self {
            Action::Status => "every active cluster, or one in detail",
            Action::Lock => "say you are using it",
            Action::Unlock => "release your lock",
            Action::Extend => "extend your lock, or snooze automatic termination",
            Action::Launch => "start a cluster from a preset",
            Action::Terminate => "terminate (asks you to confirm)",
            Action::Resize => "change the size of a core or task group",
            Action::Help => "this message",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Command {
    pub fn action(&self) -> Action {
        match self {
            Command::Status { .. } => Action::Status,
            Command::Lock { .. } => Action::Lock,
            Command::Unlock { .. } => Action::Unlock,
            Command::Extend { .. } => Action::Extend,
            Command::Launch { .. } => Action::Launch,
            Command::Terminate { .. } => Action::Terminate,
            Command::Resize { .. } => Action::Resize,
            Command::Help => Action::Help,
            // Scheduler notices only inform: the `status` permission covers them.
            Command::Warn { .. } | Command::IdleAlert { .. } | Command::Report { .. } => {
                Action::Status
            }
        }
    }

    /// The cluster the command is about, if any.
    pub fn cluster(&self) -> Option<&ClusterRef> {
        match self {
            Command::Status { cluster } => cluster.as_ref(),
            Command::Lock { cluster, .. }
            | Command::Unlock { cluster }
            | Command::Extend { cluster, .. }
            | Command::Terminate { cluster, .. }
            | Command::Resize { cluster, .. } => Some(cluster),
            Command::Warn { cluster, .. } | Command::IdleAlert { cluster, .. } => Some(cluster),
            Command::Launch { .. } | Command::Help | Command::Report { .. } => None,
        }
    }

    /// Parses the text after the slash command (`/emr <text>`).
    pub fn parse(text: &str) -> Result<Command, ParseError> {
        let length = text.chars().count();
        if length > MAX_COMMAND_CHARS {
            return Err(ParseError::TooLong(length));
        }
        let words: Vec<&str> = text.split_whitespace().collect();
        let Some((&first, args)) = words.split_first() else {
            return Ok(Command::Status { cluster: None });
        };
        let first = if first == "?" { "help" } else { first };
        let action =
            Action::parse(first).ok_or_else(|| ParseError::UnknownSubcommand(clip(first)))?;
        let usage_error = || ParseError::Usage(action);
        let cluster_at = |i: usize| -> Result<ClusterRef, ParseError> {
            let word = args.get(i).ok_or_else(usage_error)?;
            Ok(ClusterRef::parse(word)?)
        };
        let command = match action {
            Action::Help => Command::Help,
            Action::Status => match args {
                [] => Command::Status { cluster: None },
                [_] => Command::Status {
                    cluster: Some(cluster_at(0)?),
                },
                _ => return Err(usage_error()),
            },
            Action::Lock => {
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
                Command::Lock {
                    cluster,
                    duration,
                    reason,
                }
            }
            Action::Unlock => exact(args, 1, action, || {
                Ok(Command::Unlock {
                    cluster: cluster_at(0)?,
                })
            })?,
            Action::Extend => exact(args, 2, action, || {
                let word = args[1].strip_prefix('+').unwrap_or(args[1]);
                Ok(Command::Extend {
                    cluster: cluster_at(0)?,
                    duration: word.parse()?,
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
                    [flag] if flag.eq_ignore_ascii_case("force") || *flag == "--force" => true,
                    _ => return Err(usage_error()),
                };
                Command::Terminate {
                    cluster,
                    confirmed: false,
                    force,
                    reason: None,
                }
            }
            Action::Resize => exact(args, 3, action, || {
                let count = args[2]
                    .parse::<u32>()
                    .map_err(|_| ParseError::BadCount(clip(args[2])))?;
                if count > 10_000 {
                    return Err(ParseError::BadCount(clip(args[2])));
                }
                let group = args[1];
                if group.len() > 256 {
                    return Err(usage_error());
                }
                Ok(Command::Resize {
                    cluster: cluster_at(0)?,
                    group: group.to_string(),
                    count,
                })
            })?,
        };
        Ok(command)
    }
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
    #[error("I don't know `{0}`. Try `help`.")]
    UnknownSubcommand(String),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(s: &str) -> ClusterRef {
        ClusterRef::parse(s).unwrap()
    }

    #[test]
    fn empty_text_is_status() {
        assert_eq!(
            Command::parse("  ").unwrap(),
            Command::Status { cluster: None }
        );
        assert_eq!(
            Command::parse("STATUS adhoc").unwrap(),
            Command::Status {
                cluster: Some(cluster("adhoc"))
            }
        );
    }

    #[test]
    fn lock_takes_optional_duration_and_reason() {
        assert_eq!(
            Command::parse("lock adhoc for 2h backfill of March").unwrap(),
            Command::Lock {
                cluster: cluster("adhoc"),
                duration: Some("2h".parse().unwrap()),
                reason: Some("backfill of March".into())
            }
        );
        assert_eq!(
            Command::parse("lock j-1ABC").unwrap(),
            Command::Lock {
                cluster: cluster("j-1ABC"),
                duration: None,
                reason: None
            }
        );
        assert_eq!(
            Command::parse("lock adhoc 90m").unwrap(),
            Command::Lock {
                cluster: cluster("adhoc"),
                duration: Some("90m".parse().unwrap()),
                reason: None
            }
        );
        assert!(matches!(
            Command::parse("lock adhoc for"),
            Err(ParseError::Usage(Action::Lock))
        ));
        assert!(matches!(
            Command::parse("lock adhoc for soon"),
            Err(ParseError::Duration(_))
        ));
    }

    #[test]
    fn the_rest_of_the_grammar() {
        assert_eq!(
            Command::parse("unlock adhoc").unwrap(),
            Command::Unlock {
                cluster: cluster("adhoc")
            }
        );
        assert_eq!(
            Command::parse("extend adhoc 1h").unwrap(),
            Command::Extend {
                cluster: cluster("adhoc"),
                duration: "1h".parse().unwrap()
            }
        );
        assert_eq!(
            Command::parse("launch adhoc my test cluster").unwrap(),
            Command::Launch {
                preset: "adhoc".into(),
                cluster_name: Some("my test cluster".into())
            }
        );
        assert_eq!(
            Command::parse("terminate j-1ABC").unwrap(),
            Command::Terminate {
                cluster: cluster("j-1ABC"),
                confirmed: false,
                force: false,
                reason: None
            }
        );
        assert_eq!(
            Command::parse("terminate j-1ABC force").unwrap(),
            Command::Terminate {
                cluster: cluster("j-1ABC"),
                confirmed: false,
                force: true,
                reason: None
            }
        );
        assert_eq!(
            Command::parse("resize adhoc core 4").unwrap(),
            Command::Resize {
                cluster: cluster("adhoc"),
                group: "core".into(),
                count: 4
            }
        );
        assert_eq!(Command::parse("help").unwrap(), Command::Help);
    }

    #[test]
    fn errors_say_what_to_type() {
        assert_eq!(
            Command::parse("frobnicate").unwrap_err().to_string(),
            "I don't know `frobnicate`. Try `help`."
        );
        assert!(Command::parse("unlock")
            .unwrap_err()
            .to_string()
            .contains("unlock <cluster>"));
        assert!(matches!(
            Command::parse("resize a core many"),
            Err(ParseError::BadCount(_))
        ));
        assert!(matches!(
            Command::parse("resize a core -1"),
            Err(ParseError::BadCount(_))
        ));
        assert!(matches!(
            Command::parse("launch ../etc"),
            Err(ParseError::BadPreset(_))
        ));
    }

    #[test]
    fn serializes_as_the_queue_contract_says() {
        let c = Command::parse("lock adhoc for 1h30m ETL").unwrap();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name":"lock","cluster":"adhoc","duration":"1h30m","reason":"ETL"})
        );
        assert_eq!(serde_json::from_value::<Command>(json).unwrap(), c);
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,200}") {
            let _ = Command::parse(&s);
        }
    }
}
