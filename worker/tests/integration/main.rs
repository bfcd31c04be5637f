//! The integration tests of `worker`, one binary (one link of the AWS SDK):
//! each module drives the real code against the emulator and a local Slack.

mod automatic;
mod billing;
mod bundles;
mod common;
mod costs;
mod cross_account;
mod deadline;
mod descriptions;
mod failures;
mod history;
mod lambda_runtime;
mod launch;
mod locks;
mod replies;
mod resize;
mod senders;
mod terminate;
