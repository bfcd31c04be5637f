//! Turns Lambda events from API Gateway (HTTP API payload 2.0, REST API 1.0)
//! or a function URL (payload 2.0 shape) into an [`HttpRequest`], and an
//! [`HttpResponse`] back into the proxy response they expect. Bodies may be
//! base64 or plain; header names may come in any case.

use crate::http::{HttpRequest, HttpResponse};
use crate::MAX_BODY_BYTES;
use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use base64::Engine;
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("event is neither an API Gateway nor a function URL request: {0}")]
    Shape(String),
    #[error("body is marked base64 but does not decode")]
    Base64,
    #[error("request body is larger than 64 KiB")]
    TooLarge,
}

pub fn to_request(event: Value) -> Result<HttpRequest, EventError> {
    let is_v2 = event.pointer("/requestContext/http").is_some();
    let shape = |e: serde_json::Error| EventError::Shape(e.to_string().chars().take(200).collect());
    let (method, path, headers, body, base64) = if is_v2 {
        let e: ApiGatewayV2httpRequest = serde_json::from_value(event).map_err(shape)?;
        let method = e.request_context.http.method.to_string();
        let mut path = e
            .raw_path
            .or(e.request_context.http.path)
            .unwrap_or_default();
        // A named HTTP API stage is part of rawPath: `/prod/slack/commands`.
        if let Some(stage) = e
            .request_context
            .stage
            .as_deref()
            .filter(|s| !s.is_empty() && *s != "$default")
        {
            if let Some(rest) = path
                .strip_prefix('/')
                .and_then(|p| p.strip_prefix(stage))
                .filter(|r| r.starts_with('/'))
            {
                path = rest.to_string();
            }
        }
        (method, path, e.headers, e.body, e.is_base64_encoded)
    } else {
        let e: ApiGatewayProxyRequest = serde_json::from_value(event).map_err(shape)?;
        (
            e.http_method.to_string(),
            e.path.unwrap_or_default(),
            e.headers,
            e.body,
            e.is_base64_encoded,
        )
    };
    let body = match body {
        None => Vec::new(),
        Some(text) if base64 => {
            if text.len() > MAX_BODY_BYTES / 3 * 4 + 8 {
                return Err(EventError::TooLarge);
            }
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|_| EventError::Base64)?
        }
        Some(text) => text.into_bytes(),
    };
    if body.len() > MAX_BODY_BYTES {
        return Err(EventError::TooLarge);
    }
    let mut request = HttpRequest::new(&method, &path).body(body);
    for (name, value) in headers.iter() {
        if let Ok(value) = value.to_str() {
            request = request.header(name.as_str(), value);
        }
    }
    Ok(request)
}

pub fn to_proxy_response(response: &HttpResponse) -> Value {
    json!({
        "statusCode": response.status,
        "headers": response
            .headers()
            .into_iter()
            .map(|(name, value)| (name.to_string(), json!(value)))
            .collect::<serde_json::Map<String, Value>>(),
        "body": response.body,
        "isBase64Encoded": false,
    })
}
