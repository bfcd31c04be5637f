//! The automatic rules, as the queue contract names them: `idle` and
//! `end_of_day` (the rules that terminate), and the scheduler's other jobs,
//! which a message's `requested_by.rule` may name too.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A rule that terminates clusters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    Idle,
    EndOfDay,
}

/// A word that names no rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not one of emrbot's rules (idle, end_of_day)")]
pub struct UnknownRule(pub String);

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Idle => "idle",
            Rule::EndOfDay => "end_of_day",
        }
    }

    /// The rule's part of decision keys (`warn:eod:…`, `term:idle:…`).
    pub fn key(self) -> &'static str {
        match self {
            Rule::Idle => "idle",
            Rule::EndOfDay => "eod",
        }
    }

    /// The rule a decision key's part names.
    pub fn from_key(part: &str) -> Option<Rule> {
        [Rule::Idle, Rule::EndOfDay]
            .into_iter()
            .find(|r| r.key() == part)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Rule {
    type Err = UnknownRule;
    fn from_str(word: &str) -> Result<Rule, UnknownRule> {
        match word {
            "idle" => Ok(Rule::Idle),
            "end_of_day" => Ok(Rule::EndOfDay),
            other => Err(UnknownRule(other.to_string())),
        }
    }
}

/// Which of the scheduler's jobs sent a message (`requested_by.rule`). A
/// word this version does not know still parses, as [`Job::Unknown`], so
/// that the message is refused (audited, explained) rather than lost:
/// nothing may act on a rule it cannot re-check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Job {
    /// A warning or a termination by this rule.
    Rule(Rule),
    IdleAlert,
    DailyReport,
    SavingsReport,
    /// A notice that an account became unreachable, or reachable again.
    Accounts,
    Unknown(String),
}

impl Job {
    /// The terminating rule this job is, if it is one.
    pub fn rule(&self) -> Option<Rule> {
        match self {
            Job::Rule(rule) => Some(*rule),
            _ => None,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Job::Rule(rule) => rule.as_str(),
            Job::IdleAlert => "idle_alert",
            Job::DailyReport => "daily_report",
            Job::SavingsReport => "savings_report",
            Job::Accounts => "accounts",
            Job::Unknown(word) => word,
        }
    }
}

impl From<String> for Job {
    fn from(word: String) -> Job {
        match word.as_str() {
            "idle_alert" => Job::IdleAlert,
            "daily_report" => Job::DailyReport,
            "savings_report" => Job::SavingsReport,
            "accounts" => Job::Accounts,
            other => other.parse().map(Job::Rule).unwrap_or(Job::Unknown(word)),
        }
    }
}

impl From<&str> for Job {
    fn from(word: &str) -> Job {
        Job::from(word.to_string())
    }
}

impl From<Job> for String {
    fn from(job: Job) -> String {
        job.as_str().to_string()
    }
}

impl From<Rule> for Job {
    fn from(rule: Rule) -> Job {
        Job::Rule(rule)
    }
}

impl fmt::Display for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_reads_back_as_the_word_it_is_written_as() {
        let jobs = [
            Job::Rule(Rule::Idle),
            Job::Rule(Rule::EndOfDay),
            Job::IdleAlert,
            Job::DailyReport,
            Job::SavingsReport,
            Job::Accounts,
        ];
        for job in jobs {
            let json = serde_json::to_string(&job).unwrap();
            assert_eq!(serde_json::from_str::<Job>(&json).unwrap(), job, "{json}");
            assert_eq!(json, format!("\"{job}\""));
        }
    }

    #[test]
    fn a_word_no_version_wrote_is_kept_as_unknown_not_rejected() {
        let job: Job = serde_json::from_str("\"midnight\"").unwrap();
        assert_eq!(job, Job::Unknown("midnight".into()));
        assert_eq!(job.rule(), None);
        assert_eq!(serde_json::to_string(&job).unwrap(), "\"midnight\"");
    }

    #[test]
    fn rules_are_written_as_the_contract_names_them() {
        assert_eq!(
            serde_json::to_string(&Rule::EndOfDay).unwrap(),
            "\"end_of_day\""
        );
        assert_eq!("idle".parse::<Rule>(), Ok(Rule::Idle));
        assert!("eod".parse::<Rule>().is_err());
        assert_eq!(Rule::from_key("eod"), Some(Rule::EndOfDay));
    }
}
