//! `terminate <cluster>`: confirmation first, locks respected (admins and the
//! scheduler's own decisions aside), EMR's termination protection explained.

use crate::error::CommandError;
use crate::trace::Trace;
use crate::Worker;
use emrbot_domain::cluster::ClusterRef;
use emrbot_domain::lock::holder_id;
use emrbot_domain::message::Requester;
use emrbot_domain::ports::clusters::EmrError;
use emrbot_domain::refusal::Refusal;
use emrbot_shared::slack::render::{self, replies, replies::Named};
use emrbot_shared::slack::SlackMessage;

/// What the `terminate` command asked for.
pub(crate) struct Request<'a> {
    /// `false`: ask for confirmation with a button.
    pub confirmed: bool,
    /// An admin overriding another user's lock.
    pub force: bool,
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
        trace: &mut Trace,
    ) -> Result<SlackMessage, CommandError> {
        let (c, api) = self.resolve(reference).await?;
        trace.about(&c);
        // The scheduler's decisions are re-checked now: they may be late.
        if let Requester::Scheduler { rule: job } = requester {
            let Some(rule) = job.rule() else {
                return Err(Refusal::UnknownRule {
                    name: c.name.clone(),
                    id: c.id.clone(),
                    rule: job.to_string(),
                }
                .into());
            };
            self.recheck_automatic(&c, api.as_ref(), rule, request.issued_at)
                .await?;
        }
        let now = self.clock.now();
        let may_force = request.force
            && (self.is_admin(requester) || matches!(requester, Requester::Scheduler { .. }));
        let other_lock = self
            .locks
            .get(&c.id)
            .await?
            .filter(|l| l.is_active(now) && l.holder != holder_id(requester));
        if let Some(l) = &other_lock {
            if !may_force {
                return Err(Refusal::TerminateLocked {
                    name: c.name.clone(),
                    lock: Box::new(l.clone()),
                    forced: request.force,
                }
                .into());
            }
        }
        if self.config.policy.dry_run && matches!(requester, Requester::Scheduler { .. }) {
            // Rollout: said and audited, nothing changed.
            trace.detail = "dry run: not terminated".into();
            return Ok(replies::would_terminate(
                Named::of(&c),
                c.account.as_deref(),
                request.reason,
            ));
        }
        let protected = || Refusal::TerminationProtected {
            name: c.name.clone(),
            id: c.id.clone(),
        };
        if !request.confirmed {
            if api.describe(&c.id).await?.termination_protected {
                return Err(protected().into());
            }
            trace.detail = "asked for confirmation".into();
            return Ok(render::terminate_confirmation(
                &c,
                request.force,
                other_lock.as_ref().map(|l| l.holder_display.as_str()),
            ));
        }
        match api.terminate(&c.id).await {
            Ok(()) => {}
            Err(EmrError::TerminationProtected(_)) => return Err(protected().into()),
            Err(e) => return Err(e.into()),
        }
        if let Err(e) = self.locks.release(&c.id, None).await {
            tracing::warn!(error = %e, "terminated, but the lock could not be removed");
        }
        trace.detail = match &other_lock {
            Some(l) => format!("terminated, forced past {}'s lock", l.holder_display),
            None => "terminated".into(),
        };
        Ok(replies::terminated(
            &requester.display(),
            Named::of(&c),
            c.account.as_deref(),
            request.reason,
        ))
    }
}
