//! The `emrbot-local` binary as a child process: `run` in the background,
//! `send` to it, and what it printed.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};

pub const BINARY: &str = env!("CARGO_BIN_EXE_emrbot-local");

/// The repository root: `make run` runs from there (the sample config's path).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("local/ has a parent")
        .to_path_buf()
}

/// `emrbot-local run`, as `make run` starts it, but on a free port and
/// without sweeps on the real clock (a sweep at the wrong minute, such as an
/// end of day, would change what the clusters show).
pub struct LocalRun {
    child: Child,
    pub url: String,
    /// Everything it printed so far (stdout and stderr).
    printed: Arc<Mutex<String>>,
}

fn collect(from: impl AsyncRead + Unpin + Send + 'static, into: Arc<Mutex<String>>) {
    tokio::spawn(async move {
        let mut lines = BufReader::new(from).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut all = into.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
        }
    });
}

impl LocalRun {
    pub async fn start() -> LocalRun {
        let mut child = Command::new(BINARY)
            .args(["run", "--listen", "127.0.0.1:0", "--scheduler-tick", "0"])
            .current_dir(repo_root())
            // As on a fresh machine: no Slack app, no AWS endpoint, no config.
            .env_remove("SLACK_BOT_TOKEN")
            .env_remove("SLACK_SIGNING_SECRET")
            .env_remove("SLACK_API_BASE_URL")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("EMRBOT_CONFIG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("emrbot-local starts");
        let printed = Arc::new(Mutex::new(String::new()));
        collect(child.stdout.take().expect("stdout"), printed.clone());
        collect(child.stderr.take().expect("stderr"), printed.clone());
        let mut run = LocalRun {
            child,
            url: String::new(),
            printed,
        };
        let said = run
            .wait_for(Duration::from_secs(120), "emrbot is listening on ")
            .await;
        let address = said
            .split("emrbot is listening on ")
            .nth(1)
            .and_then(|rest| rest.lines().next())
            .expect("the address it listens on");
        run.url = address.trim().to_string();
        run
    }

    pub fn printed(&self) -> String {
        self.printed.lock().unwrap().clone()
    }

    /// Waits until it has printed `needle`; everything printed, then.
    pub async fn wait_for(&mut self, within: Duration, needle: &str) -> String {
        let until = Instant::now() + within;
        loop {
            let printed = self.printed();
            if printed.contains(needle) {
                return printed;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("emrbot-local exited ({status}) before printing `{needle}`:\n{printed}");
            }
            assert!(
                Instant::now() < until,
                "emrbot-local did not print `{needle}` within {within:?}:\n{printed}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// `emrbot-local send --url <this> <args>`: what it printed, and how
    /// long the process took from start to exit.
    pub async fn send(&self, args: &[&str]) -> Sent {
        let started = Instant::now();
        let output = Command::new(BINARY)
            .arg("send")
            .args(["--url", &self.url])
            .args(args)
            .current_dir(repo_root())
            .env_remove("SLACK_SIGNING_SECRET")
            .stdin(Stdio::null())
            .output()
            .await
            .expect("emrbot-local send runs");
        Sent {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            success: output.status.success(),
            took: started.elapsed(),
        }
    }

    /// `POST /events`: a scheduled sweep of `kind` at `time`.
    pub async fn sweep(&self, time: &str, kind: &str) -> serde_json::Value {
        let event = serde_json::json!({
            "version": "0", "id": format!("local-test-{time}-{kind}"),
            "detail-type": "Scheduled Event", "source": "aws.scheduler",
            "time": time, "detail": {"sweep": kind}
        });
        let response = reqwest::Client::new()
            .post(format!("{}/events", self.url))
            .json(&event)
            .send()
            .await
            .expect("POST /events");
        assert_eq!(response.status().as_u16(), 200);
        response.json().await.expect("the sweep's outcome")
    }
}

impl Drop for LocalRun {
    /// Ctrl-C, as a user stops it, so it stops its emulator too.
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
            let until = Instant::now() + Duration::from_secs(10);
            while Instant::now() < until {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        let _ = self.child.start_kill();
    }
}

pub struct Sent {
    pub stdout: String,
    pub stderr: String,
    pub success: bool,
    pub took: Duration,
}
