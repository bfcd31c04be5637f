//! Everything a Lambda reads from its environment at cold start (PRODUCT.md §3),
//! typed and checked once. Secrets are wrapped so they cannot be printed.

use crate::config::{Config, ConfigError};
use crate::secret::Secret;
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
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("cannot read secret {name} from Secrets Manager: {reason}")]
    Secret { name: &'static str, reason: String },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Reads an environment variable through a lookup function, so tests need not
/// touch the process environment.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    /// The signing secret, for the ingress, which cannot run without it.
    pub fn require_signing_secret(&self) -> Result<Secret<String>, SettingsError> {
        self.signing_secret
            .clone()
            .ok_or(SettingsError::Missing("SLACK_SIGNING_SECRET"))
    }

    pub fn from_env() -> Result<Settings, SettingsError> {
        Self::from_lookup(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    /// As on Lambda: secrets from the environment, or from Secrets Manager
    /// when only `SLACK_SIGNING_SECRET_ARN` / `SLACK_BOT_TOKEN_ARN` are set.
    pub async fn load(aws: &aws_config::SdkConfig) -> Result<Settings, SettingsError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let secrets = aws_sdk_secretsmanager::Client::new(aws);
        let mut resolved: Vec<(&'static str, String)> = Vec::new();
        for (name, arn_name) in [
            ("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET_ARN"),
            ("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN_ARN"),
        ] {
            if env(name).is_some() {
                continue;
            }
            if let Some(arn) = env(arn_name) {
                resolved.push((name, fetch_secret(&secrets, name, &arn).await?));
            }
        }
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
        })
    }
}

async fn fetch_secret(
    client: &aws_sdk_secretsmanager::Client,
    name: &'static str,
    arn: &str,
) -> Result<String, SettingsError> {
    let out = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| SettingsError::Secret {
            name,
            reason: crate::aws::classify(&e).to_string(),
        })?;
    out.secret_string()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or(SettingsError::Secret {
            name,
            reason: "the secret has no string value".into(),
        })
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
