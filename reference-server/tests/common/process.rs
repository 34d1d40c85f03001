//! The real `baton-server` binary as a child process: started on a port
//! with the flags a test gives, stopped by a signal like a process manager
//! would (SIGTERM), and killed if the test ends first.

use super::{ORIGIN, Ws, visitor_socket};
use baton_protocol::Millis;
use baton_protocol::visitor::ServerToVisitor;
use futures::StreamExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

#[derive(Debug)]
pub struct Baton {
    child: Child,
    pub port: u16,
}

/// A free loopback port (free when asked; bound again by whoever uses it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Baton {
    /// Starts the binary on 127.0.0.1:`port` with `args` (store, data
    /// directory, bus, config…) and waits until it accepts connections.
    pub async fn start<S: AsRef<std::ffi::OsStr>>(port: u16, args: &[S]) -> Baton {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton-server"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--allowed-origins", ORIGIN])
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Baton { child, port };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the server exited at start ({status})");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not start listening");
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// SIGTERM: what systemd, Kubernetes or `docker stop` send first.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -TERM {}", self.child.id());
    }

    /// Waits for the process to exit on its own; panics after `within`
    /// (the drain is bounded, so a process that hangs is a failure).
    pub async fn exited(&mut self, within: Duration) -> ExitStatus {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "still running {within:?} after SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown code runs, nothing is flushed by the process.
    pub fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    pub async fn visitor(&self) -> Ws {
        visitor_socket(&self.addr(), ORIGIN).await.expect("visitor connects")
    }

    /// An operator socket signed in with the bearer session `token`.
    pub async fn operator(&self, token: &str) -> Ws {
        super::operator_socket(&self.addr(), token).await
    }

    /// Signs `email` in here (`POST /api/login`): the bearer token.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        sign_in_at(&self.addr(), email, password).await
    }

    /// `/healthz`'s status code and body.
    pub async fn health(&self) -> (u16, serde_json::Value) {
        let (code, _, body) = get(&self.addr(), "/healthz").await.expect("an answer");
        (code, serde_json::from_str(&body).expect("JSON"))
    }
}

impl Drop for Baton {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` on `addr` (one connection, closed after): the status code,
/// the response's headers (lower-case names) and its body.
pub async fn get(addr: &str, path: &str) -> std::io::Result<(u16, Vec<(String, String)>, String)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(addr).await?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await?;
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_string(&mut answer))
        .await
        .map_err(|_| std::io::Error::other("no answer within 10 s"))??;
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("not a response: {answer:?}")))?;
    let mut lines = head.lines();
    let code = lines
        .next()
        .and_then(|status| status.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {head:?}")))?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Ok((code, headers, body.to_owned()))
}

/// Signs `email` in at `addr` (a process, or a proxy in front of several):
/// the bearer token.
pub async fn sign_in_at(addr: &str, email: &str, password: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/api/login"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("HTTP");
    assert!(response.status().is_success(), "sign-in: {}", response.status());
    let body: serde_json::Value = response.json().await.expect("JSON");
    body["token"].as_str().expect("a token").to_owned()
}

/// An operator socket through `addr` (a proxy, say), said hello on, with
/// the process that took it (`X-Baton-Process`).
pub async fn operator_via(addr: &str, token: &str) -> (Ws, Option<String>) {
    let (mut ws, response) = tokio_tungstenite::connect_async(super::operator_request(addr, token))
        .await
        .expect("an operator connects through the proxy");
    super::operator_hello(&mut ws).await;
    (ws, process_of(&response))
}

/// Which process behind a proxy answered.
fn process_of(response: &tokio_tungstenite::tungstenite::handshake::client::Response) -> Option<String> {
    response
        .headers()
        .get("x-baton-process")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A visitor socket through `addr` (a proxy, say), with the response's
/// `X-Baton-Process` header: which process behind the proxy took it.
pub async fn visitor_via(addr: &str) -> (Ws, Option<String>) {
    let request = super::visitor_request("demo", addr, ORIGIN, &[]).expect("a request");
    let (ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("a visitor connects through the proxy");
    (ws, process_of(&response))
}

/// The `going_away` a socket gets and the close code after it; panics on
/// anything but other frames, that one, and the close.
pub async fn going_away_then_close(ws: &mut Ws) -> (Millis, Option<u16>) {
    let mut retry = None;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("the drain reaches this socket within 20 s");
        match next {
            Some(Ok(Message::Text(text))) => {
                if let Ok(ServerToVisitor::GoingAway { retry_after }) = serde_json::from_str(&text) {
                    retry = Some(retry_after);
                }
            }
            Some(Ok(Message::Close(frame))) => {
                let retry = retry.expect("going_away before the close");
                return (retry, frame.map(|f| u16::from(f.code)));
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => panic!("the socket failed without a close frame: {err}"),
            None => panic!("the socket ended without a close frame"),
        }
    }
}
