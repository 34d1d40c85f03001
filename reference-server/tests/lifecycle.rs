//! A conversation's life, black-box over loopback and a real SQLite file:
//! a `hello` alone stores nothing and shows nothing to operators; the
//! visitor's first message stores the conversation and lists it; a
//! conversation resumes after a restart, used or not.

mod common;

use baton_protocol::operator::ServerToOperator;
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use common::*;

fn say(id: &str, text: &str) -> VisitorToServer {
    VisitorToServer::Send {
        client_msg_id: ClientMsgId(id.into()),
        text: text.into(),
    }
}

fn resume(conversation: &ConversationId, token: &VisitorToken) -> VisitorToServer {
    VisitorToServer::Hello(VisitorHello {
        protocol: PROTOCOL_VERSION,
        features: all_features(),
        bot: BotId("demo".into()),
        resume: Some(Resume {
            conversation: conversation.clone(),
            token: token.clone(),
            last_seq: Seq(0),
        }),
        locale: None,
        page: None,
    })
}

async fn welcomed(server: &Server) -> (Ws, ConversationId, VisitorToken) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    match visitor_frame(&mut ws).await {
        ServerToVisitor::Welcome(w) => (ws, w.conversation, w.token.expect("a new visitor gets a token")),
        other => panic!("expected welcome, got {other:?}"),
    }
}

async fn acked(ws: &mut Ws) -> Seq {
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        _ => None,
    })
    .await
}

/// The conversations an operator's welcome lists.
async fn listed(server: &Server) -> Vec<ConversationId> {
    let mut op = server.operator("op-a").await;
    recv_until(&mut op, |f: &ServerToOperator| match f {
        ServerToOperator::Welcome(w) => Some(w.conversations.iter().map(|c| c.id.clone()).collect()),
        _ => None,
    })
    .await
}

fn stored(server: &Server) -> usize {
    server.state.hub.store().conversations().expect("read store").len()
}

#[tokio::test]
async fn a_thousand_hellos_without_a_message_store_and_list_nothing() {
    let server = Server::start().await;
    // 50 sockets at a time, each welcomed with an id and a token.
    for _ in 0..20 {
        let mut batch = Vec::new();
        for _ in 0..50 {
            batch.push(welcomed(&server).await);
        }
        for (_, _, token) in &batch {
            assert!(token.0.len() >= 32);
        }
    }
    assert_eq!(stored(&server), 0, "a hello alone stores no conversation");
    assert!(listed(&server).await.is_empty(), "and lists none to operators");
    let metrics = reqwest::get(format!("http://{}/metrics", server.addr))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        !metrics
            .lines()
            .any(|l| l.starts_with("baton_conversations{") && !l.ends_with(" 0")),
        "no conversation is counted: {metrics}"
    );
}

#[tokio::test]
async fn the_first_message_stores_the_conversation_and_operators_see_it() {
    let server = Server::start().await;
    let mut op = server.operator("op-a").await;
    recv_until(&mut op, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Welcome(_)).then_some(())
    })
    .await;
    let (mut ws, conversation, _) = welcomed(&server).await;
    assert_eq!(stored(&server), 0);
    // Typing before the first message tells operators nothing either.
    send(&mut ws, &VisitorToServer::Typing { typing: true }).await;
    send(&mut ws, &say("m1", "hello, anyone?")).await;
    assert_eq!(acked(&mut ws).await, Seq(1));
    assert_eq!(stored(&server), 1, "acked means stored, row and all");
    // This operator hears nothing of it before it is stored: not the typing
    // (sent before the message); then its presence and row.
    let first = recv_until(&mut op, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(c) => Some(Ok(c.clone())),
        ServerToOperator::Typing { .. } => Some(Err(format!("{f:?}"))),
        _ => None,
    })
    .await
    .expect("no typing about a conversation before it is stored");
    assert_eq!(first.id, conversation);
    assert_eq!(listed(&server).await, vec![conversation.clone()]);
}

#[tokio::test]
async fn an_operator_cannot_open_a_conversation_nobody_has_written_in() {
    let server = Server::start().await;
    let (_ws, conversation, _) = welcomed(&server).await;
    let mut op = server.operator("op-a").await;
    recv_until(&mut op, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Welcome(_)).then_some(())
    })
    .await;
    send(
        &mut op,
        &baton_protocol::operator::OperatorToServer::Open {
            conversation: conversation.clone(),
        },
    )
    .await;
    let err = recv_until(&mut op, |f: &ServerToOperator| match f {
        ServerToOperator::Error(e) => Some(e.code),
        ServerToOperator::History { .. } => Some(ErrorCode::Internal),
        _ => None,
    })
    .await;
    assert_eq!(err, ErrorCode::NotFound);
}

#[tokio::test]
async fn conversations_resume_after_a_restart_used_or_not() {
    let server = Server::start().await;
    let (mut used, used_id, used_token) = welcomed(&server).await;
    send(&mut used, &say("m1", "remember me")).await;
    acked(&mut used).await;
    let (unused, unused_id, unused_token) = welcomed(&server).await;
    drop((used, unused));
    let dir = server.stop().await;
    let server = Server::start_in(&dir, 60_000).await;

    // The used one comes back with its history.
    let mut ws = server.visitor().await;
    send(&mut ws, &resume(&used_id, &used_token)).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    assert_eq!(w.conversation, used_id);
    assert_eq!(w.replay[0].body.message_text(), Some("remember me"));

    // The never-used one was never stored; its token still proves its id,
    // so it resumes empty and is stored by its first message.
    let mut ws = server.visitor().await;
    send(&mut ws, &resume(&unused_id, &unused_token)).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    assert_eq!((w.conversation.clone(), w.replay.len()), (unused_id.clone(), 0));
    send(&mut ws, &say("m1", "back again")).await;
    assert_eq!(acked(&mut ws).await, Seq(1));
    let listed = listed(&server).await;
    assert!(listed.contains(&unused_id) && listed.contains(&used_id));

    // A token does not prove any other id.
    let mut ws = server.visitor().await;
    send(&mut ws, &resume(&ConversationId("0".repeat(32)), &unused_token)).await;
    assert!(matches!(
        visitor_frame(&mut ws).await,
        ServerToVisitor::Error(e) if e.code == ErrorCode::Unauthorized
    ));
}
