//! `emrbot-local send <text>`: what Slack does when someone types `/emr <text>`.
//! Signs a slash-command form, POSTs it, prints the acknowledgement, then
//! catches the deferred reply on a local `response_url` and prints it.

use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use emrbot_domain::Secret;
use emrbot_shared::slack::reply_kind::{self, ReplyKind};
use emrbot_shared::slack::SlackVerifier;
use serde_json::Value;
use std::time::Duration;

pub struct SendOptions {
    pub url: String,
    pub text: String,
    pub user: String,
    pub channel: String,
    pub signing_secret: Secret<String>,
    pub wait: Duration,
}

pub struct Exchange {
    /// emrbot said the acknowledgement is the whole answer.
    pub complete: bool,
    pub status: u16,
    pub ack: Value,
    pub replies: Vec<Value>,
    /// From sending the request to the HTTP answer (Slack's 3-second budget).
    pub ack_latency: Duration,
    /// From sending the request to the deferred reply on the response_url.
    pub reply_latency: Option<Duration>,
}

/// One message posted to a `response_url`, and whether another replaces it.
#[derive(Debug, Clone)]
pub struct Post {
    pub message: Value,
    pub progress: bool,
}

/// A local `response_url`: its URL, what is posted to it, and its server.
pub(crate) struct Catcher {
    pub url: String,
    pub posted: tokio::sync::mpsc::UnboundedReceiver<Post>,
    server: tokio::task::JoinHandle<()>,
}

impl Catcher {
    pub(crate) async fn start() -> Result<Catcher, String> {
        let (tx, posted) = tokio::sync::mpsc::unbounded_channel::<Post>();
        let app = Router::new().route(
            "/response",
            post(move |headers: HeaderMap, Json(body): Json<Value>| {
                let tx = tx.clone();
                async move {
                    let progress = reply_kind(&headers) == Some(ReplyKind::Progress);
                    let _ = tx.send(Post {
                        message: body,
                        progress,
                    });
                    "ok"
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let url = format!(
            "http://{}/response",
            listener.local_addr().map_err(|e| e.to_string())?
        );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Catcher {
            url,
            posted,
            server,
        })
    }

    /// Every post until the first that is an answer (not a progress update),
    /// or until `wait` runs out.
    pub(crate) async fn until_answered(&mut self, wait: Duration) -> Vec<Post> {
        let until = tokio::time::Instant::now() + wait;
        let mut posts = Vec::new();
        while let Ok(Some(post)) = tokio::time::timeout_at(until, self.posted.recv()).await {
            let answered = !post.progress;
            posts.push(post);
            if answered {
                break;
            }
        }
        posts
    }
}

/// What emrbot said of its answer in the `x-emrbot-reply` header.
pub(crate) fn reply_kind(headers: &HeaderMap) -> Option<ReplyKind> {
    headers
        .get(reply_kind::HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(ReplyKind::parse)
}

impl Drop for Catcher {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// POSTs `body` (a form) to `path` of emrbot, signed as Slack signs it.
pub(crate) async fn post_signed(
    options: &SendOptions,
    path: &str,
    body: String,
) -> Result<reqwest::Response, String> {
    let timestamp = chrono::Utc::now().timestamp();
    let signature =
        SlackVerifier::new(options.signing_secret.clone()).sign(timestamp, body.as_bytes());
    reqwest::Client::new()
        .post(format!("{}{path}", options.url.trim_end_matches('/')))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", timestamp.to_string())
        .header("x-slack-signature", signature)
        .body(body)
        .send()
        .await
        .map_err(|e| format!("cannot reach emrbot at {}: {e}", options.url))
}

pub async fn send(options: &SendOptions) -> Result<Exchange, String> {
    let mut catcher = Catcher::start().await?;
    let response_url = catcher.url.clone();
    let body = serde_urlencoded::to_string([
        ("token", "local"),
        ("team_id", "T0LOCAL"),
        ("team_domain", "local"),
        ("channel_id", options.channel.as_str()),
        ("channel_name", "local"),
        ("user_id", options.user.as_str()),
        ("user_name", "local-user"),
        ("command", "/emr"),
        ("text", options.text.as_str()),
        ("response_url", response_url.as_str()),
        (
            "trigger_id",
            &format!("{}.local", uuid::Uuid::new_v4().simple()),
        ),
        ("api_app_id", "A0LOCAL"),
    ])
    .map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let response = post_signed(options, "/slack/commands", body).await?;
    let status = response.status().as_u16();
    // An emrbot that does not say is waited for, as before it said.
    let complete = reply_kind(response.headers()) == Some(ReplyKind::Complete);
    let ack: Value = response.json().await.unwrap_or(Value::Null);
    let ack_latency = started.elapsed();
    let mut replies = Vec::new();
    let mut reply_latency = None;
    if status == 200 && !complete {
        let posts = catcher.until_answered(options.wait).await;
        if posts.iter().any(|p| !p.progress) {
            reply_latency = Some(started.elapsed());
        }
        replies.extend(posts.into_iter().map(|p| p.message));
    }
    Ok(Exchange {
        complete,
        status,
        ack,
        replies,
        ack_latency,
        reply_latency,
    })
}

/// Sends the command `times` times from `clients` concurrent senders (each
/// one after another), and reports the acknowledgement and deferred-reply
/// latencies (p50 / p99 / max), the errors (no 200, or no reply within the
/// wait) and how many commands were answered per second.
pub async fn measure(
    options: &SendOptions,
    times: usize,
    clients: usize,
) -> Result<String, String> {
    let clients = clients.clamp(1, times.max(1));
    let started = std::time::Instant::now();
    let runs = (0..clients).map(|c| async move {
        let mut out = Vec::new();
        for _ in (c..times.max(1)).step_by(clients) {
            out.push(send(options).await);
        }
        out
    });
    let exchanges: Vec<_> = futures_util::future::join_all(runs)
        .await
        .into_iter()
        .flatten()
        .collect();
    let wall = started.elapsed();
    let (mut acks, mut replies, mut errors, mut answered) = (Vec::new(), Vec::new(), 0, 0);
    for exchange in exchanges {
        match exchange {
            Ok(e) if e.status == 200 => {
                acks.push(e.ack_latency);
                match e.reply_latency {
                    Some(r) => replies.push(r),
                    // The acknowledgement was the whole answer (`help`).
                    None if e.complete => answered += 1,
                    None => errors += 1,
                }
            }
            _ => errors += 1,
        }
    }
    answered += replies.len();
    if acks.is_empty() || answered == 0 {
        return Err(format!("no command was answered ({errors} errors)"));
    }
    let deferred = if replies.is_empty() {
        "none (the acknowledgement is the whole answer)".to_string()
    } else {
        percentiles(&mut replies)
    };
    Ok(format!(
        "{} × `{}` from {clients} client(s)\n  acknowledgement: {}\n  deferred reply:  {deferred}\n  errors: {errors}; {:.1} commands answered per second ({:.1} s in all)",
        acks.len(),
        options.text,
        percentiles(&mut acks),
        answered as f64 / wall.as_secs_f64(),
        wall.as_secs_f64()
    ))
}

fn percentiles(samples: &mut [Duration]) -> String {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3
    )
}
