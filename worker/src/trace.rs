//! What the audit log should say about a command, filled in as it runs.

use emrbot_domain::cluster::ClusterId;
use emrbot_domain::emr::ClusterSummary;

/// What the audit log should say about a command.
#[derive(Debug, Default)]
pub struct Trace {
    pub cluster: Option<ClusterId>,
    /// The cluster's name, so that its history is found by name once EMR
    /// no longer lists it.
    pub name: Option<String>,
    pub account: Option<String>,
    pub detail: String,
    /// What `detail` says, typed, for the history.
    pub fact: Option<emrbot_domain::audit::AuditFact>,
}

impl Trace {
    pub fn about(&mut self, c: &ClusterSummary) {
        self.cluster = Some(c.id.clone());
        self.name = Some(c.name.clone()).filter(|n| !n.is_empty());
        self.account = c.account.clone();
    }
}
