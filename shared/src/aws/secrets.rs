//! Secrets Manager: the Slack secrets on AWS (`SLACK_*_ARN`), read once at
//! cold start. The client is built only when an ARN is set, so a cold start
//! with the secrets in the environment pays nothing for it.

/// A secret that could not be read: which one, and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot read secret {name} from Secrets Manager: {reason}")]
pub struct SecretError {
    pub name: &'static str,
    pub reason: String,
}

/// The value of each `(name, arn)`, in order.
pub async fn fetch_all(
    aws: &aws_config::SdkConfig,
    wanted: &[(&'static str, String)],
) -> Result<Vec<(&'static str, String)>, SecretError> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let client = aws_sdk_secretsmanager::Client::new(aws);
    let mut values = Vec::with_capacity(wanted.len());
    for (name, arn) in wanted {
        values.push((*name, fetch_secret(&client, name, arn).await?));
    }
    Ok(values)
}

async fn fetch_secret(
    client: &aws_sdk_secretsmanager::Client,
    name: &'static str,
    arn: &str,
) -> Result<String, SecretError> {
    let out = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| SecretError {
            name,
            reason: crate::aws::classify(&e).to_string(),
        })?;
    out.secret_string()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or(SecretError {
            name,
            reason: "the secret has no string value".into(),
        })
}
