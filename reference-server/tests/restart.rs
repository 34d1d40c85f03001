//! Durability across a crash: the real server binary, killed with SIGKILL
//! mid-chat and restarted on the same SQLite file. Every acknowledged
//! message is there, visitor and operator resume with nothing lost, and a
//! response window that was running when the process died still lapses.

mod common;

use baton_protocol::operator::{OperatorStatus, OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use baton_server::auth;
use baton_server::store::{SqliteStore, Store};
use common::processes::{Process, free_port};
use common::{Ws, recv, recv_until, send};
use std::path::Path;
use std::time::Duration;

/// The binary on the SQLite file in `dir`, with the demo's accounts and
/// a 3 s response window.
async fn start(dir: &Path, port: u16) -> Process {
    Process::spawn(port, &["--demo", "--response-window-secs", "3"], dir).await
}

fn hello(resume: Option<Resume>) -> VisitorToServer {
    VisitorToServer::Hello(VisitorHello {
        protocol: PROTOCOL_VERSION,
        features: common::all_features(),
        bot: BotId("demo".into()),
        resume,
        locale: None,
        page: None,
    })
}

async fn acked(ws: &mut Ws) -> Seq {
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        ServerToVisitor::Error(e) => panic!("refused: {e:?}"),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a_killed_server_loses_nothing_it_acknowledged() {
    let dir = std::env::temp_dir().join(format!("baton-restart-{}", auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let port = free_port();
    let server = start(&dir, port).await;

    // An operator session, written straight into the database the server uses.
    let token = auth::new_secret();
    SqliteStore::open(&dir.join("baton.sqlite3"))
        .expect("store")
        .insert_session(
            &auth::secret_hash(&token),
            &OperatorId("op-dana".into()),
            Timestamp(u64::MAX / 2),
        )
        .expect("session");

    let mut op = server.operator(&token).await;
    assert!(matches!(
        recv::<ServerToOperator>(&mut op).await,
        ServerToOperator::Welcome(_)
    ));
    send(
        &mut op,
        &OperatorToServer::SetStatus {
            status: OperatorStatus::Available,
        },
    )
    .await;
    recv_until(&mut op, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Roster(r) if r.available() == 1).then_some(())
    })
    .await;

    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello(None)).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    assert!(welcome.snapshot.availability.human_available);
    let (conversation, token_v) = (welcome.conversation, welcome.token.expect("token"));
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "before the crash".into(),
        },
    )
    .await;
    let m1 = acked(&mut visitor).await;
    send(
        &mut visitor,
        &VisitorToServer::RequestHuman {
            client_msg_id: ClientMsgId("r1".into()),
        },
    )
    .await;
    let r1 = acked(&mut visitor).await;

    // SIGKILL with a response window (3 s) running.
    server.kill();
    drop((op, visitor));
    let server = start(&dir, port).await;

    // The visitor resumes from before the message: everything acked is replayed.
    let mut visitor = server.visitor().await;
    send(
        &mut visitor,
        &hello(Some(Resume {
            conversation: conversation.clone(),
            token: token_v,
            last_seq: Seq(0),
        })),
    )
    .await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome after restart")
    };
    let texts: Vec<_> = welcome.replay.iter().filter_map(|e| e.body.message_text()).collect();
    assert!(
        texts.contains(&"before the crash"),
        "the acked message survived: {texts:?}"
    );
    assert!(
        welcome
            .replay
            .iter()
            .any(|e| e.seq == r1 && matches!(e.body, EventBody::HelpRequested { .. }))
    );
    assert!(welcome.replay.iter().any(|e| e.seq == m1));
    assert!(
        matches!(welcome.snapshot.state, HandoverState::Waiting { .. }),
        "still waiting after the restart"
    );

    // A retry of the acked message is recognised after the restart too.
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "before the crash".into(),
        },
    )
    .await;
    assert_eq!(acked(&mut visitor).await, m1);

    // The operator's session and status survived; they see the conversation.
    let mut op = server.operator(&token).await;
    let ServerToOperator::Welcome(w) = recv(&mut op).await else {
        panic!("operator welcome")
    };
    assert_eq!(w.status, OperatorStatus::Available);
    assert!(
        w.conversations
            .iter()
            .any(|c| c.id == conversation && matches!(c.state, HandoverState::Waiting { .. }))
    );

    // The window that was running when the process died lapses on time.
    let lapsed = tokio::time::timeout(Duration::from_secs(8), async {
        loop {
            if let ServerToVisitor::Event(e) = recv::<ServerToVisitor>(&mut visitor).await {
                if e.body == EventBody::RequestLapsed {
                    return e;
                }
            }
        }
    })
    .await
    .expect("the response window lapses after the restart");
    assert!(lapsed.seq > r1);
    server.kill();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Receipt marks persist (PROTOCOL.md §4.1): what the visitor reported as
/// delivered and read is what the welcome says after a SIGKILL.
#[tokio::test]
async fn receipt_marks_survive_a_killed_server() {
    let dir = std::env::temp_dir().join(format!("baton-restart-{}", auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let port = free_port();
    let server = start(&dir, port).await;
    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello(None)).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    let say = |id: &str, text: &str| VisitorToServer::Send {
        client_msg_id: ClientMsgId(id.into()),
        text: text.into(),
    };
    send(&mut visitor, &say("m1", "Do you do refunds?")).await;
    acked(&mut visitor).await;
    // The demo bot answers; the visitor's device reports it stored and shown.
    let answer = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e)
            if matches!(
                e.body,
                EventBody::Message {
                    author: Author::Bot,
                    ..
                }
            ) =>
        {
            Some(e.seq)
        }
        _ => None,
    })
    .await;
    send(
        &mut visitor,
        &VisitorToServer::Receipt {
            delivered: Some(answer),
            read: Some(answer),
        },
    )
    .await;
    // The store writer keeps order: once a later send is acked, the marks
    // before it are committed.
    send(&mut visitor, &say("m2", "thanks")).await;
    acked(&mut visitor).await;
    server.kill();
    drop(visitor);

    let server = start(&dir, port).await;
    let mut visitor = server.visitor().await;
    send(
        &mut visitor,
        &hello(Some(Resume {
            conversation,
            token,
            last_seq: Seq(0),
        })),
    )
    .await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome after restart")
    };
    assert_eq!(
        welcome.snapshot.visitor_marks,
        baton_protocol::receipts::ReceiptMarks {
            delivered: answer,
            read: answer
        },
        "the visitor's marks are what they were before the kill"
    );
    server.kill();
}
