//! A Socket Mode server that speaks Slack's protocol, for emrbot-local
//! `--socket-mode`: it says `hello` on each connection, delivers envelopes
//! (`slash_commands`, `interactive`, `events_api`), records every
//! acknowledgement with the time it took, and can ask for a new connection
//! (`disconnect`, `refresh_requested`) or drop one outright, as Slack does.
//! [`crate::FakeSlack::serve_socket_mode`] makes `apps.connections.open`
//! hand out its URL.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug, Clone)]
pub struct Ack {
    pub envelope_id: String,
    pub payload: Option<Value>,
    /// From the latest delivery of the envelope to its acknowledgement.
    pub after: Duration,
    /// Which connection (1 for the first) it came on.
    pub connection: usize,
}

enum ToClient {
    Text(String),
    /// Gone without a close frame, as a network failure leaves it.
    Drop,
}

#[derive(Default)]
struct State {
    connections: usize,
    current: Option<mpsc::UnboundedSender<ToClient>>,
    /// Envelopes delivered: the envelope and when it last went out.
    delivered: HashMap<String, (Value, Instant)>,
    acks: Vec<Ack>,
    next_id: u64,
}

#[derive(Clone)]
pub struct SocketModeServer {
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl SocketModeServer {
    pub async fn start() -> SocketModeServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!(
            "ws://{}/link/?ticket=local",
            listener.local_addr().expect("addr")
        );
        let state = Arc::new(Mutex::new(State::default()));
        let accepting = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, accepting.clone()));
            }
        });
        SocketModeServer { url, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("lock")
    }

    /// Connections that were sent `hello` so far.
    pub fn connections(&self) -> usize {
        self.state().connections
    }

    pub async fn wait_connections(&self, count: usize, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.connections() < count {
            assert!(
                Instant::now() < deadline,
                "{} Socket Mode connection(s) within {limit:?}, wanted {count}",
                self.connections()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn to_current(&self, message: ToClient) {
        let state = self.state();
        let current = state.current.as_ref().expect("a connection");
        let _ = current.send(message);
    }

    /// Delivers a new envelope on the current connection; returns its id.
    pub fn deliver(&self, kind: &str, payload: Value) -> String {
        let envelope_id = {
            let mut state = self.state();
            state.next_id += 1;
            format!("{:08x}-env-{}", state.next_id, kind)
        };
        let envelope = json!({
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind == "slash_commands",
            "retry_attempt": 0,
            "retry_reason": "",
        });
        self.send_envelope(envelope);
        envelope_id
    }

    /// Delivers `envelope_id` again (Slack's retry), on the current connection.
    pub fn redeliver(&self, envelope_id: &str) {
        let mut envelope = self.state().delivered[envelope_id].0.clone();
        let attempt = envelope["retry_attempt"].as_u64().unwrap_or(0) + 1;
        envelope["retry_attempt"] = json!(attempt);
        envelope["retry_reason"] = json!("timeout");
        self.send_envelope(envelope);
    }

    fn send_envelope(&self, envelope: Value) {
        let id = envelope["envelope_id"].as_str().expect("id").to_string();
        let text = envelope.to_string();
        self.state()
            .delivered
            .insert(id, (envelope, Instant::now()));
        self.to_current(ToClient::Text(text));
    }

    /// Asks the client for a new connection, as Slack does every few hours.
    pub fn disconnect(&self, reason: &str) {
        let frame = json!({"type": "disconnect", "reason": reason, "debug_info": {"host": "test"}});
        self.to_current(ToClient::Text(frame.to_string()));
    }

    /// Drops the current connection without a close frame.
    pub fn drop_connection(&self) {
        self.to_current(ToClient::Drop);
    }

    pub fn acks(&self, envelope_id: &str) -> Vec<Ack> {
        self.state()
            .acks
            .iter()
            .filter(|a| a.envelope_id == envelope_id)
            .cloned()
            .collect()
    }

    /// Waits for the `count`th acknowledgement of `envelope_id`.
    pub async fn wait_ack(&self, envelope_id: &str, count: usize, limit: Duration) -> Ack {
        let deadline = Instant::now() + limit;
        loop {
            let acks = self.acks(envelope_id);
            if acks.len() >= count {
                return acks[count - 1].clone();
            }
            assert!(
                Instant::now() < deadline,
                "envelope {envelope_id}: {} acknowledgement(s) within {limit:?}, wanted {count}",
                acks.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn serve(stream: tokio::net::TcpStream, state: Arc<Mutex<State>>) {
    let Ok(mut socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (tx, mut rx) = mpsc::unbounded_channel();
    let connection = {
        let mut state = state.lock().expect("lock");
        state.connections += 1;
        state.current = Some(tx);
        state.connections
    };
    let hello = json!({
        "type": "hello", "num_connections": 1,
        "debug_info": {"host": "test", "approximate_connection_time": 18060},
        "connection_info": {"app_id": "A0TEST"},
    });
    if socket.send(Message::text(hello.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            command = rx.recv() => match command {
                Some(ToClient::Text(text)) => {
                    if socket.send(Message::text(text)).await.is_err() {
                        return;
                    }
                }
                Some(ToClient::Drop) | None => return,
            },
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => record_ack(&state, text.as_str(), connection),
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

fn record_ack(state: &Mutex<State>, text: &str, connection: usize) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let Some(envelope_id) = frame["envelope_id"].as_str() else {
        return;
    };
    let mut state = state.lock().expect("lock");
    let after = state
        .delivered
        .get(envelope_id)
        .map(|(_, at)| at.elapsed())
        .unwrap_or_default();
    state.acks.push(Ack {
        envelope_id: envelope_id.to_string(),
        payload: frame.get("payload").cloned(),
        after,
        connection,
    });
}
