//! The real server binary on PostgreSQL (`--store postgres://…`): a
//! visitor's message is stored there, survives a SIGKILL, and is replayed
//! when the visitor resumes on the restarted process; `/healthz` names the
//! store. Runs on a fresh database of the server in `BATON_TEST_POSTGRES`
//! (skipped without it, unless `BATON_REQUIRE_POSTGRES=1`).

mod common;

use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::postgres::{Database, postgres_url, start_on};
use common::process::free_port;
use common::{recv, recv_until, send, send_acked};
use std::time::Duration;

/// The visitor resumes `conversation` on `server`, asking for its whole
/// history: the socket and the welcome.
async fn resume(
    server: &common::process::Baton,
    conversation: &ConversationId,
    token: VisitorToken,
) -> (common::Ws, baton_protocol::visitor::VisitorWelcome) {
    let mut visitor = server.visitor().await;
    send(&mut visitor, &common::resume(conversation, &token, Seq(0))).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome on resuming")
    };
    (visitor, welcome)
}

#[tokio::test]
async fn a_visitor_message_on_postgres_survives_a_killed_server() {
    let Some(url) = postgres_url() else { return };
    let db = Database::create(&url).await;
    let store = db.url();
    let port = free_port();
    let server = start_on(&store, port, &[]).await;
    let (status, health) = server.health().await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["store"]["backend"], "postgres", "{health}");
    assert_eq!(health["store"]["status"], "ok", "{health}");

    let mut visitor = server.visitor().await;
    send(&mut visitor, &common::hello_resuming(None)).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    let m1 = send_acked(&mut visitor, "m1", "stored in postgres").await;

    // The acknowledged row is in the database, written by the server.
    let client = db.client().await;
    let stored: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE conversation_id = $1 AND seq = $2",
            &[&conversation.as_str(), &(m1.0 as i64)],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(stored, 1, "the acked message is a row in PostgreSQL");
    drop(client);

    server.kill();
    drop(visitor);
    let server = start_on(&store, port, &[]).await;
    let (mut visitor, welcome) = resume(&server, &conversation, token).await;
    assert_eq!(welcome.conversation, conversation, "the same conversation resumed");
    let texts: Vec<_> = welcome.replay.iter().filter_map(|e| e.body.message_text()).collect();
    assert!(texts.contains(&"stored in postgres"), "replayed: {texts:?}");
    assert!(welcome.replay.iter().any(|e| e.seq == m1));
    // A retry of the acked message gets its original seq back.
    let again = send_acked(&mut visitor, "m1", "stored in postgres").await;
    assert_eq!(again, m1);
    server.kill();
    drop(visitor);
    db.drop_now().await;
}

/// A retry on a process whose copy of the chat is behind the database: the
/// visitor's message was acked by process A; process B loaded the chat
/// before it and hears nothing from A (no bus between them). The visitor
/// retries the message on B: B proposes a seq A already stored, the
/// database refuses it, B reads the log again and answers with A's ack.
/// The message is stored once. (No index of client message ids decides
/// this: `store::event_log` says why none is needed.)
#[tokio::test]
async fn a_retry_on_a_process_that_is_behind_is_stored_once() {
    let Some(url) = postgres_url() else { return };
    let db = Database::create(&url).await;
    let store = db.url();
    let a = start_on(&store, free_port(), &[]).await;
    let mut visitor = a.visitor().await;
    send(&mut visitor, &common::hello_resuming(None)).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    send_acked(&mut visitor, "m0", "first, stored before B starts").await;
    let b = start_on(&store, free_port(), &[]).await;
    let m1 = send_acked(&mut visitor, "m1", "acked by A only").await;
    drop(visitor);

    let (mut visitor, _) = resume(&b, &conversation, token).await;
    let again = send_acked(&mut visitor, "m1", "acked by A only").await;
    assert_eq!(again, m1, "B answers with the seq A stored");
    let client = db.client().await;
    let rows: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE conversation_id = $1 AND client_msg_id = 'm1'",
            &[&conversation.as_str()],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(rows, 1, "the retried message is stored once");
    drop(client);
    a.kill();
    b.kill();
    drop(visitor);
    db.drop_now().await;
}

/// Timers as data (`store::timers`): process A takes a help request, whose
/// response window is stored in the same commit (so it is there when the
/// visitor sees the request), and goes away before it lapses; process B,
/// on the same database, fires it — once: the log holds one
/// `request_lapsed`, and the timer's row is gone. B started before the
/// request and never heard of it (no bus between the two, as when A is
/// killed before its hint leaves): it reads the conversation from the
/// store before judging the timer, not on the stale core it loaded at
/// start.
#[tokio::test]
async fn a_window_armed_by_a_process_that_went_away_lapses_once_on_another() {
    use baton_server::store::PgStore;
    use std::sync::Arc;
    // Long enough for A to be gone before it, even on a loaded machine.
    const WINDOW_MS: u64 = 6_000;
    const POLL: Duration = Duration::from_millis(100);
    let Some(url) = postgres_url() else { return };
    let db = Database::create(&url).await;
    let open = || PgStore::with_config(db.config.clone()).expect("open the test database");
    let client = db.client().await;

    let a = common::Server::start_store(open(), vec![common::bot(WINDOW_MS)]).await;
    a.state.hub.set_timer_poll(POLL);
    let ben = a.available_operator("op-b").await;
    let mut visitor = a.visitor().await;
    send(&mut visitor, &common::hello()).await;
    let conversation = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        _ => None,
    })
    .await;
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "Where is my parcel?".into(),
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    // B starts now: it loads the conversation as it is, with no request.
    let b = common::Server::start_store(open(), vec![common::bot(WINDOW_MS)]).await;
    b.state.hub.set_timer_poll(POLL);
    common::request_human(&mut visitor, "r1").await;
    let timers = "SELECT count(*) FROM timers WHERE kind = 'window' AND key = $1";
    let count = |sql: &'static str| {
        let (client, conversation) = (&client, conversation.clone());
        async move {
            let n: i64 = client
                .query_one(sql, &[&conversation.as_str()])
                .await
                .expect("count")
                .get(0);
            n
        }
    };
    let lapses = "SELECT count(*) FROM events WHERE conversation_id = $1 AND body::jsonb->>'type' = 'request_lapsed'";
    assert_eq!(
        count(timers).await,
        1,
        "the window is stored before the visitor sees the request"
    );

    // A goes away (its hub dropped, so no task of it is left) before the
    // window lapses.
    let gone = Arc::downgrade(&a.state.hub);
    drop((ben, visitor));
    a.stop().await;
    common::wait_until("A's hub to be dropped", || async { gone.upgrade().is_none() }).await;
    assert_eq!(count(lapses).await, 0, "A went before the window lapsed");

    common::wait_until("B to lapse the request", || async { count(lapses).await > 0 }).await;
    common::wait_until("B to complete the timer", || async { count(timers).await == 0 }).await;
    assert_eq!(count(lapses).await, 1, "the window lapsed once");
    b.stop().await;
    drop(client);
    db.drop_now().await;
}
