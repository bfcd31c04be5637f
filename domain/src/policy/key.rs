//! [`DecisionKey`]: what names one decision, unique per cluster, rule and
//! deadline. It is remembered once carried out (so a decision is made once)
//! and ends the scheduler's message ids. Written as text, the keys are
//! `warn:<rule>:<cluster>:<rfc3339>`, `term:…`, `exempt:eod:…`, `kept:eod:…`,
//! `alert:<cluster>:<rfc3339>`, `report:<rfc3339>` and `savings:<rfc3339>`:
//! the records of every earlier version read back as the same keys.

use super::{stamp, Rule};
use crate::cluster::ClusterId;
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// An instant as a key holds it: to the second, as it is written (a
/// deadline computed to the nanosecond is the same key once read back).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(DateTime<Utc>);

impl From<DateTime<Utc>> for Stamp {
    fn from(t: DateTime<Utc>) -> Stamp {
        use chrono::Timelike;
        Stamp(t.with_nanosecond(0).unwrap_or(t))
    }
}

impl Stamp {
    pub fn instant(self) -> DateTime<Utc> {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DecisionKey {
    /// The warning that `rule` will terminate the cluster at `deadline`.
    Warn {
        rule: Rule,
        cluster: ClusterId,
        deadline: Stamp,
    },
    Terminate {
        rule: Rule,
        cluster: ClusterId,
        deadline: Stamp,
    },
    /// The end of day at `deadline` passed over the cluster: locked past it.
    LockedPastEndOfDay {
        cluster: ClusterId,
        deadline: Stamp,
    },
    /// The end of day at `deadline` passed over the cluster: tagged exempt.
    TaggedExempt {
        cluster: ClusterId,
        deadline: Stamp,
    },
    /// The idle alert of the spell that began at `spell`.
    IdleAlert {
        cluster: ClusterId,
        spell: Stamp,
    },
    Report {
        deadline: Stamp,
    },
    Savings {
        deadline: Stamp,
    },
}

impl DecisionKey {
    /// The instant the key ends with: a deadline, or an idle spell's start.
    pub fn stamp(&self) -> DateTime<Utc> {
        match self {
            DecisionKey::Warn { deadline, .. }
            | DecisionKey::Terminate { deadline, .. }
            | DecisionKey::LockedPastEndOfDay { deadline, .. }
            | DecisionKey::TaggedExempt { deadline, .. }
            | DecisionKey::Report { deadline }
            | DecisionKey::Savings { deadline } => deadline.instant(),
            DecisionKey::IdleAlert { spell, .. } => spell.instant(),
        }
    }

    pub fn is_idle_alert(&self) -> bool {
        matches!(self, DecisionKey::IdleAlert { .. })
    }
}

impl fmt::Display for DecisionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = stamp(self.stamp());
        match self {
            DecisionKey::Warn { rule, cluster, .. } => {
                write!(f, "warn:{}:{cluster}:{at}", rule.key())
            }
            DecisionKey::Terminate { rule, cluster, .. } => {
                write!(f, "term:{}:{cluster}:{at}", rule.key())
            }
            DecisionKey::LockedPastEndOfDay { cluster, .. } => {
                write!(f, "exempt:eod:{cluster}:{at}")
            }
            DecisionKey::TaggedExempt { cluster, .. } => write!(f, "kept:eod:{cluster}:{at}"),
            DecisionKey::IdleAlert { cluster, .. } => write!(f, "alert:{cluster}:{at}"),
            DecisionKey::Report { .. } => write!(f, "report:{at}"),
            DecisionKey::Savings { .. } => write!(f, "savings:{at}"),
        }
    }
}

/// Text that is no decision key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a decision key")]
pub struct NotAKey(pub String);

impl FromStr for DecisionKey {
    type Err = NotAKey;
    fn from_str(text: &str) -> Result<DecisionKey, NotAKey> {
        let bad = || NotAKey(text.chars().take(80).collect());
        // `<head>:<rfc3339>`; the stamp has colons of its own.
        let (head, at) = text
            .len()
            .checked_sub(21)
            .and_then(|i| Some((text.get(..i)?, text.get(i..)?)))
            .and_then(|(head, at)| Some((head, at.strip_prefix(':')?)))
            .ok_or_else(bad)?;
        let at: Stamp = DateTime::parse_from_rfc3339(at)
            .map_err(|_| bad())?
            .with_timezone(&Utc)
            .into();
        let cluster = |id: &str| ClusterId::parse(id).map_err(|_| bad());
        let rule_and_cluster = |rest: &str| {
            let (rule, id) = rest.split_once(':').ok_or_else(bad)?;
            Ok::<_, NotAKey>((Rule::from_key(rule).ok_or_else(bad)?, cluster(id)?))
        };
        let parts = head.split_once(':').unwrap_or((head, ""));
        Ok(match parts {
            ("report", "") => DecisionKey::Report { deadline: at },
            ("savings", "") => DecisionKey::Savings { deadline: at },
            ("alert", id) => DecisionKey::IdleAlert {
                cluster: cluster(id)?,
                spell: at,
            },
            ("warn", rest) => {
                let (rule, cluster) = rule_and_cluster(rest)?;
                DecisionKey::Warn {
                    rule,
                    cluster,
                    deadline: at,
                }
            }
            ("term", rest) => {
                let (rule, cluster) = rule_and_cluster(rest)?;
                DecisionKey::Terminate {
                    rule,
                    cluster,
                    deadline: at,
                }
            }
            ("exempt", rest) => DecisionKey::LockedPastEndOfDay {
                cluster: cluster(rest.strip_prefix("eod:").ok_or_else(bad)?)?,
                deadline: at,
            },
            ("kept", rest) => DecisionKey::TaggedExempt {
                cluster: cluster(rest.strip_prefix("eod:").ok_or_else(bad)?)?,
                deadline: at,
            },
            _ => return Err(bad()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn every_kind_of_key_reads_back_as_itself() {
        let j = ClusterId::parse("j-1ABC").unwrap();
        let d: Stamp = at("2026-11-23T17:00:00Z").into();
        let keys = [
            DecisionKey::Warn {
                rule: Rule::Idle,
                cluster: j.clone(),
                deadline: d,
            },
            DecisionKey::Terminate {
                rule: Rule::EndOfDay,
                cluster: j.clone(),
                deadline: d,
            },
            DecisionKey::LockedPastEndOfDay {
                cluster: j.clone(),
                deadline: d,
            },
            DecisionKey::TaggedExempt {
                cluster: j.clone(),
                deadline: d,
            },
            DecisionKey::IdleAlert {
                cluster: j.clone(),
                spell: d,
            },
            DecisionKey::Report { deadline: d },
            DecisionKey::Savings { deadline: d },
        ];
        for key in keys {
            let text = key.to_string();
            assert_eq!(text.parse::<DecisionKey>(), Ok(key), "{text}");
        }
    }

    #[test]
    fn keys_stored_by_earlier_versions_read_as_the_same_decisions() {
        let key: DecisionKey = "term:eod:j-1ABC:2026-11-23T17:00:00Z".parse().unwrap();
        assert_eq!(
            key,
            DecisionKey::Terminate {
                rule: Rule::EndOfDay,
                cluster: ClusterId::parse("j-1ABC").unwrap(),
                deadline: at("2026-11-23T17:00:00Z").into(),
            }
        );
        let alert: DecisionKey = "alert:j-1ABC:2026-10-01T09:00:00Z".parse().unwrap();
        assert_eq!(alert.stamp(), at("2026-10-01T09:00:00Z"));
        assert!(alert.is_idle_alert());
    }

    #[test]
    fn an_instant_to_the_nanosecond_is_the_key_it_reads_back_as() {
        let exact = at("2026-11-23T17:00:00.123456789Z");
        let key = DecisionKey::Report {
            deadline: exact.into(),
        };
        assert_eq!(key.to_string().parse::<DecisionKey>(), Ok(key));
    }

    #[test]
    fn text_that_is_no_key_is_refused_not_guessed() {
        for text in [
            "",
            "report",
            "warn:idle:j-1:a",
            "warn:lunch:j-1ABC:2026-11-23T17:00:00Z",
            "term:idle:not-a-cluster:2026-11-23T17:00:00Z",
            "exempt:idle:j-1ABC:2026-11-23T17:00:00Z",
            "report:j-1ABC:2026-11-23T17:00:00Z",
            "naïve:2026-11-23T17:00:00Z",
        ] {
            assert!(text.parse::<DecisionKey>().is_err(), "{text}");
        }
    }
}
