//! The operator socket's driver: owns the WebSocket, the timers and the
//! browser's online/visibility events, and performs what the connection
//! [`Machine`] decides. It decides nothing itself.
//!
//! Plain browser callbacks, like the widget's driver: every socket event,
//! timer and browser event is fed to the machine under one borrow, and what
//! the UI must hear is queued and emitted after the borrow ends — so a UI
//! callback that sends a frame right away never finds the driver busy.

use crate::machine::{Action, Machine};
use crate::state::Link;
use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::{ClientMsgId, ErrorBody, SUBPROTOCOL, Seq, Timestamp};
use gloo_timers::callback::Timeout;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, WebSocket};
use yew::Callback;

/// What the socket reports to the UI.
#[derive(Debug)]
#[allow(
    dead_code,
    reason = "today's inbox reads the ack/error frames; the answers' fields are for views that track a request"
)]
pub enum LinkEvent {
    Frame(ServerToOperator),
    Link(Link),
    /// The session is gone (signed out elsewhere, expired): stop and sign in.
    Unauthorized,
    /// A submitted request was answered: stored under `seq` (log changes)
    /// or done (notes, shortcuts). Its `ack`/`done` frame follows.
    Settled {
        client_msg_id: ClientMsgId,
        seq: Option<Seq>,
    },
    /// The server refused a submitted request; it is not retried. Its
    /// `error` frame follows.
    Failed {
        client_msg_id: ClientMsgId,
        error: ErrorBody,
    },
}

/// A handle to the running connection; cheap to clone.
#[derive(Clone)]
pub struct Connection {
    shared: Rc<Shared>,
}

struct Shared {
    driver: RefCell<Driver>,
    on_event: Callback<LinkEvent>,
    /// What the UI has yet to hear, in order.
    events: RefCell<VecDeque<LinkEvent>>,
    emitting: Cell<bool>,
}

struct Driver {
    machine: Machine,
    socket: Option<Socket>,
    /// Numbers the sockets, so a replaced one's late events are ignored.
    attempt: u32,
    /// The wait before the next socket.
    connect_timer: Option<Timeout>,
    /// The machine's next deadline (welcome, heartbeat).
    check_timer: Option<Timeout>,
    /// `online`, `offline`, `visibilitychange` and `focus` listeners.
    listeners: Vec<Listener>,
    stopped: bool,
    /// What the UI must hear, gathered while the driver is borrowed.
    events: Vec<LinkEvent>,
    /// Weak: the handles own the driver.
    me: Weak<Shared>,
}

/// A browser event's name and its handler.
type Listener = (&'static str, Closure<dyn FnMut()>);

impl Connection {
    /// Connects, and keeps reconnecting until [`Connection::stop`].
    pub fn start(on_event: Callback<LinkEvent>) -> Connection {
        let shared = Rc::new_cyclic(|me: &Weak<Shared>| Shared {
            driver: RefCell::new(Driver {
                machine: Machine::new(),
                socket: None,
                attempt: 0,
                connect_timer: None,
                check_timer: None,
                listeners: Vec::new(),
                stopped: false,
                events: Vec::new(),
                me: me.clone(),
            }),
            on_event,
            events: RefCell::default(),
            emitting: Cell::new(false),
        });
        let connection = Connection { shared };
        connection.with(|driver| {
            driver.listen();
            driver.connect();
        });
        connection
    }

    /// Sends an ephemeral frame (typing, receipt, open, history, status) if
    /// the link is up. False when it is not: nothing is queued. `open` also
    /// makes that conversation the one shown, which is opened again after
    /// every reconnect and checked for lost events.
    pub fn send(&self, frame: &OperatorToServer) -> bool {
        self.with(|driver| {
            let actions = driver.machine.send(frame.clone());
            let sent = actions.iter().any(|a| matches!(a, Action::Send(_)));
            driver.perform(actions);
            sent && driver.socket.is_some()
        })
    }

    /// Sends a request that must not be lost (send, join, take over,
    /// transfer, leave, resolve, note, shortcuts): kept until the server
    /// answers it, and resent with the same id after every reconnect. The
    /// answer arrives as [`LinkEvent::Settled`] or [`LinkEvent::Failed`].
    pub fn submit(&self, request: OperatorToServer) {
        self.with(|driver| {
            let actions = driver.machine.submit(request);
            driver.perform(actions);
        });
    }

    /// Stops showing a conversation: it is not opened again after a reconnect.
    pub fn unwatch(&self, conversation: &baton_protocol::ConversationId) {
        self.with(|driver| driver.machine.unwatch(conversation));
    }

    /// Closes the socket for good.
    pub fn stop(&self) {
        self.with(Driver::stop);
    }

    /// Runs `f` on the driver, then tells the UI what it queued. A callback
    /// the UI runs meanwhile may call back in: the driver is free by then,
    /// and its events join the same queue, in order.
    fn with<R>(&self, f: impl FnOnce(&mut Driver) -> R) -> R {
        let (result, events) = {
            let mut driver = self.shared.driver.borrow_mut();
            let result = f(&mut driver);
            (result, driver.take_events())
        };
        self.shared.events.borrow_mut().extend(events);
        self.emit();
        result
    }

    fn emit(&self) {
        if self.shared.emitting.replace(true) {
            return; // an outer call is draining the queue
        }
        loop {
            let next = self.shared.events.borrow_mut().pop_front();
            match next {
                Some(event) => self.shared.on_event.emit(event),
                None => break,
            }
        }
        self.shared.emitting.set(false);
    }

    fn upgrade(me: &Weak<Shared>) -> Option<Connection> {
        me.upgrade().map(|shared| Connection { shared })
    }
}

/// A fresh id for a send or an intent: unique per browser tab in practice.
pub fn new_client_msg_id() -> ClientMsgId {
    let now = js_sys::Date::now() as u64;
    let random = (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64;
    ClientMsgId(format!("op-{now:x}-{random:x}"))
}

fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as u64)
}

/// What happened to one socket.
enum SocketEvent {
    Open,
    Text(String),
    /// Closed, or failed (an `error` is always followed by `close`, but
    /// either ends the socket).
    Closed,
}

/// One socket and its handlers. Dropping it detaches them and closes it.
struct Socket {
    ws: WebSocket,
    _handlers: [Closure<dyn FnMut(web_sys::Event)>; 3],
}

impl Socket {
    fn open(attempt: u32, me: &Weak<Shared>) -> Option<Socket> {
        let ws = WebSocket::new_with_str(&socket_url(), SUBPROTOCOL).ok()?;
        let handler = |to_event: fn(web_sys::Event) -> Option<SocketEvent>| {
            let me = me.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
                let (Some(event), Some(connection)) = (to_event(e), Connection::upgrade(&me)) else {
                    return;
                };
                connection.with(|driver| driver.on_socket(attempt, event));
            })
        };
        let handlers = [
            handler(|_| Some(SocketEvent::Open)),
            // Text frames only; the protocol has no binary ones.
            handler(|e| {
                e.dyn_into::<MessageEvent>()
                    .ok()
                    .and_then(|m| m.data().as_string())
                    .map(SocketEvent::Text)
            }),
            handler(|_| Some(SocketEvent::Closed)),
        ];
        ws.set_onopen(Some(handlers[0].as_ref().unchecked_ref()));
        ws.set_onmessage(Some(handlers[1].as_ref().unchecked_ref()));
        ws.set_onclose(Some(handlers[2].as_ref().unchecked_ref()));
        ws.set_onerror(Some(handlers[2].as_ref().unchecked_ref()));
        Some(Socket {
            ws,
            _handlers: handlers,
        })
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        let _ = self.ws.close();
    }
}

impl Driver {
    fn take_events(&mut self) -> Vec<LinkEvent> {
        std::mem::take(&mut self.events)
    }

    fn tell(&mut self, event: LinkEvent) {
        self.events.push(event);
    }

    /// Reconnect at once when the network comes back or the tab is shown
    /// again, and drop the socket as soon as the browser knows it is offline.
    fn listen(&mut self) {
        let Some(window) = web_sys::window() else { return };
        let on = |wake: bool| {
            let me = self.me.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(connection) = Connection::upgrade(&me) {
                    connection.with(|driver| {
                        let actions = if wake {
                            driver.machine.wake(now())
                        } else {
                            driver.machine.offline()
                        };
                        driver.perform(actions);
                    });
                }
            })
        };
        self.listeners = vec![("online", on(true)), ("focus", on(true)), ("offline", on(false))];
        for (event, listener) in &self.listeners {
            let _ = window.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
        }
        let visible = on(true);
        if let Some(document) = window.document() {
            let _ = document.add_event_listener_with_callback("visibilitychange", visible.as_ref().unchecked_ref());
        }
        self.listeners.push(("visibilitychange", visible));
    }

    fn stop(&mut self) {
        self.stopped = true;
        self.socket = None;
        self.connect_timer = None;
        self.check_timer = None;
        if let Some(window) = web_sys::window() {
            for (event, listener) in self.listeners.drain(..) {
                let callback = listener.as_ref().unchecked_ref();
                if event == "visibilitychange" {
                    if let Some(document) = window.document() {
                        let _ = document.remove_event_listener_with_callback(event, callback);
                    }
                } else {
                    let _ = window.remove_event_listener_with_callback(event, callback);
                }
            }
        }
    }

    /// Opens a socket now. While the browser knows it is offline it doesn't
    /// try: the attempt counts as failed, and `online` brings a wake.
    fn connect(&mut self) {
        if self.stopped {
            return;
        }
        self.connect_timer = None;
        self.attempt = self.attempt.wrapping_add(1);
        let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
        self.socket = if online {
            Socket::open(self.attempt, &self.me)
        } else {
            None
        };
        self.machine.on_connecting(now());
        if self.socket.is_some() {
            self.perform(Vec::new());
        } else {
            self.closed();
        }
    }

    fn on_socket(&mut self, attempt: u32, event: SocketEvent) {
        if attempt != self.attempt || self.socket.is_none() || self.stopped {
            return; // a replaced socket's late news
        }
        let actions = match event {
            SocketEvent::Open => self.machine.on_open(),
            SocketEvent::Text(text) => match serde_json::from_str::<ServerToOperator>(&text) {
                Ok(frame) => self.machine.on_frame(frame, now()),
                // A frame this build cannot read is skipped, not fatal.
                Err(_) => return,
            },
            SocketEvent::Closed => {
                self.closed();
                return;
            }
        };
        self.perform(actions);
    }

    /// The socket is over (or never opened).
    fn closed(&mut self) {
        self.socket = None;
        self.check_timer = None;
        let actions = self.machine.on_closed(js_sys::Math::random());
        self.perform(actions);
    }

    /// Performs the machine's actions in order, then arms the timer for its
    /// next deadline. A failed send drops the socket.
    fn perform(&mut self, actions: Vec<Action>) {
        let mut close = false;
        for action in actions {
            match action {
                Action::Send(frame) => {
                    let sent = serde_json::to_string(&frame)
                        .ok()
                        .zip(self.socket.as_ref())
                        .is_some_and(|(text, socket)| socket.ws.send_with_str(&text).is_ok());
                    close |= !sent;
                }
                Action::ConnectIn(delay) if delay.0 == 0 => self.connect(),
                Action::ConnectIn(delay) => {
                    let me = self.me.clone();
                    let ms = u32::try_from(delay.0).unwrap_or(u32::MAX);
                    self.connect_timer = Some(Timeout::new(ms, move || {
                        if let Some(connection) = Connection::upgrade(&me) {
                            connection.with(Driver::connect);
                        }
                    }));
                }
                Action::Close => close = true,
                Action::Deliver(frame) => self.tell(LinkEvent::Frame(frame)),
                Action::Link(link) => self.tell(LinkEvent::Link(link)),
                Action::Settled { client_msg_id, seq } => self.tell(LinkEvent::Settled { client_msg_id, seq }),
                Action::Failed { client_msg_id, error } => self.tell(LinkEvent::Failed { client_msg_id, error }),
                Action::CheckSession => self.check_session(),
            }
        }
        if close && self.socket.is_some() {
            self.closed();
            return;
        }
        self.arm();
    }

    /// (Re)sets the timer for the machine's next deadline.
    fn arm(&mut self) {
        self.check_timer = self.machine.next_timer().map(|at| {
            let ms = at.0.saturating_sub(now().0).min(u64::from(u32::MAX)) as u32;
            let me = self.me.clone();
            Timeout::new(ms, move || {
                if let Some(connection) = Connection::upgrade(&me) {
                    connection.with(|driver| {
                        let actions = driver.machine.on_timer(now());
                        driver.perform(actions);
                    });
                }
            })
        });
    }

    /// A socket ended before its welcome: if `/api/me` says the session is
    /// gone, stop and send the operator to sign in.
    fn check_session(&self) {
        let me = self.me.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let crate::api::Session::SignedOut = crate::api::me().await {
                if let Some(connection) = Connection::upgrade(&me) {
                    connection.with(|driver| {
                        if !driver.stopped {
                            driver.stop();
                            driver.tell(LinkEvent::Unauthorized);
                        }
                    });
                }
            }
        });
    }
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
