//! The command model: what `/emr <text>` and button clicks mean, parsed once at
//! the door into typed values, and carried on the queue in that typed form.

use crate::cluster::ClusterRef;
use crate::duration::HumanDuration;
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
        /// Which page of a long list (from 1; the first when absent).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        page: Option<u32>,
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
        /// The lock's end the extension aims at (a warning's Extend button
        /// carries it), so a double click or a repeat ends at the same time.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until: Option<chrono::DateTime<chrono::Utc>>,
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
        /// Instances of a group; a fleet's on-demand target capacity.
        count: u32,
        /// A fleet's spot target capacity (fleets only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        spot: Option<u32>,
        /// An admin resizing past another user's lock.
        #[serde(default)]
        force: bool,
    },
    Help,
    /// Every active cluster's fate under the automatic rules, and when.
    Plan,
    /// The audit log: of one cluster, or of every active one.
    History {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cluster: Option<ClusterRef>,
        /// How far back (`None`: a day).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<HumanDuration>,
    },
    /// What the clusters cost over a window of whole days: emrbot's figure
    /// of each, the bill's (Cost Explorer) beside it where enabled, and
    /// totals by who launched them.
    Cost {
        /// `None`: the last 7 days.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        window: Option<crate::billing::CostWindow>,
    },
    /// The requester's App Home: the clusters they hold, those that will be
    /// terminated within a day, the week's automatic terminations.
    Home,
    /// Scheduler: warns the report channel that `cluster` will
    /// be terminated at `at` by `rule` (`idle` or `end_of_day`), with Lock /
    /// Extend 1h / Terminate now buttons. Changes nothing.
    Warn {
        cluster: ClusterRef,
        rule: crate::rule::Rule,
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
    /// Scheduler: an account cannot be reached (`problem`), or can again
    /// (`None`); said once per change. Its clusters are left alone meanwhile.
    AccountNotice {
        account: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        problem: Option<String>,
    },
    /// Scheduler: the daily report, assembled by the scheduler; the worker posts it.
    Report {
        report: Box<crate::report::DailyReport>,
    },
    /// Scheduler: the weekly savings report, from the scheduler's records;
    /// the worker checks each against EMR, prices and posts it.
    Savings {
        report: Box<crate::report::SavingsReport>,
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
    Plan,
    History,
    Cost,
    Help,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::Status,
        Action::Plan,
        Action::History,
        Action::Cost,
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
            Action::Plan => "plan",
            Action::History => "history",
            Action::Cost => "cost",
            Action::Help => "help",
        }
    }

    pub fn parse(word: &str) -> Option<Action> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(word))
    }

    /// The command `word` is most likely a slip of: one it starts (`term`),
    /// or one within two typing mistakes of it (`terminat`, `stauts`), when
    /// exactly one is nearest.
    pub fn nearest(word: &str) -> Option<Action> {
        let word = word.to_ascii_lowercase();
        if word.chars().count() < 2 {
            return None;
        }
        let starting: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|a| word.len() >= 3 && a.as_str().starts_with(&word))
            .collect();
        if let [one] = starting[..] {
            return Some(one);
        }
        let distance = |a: &Action| edit_distance(&word, a.as_str());
        let best = Action::ALL.iter().map(distance).min()?;
        let nearest: Vec<Action> = Action::ALL
            .into_iter()
            .filter(|a| distance(a) == best)
            .collect();
        match nearest[..] {
            [one] if best <= 2 && best < word.chars().count() => Some(one),
            _ => None,
        }
    }

    /// What to type, shown by `help` and in syntax errors.
    pub fn syntax(self) -> &'static str {
        match self {
            Action::Status => "status [cluster | page <n>]",
            Action::Lock => "lock <cluster> [for <duration>] [reason...]",
            Action::Unlock => "unlock <cluster>",
            Action::Extend => "extend <cluster> <duration> [until <time>]",
            Action::Launch => "launch <preset> [name]",
            Action::Terminate => "terminate <cluster>",
            Action::Resize => "resize <cluster> <group> <count> [spot <count>]",
            Action::Plan => "plan",
            Action::History => "history [cluster] [since <duration>]",
            Action::Cost => "cost [7d | 30d | month]",
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
            Action::Plan => "which clusters emrbot will terminate, and when",
            Action::History => "who did what to clusters, when and why",
            Action::Cost => "what the clusters cost, beside the bill, by who launched them",
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
            Command::Plan => Action::Plan,
            Command::History { .. } => Action::History,
            Command::Cost { .. } => Action::Cost,
            // Read only, like `status`.
            Command::Home => Action::Status,
            // Scheduler notices only inform: the `status` permission covers them.
            Command::Warn { .. }
            | Command::IdleAlert { .. }
            | Command::AccountNotice { .. }
            | Command::Report { .. }
            | Command::Savings { .. } => Action::Status,
        }
    }

    /// The cluster the command is about, if any.
    pub fn cluster(&self) -> Option<&ClusterRef> {
        match self {
            Command::Status { cluster, .. } | Command::History { cluster, .. } => cluster.as_ref(),
            Command::Lock { cluster, .. }
            | Command::Unlock { cluster }
            | Command::Extend { cluster, .. }
            | Command::Terminate { cluster, .. }
            | Command::Resize { cluster, .. } => Some(cluster),
            Command::Warn { cluster, .. } | Command::IdleAlert { cluster, .. } => Some(cluster),
            Command::Launch { .. }
            | Command::Help
            | Command::Plan
            | Command::Cost { .. }
            | Command::Home
            | Command::Report { .. }
            | Command::Savings { .. }
            | Command::AccountNotice { .. } => None,
        }
    }
}

mod parse;
#[cfg(test)]
mod tests;

pub use parse::{ParseError, MAX_COMMAND_CHARS};

/// Levenshtein distance, with a swap of two neighbours counting as one edit
/// (optimal string alignment): `stauts` is one slip from `status`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}
