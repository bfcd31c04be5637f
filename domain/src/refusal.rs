//! Why emrbot will not do what was asked, as typed facts. The Slack adapter
//! renders each one (`emrbot_shared::slack::render::refusal`); the audit log
//! keeps it typed and renders it the same way when the history is shown.

use crate::command::Action;
use crate::lock::Lock;
use crate::policy::recheck::Spare;
use crate::policy::Rule;
use crate::ClusterId;
use serde::{Deserialize, Serialize};

/// Serializable: the audit log keeps it typed, to render it again later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "refusal", rename_all = "snake_case")]
pub enum Refusal {
    /// The channel's (or the service's) permissions do not include `action`.
    NotPermitted {
        who: String,
        action: Action,
        is_service: bool,
    },
    /// `terminate … force` from someone who is not an admin.
    ForceNeedsAdmin,
    NoSuchCluster {
        reference: String,
    },
    Ambiguous {
        reference: String,
        /// (name, id) of each candidate.
        candidates: Vec<(String, ClusterId)>,
    },
    AccountNotConfigured {
        account: String,
    },
    NoSuchPreset {
        preset: String,
        known: Vec<String>,
    },
    /// `launch … <name>` where `name` is another active cluster's name or id.
    NameTaken {
        name: String,
    },
    /// Someone else holds the lock (lock, extend).
    Locked(Box<Lock>),
    /// Someone else holds the lock; only they or an admin may unlock.
    UnlockNotYours(Box<Lock>),
    /// Someone else holds the lock, so the termination did not happen.
    TerminateLocked {
        name: String,
        lock: Box<Lock>,
        /// `force` was asked for by someone who may not force.
        forced: bool,
    },
    TerminationProtected {
        name: String,
        id: ClusterId,
    },
    /// Only core and task groups can be resized.
    NotResizable,
    CoreNeedsOne,
    /// `spot <count>` on an instance group.
    SpotNeedsFleet,
    OverPresetLimit {
        preset: String,
        max: u32,
        role: String,
        count: u32,
    },
    NoSuchGroup {
        group: String,
        /// `role id` of each group the cluster has.
        known: Vec<String>,
    },
    SeveralGroups {
        group: String,
        ids: Vec<String>,
    },
    /// EMR refused for a reason a retry cannot fix.
    Emr(String),
    /// An automatic termination that no longer holds (see `policy::recheck`).
    Spared {
        name: String,
        id: ClusterId,
        rule: Rule,
        why: Spare,
    },
    /// A termination sent by a scheduler job that is no terminating rule
    /// this version knows: it cannot be re-checked, so it is not done.
    UnknownRule {
        name: String,
        id: ClusterId,
        rule: String,
    },
}
