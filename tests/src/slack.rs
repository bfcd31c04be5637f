//! A local Slack: records every message the bot sends to a `response_url` or
//! the Web API, and answers like Slack (optionally failing first, to test retries).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Recorded {
    /// `response/<id>` or `api/<method>`.
    pub path: String,
    pub authorization: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    recorded: Vec<Recorded>,
    /// Answers to give before succeeding: each entry is a status code.
    failures: Vec<u16>,
    next_ts: u64,
    /// response_url ids that are never answered (a stalled Slack).
    stalled: std::collections::HashSet<String>,
    /// What `apps.connections.open` hands out (Socket Mode).
    socket_url: Option<String>,
    /// `apps.connections.open` calls answered with a URL.
    socket_opens: usize,
}

#[derive(Clone)]
pub struct FakeSlack {
    inner: Arc<Mutex<Inner>>,
    pub base: String,
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new()
            .route("/response/{id}", post(response_url))
            .route("/api/apps.connections.open", post(connections_open))
            .route("/api/{method}", post(web_api))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake Slack serves") });
        FakeSlack { inner, base }
    }

    /// A fresh `response_url` for one command.
    pub fn response_url(&self, id: &str) -> String {
        format!("{}/response/{id}", self.base)
    }

    /// Where `SLACK_API_BASE_URL` should point.
    pub fn api_base(&self) -> String {
        format!("{}/api", self.base)
    }

    /// The next requests get these statuses (e.g. 500, 429) before one succeeds.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.inner
            .lock()
            .expect("lock")
            .failures
            .extend_from_slice(statuses);
    }

    /// Posts to `response_url(id)` are accepted and never answered.
    pub fn stall(&self, id: &str) {
        self.inner
            .lock()
            .expect("lock")
            .stalled
            .insert(id.to_string());
    }

    /// `apps.connections.open` hands out `server`'s URL to app-level tokens.
    pub fn serve_socket_mode(&self, server: &crate::SocketModeServer) {
        self.inner.lock().expect("lock").socket_url = Some(server.url.clone());
    }

    /// How many Socket Mode connections were opened (`apps.connections.open`).
    pub fn socket_opens(&self) -> usize {
        self.inner.lock().expect("lock").socket_opens
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.inner.lock().expect("lock").recorded.clone()
    }

    /// Waits until a recorded message satisfies `pred`, or panics after `limit`.
    pub async fn wait_for(&self, limit: Duration, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            if let Some(r) = self.recorded().into_iter().find(|r| pred(r)) {
                return r;
            }
            if tokio::time::Instant::now() > deadline {
                panic!(
                    "Slack received no matching message within {limit:?}; got {:#?}",
                    self.recorded()
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn take_failure(inner: &Mutex<Inner>) -> Option<u16> {
    let mut inner = inner.lock().expect("lock");
    (!inner.failures.is_empty()).then(|| inner.failures.remove(0))
}

async fn response_url(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let stalled = inner.lock().expect("lock").stalled.contains(&id);
    if stalled {
        return std::future::pending().await;
    }
    if let Some(status) = take_failure(&inner) {
        return failure(status);
    }
    inner.lock().expect("lock").recorded.push(Recorded {
        path: format!("response/{id}"),
        authorization: auth(&headers),
        body,
    });
    (StatusCode::OK, "ok").into_response()
}

async fn web_api(
    State(inner): State<Arc<Mutex<Inner>>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if let Some(status) = take_failure(&inner) {
        return failure(status);
    }
    let authorization = auth(&headers);
    if !authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Bearer xoxb-"))
    {
        return Json(json!({"ok": false, "error": "not_authed"})).into_response();
    }
    let mut inner = inner.lock().expect("lock");
    inner.next_ts += 1;
    let ts = body
        .get("ts")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("1700000000.{:06}", inner.next_ts));
    let channel = body.get("channel").cloned().unwrap_or(Value::Null);
    inner.recorded.push(Recorded {
        path: format!("api/{method}"),
        authorization,
        body,
    });
    Json(json!({"ok": true, "channel": channel, "ts": ts})).into_response()
}

/// Slack's `apps.connections.open`: an app-level token gets a WebSocket URL.
async fn connections_open(State(inner): State<Arc<Mutex<Inner>>>, headers: HeaderMap) -> Response {
    let app_token = auth(&headers).is_some_and(|a| a.starts_with("Bearer xapp-"));
    if !app_token {
        return Json(json!({"ok": false, "error": "invalid_auth"})).into_response();
    }
    let mut inner = inner.lock().expect("lock");
    match inner.socket_url.clone() {
        Some(url) => {
            inner.socket_opens += 1;
            Json(json!({"ok": true, "url": url})).into_response()
        }
        None => Json(json!({"ok": false, "error": "socket_mode_not_enabled"})).into_response(),
    }
}

fn failure(status: u16) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, "failure injected by the test").into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert("retry-after", "1".parse().expect("header"));
    }
    response
}

fn auth(headers: &HeaderMap) -> Option<String> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// All the text of a Block Kit message, for assertions.
pub fn message_text(body: &Value) -> String {
    let mut out = String::new();
    collect_text(body, &mut out);
    out
}

fn collect_text(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_text(v, out)),
        _ => {}
    }
}

/// Panics unless `message` is Block Kit that Slack accepts: a fallback
/// `text` of at most 3,000 characters, at most 50 blocks with unique ids,
/// texts within their limits, buttons with action ids and values in bounds
/// and unique action ids within a block.
pub fn assert_valid_block_kit(message: &Value) {
    let text = message["text"].as_str().expect("a fallback text");
    assert!(
        text.chars().count() <= 3000,
        "fallback of {} characters",
        text.chars().count()
    );
    let blocks = message["blocks"].as_array().expect("blocks");
    assert!(
        !blocks.is_empty() && blocks.len() <= 50,
        "{} blocks",
        blocks.len()
    );
    let mut block_ids = std::collections::HashSet::new();
    for block in blocks {
        if let Some(id) = block["block_id"].as_str() {
            assert!(
                id.len() <= 255 && block_ids.insert(id),
                "block_id {id} repeated or long"
            );
        }
        match block["type"].as_str().expect("a block type") {
            "header" => {
                assert_eq!(block["text"]["type"], "plain_text");
                assert!(block["text"]["text"].as_str().unwrap().chars().count() <= 150);
            }
            "section" | "context" => {
                let texts: Vec<&Value> = match block["type"].as_str() {
                    Some("section") => std::iter::once(&block["text"])
                        .chain(block["fields"].as_array().into_iter().flatten())
                        .filter(|t| !t.is_null())
                        .collect(),
                    _ => block["elements"]
                        .as_array()
                        .expect("elements")
                        .iter()
                        .collect(),
                };
                assert!(!texts.is_empty(), "{block}");
                for t in texts {
                    let s = t["text"].as_str().expect("text");
                    assert!(
                        !s.is_empty() && s.chars().count() <= 3000,
                        "a text of {} characters",
                        s.chars().count()
                    );
                }
            }
            "actions" => {
                let elements = block["elements"].as_array().expect("elements");
                assert!(!elements.is_empty() && elements.len() <= 25);
                let mut ids = std::collections::HashSet::new();
                for e in elements {
                    let id = e["action_id"].as_str().expect("action_id");
                    assert!(
                        id.len() <= 255 && ids.insert(id),
                        "action_id {id} repeated in a block"
                    );
                    assert!(e["value"].as_str().is_none_or(|v| v.len() <= 2000));
                }
            }
            "divider" => {}
            other => panic!("unexpected block type {other}"),
        }
    }
}
