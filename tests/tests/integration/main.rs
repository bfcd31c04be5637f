//! The integration tests of `tests`, one binary (one link of the AWS SDK):
//! each module drives the real code against the emulator and a local Slack.

mod app_home;
mod click;
mod faults;
mod history;
mod local_safety;
mod price_list;
mod queue_contract;
mod socket_mode;
mod status_end_to_end;
mod usage;
