//! The TOML configuration (keys in config/emrbot.sample.toml): typed,
//! validated once at cold start.
//! Every error names the key and the problem.

use crate::duration::HumanDuration;
use crate::permissions::{InvalidRule, Permissions};
use chrono::{NaiveDate, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(deserialize_with = "de_timezone")]
    pub timezone: Tz,
    #[serde(default)]
    pub slack: SlackConfig,
    #[serde(default)]
    pub policy: PolicyConfig,
    #[serde(default)]
    pub permissions: Permissions,
    /// Other AWS accounts, by the name presets and commands use.
    #[serde(default)]
    pub accounts: BTreeMap<String, Account>,
    #[serde(default)]
    pub presets: BTreeMap<String, Preset>,
    /// Instance prices for cost estimates (built-in: common types in us-east-1).
    #[serde(default)]
    pub prices: crate::prices::Prices,
    /// The bill beside emrbot's figures (Cost Explorer).
    #[serde(default)]
    pub costs: CostsConfig,
}

/// `[costs]`: reconciliation with the bill.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostsConfig {
    /// Read Cost Explorer (`ce:GetCostAndUsage`, which the template grants
    /// only with its `CostExplorer` parameter set).
    #[serde(default)]
    pub cost_explorer: bool,
    /// The cost allocation tag the bill is grouped by; emrbot puts
    /// `emrbot:cluster` (the cluster's name) on what it launches.
    #[serde(default = "default_allocation_tag")]
    pub allocation_tag: String,
}

impl Default for CostsConfig {
    fn default() -> Self {
        Self {
            cost_explorer: false,
            allocation_tag: default_allocation_tag(),
        }
    }
}

fn default_allocation_tag() -> String {
    crate::emr::TAG_CLUSTER.into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    #[serde(default = "default_command")]
    pub command: String,
    /// Scheduled reports, warnings and automatic actions go here (bot token).
    #[serde(default)]
    pub report_channel: Option<String>,
    /// An Incoming Webhook, instead of a bot token, for the same messages.
    #[serde(default)]
    pub report_webhook: Option<String>,
}

impl Default for SlackConfig {
    fn default() -> Self {
        Self {
            command: default_command(),
            report_channel: None,
            report_webhook: None,
        }
    }
}

fn default_command() -> String {
    "/emr".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    #[serde(default = "d_2h")]
    pub idle_alert_after: HumanDuration,
    #[serde(default = "d_30m")]
    pub unlocked_grace: HumanDuration,
    #[serde(default = "d_10m")]
    pub warn_before: HumanDuration,
    #[serde(default = "d_4h")]
    pub default_lock: HumanDuration,
    #[serde(default, deserialize_with = "de_opt_time")]
    pub end_of_day: Option<NaiveTime>,
    #[serde(default = "default_workdays", deserialize_with = "de_weekdays")]
    pub workdays: Vec<Weekday>,
    #[serde(default, deserialize_with = "de_opt_time")]
    pub daily_report: Option<NaiveTime>,
    /// The days the daily report goes out (default: every day).
    #[serde(default = "every_day", deserialize_with = "de_weekdays")]
    pub report_days: Vec<Weekday>,
    /// The weekly savings report (`"Mon 09:00"`); off unless set.
    #[serde(default, deserialize_with = "de_opt_weekly")]
    pub savings_report: Option<Weekly>,
    /// When work starts on a workday: the savings report counts an end-of-day
    /// termination as saving the hours until then (docs/SAVINGS.md).
    #[serde(default = "d_9am", deserialize_with = "de_time")]
    pub workday_start: NaiveTime,
    /// Local dates with no end of day (`["2026-12-31", …]`).
    #[serde(default, deserialize_with = "de_dates")]
    pub holidays: Vec<NaiveDate>,
    #[serde(default = "default_exempt_tag")]
    pub exempt_tag: String,
    /// Price of one EMR normalized instance hour (USD), to show cost so far.
    #[serde(default)]
    pub cost_per_normalized_instance_hour: Option<f64>,
    /// The most instances (or fleet capacity units) `resize` may ask for on a
    /// cluster that no preset bounds.
    #[serde(default = "default_max_instances")]
    pub max_instances: u32,
    /// Rollout: the scheduler warns and reports as usual, and where it would
    /// terminate a cluster it says so (and audits it) instead.
    #[serde(default)]
    pub dry_run: bool,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            idle_alert_after: d_2h(),
            unlocked_grace: d_30m(),
            warn_before: d_10m(),
            default_lock: d_4h(),
            end_of_day: None,
            workdays: default_workdays(),
            daily_report: None,
            report_days: every_day(),
            savings_report: None,
            workday_start: d_9am(),
            holidays: Vec::new(),
            exempt_tag: default_exempt_tag(),
            cost_per_normalized_instance_hour: None,
            max_instances: default_max_instances(),
            dry_run: false,
        }
    }
}

/// A weekday and a local time: `"Mon 09:00"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weekly {
    pub day: Weekday,
    pub time: NaiveTime,
}

fn d_9am() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).expect("a valid time")
}
fn d_2h() -> HumanDuration {
    HumanDuration::from_mins(120)
}
fn d_30m() -> HumanDuration {
    HumanDuration::from_mins(30)
}
fn d_10m() -> HumanDuration {
    HumanDuration::from_mins(10)
}
fn d_4h() -> HumanDuration {
    HumanDuration::from_mins(240)
}
fn default_workdays() -> Vec<Weekday> {
    vec![
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ]
}
fn default_max_instances() -> u32 {
    20
}
fn every_day() -> Vec<Weekday> {
    use Weekday::*;
    vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun]
}
fn default_exempt_tag() -> String {
    "emrbot:keep".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The operator role the worker assumes (it launches, resizes, terminates).
    pub role_arn: String,
    /// A read-only role the scheduler assumes (it only reads clusters);
    /// omitted: the scheduler assumes `role_arn` too.
    #[serde(default)]
    pub reader_role_arn: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// A key of `[accounts]`; omitted: the bot's own account.
    #[serde(default)]
    pub account: Option<String>,
    pub release: String,
    #[serde(default)]
    pub applications: Vec<String>,
    pub instance_type: String,
    #[serde(default)]
    pub master_instance_type: Option<String>,
    #[serde(default = "one")]
    pub core_count: u32,
    #[serde(default)]
    pub max_core_count: Option<u32>,
    #[serde(default)]
    pub task_count: u32,
    #[serde(default)]
    pub max_task_count: Option<u32>,
    /// EMR's own AutoTerminationPolicy, the safety net when emrbot is down.
    #[serde(default)]
    pub idle_timeout: Option<HumanDuration>,
    #[serde(default)]
    pub subnet: Option<String>,
    #[serde(default = "default_service_role")]
    pub service_role: String,
    #[serde(default = "default_instance_profile")]
    pub job_flow_role: String,
    #[serde(default)]
    pub log_uri: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn one() -> u32 {
    1
}
fn default_service_role() -> String {
    "EMR_DefaultRole".into()
}
fn default_instance_profile() -> String {
    "EMR_EC2_DefaultRole".into()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("config: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("config: `{key}`: {problem}")]
    Invalid { key: String, problem: String },
}

impl From<InvalidRule> for ConfigError {
    fn from(rule: InvalidRule) -> Self {
        ConfigError::Invalid {
            key: rule.key,
            problem: rule.problem.to_string(),
        }
    }
}

/// Which of an account's roles a Lambda assumes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The worker: `role_arn`.
    Operate,
    /// The scheduler: `reader_role_arn`, else `role_arn`.
    Read,
}

impl Account {
    /// This account as `access` sees it: the role to assume.
    pub fn for_access(&self, access: Access) -> Account {
        let role_arn = match (access, &self.reader_role_arn) {
            (Access::Read, Some(reader)) => reader.clone(),
            _ => self.role_arn.clone(),
        };
        Account {
            role_arn,
            ..self.clone()
        }
    }
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::from_toml(&text)
    }

    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text)?;
        config.validate()?;
        Ok(config)
    }

    /// The grace period etc. as chrono durations are on `policy`; this finds the
    /// account config a preset or cluster belongs to.
    pub fn account(&self, name: Option<&str>) -> Option<&Account> {
        name.and_then(|n| self.accounts.get(n))
    }
}

fn de_timezone<'de, D: Deserializer<'de>>(d: D) -> Result<Tz, D::Error> {
    let name = String::deserialize(d)?;
    name.parse::<Tz>().map_err(|_| {
        serde::de::Error::custom(format!(
            "`{name}` is not an IANA time zone (like Asia/Tokyo)"
        ))
    })
}

fn de_opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveTime>, D::Error> {
    de_time(d).map(Some)
}

fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
    let text = String::deserialize(d)?;
    NaiveTime::parse_from_str(&text, "%H:%M")
        .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a time of day like 19:00")))
}

fn de_opt_weekly<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Weekly>, D::Error> {
    let text = String::deserialize(d)?;
    let weekly = text.split_once(' ').and_then(|(day, time)| {
        Some(Weekly {
            day: day.parse().ok()?,
            time: NaiveTime::parse_from_str(time.trim(), "%H:%M").ok()?,
        })
    });
    weekly.map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "`{text}` is not a weekday and a time like \"Mon 09:00\""
        ))
    })
}

fn de_dates<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<NaiveDate>, D::Error> {
    let dates = Vec::<String>::deserialize(d)?;
    dates
        .iter()
        .map(|t| {
            NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
                serde::de::Error::custom(format!("`{t}` is not a date like 2026-12-31"))
            })
        })
        .collect()
}

fn de_weekdays<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    names
        .iter()
        .map(|n| {
            n.parse::<Weekday>()
                .map_err(|_| serde::de::Error::custom(format!("`{n}` is not a weekday (Mon..Sun)")))
        })
        .collect()
}

mod checks;
#[cfg(test)]
mod tests;
