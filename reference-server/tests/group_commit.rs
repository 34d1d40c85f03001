//! The store writer (`hub::writer`): appends of many conversations are
//! committed together, every ack follows its commit, and a commit the
//! database refuses loses nothing else. Real server, real SQLite file, real
//! sockets; the failure is a real SQLite trigger, not a stand-in store.

mod common;

use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::{ClientMsgId, ConversationId, ErrorCode, EventBody, Seq};
use common::*;
use futures::future::join_all;
use std::collections::HashMap;

fn send_frame(id: &str, text: &str) -> VisitorToServer {
    VisitorToServer::Send {
        client_msg_id: ClientMsgId(id.into()),
        text: text.into(),
    }
}

/// A visitor welcomed into a new conversation.
async fn new_visitor(server: &Server) -> (Ws, ConversationId) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    let conversation = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        _ => None,
    })
    .await;
    (ws, conversation)
}

/// Reads frames until every id in `ids` is answered: each id's ack seq
/// (or error code), and every event seq seen, in arrival order.
async fn answers(ws: &mut Ws, ids: &[String]) -> (HashMap<String, Result<Seq, ErrorCode>>, Vec<Seq>) {
    let mut got = HashMap::new();
    let mut seqs = Vec::new();
    while got.len() < ids.len() {
        match visitor_frame(ws).await {
            ServerToVisitor::Ack { client_msg_id, seq } => {
                got.insert(client_msg_id.0, Ok(seq));
            }
            ServerToVisitor::Error(err) => {
                let id = err.client_msg_id.clone().expect("an error answering a send names it");
                got.insert(id.0, Err(err.code));
            }
            ServerToVisitor::Event(event) => seqs.push(event.seq),
            _ => {}
        }
    }
    (got, seqs)
}

/// Stored seqs of a conversation, from the database file itself.
fn stored_seqs(server: &Server, conversation: &ConversationId) -> Vec<u64> {
    let db = rusqlite::Connection::open(server.dir.join("baton.sqlite3")).expect("open the database");
    let mut stmt = db
        .prepare("SELECT seq FROM events WHERE conversation_id = ?1 ORDER BY seq")
        .expect("query");
    stmt.query_map([conversation.as_str()], |r| r.get::<_, i64>(0))
        .expect("rows")
        .map(|r| r.expect("seq") as u64)
        .collect()
}

/// `baton_store_batch_appends` count and sum, from /metrics' text.
fn batch_metric(server: &Server) -> (f64, f64) {
    let text = server.state.hub.metrics_text();
    let read = |name: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in /metrics:\n{text}"))
    };
    (
        read("baton_store_batch_appends_count "),
        read("baton_store_batch_appends_sum "),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_visitors_sending_at_once_are_committed_together_acked_and_stored_in_order() {
    let server = Server::start().await;
    const VISITORS: usize = 40;
    const EACH: usize = 8;
    let mut visitors = Vec::new();
    for _ in 0..VISITORS {
        visitors.push(new_visitor(&server).await);
    }
    let (count_before, _) = batch_metric(&server);
    // Every visitor sends all of theirs without waiting, all at once.
    let runs = visitors
        .into_iter()
        .enumerate()
        .map(|(v, (mut ws, conversation))| async move {
            let ids: Vec<String> = (0..EACH).map(|i| format!("v{v}-m{i}")).collect();
            for (i, id) in ids.iter().enumerate() {
                send(&mut ws, &send_frame(id, &format!("message {i} from visitor {v}"))).await;
            }
            let (acks, seqs) = answers(&mut ws, &ids).await;
            (conversation, ids, acks, seqs)
        });
    let results = join_all(runs).await;
    for (conversation, ids, acks, live_seqs) in &results {
        let acked: Vec<Seq> = ids
            .iter()
            .map(|id| acks[id].unwrap_or_else(|code| panic!("{id} refused: {code:?}")))
            .collect();
        assert!(
            acked.windows(2).all(|w| w[0] < w[1]),
            "each visitor's sends are stored in the order sent: {acked:?}"
        );
        assert!(
            live_seqs.windows(2).all(|w| w[0] < w[1]),
            "live events arrive in seq order: {live_seqs:?}"
        );
        // Acked means stored: every acked seq is in the file, with no gap.
        let stored = stored_seqs(&server, conversation);
        assert!(
            acked.iter().all(|s| stored.contains(&s.0)),
            "{acked:?} not all in {stored:?}"
        );
        assert_eq!(stored, (1..=stored.len() as u64).collect::<Vec<_>>(), "a gapless log");
    }
    let (count, sum) = batch_metric(&server);
    let commits = count - count_before;
    assert!(commits > 0.0);
    assert!(
        sum > count,
        "some commits held several appends ({sum} appends in {count} commits)"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_commit_loses_nothing_else_and_the_retry_fills_the_same_seq() {
    let server = Server::start().await;
    let (mut a, conversation) = new_visitor(&server).await;
    let (mut b, other) = new_visitor(&server).await;
    send(&mut a, &send_frame("a-1", "first")).await;
    let (acks, _) = answers(&mut a, &["a-1".to_string()]).await;
    let first = acks["a-1"].expect("first stored");
    // From now on the database refuses any event whose text says "boom".
    let db = rusqlite::Connection::open(server.dir.join("baton.sqlite3")).expect("open the database");
    db.execute_batch(
        "CREATE TRIGGER refuse_boom BEFORE INSERT ON events WHEN NEW.body LIKE '%boom%'
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
    )
    .expect("trigger");
    // A sends the refused one and another right behind it; B sends at once.
    send(&mut a, &send_frame("a-2", "boom")).await;
    send(&mut a, &send_frame("a-3", "after")).await;
    send(&mut b, &send_frame("b-1", "unrelated")).await;
    let ids = ["a-2".to_string(), "a-3".to_string()];
    let (acks, _) = answers(&mut a, &ids).await;
    assert_eq!(acks["a-2"], Err(ErrorCode::Internal), "the refused send is refused");
    let (b_acks, _) = answers(&mut b, &["b-1".to_string()]).await;
    assert!(b_acks["b-1"].is_ok(), "another conversation's send is stored");
    // What is stored has no gap; "after" is either stored right after
    // "first" (its own commit) or refused unwritten (made by the core that
    // expected "boom" before it) — never stored past a hole.
    let stored = stored_seqs(&server, &conversation);
    assert_eq!(stored, (1..=stored.len() as u64).collect::<Vec<_>>(), "a gapless log");
    drop(db.execute_batch("DROP TRIGGER refuse_boom"));
    // The client retries what was refused, with the same ids: both are
    // stored, each once, and the log stays gapless.
    let mut retry = vec!["a-2".to_string()];
    send(&mut a, &send_frame("a-2", "boom")).await;
    if acks["a-3"].is_err() {
        send(&mut a, &send_frame("a-3", "after")).await;
        retry.push("a-3".to_string());
    }
    let (retried, _) = answers(&mut a, &retry).await;
    for id in &retry {
        let seq = retried[id].unwrap_or_else(|code| panic!("{id} retried and refused: {code:?}"));
        assert!(seq > first);
    }
    let stored = stored_seqs(&server, &conversation);
    assert_eq!(stored, (1..=stored.len() as u64).collect::<Vec<_>>(), "still gapless");
    let texts: Vec<String> = server
        .state
        .hub
        .store()
        .log(&conversation)
        .expect("log")
        .into_iter()
        .filter_map(|(e, _)| match e.body {
            EventBody::Message { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    for text in ["first", "boom", "after"] {
        assert_eq!(
            texts.iter().filter(|t| t.as_str() == text).count(),
            1,
            "{text:?} stored once: {texts:?}"
        );
    }
    assert!(!stored_seqs(&server, &other).is_empty());
    server.stop().await;
}

/// Marks moved right behind a conversation's first message, in the same
/// commit: they are saved after the row that message creates, so they are
/// kept (saved first, the database refused them for want of the row). The
/// test holds the database's write lock while another visitor's message
/// waits on it, so the first message and the receipt queue up together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn marks_sharing_a_commit_with_their_conversations_first_message_are_saved() {
    let server = Server::start().await;
    let (mut other, _) = new_visitor(&server).await;
    let (mut ws, conversation) = new_visitor(&server).await;
    let db = rusqlite::Connection::open(server.dir.join("baton.sqlite3")).expect("open the database");
    db.execute_batch("BEGIN IMMEDIATE").expect("hold the write lock");
    send(&mut other, &send_frame("o1", "first, and held")).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    send(&mut ws, &send_frame("m1", "hello")).await;
    send(
        &mut ws,
        &VisitorToServer::Receipt {
            delivered: Some(Seq(1)),
            read: Some(Seq(1)),
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    db.execute_batch("ROLLBACK").expect("release the write lock");
    answers(&mut other, &["o1".to_string()]).await;
    answers(&mut ws, &["m1".to_string()]).await;
    send(&mut ws, &send_frame("m2", "again")).await;
    answers(&mut ws, &["m2".to_string()]).await;
    let read: i64 = db
        .query_row(
            "SELECT visitor_read FROM receipt_marks WHERE conversation_id = ?1",
            [conversation.as_str()],
            |r| r.get(0),
        )
        .expect("the marks are stored");
    assert_eq!(read, 1);
    server.stop().await;
}
