//! A real server on a loopback port with a real SQLite file, and real
//! WebSocket clients. Nothing is mocked.
#![allow(dead_code)] // each test binary uses its own subset

pub mod postgres;
pub mod process;
pub mod stubs;

use baton_protocol::operator::{OperatorStatus, OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::{
    BotId, ClientMsgId, ConversationEvent, ConversationId, EventBody, OperatorId, PROTOCOL_VERSION, Seq, Timestamp,
    VisitorToken,
};
use baton_server::bot::RuleBot;
use baton_server::config::BotSettings;
use baton_server::hub::Hub;
use baton_server::store::{MemoryStore, OperatorRow, SqliteStore, Store};
use baton_server::{AppState, auth, serve};
use futures::{SinkExt, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const ORIGIN: &str = "http://shop.test";
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    /// The running app's state: tests reach the hub's store through it.
    pub state: AppState,
    pub dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

pub fn bot(window_ms: u64) -> BotSettings {
    bot_named("demo", window_ms)
}

/// A rule-answered bot allowed on [`ORIGIN`].
pub fn bot_named(id: &str, window_ms: u64) -> BotSettings {
    BotSettings {
        id: BotId(id.into()),
        name: if id == "demo" { "Demo shop".into() } else { id.into() },
        allowed_origins: vec![ORIGIN.into()],
        handover_enabled: true,
        button_label: "Talk to a human".into(),
        offline_message: "Nobody is here".into(),
        show_button: true,
        engine: None,
        operator_avatar_url: None,
        operator_colour: Some("#0b7a75".into()),
        response_window: baton_protocol::Millis(window_ms),
        owner_gone: baton_protocol::Millis::from_secs(180),
        mode: baton_protocol::BotMode::Assisted,
        after_lapse: Default::default(),
        rating: true,
    }
}

impl Server {
    pub async fn start() -> Server {
        let dir = std::env::temp_dir().join(format!("baton-test-{}", auth::new_id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Server::start_in(&dir, 60_000).await
    }

    /// Starts (or restarts) a server on the database in `dir`.
    pub async fn start_in(dir: &Path, window_ms: u64) -> Server {
        Server::start_with(dir, window_ms, |_| {}).await
    }

    /// Starts a server whose app state `tweak` adjusts first (knowledge
    /// bases, translation, the country header).
    pub async fn start_with(dir: &Path, window_ms: u64, tweak: impl FnOnce(&mut AppState)) -> Server {
        let store = SqliteStore::open(&dir.join("baton.sqlite3")).expect("open store");
        Server::start_on(store, dir, vec![bot(window_ms)], tweak).await
    }

    /// A server with these bots on a fresh SQLite file; the seeded
    /// operators serve all of them.
    pub async fn start_bots(bots: Vec<BotSettings>) -> Server {
        let dir = std::env::temp_dir().join(format!("baton-test-{}", auth::new_id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store = SqliteStore::open(&dir.join("baton.sqlite3")).expect("open store");
        Server::start_on(store, &dir, bots, |_| {}).await
    }

    /// The same server on the in-memory store.
    pub async fn start_memory() -> Server {
        let dir = std::env::temp_dir().join(format!("baton-test-{}", auth::new_id()));
        Server::start_on(MemoryStore::new(), &dir, vec![bot(60_000)], |_| {}).await
    }

    /// A server on the database in `dir` whose bot is `engine`.
    pub async fn start_with_engine(dir: &Path, engine: Arc<dyn baton_server::bot::Bot>) -> Server {
        let store = SqliteStore::open(&dir.join("baton.sqlite3")).expect("open store");
        Server::start_engine(store, dir, vec![bot(60_000)], engine, |_| {}).await
    }

    /// A server on `dir` whose bot is `engine`, with a `window_ms` response
    /// window and an app state `tweak` adjusts first.
    pub async fn start_with_engine_window(
        dir: &Path,
        engine: Arc<dyn baton_server::bot::Bot>,
        window_ms: u64,
        tweak: impl FnOnce(&mut AppState),
    ) -> Server {
        let store = SqliteStore::open(&dir.join("baton.sqlite3")).expect("open store");
        Server::start_engine(store, dir, vec![bot(window_ms)], engine, tweak).await
    }

    /// A server on a fresh SQLite file whose hub publishes on `bus`.
    pub async fn start_on_bus(bus: Arc<dyn baton_server::bus::Bus>) -> Server {
        let dir = std::env::temp_dir().join(format!("baton-test-{}", auth::new_id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store = SqliteStore::open(&dir.join("baton.sqlite3")).expect("open store");
        Server::start_full(store, &dir, vec![bot(60_000)], Arc::new(RuleBot), Some(bus), |_| {}).await
    }

    /// A server on `store` with these bots (several on one shared
    /// database play several processes), files in a fresh directory.
    pub async fn start_store(store: impl Store + 'static, bots: Vec<BotSettings>) -> Server {
        let dir = std::env::temp_dir().join(format!("baton-test-{}", auth::new_id()));
        Server::start_on(store, &dir, bots, |_| {}).await
    }

    /// [`Server::start_store`] whose hub hears other processes on `bus`
    /// (several on one database and one NATS cluster play a cluster).
    pub async fn start_store_on_bus(
        store: impl Store + 'static,
        bots: Vec<BotSettings>,
        bus: Arc<dyn baton_server::bus::Bus>,
    ) -> Server {
        let dir = std::env::temp_dir().join(format!("baton-test-{}", auth::new_id()));
        Server::start_full(store, &dir, bots, Arc::new(RuleBot), Some(bus), |_| {}).await
    }

    async fn start_on(
        store: impl Store + 'static,
        dir: &Path,
        bots: Vec<BotSettings>,
        tweak: impl FnOnce(&mut AppState),
    ) -> Server {
        Server::start_engine(store, dir, bots, Arc::new(RuleBot), tweak).await
    }

    async fn start_engine(
        store: impl Store + 'static,
        dir: &Path,
        bots: Vec<BotSettings>,
        engine: Arc<dyn baton_server::bot::Bot>,
        tweak: impl FnOnce(&mut AppState),
    ) -> Server {
        Server::start_full(store, dir, bots, engine, None, tweak).await
    }

    async fn start_full(
        store: impl Store + 'static,
        dir: &Path,
        bots: Vec<BotSettings>,
        engine: Arc<dyn baton_server::bot::Bot>,
        bus: Option<Arc<dyn baton_server::bus::Bus>>,
        tweak: impl FnOnce(&mut AppState),
    ) -> Server {
        for (id, name) in [("op-a", "Ana"), ("op-b", "Ben"), ("op-c", "Cleo")] {
            store
                .upsert_operator(&OperatorRow::new(
                    id,
                    &format!("{id}@test"),
                    name,
                    &auth::hash_password("pw"),
                    if id == "op-a" {
                        baton_protocol::operator::Role::Admin
                    } else {
                        baton_protocol::operator::Role::Agent
                    },
                    bots.iter().map(|b| b.id.clone()).collect(),
                ))
                .expect("seed operator");
        }
        let bots = bots.into_iter().map(|b| (b, Some(engine.clone()))).collect();
        let hub = match bus {
            Some(bus) => Hub::start_with_bus(store, bots, bus),
            None => Hub::start(store, bots),
        }
        .expect("start hub");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut state = AppState::new(hub, dir.join("web"), dir.join("site"));
        // Every test client comes from 127.0.0.1, many at once: the
        // per-address caps are lifted here, and per_address.rs sets its own.
        state.limits.per_ip = baton_server::conn::PerIp {
            connections: 100_000,
            new_conversations_per_minute: 100_000,
        };
        tweak(&mut state);
        let app_state = state.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("serve");
        });
        Server {
            addr,
            state: app_state,
            dir: dir.to_path_buf(),
            stop: Some(tx),
            task,
        }
    }

    /// Starts a graceful shutdown (every socket gets `going_away`, then a
    /// close) without waiting for it.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Stops accepting, closes sockets and waits for the server to finish.
    pub async fn stop(mut self) -> PathBuf {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
        let _ = (&mut self.task).await;
        self.dir.clone()
    }

    pub async fn connect_visitor(&self, origin: &str) -> Result<Ws, WsError> {
        visitor_socket(&self.addr.to_string(), origin).await
    }

    pub async fn visitor(&self) -> Ws {
        self.connect_visitor(ORIGIN).await.expect("visitor connects")
    }

    /// An operator socket, authenticated with a fresh bearer session.
    pub async fn operator(&self, id: &str) -> Ws {
        let token = self.session(id);
        operator_socket(&self.addr.to_string(), &token).await
    }

    /// Operator `id` on a socket, welcomed and Available.
    pub async fn available_operator(&self, id: &str) -> Ws {
        let mut ws = self.operator(id).await;
        welcomed_and_available(&mut ws, id).await;
        ws
    }

    /// A JSON request over HTTP as operator `op` (a fresh bearer session),
    /// sent from `origin` if given: the status and the JSON (or text) answer.
    pub async fn call(
        &self,
        op: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
        origin: Option<&str>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut request = reqwest::Client::new()
            .request(method, format!("http://{}{path}", self.addr))
            .bearer_auth(self.session(op));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }

    /// A fresh session for operator `id`: its bearer token.
    pub fn session(&self, id: &str) -> String {
        let token = auth::new_secret();
        self.state
            .hub
            .store()
            .insert_session(
                &auth::secret_hash(&token),
                &OperatorId(id.into()),
                Timestamp(u64::MAX / 2),
            )
            .expect("session");
        token
    }
}

/// `POST /api/login` with these credentials.
pub async fn login(server: &Server, email: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("http://{}/api/login", server.addr))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("HTTP")
}

/// A visitor socket to the server at `addr` (`host:port`), sent from `origin`.
pub async fn visitor_socket(addr: &str, origin: &str) -> Result<Ws, WsError> {
    visitor_socket_with(addr, origin, &[]).await
}

/// [`visitor_socket`] with more request headers (a proxy's, say).
pub async fn visitor_socket_with(addr: &str, origin: &str, headers: &[(&'static str, &str)]) -> Result<Ws, WsError> {
    visitor_socket_of("demo", addr, origin, headers).await
}

/// A visitor socket to one bot's widget endpoint.
pub async fn visitor_socket_of(
    bot: &str,
    addr: &str,
    origin: &str,
    headers: &[(&'static str, &str)],
) -> Result<Ws, WsError> {
    Ok(
        tokio_tungstenite::connect_async(visitor_request(bot, addr, origin, headers)?)
            .await?
            .0,
    )
}

/// The upgrade request a widget of `bot` on `origin` sends to `addr`.
pub fn visitor_request(
    bot: &str,
    addr: &str,
    origin: &str,
    headers: &[(&'static str, &str)],
) -> Result<tokio_tungstenite::tungstenite::handshake::client::Request, WsError> {
    let mut request = format!("ws://{addr}/ws/visitor?bot={bot}").into_client_request()?;
    request.headers_mut().insert("origin", origin.parse().expect("header"));
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "baton.v1".parse().expect("header"));
    for (name, value) in headers {
        request.headers_mut().insert(*name, value.parse().expect("header"));
    }
    Ok(request)
}

/// An operator socket to the server at `addr`, signed in with the bearer
/// session `token`, that has said hello.
pub async fn operator_socket(addr: &str, token: &str) -> Ws {
    let mut ws = operator_socket_raw(addr, token).await;
    operator_hello(&mut ws).await;
    ws
}

/// The operator's `hello`, with every feature.
pub async fn operator_hello(ws: &mut Ws) {
    send(
        ws,
        &OperatorToServer::Hello {
            protocol: PROTOCOL_VERSION,
            features: all_features(),
        },
    )
    .await;
}

/// Every optional feature, as the inbox and the widget offer them.
pub fn all_features() -> Vec<String> {
    baton_protocol::FEATURES.iter().map(|f| (*f).to_owned()).collect()
}

/// An operator socket, not yet greeted: the test says its own hello.
pub async fn operator_socket_raw(addr: &str, token: &str) -> Ws {
    tokio_tungstenite::connect_async(operator_request(addr, token))
        .await
        .expect("operator connects")
        .0
}

/// The upgrade request of an operator socket signed in with `token`.
pub fn operator_request(addr: &str, token: &str) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut request = format!("ws://{addr}/ws/operator")
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().expect("header"));
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "baton.v1".parse().expect("header"));
    request
}

/// The operator makes themselves Available.
pub async fn available(op: &mut Ws) {
    send(
        op,
        &OperatorToServer::SetStatus {
            status: OperatorStatus::Available,
        },
    )
    .await;
}

pub fn hello() -> VisitorToServer {
    hello_to("demo")
}

/// A visitor's hello to `demo`, resuming `resume` if given.
pub fn hello_resuming(resume: Option<baton_protocol::visitor::Resume>) -> VisitorToServer {
    VisitorToServer::Hello(VisitorHello {
        resume,
        ..match hello() {
            VisitorToServer::Hello(hello) => hello,
            _ => unreachable!(),
        }
    })
}

/// A new visitor's hello to `bot`.
pub fn hello_to(bot: &str) -> VisitorToServer {
    VisitorToServer::Hello(VisitorHello {
        protocol: PROTOCOL_VERSION,
        features: all_features(),
        bot: BotId(bot.into()),
        resume: None,
        locale: None,
        page: None,
    })
}

/// A returning visitor's hello to the demo bot, resuming `conversation`
/// after `last_seq`.
pub fn resume(conversation: &ConversationId, token: &VisitorToken, last_seq: Seq) -> VisitorToServer {
    let VisitorToServer::Hello(mut hello) = hello() else {
        unreachable!("hello() is a hello")
    };
    hello.resume = Some(Resume {
        conversation: conversation.clone(),
        token: token.clone(),
        last_seq,
    });
    VisitorToServer::Hello(hello)
}

/// Resumes `conversation` from the start on `ws` and checks the welcome's
/// replay holds the visitor's message `text` at `seq`.
pub async fn resume_finds(ws: &mut Ws, conversation: &ConversationId, token: &VisitorToken, seq: Seq, text: &str) {
    send(ws, &resume(conversation, token, Seq(0))).await;
    let ServerToVisitor::Welcome(welcome) = recv(ws).await else {
        panic!("a welcome for the resumed conversation")
    };
    assert_eq!(&welcome.conversation, conversation, "the same conversation");
    let found = welcome
        .replay
        .iter()
        .any(|e| e.seq == seq && e.body.message_text() == Some(text));
    assert!(found, "{text:?} at {seq:?} in the replay: {:?}", welcome.replay);
}

/// The visitor asks for a person under `id`; the request's event (panics
/// on a refusal).
pub async fn request_human(ws: &mut Ws, id: &str) -> ConversationEvent {
    send(
        ws,
        &VisitorToServer::RequestHuman {
            client_msg_id: ClientMsgId(id.into()),
        },
    )
    .await;
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if matches!(e.body, EventBody::HelpRequested { .. }) => Some(e.clone()),
        ServerToVisitor::Error(e) if e.client_msg_id.as_ref().is_some_and(|c| c.0 == id) => {
            panic!("the request was refused: {e:?}")
        }
        _ => None,
    })
    .await
}

/// Sends the visitor's message `text` under `id` and returns the seq its
/// ack names; panics on a refusal.
pub async fn send_acked(ws: &mut Ws, id: &str, text: &str) -> Seq {
    send(
        ws,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId(id.into()),
            text: text.into(),
        },
    )
    .await;
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        ServerToVisitor::Error(e) => panic!("refused: {e:?}"),
        _ => None,
    })
    .await
}

pub async fn send<T: Serialize>(ws: &mut Ws, frame: &T) {
    ws.send(Message::text(serde_json::to_string(frame).expect("json")))
        .await
        .expect("send");
}

pub async fn send_raw(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).await.expect("send");
}

/// The next frame, or a panic after 5 s: tests never hang.
pub async fn recv<T: DeserializeOwned>(ws: &mut Ws) -> T {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("socket open")
            .expect("no socket error");
        if let Message::Text(text) = msg {
            return serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad frame {text}: {e}"));
        }
    }
}

/// Frames until `pick` returns something; panics after 5 s.
pub async fn recv_until<T: DeserializeOwned + std::fmt::Debug, R>(
    ws: &mut Ws,
    mut pick: impl FnMut(&T) -> Option<R>,
) -> R {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let frame: T = tokio::time::timeout_at(deadline, recv(ws))
            .await
            .expect("expected frame within 5 s");
        if let Some(found) = pick(&frame) {
            return found;
        }
    }
}

pub async fn visitor_frame(ws: &mut Ws) -> ServerToVisitor {
    recv(ws).await
}

pub async fn operator_frame(ws: &mut Ws) -> ServerToOperator {
    recv(ws).await
}

/// Waits for operator `id`'s welcome, sets them Available and waits until
/// the roster says so.
pub async fn welcomed_and_available(ws: &mut Ws, id: &str) {
    recv_until(ws, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Welcome(_)).then_some(())
    })
    .await;
    send(
        ws,
        &OperatorToServer::SetStatus {
            status: OperatorStatus::Available,
        },
    )
    .await;
    recv_until(ws, |f: &ServerToOperator| match f {
        ServerToOperator::Roster(r) => r
            .operators
            .iter()
            .any(|o| o.profile.id.as_str() == id && o.status == OperatorStatus::Available)
            .then_some(()),
        _ => None,
    })
    .await;
}

/// Every frame `ws` receives within `span` (none may be due: a quiet
/// socket gives an empty list).
pub async fn frames_for<T: DeserializeOwned>(ws: &mut Ws, span: Duration) -> Vec<T> {
    let until = tokio::time::Instant::now() + span;
    let mut frames = Vec::new();
    while let Ok(frame) = tokio::time::timeout_at(until, recv::<T>(ws)).await {
        frames.push(frame);
    }
    frames
}

/// Polls `done` every 50 ms until it holds; fails after 30 s.
pub async fn wait_until<F: std::future::Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("waited 30 s for {what}");
}
