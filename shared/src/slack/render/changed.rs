//! The replies of the commands that change something, from what their
//! decision says changed (`emrbot_domain::decide::Changed`).

use super::replies::{self, Named};
use crate::slack::SlackMessage;
use chrono_tz::Tz;
use emrbot_domain::decide::terminate::Effect;
use emrbot_domain::decide::Changed;

pub fn changed(change: &Changed, tz: Tz) -> SlackMessage {
    match change {
        Changed::Locked { by, cluster, take } => replies::locked(
            by,
            Named::of(cluster),
            take.duration,
            take.lock.until,
            take.lock.reason.as_deref(),
            tz,
        ),
        Changed::Extended { by, cluster, take } => replies::extended(
            by,
            Named::of(cluster),
            take.duration,
            take.lock.until,
            take.snoozed,
            tz,
        ),
        Changed::Unlocked { by, cluster, how } => replies::unlocked(by, Named::of(cluster), how),
        Changed::Terminate {
            by,
            cluster,
            effect,
            force,
            reason,
        } => {
            let (account, reason) = (cluster.account.as_deref(), reason.as_deref());
            match effect {
                Effect::DryRun => replies::would_terminate(Named::of(cluster), account, reason),
                Effect::Confirm { holder } => {
                    super::terminate_confirmation(cluster, *force, holder.as_deref())
                }
                Effect::Terminate { .. } => {
                    replies::terminated(by, Named::of(cluster), account, reason)
                }
            }
        }
        Changed::Resized {
            by,
            cluster,
            resize,
        } => replies::resized(by, Named::of(cluster), &resize.group, resize.count),
    }
}
