//! Load client for the memory benchmark: opens N visitor sockets to a
//! running server, says hello on each, waits for every welcome, prints
//! `ready N`, then holds them idle until killed or `--hold-secs` pass.
//! Run by `cargo xtask bench-conns`; it must be a separate process from the
//! server (one process may hold at most 20,000 open files here).
//!
//!     cargo run --release -p baton-server --example idle_visitors -- \
//!         --url ws://127.0.0.1:8080/ws/visitor?bot=demo --origin http://127.0.0.1:8080 --count 10000

use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let url = arg("--url").expect("--url ws://…/ws/visitor?bot=…");
    let origin = arg("--origin").expect("--origin http://…");
    let count: usize = arg("--count").and_then(|c| c.parse().ok()).unwrap_or(10_000);
    let hold = Duration::from_secs(arg("--hold-secs").and_then(|c| c.parse().ok()).unwrap_or(600));

    let hello =
        r#"{"type":"hello","protocol":1,"bot":"BOT"}"#.replace("BOT", url.rsplit("bot=").next().unwrap_or("demo"));
    let mut sockets = Vec::with_capacity(count);
    // Connect in batches so the server's accept queue is never flooded.
    for batch in (0..count).collect::<Vec<_>>().chunks(250) {
        let connects = batch.iter().map(|_| {
            let (url, origin, hello) = (url.clone(), origin.clone(), hello.clone());
            async move {
                let mut request = url.into_client_request().expect("url");
                request.headers_mut().insert("origin", origin.parse().expect("origin"));
                request
                    .headers_mut()
                    .insert("sec-websocket-protocol", "baton.v1".parse().expect("header"));
                let (mut ws, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
                ws.send(Message::text(hello)).await.expect("hello");
                // Wait for the welcome.
                while let Some(Ok(msg)) = ws.next().await {
                    if matches!(&msg, Message::Text(t) if t.contains("\"welcome\"")) {
                        break;
                    }
                }
                ws
            }
        });
        sockets.extend(futures::future::join_all(connects).await);
    }
    println!("ready {}", sockets.len());
    tokio::time::sleep(hold).await;
    drop(sockets);
}
