//! What the emrbot Lambdas share. Ports (traits) sit beside their AWS adapters:
//! [`emr::ClusterApi`], [`store::LockStore`], [`queue::CommandQueue`],
//! [`slack::SlackReplies`], [`clock::Clock`]. See docs/ARCHITECTURE.md.

pub mod accounts;
pub mod aws;
pub mod clock;
pub mod cluster;
pub mod command;
pub mod config;
pub mod duration;
pub mod emr;
pub mod message;
pub mod permissions;
pub mod policy;
pub mod queue;
pub mod secret;
pub mod settings;
pub mod slack;
pub mod store;
pub mod telemetry;
pub mod view;

pub use cluster::{ClusterId, ClusterRef};
pub use command::{Action, Command, ParseError};
pub use config::Config;
pub use duration::HumanDuration;
pub use message::{CommandMessage, MessageId, ReplyTo, Requester};
pub use secret::Secret;
