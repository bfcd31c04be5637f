//! Fixtures under tests/fixtures, and Slack-signed requests built from them.

use emrbot_domain::Secret;
use emrbot_shared::slack::SlackVerifier;
use std::path::PathBuf;

pub const SIGNING_SECRET: &str = "test-signing-secret-0123456789";
pub const BOT_TOKEN: &str = "xoxb-test-bot-token";
/// A Socket Mode app-level token, as the local Slack expects them.
pub const APP_TOKEN: &str = "xapp-1-A0TEST-1-test-app-token";

pub fn path(name: &str) -> PathBuf {
    emrbot_local::emulator::repo_root()
        .join("tests/fixtures")
        .join(name)
}

pub fn read(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

pub fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
}

/// A slash-command form body like Slack's, with our text, user, channel and
/// response_url.
pub fn slash_body(text: &str, user: &str, channel: &str, response_url: &str) -> String {
    let template = read("slack/slash_command.form").trim().to_string();
    let mut pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&template).expect("fixture is a form");
    for (k, v) in &mut pairs {
        match k.as_str() {
            "text" => *v = text.to_string(),
            "user_id" => *v = user.to_string(),
            "channel_id" => *v = channel.to_string(),
            "response_url" => *v = response_url.to_string(),
            "trigger_id" => *v = format!("{}.{}", uuid::Uuid::new_v4().simple(), v),
            _ => {}
        }
    }
    serde_urlencoded::to_string(pairs).expect("encodes")
}

/// The same slash command as Socket Mode delivers it: the form's fields as
/// a JSON object of strings.
pub fn slash_payload(
    text: &str,
    user: &str,
    channel: &str,
    response_url: &str,
) -> serde_json::Value {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&slash_body(text, user, channel, response_url)).expect("a form");
    serde_json::Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k, serde_json::Value::String(v)))
            .collect(),
    )
}

/// `(timestamp, signature)` headers for `body`, signed now with the test secret.
pub fn sign(body: &str) -> (String, String) {
    let ts = chrono::Utc::now().timestamp();
    let verifier = SlackVerifier::new(Secret::new(SIGNING_SECRET.to_string()));
    (ts.to_string(), verifier.sign(ts, body.as_bytes()))
}

/// The test config (tests/fixtures/emrbot.test.toml).
pub fn config_path() -> PathBuf {
    path("emrbot.test.toml")
}

/// A copy of the test config changed by `edit`, in a file of its own.
pub fn config_variant(edit: impl FnOnce(String) -> String) -> PathBuf {
    let text = edit(read("emrbot.test.toml"));
    let path = std::env::temp_dir().join(format!(
        "emrbot-test-{}.toml",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, text).expect("write the config variant");
    path
}
