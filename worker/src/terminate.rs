//! `terminate <cluster>`: the rules are `emrbot_domain::decide::terminate`
//! (confirmation, locks, force, dry run, protection); here, the reads they
//! need, the scheduler's re-check, the effect and the reply.

use crate::handled::{About, AboutCluster, Done, Failed, Reply};
use crate::Worker;
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::decide::terminate::{self as decide, Effect};
use emrbot_domain::decide::Changed;
use emrbot_domain::message::Requester;
use emrbot_domain::ports::clusters::EmrError;

/// What the `terminate` command asked for.
pub(crate) struct Request<'a> {
    pub ask: decide::Ask,
    /// Why, when the termination is automatic.
    pub reason: Option<&'a str>,
    /// When the command was issued: for the scheduler's, when it decided.
    pub issued_at: chrono::DateTime<chrono::Utc>,
}

impl Worker {
    pub(crate) async fn terminate(
        &self,
        requester: &Requester,
        reference: &ClusterRef,
        request: Request<'_>,
    ) -> Result<Done, Failed> {
        let (c, api) = self.resolve(reference).await?;
        let about = About::of(&c);
        let asker = self.asker(requester);
        // The scheduler's decisions are re-checked now: they may be late.
        let job = match requester {
            Requester::Scheduler { rule } => Some(rule),
            _ => None,
        };
        if let Some(rule) = decide::rule_to_recheck(&c, job).about(&about)? {
            self.recheck_automatic(&c, api.as_ref(), rule, request.issued_at)
                .await
                .about(&about)?;
        }
        let lock = self.locks.get(&c.id).await.about(&about)?;
        let allowed = decide::allowed(asker, &c, lock.as_ref(), request.ask, self.clock.now())
            .about(&about)?;
        let dry_run = self.config.policy.dry_run;
        let protected = match Effect::needs_protection(asker, request.ask, dry_run) {
            true => Some(
                api.describe(&c.id)
                    .await
                    .about(&about)?
                    .termination_protected,
            ),
            false => None,
        };
        let effect =
            decide::effect(asker, &c, allowed, request.ask, dry_run, protected).about(&about)?;
        // A dry run (said and audited, nothing changed) and a confirmation
        // button are replies only; a termination is done first.
        if let Effect::Terminate { .. } = &effect {
            match api.terminate(&c.id).await {
                Ok(()) => {}
                Err(EmrError::TerminationProtected(_)) => {
                    return Err(decide::protected_refusal(&c)).about(&about)
                }
                Err(e) => return Err(e).about(&about),
            }
            if let Err(e) = self.locks.release(&c.id, None).await {
                tracing::warn!(error = %e, "terminated, but the lock could not be removed");
            }
        }
        Ok(Done {
            note: effect.audit(),
            reply: Some(Reply::Changed(Box::new(Changed::Terminate {
                by: requester.display(),
                cluster: c,
                effect,
                force: request.ask.force,
                reason: request.reason.map(str::to_string),
            }))),
            about,
        })
    }
}
