//! The driver: owns the WebSocket, the timer and storage, and performs
//! what the [`Machine`] decides. It makes no decisions itself.
//!
//! Everything that happens to it — the visitor's and the host page's
//! commands, socket events, the timer — arrives as a [`Command`] through one
//! queue ([`Commands`]) and is handled to the end before the next, so the
//! driver is never entered twice. Plain browser callbacks rather than
//! futures: the async version (gloo-net's streams, channels, `select!`) cost
//! the widget about 7 KB gzip.

use super::Config;
use super::storage::Storage;
use crate::machine::{Action, Machine, OutgoingKind, page_of};
use crate::state::{ChatState, ConnectionState, Update};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::{BotId, ClientMsgId, SUBPROTOCOL, Timestamp};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{MessageEvent, WebSocket};
use yew::UseReducerDispatcher;

/// What the components and the host page's JS API ask of the driver.
#[derive(Debug)]
pub enum Command {
    Send(String),
    RequestHuman,
    CancelRequest,
    EndHuman,
    /// Keep waiting, a left message, a rating or the transcript request:
    /// through the outbox like every intent.
    Submit(OutgoingKind),
    NewChat,
    SetOpen(bool),
    Toggle,
    /// The visitor is (or stopped) typing in the composer.
    Typing(bool),
    /// Send a refused message again (with a new id).
    Retry {
        id: ClientMsgId,
        text: String,
    },
    /// Name and email from the host page.
    Identify {
        name: Option<String>,
        email: Option<String>,
    },
    /// The browser came back online, the tab became visible or focused:
    /// reconnect now if waiting, and report what is now visible as read.
    Wake,
    /// The browser says the network is gone: show it at once rather than
    /// after a failed heartbeat (up to 45 s).
    Offline,
    /// The timer went off.
    Timer,
    /// Something happened to the socket of this connection attempt.
    Socket(u32, SocketEvent),
}

#[derive(Debug)]
pub enum SocketEvent {
    Open,
    Text(String),
    /// Closed, or failed (an `error` is always followed by `close`, but
    /// either ends the connection).
    Closed,
}

/// The way to the driver, for the components and the host page's JS API.
/// Commands sent before the driver starts wait for it.
#[derive(Clone, Default)]
pub struct Commands(Rc<Shared>);

#[derive(Default)]
struct Shared {
    queue: RefCell<VecDeque<Command>>,
    driver: RefCell<Option<Driver>>,
}

impl std::fmt::Debug for Commands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Commands").finish_non_exhaustive()
    }
}

impl PartialEq for Commands {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Commands {
    pub fn send(&self, command: Command) {
        self.0.queue.borrow_mut().push_back(command);
        self.pump();
    }

    /// For the browser callbacks the driver itself owns (they must not keep
    /// the queue, and so the driver, alive).
    fn send_weak(to: &Weak<Shared>, command: Command) {
        if let Some(shared) = to.upgrade() {
            Commands(shared).send(command);
        }
    }

    /// Runs the queue dry. If the driver is busy (a command it performs
    /// raised another), its own pump picks the new one up.
    fn pump(&self) {
        let Ok(mut slot) = self.0.driver.try_borrow_mut() else {
            return;
        };
        let Some(driver) = slot.as_mut() else { return };
        loop {
            let next = self.0.queue.borrow_mut().pop_front();
            match next {
                Some(command) => driver.handle(command),
                None => break,
            }
        }
    }
}

/// How often the view's clock ticks at most (typing TTLs, countdowns).
const CLOCK_MS: u64 = 1_000;

pub fn start(config: &Config, dispatch: UseReducerDispatcher<ChatState>, commands: &Commands) {
    if commands.0.driver.borrow().is_some() {
        return;
    }
    let storage = Storage::open(&config.bot);
    let open = config.open || storage.load_flag("open");
    if config.open {
        // Opened by the click that started the widget: a reload brings the
        // panel back open, as after any other open.
        storage.save_flag("open", true);
    }
    dispatch.dispatch(Update::SetOpen(open));
    let window = web_sys::window();
    let locale = window.as_ref().and_then(|w| w.navigator().language());
    let page = window.and_then(|w| w.location().href().ok());
    let machine = Machine::new(
        BotId(config.bot.clone()),
        locale,
        page.as_deref().and_then(page_of),
        storage.load(),
    );
    // Messages typed before a reload and never acknowledged show as pending.
    for item in machine.outbox() {
        if let OutgoingKind::Message { text } = &item.kind {
            dispatch.dispatch(Update::Pending {
                id: item.id.clone(),
                text: text.clone(),
            });
        }
    }
    let timer = {
        let commands = Rc::downgrade(&commands.0);
        Closure::<dyn FnMut()>::new(move || Commands::send_weak(&commands, Command::Timer))
    };
    let mut driver = Driver {
        machine,
        storage,
        dispatch,
        open,
        identity: None,
        identified: false,
        url: config.socket_url(),
        commands: Rc::downgrade(&commands.0),
        attempt: 0,
        socket: None,
        timer,
        timeout: None,
    };
    driver.connect();
    *commands.0.driver.borrow_mut() = Some(driver);
    commands.pump();
}

/// Reconnects at once when the network comes back or the tab is shown
/// again, instead of waiting out the backoff.
pub fn wake_on_return(commands: &Commands) {
    let Some(window) = web_sys::window() else { return };
    let wake = {
        let commands = commands.clone();
        Closure::<dyn Fn()>::new(move || commands.send(Command::Wake))
    };
    for event in ["online", "focus"] {
        let _ = window.add_event_listener_with_callback(event, wake.as_ref().unchecked_ref());
    }
    let offline = {
        let commands = commands.clone();
        Closure::<dyn Fn()>::new(move || commands.send(Command::Offline))
    };
    let _ = window.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
    offline.forget();
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", wake.as_ref().unchecked_ref());
    }
    // The widget lives as long as the page.
    wake.forget();
}

fn now() -> Timestamp {
    Timestamp(js_sys::Date::now() as u64)
}

fn new_id() -> ClientMsgId {
    // Concatenated rather than `format!`: no formatting machinery of its
    // own in the WebAssembly (issue 11).
    let time = (js_sys::Date::now() as u64).to_string();
    let random = ((js_sys::Math::random() * 1e12) as u64).to_string();
    ClientMsgId(["v", &time, "-", &random].concat())
}

/// The visitor can see the panel: it is open, the tab is visible and the
/// window has focus. Only then do messages count as read.
fn visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible && d.has_focus().unwrap_or(false))
}

/// One connection attempt's socket and its event handlers. Dropping it
/// detaches the handlers and closes the socket.
struct Socket {
    ws: WebSocket,
    _handlers: [Closure<dyn FnMut(JsValue)>; 3],
}

impl Socket {
    fn open(url: &str, attempt: u32, commands: &Weak<Shared>) -> Option<Socket> {
        let ws = WebSocket::new_with_str(url, SUBPROTOCOL).ok()?;
        let handler = |to_event: fn(JsValue) -> Option<SocketEvent>| {
            let commands = commands.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
                if let Some(event) = to_event(e) {
                    Commands::send_weak(&commands, Command::Socket(attempt, event));
                }
            })
        };
        let handlers = [
            handler(|_| Some(SocketEvent::Open)),
            handler(|e| {
                // Text frames only; the protocol has no binary ones.
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

struct Driver {
    machine: Machine,
    storage: Storage,
    dispatch: UseReducerDispatcher<ChatState>,
    open: bool,
    identity: Option<(Option<String>, Option<String>)>,
    /// The identity was sent on the current connection.
    identified: bool,
    url: String,
    /// Weak: the queue owns the driver.
    commands: Weak<Shared>,
    /// Numbers the connection attempts, so a replaced socket's late events
    /// are ignored.
    attempt: u32,
    /// `None` while waiting out the backoff before the next attempt.
    socket: Option<Socket>,
    timer: Closure<dyn FnMut()>,
    timeout: Option<i32>,
}

impl Driver {
    fn handle(&mut self, command: Command) {
        let t = now();
        let actions = match command {
            Command::Send(text) => {
                let mut actions = self.machine.typing(false, t);
                actions.extend(self.machine.submit(new_id(), OutgoingKind::Message { text }));
                actions
            }
            Command::Retry { id, text } => {
                self.dispatch.dispatch(Update::Forget { id });
                self.machine.submit(new_id(), OutgoingKind::Message { text })
            }
            Command::RequestHuman => self.machine.submit(new_id(), OutgoingKind::RequestHuman),
            Command::CancelRequest => self.machine.submit(new_id(), OutgoingKind::CancelRequest),
            Command::EndHuman => self.machine.submit(new_id(), OutgoingKind::EndHuman),
            Command::Submit(kind) => self.machine.submit(new_id(), kind),
            Command::NewChat => self.machine.start_new_conversation(),
            Command::Typing(typing) => self.machine.typing(typing, t),
            Command::SetOpen(open) => self.set_open(open),
            Command::Toggle => self.set_open(!self.open),
            Command::Identify { name, email } => {
                self.identity = Some((name, email));
                self.identified = false;
                self.identify()
            }
            Command::Wake if self.socket.is_none() => {
                // Cut the backoff short.
                self.connect();
                return;
            }
            Command::Wake => self.read_if_visible(t),
            Command::Offline => {
                if self.socket.is_some() {
                    self.closed();
                }
                return;
            }
            Command::Timer => {
                self.timeout = None;
                if self.socket.is_none() {
                    self.connect();
                    return;
                }
                self.dispatch.dispatch(Update::Clock(t));
                self.machine.tick(t)
            }
            Command::Socket(attempt, _) if attempt != self.attempt || self.socket.is_none() => return,
            Command::Socket(_, SocketEvent::Open) => self.machine.on_open(),
            Command::Socket(_, SocketEvent::Text(text)) => {
                match baton_protocol::lean::decode_server_to_visitor(&text) {
                    Some(frame) => {
                        let welcomed = matches!(frame, ServerToVisitor::Welcome(_));
                        let mut actions = self.machine.on_frame_at(frame, t);
                        if welcomed {
                            actions.extend(self.identify());
                        }
                        actions.extend(self.read_if_visible(t));
                        actions
                    }
                    None => {
                        web_sys::console::warn_1(&"Baton: an unreadable frame was dropped".into());
                        return;
                    }
                }
            }
            Command::Socket(_, SocketEvent::Closed) => {
                self.closed();
                return;
            }
        };
        self.perform(actions);
    }

    fn set_open(&mut self, open: bool) -> Vec<Action> {
        self.open = open;
        self.storage.save_flag("open", open);
        let mut actions = vec![Action::Ui(Update::SetOpen(open))];
        actions.extend(self.read_if_visible(now()));
        actions
    }

    fn read_if_visible(&mut self, t: Timestamp) -> Vec<Action> {
        if self.open && visible() {
            self.machine.mark_read(self.machine.cursor(), t)
        } else {
            vec![]
        }
    }

    fn identify(&mut self) -> Vec<Action> {
        match &self.identity {
            Some((name, email)) if self.machine.is_connected() && !self.identified => {
                self.identified = true;
                vec![Action::Send(VisitorToServer::Identify {
                    name: name.clone(),
                    email: email.clone(),
                })]
            }
            _ => vec![],
        }
    }

    /// Opens a socket now; while the browser knows it is offline, doesn't
    /// try (the `online` event brings a Wake).
    fn connect(&mut self) {
        self.attempt = self.attempt.wrapping_add(1);
        let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
        self.socket = if online {
            Socket::open(&self.url, self.attempt, &self.commands)
        } else {
            None
        };
        if self.socket.is_some() {
            self.machine.on_connecting(now());
            self.dispatch.dispatch(Update::Connection(ConnectionState::Connecting));
            self.arm(CLOCK_MS);
        } else {
            self.closed();
        }
    }

    /// The connection is over (or never started): wait out the backoff.
    fn closed(&mut self) {
        self.socket = None;
        self.identified = false;
        let actions = self.machine.on_closed(js_sys::Math::random());
        let delay = actions.iter().find_map(|a| match a {
            Action::ReconnectIn(d) => Some(d.0),
            _ => None,
        });
        self.perform(actions);
        self.arm(delay.unwrap_or(1_000));
    }

    /// (Re)sets the one timer.
    fn arm(&mut self, ms: u64) {
        let Some(window) = web_sys::window() else { return };
        if let Some(handle) = self.timeout.take() {
            window.clear_timeout_with_handle(handle);
        }
        self.timeout = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(self.timer.as_ref().unchecked_ref(), ms as i32)
            .ok();
    }

    /// Performs the machine's actions: frames go out on the socket, which is
    /// dropped on a failed send or when the machine says so.
    fn perform(&mut self, actions: Vec<Action>) {
        let mut disconnect = false;
        for action in actions {
            match action {
                Action::Send(frame) => {
                    let text = baton_protocol::lean::encode_visitor_to_server(&frame);
                    let sent = self.socket.as_ref().is_some_and(|s| s.ws.send_with_str(&text).is_ok());
                    disconnect |= !sent;
                }
                Action::Persist(stored) => self.storage.save(&stored),
                Action::Ui(update) => self.dispatch.dispatch(update),
                Action::Disconnect => disconnect = true,
                Action::ReconnectIn(_) => {}
            }
        }
        if self.socket.is_some() {
            if disconnect {
                self.closed();
            } else {
                let t = now();
                let wake = self
                    .machine
                    .next_wakeup()
                    .map_or(CLOCK_MS, |w| w.0.saturating_sub(t.0).min(CLOCK_MS));
                self.arm(wake);
            }
        }
    }
}
