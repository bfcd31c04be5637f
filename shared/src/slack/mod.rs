//! Slack: request signing, Block Kit messages, and sending replies.

pub mod blocks;
pub mod client;
pub mod signing;

pub use blocks::SlackMessage;
pub use client::{HttpSlack, SlackError, SlackReplies};
pub use signing::{SignatureError, SlackVerifier};
