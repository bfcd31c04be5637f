//! The ports: one small trait per job, beside the domain that uses them. The
//! AWS and Slack adapters in `emrbot-shared` implement them; tests use the
//! emulator through those adapters, and fakes only where it cannot play a part.
//!
//! | port | job |
//! |---|---|
//! | [`clusters::ClusterReader`] / [`clusters::ClusterChanger`] | see / change one account's EMR clusters |
//! | [`locks::LockStore`] | "I am using this" locks |
//! | [`policy::PolicyRecords`] / [`policy::UnlockRecorder`] | the scheduler's bookkeeping / a released lock restarts the grace |
//! | [`audit::AuditLog`] | who did what |
//! | [`dedup::DedupStore`] | each message acted on once |
//! | [`launches::LaunchStore`] | where a launch's reply lives |
//! | [`credentials::RoleAssumer`] | cross-account credentials (AssumeRole) |
//! | [`prices::PriceList`] | AWS's published on-demand prices |
//! | [`prices::SpotPrices`] | EC2's spot price history |
//! | [`billing::BilledCosts`] | the bill (Cost Explorer), by cost allocation tag |
//! | [`descriptions::DescriptionCache`] | cluster descriptions kept between replies |
//! | [`queue::CommandQueue`] | the command queue (the outbox of the ingress and the scheduler) |
//! | [`clock::Clock`] | now |

pub mod audit;
pub mod billing;
pub mod clock;
pub mod clusters;
pub mod credentials;
pub mod dedup;
pub mod descriptions;
pub mod directory;
pub mod launches;
pub mod locks;
pub mod policy;
pub mod prices;
pub mod queue;

/// Why a state store (DynamoDB) call failed, sorted by what the caller does.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB is temporarily unavailable ({0})")]
    Transient(String),
    #[error("DynamoDB refused: {0}")]
    Rejected(String),
    #[error("stored item {key} is malformed: {problem}")]
    Corrupt { key: String, problem: String },
}

impl StoreError {
    /// A retry later can help.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Transient(_))
    }
}
