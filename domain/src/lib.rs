//! emrbot's domain: what a command means, who may ask for it, what the
//! automatic policies decide, and the ports (traits) through which the
//! Lambdas reach AWS. It imports no AWS, HTTP or Lambda crate (a check in
//! `make test`, scripts/check-layers.sh, keeps it so); the adapters live in
//! `emrbot-shared`. See docs/ARCHITECTURE.md.

pub mod accounts;
pub mod audit;
pub mod billing;
pub mod cached_prices;
pub mod cached_spot;
pub mod cluster;
pub mod command;
pub mod config;
pub mod decide;
pub mod duration;
pub mod emr;
pub mod facts;
pub mod lock;
pub mod message;
pub mod permissions;
pub mod policy;
pub mod ports;
pub mod price_book;
pub mod pricelist;
pub mod prices;
pub mod producers;
pub mod refusal;
pub mod report;
pub mod rule;
pub mod savings;
pub mod secret;
pub mod spot;
pub mod usage;

pub use cluster::{ClusterId, ClusterRef};
pub use command::{Action, Command, ParseError};
pub use config::Config;
pub use duration::HumanDuration;
pub use message::{CommandMessage, MessageId, ReplyTo, Requester};
pub use secret::Secret;
