//! Operator fan-out over real sockets: full `event` frames only for the
//! conversation a connection has open or its operator owns, rows for the
//! rest (PROTOCOL.md §3.5 `event`).

mod common;

use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::*;

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

async fn new_visitor(server: &Server) -> (Ws, ConversationId) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    (ws, w.conversation)
}

/// The visitor sends `text` and waits for its ack (so it is stored and
/// fanned out).
async fn visitor_says(visitor: &mut Ws, cid: &str, text: &str) {
    let frame = VisitorToServer::Send {
        client_msg_id: id(cid),
        text: text.into(),
    };
    send(visitor, &frame).await;
    recv_until(visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { client_msg_id, .. } if client_msg_id.0 == cid => Some(()),
        _ => None,
    })
    .await;
}

/// Frames until `conversation`'s row counts `unread` visitor messages (the
/// bot answers each, so the preview is not the visitor's); returns the
/// `event` frames seen on the way for that conversation.
async fn events_until_row(op: &mut Ws, conversation: &ConversationId, unread: u32) -> Vec<ConversationEvent> {
    let mut events = Vec::new();
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Event { conversation: c, event } if c == conversation => {
            events.push(event.clone());
            None
        }
        ServerToOperator::Conversation(row) if &row.id == conversation => (row.unread == unread).then_some(()),
        _ => None,
    })
    .await;
    events
}

fn visitor_texts(events: &[ConversationEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::Message {
                author: Author::Visitor,
                text,
                ..
            } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn an_operator_without_the_chat_open_gets_its_row_but_no_events_and_one_with_it_open_gets_both() {
    let server = Server::start().await;
    let mut watching = server.available_operator("op-a").await;
    let mut listing = server.available_operator("op-b").await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    visitor_says(&mut visitor, "m0", "hello").await;
    send(
        &mut watching,
        &OperatorToServer::Open {
            conversation: conversation.clone(),
        },
    )
    .await;
    recv_until(&mut watching, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::History { .. }).then_some(())
    })
    .await;

    for i in 1..=5 {
        visitor_says(&mut visitor, &format!("m{i}"), &format!("busy {i}")).await;
    }

    let seen_open = events_until_row(&mut watching, &conversation, 5).await;
    assert_eq!(
        visitor_texts(&seen_open),
        ["busy 1", "busy 2", "busy 3", "busy 4", "busy 5"],
        "the connection with the chat open gets every event"
    );
    let seen_listing = events_until_row(&mut listing, &conversation, 6).await;
    assert!(
        seen_listing.is_empty(),
        "no events without the chat open: {seen_listing:?}"
    );

    // Opening another conversation closes this one for events.
    let (mut other_visitor, other) = new_visitor(&server).await;
    // Stored (so operators may open it) once its visitor says something.
    visitor_says(&mut other_visitor, "o0", "me too").await;
    send(&mut watching, &OperatorToServer::Open { conversation: other }).await;
    recv_until(&mut watching, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::History { .. }).then_some(())
    })
    .await;
    visitor_says(&mut visitor, "m6", "busy 6").await;
    let after = events_until_row(&mut watching, &conversation, 6).await;
    assert!(after.is_empty(), "events stop once another chat is open: {after:?}");
}

#[tokio::test]
async fn the_owner_gets_events_of_their_chat_without_having_it_open() {
    let server = Server::start().await;
    let mut owner = server.available_operator("op-a").await;
    let mut other = server.available_operator("op-b").await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    visitor_says(&mut visitor, "m0", "hello").await;
    send(
        &mut owner,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: id("j1"),
            display_name: String::new(),
        },
    )
    .await;
    recv_until(&mut owner, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, .. } if client_msg_id.0 == "j1" => Some(()),
        ServerToOperator::Error(e) => panic!("join refused: {e:?}"),
        _ => None,
    })
    .await;

    visitor_says(&mut visitor, "m1", "are you there?").await;

    let owned = events_until_row(&mut owner, &conversation, 2).await;
    assert_eq!(visitor_texts(&owned), ["are you there?"]);
    let seen = events_until_row(&mut other, &conversation, 2).await;
    assert!(
        seen.is_empty(),
        "a teammate who is not the owner gets no events: {seen:?}"
    );
}

#[tokio::test]
async fn a_burst_across_many_chats_does_not_disconnect_a_reading_operator_and_the_last_rows_arrive() {
    const CHATS: usize = 50;
    const EACH: u32 = 15; // within a visitor's frame burst (20, hello included)
    let server = Server::start().await;
    let mut op = server.available_operator("op-a").await;
    let mut visitors = Vec::new();
    for _ in 0..CHATS {
        visitors.push(new_visitor(&server).await);
    }
    // The operator reads nothing while the burst is stored and fanned out,
    // so its socket's buffers fill and the server's writer has to wait.
    for (n, (visitor, _)) in visitors.iter_mut().enumerate() {
        for i in 0..EACH {
            let frame = VisitorToServer::Send {
                client_msg_id: id(&format!("v{n}-{i}")),
                text: format!("visitor {n} message {i} {}", "x".repeat(200)),
            };
            send(visitor, &frame).await;
        }
    }
    for (visitor, _) in &mut visitors {
        let mut acked = 0;
        recv_until(visitor, |f: &ServerToVisitor| {
            if let ServerToVisitor::Ack { .. } = f {
                acked += 1;
            }
            (acked == EACH).then_some(())
        })
        .await;
    }

    // Then it reads: every chat's row arrives with its final unread count.
    let mut unread: std::collections::HashMap<ConversationId, u32> = Default::default();
    let wanted: Vec<ConversationId> = visitors.iter().map(|(_, c)| c.clone()).collect();
    recv_until(&mut op, |f: &ServerToOperator| {
        if let ServerToOperator::Conversation(row) = f {
            unread.insert(row.id.clone(), row.unread);
        }
        wanted.iter().all(|c| unread.get(c) == Some(&EACH)).then_some(())
    })
    .await;
    // Still connected: it answers a ping.
    send(&mut op, &OperatorToServer::Ping).await;
    recv_until(&mut op, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Pong).then_some(())
    })
    .await;
}
