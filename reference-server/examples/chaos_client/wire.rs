//! Sockets and frames for the drill: a visitor or operator connection that
//! has said `hello` and read its `welcome`, and a seeded random source.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;
pub type Result<T> = std::result::Result<T, String>;

/// How long any one answer may take before the client gives the socket up
/// and reconnects (the server may be dead).
pub const PATIENCE: Duration = Duration::from_secs(5);

/// Where the server is: one address, or several processes of one cluster
/// (the drill's `--cluster` run). Each new connection takes the next
/// address in turn, so visitors and operators spread over the processes
/// and a reconnect after a kill lands on another one.
#[derive(Debug, Clone)]
pub struct Server {
    pub addrs: std::sync::Arc<Vec<String>>,
    pub next: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pub origin: String,
}

/// A stored conversation: what a visitor presents in `resume`.
#[derive(Debug, Clone)]
pub struct Stored {
    pub conversation: String,
    pub token: String,
}

impl Server {
    pub fn new(addrs: Vec<String>, origin: String) -> Server {
        Server {
            addrs: std::sync::Arc::new(addrs),
            next: std::sync::Arc::default(),
            origin,
        }
    }

    /// The address for the next connection.
    pub fn addr(&self) -> &str {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        &self.addrs[n % self.addrs.len()]
    }

    /// A visitor socket after `hello` (resuming `stored` from `last_seq`
    /// when given): the socket and the `welcome`.
    pub async fn visitor(&self, stored: Option<&Stored>, last_seq: u64) -> Result<(Ws, Value)> {
        let mut request = format!("ws://{}/ws/visitor?bot=demo", self.addr())
            .into_client_request()
            .map_err(|e| e.to_string())?;
        let headers = request.headers_mut();
        headers.insert("origin", self.origin.parse().map_err(|_| "origin")?);
        headers.insert("sec-websocket-protocol", "baton.v1".parse().map_err(|_| "header")?);
        let (mut ws, _) = tokio::time::timeout(
            PATIENCE,
            tokio_tungstenite::connect_async_with_config(request, None, true),
        )
        .await
        .map_err(|_| "connect timed out")?
        .map_err(|e| format!("connect: {e}"))?;
        let mut hello = json!({"type": "hello", "protocol": 1, "bot": "demo", "features": ["receipts"]});
        if let Some(s) = stored {
            hello["resume"] = json!({"conversation": s.conversation, "token": s.token, "last_seq": last_seq});
        }
        send(&mut ws, &hello).await?;
        let welcome = next(&mut ws).await?;
        match welcome["type"].as_str() {
            Some("welcome") => Ok((ws, welcome)),
            _ => Err(format!("hello answered with {welcome}")),
        }
    }

    /// Signs `email` in and opens an operator socket that is available.
    pub async fn operator(&self, email: &str, password: &str) -> Result<Ws> {
        let addr = self.addr();
        let login: Value = reqwest::Client::new()
            .post(format!("http://{addr}/api/login"))
            .timeout(PATIENCE)
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .map_err(|e| format!("login: {e}"))?
            .json()
            .await
            .map_err(|e| format!("login answer: {e}"))?;
        let token = login["token"].as_str().ok_or(format!("login answered {login}"))?;
        let mut request = format!("ws://{addr}/ws/operator")
            .into_client_request()
            .map_err(|e| e.to_string())?;
        let headers = request.headers_mut();
        headers.insert(
            "authorization",
            format!("Bearer {token}").parse().map_err(|_| "header")?,
        );
        headers.insert("sec-websocket-protocol", "baton.v1".parse().map_err(|_| "header")?);
        let (mut ws, _) = tokio::time::timeout(
            PATIENCE,
            tokio_tungstenite::connect_async_with_config(request, None, true),
        )
        .await
        .map_err(|_| "connect timed out")?
        .map_err(|e| format!("operator connect: {e}"))?;
        send(&mut ws, &json!({"type": "hello", "protocol": 1})).await?;
        until(&mut ws, |f| f["type"] == "welcome").await?;
        send(&mut ws, &json!({"type": "set_status", "status": "available"})).await?;
        Ok(ws)
    }
}

pub async fn send(ws: &mut Ws, frame: &Value) -> Result<()> {
    ws.send(Message::text(frame.to_string()))
        .await
        .map_err(|e| e.to_string())
}

/// The next JSON frame (within `PATIENCE`).
pub async fn next(ws: &mut Ws) -> Result<Value> {
    loop {
        let msg = tokio::time::timeout(PATIENCE, ws.next())
            .await
            .map_err(|_| "no answer in time")?
            .ok_or("socket closed")?
            .map_err(|e| e.to_string())?;
        match msg {
            Message::Text(t) => return serde_json::from_str(t.as_str()).map_err(|e| e.to_string()),
            Message::Close(_) => return Err("socket closed".into()),
            _ => {}
        }
    }
}

/// Frames until one satisfies `wanted`.
pub async fn until(ws: &mut Ws, wanted: impl Fn(&Value) -> bool) -> Result<Value> {
    loop {
        let f = next(ws).await?;
        if wanted(&f) {
            return Ok(f);
        }
    }
}

/// Is `f` the `ack` or `error` answering `id`?
pub fn answers(f: &Value, id: &str) -> bool {
    (f["type"] == "ack" || f["type"] == "error") && f["client_msg_id"] == id
}

/// SplitMix64: a small seeded source, so a drill can be replayed.
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` milliseconds.
    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo).max(1))
    }
}
