//! A planned stop (SIGTERM, ctrl-c) drains the process: `/healthz` answers
//! `503 draining` at once, every client gets `going_away` with a retry hint
//! and then a 1001 close, the store writer finishes what it took, and the
//! process exits by itself, within a bound. What was acknowledged before is
//! in the log when the visitor resumes on the restarted process.

mod common;

use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use common::process::{Baton, free_port};
use common::{Server, Ws, recv, recv_until, send};
use futures::StreamExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

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

/// The `going_away` a socket gets and the close code after it; panics on
/// anything else than frames, that frame, and the close.
async fn going_away_then_close(ws: &mut Ws) -> (Millis, Option<u16>) {
    let mut retry = None;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("the drain reaches this socket within 20 s");
        match next {
            Some(Ok(Message::Text(text))) => {
                if let Ok(ServerToVisitor::GoingAway { retry_after }) = serde_json::from_str(&text) {
                    retry = Some(retry_after);
                }
            }
            Some(Ok(Message::Close(frame))) => {
                let retry = retry.expect("going_away before the close");
                return (retry, frame.map(|f| u16::from(f.code)));
            }
            Some(Ok(_)) => {}
            Some(Err(err)) => panic!("the socket failed without a close frame: {err}"),
            None => panic!("the socket ended without a close frame"),
        }
    }
}

#[tokio::test]
async fn sigterm_sends_going_away_then_closes_and_keeps_what_was_acked() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().to_str().expect("a UTF-8 path").to_owned();
    let port = free_port();
    let mut server = Baton::start(port, &["--data-dir", &data]).await;

    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello(None)).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "acked before the stop".into(),
        },
    )
    .await;
    let m1 = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        ServerToVisitor::Error(e) => panic!("refused: {e:?}"),
        _ => None,
    })
    .await;
    // More on their way while the signal comes: whatever of them is acked
    // must be stored too; the rest the visitor sends again on resume.
    for n in 2..=20 {
        send(
            &mut visitor,
            &VisitorToServer::Send {
                client_msg_id: ClientMsgId(format!("m{n}")),
                text: format!("burst {n}"),
            },
        )
        .await;
    }

    server.terminate();
    let (retry_after, close) = going_away_then_close(&mut visitor).await;
    assert!(
        (1_000..2_000).contains(&retry_after.0),
        "a retry hint from the pause up to twice it: {retry_after:?}"
    );
    assert_eq!(close, Some(1001), "closed as going away");
    // The client's side of the close: the drain waits for it (bounded).
    assert!(
        visitor.next().await.is_none_or(|end| end.is_err()),
        "nothing after the close"
    );
    drop(visitor);
    let status = server.exited(Duration::from_secs(30)).await;
    assert!(status.success(), "a drained process exits cleanly: {status}");
    drop(server);

    let server = Baton::start(port, &["--data-dir", &data]).await;
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
    assert_eq!(welcome.conversation, conversation);
    assert!(
        welcome
            .replay
            .iter()
            .any(|e| e.seq == m1 && e.body.message_text() == Some("acked before the stop")),
        "the acked message is in the log: {:?}",
        welcome.replay
    );
}

#[tokio::test]
async fn healthz_answers_503_draining_once_the_drain_begins() {
    let mut server = Server::start().await;
    let state = server.state.clone();
    let health = || async {
        let answer = baton_server::http::healthz(axum::extract::State(state.clone())).await;
        let code = answer.status().as_u16();
        let body = axum::body::to_bytes(answer.into_body(), usize::MAX)
            .await
            .expect("body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        (code, body["status"].as_str().unwrap_or_default().to_owned())
    };
    assert_eq!(health().await, (200, "ok".to_owned()));
    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello(None)).await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Welcome(_)).then_some(())
    })
    .await;
    server.begin_shutdown();
    // The visitor is told to go only after the flag is up.
    going_away_then_close(&mut visitor).await;
    assert_eq!(health().await, (503, "draining".to_owned()));
}
