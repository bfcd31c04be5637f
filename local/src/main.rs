//! `emrbot-local`: run emrbot on this machine, talk to it, check a config.

use clap::{Parser, Subcommand};
use emrbot_domain::Secret;
use emrbot_local::{prompt, render, send, Options, LOCAL_SIGNING_SECRET};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "emrbot-local",
    about = "Run emrbot locally, send it commands, check configs"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(clap::Args, Clone)]
struct RunArgs {
    /// Address to serve the Slack routes on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Talk to real AWS (credentials from the usual places) instead of the emulator.
    #[arg(long)]
    aws: bool,
    #[arg(
        long,
        env = "EMRBOT_CONFIG",
        default_value = "config/emrbot.sample.toml"
    )]
    config: PathBuf,
    #[arg(long, env = "EMRBOT_QUEUE_URL", default_value = "emrbot-commands")]
    queue: String,
    #[arg(long, env = "EMRBOT_TABLE", default_value = "emrbot")]
    table: String,
    /// Do not launch the two demo clusters in a fresh emulator.
    #[arg(long)]
    no_demo: bool,
    /// Seconds between scheduler sweeps on the real clock; 0 turns them off
    /// (then only `POST /events` runs a sweep).
    #[arg(long, env = "EMRBOT_SCHEDULER_TICK", default_value_t = 60)]
    scheduler_tick: u64,
    /// A secret that `POST /events` must present (`Authorization: Bearer …`).
    /// Without it, `POST /events` is off when emrbot-local is exposed (--aws,
    /// or a listen address outside loopback).
    #[arg(long, env = "EMRBOT_EVENTS_TOKEN", hide_env_values = true)]
    events_token: Option<String>,
    /// Also take Slack's requests over Socket Mode (no public URL needed):
    /// needs SLACK_APP_TOKEN, an app-level token (xapp-…) with connections:write.
    #[arg(long)]
    socket_mode: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve emrbot (the default).
    Run(RunArgs),
    /// Send `/emr <text>` to a running emrbot, signed like Slack, and print the replies.
    Send {
        /// The text after /emr, e.g. `status` or `lock adhoc for 2h`.
        #[arg(trailing_var_arg = true, required = true)]
        text: Vec<String>,
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        url: String,
        #[arg(long, default_value = "U0LOCAL")]
        user: String,
        #[arg(long, default_value = "C0DATAOPS")]
        channel: String,
        /// Seconds to wait for the deferred reply.
        #[arg(long, default_value_t = 15)]
        wait: u64,
        /// Send it this many times and print latency figures instead of replies.
        #[arg(long)]
        repeat: Option<usize>,
        /// With --repeat: this many senders at once.
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        /// Then click button N of the reply (the numbers printed beside them).
        /// Without it, at a terminal, send asks which button to click.
        #[arg(long)]
        click: Option<usize>,
    },
    /// Validate a config file; errors name the key.
    CheckConfig { file: PathBuf },
}

fn signing_secret() -> Secret<String> {
    Secret::new(
        std::env::var("SLACK_SIGNING_SECRET").unwrap_or_else(|_| LOCAL_SIGNING_SECRET.to_string()),
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => run(cli.run).await,
        Some(Cmd::Run(args)) => run(args).await,
        Some(Cmd::Send {
            text,
            url,
            user,
            channel,
            wait,
            repeat,
            concurrency,
            click,
        }) => {
            let options = send::SendOptions {
                url,
                text: text.join(" "),
                user,
                channel,
                signing_secret: signing_secret(),
                wait: Duration::from_secs(wait),
            };
            if let Some(times) = repeat {
                return match send::measure(&options, times, concurrency).await {
                    Ok(report) => {
                        println!("{report}");
                        ExitCode::SUCCESS
                    }
                    Err(error) => {
                        eprintln!("error: {error}");
                        ExitCode::FAILURE
                    }
                };
            }
            match send::send(&options).await {
                Ok(exchange) => {
                    println!("HTTP {}", exchange.status);
                    println!("{}", render::to_text(&exchange.ack));
                    for reply in &exchange.replies {
                        prompt::print_with_buttons(reply);
                    }
                    if exchange.status != 200 {
                        return ExitCode::FAILURE;
                    }
                    let clicked = match click {
                        Some(n) => prompt::click_nth(&options, &exchange.replies, n)
                            .await
                            .map(drop),
                        // At a terminal, the buttons can be clicked by number.
                        None if std::io::stdin().is_terminal() => {
                            let terminal = tokio::io::BufReader::new(tokio::io::stdin());
                            prompt::offer_buttons(&options, exchange.replies, terminal).await
                        }
                        None => Ok(()),
                    };
                    match clicked {
                        Ok(()) => ExitCode::SUCCESS,
                        Err(error) => {
                            eprintln!("error: {error}");
                            ExitCode::FAILURE
                        }
                    }
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    ExitCode::FAILURE
                }
            }
        }
        Some(Cmd::CheckConfig { file }) => match emrbot_domain::Config::load(&file) {
            Ok(config) if !config.warnings().is_empty() => {
                for warning in config.warnings() {
                    eprintln!("{}: {warning}", file.display());
                }
                ExitCode::FAILURE
            }
            Ok(config) => {
                println!(
                    "{}: OK ({} presets, {} accounts, time zone {})",
                    file.display(),
                    config.presets.len(),
                    config.accounts.len(),
                    config.timezone
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("{error}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn run(args: RunArgs) -> ExitCode {
    emrbot_shared::telemetry::init_text();
    let app_token = match socket_mode_token(args.socket_mode) {
        Ok(token) => token,
        Err(error) => {
            eprintln!("emrbot-local could not start: {error}");
            return ExitCode::FAILURE;
        }
    };
    let aws_endpoint = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let options = Options {
        listen: args.listen,
        config: args.config,
        use_real_aws: args.aws,
        seed_demo_clusters: !args.no_demo && aws_endpoint.is_none(),
        scheduler_tick: (args.scheduler_tick > 0).then(|| Duration::from_secs(args.scheduler_tick)),
        aws_endpoint,
        queue: args.queue,
        table: args.table,
        signing_secret: run_signing_secret(args.socket_mode && args.aws),
        bot_token: std::env::var("SLACK_BOT_TOKEN").ok().map(Secret::new),
        slack_api_base: std::env::var("SLACK_API_BASE_URL")
            .unwrap_or_else(|_| emrbot_shared::settings::DEFAULT_SLACK_API.to_string()),
        events_token: args.events_token.map(Secret::new),
        socket_mode: app_token,
        console: emrbot_local::console::stdout(),
    };
    let running = match emrbot_local::start(options).await {
        Ok(running) => running,
        Err(error) => {
            eprintln!("emrbot-local could not start: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("emrbot is listening on http://{}", running.address);
    println!(
        "  queue: {}\n  table: {}",
        running.resources.queue_url, running.resources.table
    );
    if args.socket_mode {
        println!("Connected to Slack over Socket Mode: type /emr status in your workspace.");
    }
    println!("Try it from another terminal:  make send TEXT=status   (or TEXT=\"lock nightly-etl 2h\", TEXT=help)");
    println!("Stop it with Ctrl-C.");
    let _ = tokio::signal::ctrl_c().await;
    println!("stopping");
    running.stop().await;
    ExitCode::SUCCESS
}

/// The app-level token Socket Mode needs, checked for its kind up front.
fn socket_mode_token(wanted: bool) -> Result<Option<Secret<String>>, String> {
    if !wanted {
        return Ok(None);
    }
    match std::env::var("SLACK_APP_TOKEN") {
        Ok(token) if token.starts_with("xapp-") => Ok(Some(Secret::new(token))),
        Ok(_) => Err(
            "SLACK_APP_TOKEN is not an app-level token (they start with xapp-); \
             see docs/SOCKET_MODE.md"
                .into(),
        ),
        Err(_) => Err(
            "--socket-mode needs SLACK_APP_TOKEN (an app-level token, xapp-…, \
             with connections:write); see docs/SOCKET_MODE.md"
                .into(),
        ),
    }
}

/// On real AWS over Socket Mode, Slack reaches emrbot through the socket; the
/// HTTP Slack routes keep the published development secret only if none is
/// set, so then they get a random one nobody knows instead.
fn run_signing_secret(socket_mode_on_aws: bool) -> Secret<String> {
    let set = std::env::var("SLACK_SIGNING_SECRET").is_ok();
    if socket_mode_on_aws && !set {
        return Secret::new(format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        ));
    }
    signing_secret()
}
