//! The operator socket: the only code that touches the WebSocket. It says
//! hello, decodes frames into [`LinkEvent`]s, and reconnects with backoff
//! until stopped. Everything it learns goes out through one callback.

use crate::format::backoff_ms;
use crate::state::Link;
use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::{ClientMsgId, PROTOCOL_VERSION, SUBPROTOCOL};
use futures::channel::mpsc;
use futures::{SinkExt, StreamExt, future, stream};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use gloo_timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use yew::Callback;

/// What the socket reports to the UI.
#[derive(Debug)]
pub enum LinkEvent {
    Frame(ServerToOperator),
    Link(Link),
    /// The session is gone (signed out elsewhere, expired): stop and sign in.
    Unauthorized,
}

/// A handle to the running connection; cheap to clone.
#[derive(Clone, Default)]
pub struct Connection {
    inner: Rc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// The current socket's outgoing queue; `None` between sockets.
    outbox: RefCell<Option<mpsc::UnboundedSender<String>>>,
    stopped: Cell<bool>,
}

enum Step {
    Received(Result<Message, gloo_net::websocket::WebSocketError>),
    /// The socket closed.
    Closed,
    Outgoing(String),
    /// The handle stopped the connection.
    Stop,
}

impl Connection {
    /// Connects, and keeps reconnecting until [`Connection::stop`].
    pub fn start(on_event: Callback<LinkEvent>) -> Connection {
        let connection = Connection::default();
        let inner = Rc::clone(&connection.inner);
        wasm_bindgen_futures::spawn_local(run(inner, on_event));
        connection
    }

    /// Queues a frame for the current socket. False when there is none; the
    /// caller may retry after the next welcome.
    pub fn send(&self, frame: &OperatorToServer) -> bool {
        let Ok(text) = serde_json::to_string(frame) else {
            return false;
        };
        match self.inner.outbox.borrow().as_ref() {
            Some(outbox) => outbox.unbounded_send(text).is_ok(),
            None => false,
        }
    }

    /// Closes the socket for good.
    pub fn stop(&self) {
        self.inner.stopped.set(true);
        // Dropping the sender ends the session loop, which closes the socket.
        self.inner.outbox.borrow_mut().take();
    }
}

/// A fresh id for a send or an intent: unique per browser tab in practice.
pub fn new_client_msg_id() -> ClientMsgId {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    ClientMsgId(format!("op-{now:x}-{random:x}"))
}

async fn run(inner: Rc<Inner>, on_event: Callback<LinkEvent>) {
    let mut attempt: u32 = 0;
    while !inner.stopped.get() {
        let welcomed = session(&inner, &on_event).await;
        inner.outbox.borrow_mut().take();
        if inner.stopped.get() {
            break;
        }
        if welcomed {
            attempt = 0;
        } else if let crate::api::Session::SignedOut = crate::api::me().await {
            // The upgrade was refused because the session is gone.
            inner.stopped.set(true);
            on_event.emit(LinkEvent::Unauthorized);
            break;
        }
        on_event.emit(LinkEvent::Link(Link::Reconnecting));
        TimeoutFuture::new(backoff_ms(attempt, js_sys::Math::random())).await;
        attempt = attempt.saturating_add(1);
    }
}

/// One socket, from open to close. Returns whether a welcome arrived.
async fn session(inner: &Rc<Inner>, on_event: &Callback<LinkEvent>) -> bool {
    let Ok(socket) = WebSocket::open_with_protocol(&socket_url(), SUBPROTOCOL) else {
        return false;
    };
    let (mut write, read) = socket.split();
    let (tx, rx) = mpsc::unbounded::<String>();
    let hello = serde_json::to_string(&OperatorToServer::Hello {
        protocol: PROTOCOL_VERSION,
        features: baton_protocol::FEATURES.iter().map(|f| (*f).to_owned()).collect(),
    });
    if tx.unbounded_send(hello.unwrap_or_default()).is_err() {
        return false;
    }
    *inner.outbox.borrow_mut() = Some(tx);

    let incoming = read
        .map(Step::Received)
        .chain(stream::once(future::ready(Step::Closed)));
    let outgoing = rx.map(Step::Outgoing).chain(stream::once(future::ready(Step::Stop)));
    let mut steps = stream::select(incoming, outgoing);
    let mut welcomed = false;
    while let Some(step) = steps.next().await {
        match step {
            Step::Received(Ok(Message::Text(text))) => match serde_json::from_str::<ServerToOperator>(&text) {
                Ok(frame) => {
                    welcomed |= matches!(frame, ServerToOperator::Welcome(_));
                    on_event.emit(LinkEvent::Frame(frame));
                }
                // A frame this build cannot read is skipped, not fatal.
                Err(_) => continue,
            },
            Step::Received(Ok(Message::Bytes(_))) => continue,
            Step::Received(Err(_)) | Step::Closed => break,
            Step::Outgoing(text) => {
                if write.send(Message::Text(text)).await.is_err() {
                    break;
                }
            }
            Step::Stop => break,
        }
    }
    welcomed
}

/// `ws://` or `wss://` on the page's own host.
fn socket_url() -> String {
    let location = web_sys::window().map(|w| w.location());
    let secure = location
        .as_ref()
        .and_then(|l| l.protocol().ok())
        .is_some_and(|p| p == "https:");
    let host = location.and_then(|l| l.host().ok()).unwrap_or_default();
    format!("{}://{host}/ws/operator", if secure { "wss" } else { "ws" })
}
