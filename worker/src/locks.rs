//! `lock`, `unlock` and `extend`: "I am using this", and letting go.

use crate::error::CommandError;
use crate::trace::Trace;
use crate::Worker;
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::duration::HumanDuration;
use emrbot_domain::lock::{holder_id, Lock};
use emrbot_domain::message::Requester;
use emrbot_domain::ports::locks::LockError;
use emrbot_domain::refusal::Refusal;
use emrbot_shared::slack::render::replies::{self, Named, Unlocked};
use emrbot_shared::slack::SlackMessage;

impl Worker {
    /// Takes (or renews) `lock`, for the audit log too.
    async fn take(&self, lock: &Lock, trace: &mut Trace) -> Result<(), CommandError> {
        self.locks.acquire(lock, self.clock.now()).await?;
        trace.detail = format!("until {}", lock.until.to_rfc3339());
        trace.fact = Some(emrbot_domain::audit::AuditFact::LockedUntil {
            until: lock.until,
            reason: lock.reason.clone(),
        });
        Ok(())
    }

    pub(crate) async fn lock(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        duration: Option<HumanDuration>,
        reason: Option<String>,
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, _) = self.resolve(reference).await?;
        trace.about(&c);
        let now = self.clock.now();
        let duration = duration.unwrap_or(self.config.policy.default_lock);
        let lock = Lock::taken(requester, c.id.clone(), now, duration, reason);
        self.take(&lock, trace).await?;
        Ok(replies::locked(
            &requester.display(),
            Named::of(&c),
            duration,
            lock.until,
            lock.reason.as_deref(),
            self.config.timezone,
        ))
    }

    pub(crate) async fn unlock(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, _) = self.resolve(reference).await?;
        trace.about(&c);
        let now = self.clock.now();
        let holder = holder_id(requester);
        let filter = (!self.is_admin(requester)).then_some(holder.as_str());
        // Ok: what was released, if anything; Err: someone else's lock.
        let released: Result<Option<Lock>, Box<Lock>> =
            match self.locks.release(&c.id, filter).await {
                Ok(released) => Ok(released),
                Err(LockError::HeldByOther(l)) => Err(l),
                Err(LockError::Store(e)) => return Err(e.into()),
            };
        if let Ok(Some(l)) = &released {
            if l.is_active(now) {
                // The unlocked grace period starts again now. If this write
                // fails the scheduler still notices the lock is gone.
                if let Err(e) = self.unlocks.record_unlock(&c.id, now).await {
                    tracing::warn!(error = %e, cluster = %c.id, "could not record the unlock");
                }
            }
        }
        let how = match &released {
            Ok(Some(l)) if l.is_active(now) => Unlocked::Released {
                held_by: (l.holder != holder).then_some(l.holder_display.as_str()),
            },
            Ok(_) => Unlocked::NotLocked { ended: None },
            Err(l) if !l.is_active(now) => Unlocked::NotLocked {
                ended: Some(l.holder_display.as_str()),
            },
            Err(l) => return Err(Refusal::UnlockNotYours(l.clone()).into()),
        };
        Ok(replies::unlocked(&requester.display(), Named::of(&c), how))
    }

    pub(crate) async fn extend(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        duration: HumanDuration,
        until: Option<DateTime<Utc>>,
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, _) = self.resolve(reference).await?;
        trace.about(&c);
        let now = self.clock.now();
        let holder = holder_id(requester);
        let current = self.locks.get(&c.id).await?.filter(|l| l.is_active(now));
        // With a target, repeats converge on it; without, each one adds.
        let end = |from: DateTime<Utc>| match until {
            Some(target) => from.max(target),
            None => from + duration.to_chrono(),
        };
        let (lock, snoozed) = match current {
            Some(l) if l.holder != holder && !self.is_admin(requester) => {
                return Err(Refusal::Locked(Box::new(l)).into())
            }
            Some(l) => (
                Lock {
                    until: end(l.until),
                    ..l
                },
                false,
            ),
            // Nobody holds it: snooze automatic termination by locking it for the caller.
            None => {
                let reason = Some("snoozed automatic termination".into());
                let lock = Lock::taken(requester, c.id.clone(), now, duration, reason);
                let until = end(now);
                (Lock { until, ..lock }, true)
            }
        };
        self.take(&lock, trace).await?;
        Ok(replies::extended(
            &requester.display(),
            Named::of(&c),
            duration,
            lock.until,
            snoozed,
            self.config.timezone,
        ))
    }
}
