//! Test harness shared by the integration tests: the AWS emulator (from
//! emrbot-local), a local Slack, a Lambda Runtime API, fixtures and signing,
//! and a whole emrbot-local app wired to them.

pub mod app;
pub mod aws;
pub mod faults;
pub mod fixtures;
pub mod runtime_api;
pub mod slack;
pub mod socket_mode;

pub use emrbot_local::emulator::{self, launch_cluster, Emulator};
pub use emrbot_local::price_list;
pub use slack::FakeSlack;
pub use socket_mode::SocketModeServer;
