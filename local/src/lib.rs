//! emrbot on one machine (README, "Two commands"): the ingress served over HTTP, the
//! worker consuming the queue, and the local AWS emulator unless told otherwise.
//! The same library code the Lambdas run, wired to local loops.

pub mod click;
pub mod console;
pub mod emulator;
pub mod price_list;
pub mod prompt;
pub mod render;
pub mod resources;
pub mod send;
pub mod server;
pub mod socket_mode;
pub mod worker_loop;

use emrbot_domain::{Config, Secret};
use emrbot_ingress::Ingress;
use emrbot_shared::aws::sqs::SqsQueue;
use emrbot_shared::settings::Settings;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// The signing secret `make run` and `emrbot-local send` share when none is set.
pub const LOCAL_SIGNING_SECRET: &str = "emrbot-local-development-secret";

#[derive(Clone)]
pub struct Options {
    pub listen: SocketAddr,
    pub config: PathBuf,
    /// `None`: start an emulator (unless `use_real_aws`).
    pub aws_endpoint: Option<String>,
    pub use_real_aws: bool,
    pub queue: String,
    pub table: String,
    pub signing_secret: Secret<String>,
    pub bot_token: Option<Secret<String>>,
    pub slack_api_base: String,
    /// Launch two demo clusters in a fresh emulator so `status` shows something.
    pub seed_demo_clusters: bool,
    /// How often the scheduler sweeps on the real clock (EventBridge's job on
    /// AWS); `None`: never, only through `POST /events` (tests).
    pub scheduler_tick: Option<std::time::Duration>,
    /// `POST /events` requires `Authorization: Bearer <token>` when set; when
    /// exposed (see [`Options::exposed`]) and unset, `POST /events` is off.
    pub events_token: Option<Secret<String>>,
    /// Socket Mode's app-level token (`xapp-…`): set, emrbot also takes
    /// Slack's requests over a WebSocket it opens to Slack.
    pub socket_mode: Option<Secret<String>>,
    /// Without a bot token, channel posts are shown here (stdout).
    pub console: console::Sink,
}

impl Options {
    /// Reachable by others, or acting on real clusters: real AWS, or a listen
    /// address outside loopback.
    pub fn exposed(&self) -> bool {
        self.use_real_aws || !self.listen.ip().is_loopback()
    }

    /// Exposed with the README's published signing secret, anyone could
    /// sign commands: refuse.
    fn check_safe(&self) -> Result<(), String> {
        if self.exposed() && self.signing_secret.expose() == LOCAL_SIGNING_SECRET {
            return Err(format!(
                "refusing to start with the published development signing secret while {}: \
                 set SLACK_SIGNING_SECRET to your Slack app's signing secret",
                if self.use_real_aws {
                    "acting on real AWS (--aws)".to_string()
                } else {
                    format!("listening on {} (outside loopback)", self.listen)
                }
            ));
        }
        Ok(())
    }
}

pub struct Running {
    pub address: SocketAddr,
    pub aws: aws_config::SdkConfig,
    pub resources: resources::Resources,
    shutdown: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    /// Kept alive while running; stopped on drop.
    pub emulator: Option<emulator::Emulator>,
}

impl Running {
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            task.abort();
            let _ = task.await;
        }
    }
}

async fn sdk_config(
    options: &Options,
) -> Result<(aws_config::SdkConfig, Option<emulator::Emulator>), String> {
    if options.use_real_aws {
        return Ok((emrbot_shared::aws::load_sdk_config().await, None));
    }
    let (endpoint, started) = match &options.aws_endpoint {
        Some(endpoint) => (endpoint.clone(), None),
        None => {
            let emulator = emulator::Emulator::try_start().await?;
            tracing::info!(endpoint = %emulator.endpoint, "started the local AWS emulator");
            (emulator.endpoint.clone(), Some(emulator))
        }
    };
    // An emulator takes any credentials; keep real ones out of it.
    let config = aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(
            std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into()),
        ))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_sqs::config::SharedCredentialsProvider::new(
            aws_sdk_sqs::config::Credentials::new("testing", "testing", None, None, "emulator"),
        ))
        .build();
    Ok((config, started))
}

/// What SQS will report as the `SenderId` of the messages this process sends
/// on real AWS: its own IAM unique id.
async fn sender_id_on_aws(aws: &aws_config::SdkConfig) -> Result<String, String> {
    let me = aws_sdk_sts::Client::new(aws)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| format!("cannot tell who we are on AWS (sts:GetCallerIdentity): {e}"))?;
    me.user_id()
        .map(str::to_string)
        .ok_or_else(|| "sts:GetCallerIdentity returned no UserId".into())
}

/// Starts everything and returns once the HTTP server is listening.
pub async fn start(options: Options) -> Result<Running, String> {
    options.check_safe()?;
    let config = Arc::new(Config::load(&options.config).map_err(|e| e.to_string())?);
    let (aws, emulator) = sdk_config(&options).await?;
    let resources = resources::ensure(&aws, &options.queue, &options.table).await?;
    if options.seed_demo_clusters && emulator.is_some() {
        let emr = aws_sdk_emr::Client::new(&aws);
        for name in ["adhoc-alice", "nightly-etl"] {
            emulator::launch_cluster(&emr, name).await?;
        }
    }
    let own_principal = if options.use_real_aws {
        sender_id_on_aws(&aws).await?
    } else {
        emulator::SENDER_ID.to_string()
    };
    let settings = Settings {
        config: config.clone(),
        queue_url: resources.queue_url.clone(),
        table: resources.table.clone(),
        signing_secret: Some(options.signing_secret.clone()),
        bot_token: options.bot_token.clone(),
        slack_api_base: options.slack_api_base.clone(),
        // The local Slack server and `emrbot-local send` answer on loopback.
        allow_loopback_response_urls: true,
        // Here the ingress, the scheduler and the worker are one process with
        // one identity: the worker accepts what that identity sends.
        ingress_principal: Some(own_principal.clone()),
        scheduler_principal: Some(own_principal),
    };
    // The worker loop's long polls: bounded, so a stalled queue cannot
    // leave it waiting forever once the queue is back.
    let sqs = emrbot_shared::aws::sqs::client_within(&aws, std::time::Duration::from_secs(10));
    // The ingress's own client: bounded by what Slack will wait for.
    let ingress_sqs = emrbot_shared::aws::sqs::client_within(&aws, emrbot_ingress::SQS_BUDGET);
    let queue = Arc::new(SqsQueue::new(ingress_sqs, settings.queue_url.clone()));
    let ingress = Arc::new(Ingress::from_settings(&settings, queue).map_err(|e| e.to_string())?);
    let mut worker = emrbot_worker::build(&settings, &aws).map_err(|e| e.to_string())?;
    if !options.use_real_aws {
        // The emulator has no Price List: a local one serves AWS's documents.
        price_list::serve_worker(&mut worker, &aws, &settings.table, price_list::bundled()).await;
    }
    if options.bot_token.is_none() {
        worker.slack = Arc::new(console::ConsoleSlack::new(
            worker.slack.clone(),
            options.console.clone(),
        ));
    }

    let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let scheduler = Arc::new(tokio::sync::Mutex::new(emrbot_scheduler::build(
        &settings, &aws,
    )));
    let tick = tokio::spawn(scheduler_tick(
        scheduler.clone(),
        options.scheduler_tick,
        shutdown_rx.clone(),
    ));
    let events = match (&options.events_token, options.exposed()) {
        (Some(token), _) => server::Events::Token(token.clone()),
        (None, false) => server::Events::Open,
        (None, true) => server::Events::Off,
    };
    let app = server::router(server::AppState {
        ingress: ingress.clone(),
        scheduler,
        events,
    });
    let mut stop_serving = shutdown_rx.clone();
    let serve = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop_serving.changed().await;
            })
            .await;
    });
    let work = tokio::spawn(worker_loop::run(
        sqs,
        settings.queue_url.clone(),
        worker,
        shutdown_rx,
    ));
    let mut running = Running {
        address,
        aws,
        resources,
        shutdown,
        tasks: vec![serve, work, tick],
        emulator,
    };
    if let Some(app_token) = &options.socket_mode {
        let socket =
            socket_mode::SocketMode::new(&options.slack_api_base, app_token.clone(), ingress);
        if let Err(error) = running.connect_socket_mode(socket).await {
            running.stop().await;
            return Err(error.to_string());
        }
    }
    Ok(running)
}

/// How long `start` waits for Slack's `hello` on the first Socket Mode connection.
const SOCKET_MODE_READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(20);

impl Running {
    async fn connect_socket_mode(
        &mut self,
        socket: socket_mode::SocketMode,
    ) -> Result<(), socket_mode::SocketModeError> {
        let (ready, connected) = tokio::sync::oneshot::channel();
        let shutdown = self.shutdown.subscribe();
        self.tasks
            .push(tokio::spawn(Arc::new(socket).run(ready, shutdown)));
        match tokio::time::timeout(SOCKET_MODE_READY_WITHIN, connected).await {
            Ok(Ok(outcome)) => outcome,
            _ => Err(socket_mode::SocketModeError::NotReady(
                SOCKET_MODE_READY_WITHIN,
            )),
        }
    }
}

/// The scheduler on the real clock: one `all` sweep every `period`, the first
/// one `period` after start.
async fn scheduler_tick(
    scheduler: Arc<tokio::sync::Mutex<emrbot_scheduler::Scheduler>>,
    period: Option<std::time::Duration>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let Some(period) = period else { return };
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let scheduler = scheduler.lock().await;
                if let Err(error) = scheduler.handle(&emrbot_scheduler::ScheduledEvent::default()).await {
                    tracing::warn!(error = %error, "scheduler tick failed");
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}
