//! The adapters of emrbot's ports, shared by the three Lambdas: AWS (`aws/`:
//! EMR, DynamoDB, SQS, STS, Secrets Manager), Slack (`slack/`: signing, the
//! HTTP client, Block Kit and every message's wording), and the start of each
//! Lambda (`settings`, `telemetry`). The domain they serve is `emrbot-domain`.
//! See docs/ARCHITECTURE.md.

pub mod aws;
pub mod settings;
pub mod slack;
pub mod telemetry;
