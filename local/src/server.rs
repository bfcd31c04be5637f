//! The HTTP routes of `make run`, served locally: the ingress's Slack routes
//! (the same handler the Lambda runs), `POST /events` for scheduled events, and
//! `GET /healthz`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use emrbot_domain::Secret;
use emrbot_ingress::http::HttpRequest;
use emrbot_ingress::Ingress;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub ingress: Arc<Ingress>,
    /// One sweep at a time (the route and the minute tick share it).
    pub scheduler: Arc<tokio::sync::Mutex<emrbot_scheduler::Scheduler>>,
    pub events: Events,
}

/// Who may run a sweep at any `time` through `POST /events` (an end-of-day
/// sweep terminates clusters).
#[derive(Clone)]
pub enum Events {
    /// Anyone who can reach loopback (local development, tests).
    Open,
    /// Whoever presents `Authorization: Bearer <token>`.
    Token(Secret<String>),
    /// Nobody: exposed without a token.
    Off,
}

impl Events {
    fn admits(&self, headers: &HeaderMap) -> Result<(), (StatusCode, &'static str)> {
        match self {
            Events::Open => Ok(()),
            Events::Off => Err((
                StatusCode::FORBIDDEN,
                "POST /events is off: emrbot-local is exposed; start it with --events-token to use it",
            )),
            Events::Token(token) => {
                let presented = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "));
                // Constant time: a token is a credential.
                let ok = presented.is_some_and(|p| {
                    p.len() == token.expose().len()
                        && p.bytes()
                            .zip(token.expose().bytes())
                            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                            == 0
                });
                if ok {
                    Ok(())
                } else {
                    Err((StatusCode::UNAUTHORIZED, "POST /events needs the token emrbot-local was started with"))
                }
            }
        }
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/events", post(scheduled_event))
        .fallback(to_ingress)
        .with_state(state)
}

/// Everything but the local-only routes goes to the ingress, which answers 404
/// and 405 itself, exactly as on Lambda.
async fn to_ingress(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut request = HttpRequest::new(method.as_str(), uri.path()).body(body.to_vec());
    for (name, value) in &headers {
        if let Ok(value) = value.to_str() {
            request = request.header(name.as_str(), value);
        }
    }
    let response = state.ingress.handle(&request).await;
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut answer = (status, response.body.clone()).into_response();
    for (name, value) in response.headers() {
        answer
            .headers_mut()
            .insert(name, axum::http::HeaderValue::from_static(value));
    }
    answer
}

/// `POST /events`: an EventBridge scheduled event (JSON); runs the sweep at
/// its `time` and answers what was sent.
async fn scheduled_event(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    use emrbot_scheduler::{ScheduledEvent, SweepError};
    let error = |status: StatusCode, message: String| {
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    };
    if let Err((status, why)) = state.events.admits(&headers) {
        return error(status, why.to_string());
    }
    let event = match serde_json::from_slice(&body)
        .map_err(|e| SweepError::Event(e.to_string()))
        .and_then(ScheduledEvent::from_json)
    {
        Ok(event) => event,
        Err(e) => return error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let scheduler = state.scheduler.lock().await;
    match scheduler.handle(&event).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(e @ SweepError::Event(_)) => error(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}
