//! The team across two real `baton-server` processes on one PostgreSQL
//! database and one NATS server (issue 13): an operator whose inbox is on
//! process B is seen on process A — by A's visitors ("Talk to a human") and
//! in A's roster — their status changes on B reach A, and when B is killed
//! (SIGKILL) A shows them disconnected within the expiry, their status
//! unchanged (PROTOCOL.md §7.11: losing the connection changes nothing).
//!
//! Skipped without `BATON_TEST_POSTGRES` and `BATON_TEST_NATS`, unless
//! `BATON_REQUIRE_POSTGRES=1` / `BATON_REQUIRE_NATS=1`.

mod common;

use baton_protocol::operator::{OperatorStatus, OperatorToServer, Role, RosterEntry, ServerToOperator};
use baton_protocol::visitor::{Availability, ServerToVisitor};
use baton_protocol::{BotId, Timestamp};
use baton_server::auth;
use baton_server::hub::{BEAT, MISSED_BEATS};
use baton_server::store::{OperatorRow, PgStore, Store, TeamStore};
use common::processes::{FreshDb, Process, free_port, nats_url, postgres_url};
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
async fn human_offered(process: &Process) -> (Ws, bool) {
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
async fn relabel(process: &Process, token: &str, label: &str) {
    let response = reqwest::Client::new()
        .put(format!("http://{}/api/bots/demo/settings", process.addr()))
        .bearer_auth(token)
        .json(&serde_json::json!({ "button_label": label }))
        .send()
        .await
        .expect("request");
    assert!(response.status().is_success(), "{}", response.status());
}

#[tokio::test]
async fn two_processes_share_the_team() {
    let (Some(pg), Some(nats)) = (postgres_url(), nats_url()) else {
        return;
    };
    let db = FreshDb::create(&pg).await;
    let store = PgStore::connect(&db.url).expect("the test database");
    let dana = operator(&store, "op-dana", Role::Admin);
    let lee = operator(&store, "op-lee", Role::Agent);
    let cluster = format!("team-{}", auth::new_id());
    let args = ["--bus", &nats, "--bus-cluster", &cluster];
    let a = Process::start(&db.url, free_port(), &args).await;
    let b = Process::start(&db.url, free_port(), &args).await;
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

    drop((visitor, lee_a, dana_b, a, store));
    db.drop_now().await;
}
