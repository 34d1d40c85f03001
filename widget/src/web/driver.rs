//! The driver: owns the WebSocket, the timers and storage, and performs
//! what the [`Machine`] decides. It makes no decisions itself.

use super::Config;
use super::storage::Storage;
use crate::machine::{Action, Machine, OutgoingKind};
use crate::state::{ChatState, ConnectionState, Update};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::{BotId, ClientMsgId, SUBPROTOCOL, Timestamp};
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender};
use futures::{FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use gloo_timers::future::TimeoutFuture;
use yew::UseReducerDispatcher;

/// What the components and the host page's JS API ask of the driver.
#[derive(Debug)]
pub enum Command {
    Send(String),
    RequestHuman,
    CancelRequest,
    EndHuman,
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
}

/// How often the view's clock ticks at most (typing TTLs, countdowns).
const CLOCK_MS: u64 = 1_000;

pub fn start(config: &Config, dispatch: UseReducerDispatcher<ChatState>, rx: UnboundedReceiver<Command>) {
    let storage = Storage::open(&config.bot);
    let open = config.open || storage.load_flag("open");
    dispatch.dispatch(Update::SetOpen(open));
    let locale = web_sys::window().and_then(|w| w.navigator().language());
    let machine = Machine::new(BotId(config.bot.clone()), locale, storage.load());
    // Messages typed before a reload and never acknowledged show as pending.
    for item in machine.outbox() {
        if let OutgoingKind::Message { text } = &item.kind {
            dispatch.dispatch(Update::Pending {
                id: item.id.clone(),
                text: text.clone(),
            });
        }
    }
    let driver = Driver {
        machine,
        storage,
        dispatch,
        open,
        identity: None,
        identified: false,
    };
    wasm_bindgen_futures::spawn_local(run(config.socket_url(), driver, rx));
}

/// Reconnects at once when the network comes back or the tab is shown
/// again, instead of waiting out the backoff.
pub fn wake_on_return(tx: &UnboundedSender<Command>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else { return };
    let wake = {
        let tx = tx.clone();
        Closure::<dyn Fn()>::new(move || {
            let _ = tx.unbounded_send(Command::Wake);
        })
    };
    for event in ["online", "focus"] {
        let _ = window.add_event_listener_with_callback(event, wake.as_ref().unchecked_ref());
    }
    let offline = {
        let tx = tx.clone();
        Closure::<dyn Fn()>::new(move || {
            let _ = tx.unbounded_send(Command::Offline);
        })
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
    ClientMsgId(format!(
        "v{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e12) as u64
    ))
}

/// The visitor can see the panel: it is open, the tab is visible and the
/// window has focus. Only then do messages count as read.
fn visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.visibility_state() == web_sys::VisibilityState::Visible && d.has_focus().unwrap_or(false))
}

enum Flow {
    Reconnect,
    Stop,
}

struct Driver {
    machine: Machine,
    storage: Storage,
    dispatch: UseReducerDispatcher<ChatState>,
    open: bool,
    identity: Option<(Option<String>, Option<String>)>,
    /// The identity was sent on the current connection.
    identified: bool,
}

impl Driver {
    /// Runs a command; returns the actions it produced.
    fn command(&mut self, command: Command) -> Vec<Action> {
        let t = now();
        match command {
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
            Command::NewChat => self.machine.start_new_conversation(),
            Command::Typing(typing) => self.machine.typing(typing, t),
            Command::SetOpen(open) => self.set_open(open),
            Command::Toggle => self.set_open(!self.open),
            Command::Identify { name, email } => {
                self.identity = Some((name, email));
                self.identified = false;
                self.identify()
            }
            Command::Wake => self.read_if_visible(t),
            // Handled by the connection loop (it drops the socket).
            Command::Offline => vec![],
        }
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

    /// Performs the actions that need no socket; returns the frames to send
    /// and whether to drop the connection.
    fn perform(&mut self, actions: Vec<Action>) -> (Vec<String>, bool) {
        let mut frames = Vec::new();
        let mut disconnect = false;
        for action in actions {
            match action {
                Action::Send(frame) => frames.push(baton_protocol::lean::encode_visitor_to_server(&frame)),
                Action::Persist(stored) => self.storage.save(&stored),
                Action::Ui(update) => self.dispatch.dispatch(update),
                Action::Disconnect => disconnect = true,
                Action::ReconnectIn(_) => {}
            }
        }
        (frames, disconnect)
    }
}

async fn run(url: String, mut driver: Driver, mut commands: UnboundedReceiver<Command>) {
    loop {
        // While the browser knows it is offline, don't try: the `online`
        // event wakes the wait below.
        let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
        if !online {
            driver
                .dispatch
                .dispatch(Update::Connection(ConnectionState::Reconnecting));
        } else if let Ok(socket) = WebSocket::open_with_protocol(&url, SUBPROTOCOL) {
            if let Flow::Stop = connected(&mut driver, socket, &mut commands).await {
                return;
            }
        }
        driver.identified = false;
        let actions = driver.machine.on_closed(js_sys::Math::random());
        let delay = actions.iter().find_map(|a| {
            if let Action::ReconnectIn(d) = a {
                Some(d.0)
            } else {
                None
            }
        });
        driver.perform(actions);
        // Wait out the backoff, still taking the visitor's input (it queues
        // in the outbox) and cutting the wait short on Wake.
        let deadline = js_sys::Date::now() + delay.unwrap_or(1_000) as f64;
        loop {
            let left = deadline - js_sys::Date::now();
            if left <= 0.0 {
                break;
            }
            futures::select! {
                _ = TimeoutFuture::new(left as u32).fuse() => break,
                command = commands.next() => match command {
                    None => return,
                    Some(Command::Wake) => break,
                    Some(command) => {
                        let actions = driver.command(command);
                        driver.perform(actions);
                    }
                },
            }
        }
    }
}

async fn connected(driver: &mut Driver, socket: WebSocket, commands: &mut UnboundedReceiver<Command>) -> Flow {
    driver
        .dispatch
        .dispatch(Update::Connection(ConnectionState::Connecting));
    let (mut sink, stream) = socket.split();
    let mut stream = stream.fuse();
    let mut actions = driver.machine.on_open();
    loop {
        let (frames, disconnect) = driver.perform(std::mem::take(&mut actions));
        for frame in frames {
            if sink.send(Message::Text(frame)).await.is_err() {
                return Flow::Reconnect;
            }
        }
        if disconnect {
            return Flow::Reconnect;
        }
        let t = now();
        let wake = driver
            .machine
            .next_wakeup()
            .map_or(CLOCK_MS, |w| w.0.saturating_sub(t.0).min(CLOCK_MS));
        futures::select! {
            message = stream.next() => match message {
                Some(Ok(Message::Text(text))) => match baton_protocol::lean::decode_server_to_visitor(&text) {
                    Some(frame) => {
                        let t = now();
                        let welcomed = matches!(frame, ServerToVisitor::Welcome(_));
                        actions = driver.machine.on_frame_at(frame, t);
                        if welcomed {
                            actions.extend(driver.identify());
                        }
                        actions.extend(driver.read_if_visible(t));
                    }
                    None => web_sys::console::warn_1(&"Baton: an unreadable frame was dropped".into()),
                },
                Some(Ok(Message::Bytes(_))) => {}
                Some(Err(_)) | None => return Flow::Reconnect,
            },
            command = commands.next() => match command {
                Some(Command::Offline) => return Flow::Reconnect,
                Some(command) => actions = driver.command(command),
                None => return Flow::Stop,
            },
            _ = TimeoutFuture::new(wake as u32).fuse() => {
                let t = now();
                driver.dispatch.dispatch(Update::Clock(t));
                actions = driver.machine.tick(t);
            }
        }
    }
}
