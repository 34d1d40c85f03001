//! The real server binary on PostgreSQL (`--store postgres://…`): a
//! visitor's message is stored there, survives a SIGKILL, and is replayed
//! when the visitor resumes on the restarted process; `/healthz` names the
//! store. Runs on a fresh database of the server in `BATON_TEST_POSTGRES`
//! (skipped without it, unless `BATON_REQUIRE_POSTGRES=1`).

mod common;

use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use common::processes::{FreshDb, Process, free_port, postgres_url};
use common::{Ws, recv, recv_until, send};
use tokio_postgres::NoTls;

/// `/healthz`'s status line and body.
async fn health(server: &Process) -> (String, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .expect("connect");
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n")
        .await
        .expect("request");
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.expect("answer");
    let (head, body) = answer.split_once("\r\n\r\n").expect("a response");
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, serde_json::from_str(body).expect("JSON"))
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

#[tokio::test]
async fn a_visitor_message_on_postgres_survives_a_killed_server() {
    let Some(url) = postgres_url() else { return };
    let db = FreshDb::create(&url).await;
    let (config, store) = (db.config.clone(), db.url.clone());
    let port = free_port();
    let server = Process::start(&store, port, &[]).await;
    let (status, health) = health(&server).await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(health["store"]["backend"], "postgres", "{health}");
    assert_eq!(health["store"]["status"], "ok", "{health}");

    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello(None)).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    let m1 = send_m1(&mut visitor).await;

    // The acknowledged row is in the database, written by the server.
    let (client, connection) = config.connect(NoTls).await.expect("connect to the test database");
    tokio::spawn(connection);
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
    let server = Process::start(&store, port, &[]).await;
    let mut visitor = server.visitor().await;
    send(
        &mut visitor,
        &hello(Some(Resume {
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
    let again = send_m1(&mut visitor).await;
    assert_eq!(again, m1);
    server.kill();
    drop(visitor);
    db.drop_now().await;
}

/// Sends the visitor's message `m1` (again, on a retry) and returns the seq
/// its ack names.
async fn send_m1(visitor: &mut Ws) -> Seq {
    send(
        visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "stored in postgres".into(),
        },
    )
    .await;
    recv_until(visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        ServerToVisitor::Error(e) => panic!("refused: {e:?}"),
        _ => None,
    })
    .await
}
