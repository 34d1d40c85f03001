//! The protocol's scenario scripts (`protocol/vectors/scenarios`, format in
//! `protocol/vectors/README.md`) replayed over real WebSockets against the
//! running server, so the server and the pure core cannot drift apart.
//!
//! How a script maps onto sockets:
//! - one visitor socket; one operator socket per operator the script names
//!   (accounts seeded with the script's profiles, serving the one bot), and
//!   a standby operator, so that someone can be Available;
//! - facts: `human_available` is the operators' status (`available`, else
//!   `away`, which keeps an owner from being judged gone, §7.12); a
//!   transfer's `to_available` is the recipient's; `handover_enabled` and
//!   `mode` are the bot's settings, and so are `after_lapse` and `rating`
//!   (changed through the hub before a step whose facts change them);
//! - `reply_by_email` is the operator's frame (the server is told it has an
//!   email sender; none runs, so nothing is sent); `leave_message`, `rate`,
//!   `transcript` and the `keep_waiting` intent are the visitor's frames;
//! - `owner_gone` (reason `offline`) is that operator setting `offline`: the
//!   server judges the owner gone itself (§7.12);
//! - the bot is scripted: each turn the server asks for waits until a
//!   `bot_reply` step answers it (oldest first), so `ask_bot` is whether a
//!   turn was asked for. A `bot_reply` with no turn pending (the server never
//!   asked) must expect nothing, and is checked as that;
//! - time: the server's clock is real. Its response window is
//!   [`WINDOW_MS`]; a deadline matches when it is the step's time plus the
//!   script's window there and the event's `at` plus [`WINDOW_MS`] here. A
//!   `timeout` at or after the script's deadline waits for the real one; an
//!   earlier one (a stale timer) expects nothing;
//! - `events` are read from the visitor's socket; `reply` is the `ack` or
//!   `error` on the sender's socket; marks are the `receipts` frames;
//!   `state` is read from a resumed visitor's `welcome`. `deadline` is not
//!   separately visible on the wire: the events' deadlines show it.
//!
//! Frame rate limits are lifted: the replay pings after every step.

mod common;

use baton_protocol::operator::{OperatorStatus, OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use baton_server::bot::{Bot, BotReply, BotTurn};
use baton_server::config::BotSettings;
use baton_server::hub::Hub;
use baton_server::store::{OperatorRow, SqliteStore, Store};
use baton_server::{AppState, auth, serve};
use common::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The server's response window during a replay: the steps between a
/// request and the lapse the script expects must finish within it.
const WINDOW_MS: u64 = 3_000;

/// Scripts that cannot be replayed honestly over sockets, and why. (None
/// today: every input has a mapping; keep a reason here if one ever has not.)
const SKIPPED: &[(&str, &str)] = &[];

#[tokio::test]
async fn every_scenario_replays_over_real_sockets() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/vectors/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the scenarios are where they should be");
    let mut replayed = 0;
    for file in &files {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if let Some((_, why)) = SKIPPED.iter().find(|(skip, _)| *skip == name) {
            eprintln!("skipped {name}: {why}");
            continue;
        }
        let script: Value = serde_json::from_str(&std::fs::read_to_string(file).expect("read")).expect("json");
        Replay::run(name, &expand(script)).await;
        replayed += 1;
    }
    eprintln!("{replayed} scenarios replayed over sockets, {} skipped", SKIPPED.len());
}

/// `{"$repeat": s, "times": n}` stands for `s` repeated `n` times.
fn expand(value: Value) -> Value {
    match value {
        Value::Object(map) if map.contains_key("$repeat") => {
            let s = map["$repeat"].as_str().expect("$repeat string");
            Value::String(s.repeat(map["times"].as_u64().expect("times") as usize))
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, expand(v))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(expand).collect()),
        other => other,
    }
}

/// Every operator profile the script mentions, by id.
fn profiles(value: &Value, into: &mut BTreeMap<String, Value>) {
    match value {
        Value::Object(map) => {
            let is_profile = map
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.starts_with("op_"))
                && map.contains_key("name");
            if is_profile {
                let id = map["id"].as_str().expect("id").to_owned();
                let known = into.entry(id).or_insert_with(|| value.clone());
                if known.get("colour").is_none() && map.contains_key("colour") {
                    *known = value.clone();
                }
            }
            map.values().for_each(|v| profiles(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| profiles(v, into)),
        _ => {}
    }
    // Ids named without a profile (`leave`, `from`, `operator_message`).
    if let Value::Object(map) = value {
        for key in ["operator", "from", "replacing"] {
            if let Some(id) = map.get(key).and_then(Value::as_str) {
                into.entry(id.to_owned())
                    .or_insert_with(|| json!({"id": id, "name": id.trim_start_matches("op_")}));
            }
        }
    }
}

/// A bot whose every turn waits for the test to answer it.
#[derive(Debug)]
struct ScriptedBot(mpsc::UnboundedSender<oneshot::Sender<BotReply>>);

impl Bot for ScriptedBot {
    fn reply(&self, _turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>> {
        let (tx, rx) = oneshot::channel();
        let _ = self.0.send(tx);
        Box::pin(async move {
            match rx.await {
                Ok(reply) => reply,
                // Never answered: never stored.
                Err(_) => std::future::pending().await,
            }
        })
    }
}

struct Replay {
    name: String,
    addr: String,
    stop: Option<oneshot::Sender<()>>,
    visitor: Ws,
    conversation: ConversationId,
    token: VisitorToken,
    ops: BTreeMap<String, Ws>,
    status: HashMap<String, OperatorStatus>,
    turns: mpsc::UnboundedReceiver<oneshot::Sender<BotReply>>,
    pending: VecDeque<oneshot::Sender<BotReply>>,
    /// Visitor frames read past while looking for an answer.
    backlog: VecDeque<ServerToVisitor>,
    /// The script's window (ms).
    window: u64,
    /// Script deadline → the server's, as matched so far.
    deadlines: HashMap<u64, u64>,
    last_seq: u64,
    hub: Arc<Hub>,
    /// The bot's settings as last applied for a step's facts.
    applied: Value,
}

impl Replay {
    async fn run(name: &str, script: &Value) {
        let mut replay = Replay::start(name, script).await;
        for (i, step) in script["steps"].as_array().expect("steps").iter().enumerate() {
            let facts = |key: &str| step["facts"].get(key).or_else(|| script["facts"].get(key)).cloned();
            let here = format!("{name}: step {i} ({})", step["note"].as_str().unwrap_or(""));
            let settings = json!({
                "handover_enabled": facts("handover_enabled").unwrap_or(json!(true)),
                "after_lapse": facts("after_lapse").unwrap_or(json!({"keep_waiting": true, "leave_message": true, "back_to_bot": true})),
                "rating": facts("rating").unwrap_or(json!(true)),
            });
            replay.apply_settings(settings);
            replay
                .step(
                    &here,
                    step,
                    facts("human_available").and_then(|v| v.as_bool()).unwrap_or(true),
                )
                .await;
        }
        if let Some(stop) = replay.stop.take() {
            let _ = stop.send(());
        }
    }

    async fn start(name: &str, script: &Value) -> Replay {
        let dir = std::env::temp_dir().join(format!("baton-scenario-{}", auth::new_id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let store = SqliteStore::open(&dir.join("baton.sqlite3")).expect("store");
        let mut known = BTreeMap::new();
        profiles(&script["steps"], &mut known);
        // Someone to be Available when the script names no operator.
        known.insert("op_standby".into(), json!({"id": "op_standby", "name": "Standby"}));
        for (id, profile) in &known {
            store
                .upsert_operator(&OperatorRow {
                    id: OperatorId(id.clone()),
                    email: format!("{id}@test"),
                    name: profile["name"].as_str().expect("name").to_owned(),
                    password_hash: auth::hash_password("pw"),
                    role: baton_protocol::operator::Role::Agent,
                    status: Default::default(),
                    active: true,
                    colour: profile["colour"].as_str().map(str::to_owned),
                    avatar_url: profile["avatar_url"].as_str().map(str::to_owned),
                    bots: vec![BotId("demo".into())],
                })
                .expect("seed operator");
        }
        let facts = &script["facts"];
        let mut settings: BotSettings = bot(WINDOW_MS);
        settings.operator_colour = None; // profiles exactly as the script has them
        settings.handover_enabled = facts["handover_enabled"].as_bool().unwrap_or(true);
        if facts["mode"] == "human_only" {
            settings.mode = BotMode::HumanOnly;
        }
        let (tx, turns) = mpsc::unbounded_channel();
        let engine: Arc<dyn Bot> = Arc::new(ScriptedBot(tx));
        let hub = Hub::start(store, vec![(settings, Some(engine))]).expect("hub");
        hub.set_email_ready(true);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr").to_string();
        let mut state = AppState::new(hub.clone(), dir.join("web"), dir.join("site"));
        let lifted = baton_server::socket::Bucket {
            burst: 10_000,
            per_sec: 10_000,
        };
        state.limits.visitor = lifted;
        state.limits.operator = lifted;
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = serve(listener, state, async {
                let _ = stopped.await;
            })
            .await;
        });
        let mut visitor = visitor_socket(&addr, ORIGIN).await.expect("visitor");
        send(&mut visitor, &hello_with(None)).await;
        let ServerToVisitor::Welcome(welcome) = visitor_frame(&mut visitor).await else {
            panic!("{name}: welcome")
        };
        let mut ops = BTreeMap::new();
        for id in known.keys() {
            let token = session(&hub, id);
            let mut ws = operator_socket(&addr, &token).await;
            recv_until(&mut ws, |f: &ServerToOperator| {
                matches!(f, ServerToOperator::Welcome(_)).then_some(())
            })
            .await;
            ops.insert(id.clone(), ws);
        }
        Replay {
            name: name.to_owned(),
            addr,
            stop: Some(stop),
            visitor,
            conversation: welcome.conversation,
            token: welcome.token.expect("a new conversation's token"),
            ops,
            status: HashMap::new(),
            turns,
            pending: VecDeque::new(),
            backlog: VecDeque::new(),
            window: facts["response_window"].as_u64().unwrap_or(180_000),
            deadlines: HashMap::new(),
            last_seq: 0,
            applied: Value::Null,
            hub,
        }
    }

    /// The bot's per-step settings (handover, lapse choices, rating), as
    /// an admin would change them.
    fn apply_settings(&mut self, settings: Value) {
        if self.applied == settings {
            return;
        }
        let bot = BotId("demo".into());
        let mut row = self.hub.bot_settings(&bot).expect("the demo bot").editable();
        row.handover_enabled = settings["handover_enabled"].as_bool().expect("bool");
        row.after_lapse = serde_json::from_value(settings["after_lapse"].clone()).expect("after_lapse");
        row.rating = settings["rating"].as_bool().expect("bool");
        self.hub.update_bot_settings(&bot, row).expect("settings");
        self.applied = settings;
    }

    /// Sets each operator's status as the step's facts say.
    async fn set_statuses(&mut self, human_available: bool, transfer_to: Option<(&str, bool)>) {
        let ids: Vec<String> = self.ops.keys().cloned().collect();
        for id in ids {
            let available = match transfer_to {
                Some((to, to_available)) if to == id => to_available,
                _ => human_available,
            };
            let want = if available {
                OperatorStatus::Available
            } else {
                OperatorStatus::Away
            };
            if self.status.get(&id) != Some(&want) {
                self.set_status(&id, want).await;
            }
        }
    }

    /// Operator `id` sets their status; returns once the roster shows it.
    async fn set_status(&mut self, id: &str, want: OperatorStatus) {
        let ws = self.ops.get_mut(id).expect("socket");
        send(ws, &OperatorToServer::SetStatus { status: want }).await;
        recv_until(ws, |f: &ServerToOperator| match f {
            ServerToOperator::Roster(r) => r
                .operators
                .iter()
                .any(|o| o.profile.id.as_str() == id && o.status == want)
                .then_some(()),
            _ => None,
        })
        .await;
        self.status.insert(id.to_owned(), want);
    }

    async fn step(&mut self, here: &str, step: &Value, human_available: bool) {
        let (input, expect, at) = (&step["input"], &step["expect"], step["at"].as_u64().expect("at"));
        let transfer = &input["operator_intent"]["intent"]["transfer"];
        let transfer_to = transfer["to"]["id"]
            .as_str()
            .map(|to| (to, transfer["to_available"].as_bool().unwrap_or(false)));
        self.set_statuses(human_available, transfer_to).await;
        self.drain_turns();
        let turns_before = self.pending.len();
        let expected_events = expect["events"].as_array().cloned().unwrap_or_default();
        let (sender, client_msg_id) = self.send_input(here, input, expect, at).await;

        // The answer owed to the sender.
        let reply = match (&sender, &client_msg_id) {
            (Some(who), Some(id)) => self.reply_on(who, id).await,
            _ => Value::Null,
        };
        // What the visitor was sent: the events, and the team's marks.
        let mut events = Vec::new();
        let mut team_marks = Value::Null;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while events.len() < expected_events.len() {
            let frame = tokio::time::timeout_at(deadline, self.next_visitor())
                .await
                .unwrap_or_else(|_| panic!("{here}: expected {} events, got {events:?}", expected_events.len()));
            match frame {
                ServerToVisitor::Event(e) => events.push(e),
                ServerToVisitor::Receipts { team } => team_marks = json!(team),
                _ => {}
            }
        }
        if sender.is_none() {
            // Nothing answers it: give the server a moment to act (or not).
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
        send(&mut self.visitor, &VisitorToServer::Ping).await;
        loop {
            match self.next_visitor().await {
                ServerToVisitor::Pong => break,
                ServerToVisitor::Event(e) => panic!("{here}: an event the script does not expect: {e:?}"),
                ServerToVisitor::Receipts { team } => team_marks = json!(team),
                _ => {}
            }
        }
        // What the operators were sent: the visitor's marks.
        let mut visitor_marks = Value::Null;
        let ids: Vec<String> = self.ops.keys().cloned().collect();
        for id in ids {
            let ws = self.ops.get_mut(&id).expect("socket");
            send(ws, &OperatorToServer::Ping).await;
            loop {
                match operator_frame(ws).await {
                    ServerToOperator::Pong => break,
                    ServerToOperator::Receipts { visitor, .. } if input.get("team_receipt").is_none() => {
                        visitor_marks = json!(visitor)
                    }
                    _ => {}
                }
            }
        }
        // Whether the bot was asked.
        if !expect["ask_bot"].as_bool().unwrap_or(false) {
            tokio::time::sleep(Duration::from_millis(30)).await;
        } else if self.pending.len() == turns_before {
            if let Ok(Some(turn)) = tokio::time::timeout(Duration::from_secs(5), self.turns.recv()).await {
                self.pending.push_back(turn);
            }
        }
        self.drain_turns();
        let asked = self.pending.len() > turns_before;
        assert_eq!(asked, expect["ask_bot"].as_bool().unwrap_or(false), "{here}: ask_bot");

        // Compare, with the server's deadlines matched to the script's.
        assert_eq!(events.len(), expected_events.len(), "{here}: events {events:?}");
        for (event, want) in events.iter().zip(&expected_events) {
            let mut got = json!({"seq": event.seq, "body": event.body});
            self.match_deadline(here, &mut got["body"], want["body"].get("deadline"), at, event.at.0);
            assert_eq!(got, *want, "{here}: event");
            self.last_seq = event.seq.0;
        }
        let want_reply = expect.get("reply").cloned().unwrap_or(Value::Null);
        assert_eq!(self.to_script(reply), want_reply, "{here}: reply");
        if input.get("team_receipt").is_none() {
            assert_eq!(
                visitor_marks, expect["visitor_marks"],
                "{here}: visitor marks published"
            );
        }
        assert_eq!(team_marks, expect["team_marks"], "{here}: team marks published");
        if let Some(state) = expect.get("state") {
            let got = self.state_now().await;
            assert_eq!(self.to_script(got), *state, "{here}: state");
        }
    }
}

include!("scenarios/support.rs");
