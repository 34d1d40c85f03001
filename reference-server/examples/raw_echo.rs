//! The raw baseline for `cargo xtask bench`: the least a WebSocket server on
//! the same stack (axum + tokio, TCP_NODELAY, Baton's socket buffer sizes) can do, with no app logic, so
//! the benchmark can say how far Baton is from the floor.
//!
//! `GET /ws?id=N` opens a socket registered under `N` (`id` is optional).
//! A text frame `to:N:REST` is forwarded as `REST` to socket `N` (the
//! baseline for operator → visitor delivery: one map lookup and one channel
//! send); any other frame is echoed back (the baseline for a send and its
//! ack).
//!
//!     cargo run --profile server -p baton-server --example raw_echo -- --listen 127.0.0.1:9000

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

type Registry = Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<Message>>>>;

#[derive(serde::Deserialize)]
struct Params {
    id: Option<u64>,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let listen = args
        .iter()
        .position(|a| a == "--listen")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "127.0.0.1:9000".into());
    let registry: Registry = Arc::default();
    let app = Router::new().route("/ws", get(upgrade)).with_state(registry);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("raw echo listening on {}", listener.local_addr()?);
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).await
}

async fn upgrade(ws: WebSocketUpgrade, Query(params): Query<Params>, State(registry): State<Registry>) -> Response {
    // The same buffer sizes as Baton's sockets (reference-server/src/socket.rs):
    // tungstenite's defaults (128 KiB each way) would cost ~134 KB of RSS per
    // socket and make the baseline a straw man.
    ws.read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        .on_upgrade(move |socket| serve(socket, params.id, registry))
}

async fn serve(socket: WebSocket, id: Option<u64>, registry: Registry) {
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel();
    if let Some(id) = id {
        registry
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, tx.clone());
    }
    let writer = tokio::spawn(async move {
        while let Some(msg) = rx.recv().await {
            if sink.send(msg).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(msg)) = stream.next().await {
        let Message::Text(text) = msg else { continue };
        let routed = text.strip_prefix("to:").and_then(|rest| {
            let (target, body) = rest.split_once(':')?;
            Some((target.parse::<u64>().ok()?, body.to_owned()))
        });
        match routed {
            Some((target, body)) => {
                let to = registry.lock().unwrap_or_else(|e| e.into_inner()).get(&target).cloned();
                if let Some(to) = to {
                    let _ = to.send(Message::text(body));
                }
            }
            None => {
                let _ = tx.send(Message::Text(text));
            }
        }
    }
    if let Some(id) = id {
        registry.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }
    drop(tx);
    writer.abort();
}
