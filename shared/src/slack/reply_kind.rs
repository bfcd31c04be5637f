//! Whether more is coming: a header on emrbot's HTTP answers and on its posts
//! to a `response_url`, for clients that wait for replies (emrbot-local
//! `send`). Slack ignores headers it does not know.

/// The header's name (lower case, as HTTP/2 and API Gateway want it).
pub const HEADER: &str = "x-emrbot-reply";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// On an acknowledgement: it is the whole answer; nothing follows.
    Complete,
    /// On an acknowledgement: the answer follows on the `response_url`.
    Deferred,
    /// On a post to a `response_url`: an update that another post replaces.
    Progress,
    /// On a post to a `response_url`: the answer; nothing follows.
    Final,
}

impl ReplyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyKind::Complete => "complete",
            ReplyKind::Deferred => "deferred",
            ReplyKind::Progress => "progress",
            ReplyKind::Final => "final",
        }
    }

    pub fn parse(value: &str) -> Option<ReplyKind> {
        [
            ReplyKind::Complete,
            ReplyKind::Deferred,
            ReplyKind::Progress,
            ReplyKind::Final,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(value.trim()))
    }

    /// How a post of `message` to a `response_url` is marked.
    pub fn of_post(message: &crate::slack::SlackMessage) -> ReplyKind {
        if message.progress {
            ReplyKind::Progress
        } else {
            ReplyKind::Final
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ReplyKind;

    #[test]
    fn every_kind_round_trips_and_nothing_else_parses() {
        for kind in [
            ReplyKind::Complete,
            ReplyKind::Deferred,
            ReplyKind::Progress,
            ReplyKind::Final,
        ] {
            assert_eq!(ReplyKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ReplyKind::parse("later"), None);
    }
}
