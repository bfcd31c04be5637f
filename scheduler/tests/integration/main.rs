//! The integration tests of `scheduler`, one binary (one link of the AWS SDK):
//! each module drives the real code against the emulator and a local Slack.

mod accounts;
mod deadline;
mod lambda;
mod metric;
mod overlap;
mod plan;
mod policies;
mod week;
