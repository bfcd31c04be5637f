//! Turns Lambda events from API Gateway (HTTP API payload 2.0, REST API 1.0)
//! or a function URL into an [`HttpRequest`], and an [`HttpResponse`] back
//! into the proxy response they expect.

use crate::http::{HttpRequest, HttpResponse};
use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use base64::Engine;
use serde_json::{json, Value};

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("event is neither an API Gateway nor a function URL request: {0}")]
    Shape(String),
    #[error("body is marked base64 but does not decode")]
    Base64,
}

pub fn to_request(event: Value) -> Result<HttpRequest, EventError> {
    let is_v2 = event.pointer("/requestContext/http").is_some();
    let (method, path, headers, body, base64) = if is_v2 {
        let e: ApiGatewayV2httpRequest = serde_json::from_value(event).map_err(|e| EventError::Shape(e.to_string()))?;
        let method = e.request_context.http.method.to_string();
        (method, e.raw_path.unwrap_or_default(), e.headers, e.body, e.is_base64_encoded)
    } else {
        let e: ApiGatewayProxyRequest = serde_json::from_value(event).map_err(|e| EventError::Shape(e.to_string()))?;
        (e.http_method.to_string(), e.path.unwrap_or_default(), e.headers, e.body, e.is_base64_encoded)
    };
    let body = match body {
        None => Vec::new(),
        Some(text) if base64 => base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| EventError::Base64)?,
        Some(text) => text.into_bytes(),
    };
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
        "headers": {"content-type": response.content_type},
        "body": response.body,
        "isBase64Encoded": false,
    })
}
