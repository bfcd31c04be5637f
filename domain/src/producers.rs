//! Who sent a queue message, and whether they may speak for the requester the
//! message names. The sender is what SQS says (`SenderId`: the IAM unique id
//! of the sending principal, `AROA…:session` for a role), which no sender can
//! forge; the requester is what the message says, which anyone with
//! `sqs:SendMessage` can write. The ingress speaks for Slack users (it
//! verified their signature), the scheduler for the scheduler, and each
//! `[[permissions.services]]` entry only for its own name.

use crate::message::Requester;
use crate::permissions::Permissions;
use std::fmt;

/// The principals of emrbot's own producers (the worker's
/// `EMRBOT_INGRESS_PRINCIPAL` and `EMRBOT_SCHEDULER_PRINCIPAL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principals {
    pub ingress: String,
    pub scheduler: String,
}

/// Why a message was not accepted from its sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgery {
    /// SQS gave no sender (not a message from SQS).
    NoSender,
    /// The message claims a requester its sender may not speak for.
    NotAllowed { sender: String, claims: String },
    /// A service that is not configured, or has no principal.
    UnknownService { sender: String, name: String },
}

impl fmt::Display for Forgery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Forgery::NoSender => f.write_str("the queue did not say who sent the message"),
            Forgery::NotAllowed { sender, claims } => {
                write!(f, "sender {sender} may not speak for {claims}")
            }
            Forgery::UnknownService { sender, name } => write!(
                f,
                "sender {sender} claims service `{name}`, which has no [[permissions.services]] principal"
            ),
        }
    }
}

/// `sender` is `principal`, or a session of it (`principal:session`).
pub fn is_principal(principal: &str, sender: &str) -> bool {
    !principal.is_empty()
        && (sender == principal
            || sender
                .strip_prefix(principal)
                .is_some_and(|rest| rest.starts_with(':')))
}

impl Principals {
    /// Accepts the message when `sender` may speak for `requester`.
    pub fn check(
        &self,
        sender: Option<&str>,
        requester: &Requester,
        permissions: &Permissions,
    ) -> Result<(), Forgery> {
        let sender = sender.ok_or(Forgery::NoSender)?;
        let principal = match requester {
            Requester::Slack { .. } => self.ingress.as_str(),
            Requester::Scheduler { .. } => self.scheduler.as_str(),
            Requester::Service { name } => {
                permissions
                    .service_principal(name)
                    .ok_or_else(|| Forgery::UnknownService {
                        sender: sender.to_string(),
                        name: name.clone(),
                    })?
            }
        };
        if is_principal(principal, sender) {
            Ok(())
        } else {
            Err(Forgery::NotAllowed {
                sender: sender.to_string(),
                claims: requester.display(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principals() -> Principals {
        Principals {
            ingress: "AROAINGRESS".into(),
            scheduler: "AROASCHED".into(),
        }
    }

    fn permissions() -> Permissions {
        toml::from_str(
            r#"
            [[services]]
            name = "etl"
            allow = ["lock"]
            principal = "AROAETL"
            "#,
        )
        .unwrap()
    }

    fn slack() -> Requester {
        Requester::Slack {
            user_id: "UADMIN".into(),
            user_name: None,
            channel_id: "C1".into(),
            team_id: None,
        }
    }

    #[test]
    fn each_producer_speaks_only_for_its_own() {
        let (p, perms) = (principals(), permissions());
        let scheduler = Requester::Scheduler {
            rule: "idle".into(),
        };
        let etl = Requester::Service { name: "etl".into() };
        let other = Requester::Service {
            name: "other".into(),
        };
        assert!(p
            .check(Some("AROAINGRESS:ingress-fn"), &slack(), &perms)
            .is_ok());
        assert!(p.check(Some("AROASCHED"), &scheduler, &perms).is_ok());
        assert!(p.check(Some("AROAETL:job-42"), &etl, &perms).is_ok());
        // A service with send rights claims the scheduler, a Slack admin, another service.
        for claim in [&scheduler, &slack()] {
            assert!(matches!(
                p.check(Some("AROAETL:job-42"), claim, &perms),
                Err(Forgery::NotAllowed { .. })
            ));
        }
        assert!(matches!(
            p.check(Some("AROAETL"), &other, &perms),
            Err(Forgery::UnknownService { .. })
        ));
        assert!(p.check(Some("AROAINGRESS"), &scheduler, &perms).is_err());
        assert_eq!(p.check(None, &slack(), &perms), Err(Forgery::NoSender));
    }

    #[test]
    fn a_prefix_is_not_a_session() {
        assert!(is_principal("AROAX", "AROAX"));
        assert!(is_principal("AROAX", "AROAX:fn"));
        assert!(!is_principal("AROAX", "AROAXY"));
        assert!(!is_principal("AROAX", "AROAXY:fn"));
        assert!(!is_principal("", ""));
    }
}
