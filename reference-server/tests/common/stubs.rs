//! Local stand-ins for outside services, on loopback: an HTTP receiver
//! (webhooks, Slack, Teams, Telegram's Bot API) and an SMTP sink (a few
//! lines of SMTP over TCP).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::post;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

// ------------------------------------------------------------ HTTP receiver

#[derive(Debug)]
pub struct Hit {
    /// The request path (Telegram's carries the bot token).
    pub path: String,
    pub delivery: Option<String>,
    pub content_type: Option<String>,
    pub body: Value,
}

#[derive(Clone)]
struct Receiver {
    hits: mpsc::UnboundedSender<Hit>,
    /// Answer this status to the first `failures` requests, then 200.
    failures: usize,
    status: StatusCode,
    seen: Arc<AtomicUsize>,
}

async fn receive(State(rx): State<Receiver>, uri: Uri, headers: HeaderMap, Json(body): Json<Value>) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let _ = rx.hits.send(Hit {
        path: uri.path().to_owned(),
        delivery: header("x-baton-delivery"),
        content_type: header("content-type"),
        body,
    });
    if rx.seen.fetch_add(1, Ordering::SeqCst) < rx.failures {
        rx.status
    } else {
        StatusCode::OK
    }
}

/// An HTTP receiver on loopback that takes a JSON POST on any path: its
/// base URL (`http://127.0.0.1:port`) and what it receives.
pub async fn http_stub(failures: usize, status: StatusCode) -> (String, mpsc::UnboundedReceiver<Hit>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let state = Receiver {
        hits: tx,
        failures,
        status,
        seen: Arc::default(),
    };
    let app = axum::Router::new().route("/{*path}", post(receive)).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("receiver") });
    (base, rx)
}

/// A webhook receiver on loopback: its URL (with a token-like path) and
/// what it receives.
pub async fn receiver(failures: usize, status: StatusCode) -> (String, mpsc::UnboundedReceiver<Hit>) {
    let (base, rx) = http_stub(failures, status).await;
    (format!("{base}/hook/secret-token"), rx)
}

pub async fn next_hit(hits: &mut mpsc::UnboundedReceiver<Hit>) -> Hit {
    tokio::time::timeout(Duration::from_secs(5), hits.recv())
        .await
        .expect("a webhook within 5 s")
        .expect("receiver running")
}

pub async fn no_more_hits(hits: &mut mpsc::UnboundedReceiver<Hit>, within: Duration) {
    if let Ok(Some(hit)) = tokio::time::timeout(within, hits.recv()).await {
        panic!("unexpected webhook: {hit:?}");
    }
}

// ---------------------------------------------------------------- SMTP sink

#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<String> {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.data
            .split("\r\n\r\n")
            .next()?
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&prefix))
            .map(|l| l[prefix.len()..].trim().to_owned())
    }

    pub fn body(&self) -> String {
        self.data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.replace("\r\n", "\n"))
            .unwrap_or_default()
    }
}

/// A minimal SMTP server on loopback: 220, EHLO/HELO, MAIL, RCPT, DATA, QUIT.
pub async fn smtp_sink() -> (u16, mpsc::UnboundedReceiver<Mail>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let _ = smtp_session(socket, tx).await;
            });
        }
    });
    (port, rx)
}

async fn smtp_session(socket: tokio::net::TcpStream, mails: mpsc::UnboundedSender<Mail>) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut mail = Mail {
        from: String::new(),
        to: Vec::new(),
        data: String::new(),
    };
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("RSET") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            mail.from = line[10..].trim().trim_matches(['<', '>']).to_owned();
            mail.from = mail.from.split_whitespace().next().unwrap_or_default().to_owned();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            while let Some(data) = lines.next_line().await? {
                if data == "." {
                    break;
                }
                // Dot-unstuffing (RFC 5321 4.5.2).
                mail.data.push_str(data.strip_prefix('.').unwrap_or(&data));
                mail.data.push_str("\r\n");
            }
            let _ = mails.send(mail.clone());
            mail.to.clear();
            mail.data.clear();
            b"250 queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

pub async fn next_mail(mails: &mut mpsc::UnboundedReceiver<Mail>) -> Mail {
    tokio::time::timeout(Duration::from_secs(5), mails.recv())
        .await
        .expect("an email within 5 s")
        .expect("sink running")
}

pub async fn no_mail(mails: &mut mpsc::UnboundedReceiver<Mail>, within: Duration) {
    if let Ok(Some(mail)) = tokio::time::timeout(within, mails.recv()).await {
        panic!("unexpected email: {mail:?}");
    }
}
