//! A minimal AWS Lambda Runtime API, so the real release/debug binaries can be
//! run as Lambda would run them: the binary long-polls `/next`, handles the
//! event and posts its response back.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::Value;
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Mutex};

type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<Result<Value, Value>>>>>;

#[derive(Clone)]
struct Shared {
    events: Arc<Mutex<mpsc::Receiver<(String, Value, i64)>>>,
    pending: Pending,
}

pub struct RuntimeApi {
    pub address: String,
    sender: mpsc::Sender<(String, Value, i64)>,
    pending: Pending,
    next_id: std::sync::atomic::AtomicU64,
}

impl RuntimeApi {
    pub async fn start() -> RuntimeApi {
        let (sender, receiver) = mpsc::channel(16);
        let pending: Pending = Arc::default();
        let shared = Shared {
            events: Arc::new(Mutex::new(receiver)),
            pending: pending.clone(),
        };
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(respond),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(fail))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("addr").to_string();
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("runtime API serves")
        });
        RuntimeApi {
            address,
            sender,
            pending,
            next_id: Default::default(),
        }
    }

    /// Sends one event to the function and waits for its answer:
    /// `Ok(response)` or `Err(error payload)`.
    pub async fn invoke(&self, event: Value) -> Result<Value, Value> {
        self.invoke_with(event, Duration::from_secs(30)).await
    }

    /// Like [`RuntimeApi::invoke`], the invocation's deadline `time_left` away.
    pub async fn invoke_with(&self, event: Value, time_left: Duration) -> Result<Value, Value> {
        let id = format!(
            "req-{}",
            self.next_id
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let (tx, rx) = oneshot::channel();
        self.pending.lock().await.insert(id.clone(), tx);
        self.sender
            .send((id, event, time_left.as_millis() as i64))
            .await
            .expect("runtime API alive");
        tokio::time::timeout(Duration::from_secs(30), rx)
            .await
            .expect("function answered in 30 s")
            .expect("answer")
    }

    /// Starts `binary` as Lambda would, with this API and extra environment.
    pub fn spawn_function(
        &self,
        binary: &std::path::Path,
        env: &[(&str, String)],
    ) -> FunctionProcess {
        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", &self.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", "emrbot-test")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/emrbot-test")
            .env(
                "RUST_LOG",
                std::env::var("FUNCTION_LOG").unwrap_or_else(|_| "warn".into()),
            )
            // Set FUNCTION_LOG=debug to see the function's (JSON, stdout) logs.
            .stdout(if std::env::var_os("FUNCTION_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::inherit());
        for (k, v) in env {
            command.env(k, v);
        }
        FunctionProcess(command.spawn().expect("start the function binary"))
    }
}

/// The environment a function binary needs to run against `emulator` with the
/// test config and its queue and table (add Slack's, or override, as needed).
pub fn lambda_env(
    emulator: &emrbot_local::emulator::Emulator,
    resources: &emrbot_local::resources::Resources,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "EMRBOT_CONFIG",
            crate::fixtures::config_path().display().to_string(),
        ),
        ("EMRBOT_QUEUE_URL", resources.queue_url.clone()),
        ("EMRBOT_TABLE", resources.table.clone()),
        ("AWS_ENDPOINT_URL", emulator.endpoint.clone()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        // Replies go to the local Slack server on loopback: asked for explicitly.
        ("EMRBOT_ALLOW_LOOPBACK_RESPONSE_URLS", "true".into()),
        ("EMRBOT_INGRESS_PRINCIPAL", INGRESS_PRINCIPAL.into()),
        ("EMRBOT_SCHEDULER_PRINCIPAL", SCHEDULER_PRINCIPAL.into()),
    ]
}

/// The principals the worker binary is started with in these tests.
pub const INGRESS_PRINCIPAL: &str = "AROATESTINGRESS";
pub const SCHEDULER_PRINCIPAL: &str = "AROATESTSCHEDULER";

pub struct FunctionProcess(pub Child);

impl Drop for FunctionProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn next(State(shared): State<Shared>) -> Response {
    let Some((id, event, time_left_ms)) = shared.events.lock().await.recv().await else {
        return StatusCode::GONE.into_response();
    };
    let deadline = chrono::Utc::now().timestamp_millis() + time_left_ms;
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        HeaderValue::from_str(&id).expect("ascii"),
    );
    headers.insert(
        "lambda-runtime-deadline-ms",
        HeaderValue::from_str(&deadline.to_string()).expect("ascii"),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        HeaderValue::from_static("arn:aws:lambda:us-east-1:123456789012:function:emrbot-test"),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        HeaderValue::from_static("Root=1-00000000-000000000000000000000000"),
    );
    (headers, Json(event)).into_response()
}

/// Bodies are read raw: the runtime client does not always send a JSON content type.
fn parse(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

async fn respond(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let body = parse(&body);
    if let Some(tx) = shared.pending.lock().await.remove(&id) {
        let _ = tx.send(Ok(body));
    }
    StatusCode::ACCEPTED
}

async fn fail(State(shared): State<Shared>, Path(id): Path<String>, body: Bytes) -> StatusCode {
    let body = parse(&body);
    if let Some(tx) = shared.pending.lock().await.remove(&id) {
        let _ = tx.send(Err(body));
    }
    StatusCode::ACCEPTED
}

async fn init_error(body: Bytes) -> StatusCode {
    eprintln!("function failed to initialise: {}", parse(&body));
    StatusCode::ACCEPTED
}
