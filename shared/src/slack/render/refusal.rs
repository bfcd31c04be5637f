//! The one rendering of each [`Refusal`]: a short line that says what was
//! refused and what to do instead.

use crate::slack::blocks::escape;
use chrono_tz::Tz;
use emrbot_domain::lock::Lock;
use emrbot_domain::policy::recheck::Spare;
use emrbot_domain::refusal::Refusal;

use super::local_time;

/// `:no_entry:`-style line for `refusal`. `slash` is the configured command
/// (`/emr`), for hints.
pub fn refusal(refusal: &Refusal, slash: &str, tz: Tz) -> String {
    match refusal {
        Refusal::NotPermitted { .. } | Refusal::ForceNeedsAdmin | Refusal::NoSuchPreset { .. } => {
            at_the_door(refusal, slash)
        }
        Refusal::NoSuchCluster { reference } => {
            format!(":warning: No active cluster matches `{}`.", escape(reference))
        }
        Refusal::Ambiguous {
            reference,
            candidates,
        } => {
            let names: Vec<String> = candidates
                .iter()
                .take(20)
                .map(|(name, id)| format!("{} (`{id}`)", escape(name)))
                .collect();
            format!(
                ":warning: `{}` matches several clusters: {}. Be more specific.",
                escape(reference),
                names.join(", ")
            )
        }
        Refusal::AccountNotConfigured { account } => format!(
            ":warning: The account `{}` is not configured under `[accounts]`.",
            escape(account)
        ),
        Refusal::NameTaken { name } => format!(
            ":warning: A cluster called `{}` is already running, and two would make `{slash} … {}` ambiguous. Pick another name.",
            escape(name),
            escape(name)
        ),
        Refusal::Locked(lock) => format!(":no_entry: {}", held(lock, tz)),
        Refusal::UnlockNotYours(lock) => {
            format!(
                ":no_entry: {} Only they or an admin can unlock it.",
                held(lock, tz)
            )
        }
        Refusal::TerminateLocked { name, lock, forced } => {
            let hint = if *forced {
                " Only an admin can force past a lock."
            } else {
                " Ask them, or an admin can add `force`."
            };
            format!(
                ":no_entry: *{}* `{}` is locked by {} until {}, so it was not terminated.{hint}",
                escape(name),
                lock.cluster,
                lock.holder_display,
                local_time(lock.until, tz)
            )
        }
        Refusal::TerminationProtected { name, id } => format!(
            ":shield: *{}* `{id}` has EMR termination protection on, so it cannot be terminated. \
             If it really should go, turn protection off first (EMR console, or \
             `aws emr modify-cluster-attributes --cluster-id {id} --no-termination-protected`), then try again.",
            escape(name)
        ),
        Refusal::NotResizable => ":warning: Only core and task groups can be resized.".into(),
        Refusal::SpotNeedsFleet => {
            ":warning: `spot` sets an instance fleet's spot capacity; that is an instance group.".into()
        }
        Refusal::CoreNeedsOne => {
            ":warning: A core group needs at least one instance (HDFS lives there).".into()
        }
        Refusal::OverPresetLimit {
            preset,
            max,
            role,
            count,
        } => format!(
            ":warning: Preset `{}` allows at most {max} {role} instances; {count} is too many.",
            escape(preset)
        ),
        Refusal::NoSuchGroup { group, known } => format!(
            ":warning: No group `{}` on that cluster. It has: {}.",
            escape(group),
            known.join(", ")
        ),
        Refusal::SeveralGroups { group, ids } => {
            let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
            format!(
                ":warning: `{}` is several groups ({}); give the group id.",
                escape(group),
                ids.join(", ")
            )
        }
        Refusal::Emr(reason) => format!(":warning: {}", escape(reason)),
        Refusal::Spared { name, id, rule, why } => {
            let why = match why {
                Spare::Stale { minutes } => format!(
                    "the decision is {minutes} minutes old; the next sweep decides again"
                ),
                Spare::Exempt => "it is tagged exempt".into(),
                Spare::Locked { holder, until } => {
                    format!("{holder} locked it (until {})", local_time(*until, tz))
                }
                Spare::Busy => "it is busy".into(),
                Spare::RanStep => "it ran a step since the decision".into(),
                Spare::UnlockedSince => "it was unlocked since: the grace period starts again".into(),
            };
            let rule = super::rule_name(*rule);
            format!(
                ":shield: emrbot did not terminate *{}* `{id}` ({rule}): {why}.",
                escape(name)
            )
        }
        Refusal::UnknownRule { name, id, rule } => format!(
            ":shield: emrbot did not terminate *{}* `{id}`: the rule `{}` is not one it can check.",
            escape(name),
            escape(rule)
        ),
    }
}

/// The refusals the ingress gives before anything is queued. No time zone:
/// the ingress binary then carries no time-zone tables (they cost its cold
/// start about 2 MiB and a millisecond).
pub fn at_the_door(refusal: &Refusal, slash: &str) -> String {
    match refusal {
        Refusal::NotPermitted {
            who,
            action,
            is_service: true,
        } => format!(
            ":no_entry: {who} may not `{action}`. Grant it under `[[permissions.services]]` in the config."
        ),
        Refusal::NotPermitted { action, .. } => format!(
            ":no_entry: You can't `{action}` from this channel. `{slash} help` shows what you can do here."
        ),
        Refusal::ForceNeedsAdmin => {
            ":no_entry: Only emrbot admins may `terminate … force`.".into()
        }
        Refusal::NoSuchPreset { preset, known } => {
            let known = if known.is_empty() {
                "none are configured".to_string()
            } else {
                known
                    .iter()
                    .map(|p| format!("`{}`", escape(p)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                ":warning: There is no preset `{}`. Presets: {known}.",
                escape(preset)
            )
        }
        other => {
            tracing::warn!(?other, "a refusal the door does not give");
            ":no_entry: That was refused.".into()
        }
    }
}

/// "`j-1` is locked by <@U1> until <date> (reason)."
fn held(l: &Lock, tz: Tz) -> String {
    let reason = l
        .reason
        .as_deref()
        .map(|r| format!(" ({})", escape(r)))
        .unwrap_or_default();
    format!(
        "`{}` is locked by {} until {}{reason}.",
        l.cluster,
        l.holder_display,
        local_time(l.until, tz)
    )
}
