//! What both WebSocket endpoints share: frame limits, the rate limit, and the
//! writer task that drains a peer's outbox into its socket.

use crate::outbox::{OPERATOR_OUTBOX_CAPACITY, OUTBOX_CAPACITY, Outbox, Text};
use crate::rows::RowQueue;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use baton_protocol::{ClientMsgId, ErrorBody, ErrorCode, MAX_FRAME_BYTES, SUBPROTOCOL};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use std::sync::{Arc, OnceLock};
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
    close: CloseWith,
}

impl PeerOutbox {
    pub fn outbox(&self) -> Option<Outbox> {
        self.strong.clone().or_else(|| self.weak.upgrade())
    }

    /// The hub now holds the outbox; stop keeping it alive ourselves.
    pub fn handed_to_hub(&mut self) {
        self.strong = None;
    }

    /// The close code and reason the socket ends with, once the outbox is
    /// let go of (after the frames already queued).
    pub fn close_with(&self, code: u16, reason: &'static str) {
        let _ = self.close.set(CloseFrame {
            code,
            reason: reason.into(),
        });
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
    /// Nothing at all for the idle limit after hello: the caller closes the
    /// socket with [`CLOSE_IDLE`].
    Idle,
    Closed,
}

/// Frames a client sends: their `client_msg_id`, if they carry one, is
/// checked before anything else looks at them.
pub trait ClientFrame: DeserializeOwned {
    fn client_msg_id(&self) -> Option<&ClientMsgId>;
}

impl ClientFrame for baton_protocol::visitor::VisitorToServer {
    fn client_msg_id(&self) -> Option<&ClientMsgId> {
        self.client_msg_id()
    }
}

impl ClientFrame for baton_protocol::operator::OperatorToServer {
    fn client_msg_id(&self) -> Option<&ClientMsgId> {
        self.client_msg_id()
    }
}

/// Reads frames: text only, rate-limited, size-checked, decoded.
#[derive(Debug)]
pub struct Reader {
    stream: SplitStream<WebSocket>,
    rate: RateLimit,
    /// Silence after hello that closes the socket (`SERVER_IDLE_LIMIT`).
    idle: Duration,
    /// Where a broken read leaves the close code the writer sends.
    close: CloseWith,
}

impl Reader {
    /// The next frame. Until the client has said hello it gets at most
    /// [`HELLO_TIMEOUT`]; after that, at most the idle limit between any two
    /// frames (pings and WebSocket control frames count).
    pub async fn next<T: ClientFrame>(&mut self, awaiting_hello: bool) -> Incoming<T> {
        loop {
            let limit = if awaiting_hello { HELLO_TIMEOUT } else { self.idle };
            let next = match tokio::time::timeout(limit, self.stream.next()).await {
                Ok(next) => next,
                // Made here, not before the wait: a value held across an
                // await is kept in every idle connection's task.
                Err(_) if awaiting_hello => return Incoming::NoHello,
                Err(_) => return Incoming::Idle,
            };
            return match next {
                Some(Ok(Message::Text(_))) if !self.rate.allow() => Incoming::Refused(rate_limited()),
                Some(Ok(Message::Text(text))) => match decode::<T>(&text) {
                    Ok(frame) => match frame.client_msg_id().map(ClientMsgId::check) {
                        Some(Err(err)) => Incoming::Refused(err),
                        _ => Incoming::Frame(frame),
                    },
                    Err(err) => Incoming::Refused(err),
                },
                Some(Ok(Message::Binary(_))) => {
                    Incoming::Refused(ErrorBody::new(ErrorCode::BadFrame, "frames are JSON text"))
                }
                Some(Err(err)) => {
                    // Say why, where a code fits (PROTOCOL.md §2.8); the
                    // writer sends it once the hub lets go.
                    if let Some((code, reason)) = close_code_for(&err) {
                        let _ = self.close.set(CloseFrame {
                            code,
                            reason: reason.into(),
                        });
                    }
                    Incoming::Closed
                }
                Some(Ok(Message::Close(_))) | None => Incoming::Closed,
                Some(Ok(_)) => continue, // ping/pong are answered by the library
            };
        }
    }
}

/// The close code for a frame the WebSocket library refused to read: 1009
/// for one above the hard cap (`max_message_size`), 1007 for a text frame
/// that is not UTF-8. Other failures (the peer vanished) get none.
///
/// axum hides the library's error type, so this reads its message; the
/// tests in `tests/close_codes.rs` fail if a new version words it otherwise.
fn close_code_for(err: &axum::Error) -> Option<(u16, &'static str)> {
    let text = err.to_string();
    if text.starts_with("Space limit exceeded") {
        Some((CLOSE_TOO_BIG, "frame too large"))
    } else if text.starts_with("UTF-8 encoding error") {
        Some((CLOSE_INVALID_DATA, "text frames are UTF-8"))
    } else {
        None
    }
}

/// RFC 6455 close codes the server uses besides [`CLOSE_IDLE`].
pub const CLOSE_GOING_AWAY: u16 = 1001;
pub const CLOSE_INVALID_DATA: u16 = 1007;
pub const CLOSE_TOO_BIG: u16 = 1009;

/// The `going_away` frame is the last a socket gets before a planned close
/// (the hub then lets go of every outbox): the writer closes with 1001
/// after it. Frames are serialised with `type` first.
fn is_going_away(text: &Text) -> bool {
    text.as_str().starts_with(r#"{"type":"going_away""#)
}

fn going_away_close(close: &CloseWith) {
    let _ = close.set(CloseFrame {
        code: CLOSE_GOING_AWAY,
        reason: "going away".into(),
    });
}

pub fn hello_required() -> ErrorBody {
    ErrorBody::new(ErrorCode::HelloRequired, "say hello first")
}

/// Splits the socket, spawns the writer, and returns the reader plus outbox.
/// `rate` bounds the frames this client may send; `idle` is the silence
/// after hello that closes it.
pub fn start(socket: WebSocket, rate: RateLimit, idle: Duration) -> (Reader, PeerOutbox) {
    start_with(socket, rate, idle, None)
}

/// [`start`] for an operator: the writer also drains the connection's
/// coalesced list rows (`crate::rows`), which the hub pushes there instead
/// of into the bounded outbox.
pub fn start_operator(socket: WebSocket, rate: RateLimit, idle: Duration) -> (Reader, PeerOutbox, Arc<RowQueue>) {
    let rows = Arc::new(RowQueue::default());
    let (reader, peer) = start_with(socket, rate, idle, Some(rows.clone()));
    (reader, peer, rows)
}

fn start_with(socket: WebSocket, rate: RateLimit, idle: Duration, rows: Option<Arc<RowQueue>>) -> (Reader, PeerOutbox) {
    let (sink, stream) = socket.split();
    let capacity = if rows.is_some() {
        OPERATOR_OUTBOX_CAPACITY
    } else {
        OUTBOX_CAPACITY
    };
    let (tx, rx) = mpsc::channel::<Text>(capacity);
    let close = Arc::new(OnceLock::new());
    match rows {
        // Separate tasks: an idle visitor's writer stays as small as it was.
        None => tokio::spawn(write_outbox(sink, rx, close.clone())),
        Some(rows) => tokio::spawn(write_outbox_and_rows(sink, rx, rows, close.clone())),
    };
    let weak = tx.downgrade();
    (
        Reader {
            stream,
            rate,
            idle,
            close: close.clone(),
        },
        PeerOutbox {
            strong: Some(tx),
            weak,
            close,
        },
    )
}

type Sink = SplitSink<WebSocket, Message>;

/// Drains the outbox into the socket; closes it once the hub lets go.
async fn write_outbox(mut sink: Sink, mut rx: mpsc::Receiver<Text>, close: CloseWith) {
    // Grown by use, not sized up front: an idle visitor's writer would
    // otherwise hold 2 KiB it never fills.
    let mut frames = Vec::new();
    while rx.recv_many(&mut frames, WRITE_BATCH).await > 0 {
        // Boxed: the timer lives only while frames are being written, not
        // in every idle connection's task.
        if !Box::pin(write(&mut sink, &mut frames, &close)).await {
            // The socket failed or accepted nothing for WRITE_STALL:
            // dropping the receiver makes the hub let go of this peer at
            // its next frame, and the reader's next send fails, which ends
            // the connection.
            return;
        }
    }
    Box::pin(close_socket(&mut sink, &close)).await;
}

/// An operator's writer: outbox frames and the rows that are due, as they
/// come — rows wait only for their interval, never behind a full outbox.
async fn write_outbox_and_rows(mut sink: Sink, mut rx: mpsc::Receiver<Text>, rows: Arc<RowQueue>, close: CloseWith) {
    let mut frames = Vec::new();
    loop {
        tokio::select! {
            n = rx.recv_many(&mut frames, WRITE_BATCH) => if n == 0 {
                break;
            },
            due = rows.due() => frames.extend(due),
        }
        if !write(&mut sink, &mut frames, &close).await {
            return; // as in `write_outbox`
        }
    }
    close_socket(&mut sink, &close).await;
}

/// The close frame a connection ends with, if the server chose one
/// ([`PeerOutbox::close_with`]); otherwise a close without a code.
type CloseWith = Arc<OnceLock<CloseFrame>>;

async fn close_socket(sink: &mut Sink, close: &CloseWith) {
    let closing = async {
        if let Some(frame) = close.get() {
            let _ = sink.send(Message::Close(Some(frame.clone()))).await;
        }
        let _ = sink.close().await;
    };
    let _ = tokio::time::timeout(WRITE_STALL, closing).await;
}

/// Writes the frames taken from the outbox (emptying `frames`) and flushes
/// once: what queued up together leaves in one write, not one syscall per
/// frame. False if the socket failed or took nothing within [`WRITE_STALL`].
async fn write(sink: &mut Sink, frames: &mut Vec<Text>, close: &CloseWith) -> bool {
    let writing = async {
        for text in frames.drain(..) {
            if is_going_away(&text) {
                going_away_close(close);
            }
            sink.feed(Message::Text(text)).await?;
        }
        sink.flush().await
    };
    let written = matches!(tokio::time::timeout(WRITE_STALL, writing).await, Ok(Ok(())));
    frames.clear();
    // A burst's room is given back, so a socket that goes quiet after one
    // keeps only a few frames' worth.
    frames.shrink_to(KEPT_ROOM);
    written
}

/// The most outbox frames written with one flush.
const WRITE_BATCH: usize = 64;

/// Room for frames a socket's writer keeps between bursts.
const KEPT_ROOM: usize = 4;

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

/// The server's limits (config file: `[limits]`): frame rates per socket,
/// by kind of client, and what one client address may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FrameLimits {
    /// A visitor types and sends by hand: 5 a second, 20 at once.
    pub visitor: Bucket,
    /// A busy operator has many chats open, each with typing, receipts and
    /// replies, and an inbox that opens several at once after a reconnect:
    /// 50 a second, 200 at once.
    pub operator: Bucket,
    /// `[limits.per_ip]`: connections at once, new conversations a minute.
    pub per_ip: crate::conn::PerIp,
    /// `[limits.http]`: header and body read timeouts.
    pub http: crate::conn::HttpTimeouts,
    /// Silence after which a socket is closed: the protocol's
    /// `SERVER_IDLE_LIMIT`, not configurable (clients ping every 25 s);
    /// tests shorten it.
    #[serde(skip)]
    pub idle: Duration,
}

impl Default for FrameLimits {
    fn default() -> Self {
        FrameLimits {
            visitor: Bucket { burst: 20, per_sec: 5 },
            operator: Bucket {
                burst: 200,
                per_sec: 50,
            },
            per_ip: Default::default(),
            http: Default::default(),
            idle: Duration::from_millis(baton_protocol::presence::SERVER_IDLE_LIMIT.0),
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
        if self.per_ip.connections == 0 || self.per_ip.new_conversations_per_minute == 0 {
            return Err("limits.per_ip: connections and new_conversations_per_minute must be at least 1".into());
        }
        if self.http.header_secs == 0 || self.http.body_secs == 0 {
            return Err("limits.http: header_secs and body_secs must be at least 1".into());
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

/// The close code of a socket closed after `SERVER_IDLE_LIMIT` of silence.
pub use baton_protocol::presence::CLOSE_IDLE;

/// How long a client has to say hello after connecting.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);
