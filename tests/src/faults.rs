//! A fault-injecting TCP proxy, put between the product and a dependency
//! (the AWS emulator, the local Slack) to see what the product does when
//! that dependency stalls, drops connections or answers slowly. The fault is
//! switchable while connections are open: each chunk a client sends is
//! treated under the fault in force at that moment.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Forward everything.
    None = 0,
    /// Accept and read, never answer (a frozen dependency).
    Stall = 1,
    /// Close the connection at once, unanswered (a dependency that went away).
    Reset = 2,
    /// Forward, each chunk a client sends held back by the delay set with
    /// [`FaultProxy::set_delay`] (a request of two chunks waits twice).
    Delay = 3,
    /// Answer HTTP 500 (an AWS `InternalFailure`).
    ServerError = 4,
    /// Answer AWS's `ThrottlingException` (HTTP 400).
    Throttle = 5,
}

impl Fault {
    /// The canned answer of an answering fault.
    fn answer(self) -> Option<(&'static str, &'static str)> {
        match self {
            Fault::ServerError => Some((
                "500 Internal Server Error",
                r#"{"__type":"InternalFailure","message":"injected by the test"}"#,
            )),
            Fault::Throttle => Some((
                "400 Bad Request",
                r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
            )),
            _ => None,
        }
    }
}

struct Shared {
    fault: AtomicU8,
    delay_ms: AtomicU64,
}

pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`: point the product here instead of upstream.
    pub endpoint: String,
    shared: Arc<Shared>,
}

impl FaultProxy {
    /// A proxy to `upstream` (`http://host:port`), forwarding until told otherwise.
    pub async fn start(upstream: &str) -> FaultProxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let shared = Arc::new(Shared {
            fault: AtomicU8::new(Fault::None as u8),
            delay_ms: AtomicU64::new(0),
        });
        let state = shared.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(serve(client, upstream.clone(), state.clone()));
            }
        });
        FaultProxy { endpoint, shared }
    }

    pub fn set(&self, fault: Fault) {
        self.shared.fault.store(fault as u8, Ordering::SeqCst);
    }

    pub fn set_delay(&self, delay: Duration) {
        self.shared
            .delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
        self.set(Fault::Delay);
    }
}

fn fault_of(shared: &Shared) -> Fault {
    match shared.fault.load(Ordering::SeqCst) {
        1 => Fault::Stall,
        2 => Fault::Reset,
        3 => Fault::Delay,
        4 => Fault::ServerError,
        5 => Fault::Throttle,
        _ => Fault::None,
    }
}

async fn serve(mut client: TcpStream, upstream: String, shared: Arc<Shared>) {
    let mut buffer = vec![0u8; 64 * 1024];
    // The first chunk decides before anything reaches upstream.
    let Ok(n) = client.read(&mut buffer).await else {
        return;
    };
    let mut pending = buffer[..n].to_vec();
    if let Some((status, body)) = fault_of(&shared).answer() {
        let answer = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/x-amz-json-1.0\r\n\
             x-amzn-query-error: {code};Sender\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len(),
            code = if status.starts_with('5') { "InternalFailure" } else { "ThrottlingException" },
        );
        let _ = client.write_all(answer.as_bytes()).await;
        return;
    }
    let Ok(server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let (mut from_server, mut to_server) = server.into_split();
    let (mut from_client, mut to_client) = client.into_split();
    tokio::spawn(async move {
        let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
    });
    loop {
        match fault_of(&shared) {
            // A kept-alive connection is closed; the next one gets the answer.
            Fault::Reset | Fault::ServerError | Fault::Throttle => return,
            Fault::Stall => {
                // Swallow whatever comes, answer nothing, keep the socket open.
                while matches!(from_client.read(&mut buffer).await, Ok(n) if n > 0) {}
                return;
            }
            Fault::Delay => {
                let ms = shared.delay_ms.load(Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            Fault::None => {}
        }
        if !pending.is_empty() && to_server.write_all(&pending).await.is_err() {
            return;
        }
        match from_client.read(&mut buffer).await {
            Ok(n) if n > 0 => pending = buffer[..n].to_vec(),
            _ => return,
        }
    }
}
