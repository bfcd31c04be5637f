//! What a config must hold to be loaded (errors name the key), and what it
//! may hold that will not work as people expect (warnings, for check-config).

use super::{Config, ConfigError};

impl Config {
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: String, problem: String| Err(ConfigError::Invalid { key, problem });
        if !self.slack.command.starts_with('/') || self.slack.command.len() < 2 {
            return invalid(
                "slack.command".into(),
                "must start with / (like /emr)".into(),
            );
        }
        if self.policy.workdays.is_empty() && self.policy.end_of_day.is_some() {
            return invalid(
                "policy.workdays".into(),
                "is empty, so end_of_day would never run".into(),
            );
        }
        if self.policy.warn_before >= self.policy.unlocked_grace {
            return invalid(
                "policy.warn_before".into(),
                "must be shorter than policy.unlocked_grace".into(),
            );
        }
        let tag = &self.costs.allocation_tag;
        if tag.trim().is_empty() || tag.chars().count() > 128 {
            return invalid(
                "costs.allocation_tag".into(),
                "must be a tag key of 1 to 128 characters (like emrbot:cluster)".into(),
            );
        }
        let is_price = |usd: f64| usd.is_finite() && usd >= 0.0;
        for (t, p) in &self.prices.instances {
            if !is_price(p.ec2) || !is_price(p.emr) {
                return invalid(
                    format!("prices.instances.{t}"),
                    "ec2 and emr must be prices in USD per hour (0 or more)".into(),
                );
            }
        }
        for (v, usd) in &self.prices.volumes {
            if !is_price(*usd) {
                return invalid(
                    format!("prices.volumes.{v}"),
                    "must be a price in USD per GB-month (0 or more)".into(),
                );
            }
        }
        let is_role = |arn: &str| arn.starts_with("arn:aws") && arn.contains(":role/");
        for (name, account) in &self.accounts {
            if !is_role(&account.role_arn) {
                return invalid(
                    format!("accounts.{name}.role_arn"),
                    "must be an IAM role ARN".into(),
                );
            }
            if account
                .reader_role_arn
                .as_deref()
                .is_some_and(|a| !is_role(a))
            {
                return invalid(
                    format!("accounts.{name}.reader_role_arn"),
                    "must be an IAM role ARN".into(),
                );
            }
        }
        for (name, preset) in &self.presets {
            self.validate_preset(name, preset)?;
        }
        if let Some(url) = &self.slack.report_webhook {
            if !url.starts_with("https://") && !url.starts_with("http://127.0.0.1") {
                return invalid(
                    "slack.report_webhook".into(),
                    "must be a Slack Incoming Webhook URL (https://hooks.slack.com/services/…)"
                        .into(),
                );
            }
        }
        self.permissions.validate().map_err(ConfigError::from)?;
        // The idle rules always run: their warnings need somewhere to go.
        if self.slack.report_channel.is_none() && self.slack.report_webhook.is_none() {
            return invalid(
                "slack.report_channel".into(),
                "the automatic policies post warnings and reports: set slack.report_channel \
                 (with a bot token) or slack.report_webhook"
                    .into(),
            );
        }
        Ok(())
    }

    /// A preset's account, release and bounds.
    fn validate_preset(&self, name: &str, preset: &super::Preset) -> Result<(), ConfigError> {
        let invalid = |key: String, problem: String| Err(ConfigError::Invalid { key, problem });
        let key = |k: &str| format!("presets.{name}.{k}");
        if let Some(account) = &preset.account {
            if !self.accounts.contains_key(account) {
                return invalid(
                    key("account"),
                    format!("no account `{account}` under [accounts]"),
                );
            }
        }
        if !preset.release.starts_with("emr-") {
            return invalid(
                key("release"),
                "must be an EMR release label like emr-7.5.0".into(),
            );
        }
        if preset
            .max_core_count
            .is_some_and(|max| max < preset.core_count)
        {
            return invalid(key("max_core_count"), "is smaller than core_count".into());
        }
        if preset
            .max_task_count
            .is_some_and(|max| max < preset.task_count)
        {
            return invalid(key("max_task_count"), "is smaller than task_count".into());
        }
        if preset
            .idle_timeout
            .is_some_and(|t| !(60..=7 * 86_400).contains(&t.as_secs()))
        {
            return invalid(
                key("idle_timeout"),
                "must be between 1m and 7d (EMR's limits)".into(),
            );
        }
        Ok(())
    }

    /// What is valid but will not work as people expect: today, a report
    /// channel whose users cannot use the buttons emrbot posts there.
    pub fn warnings(&self) -> Vec<String> {
        use crate::command::Action;
        use crate::message::Requester;
        let Some(channel) = &self.slack.report_channel else {
            return Vec::new();
        };
        let anyone = Requester::Slack {
            user_id: "U-anyone".into(),
            user_name: None,
            channel_id: channel.clone(),
            team_id: None,
        };
        let missing: Vec<&str> = [
            Action::Lock,
            Action::Unlock,
            Action::Extend,
            Action::Terminate,
        ]
        .into_iter()
        .filter(|a| !self.permissions.allows(&anyone, *a))
        .map(|a| a.as_str())
        .collect();
        if missing.is_empty() {
            return Vec::new();
        }
        vec![format!(
            "permissions: the report channel {channel} does not allow {}, so people there cannot use \
             the warning's and the idle alert's buttons; add a [[permissions.channels]] rule for it",
            missing.join(", ")
        )]
    }
}
