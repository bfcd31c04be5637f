//! The local AWS emulator (moto's server, pinned in scripts/requirements.txt,
//! installed into .venv by scripts/venv.sh) on a free loopback port, one per
//! test so tests run in parallel without seeing each other's clusters, and one
//! for `make run`.
//! Stopped when dropped. Known moto gaps: docs/EMULATOR.md.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Emulator {
    child: Child,
    pub endpoint: String,
}

/// The repository root (this crate lives one level below it).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("local/ has a parent")
        .to_path_buf()
}

/// The `SenderId` the emulator stamps on every SQS message, whoever sends it
/// (moto's `DEFAULT_SENDER_ID`).
pub const SENDER_ID: &str = "AIDAIT2UOQQY3AUEKVGXU";

/// `EMRBOT_MOTO_SERVER`, or the one scripts/venv.sh installs.
pub fn moto_server_path() -> Result<PathBuf, String> {
    let path = std::env::var_os("EMRBOT_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/moto_server"));
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: `make run` and `make test` install it (scripts/venv.sh)",
            path.display()
        ))
    }
}

/// How to start the emulator: `EMRBOT_MOTO_SERVER` as given, else moto's
/// server through local/moto_server.py (DynamoDB's conditional writes made
/// atomic, as they are on AWS) with the project's python.
fn server_command() -> Result<Command, String> {
    if std::env::var_os("EMRBOT_MOTO_SERVER").is_some() {
        return Ok(Command::new(moto_server_path()?));
    }
    moto_server_path()?;
    let mut command = Command::new(repo_root().join(".venv/bin/python"));
    command.arg(repo_root().join("local/moto_server.py"));
    Ok(command)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind loopback")
        .local_addr()
        .expect("addr")
        .port()
}

impl Emulator {
    /// Starts a fresh emulator; panics (tests) when it cannot.
    pub async fn start() -> Emulator {
        Self::try_start()
            .await
            .unwrap_or_else(|e| panic!("the emulator did not start: {e}"))
    }

    pub async fn try_start() -> Result<Emulator, String> {
        let mut last_error = String::new();
        // A port picked free can be taken before moto binds it: try a few.
        for _ in 0..3 {
            let port = free_port();
            let child = server_command()?
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| format!("cannot start the emulator: {e}"))?;
            let emulator = Emulator {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
            };
            match emulator.wait_ready(Duration::from_secs(30)).await {
                Ok(()) => return Ok(emulator),
                Err(e) => last_error = e,
            }
        }
        Err(last_error)
    }

    async fn wait_ready(&self, limit: Duration) -> Result<(), String> {
        let started = Instant::now();
        let http = reqwest::Client::new();
        loop {
            if let Ok(r) = http
                .get(format!("{}/moto-api/", self.endpoint))
                .send()
                .await
            {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            if started.elapsed() > limit {
                return Err(format!("no answer from {} within {limit:?}", self.endpoint));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SDK config for this emulator: fixed test credentials, one region.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        self.sdk_config_for("us-east-1", "testing")
    }

    /// Another account (moto namespaces by the access key's account) or region.
    pub fn sdk_config_for(&self, region: &str, access_key: &str) -> aws_config::SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_sqs::config::SharedCredentialsProvider::new(
                aws_sdk_sqs::config::Credentials::new(
                    access_key, "testing", None, None, "emulator",
                ),
            ))
            .build()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Launches a cluster straight through the EMR API, as a person in the console
/// would (not through emrbot): demo data for `make run`, and test setup.
pub async fn launch_cluster(emr: &aws_sdk_emr::Client, name: &str) -> Result<String, String> {
    use aws_sdk_emr::types::{InstanceGroupConfig, InstanceRoleType, JobFlowInstancesConfig};
    let group = |role: InstanceRoleType, count: i32| {
        InstanceGroupConfig::builder()
            .instance_role(role)
            .instance_type("m5.xlarge")
            .instance_count(count)
            .build()
    };
    let out = emr
        .run_job_flow()
        .name(name)
        .release_label("emr-7.5.0")
        .service_role("EMR_DefaultRole")
        .job_flow_role("EMR_EC2_DefaultRole")
        .instances(
            JobFlowInstancesConfig::builder()
                .instance_groups(group(InstanceRoleType::Master, 1))
                .instance_groups(group(InstanceRoleType::Core, 2))
                .keep_job_flow_alive_when_no_steps(true)
                .build(),
        )
        .send()
        .await
        .map_err(|e| format!("RunJobFlow: {}", aws_sdk_emr::error::DisplayErrorContext(e)))?;
    out.job_flow_id()
        .map(str::to_string)
        .ok_or_else(|| "RunJobFlow returned no id".to_string())
}
