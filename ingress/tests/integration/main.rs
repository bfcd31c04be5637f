//! The integration tests of `ingress`, one binary (one link of the AWS SDK):
//! each module drives the real code against the emulator and a local Slack.

mod clicks;
mod cold_start;
mod common;
mod door;
mod flood;
mod lambda_binary;
mod never_panics;
