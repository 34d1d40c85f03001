//! What only the PostgreSQL store has: its migrations' record, its
//! connection errors, and the bridge from synchronous callers on any
//! thread. (Everything a store does is in the shared suite,
//! `store/tests.rs`.)

use super::testing::database;
use super::{MIGRATIONS, PgStore};
use crate::store::{ConversationId, ConversationRow, Store, StoreError};
use baton_protocol::{BotId, Timestamp};
use std::sync::Arc;

fn recorded(store: &PgStore) -> Vec<i64> {
    store
        .query("SELECT version FROM schema_migrations ORDER BY version", &[])
        .expect("schema_migrations")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Each migration is recorded once; opening the database again (a
/// restart, a second process) applies nothing twice.
#[test]
fn migrations_are_recorded_and_run_once() {
    let Some(db) = database() else { return };
    let all: Vec<i64> = (1..=MIGRATIONS.len() as i64).collect();
    assert_eq!(recorded(db.store()), all);
    let again = PgStore::with_config(db.config()).expect("reopen");
    assert_eq!(recorded(&again), all);
    // Two processes starting together: the advisory lock serialises them.
    std::thread::scope(|s| {
        let opened: Vec<_> = (0..2).map(|_| s.spawn(|| PgStore::with_config(db.config()))).collect();
        for open in opened {
            open.join().expect("no panic").expect("open");
        }
    });
    assert_eq!(recorded(&again), all);
}

/// A database a newer server migrated is not written by an older one.
#[test]
fn a_newer_schema_is_refused() {
    let Some(db) = database() else { return };
    let newer = MIGRATIONS.len() as i64 + 1;
    db.store()
        .execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&newer])
        .expect("record");
    match PgStore::with_config(db.config()) {
        Err(StoreError::Backend(why)) => assert!(why.contains("newer"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A server that is not there is an error naming it (not a hang, not a
/// panic); a malformed URL is refused before connecting.
#[test]
fn connection_failures_are_clear_errors() {
    match PgStore::connect("postgres://baton:secret@127.0.0.1:1/baton") {
        Err(StoreError::Backend(why)) => {
            assert!(why.contains("127.0.0.1:1"), "{why}");
            assert!(!why.contains("secret"), "no password in errors: {why}");
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    match PgStore::connect("postgres://127.0.0.1:notaport/baton") {
        Err(StoreError::Backend(why)) => assert!(why.contains("not a PostgreSQL URL"), "{why}"),
        other => panic!("expected a URL error, got {other:?}"),
    }
}

/// The synchronous store is called from plain threads (the store writer)
/// and from tokio's threads (request handlers), of both runtime flavours,
/// and may be dropped on one.
#[test]
fn calls_work_from_plain_and_runtime_threads() {
    let Some(db) = database() else { return };
    let store = Arc::new(PgStore::with_config(db.config()).expect("open"));
    let row = |id: &str| ConversationRow {
        id: ConversationId(id.into()),
        bot: BotId("demo".into()),
        token_hash: vec![1],
        created_at: Timestamp(1),
        visitor_name: None,
        country: None,
    };
    let plain = store.clone();
    std::thread::spawn(move || plain.insert_conversation(&row("plain"), None))
        .join()
        .expect("no panic")
        .expect("insert from a plain thread");
    let current = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let on_current = store.clone();
    current
        .block_on(async move { on_current.insert_conversation(&row("current"), None) })
        .expect("insert on a current-thread runtime");
    let multi = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    // The last handle: the store is dropped on a worker thread (no panic).
    let on_worker = store;
    let task = multi.spawn(async move {
        on_worker.insert_conversation(&row("worker"), None)?;
        on_worker.health()?;
        on_worker.conversations()
    });
    let rows = multi.block_on(task).expect("the task ran").expect("calls on a worker");
    let mut ids: Vec<_> = rows.into_iter().map(|r| r.id.0).collect();
    ids.sort();
    assert_eq!(ids, ["current", "plain", "worker"]);
}
