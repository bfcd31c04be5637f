//! The AWS adapters of the domain's ports: EMR (`emr`), DynamoDB
//! (`dynamodb`), SQS (`sqs`), STS (`accounts`), Secrets Manager (`secrets`),
//! the Price List (`pricing`), spot price history (`spot`), Cost Explorer
//! (`cost_explorer`),
//! and what they share: loading the SDK config once, and sorting SDK errors
//! into what callers act on (retry, tell the user, ...).

pub mod accounts;
pub mod cost_explorer;
pub mod dynamodb;
pub mod emr;
pub mod pricing;
pub mod secrets;
pub mod spot;
pub mod sqs;

use aws_sdk_emr::config::http::HttpResponse;
use aws_sdk_emr::error::{ProvideErrorMetadata, SdkError};

/// The roots AWS endpoints chain to (Amazon Trust Services: Amazon Root CA
/// 1-4 and Starfield Services Root CA G2, from amazontrust.com/repository).
/// Trusting these alone, instead of the system's ~150, cuts the cold start
/// (loading and parsing the system bundle was about half of it) and its memory,
/// and no other CA can vouch for an AWS endpoint.
const AMAZON_ROOTS: &[u8] = include_bytes!("amazon_roots.pem");

/// Loads region, credentials and `AWS_ENDPOINT_URL` from the environment, as
/// every Lambda does at cold start; the HTTPS client trusts Amazon's roots.
pub async fn load_sdk_config() -> aws_config::SdkConfig {
    use aws_smithy_http_client::tls;
    let roots = tls::TrustStore::empty().with_pem_certificate(AMAZON_ROOTS);
    let context = tls::TlsContext::builder()
        .with_trust_store(roots)
        .build()
        .expect("Amazon's roots are valid PEM");
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(context)
        .build_https();
    // No AWS call may hang a Lambda: a stalled service ends in a timeout,
    // which the callers treat as transient (retried by SQS or the schedule).
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .operation_attempt_timeout(std::time::Duration::from_secs(10))
        .operation_timeout(std::time::Duration::from_secs(25))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(timeouts)
        .load()
        .await
}

/// The timeouts of a lookup a reply can do without (the Price List, spot
/// history): a slow answer costs that figure's source (a fallback, said),
/// never the reply, so it gives up sooner than the defaults above.
pub fn lookup_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(1))
        .operation_attempt_timeout(std::time::Duration::from_secs(2))
        .operation_timeout(std::time::Duration::from_secs(4))
        .build()
}

/// What went wrong with an AWS call, in the terms callers decide on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureKind {
    /// Throttling, 5xx, timeouts, connection errors: retry later.
    Transient,
    NotFound,
    AccessDenied,
    /// A DynamoDB condition that did not hold.
    ConditionFailed,
    /// Validation and every other permanent refusal.
    Rejected,
}

#[derive(Debug, Clone)]
pub struct AwsFailure {
    pub kind: FailureKind,
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for AwsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.code)
        } else {
            write!(f, "{}: {}", self.code, self.message)
        }
    }
}

const THROTTLING: [&str; 7] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestThrottled",
];

/// Sorts any SDK error. Works for every AWS SDK crate: they share these types.
pub fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> AwsFailure {
    let code = err.code().unwrap_or_default().to_string();
    let message = err.message().unwrap_or_default().to_string();
    let kind = match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let lower = message.to_ascii_lowercase();
            if THROTTLING.contains(&code.as_str()) || status == 429 || status >= 500 {
                FailureKind::Transient
            } else if code == "ConditionalCheckFailedException" {
                FailureKind::ConditionFailed
            } else if code.contains("AccessDenied")
                || code == "UnauthorizedOperation"
                || status == 403
            {
                FailureKind::AccessDenied
            } else if code.contains("NotFound")
                || lower.contains("not found")
                || lower.contains("does not exist")
                || lower.contains("is not valid")
            {
                FailureKind::NotFound
            } else {
                FailureKind::Rejected
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            FailureKind::Transient
        }
        _ => FailureKind::Rejected,
    };
    let code = if code.is_empty() {
        error_kind_name(err).to_string()
    } else {
        code
    };
    AwsFailure {
        kind,
        code,
        message,
    }
}

fn error_kind_name<E>(err: &SdkError<E, HttpResponse>) -> &'static str {
    match err {
        SdkError::ConstructionFailure(_) => "ConstructionFailure",
        SdkError::TimeoutError(_) => "Timeout",
        SdkError::DispatchFailure(_) => "DispatchFailure",
        SdkError::ResponseError(_) => "ResponseError",
        SdkError::ServiceError(_) => "ServiceError",
        _ => "Unknown",
    }
}

/// Converts the SDK's timestamps.
pub fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
}
