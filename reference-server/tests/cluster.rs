//! Several real `baton-server` processes on one PostgreSQL database and a
//! real nats-server (issue 13): a conversation whose visitor is on process
//! A is served by operators on B and C. Each process learns of the others'
//! appends from a bus hint and reads the events from the database; an
//! append decided on a stale core is refused by the database (`seq` taken)
//! and judged again on the core read back, so a race between processes
//! ends as it does on one. Skipped without `BATON_TEST_POSTGRES` and
//! `BATON_TEST_NATS`, unless `BATON_REQUIRE_POSTGRES=1`.

mod common;

use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::postgres::{Database, nats_url, postgres_url};
use common::process::{Baton, free_port};
use common::{Ws, hello_resuming, operator_socket, recv_until, send, welcomed_and_available};

/// `n` processes on one fresh database and the test NATS server, started
/// one after another (the first migrates), each seeding the demo team.
async fn cluster(n: usize) -> Option<(Database, Vec<Baton>)> {
    let (Some(postgres), Some(nats)) = (postgres_url(), nats_url()) else {
        return None;
    };
    let db = Database::create(&postgres).await;
    let store = db.url();
    // A cluster name of its own, so concurrent tests do not hear each other.
    let cluster = format!("t{}", &baton_server::auth::new_id()[..12]);
    let mut processes = Vec::new();
    for _ in 0..n {
        let port = free_port();
        // Nothing may be written there: the data is in PostgreSQL.
        let dir = std::env::temp_dir().join(format!("baton-pg-{port}"));
        let dir = dir.to_str().expect("a UTF-8 path");
        let args = [
            "--store",
            &store,
            "--data-dir",
            dir,
            "--bus",
            &nats,
            "--bus-cluster",
            &cluster,
            "--demo",
        ];
        processes.push(Baton::start(port, &args).await);
    }
    Some((db, processes))
}

/// A visitor's new conversation on `process`: its socket, id and token.
async fn new_visitor(process: &Baton) -> (Ws, ConversationId, VisitorToken) {
    let mut ws = process.visitor().await;
    send(&mut ws, &hello_resuming(None)).await;
    let welcome = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.clone()),
        _ => None,
    })
    .await;
    (
        ws,
        welcome.conversation,
        welcome.token.expect("a new conversation's token"),
    )
}

/// The visitor says `text` (client id `id`): the seq of its ack.
async fn visitor_says(ws: &mut Ws, id: &str, text: &str) -> Seq {
    send(
        ws,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId(id.into()),
            text: text.into(),
        },
    )
    .await;
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { client_msg_id, seq } if client_msg_id.0 == id => Some(*seq),
        ServerToVisitor::Error(e) => panic!("refused: {e:?}"),
        _ => None,
    })
    .await
}

/// The next event the visitor receives that `wanted` picks.
async fn visitor_sees(ws: &mut Ws, wanted: impl Fn(&EventBody) -> bool) -> ConversationEvent {
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if wanted(&e.body) => Some(e.clone()),
        _ => None,
    })
    .await
}

/// Operator `id`'s inbox on `process`, welcomed and Available.
async fn inbox(process: &Baton, id: &str, email: &str, password: &str) -> Ws {
    let token = process.sign_in(email, password).await;
    let mut ws = operator_socket(&process.addr(), &token).await;
    welcomed_and_available(&mut ws, id).await;
    ws
}

/// The operator's answer to the frame with client id `id`: `Ok` for its
/// ack or done, the error otherwise.
async fn answer(ws: &mut Ws, id: &str) -> Result<(), ErrorBody> {
    recv_until(ws, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, .. } | ServerToOperator::Done { client_msg_id, .. }
            if client_msg_id.0 == id =>
        {
            Some(Ok(()))
        }
        ServerToOperator::Error(e) => Some(Err(e.clone())),
        _ => None,
    })
    .await
}

/// The next `event` frame of `conversation` the operator gets that
/// `wanted` picks.
async fn operator_sees(
    ws: &mut Ws,
    conversation: &ConversationId,
    wanted: impl Fn(&EventBody) -> bool,
) -> ConversationEvent {
    recv_until(ws, |f: &ServerToOperator| match f {
        ServerToOperator::Event { conversation: c, event } if c == conversation && wanted(&event.body) => {
            Some(event.clone())
        }
        _ => None,
    })
    .await
}

fn join(conversation: &ConversationId, id: &str) -> OperatorToServer {
    OperatorToServer::Join {
        conversation: conversation.clone(),
        client_msg_id: ClientMsgId(id.into()),
        display_name: String::new(),
    }
}

#[tokio::test]
async fn a_conversation_on_one_process_is_served_from_two_others() {
    let Some((db, processes)) = cluster(3).await else {
        return;
    };
    let [a, b, c] = &processes[..] else { unreachable!() };
    let mut dana = inbox(b, "op-dana", "dana@demo.baton", "handover-demo").await;
    let mut eli = inbox(c, "op-eli", "eli@demo.baton", "eli-demo-pass").await;

    // The visitor starts on A, after both inboxes are open elsewhere.
    let (mut visitor, conversation, token) = new_visitor(a).await;
    let first = visitor_says(&mut visitor, "v1", "hello from A").await;
    // B and C learn of the new conversation from the bus: its row.
    for ws in [&mut dana, &mut eli] {
        recv_until(ws, |f: &ServerToOperator| match f {
            ServerToOperator::Conversation(row) if row.id == conversation => Some(()),
            _ => None,
        })
        .await;
        send(
            ws,
            &OperatorToServer::Open {
                conversation: conversation.clone(),
            },
        )
        .await;
        let history = recv_until(ws, |f: &ServerToOperator| match f {
            ServerToOperator::History { page, .. } => Some(page.events.clone()),
            _ => None,
        })
        .await;
        assert!(
            history.iter().any(|e| e.seq == first),
            "the opened chat holds the visitor's message"
        );
    }

    // Both join at once from different processes: one join is stored.
    let (jd, je) = (join(&conversation, "jd"), join(&conversation, "je"));
    tokio::join!(send(&mut dana, &jd), send(&mut eli, &je));
    let (rd, re) = tokio::join!(answer(&mut dana, "jd"), answer(&mut eli, "je"));
    assert!(rd.is_ok() != re.is_ok(), "exactly one join wins: {rd:?} {re:?}");
    let (winner, mut owner, mut other) = if rd.is_ok() {
        ("op-dana", dana, eli)
    } else {
        ("op-eli", eli, dana)
    };
    let lost = rd.err().or(re.err()).expect("one refusal");
    assert_eq!(
        lost.code,
        ErrorCode::Conflict,
        "the loser is told the chat is taken: {lost:?}"
    );
    let joined = visitor_sees(&mut visitor, |b| matches!(b, EventBody::OperatorJoined { .. })).await;
    let EventBody::OperatorJoined { operator } = &joined.body else {
        unreachable!()
    };
    assert_eq!(operator.id.as_str(), winner);

    // The owner's reply reaches the visitor on A; the visitor's answer
    // reaches the owner and the other operator, each on its own process.
    send(
        &mut owner,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: ClientMsgId("o1".into()),
            text: "a person here".into(),
            original: None,
        },
    )
    .await;
    answer(&mut owner, "o1").await.expect("the owner's message is stored");
    let reply = visitor_sees(&mut visitor, |b| b.message_text() == Some("a person here")).await;
    let answered = visitor_says(&mut visitor, "v2", "thanks").await;
    assert_eq!(
        answered.0,
        reply.seq.0 + 1,
        "one log, numbered across processes without a gap"
    );
    for ws in [&mut owner, &mut other] {
        let seen = operator_sees(ws, &conversation, |b| b.message_text() == Some("thanks")).await;
        assert_eq!(seen.seq, answered);
    }

    // Resolved on the owner's process: the visitor on A sees it.
    send(
        &mut owner,
        &OperatorToServer::Resolve {
            conversation: conversation.clone(),
            client_msg_id: ClientMsgId("r1".into()),
        },
    )
    .await;
    answer(&mut owner, "r1").await.expect("resolved");
    visitor_sees(&mut visitor, |b| matches!(b, EventBody::Resolved { .. })).await;

    // The log holds each event once, in order: no gap, no double.
    let client = db.client().await;
    let seqs: Vec<i64> = client
        .query(
            "SELECT seq FROM events WHERE conversation_id = $1 ORDER BY seq",
            &[&conversation.as_str()],
        )
        .await
        .expect("the log")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    let joins: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE conversation_id = $1 AND body::text LIKE '%operator_joined%'",
            &[&conversation.as_str()],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(joins, 1, "one join stored");

    // The visitor resumes on B (A is gone): the whole log is replayed there.
    drop(visitor);
    let mut visitor = b.visitor().await;
    send(
        &mut visitor,
        &hello_resuming(Some(Resume {
            conversation: conversation.clone(),
            token,
            last_seq: Seq(0),
        })),
    )
    .await;
    let welcome = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.clone()),
        _ => None,
    })
    .await;
    let replayed: Vec<i64> = welcome.replay.iter().map(|e| e.seq.0 as i64).collect();
    assert_eq!(replayed, seqs, "the same log from another process");
    drop(processes);
    db.drop_now().await;
}
