//! Slack: request signing, Block Kit messages, every message's wording
//! (`render`), and sending replies (the [`SlackReplies`] port and its HTTP adapter).

pub mod blocks;
pub mod client;
pub mod render;
pub mod reply_kind;
pub mod signing;
pub mod urls;

pub use blocks::SlackMessage;
pub use client::{HttpSlack, Posted, SlackError, SlackReplies};
pub use reply_kind::ReplyKind;
pub use signing::{SignatureError, SlackVerifier};
