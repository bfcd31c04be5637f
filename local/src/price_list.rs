//! A local AWS Price List Query API, the emulator's part moto cannot play
//! (moto has no Price List): `emrbot-local run` serves AWS's product
//! documents for the types of its demo ([`bundled`]), and the tests serve
//! their own. It speaks the real
//! wire protocol (awsJson1_1: `POST /` with `X-Amz-Target:
//! AWSPriceListService.GetProducts`, products returned in `PriceList` as
//! JSON strings, `NextToken` paging), honours `ServiceCode` and `TERM_MATCH`
//! filters on a product's attributes, and serves the product documents a
//! test gives it. It is a fake of AWS's API, not of emrbot's port, so the
//! real aws-sdk-pricing client and emrbot's adapter are what is tested.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const TARGET: &str = "AWSPriceListService.GetProducts";

#[derive(Default)]
struct Inner {
    products: Vec<Value>,
    /// Products per page, whatever `MaxResults` asks (AWS pages at its own will).
    page_size: usize,
    /// The `GetProducts` requests received, as sent.
    requests: Vec<Value>,
    /// Answer every request with this HTTP status (an outage).
    failing: Option<u16>,
}

#[derive(Clone)]
pub struct PriceListServer {
    inner: Arc<Mutex<Inner>>,
    pub endpoint: String,
}

impl PriceListServer {
    /// Serves `products` (Price List product documents), `page_size` to a page.
    pub async fn start(products: Vec<Value>, page_size: usize) -> PriceListServer {
        let inner = Arc::new(Mutex::new(Inner {
            products,
            page_size: page_size.max(1),
            ..Inner::default()
        }));
        let app = Router::new()
            .route("/", post(get_products))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serves") });
        PriceListServer { inner, endpoint }
    }

    /// Every GetProducts request so far.
    pub fn requests(&self) -> Vec<Value> {
        self.inner.lock().unwrap().requests.clone()
    }

    /// From now on, answer `status` to everything (`None`: serve again).
    pub fn fail_with(&self, status: Option<u16>) {
        self.inner.lock().unwrap().failing = status;
    }
}

fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({"__type": kind, "message": message}).to_string();
    (
        status,
        [("content-type", "application/x-amz-json-1.1")],
        body,
    )
        .into_response()
}

/// Whether `product` passes every filter of `request`, as AWS applies them.
fn matches(product: &Value, request: &Value) -> bool {
    if product["serviceCode"] != request["ServiceCode"] {
        return false;
    }
    let filters = request["Filters"].as_array().cloned().unwrap_or_default();
    filters.iter().all(|f| {
        let field = f["Field"].as_str().unwrap_or_default();
        let value = &f["Value"];
        match f["Type"].as_str() {
            Some("TERM_MATCH") => &product["product"]["attributes"][field] == value,
            _ => false,
        }
    })
}

async fn get_products(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if headers.get("x-amz-target").and_then(|v| v.to_str().ok()) != Some(TARGET) {
        return error(
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            "only GetProducts is served here",
        );
    }
    let Ok(request) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "SerializationException",
            "not JSON",
        );
    };
    let mut inner = inner.lock().unwrap();
    inner.requests.push(request.clone());
    if let Some(status) = inner.failing {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        return error(
            status,
            "ServiceUnavailableException",
            "injected by the test",
        );
    }
    if request["ServiceCode"].as_str().is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidParameterException",
            "ServiceCode is required",
        );
    }
    let found: Vec<&Value> = inner
        .products
        .iter()
        .filter(|p| matches(p, &request))
        .collect();
    let start: usize = match request["NextToken"].as_str() {
        None => 0,
        Some(token) => match token.parse() {
            Ok(n) => n,
            Err(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidNextTokenException",
                    "bad token",
                )
            }
        },
    };
    let asked = request["MaxResults"].as_u64().unwrap_or(100) as usize;
    let end = (start + inner.page_size.min(asked.max(1))).min(found.len());
    let page: Vec<String> = found[start.min(end)..end]
        .iter()
        .map(|p| p.to_string())
        .collect();
    let mut answer = json!({"FormatVersion": "aws_v1", "PriceList": page});
    if end < found.len() {
        answer["NextToken"] = json!(end.to_string());
    }
    (
        StatusCode::OK,
        [("content-type", "application/x-amz-json-1.1")],
        answer.to_string(),
    )
        .into_response()
}

/// The product documents `emrbot-local run` serves: AWS's Price List
/// entries for m5.xlarge in us-east-1 (EC2 Linux on-demand and EMR's
/// uplift) and gp3 volumes, as GetProducts returns them. Other types get no product, and
/// emrbot says it fell back to its built-in prices for them.
pub fn bundled() -> Vec<Value> {
    [
        include_str!("../../tests/fixtures/pricelist/ec2-m5.xlarge-linux-us-east-1.json"),
        include_str!("../../tests/fixtures/pricelist/emr-m5.xlarge-us-east-1.json"),
        include_str!("../../tests/fixtures/pricelist/ebs-gp3-us-east-1.json"),
    ]
    .into_iter()
    .map(|doc| serde_json::from_str(doc).expect("a bundled product document is JSON"))
    .collect()
}

/// Starts a local Price List serving `products` and gives `worker` prices
/// from it (behind its DynamoDB cache in `table`), as AWS's would be.
pub async fn serve_worker(
    worker: &mut emrbot_worker::Worker,
    aws: &aws_config::SdkConfig,
    table: &str,
    products: Vec<Value>,
) -> PriceListServer {
    let server = PriceListServer::start(products, 100).await;
    let pricing = aws.to_builder().endpoint_url(&server.endpoint).build();
    worker.prices = emrbot_worker::price_list(
        &pricing,
        &aws_sdk_dynamodb::Client::new(aws),
        table,
        worker.clock.clone(),
    );
    server
}
