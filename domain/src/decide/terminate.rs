//! `terminate <cluster>`: confirmation first, locks respected (admins and the
//! scheduler's own decisions may force past them), the scheduler's rule
//! known (it is re-checked), dry runs said and not done, EMR's termination
//! protection explained.

use super::{Asker, AuditNote};
use crate::emr::ClusterSummary;
use crate::lock::Lock;
use crate::refusal::Refusal;
use crate::rule::{Job, Rule};
use chrono::{DateTime, Utc};

/// What `terminate` asked for.
#[derive(Debug, Clone, Copy)]
pub struct Ask {
    /// `false`: ask for confirmation with a button.
    pub confirmed: bool,
    /// Past another user's lock (admins and the scheduler only).
    pub force: bool,
}

/// The rule a scheduler's termination must be re-checked against, or why
/// it cannot be: a job this version does not know as a terminating rule.
/// `Ok(None)`: not the scheduler's, nothing to re-check.
pub fn rule_to_recheck(
    cluster: &ClusterSummary,
    job: Option<&Job>,
) -> Result<Option<Rule>, Refusal> {
    match job {
        None => Ok(None),
        Some(job) => job.rule().map(Some).ok_or_else(|| Refusal::UnknownRule {
            name: cluster.name.clone(),
            id: cluster.id.clone(),
            rule: job.to_string(),
        }),
    }
}

/// Past the lock check: whose lock, if anyone's, the termination goes past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowed {
    pub past_lock: Option<Lock>,
}

/// May `asker` terminate the cluster, given its lock? Someone else's active
/// lock stops it unless `force` comes from an admin or the scheduler.
pub fn allowed(
    asker: Asker<'_>,
    cluster: &ClusterSummary,
    lock: Option<&Lock>,
    ask: Ask,
    now: DateTime<Utc>,
) -> Result<Allowed, Refusal> {
    let past_lock = super::held_by_other(asker, lock, now);
    let may_force = ask.force && (asker.is_admin || asker.is_scheduler());
    match past_lock {
        Some(l) if !may_force => Err(Refusal::TerminateLocked {
            name: cluster.name.clone(),
            lock: Box::new(l),
            forced: ask.force,
        }),
        past_lock => Ok(Allowed { past_lock }),
    }
}

/// What to do once allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The scheduler's termination under `policy.dry_run`: said, not done.
    DryRun,
    /// Ask with a button first; `holder`: whose lock a confirmed click goes past.
    Confirm { holder: Option<String> },
    /// TerminateJobFlows, then drop the lock.
    Terminate { past_lock: Option<Lock> },
}

impl Effect {
    /// Whether deciding needs to know if EMR protects the cluster (it is
    /// asked only before offering the button: a confirmed termination
    /// learns it from EMR's refusal).
    pub fn needs_protection(asker: Asker<'_>, ask: Ask, dry_run: bool) -> bool {
        let dry_run_by_scheduler = dry_run && asker.is_scheduler();
        !(ask.confirmed || dry_run_by_scheduler)
    }

    pub fn audit(&self) -> AuditNote {
        AuditNote::says(match self {
            Effect::DryRun => "dry run: not terminated".to_string(),
            Effect::Confirm { .. } => "asked for confirmation".to_string(),
            Effect::Terminate { past_lock: Some(l) } => {
                format!("terminated, forced past {}'s lock", l.holder_display)
            }
            Effect::Terminate { past_lock: None } => "terminated".to_string(),
        })
    }
}

/// The effect of an allowed termination. `protected`: EMR's termination
/// protection, when [`Effect::needs_protection`] said to read it.
pub fn effect(
    asker: Asker<'_>,
    cluster: &ClusterSummary,
    allowed: Allowed,
    ask: Ask,
    dry_run: bool,
    protected: Option<bool>,
) -> Result<Effect, Refusal> {
    if dry_run && asker.is_scheduler() {
        return Ok(Effect::DryRun);
    }
    if !ask.confirmed {
        if protected == Some(true) {
            return Err(protected_refusal(cluster));
        }
        return Ok(Effect::Confirm {
            holder: allowed.past_lock.map(|l| l.holder_display),
        });
    }
    Ok(Effect::Terminate {
        past_lock: allowed.past_lock,
    })
}

/// EMR refuses: termination protection is on.
pub fn protected_refusal(cluster: &ClusterSummary) -> Refusal {
    Refusal::TerminationProtected {
        name: cluster.name.clone(),
        id: cluster.id.clone(),
    }
}
