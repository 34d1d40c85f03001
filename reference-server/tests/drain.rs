//! A planned stop (SIGTERM, ctrl-c) drains the process: `/healthz` answers
//! `503 draining` at once, every client gets `going_away` with a retry hint
//! and then a 1001 close, the store writer finishes what it took, and the
//! process exits by itself, within a bound. What was acknowledged before is
//! in the log when the visitor resumes on the restarted process.

mod common;

use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::process::{Baton, free_port, going_away_then_close};
use common::{Server, recv, recv_until, send, send_acked};
use futures::StreamExt;
use std::time::Duration;

#[tokio::test]
async fn sigterm_sends_going_away_then_closes_and_keeps_what_was_acked() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data = dir.path().to_str().expect("a UTF-8 path").to_owned();
    let port = free_port();
    let mut server = Baton::start(port, &["--data-dir", &data]).await;

    let mut visitor = server.visitor().await;
    send(&mut visitor, &common::hello()).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    let m1 = send_acked(&mut visitor, "m1", "acked before the stop").await;
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
    // The acked message is in the log.
    common::resume_finds(&mut visitor, &conversation, &token, m1, "acked before the stop").await;
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
    send(&mut visitor, &common::hello()).await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Welcome(_)).then_some(())
    })
    .await;
    server.begin_shutdown();
    // The visitor is told to go only after the flag is up.
    going_away_then_close(&mut visitor).await;
    assert_eq!(health().await, (503, "draining".to_owned()));
}

#[tokio::test]
async fn a_hello_after_the_drain_began_is_told_to_go_too() {
    let mut server = Server::start().await;
    let state = server.state.clone();
    // Connected before the signal, silent until after it.
    let mut visitor = server.visitor().await;
    server.begin_shutdown();
    while !state.is_draining() {
        tokio::task::yield_now().await;
    }
    send(&mut visitor, &common::hello()).await;
    let (_, close) = going_away_then_close(&mut visitor).await;
    assert_eq!(close, Some(1001));
}

/// What `serve` waits for last: once `Hub::drained` resolves, every input
/// queued before it has been committed and answered.
#[tokio::test]
async fn drained_resolves_after_everything_queued_to_the_writer() {
    use baton_protocol::conversation::Input;
    use baton_server::hub::Hub;
    use baton_server::store::SqliteStore;
    use std::sync::{Arc, Mutex};

    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SqliteStore::open(&dir.path().join("baton.sqlite3")).expect("store");
    let hub = Hub::start(store, vec![(common::bot(60_000), None)]).expect("hub starts");
    let (outbox, _frames) = tokio::sync::mpsc::channel(4096);
    let VisitorToServer::Hello(hello) = common::hello() else {
        unreachable!("a hello")
    };
    let (conversation, _peer) = hub
        .visitor_hello(&BotId("demo".into()), hello, None, &outbox)
        .expect("welcome");
    const SENT: usize = 200;
    let answers = Arc::new(Mutex::new(Vec::new()));
    for n in 0..SENT {
        let answers = answers.clone();
        hub.input_then(
            &conversation,
            Input::VisitorMessage {
                id: ClientMsgId(format!("m{n}")),
                text: format!("message {n}"),
            },
            Box::new(move |reply| answers.lock().expect("answers").push(reply)),
        );
    }
    hub.drained().await;
    let answers = answers.lock().expect("answers");
    assert_eq!(answers.len(), SENT, "every input answered");
    assert!(answers.iter().all(|a| matches!(a, Some(Ok(_)))), "{answers:?}");
    let stored = hub
        .store()
        .events_after(&conversation, Seq(0), 10 * SENT)
        .expect("the log");
    let messages = stored.iter().filter(|e| e.body.message_text().is_some()).count();
    assert_eq!(messages, SENT, "every message committed");
}
