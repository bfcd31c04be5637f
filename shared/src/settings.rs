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
    pub signing_secret: Secret<String>,
    pub bot_token: Option<Secret<String>>,
    pub slack_api_base: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Reads an environment variable through a lookup function, so tests need not
/// touch the process environment.
pub type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

impl Settings {
    pub fn from_env() -> Result<Settings, SettingsError> {
        Self::from_lookup(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
    }

    pub fn from_lookup(env: Lookup<'_>) -> Result<Settings, SettingsError> {
        let required = |name: &'static str| env(name).ok_or(SettingsError::Missing(name));
        let config_path = PathBuf::from(required("EMRBOT_CONFIG")?);
        Ok(Settings {
            config: Arc::new(Config::load(&config_path)?),
            queue_url: required("EMRBOT_QUEUE_URL")?,
            table: env("EMRBOT_TABLE").unwrap_or_else(|| "emrbot".into()),
            signing_secret: Secret::new(required("SLACK_SIGNING_SECRET")?),
            bot_token: env("SLACK_BOT_TOKEN").map(Secret::new),
            slack_api_base: env("SLACK_API_BASE_URL").unwrap_or_else(|| DEFAULT_SLACK_API.into()),
        })
    }
}
