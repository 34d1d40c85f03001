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
use common::postgres::{Database, nats_url, postgres_url, start_on};
use common::process::{Baton, free_port, get};
use common::{Ws, hello_resuming, operator_socket, recv_until, send, send_acked, welcomed_and_available};

/// `n` processes on one fresh database and the test NATS server, started
/// one after another (the first migrates), each seeding the demo team.
async fn cluster(n: usize, extra: &[&str]) -> Option<(Database, Vec<Baton>)> {
    let (Some(postgres), Some(nats)) = (postgres_url(), nats_url()) else {
        return None;
    };
    let db = Database::create(&postgres).await;
    let store = db.url();
    // A cluster name of its own, so concurrent tests do not hear each other.
    let cluster = format!("t{}", &baton_server::auth::new_id()[..12]);
    let mut processes = Vec::new();
    for _ in 0..n {
        let mut args = vec!["--bus", &nats, "--bus-cluster", &cluster, "--demo"];
        args.extend_from_slice(extra);
        processes.push(start_on(&store, free_port(), &args).await);
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
    let Some((db, processes)) = cluster(3, &[]).await else {
        return;
    };
    let [a, b, c] = &processes[..] else { unreachable!() };
    // D shares the database but no bus: it hears of nothing, and must read
    // what it is asked about from the store.
    let d = start_on(&db.url(), free_port(), &["--demo"]).await;
    let mut dana = inbox(b, "op-dana", "dana@demo.baton", "handover-demo").await;
    let mut eli = inbox(c, "op-eli", "eli@demo.baton", "eli-demo-pass").await;

    // The visitor starts on A, after both inboxes are open elsewhere.
    let (mut visitor, conversation, token) = new_visitor(a).await;
    let first = send_acked(&mut visitor, "v1", "hello from A").await;
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
    let answered = send_acked(&mut visitor, "v2", "thanks").await;
    assert_eq!(
        answered.0,
        reply.seq.0 + 1,
        "one log, numbered across processes without a gap"
    );
    for ws in [&mut owner, &mut other] {
        let seen = operator_sees(ws, &conversation, |b| b.message_text() == Some("thanks")).await;
        assert_eq!(seen.seq, answered);
    }

    // A, where the visitor is, heard B's and C's commits over the bus, and
    // timed each hint's hop.
    let (_, _, metrics) = get(&a.addr(), "/metrics").await.expect("/metrics");
    let hops: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("baton_bus_hop_seconds_count "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0.0);
    assert!(hops > 0.0, "bus hops counted on A:\n{metrics}");

    // Receipts cross processes both ways: the visitor on A has read the
    // reply, and the owner, elsewhere, sees it; the owner reads "thanks",
    // and the visitor on A sees that.
    let read = |seq: Seq| VisitorToServer::Receipt {
        delivered: Some(seq),
        read: Some(seq),
    };
    send(&mut visitor, &read(answered)).await;
    recv_until(&mut owner, |f: &ServerToOperator| match f {
        ServerToOperator::Receipts {
            conversation: c,
            visitor,
            ..
        } if c == &conversation && visitor.read >= reply.seq => Some(()),
        _ => None,
    })
    .await;
    let owner_read = OperatorToServer::Receipt {
        conversation: conversation.clone(),
        delivered: Some(answered),
        read: Some(answered),
    };
    send(&mut owner, &owner_read).await;
    recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Receipts { team } if team.read >= answered => Some(()),
        _ => None,
    })
    .await;

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

    // An operator on D opens the chat D never heard of: read from the store.
    let mut noor = inbox(&d, "op-noor", "noor@demo.baton", "noor-demo-pass").await;
    send(
        &mut noor,
        &OperatorToServer::Open {
            conversation: conversation.clone(),
        },
    )
    .await;
    let history = recv_until(&mut noor, |f: &ServerToOperator| match f {
        ServerToOperator::History { page, .. } => Some(page.events.clone()),
        ServerToOperator::Error(e) => panic!("D refused the chat: {e:?}"),
        _ => None,
    })
    .await;
    let opened: Vec<i64> = history.iter().map(|e| e.seq.0 as i64).collect();
    assert_eq!(opened, seqs, "D reads the chat from the store");

    // The visitor resumes on D too: the whole log is replayed there.
    drop(visitor);
    let mut visitor = d.visitor().await;
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
    drop((processes, d));
    db.drop_now().await;
}

/// The visitor asks for a person (client ids `id-1`, `id-2`, …) until a
/// person is available to its process — operators elsewhere count,
/// through the shared team, within a hint or a beat — and the request's
/// event.
async fn ask_for_a_person(ws: &mut Ws, id: &str) -> ConversationEvent {
    for attempt in 1..=25 {
        let id = format!("{id}-{attempt}");
        send(
            ws,
            &VisitorToServer::RequestHuman {
                client_msg_id: ClientMsgId(id.clone()),
            },
        )
        .await;
        let answer = recv_until(ws, |f: &ServerToVisitor| match f {
            ServerToVisitor::Event(e) if matches!(e.body, EventBody::HelpRequested { .. }) => Some(Ok(e.clone())),
            ServerToVisitor::Error(e) if e.client_msg_id.as_ref().is_some_and(|c| c.0 == id) => Some(Err(e.clone())),
            _ => None,
        })
        .await;
        match answer {
            Ok(event) => return event,
            Err(e) if e.code == ErrorCode::NoOperatorAvailable => {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await
            }
            Err(e) => panic!("the request was refused: {e:?}"),
        }
    }
    panic!("no person became available to the visitor's process within 5 s");
}

async fn operator_does(ws: &mut Ws, frame: OperatorToServer, id: &str) {
    send(ws, &frame).await;
    answer(ws, id).await.unwrap_or_else(|e| panic!("{id} refused: {e:?}"));
}

#[tokio::test]
async fn a_handover_crosses_processes_and_a_window_lapses_after_its_process_is_killed() {
    let Some((db, mut processes)) = cluster(3, &["--response-window-secs", "4"]).await else {
        return;
    };
    let (b, c) = (&processes[1], &processes[2]);
    let mut dana = inbox(b, "op-dana", "dana@demo.baton", "handover-demo").await;
    let mut eli = inbox(c, "op-eli", "eli@demo.baton", "eli-demo-pass").await;

    // The visitor on A asks for a person: available through B and C.
    let (mut visitor, conversation, _) = new_visitor(&processes[0]).await;
    send_acked(&mut visitor, "v1", "my parcel is lost").await;
    ask_for_a_person(&mut visitor, "h1").await;

    // Dana sees the request on B, joins, then hands the chat to Eli, who
    // is on C: B knows Eli is connected and Available there.
    recv_until(&mut dana, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(row)
            if row.id == conversation && matches!(row.state, HandoverState::Waiting { .. }) =>
        {
            Some(())
        }
        _ => None,
    })
    .await;
    operator_does(&mut dana, join(&conversation, "j1"), "j1").await;
    visitor_sees(&mut visitor, |b| matches!(b, EventBody::OperatorJoined { .. })).await;
    let transfer = OperatorToServer::Transfer {
        conversation: conversation.clone(),
        client_msg_id: ClientMsgId("t1".into()),
        to: OperatorId("op-eli".into()),
    };
    operator_does(&mut dana, transfer, "t1").await;
    let moved = visitor_sees(&mut visitor, |b| matches!(b, EventBody::Transferred { .. })).await;
    let EventBody::Transferred { to, .. } = &moved.body else {
        unreachable!()
    };
    assert_eq!(
        to.id.as_str(),
        "op-eli",
        "the visitor on A sees the chat go to Eli on C"
    );
    operator_sees(&mut eli, &conversation, |b| matches!(b, EventBody::Transferred { .. })).await;

    // Eli hands it back to the bot; the visitor asks again, and A, where
    // the request was made, is killed before its window lapses.
    let leave = OperatorToServer::Leave {
        conversation: conversation.clone(),
        client_msg_id: ClientMsgId("l1".into()),
    };
    operator_does(&mut eli, leave, "l1").await;
    visitor_sees(&mut visitor, |b| matches!(b, EventBody::OperatorLeft { .. })).await;
    let asked = ask_for_a_person(&mut visitor, "h2").await;
    let EventBody::HelpRequested { deadline, .. } = asked.body else {
        unreachable!()
    };
    processes.remove(0).kill();
    drop(visitor);

    // Another process lapses it, once, when its window is over.
    let client = db.client().await;
    let lapses = || async {
        client
            .query(
                "SELECT at FROM events WHERE conversation_id = $1 AND body::jsonb->>'type' = 'request_lapsed'",
                &[&conversation.as_str()],
            )
            .await
            .expect("the log")
            .iter()
            .map(|r| r.get::<_, i64>(0))
            .collect::<Vec<_>>()
    };
    let mut lapsed = Vec::new();
    for _ in 0..300 {
        lapsed = lapses().await;
        if !lapsed.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(lapsed.len(), 1, "the request lapsed once, on another process");
    assert!(lapsed[0] as u64 >= deadline.0, "not before its deadline");
    // Well after: still once (every process that saw it armed it).
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    assert_eq!(lapses().await.len(), 1, "and only once");
    drop(processes);
    db.drop_now().await;
}
