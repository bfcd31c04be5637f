//! Where emrbot may send an HTTP request on a message's say-so: a
//! `response_url` is accepted only on Slack's own hosts, and requests follow
//! no redirects, so a forged message cannot make emrbot call anywhere else.

use std::time::Duration;

/// Which `response_url`s emrbot posts to: Slack's own hosts, and loopback
/// only when told so explicitly (emrbot-local, tests).
#[derive(Debug, Clone, Copy)]
pub struct ResponseUrlPolicy {
    /// `http://127.0.0.1`, `localhost` and `[::1]`: emrbot-local and tests.
    /// Off on Lambda, where the Runtime API itself listens on loopback.
    pub allow_loopback: bool,
}

impl ResponseUrlPolicy {
    pub fn allows(&self, url: &str) -> bool {
        if url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return false;
        }
        const SLACK: [&str; 2] = ["https://hooks.slack.com/", "https://hooks.slack-gov.com/"];
        if SLACK.iter().any(|prefix| url.starts_with(prefix)) {
            return true;
        }
        if !self.allow_loopback {
            return false;
        }
        let Some(rest) = url.strip_prefix("http://") else {
            return false;
        };
        let host = if rest.starts_with("[::1]") {
            "[::1]"
        } else {
            rest.split(['/', ':', '?', '#']).next().unwrap_or_default()
        };
        matches!(host, "127.0.0.1" | "localhost" | "[::1]")
    }
}

/// The HTTP client for Slack: no redirects, bounded time.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("a TLS backend is compiled in")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slack_and_local_urls() {
        let lambda = ResponseUrlPolicy {
            allow_loopback: false,
        };
        let local = ResponseUrlPolicy {
            allow_loopback: true,
        };
        assert!(lambda.allows("https://hooks.slack.com/actions/T1/2/abc"));
        assert!(!lambda.allows("http://127.0.0.1:9001/2018-06-01/runtime/invocation/next"));
        assert!(local.allows("http://127.0.0.1:9001/response/1"));
        assert!(local.allows("http://localhost/response"));
        assert!(local.allows("http://[::1]:80/x"));
        for bad in [
            "https://hooks.slack.com.evil.example/",
            "http://hooks.slack.com/x",
            "https://evil.example/",
            "http://127.0.0.1.evil/",
            "ftp://x",
            "",
        ] {
            assert!(!local.allows(bad), "{bad}");
        }
    }
}
