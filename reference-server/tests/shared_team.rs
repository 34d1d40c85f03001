//! The team across two real `baton-server` processes on one PostgreSQL
//! database and one NATS server (issue 13): an operator whose inbox is on
//! process B is seen on process A — by A's visitors ("Talk to a human") and
//! in A's roster — their status changes on B reach A, and when B is killed
//! (SIGKILL) A shows them disconnected within the expiry, their status
//! unchanged (PROTOCOL.md §7.11: losing the connection changes nothing).
//! And a visitor's presence: their socket on A, the operator on B.
//!
//! Skipped without `BATON_TEST_POSTGRES` and `BATON_TEST_NATS`, unless
//! `BATON_REQUIRE_POSTGRES=1` / `BATON_REQUIRE_NATS=1`.

mod common;

use baton_protocol::operator::{OperatorStatus, OperatorToServer, Role, RosterEntry, ServerToOperator};
use baton_protocol::presence::{RECONNECT_GRACE, VisitorPresence};
use baton_protocol::visitor::{Availability, ServerToVisitor, VisitorToServer};
use baton_protocol::{BotId, ClientMsgId, Timestamp};
use baton_server::auth;
use baton_server::hub::{BEAT, MISSED_BEATS};
use baton_server::store::{OperatorRow, PgStore, Store, TeamStore};
use common::postgres::{Database, nats_url, postgres_url, start_on};
use common::process::{Baton, free_port};
use common::{Ws, recv, send};
use futures::StreamExt;
use serde::de::DeserializeOwned;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// An operator of bot `demo` with a live session; its token.
fn operator(store: &PgStore, id: &str, role: Role) -> String {
    let row = OperatorRow::new(
        id,
        &format!("{id}@shop.test"),
        id,
        "unused",
        role,
        vec![BotId("demo".into())],
    );
    store.add_operator(&row).expect("operator");
    let token = auth::new_secret();
    store
        .insert_session(&auth::secret_hash(&token), &row.id, Timestamp(u64::MAX / 2))
        .expect("session");
    token
}

/// Frames until `pick` returns something, for at most `within`.
async fn until<T: DeserializeOwned + std::fmt::Debug, R>(
    ws: &mut Ws,
    within: Duration,
    what: &str,
    mut pick: impl FnMut(&T) -> Option<R>,
) -> R {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let message = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("{what} within {within:?}"))
            .expect("socket open")
            .expect("no socket error");
        let Message::Text(text) = message else { continue };
        let frame: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad frame {text}: {e}"));
        if let Some(found) = pick(&frame) {
            return found;
        }
    }
}

/// The roster's entry for `who` once `check` holds for it.
async fn roster_until(
    ws: &mut Ws,
    who: &str,
    within: Duration,
    what: &str,
    check: impl Fn(&RosterEntry) -> bool,
) -> RosterEntry {
    until(ws, within, what, |f: &ServerToOperator| match f {
        ServerToOperator::Roster(r) => r
            .operators
            .iter()
            .find(|e| e.profile.id.as_str() == who && check(e))
            .cloned(),
        _ => None,
    })
    .await
}

async fn set_status(ws: &mut Ws, status: OperatorStatus) {
    send(ws, &OperatorToServer::SetStatus { status }).await;
}

/// A new visitor on `process`: whether its welcome offers a human.
async fn human_offered(process: &Baton) -> (Ws, bool) {
    let mut visitor = process.visitor().await;
    send(&mut visitor, &common::hello()).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    (visitor, welcome.snapshot.availability.human_available)
}

async fn availability(visitor: &mut Ws, within: Duration, what: &str) -> Availability {
    until(visitor, within, what, |f: &ServerToVisitor| match f {
        ServerToVisitor::Availability(a) => Some(a.clone()),
        _ => None,
    })
    .await
}

/// An admin's change of bot `demo`'s button label, through `process`'s API.
async fn relabel(process: &Baton, token: &str, label: &str) {
    let response = reqwest::Client::new()
        .put(format!("http://{}/api/bots/demo/settings", process.addr()))
        .bearer_auth(token)
        .json(&serde_json::json!({ "button_label": label }))
        .send()
        .await
        .expect("request");
    assert!(response.status().is_success(), "{}", response.status());
}

/// A fresh database and a NATS cluster name of its own: where the test's
/// processes meet.
struct Cluster {
    db: Database,
    store: PgStore,
    nats: String,
    name: String,
}

impl Cluster {
    /// `None` when the test is to be skipped.
    async fn new() -> Option<Cluster> {
        let (pg, nats) = (postgres_url()?, nats_url()?);
        let db = Database::create(&pg).await;
        let store = PgStore::connect(&db.url()).expect("the test database");
        let name = format!("team-{}", auth::new_id());
        Some(Cluster { db, store, nats, name })
    }

    /// A `baton-server` process on the cluster's database and bus.
    async fn start(&self) -> Baton {
        let args = ["--bus", &self.nats, "--bus-cluster", &self.name];
        start_on(&self.db.url(), free_port(), &args).await
    }

    async fn drop_now(self) {
        drop(self.store);
        self.db.drop_now().await;
    }
}

#[tokio::test]
async fn two_processes_share_the_team() {
    let Some(cluster) = Cluster::new().await else { return };
    let dana = operator(&cluster.store, "op-dana", Role::Admin);
    let lee = operator(&cluster.store, "op-lee", Role::Agent);
    let a = cluster.start().await;
    let b = cluster.start().await;
    // A hint travels at once; the beat re-reads in any case.
    let soon = BEAT * 3;

    // Lee watches A's roster; Dana's inbox is on B, and she is Available.
    let mut lee_a = a.operator(&lee).await;
    until(&mut lee_a, soon, "Lee's welcome", |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Welcome(_)).then_some(())
    })
    .await;
    let mut dana_b = b.operator(&dana).await;
    set_status(&mut dana_b, OperatorStatus::Available).await;
    roster_until(
        &mut lee_a,
        "op-dana",
        soon,
        "A sees Dana connected and Available",
        |e| e.connected && e.status == OperatorStatus::Available,
    )
    .await;

    // A visitor on A may ask for a person: Dana, on B.
    let (mut visitor, offered) = human_offered(&a).await;
    assert!(offered, "a human is available on A while Dana is Available on B");

    // Dana goes Away on B: A's visitor and A's roster hear it.
    set_status(&mut dana_b, OperatorStatus::Away).await;
    let told = availability(&mut visitor, soon, "A's visitor told nobody is available").await;
    assert!(!told.human_available);
    roster_until(&mut lee_a, "op-dana", soon, "A sees Dana Away", |e| {
        e.status == OperatorStatus::Away
    })
    .await;
    set_status(&mut dana_b, OperatorStatus::Available).await;
    let told = availability(&mut visitor, soon, "A's visitor told a human is available again").await;
    assert!(told.human_available);

    // Dana, an admin, relabels the bot's button on B: A's visitor sees it.
    relabel(&b, &dana, "Ask Dana").await;
    let told = availability(&mut visitor, soon, "A's visitor gets the new label").await;
    assert_eq!(told.button_label, "Ask Dana");

    // B dies without a word: within the expiry A shows Dana disconnected.
    b.kill();
    let expiry = BEAT * (MISSED_BEATS + 2);
    let dana_on_a = roster_until(&mut lee_a, "op-dana", expiry, "A sees Dana disconnected", |e| {
        !e.connected
    })
    .await;
    // Her status is hers: losing the connection changes nothing (§7.11).
    assert_eq!(dana_on_a.status, OperatorStatus::Available);
    let (_visitor, offered) = human_offered(&a).await;
    assert!(offered, "status, not the connection, says who is available");

    drop((visitor, lee_a, dana_b, a));
    cluster.drop_now().await;
}

/// The visitor's socket is on A, the operator watching on B: B shows the
/// visitor online, then — A killed, and the reconnect grace past —
/// reconnecting.
#[tokio::test]
async fn a_visitors_presence_crosses_processes() {
    let Some(cluster) = Cluster::new().await else { return };
    let dana = operator(&cluster.store, "op-dana", Role::Agent);
    let a = cluster.start().await;
    // A stored conversation, its visitor connected to A.
    let mut visitor = a.visitor().await;
    send(&mut visitor, &common::hello()).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let conversation = welcome.conversation;
    let send_m1 = VisitorToServer::Send {
        client_msg_id: ClientMsgId("m1".into()),
        text: "hello from A".into(),
    };
    send(&mut visitor, &send_m1).await;
    until(&mut visitor, BEAT * 3, "the message acked", |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;

    // B starts later (and reads the conversation from the database); A
    // sees a new process and tells it its visitor is there.
    let b = cluster.start().await;
    let mut dana_b = b.operator(&dana).await;
    let is = |want: VisitorPresence| {
        let conversation = conversation.clone();
        move |f: &ServerToOperator| match f {
            ServerToOperator::Presence {
                conversation: c,
                presence,
            } => (c == &conversation && *presence == want).then_some(()),
            ServerToOperator::Conversation(row) => (row.id == conversation && row.presence == want).then_some(()),
            _ => None,
        }
    };
    until(
        &mut dana_b,
        BEAT * 4,
        "B shows A's visitor online",
        is(VisitorPresence::Online),
    )
    .await;

    // A dies with the visitor's socket: B drops A's count when its beat
    // expires, then says reconnecting once the grace is over.
    a.kill();
    let within = BEAT * (MISSED_BEATS + 2) + Duration::from_millis(RECONNECT_GRACE.0) + BEAT;
    until(
        &mut dana_b,
        within,
        "B shows the visitor reconnecting",
        is(VisitorPresence::Reconnecting),
    )
    .await;

    drop((visitor, dana_b, b));
    cluster.drop_now().await;
}
