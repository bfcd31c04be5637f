//! The ingress's own view of an HTTP exchange, independent of how it arrived
//! (API Gateway v1/v2, function URL, or the local server).

use emrbot_shared::slack::ReplyKind;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            ..Default::default()
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .insert(name.to_ascii_lowercase(), value.to_string());
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn get_header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// For clients that wait for replies: whether the answer follows on the
    /// `response_url` (`x-emrbot-reply`; Slack ignores it).
    pub reply: Option<ReplyKind>,
}

impl HttpResponse {
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: body.to_string(),
            reply: None,
        }
    }

    /// An error with its reason, as JSON `{"error": "..."}`.
    pub fn error(status: u16, reason: &str) -> Self {
        Self::json(status, &serde_json::json!({ "error": reason }))
    }

    pub fn empty() -> Self {
        Self {
            status: 200,
            content_type: "text/plain",
            body: String::new(),
            reply: None,
        }
    }

    /// Says whether the answer follows on the `response_url`.
    pub fn telling(mut self, reply: ReplyKind) -> Self {
        self.reply = Some(reply);
        self
    }

    /// The headers beside the body.
    pub fn headers(&self) -> Vec<(&'static str, &'static str)> {
        let mut headers = vec![("content-type", self.content_type)];
        if let Some(reply) = self.reply {
            headers.push((emrbot_shared::slack::reply_kind::HEADER, reply.as_str()));
        }
        headers
    }
}
