//! Everything a Lambda reads from its environment at cold start, typed and
//! checked once: one [`Settings`] for all three functions, and
//! [`cold_start`], the one way each `main.rs` begins. Secrets are wrapped so
//! they cannot be printed.

use emrbot_domain::config::{Config, ConfigError};
use emrbot_domain::producers::Principals;
use emrbot_domain::secret::Secret;
use std::path::PathBuf;
use std::sync::Arc;

pub const DEFAULT_SLACK_API: &str = "https://slack.com/api";

#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Arc<Config>,
    pub queue_url: String,
    pub table: String,
    /// Only the ingress verifies Slack's signatures; the other functions run
    /// without it (and without the permission to read it).
    pub signing_secret: Option<Secret<String>>,
    pub bot_token: Option<Secret<String>>,
    pub slack_api_base: String,
    /// `response_url`s on loopback are accepted: only when asked for
    /// explicitly (`EMRBOT_ALLOW_LOOPBACK_RESPONSE_URLS=true`, or emrbot-local);
    /// otherwise replies go to Slack's own hosts only.
    pub allow_loopback_response_urls: bool,
    /// The worker's `EMRBOT_INGRESS_PRINCIPAL` / `EMRBOT_SCHEDULER_PRINCIPAL`:
    /// the IAM unique ids SQS reports as the `SenderId` of their messages.
    pub ingress_principal: Option<String>,
    pub scheduler_principal: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error(transparent)]
    Secret(#[from] crate::aws::secrets::SecretError),
    #[error(
        "the worker needs EMRBOT_INGRESS_PRINCIPAL and EMRBOT_SCHEDULER_PRINCIPAL: the IAM unique ids \
         (AROA…) of the ingress's and the scheduler's roles, which SQS reports as SenderId; \
         messages from anyone else are refused"
    )]
    NoPrincipals,
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Reads an environment variable through a lookup function, so tests need not
/// touch the process environment.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The start of every Lambda: JSON logs, the AWS SDK config, the settings.
pub async fn cold_start() -> Result<(aws_config::SdkConfig, Settings), SettingsError> {
    crate::telemetry::init_json();
    let aws = crate::aws::load_sdk_config().await;
    let settings = Settings::load(&aws).await?;
    Ok((aws, settings))
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

impl Settings {
    /// Settings without secrets: Slack's real API, Slack's own response URLs
    /// only. The fields are public for the rest (emrbot-local, tests).
    pub fn new(
        config: Arc<Config>,
        queue_url: impl Into<String>,
        table: impl Into<String>,
    ) -> Self {
        Settings {
            config,
            queue_url: queue_url.into(),
            table: table.into(),
            signing_secret: None,
            bot_token: None,
            slack_api_base: DEFAULT_SLACK_API.into(),
            allow_loopback_response_urls: false,
            ingress_principal: None,
            scheduler_principal: None,
        }
    }

    /// The principals the worker checks senders against; the worker cannot
    /// start without them.
    pub fn require_principals(&self) -> Result<Principals, SettingsError> {
        match (&self.ingress_principal, &self.scheduler_principal) {
            (Some(ingress), Some(scheduler)) => Ok(Principals {
                ingress: ingress.clone(),
                scheduler: scheduler.clone(),
            }),
            _ => Err(SettingsError::NoPrincipals),
        }
    }

    /// The signing secret, for the ingress, which cannot run without it.
    pub fn require_signing_secret(&self) -> Result<Secret<String>, SettingsError> {
        self.signing_secret
            .clone()
            .ok_or(SettingsError::Missing("SLACK_SIGNING_SECRET"))
    }

    /// As on Lambda: secrets from the environment, or from Secrets Manager
    /// when only `SLACK_SIGNING_SECRET_ARN` / `SLACK_BOT_TOKEN_ARN` are set.
    pub async fn load(aws: &aws_config::SdkConfig) -> Result<Settings, SettingsError> {
        let wanted: Vec<(&'static str, String)> = [
            ("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET_ARN"),
            ("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN_ARN"),
        ]
        .into_iter()
        .filter(|(name, _)| env(name).is_none())
        .filter_map(|(name, arn_name)| env(arn_name).map(|arn| (name, arn)))
        .collect();
        let resolved = crate::aws::secrets::fetch_all(aws, &wanted).await?;
        Self::from_lookup(&|name| {
            resolved
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .or_else(|| env(name))
        })
    }

    pub fn from_lookup(env: Lookup<'_>) -> Result<Settings, SettingsError> {
        let required = |name: &'static str| env(name).ok_or(SettingsError::Missing(name));
        let config_path = PathBuf::from(required("EMRBOT_CONFIG")?);
        Ok(Settings {
            config: Arc::new(Config::load(&config_path)?),
            queue_url: required("EMRBOT_QUEUE_URL")?,
            table: env("EMRBOT_TABLE").unwrap_or_else(|| "emrbot".into()),
            signing_secret: env("SLACK_SIGNING_SECRET").map(Secret::new),
            bot_token: env("SLACK_BOT_TOKEN").map(Secret::new),
            slack_api_base: env("SLACK_API_BASE_URL").unwrap_or_else(|| DEFAULT_SLACK_API.into()),
            allow_loopback_response_urls: env("EMRBOT_ALLOW_LOOPBACK_RESPONSE_URLS")
                .is_some_and(|v| v == "true" || v == "1"),
            ingress_principal: env("EMRBOT_INGRESS_PRINCIPAL"),
            scheduler_principal: env("EMRBOT_SCHEDULER_PRINCIPAL"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_everything_from_the_lookup_and_names_what_is_missing() {
        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/emrbot.sample.toml");
        let env = |name: &str| match name {
            "EMRBOT_CONFIG" => Some(config.to_string()),
            "EMRBOT_QUEUE_URL" => Some("http://queue".to_string()),
            "SLACK_SIGNING_SECRET" => Some("shh".to_string()),
            _ => None,
        };
        let settings = Settings::from_lookup(&env).unwrap();
        assert_eq!(settings.table, "emrbot");
        assert_eq!(settings.slack_api_base, DEFAULT_SLACK_API);
        assert!(
            !format!("{settings:?}").contains("shh"),
            "secrets never print"
        );
        assert!(matches!(
            settings.require_signing_secret(),
            Ok(secret) if secret.expose() == "shh"
        ));
        let without = Settings::from_lookup(&|n| {
            if n == "SLACK_SIGNING_SECRET" {
                None
            } else {
                env(n)
            }
        })
        .unwrap();
        assert!(matches!(
            without.require_signing_secret(),
            Err(SettingsError::Missing("SLACK_SIGNING_SECRET"))
        ));
        let no_queue = Settings::from_lookup(&|n| {
            if n == "EMRBOT_QUEUE_URL" {
                None
            } else {
                env(n)
            }
        });
        assert!(matches!(
            no_queue,
            Err(SettingsError::Missing("EMRBOT_QUEUE_URL"))
        ));
    }
}
