//! `lock`, `unlock` and `extend`: "I am using this", and letting go. The
//! rules: `emrbot_domain::decide::lock`.

use crate::error::CommandError;
use crate::handled::{About, AboutCluster, Done, Failed, Reply};
use crate::Worker;
use chrono::{DateTime, Utc};
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::decide::{lock as decide, AuditNote, Changed};
use emrbot_domain::duration::HumanDuration;
use emrbot_domain::message::Requester;
use emrbot_domain::ports::locks::LockError;

impl Worker {
    /// Takes (or renews) the decided lock: someone else's is refused by the
    /// store's condition (`CommandError`'s `From<LockError>`).
    async fn take(&self, take: &decide::TakeLock) -> Result<(), CommandError> {
        Ok(self.locks.acquire(&take.lock, self.clock.now()).await?)
    }

    pub(crate) async fn lock(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        duration: Option<HumanDuration>,
        reason: Option<String>,
    ) -> Result<Done, Failed> {
        let (c, _) = self.resolve(reference).await?;
        let about = About::of(&c);
        let now = self.clock.now();
        let default = self.config.policy.default_lock;
        let ask = (duration, reason);
        let take = decide::lock(self.asker(requester), &c.id, ask, default, now);
        self.take(&take).await.about(&about)?;
        Ok(Done {
            note: take.audit(),
            reply: Some(Reply::Changed(Box::new(Changed::Locked {
                by: requester.display(),
                cluster: c,
                take,
            }))),
            about,
        })
    }

    pub(crate) async fn unlock(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
    ) -> Result<Done, Failed> {
        let (c, _) = self.resolve(reference).await?;
        let about = About::of(&c);
        let now = self.clock.now();
        let asker = self.asker(requester);
        let filter = decide::unlock_filter(asker);
        let released = match self.locks.release(&c.id, filter.as_deref()).await {
            Ok(released) => Ok(released),
            Err(LockError::HeldByOther(l)) => Err(*l),
            Err(LockError::Store(e)) => return Err(e).about(&about),
        };
        let unlocked = decide::unlocked(asker, released, now).about(&about)?;
        if unlocked.restarts_grace() {
            // If this write fails the scheduler still notices the lock is gone.
            if let Err(e) = self.unlocks.record_unlock(&c.id, now).await {
                tracing::warn!(error = %e, cluster = %c.id, "could not record the unlock");
            }
        }
        Ok(Done {
            reply: Some(Reply::Changed(Box::new(Changed::Unlocked {
                by: requester.display(),
                cluster: c,
                how: unlocked,
            }))),
            about,
            note: AuditNote::default(),
        })
    }

    pub(crate) async fn extend(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        duration: HumanDuration,
        until: Option<DateTime<Utc>>,
    ) -> Result<Done, Failed> {
        let (c, _) = self.resolve(reference).await?;
        let about = About::of(&c);
        let now = self.clock.now();
        let current = self.locks.get(&c.id).await.about(&about)?;
        let take = decide::extend(
            self.asker(requester),
            &c.id,
            current.as_ref(),
            duration,
            until,
            now,
        )
        .about(&about)?;
        self.take(&take).await.about(&about)?;
        Ok(Done {
            note: take.audit(),
            reply: Some(Reply::Changed(Box::new(Changed::Extended {
                by: requester.display(),
                cluster: c,
                take,
            }))),
            about,
        })
    }
}
