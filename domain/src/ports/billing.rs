//! The bill: Cost Explorer's costs grouped by a cost allocation tag, which
//! `/emr cost` and the weekly savings report set beside emrbot's figures.

use crate::billing::{Bill, Period};
use async_trait::async_trait;

#[async_trait]
pub trait BilledCosts: Send + Sync {
    /// What was billed over `period`, by the value of the cost allocation
    /// tag `tag`.
    async fn by_tag(&self, tag: &str, period: Period) -> Result<Bill, BillingError>;
}

/// Why no bill came: the reply shows emrbot's figures alone and says, in one
/// line, what to enable or what went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BillingError {
    /// Cost Explorer is not enabled for the account (or its data is not
    /// ready yet: it takes a day after enabling).
    #[error("Cost Explorer is not enabled for this account ({0})")]
    NotEnabled(String),
    #[error("Cost Explorer refused: {0}")]
    Denied(String),
    #[error("Cost Explorer could not be reached ({0})")]
    Unreachable(String),
}
