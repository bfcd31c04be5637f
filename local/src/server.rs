//! The HTTP routes of PRODUCT.md §5, served locally: the ingress's Slack routes
//! (the same handler the Lambda runs), `POST /events` for scheduled events, and
//! `GET /healthz`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use emrbot_ingress::http::HttpRequest;
use emrbot_ingress::Ingress;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub ingress: Arc<Ingress>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
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
    (
        status,
        [("content-type", response.content_type)],
        response.body,
    )
        .into_response()
}
