//! Socket Mode: emrbot in a real Slack workspace with no public endpoint.
//! emrbot opens a WebSocket to Slack (with the app-level token) and Slack
//! delivers slash commands, button clicks and events over it as envelopes.
//! Each envelope goes through the ingress exactly as the HTTP routes' requests
//! do (the authenticated socket stands in for the signature check) and is
//! acknowledged by its `envelope_id` with the response the HTTP route would
//! have given. Connections are replaced when Slack asks (`disconnect`) or
//! drop; an acknowledgement that could not be sent goes out on the next one.

mod frame;
mod open;
mod seen;

pub use frame::{ack, Envelope, Frame};
pub use open::SocketModeError;

use emrbot_domain::Secret;
use emrbot_ingress::{Delivered, Ingress};
use futures_util::{SinkExt, StreamExt};
use seen::{AckPayload, SeenEnvelopes};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;

/// How often emrbot pings Slack; a connection silent for two of these is dead.
const PING_EVERY: Duration = Duration::from_secs(20);
const CONNECT_WITHIN: Duration = Duration::from_secs(10);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

pub struct SocketMode {
    http: reqwest::Client,
    api_base: String,
    app_token: Secret<String>,
    ingress: Arc<Ingress>,
    seen: SeenEnvelopes,
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What outlives one connection.
struct Session {
    /// Acknowledgements to send; one that could not go out on a connection
    /// is put back for the next.
    outbox: mpsc::UnboundedSender<String>,
    pending: mpsc::UnboundedReceiver<String>,
    /// Told of the first `hello` (or a refused token), then gone.
    ready: Option<oneshot::Sender<Result<(), SocketModeError>>>,
    /// Wait before the next attempt after a failed one.
    backoff: Duration,
    shutdown: watch::Receiver<bool>,
}

/// Why a connection ended.
enum Ended {
    Shutdown,
    /// Socket Mode was turned off for the app: reconnecting cannot help.
    LinkDisabled,
    /// Slack asked for a new connection, or this one dropped.
    Reconnect(&'static str),
}

impl SocketMode {
    pub fn new(api_base: &str, app_token: Secret<String>, ingress: Arc<Ingress>) -> Self {
        Self {
            http: reqwest::Client::new(),
            api_base: api_base.to_string(),
            app_token,
            ingress,
            seen: SeenEnvelopes::new(4096),
        }
    }

    /// Connects and serves until `shutdown`; `ready` hears of the first
    /// connection's `hello`, or of a token Slack refuses.
    pub async fn run(
        self: Arc<Self>,
        ready: oneshot::Sender<Result<(), SocketModeError>>,
        shutdown: watch::Receiver<bool>,
    ) {
        let (outbox, pending) = mpsc::unbounded_channel::<String>();
        let mut session = Session {
            outbox,
            pending,
            ready: Some(ready),
            backoff: Duration::from_secs(1),
            shutdown,
        };
        loop {
            let connected = tokio::select! {
                connected = self.connect() => connected,
                _ = session.shutdown.changed() => return,
            };
            let socket = match connected {
                Ok(socket) => socket,
                Err(error) if !error.is_retryable() => {
                    tracing::error!(error = %error, "Socket Mode stopped");
                    if let Some(ready) = session.ready.take() {
                        let _ = ready.send(Err(error));
                    }
                    return;
                }
                Err(error) => {
                    tracing::warn!(error = %error, retry_in = ?session.backoff, "Socket Mode connection failed");
                    tokio::select! {
                        _ = tokio::time::sleep(session.backoff) => {}
                        _ = session.shutdown.changed() => return,
                    }
                    session.backoff = (session.backoff * 2).min(BACKOFF_MAX);
                    continue;
                }
            };
            match self.serve(socket, &mut session).await {
                Ended::Shutdown => return,
                Ended::LinkDisabled => {
                    tracing::error!(
                        "Slack disabled Socket Mode for this app (link_disabled); not reconnecting"
                    );
                    return;
                }
                Ended::Reconnect(why) => tracing::info!(why, "Socket Mode reconnecting"),
            }
        }
    }

    async fn connect(
        &self,
    ) -> Result<
        tokio_tungstenite::WebSocketStream<
            tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
        >,
        SocketModeError,
    > {
        let url = open::open(&self.http, &self.api_base, &self.app_token).await?;
        let connected = tokio::time::timeout(CONNECT_WITHIN, tokio_tungstenite::connect_async(url))
            .await
            .map_err(|_| {
                SocketModeError::Connect(format!("no answer within {CONNECT_WITHIN:?}"))
            })?;
        // Never the URL: it carries the connection's ticket (and a URL
        // error's text would repeat it).
        let (socket, _) = connected.map_err(|e| {
            SocketModeError::Connect(match e {
                tokio_tungstenite::tungstenite::Error::Url(_) => {
                    "the WebSocket URL Slack gave could not be dialled".into()
                }
                other => open::chain(&other),
            })
        })?;
        Ok(socket)
    }

    async fn serve(self: &Arc<Self>, socket: Socket, session: &mut Session) -> Ended {
        let (mut sink, mut stream) = socket.split();
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        let mut heard = tokio::time::Instant::now();
        loop {
            tokio::select! {
                _ = session.shutdown.changed() => {
                    let _ = sink.close().await;
                    return Ended::Shutdown;
                }
                Some(ack) = session.pending.recv() => {
                    if sink.send(Message::text(ack.clone())).await.is_err() {
                        // Not sent: it goes out on the next connection.
                        let _ = session.outbox.send(ack);
                        return Ended::Reconnect("the connection dropped");
                    }
                }
                _ = ping.tick() => {
                    if heard.elapsed() > PING_EVERY * 2 {
                        return Ended::Reconnect("the connection went silent");
                    }
                    if sink.send(Message::Ping(Default::default())).await.is_err() {
                        return Ended::Reconnect("the connection dropped");
                    }
                }
                frame = stream.next() => {
                    heard = tokio::time::Instant::now();
                    let text = match frame {
                        Some(Ok(Message::Text(text))) => text,
                        Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                            return Ended::Reconnect("the connection dropped");
                        }
                        Some(Ok(_)) => continue,
                    };
                    match Frame::parse(text.as_str()) {
                        Ok(Frame::Hello) => {
                            tracing::info!("connected to Slack over Socket Mode");
                            session.backoff = Duration::from_secs(1);
                            if let Some(ready) = session.ready.take() {
                                let _ = ready.send(Ok(()));
                            }
                        }
                        Ok(Frame::Disconnect { reason }) if reason == "link_disabled" => {
                            return Ended::LinkDisabled;
                        }
                        Ok(Frame::Disconnect { .. }) => {
                            return Ended::Reconnect("Slack asked for a new connection");
                        }
                        Ok(Frame::Envelope(envelope)) => {
                            let (this, outbox) = (self.clone(), session.outbox.clone());
                            tokio::spawn(async move { this.acknowledge(envelope, outbox).await });
                        }
                        Ok(Frame::Other(kind)) => tracing::debug!(kind, "ignored a Socket Mode frame"),
                        Err(error) => tracing::warn!(error, "unreadable Socket Mode frame"),
                    }
                }
            }
        }
    }

    /// Handles `envelope` (once, whatever the redeliveries) and queues its ack.
    async fn acknowledge(&self, envelope: Envelope, outbox: mpsc::UnboundedSender<String>) {
        let id = envelope.envelope_id.clone();
        let (kind, attempt) = (envelope.kind.clone(), envelope.retry_attempt);
        let (payload, ran) = self.seen.once(&id, self.handle(envelope)).await;
        if !ran {
            tracing::info!(envelope_id = %id, kind, retry_attempt = attempt, "redelivered envelope acknowledged again, not handled again");
        }
        let _ = outbox.send(ack(&id, payload.as_ref()));
    }

    async fn handle(&self, envelope: Envelope) -> AckPayload {
        let delivered = match envelope.kind.as_str() {
            "slash_commands" => Delivered::SlashCommand(envelope.payload),
            "interactive" => Delivered::Interaction(envelope.payload),
            "events_api" => Delivered::Event(envelope.payload),
            other => {
                tracing::info!(envelope_id = %envelope.envelope_id, kind = other, "ignored an envelope emrbot does not use");
                return None;
            }
        };
        let response = self.ingress.handle_delivered(&delivered).await;
        if response.status != 200 {
            // The ingress's reason (never the payload: it holds a response_url).
            tracing::warn!(envelope_id = %envelope.envelope_id, status = response.status, reason = %response.body, "envelope refused");
            return None;
        }
        if !envelope.accepts_response_payload {
            return None;
        }
        serde_json::from_str::<Value>(&response.body)
            .ok()
            .filter(Value::is_object)
    }
}

#[cfg(test)]
mod tests {
    /// Slack's URLs are `wss://`: the TLS stack must be wired (a crypto
    /// provider chosen), so dialling fails with an error, not a panic.
    #[tokio::test]
    async fn a_wss_url_is_dialled_over_tls() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                drop(stream);
            }
        });
        let dialled = tokio_tungstenite::connect_async(format!("wss://{address}/link")).await;
        assert!(dialled.is_err(), "no TLS server there");
    }
}
