//! What both WebSocket endpoints share: frame limits, the rate limit, and the
//! writer task that drains a peer's outbox into its socket.

use crate::hub::{OUTBOX_CAPACITY, Outbox, Text};
use crate::rows::RowQueue;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use baton_protocol::{ErrorBody, ErrorCode, MAX_FRAME_BYTES, SUBPROTOCOL};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Sizes tuned for many idle connections: the defaults (128 KiB each way)
/// cost ~134 KB of RSS per socket; frames here are at most 20 KiB.
pub fn configure(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.protocols([SUBPROTOCOL])
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        // Frames above MAX_FRAME_BYTES get a `too_large` error and the socket
        // stays open; only frames beyond this hard cap end the connection.
        .max_message_size(4 * MAX_FRAME_BYTES)
        .max_frame_size(4 * MAX_FRAME_BYTES)
}

/// True when the client offered Baton's subprotocol.
pub fn offers_subprotocol(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == SUBPROTOCOL)
}

/// A peer's outbox: held strongly until the hub holds it, then weakly, so the
/// hub dropping a slow peer closes its socket.
#[derive(Debug)]
pub struct PeerOutbox {
    strong: Option<Outbox>,
    weak: mpsc::WeakSender<Text>,
}

impl PeerOutbox {
    pub fn outbox(&self) -> Option<Outbox> {
        self.strong.clone().or_else(|| self.weak.upgrade())
    }

    /// The hub now holds the outbox; stop keeping it alive ourselves.
    pub fn handed_to_hub(&mut self) {
        self.strong = None;
    }

    /// Queues a frame; false once the peer is gone.
    pub fn send<T: serde::Serialize>(&self, frame: &T) -> bool {
        let text = crate::hub::encode(frame);
        self.outbox().is_some_and(|o| o.try_send(text).is_ok())
    }
}

/// What the reader got from a client.
#[derive(Debug)]
pub enum Incoming<T> {
    Frame(T),
    /// Refused with an error for the client; the socket stays usable.
    Refused(ErrorBody),
    /// No `hello` within [`HELLO_TIMEOUT`].
    NoHello,
    Closed,
}

/// Reads frames: text only, rate-limited, size-checked, decoded.
#[derive(Debug)]
pub struct Reader {
    stream: SplitStream<WebSocket>,
    rate: RateLimit,
}

impl Reader {
    /// The next frame. Until the client has said hello it gets at most
    /// [`HELLO_TIMEOUT`].
    pub async fn next<T: DeserializeOwned>(&mut self, awaiting_hello: bool) -> Incoming<T> {
        loop {
            let next = if awaiting_hello {
                match tokio::time::timeout(HELLO_TIMEOUT, self.stream.next()).await {
                    Ok(next) => next,
                    Err(_) => return Incoming::NoHello,
                }
            } else {
                self.stream.next().await
            };
            return match next {
                Some(Ok(Message::Text(_))) if !self.rate.allow() => Incoming::Refused(rate_limited()),
                Some(Ok(Message::Text(text))) => match decode(&text) {
                    Ok(frame) => Incoming::Frame(frame),
                    Err(err) => Incoming::Refused(err),
                },
                Some(Ok(Message::Binary(_))) => {
                    Incoming::Refused(ErrorBody::new(ErrorCode::BadFrame, "frames are JSON text"))
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => Incoming::Closed,
                Some(Ok(_)) => continue, // ping/pong are answered by the library
            };
        }
    }
}

pub fn hello_required() -> ErrorBody {
    ErrorBody::new(ErrorCode::HelloRequired, "say hello first")
}

/// Splits the socket, spawns the writer, and returns the reader plus outbox.
/// `rate` bounds the frames this client may send.
pub fn start(socket: WebSocket, rate: RateLimit) -> (Reader, PeerOutbox) {
    start_with(socket, rate, None)
}

/// [`start`] for an operator: the writer also drains the connection's
/// coalesced list rows (`crate::rows`), which the hub pushes there instead
/// of into the bounded outbox.
pub fn start_operator(socket: WebSocket, rate: RateLimit) -> (Reader, PeerOutbox, Arc<RowQueue>) {
    let rows = Arc::new(RowQueue::default());
    let (reader, peer) = start_with(socket, rate, Some(rows.clone()));
    (reader, peer, rows)
}

fn start_with(socket: WebSocket, rate: RateLimit, rows: Option<Arc<RowQueue>>) -> (Reader, PeerOutbox) {
    let (sink, stream) = socket.split();
    let (tx, rx) = mpsc::channel::<Text>(OUTBOX_CAPACITY);
    match rows {
        // Separate tasks: an idle visitor's writer stays as small as it was.
        None => tokio::spawn(write_outbox(sink, rx)),
        Some(rows) => tokio::spawn(write_outbox_and_rows(sink, rx, rows)),
    };
    let weak = tx.downgrade();
    (Reader { stream, rate }, PeerOutbox { strong: Some(tx), weak })
}

type Sink = SplitSink<WebSocket, Message>;

/// Drains the outbox into the socket; closes it once the hub lets go.
async fn write_outbox(mut sink: Sink, mut rx: mpsc::Receiver<Text>) {
    while let Some(text) = rx.recv().await {
        // Boxed: the timer lives only while a frame is being written, not
        // in every idle connection's task.
        if !Box::pin(write(&mut sink, text)).await {
            // The socket failed or accepted nothing for WRITE_STALL:
            // dropping the receiver makes the hub let go of this peer at
            // its next frame, and the reader's next send fails, which ends
            // the connection.
            return;
        }
    }
    let _ = Box::pin(tokio::time::timeout(WRITE_STALL, sink.close())).await;
}

/// An operator's writer: outbox frames and the rows that are due, as they
/// come — rows wait only for their interval, never behind a full outbox.
async fn write_outbox_and_rows(mut sink: Sink, mut rx: mpsc::Receiver<Text>, rows: Arc<RowQueue>) {
    loop {
        let sent = tokio::select! {
            text = rx.recv() => match text {
                Some(text) => write(&mut sink, text).await,
                None => break,
            },
            due = rows.due() => {
                let mut ok = true;
                for text in due {
                    ok = ok && write(&mut sink, text).await;
                }
                ok
            }
        };
        if !sent {
            return; // as in `write_outbox`
        }
    }
    let _ = tokio::time::timeout(WRITE_STALL, sink.close()).await;
}

/// Writes one frame; false if the socket failed or did not take it within
/// [`WRITE_STALL`].
async fn write(sink: &mut Sink, text: Text) -> bool {
    matches!(
        tokio::time::timeout(WRITE_STALL, sink.send(Message::Text(text))).await,
        Ok(Ok(()))
    )
}

/// How long a socket may accept nothing before its writer gives up on it: a
/// peer that stops reading altogether is closed; a slow one is not.
pub const WRITE_STALL: Duration = Duration::from_secs(30);

/// Decodes one text frame, or says why not.
pub fn decode<T: DeserializeOwned>(text: &str) -> Result<T, ErrorBody> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(ErrorBody::new(
            ErrorCode::TooLarge,
            format!("frames are limited to {MAX_FRAME_BYTES} bytes"),
        ));
    }
    // serde's tagged enums would also accept `["send", …]`; frames are
    // objects, as other implementations will expect.
    if !text.trim_start().starts_with('{') {
        return Err(ErrorBody::new(ErrorCode::BadFrame, "a frame is one JSON object"));
    }
    serde_json::from_str(text).map_err(|e| ErrorBody::new(ErrorCode::BadFrame, format!("could not read frame: {e}")))
}

/// How many frames a client may send: `burst` at once, refilled at
/// `per_sec`. Config file: `[limits]` (see [`FrameLimits`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub burst: u32,
    pub per_sec: u32,
}

/// Frame rate limits per socket, by kind of client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FrameLimits {
    /// A visitor types and sends by hand: 5 a second, 20 at once.
    pub visitor: Bucket,
    /// A busy operator has many chats open, each with typing, receipts and
    /// replies, and an inbox that opens several at once after a reconnect:
    /// 50 a second, 200 at once.
    pub operator: Bucket,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits {
            visitor: Bucket { burst: 20, per_sec: 5 },
            operator: Bucket {
                burst: 200,
                per_sec: 50,
            },
        }
    }
}

impl FrameLimits {
    pub fn check(&self) -> Result<(), String> {
        for (who, b) in [("visitor", self.visitor), ("operator", self.operator)] {
            if b.burst == 0 || b.per_sec == 0 {
                return Err(format!("limits.{who}: burst and per_sec must be at least 1"));
            }
        }
        Ok(())
    }
}

/// Token bucket: `burst` frames at once, refilled at `per_sec`.
#[derive(Debug)]
pub struct RateLimit {
    tokens: f64,
    burst: f64,
    per_sec: f64,
    last: Instant,
}

impl RateLimit {
    pub fn of(bucket: Bucket) -> Self {
        RateLimit::new(bucket.burst, bucket.per_sec)
    }

    pub fn new(burst: u32, per_sec: u32) -> Self {
        RateLimit {
            tokens: burst as f64,
            burst: burst as f64,
            per_sec: per_sec as f64,
            last: Instant::now(),
        }
    }

    pub fn allow(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_sec).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

pub fn rate_limited() -> ErrorBody {
    ErrorBody::new(ErrorCode::RateLimited, "too many frames; slow down")
}

/// How long a client has to say hello after connecting.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
