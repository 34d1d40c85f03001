//! Resolved chats, black-box over loopback and a real SQLite file: the
//! Resolved view pages them over HTTP, and retention deletes those quiet
//! past the kept period while open chats stay.

mod common;

use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use common::*;
use std::time::Duration;

fn cid(id: &str) -> ClientMsgId {
    ClientMsgId(id.into())
}

/// A visitor who has written once: their socket, id and token.
async fn chat(server: &Server, text: &str) -> (Ws, ConversationId, VisitorToken) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    send(
        &mut ws,
        &VisitorToServer::Send {
            client_msg_id: cid("m1"),
            text: text.into(),
        },
    )
    .await;
    recv_until(&mut ws, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    (ws, w.conversation, w.token.expect("token"))
}

async fn op_ack(op: &mut Ws, want: &str) {
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, .. } if client_msg_id.as_str() == want => Some(()),
        ServerToOperator::Error(e) if e.client_msg_id.as_ref().is_some_and(|c| c.as_str() == want) => {
            panic!("{want} refused: {e:?}")
        }
        _ => None,
    })
    .await
}

/// The operator joins and resolves the chat.
async fn resolve(op: &mut Ws, conversation: &ConversationId, n: usize) {
    let (join, done) = (format!("j{n}"), format!("r{n}"));
    send(
        op,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: cid(&join),
            display_name: String::new(),
        },
    )
    .await;
    op_ack(op, &join).await;
    send(
        op,
        &OperatorToServer::Resolve {
            conversation: conversation.clone(),
            client_msg_id: cid(&done),
        },
    )
    .await;
    op_ack(op, &done).await;
}

async fn resolved_page(server: &Server, query: &str) -> (Vec<String>, Option<String>) {
    let (status, body) = server
        .call(
            "op-a",
            reqwest::Method::GET,
            &format!("/api/conversations?state=resolved{query}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let ids = body["conversations"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect();
    (ids, body["next"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn the_resolved_view_pages_with_a_cursor() {
    let server = Server::start().await;
    let mut op = server.available_operator("op-a").await;
    let mut all = Vec::new();
    for n in 0..5 {
        let (_ws, id, _) = chat(&server, "hi").await;
        resolve(&mut op, &id, n).await;
        all.push(id.as_str().to_owned());
    }
    let mut seen = Vec::new();
    let mut query = "&limit=2".to_owned();
    let mut pages = 0;
    loop {
        let (ids, next) = resolved_page(&server, &query).await;
        assert!(ids.len() <= 2);
        seen.extend(ids);
        pages += 1;
        match next {
            Some(next) => query = format!("&limit=2&after={next}"),
            None => break,
        }
    }
    assert_eq!(pages, 3, "5 rows, 2 a page");
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 5, "each once: {seen:?}");
    all.sort();
    assert_eq!(sorted, all);
    let (status, _) = server
        .call(
            "op-a",
            reqwest::Method::GET,
            "/api/conversations?state=resolved&after=nonsense",
            None,
            None,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn retention_deletes_resolved_chats_past_the_period_and_keeps_open_ones() {
    let server = Server::start().await;
    let mut op = server.available_operator("op-a").await;
    let (_done_ws, done, done_token) = chat(&server, "resolve me").await;
    resolve(&mut op, &done, 0).await;
    let (_open_ws, open, _) = chat(&server, "still talking").await;
    let stored = || {
        let mut ids: Vec<ConversationId> = server
            .state
            .hub
            .store()
            .conversations()
            .expect("read")
            .into_iter()
            .map(|r| r.id)
            .collect();
        ids.sort();
        ids
    };
    let mut both = vec![done.clone(), open.clone()];
    both.sort();
    assert_eq!(stored(), both);

    // Not yet past the period: nothing goes.
    assert_eq!(server.state.hub.apply_retention(hub_now(), Millis(3_600_000)), 0);
    assert_eq!(stored(), both);

    // A short period, swept often: the resolved chat goes, the open one stays.
    server
        .state
        .hub
        .start_retention(Millis(300), Duration::from_millis(100));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while stored() != vec![open.clone()] {
        assert!(tokio::time::Instant::now() < deadline, "still stored: {:?}", stored());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(resolved_page(&server, "").await.0.is_empty());
    assert!(
        server.state.hub.store().log(&done).expect("log").is_empty(),
        "its events are gone"
    );

    // Its visitor's token now starts it afresh, empty.
    let mut ws = server.visitor().await;
    send(
        &mut ws,
        &VisitorToServer::Hello(VisitorHello {
            protocol: PROTOCOL_VERSION,
            features: all_features(),
            bot: BotId("demo".into()),
            resume: Some(Resume {
                conversation: done.clone(),
                token: done_token,
                last_seq: Seq(3),
            }),
            locale: None,
            page: None,
        }),
    )
    .await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    assert_eq!((w.conversation, w.replay.len(), w.snapshot.last_seq), (done, 0, Seq(0)));
}

fn hub_now() -> Timestamp {
    baton_server::hub::now()
}
