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

/// Frames until `conversation`'s row shows `last` as its latest message;
/// returns the `event` frames seen on the way for that conversation.
async fn events_until_row(op: &mut Ws, conversation: &ConversationId, last: &str) -> Vec<ConversationEvent> {
    let mut events = Vec::new();
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Event { conversation: c, event } if c == conversation => {
            events.push(event.clone());
            None
        }
        ServerToOperator::Conversation(row) if &row.id == conversation => {
            (row.last_message.as_deref() == Some(last)).then_some(())
        }
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

    let seen_open = events_until_row(&mut watching, &conversation, "busy 5").await;
    assert_eq!(
        visitor_texts(&seen_open),
        ["busy 1", "busy 2", "busy 3", "busy 4", "busy 5"],
        "the connection with the chat open gets every event"
    );
    let seen_listing = events_until_row(&mut listing, &conversation, "busy 5").await;
    assert!(
        seen_listing.is_empty(),
        "no events without the chat open: {seen_listing:?}"
    );

    // Opening another conversation closes this one for events.
    let (_other_visitor, other) = new_visitor(&server).await;
    send(&mut watching, &OperatorToServer::Open { conversation: other }).await;
    recv_until(&mut watching, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::History { .. }).then_some(())
    })
    .await;
    visitor_says(&mut visitor, "m6", "busy 6").await;
    let after = events_until_row(&mut watching, &conversation, "busy 6").await;
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

    let owned = events_until_row(&mut owner, &conversation, "are you there?").await;
    assert_eq!(visitor_texts(&owned), ["are you there?"]);
    let seen = events_until_row(&mut other, &conversation, "are you there?").await;
    assert!(
        seen.is_empty(),
        "a teammate who is not the owner gets no events: {seen:?}"
    );
}
