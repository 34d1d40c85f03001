//! The real server binary on PostgreSQL (`--store postgres://…`): a
//! visitor's message is stored there, survives a SIGKILL, and is replayed
//! when the visitor resumes on the restarted process; `/healthz` names the
//! store. Runs on a fresh database of the server in `BATON_TEST_POSTGRES`
//! (skipped without it, unless `BATON_REQUIRE_POSTGRES=1`).

mod common;

use baton_protocol::visitor::{Resume, ServerToVisitor};
use baton_protocol::*;
use common::postgres::{Database, postgres_url};
use common::process::{Baton, free_port};
use common::{recv, send, send_acked};

/// The server binary on the PostgreSQL database `store`.
async fn start(store: &str, port: u16) -> Baton {
    let dir = std::env::temp_dir().join(format!("baton-pg-{port}"));
    // Nothing may be written there: the data is in PostgreSQL.
    let server = Baton::start(
        port,
        &["--store", store, "--data-dir", dir.to_str().expect("a UTF-8 path")],
    )
    .await;
    assert!(!dir.exists(), "no SQLite file beside a PostgreSQL store");
    server
}

#[tokio::test]
async fn a_visitor_message_on_postgres_survives_a_killed_server() {
    let Some(url) = postgres_url() else { return };
    let db = Database::create(&url).await;
    let store = db.url();
    let port = free_port();
    let server = start(&store, port).await;
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
    let server = start(&store, port).await;
    let mut visitor = server.visitor().await;
    send(
        &mut visitor,
        &common::hello_resuming(Some(Resume {
            conversation: conversation.clone(),
            token,
            last_seq: Seq(0),
        })),
    )
    .await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome after the restart")
    };
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
