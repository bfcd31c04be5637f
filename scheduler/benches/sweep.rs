//! Sweep cost at scale: for 10, 100 and 1,000 clusters in the emulator, split
//! over two accounts (the bot's own, and `analytics` through AssumeRole), the
//! AWS API calls one sweep makes and the time it takes.
//!
//!     cargo bench -p emrbot-scheduler --bench sweep            # 10 100 1000
//!     cargo bench -p emrbot-scheduler --bench sweep -- 10 100  # chosen sizes
//!
//! Calls are counted by a small HTTP proxy between the SDK and the emulator
//! (by `X-Amz-Target`, or `Action=` for the query protocols). Three sweeps per
//! size: a quiet one (5 minutes after launch: nothing due), and two busy ones:
//! 31 minutes after (every cluster idle past its grace: each is read for
//! idleness and tags, and warned) and 41 minutes after (each is terminated).
//! The bench publishes the `IsIdle` metric EMR would, idle throughout.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use emrbot_domain::policy::Sweep;
use emrbot_domain::Config;
use emrbot_shared::settings::Settings;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Per operation: calls, and seconds spent waiting for the emulator.
type Counts = Arc<Mutex<BTreeMap<String, (u64, f64)>>>;

#[derive(Clone)]
struct Proxy {
    upstream: String,
    http: reqwest::Client,
    counts: Counts,
}

async fn forward(
    State(p): State<Proxy>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(|t| t.rsplit('.').next().unwrap_or(t).to_string())
        .or_else(|| {
            let form: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&body).unwrap_or_default();
            form.into_iter()
                .find(|(k, _)| k == "Action")
                .map(|(_, v)| v)
        })
        .unwrap_or_else(|| format!("{method} {}", uri.path()));
    let started = Instant::now();
    let url = format!(
        "{}{}",
        p.upstream,
        uri.path_and_query().map(|q| q.as_str()).unwrap_or("/")
    );
    let mut request = p.http.request(method, url).body(body);
    for (k, v) in &headers {
        if k != "host" {
            request = request.header(k, v);
        }
    }
    match request.send().await {
        Ok(r) => {
            let status =
                StatusCode::from_u16(r.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut out = HeaderMap::new();
            for (k, v) in r.headers() {
                if k != "content-length" && k != "transfer-encoding" {
                    out.insert(k, v.clone());
                }
            }
            let body = r.bytes().await.unwrap_or_default();
            let mut counts = p.counts.lock().unwrap();
            let entry = counts.entry(operation).or_default();
            entry.0 += 1;
            entry.1 += started.elapsed().as_secs_f64();
            (status, out, body).into_response()
        }
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

async fn start_proxy(upstream: &str) -> (String, Counts) {
    let counts: Counts = Arc::default();
    let proxy = Proxy {
        upstream: upstream.to_string(),
        http: reqwest::Client::new(),
        counts: counts.clone(),
    };
    let app = axum::Router::new().fallback(forward).with_state(proxy);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (address, counts)
}

fn sdk_config(
    endpoint: &str,
    key: &str,
    secret: &str,
    token: Option<String>,
) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_sqs::config::SharedCredentialsProvider::new(
            aws_sdk_sqs::config::Credentials::new(key, secret, token, None, "bench"),
        ))
        .build()
}

async fn launch_many(emr: &aws_sdk_emr::Client, prefix: &str, n: usize) -> Vec<String> {
    let mut tasks = tokio::task::JoinSet::new();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let emr = emr.clone();
        let name = format!("{prefix}-{i}");
        tasks.spawn(async move {
            emrbot_tests::launch_cluster(&emr, &name)
                .await
                .expect("RunJobFlow")
        });
        if tasks.len() >= 8 {
            ids.extend(tasks.join_next().await.map(|r| r.expect("launch task")));
        }
    }
    while let Some(id) = tasks.join_next().await {
        ids.push(id.expect("launch task"));
    }
    ids
}

/// EMR's `IsIdle` for `ids`: idle every 5 minutes from `from` for 40 minutes.
async fn publish_idle(aws: &aws_config::SdkConfig, ids: &[String], from: chrono::DateTime<Utc>) {
    let points: Vec<_> = ids
        .iter()
        .flat_map(|id| (0..8).map(move |p| (id.clone(), from + Duration::minutes(5 * p), true)))
        .collect();
    emrbot_tests::aws::publish_is_idle(aws, &points).await;
}

fn take(counts: &Counts) -> BTreeMap<String, (u64, f64)> {
    std::mem::take(&mut *counts.lock().unwrap())
}

fn show(counts: &BTreeMap<String, (u64, f64)>) -> String {
    let total: u64 = counts.values().map(|(n, _)| n).sum();
    let parts: Vec<String> = counts
        .iter()
        .map(|(k, (n, secs))| format!("{k} {n} ({secs:.2} s)"))
        .collect();
    format!("{total} calls ({})", parts.join(", "))
}

#[tokio::main]
async fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10, 100, 1000]
    } else {
        sizes
    };
    let config =
        Arc::new(Config::load(&emrbot_tests::fixtures::config_path()).expect("test config"));
    println!("| clusters (home + analytics) | sweep | time | AWS API calls |");
    println!("|---|---|---|---|");
    for n in sizes {
        let emulator = emrbot_tests::Emulator::start().await;
        let home = sdk_config(&emulator.endpoint, "testing", "testing", None);
        let resources = emrbot_local::resources::ensure(&home, "emrbot-commands", "emrbot")
            .await
            .expect("resources");
        // Half the clusters in the other account, through the role the config names.
        let sts = aws_sdk_sts::Client::new(&home);
        let role = &config.accounts["analytics"];
        let assumed = sts
            .assume_role()
            .role_arn(&role.role_arn)
            .role_session_name("bench")
            .send()
            .await
            .expect("AssumeRole");
        let c = assumed.credentials().expect("credentials");
        let analytics = sdk_config(
            &emulator.endpoint,
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
        );
        let started = Utc::now();
        let home_ids = launch_many(&aws_sdk_emr::Client::new(&home), "home", n - n / 2).await;
        let analytics_ids =
            launch_many(&aws_sdk_emr::Client::new(&analytics), "analytics", n / 2).await;
        let launched = Utc::now();
        // The metric EMR publishes for each cluster (the emulator's EMR does not).
        publish_idle(&home, &home_ids, started).await;
        publish_idle(&analytics, &analytics_ids, started).await;

        let (proxy, counts) = start_proxy(&emulator.endpoint).await;
        let through_proxy = sdk_config(&proxy, "testing", "testing", None);
        let settings = Settings::new(config.clone(), resources.queue_url.clone(), "emrbot");
        let scheduler = emrbot_scheduler::build(&settings, &through_proxy);
        for (label, at) in [
            ("quiet (+5m)", launched + Duration::minutes(5)),
            ("busy (+31m)", launched + Duration::minutes(31)),
            ("busy (+41m)", launched + Duration::minutes(41)),
        ] {
            take(&counts);
            let started = Instant::now();
            let outcome = scheduler.sweep(at, Sweep::Idle).await.expect("sweep");
            let elapsed = started.elapsed();
            let calls = take(&counts);
            assert_eq!(outcome.clusters, n);
            println!(
                "| {n} ({} + {}) | {label}: {} messages | {:.2} s | {} |",
                n - n / 2,
                n / 2,
                outcome.sent.len(),
                elapsed.as_secs_f64(),
                show(&calls)
            );
        }
    }
}
