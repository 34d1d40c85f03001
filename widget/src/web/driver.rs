//! The driver: owns the WebSocket, the reconnect timer and storage, and
//! performs what the [`Machine`] decides. It makes no decisions itself.

use super::Config;
use super::storage::Storage;
use crate::machine::{Action, Machine, OutgoingKind};
use crate::state::{ChatState, ConnectionState, Update};
use baton_protocol::visitor::ServerToVisitor;
use baton_protocol::{BotId, ClientMsgId, SUBPROTOCOL};
use futures::channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures::future::{Either, select};
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::Message;
use gloo_net::websocket::futures::WebSocket;
use gloo_timers::future::TimeoutFuture;
use yew::UseReducerDispatcher;

/// What the components ask of the driver.
#[derive(Debug)]
pub enum Command {
    Send(String),
    RequestHuman,
    NewChat,
    SetOpen(bool),
    /// The browser came back online or the tab became visible: stop
    /// waiting out the backoff and reconnect now.
    Wake,
}

pub fn spawn(config: &Config, dispatch: UseReducerDispatcher<ChatState>) -> UnboundedSender<Command> {
    let (tx, rx) = unbounded();
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
    wasm_bindgen_futures::spawn_local(run(config.socket_url(), machine, storage, dispatch, rx));
    wake_on_return(&tx);
    tx
}

/// Reconnects at once when the network comes back or the tab is shown
/// again, instead of waiting out the backoff.
fn wake_on_return(tx: &UnboundedSender<Command>) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else { return };
    let wake = {
        let tx = tx.clone();
        Closure::<dyn Fn()>::new(move || {
            let visible = web_sys::window()
                .and_then(|w| w.document())
                .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible);
            if visible {
                let _ = tx.unbounded_send(Command::Wake);
            }
        })
    };
    let _ = window.add_event_listener_with_callback("online", wake.as_ref().unchecked_ref());
    if let Some(document) = window.document() {
        let _ = document.add_event_listener_with_callback("visibilitychange", wake.as_ref().unchecked_ref());
    }
    // The widget lives as long as the page.
    wake.forget();
}

fn new_id() -> ClientMsgId {
    ClientMsgId(format!(
        "v{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e12) as u64
    ))
}

enum Flow {
    Continue,
    Reconnect,
    Stop,
}

struct Driver {
    machine: Machine,
    storage: Storage,
    dispatch: UseReducerDispatcher<ChatState>,
}

impl Driver {
    /// Runs a command; returns the actions it produced.
    fn command(&mut self, command: Command) -> Vec<Action> {
        match command {
            Command::Send(text) => self.machine.submit(new_id(), OutgoingKind::Message { text }),
            Command::RequestHuman => self.machine.submit(new_id(), OutgoingKind::RequestHuman),
            Command::NewChat => self.machine.start_new_conversation(),
            Command::SetOpen(open) => {
                self.storage.save_flag("open", open);
                vec![Action::Ui(Update::SetOpen(open))]
            }
            Command::Wake => vec![],
        }
    }

    /// Performs the actions that need no socket; returns the frames to send
    /// and whether to drop the connection.
    fn perform(&mut self, actions: Vec<Action>) -> (Vec<String>, bool) {
        let mut frames = Vec::new();
        let mut disconnect = false;
        for action in actions {
            match action {
                Action::Send(frame) => frames.push(serde_json::to_string(&frame).unwrap_or_default()),
                Action::Persist(stored) => self.storage.save(&stored),
                Action::Ui(update) => self.dispatch.dispatch(update),
                Action::Disconnect => disconnect = true,
                Action::ReconnectIn(_) => {}
            }
        }
        (frames, disconnect)
    }
}

async fn run(
    url: String,
    machine: Machine,
    storage: Storage,
    dispatch: UseReducerDispatcher<ChatState>,
    mut commands: UnboundedReceiver<Command>,
) {
    let mut driver = Driver {
        machine,
        storage,
        dispatch,
    };
    loop {
        if let Ok(socket) = WebSocket::open_with_protocol(&url, SUBPROTOCOL) {
            if let Flow::Stop = connected(&mut driver, socket, &mut commands).await {
                return;
            }
        }
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
            match select(TimeoutFuture::new(left as u32), commands.next()).await {
                Either::Left(_) => break,
                Either::Right((None, _)) => return,
                Either::Right((Some(Command::Wake), _)) => break,
                Either::Right((Some(command), _)) => {
                    let actions = driver.command(command);
                    driver.perform(actions);
                }
            }
        }
    }
}

async fn connected(driver: &mut Driver, socket: WebSocket, commands: &mut UnboundedReceiver<Command>) -> Flow {
    driver
        .dispatch
        .dispatch(Update::Connection(ConnectionState::Connecting));
    let (mut sink, mut stream) = socket.split();
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
        let flow = match select(stream.next(), commands.next()).await {
            Either::Left((Some(Ok(Message::Text(text))), _)) => {
                match serde_json::from_str::<ServerToVisitor>(&text) {
                    Ok(frame) => actions = driver.machine.on_frame(frame),
                    Err(err) => web_sys::console::warn_1(&format!("Baton: unreadable frame: {err}").into()),
                }
                Flow::Continue
            }
            Either::Left((Some(Ok(Message::Bytes(_))), _)) => Flow::Continue,
            Either::Left((Some(Err(_)) | None, _)) => Flow::Reconnect,
            Either::Right((Some(command), _)) => {
                actions = driver.command(command);
                Flow::Continue
            }
            Either::Right((None, _)) => Flow::Stop,
        };
        match flow {
            Flow::Continue => {}
            other => return other,
        }
    }
}
