//! The handover flow across both sockets: an operator's availability, a help
//! request, join, messages both ways, the bot muted, leave, and the races.

mod common;

use baton_protocol::operator::{OperatorStatus, OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::*;

async fn new_visitor(server: &Server) -> (Ws, ConversationId) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    (ws, w.conversation)
}

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

async fn visitor_event(ws: &mut Ws, mut want: impl FnMut(&EventBody) -> bool) -> ConversationEvent {
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if want(&e.body) => Some(e.clone()),
        _ => None,
    })
    .await
}

async fn request_human(visitor: &mut Ws) {
    send(
        visitor,
        &VisitorToServer::RequestHuman {
            client_msg_id: id("r1"),
        },
    )
    .await;
    visitor_event(visitor, |b| matches!(b, EventBody::HelpRequested { .. })).await;
}

#[tokio::test]
async fn full_handover_and_back_to_the_bot() {
    handover_flow(Server::start().await).await;
}

#[tokio::test]
async fn full_handover_on_the_in_memory_store() {
    handover_flow(Server::start_memory().await).await;
}

async fn handover_flow(server: Server) {
    let mut op = server.operator("op-a").await;
    let ServerToOperator::Welcome(w) = operator_frame(&mut op).await else {
        panic!("welcome")
    };
    assert_eq!(w.status, OperatorStatus::Offline, "operators start Offline");

    let (mut visitor, conversation) = new_visitor(&server).await;
    available(&mut op).await;
    let availability = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Availability(a) => Some(a.clone()),
        _ => None,
    })
    .await;
    assert!(
        availability.human_available,
        "pushed live when the first operator becomes Available"
    );

    request_human(&mut visitor).await;
    let row = recv_until(&mut op, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(c) if matches!(c.state, HandoverState::Waiting { .. }) => Some(c.clone()),
        _ => None,
    })
    .await;
    assert_eq!(row.id, conversation);

    // Waiting chats take no operator messages until claimed.
    send(
        &mut op,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: id("early"),
            text: "hi".into(),
            original: None,
        },
    )
    .await;
    let err = recv_until(&mut op, |f: &ServerToOperator| match f {
        ServerToOperator::Error(e) => Some(e.clone()),
        _ => None,
    })
    .await;
    assert_eq!(err.code, ErrorCode::Conflict);

    send(
        &mut op,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: id("j1"),
            display_name: "Ana S.".into(),
        },
    )
    .await;
    let joined = visitor_event(&mut visitor, |b| matches!(b, EventBody::OperatorJoined { .. })).await;
    let EventBody::OperatorJoined { operator } = joined.body else {
        unreachable!()
    };
    assert_eq!(operator.name, "Ana S.", "the visitor sees the confirmed display name");

    send(
        &mut op,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: id("o1"),
            text: "Hello, Ana here".into(),
            original: None,
        },
    )
    .await;
    let msg = visitor_event(&mut visitor, |b| b.message_text() == Some("Hello, Ana here")).await;
    assert!(matches!(
        msg.body,
        EventBody::Message {
            author: Author::Operator { .. },
            ..
        }
    ));

    // The bot is muted: the visitor's message is followed by the operator's
    // next one, with no bot reply in between.
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("v1"),
            text: "What about refunds?".into(),
        },
    )
    .await;
    visitor_event(&mut visitor, |b| b.message_text() == Some("What about refunds?")).await;
    send(
        &mut op,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: id("o2"),
            text: "30 days".into(),
            original: None,
        },
    )
    .await;
    let next = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) => Some(e.clone()),
        _ => None,
    })
    .await;
    assert_eq!(
        next.body.message_text(),
        Some("30 days"),
        "no bot reply while a person owns the chat"
    );

    send(
        &mut op,
        &OperatorToServer::Leave {
            conversation: conversation.clone(),
            client_msg_id: id("l1"),
        },
    )
    .await;
    visitor_event(&mut visitor, |b| matches!(b, EventBody::OperatorLeft { .. })).await;
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("v2"),
            text: "and shipping?".into(),
        },
    )
    .await;
    let bot = visitor_event(&mut visitor, |b| {
        matches!(
            b,
            EventBody::Message {
                author: Author::Bot,
                ..
            }
        )
    })
    .await;
    assert!(
        bot.body.message_text().is_some_and(|t| t.contains("3–5 days")),
        "the bot is back"
    );
}

#[tokio::test]
async fn two_operators_join_at_once_and_exactly_one_wins() {
    let server = Server::start().await;
    let mut a = server.operator("op-a").await;
    let mut b = server.operator("op-b").await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    available(&mut a).await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Availability(_)).then_some(())
    })
    .await;
    request_human(&mut visitor).await;
    let join = |who: &str| OperatorToServer::Join {
        conversation: conversation.clone(),
        client_msg_id: id(who),
        display_name: String::new(),
    };
    send(&mut a, &join("ja")).await;
    send(&mut b, &join("jb")).await;
    let outcome = |ws: &'static str| {
        move |f: &ServerToOperator| match f {
            ServerToOperator::Ack { client_msg_id, .. } if client_msg_id.as_str() == ws => Some(Ok(())),
            ServerToOperator::Error(e) if e.client_msg_id.as_ref().map(|c| c.as_str()) == Some(ws) => {
                Some(Err(e.clone()))
            }
            _ => None,
        }
    };
    let ra = recv_until(&mut a, outcome("ja")).await;
    let rb = recv_until(&mut b, outcome("jb")).await;
    assert!(ra.is_ok() != rb.is_ok(), "exactly one join succeeds: {ra:?} {rb:?}");
    let loser = ra.err().or(rb.err()).expect("one error");
    assert_eq!(loser.code, ErrorCode::Conflict);
    assert!(
        matches!(loser.state.as_deref(), Some(HandoverState::Human { .. })),
        "the conflict carries the current state"
    );
}

#[tokio::test]
async fn a_lapsed_response_window_returns_the_chat_to_the_bot() {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let server = Server::start_in(&dir, 300).await;
    let mut op = server.operator("op-a").await;
    let (mut visitor, _) = new_visitor(&server).await;
    available(&mut op).await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Availability(_)).then_some(())
    })
    .await;
    request_human(&mut visitor).await;
    visitor_event(&mut visitor, |b| matches!(b, EventBody::RequestLapsed)).await;
}

#[tokio::test]
async fn the_operator_socket_needs_a_valid_session() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = Server::start().await;
    let mut request = format!("ws://{}/ws/operator", server.addr)
        .into_client_request()
        .expect("request");
    request
        .headers_mut()
        .insert("authorization", "Bearer not-a-session".parse().expect("header"));
    request
        .headers_mut()
        .insert("sec-websocket-protocol", "baton.v1".parse().expect("header"));
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("expected 401, got {:?}", other.map(|_| ())),
    }
}
