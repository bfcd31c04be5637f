//! `lock`, `unlock` and `extend`: whose lock it is, and until when.

use super::{Asker, AuditNote};
use crate::audit::AuditFact;
use crate::cluster::ClusterId;
use crate::duration::HumanDuration;
use crate::lock::Lock;
use crate::refusal::Refusal;
use chrono::{DateTime, Utc};

/// Take or renew `lock` (one conditional write: of many concurrent takers
/// one wins; the others are refused `Refusal::Locked` by the store's
/// condition, the same rule as [`extend`]'s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakeLock {
    pub lock: Lock,
    /// How long it was asked for (or the default).
    pub duration: HumanDuration,
    /// `extend` on a cluster nobody held: locked for the asker.
    pub snoozed: bool,
}

impl TakeLock {
    pub fn audit(&self) -> AuditNote {
        AuditNote {
            detail: format!("until {}", self.lock.until.to_rfc3339()),
            fact: Some(AuditFact::LockedUntil {
                until: self.lock.until,
                reason: self.lock.reason.clone(),
            }),
        }
    }
}

/// `lock <cluster> [duration] [reason]`: the asker's lock from now, for the
/// duration asked or `default_lock`. Someone else's active lock wins (even
/// over admins, who `unlock` first): the store's conditional write decides
/// that, so no read comes before it.
pub fn lock(
    asker: Asker<'_>,
    cluster: &ClusterId,
    ask: (Option<HumanDuration>, Option<String>),
    default_lock: HumanDuration,
    now: DateTime<Utc>,
) -> TakeLock {
    let (duration, reason) = ask;
    let duration = duration.unwrap_or(default_lock);
    TakeLock {
        lock: Lock::taken(asker.requester, cluster.clone(), now, duration, reason),
        duration,
        snoozed: false,
    }
}

/// What the lock store's conditional release found: the lock it removed (if
/// any), or the lock of someone else it left in place.
pub type Released = Result<Option<Lock>, Lock>;

/// What `unlock` did, as the reply says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unlocked {
    /// An active lock was released; `held_by`: someone else's (an admin's unlock).
    Released { held_by: Option<String> },
    /// Nothing was held; `ended`: whose lock had already run out.
    NotLocked { ended: Option<String> },
}

impl Unlocked {
    /// An active lock ended now: the unlocked grace period starts again.
    pub fn restarts_grace(&self) -> bool {
        matches!(self, Unlocked::Released { .. })
    }
}

/// Whose release `unlock` asks the store for: the asker's own lock, or any
/// lock for an admin.
pub fn unlock_filter(asker: Asker<'_>) -> Option<String> {
    (!asker.is_admin).then(|| asker.holder())
}

/// `unlock <cluster>`, from what the conditional release found. Only the
/// holder (or an admin) may release an active lock; an expired one is
/// nobody's.
pub fn unlocked(
    asker: Asker<'_>,
    released: Released,
    now: DateTime<Utc>,
) -> Result<Unlocked, Refusal> {
    match released {
        Ok(Some(l)) if l.is_active(now) => Ok(Unlocked::Released {
            held_by: (!asker.holds(&l)).then_some(l.holder_display),
        }),
        Ok(_) => Ok(Unlocked::NotLocked { ended: None }),
        Err(l) if !l.is_active(now) => Ok(Unlocked::NotLocked {
            ended: Some(l.holder_display),
        }),
        Err(l) => Err(Refusal::UnlockNotYours(Box::new(l))),
    }
}

/// `extend <cluster> [duration | until <time>]`: the asker's (or, for an
/// admin, anyone's) lock, longer. With a target, repeats converge on it;
/// without, each adds `duration`. On a cluster nobody holds, it snoozes
/// automatic termination by locking the cluster for the asker.
pub fn extend(
    asker: Asker<'_>,
    cluster: &ClusterId,
    current: Option<&Lock>,
    duration: HumanDuration,
    until: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<TakeLock, Refusal> {
    let end = |from: DateTime<Utc>| match until {
        Some(target) => from.max(target),
        None => from + duration.to_chrono(),
    };
    let current = current.filter(|l| l.is_active(now));
    let (lock, snoozed) = match current {
        Some(l) if !asker.holds(l) && !asker.is_admin => {
            return Err(Refusal::Locked(Box::new(l.clone())))
        }
        Some(l) => (
            Lock {
                until: end(l.until),
                ..l.clone()
            },
            false,
        ),
        None => {
            let reason = Some("snoozed automatic termination".into());
            let lock = Lock::taken(asker.requester, cluster.clone(), now, duration, reason);
            (
                Lock {
                    until: end(now),
                    ..lock
                },
                true,
            )
        }
    };
    Ok(TakeLock {
        lock,
        duration,
        snoozed,
    })
}
