//! Who may do what: channel allow-lists, per-user grants, services, and admins
//! (`[permissions]` in the config).

use crate::command::Action;
use crate::message::Requester;
use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Permissions {
    /// Slack user ids that may do everything, anywhere, and force past locks.
    #[serde(default)]
    pub admins: Vec<String>,
    /// First match by id wins; `*` matches every other channel.
    #[serde(default)]
    pub channels: Vec<Rule>,
    /// Extra grants for a user, in any channel they can use the command in.
    #[serde(default)]
    pub users: Vec<Rule>,
    /// Programs that put commands on the queue, by their `requested_by.name`.
    #[serde(default)]
    pub services: Vec<Rule>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    #[serde(alias = "name")]
    pub id: String,
    #[serde(deserialize_with = "de_actions")]
    pub allow: Vec<Action>,
    /// Services only: the IAM principal its messages must come from (the
    /// unique id SQS reports as `SenderId`: `AROA…` for a role, `AIDA…` for
    /// a user). A message naming the service from anyone else is refused.
    #[serde(default)]
    pub principal: Option<String>,
}

impl Permissions {
    pub fn is_admin(&self, requester: &Requester) -> bool {
        matches!(requester, Requester::Slack { user_id, .. } if self.admins.iter().any(|a| a == user_id))
    }

    /// Whether `requester` may perform `action`. `help` is always allowed; the
    /// scheduler acts on config it owns, so it may do everything.
    pub fn allows(&self, requester: &Requester, action: Action) -> bool {
        if action == Action::Help {
            return true;
        }
        // `plan` and `history` show what `status` shows, ahead and behind:
        // the same permission.
        let action = if matches!(action, Action::Plan | Action::History) {
            Action::Status
        } else {
            action
        };
        match requester {
            Requester::Scheduler { .. } => true,
            Requester::Service { name } => {
                rule_for(&self.services, name).is_some_and(|r| r.allow.contains(&action))
            }
            Requester::Slack {
                user_id,
                channel_id,
                ..
            } => {
                self.admins.iter().any(|a| a == user_id)
                    || rule_for(&self.channels, channel_id)
                        .is_some_and(|r| r.allow.contains(&action))
                    || self
                        .users
                        .iter()
                        .any(|r| &r.id == user_id && r.allow.contains(&action))
            }
        }
    }

    /// The principal a service's messages must come from.
    pub fn service_principal(&self, name: &str) -> Option<&str> {
        self.services
            .iter()
            .find(|r| r.id == name)
            .and_then(|r| r.principal.as_deref())
    }

    /// Every action `requester` may perform, for `help`.
    pub fn allowed_actions(&self, requester: &Requester) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| self.allows(requester, *a))
            .collect()
    }

    pub(crate) fn validate(&self) -> Result<(), InvalidRule> {
        for (list, rules) in [
            ("channels", &self.channels),
            ("users", &self.users),
            ("services", &self.services),
        ] {
            for (i, rule) in rules.iter().enumerate() {
                if rule.id.trim().is_empty() {
                    return Err(InvalidRule {
                        key: format!("permissions.{list}[{i}].id"),
                        problem: "must not be empty",
                    });
                }
                let principal = rule.principal.as_deref().map(str::trim);
                if list == "services" && principal.is_none_or(str::is_empty) {
                    return Err(InvalidRule {
                        key: format!("permissions.services[{i}].principal"),
                        problem: "must name the IAM principal the service sends from (its role's unique id, AROA…)",
                    });
                }
                if list != "services" && principal.is_some() {
                    return Err(InvalidRule {
                        key: format!("permissions.{list}[{i}].principal"),
                        problem: "only services have a principal",
                    });
                }
            }
        }
        Ok(())
    }
}

/// A rule the config may not contain: which key, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRule {
    pub key: String,
    pub problem: &'static str,
}

/// Parses the allow-list words of a permission rule.
fn de_actions<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Action>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    names
        .iter()
        .map(|n| {
            Action::parse(n).ok_or_else(|| {
                serde::de::Error::custom(format!(
                    "`{n}` is not an action; use {}",
                    Action::ALL.map(|a| a.as_str()).join(", ")
                ))
            })
        })
        .collect()
}

fn rule_for<'a>(rules: &'a [Rule], id: &str) -> Option<&'a Rule> {
    rules
        .iter()
        .find(|r| r.id == id)
        .or_else(|| rules.iter().find(|r| r.id == "*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perms() -> Permissions {
        toml::from_str(
            r#"
            admins = ["UADMIN"]
            [[channels]]
            id = "COPS"
            allow = ["status", "lock", "terminate"]
            [[channels]]
            id = "*"
            allow = ["status"]
            [[users]]
            id = "ULEAD"
            allow = ["launch"]
            [[services]]
            name = "etl"
            allow = ["lock", "unlock"]
            principal = "AROAETL"
            "#,
        )
        .unwrap()
    }

    fn slack(user: &str, channel: &str) -> Requester {
        Requester::Slack {
            user_id: user.into(),
            user_name: None,
            channel_id: channel.into(),
            team_id: None,
        }
    }

    #[test]
    fn channel_rules_with_a_wildcard() {
        let p = perms();
        assert!(p.allows(&slack("U1", "COPS"), Action::Terminate));
        assert!(!p.allows(&slack("U1", "COPS"), Action::Launch));
        assert!(p.allows(&slack("U1", "CRANDOM"), Action::Status));
        assert!(!p.allows(&slack("U1", "CRANDOM"), Action::Lock));
        assert!(p.allows(&slack("U1", "CRANDOM"), Action::Help));
    }

    #[test]
    fn admins_users_and_services() {
        let p = perms();
        assert!(p.allows(&slack("UADMIN", "CRANDOM"), Action::Resize));
        assert!(p.allows(&slack("ULEAD", "CRANDOM"), Action::Launch));
        let etl = Requester::Service { name: "etl".into() };
        assert!(p.allows(&etl, Action::Lock) && !p.allows(&etl, Action::Terminate));
        assert!(!p.allows(
            &Requester::Service {
                name: "other".into()
            },
            Action::Status
        ));
        assert_eq!(
            p.allowed_actions(&slack("U1", "CRANDOM")),
            vec![Action::Status, Action::Plan, Action::History, Action::Help],
            "`plan` and `history` go with `status`"
        );
    }
}
