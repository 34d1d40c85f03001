//! Where an implementer reading only PROTOCOL.md found the server saying
//! something else (issue 12, item 5): each test is one such point, over real
//! sockets, and fails on the server as it was.

mod common;

use baton_protocol::operator::{OperatorToServer, ServerToOperator, ShortcutDraft, ShortcutId, ShortcutScope};
use baton_protocol::presence::VisitorPresence;
use baton_protocol::visitor::{ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use common::*;
use std::time::Duration;

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

/// A visitor who said hello with `features` and sent one message (so the
/// conversation is stored whatever the server's rule for that).
async fn visitor_with(server: &Server, features: Vec<String>) -> (Ws, ConversationId) {
    let mut ws = server.visitor().await;
    let hello = VisitorToServer::Hello(VisitorHello {
        protocol: PROTOCOL_VERSION,
        features,
        bot: BotId("demo".into()),
        resume: None,
        locale: None,
        page: None,
    });
    send(&mut ws, &hello).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    send(
        &mut ws,
        &VisitorToServer::Send {
            client_msg_id: id("v-first"),
            text: "hello there".into(),
        },
    )
    .await;
    recv_until(&mut ws, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    (ws, w.conversation)
}

/// Operator `op`, welcomed, having offered `features`.
async fn operator_with(server: &Server, op: &str, features: Vec<String>) -> Ws {
    let mut ws = operator_socket_raw(&server.addr.to_string(), &server.session(op)).await;
    send(
        &mut ws,
        &OperatorToServer::Hello {
            protocol: PROTOCOL_VERSION,
            features,
        },
    )
    .await;
    recv_until(&mut ws, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Welcome(_)).then_some(())
    })
    .await;
    ws
}

/// Every frame before the `pong` answering a fresh `ping`: what the server
/// had queued for this socket so far.
async fn visitor_frames_until_pong(ws: &mut Ws) -> Vec<ServerToVisitor> {
    send(ws, &VisitorToServer::Ping).await;
    let mut frames = Vec::new();
    loop {
        match visitor_frame(ws).await {
            ServerToVisitor::Pong => return frames,
            other => frames.push(other),
        }
    }
}

async fn operator_frames_until_pong(ws: &mut Ws) -> Vec<ServerToOperator> {
    send(ws, &OperatorToServer::Ping).await;
    let mut frames = Vec::new();
    loop {
        match operator_frame(ws).await {
            ServerToOperator::Pong => return frames,
            other => frames.push(other),
        }
    }
}

/// The operator's answer to a request with `client_msg_id`.
async fn answer(op: &mut Ws, client_msg_id: &str) -> ServerToOperator {
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id: i, .. } | ServerToOperator::Done { client_msg_id: i }
            if i.as_str() == client_msg_id =>
        {
            Some(f.clone())
        }
        ServerToOperator::Error(e) if e.client_msg_id.as_ref().is_some_and(|i| i.as_str() == client_msg_id) => {
            Some(f.clone())
        }
        _ => None,
    })
    .await
}

fn join(conversation: &ConversationId, client_msg_id: &str) -> OperatorToServer {
    OperatorToServer::Join {
        conversation: conversation.clone(),
        client_msg_id: id(client_msg_id),
        display_name: String::new(),
    }
}

#[tokio::test]
async fn frames_of_features_a_connection_did_not_negotiate_are_not_sent() {
    let server = Server::start().await;
    let (mut bare_visitor, conversation) = visitor_with(&server, vec![]).await;
    let mut bare_op = operator_with(&server, "op-b", vec![]).await;
    // Available, so that it stays the owner (an Offline one is gone at once).
    let mut op = server.available_operator("op-a").await;
    send(
        &mut bare_op,
        &OperatorToServer::Open {
            conversation: conversation.clone(),
        },
    )
    .await;
    send(&mut op, &join(&conversation, "j1")).await;
    assert!(matches!(answer(&mut op, "j1").await, ServerToOperator::Ack { .. }));

    // The owner types and reads; the visitor types and reads.
    send(
        &mut op,
        &OperatorToServer::Typing {
            conversation: conversation.clone(),
            typing: true,
        },
    )
    .await;
    send(
        &mut op,
        &OperatorToServer::Receipt {
            conversation: conversation.clone(),
            delivered: Some(Seq(2)),
            read: Some(Seq(2)),
        },
    )
    .await;
    send(&mut bare_visitor, &VisitorToServer::Typing { typing: true }).await;
    send(
        &mut bare_visitor,
        &VisitorToServer::Receipt {
            delivered: Some(Seq(2)),
            read: Some(Seq(2)),
        },
    )
    .await;

    let to_visitor = visitor_frames_until_pong(&mut bare_visitor).await;
    assert!(
        to_visitor
            .iter()
            .any(|f| matches!(f, ServerToVisitor::Event(e) if matches!(e.body, EventBody::OperatorJoined { .. }))),
        "{to_visitor:?}"
    );
    assert!(
        to_visitor.iter().all(|f| f.feature().is_none()),
        "a visitor without typing or receipts gets neither: {to_visitor:?}"
    );
    let to_bare_op = operator_frames_until_pong(&mut bare_op).await;
    assert!(
        to_bare_op.iter().any(|f| matches!(f, ServerToOperator::History { .. })),
        "its open was answered: {to_bare_op:?}"
    );
    assert!(
        to_bare_op.iter().all(|f| f.feature().is_none()),
        "an inbox without features gets no typing, receipts or presence: {to_bare_op:?}"
    );
    // The same frames do reach a connection that negotiated them.
    let to_op = operator_frames_until_pong(&mut op).await;
    assert!(
        to_op.iter().any(|f| matches!(f, ServerToOperator::Typing { .. })),
        "{to_op:?}"
    );
    assert!(
        to_op.iter().any(|f| matches!(f, ServerToOperator::Receipts { .. })),
        "{to_op:?}"
    );
}

#[tokio::test]
async fn operators_get_presence_frames_as_the_visitor_comes_and_goes() {
    let server = Server::start().await;
    let mut op = operator_with(&server, "op-a", all_features()).await;
    let (mut visitor, conversation) = visitor_with(&server, all_features()).await;
    // Operators hear of a conversation (and its presence) once it is stored.
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "hi".into(),
        },
    )
    .await;
    let presence = |f: &ServerToOperator| match f {
        ServerToOperator::Presence {
            conversation: c,
            presence,
        } if c == &conversation => Some(*presence),
        _ => None,
    };
    assert_eq!(recv_until(&mut op, presence).await, VisitorPresence::Online);
    drop(visitor);
    // `reconnecting` after RECONNECT_GRACE (5 s) without a connection.
    let later = tokio::time::timeout(Duration::from_secs(9), async {
        loop {
            if let Some(p) = presence(&operator_frame(&mut op).await) {
                return p;
            }
        }
    })
    .await
    .expect("a presence frame within 9 s");
    assert_eq!(later, VisitorPresence::Reconnecting);
}

#[tokio::test]
async fn a_resolved_chat_leaves_live_lists_with_conversation_removed() {
    let server = Server::start().await;
    let (_visitor, conversation) = visitor_with(&server, all_features()).await;
    let mut op = operator_with(&server, "op-a", all_features()).await;
    let mut teammate = operator_with(&server, "op-b", all_features()).await;
    send(
        &mut op,
        &OperatorToServer::Resolve {
            conversation: conversation.clone(),
            client_msg_id: id("x1"),
        },
    )
    .await;
    assert!(matches!(answer(&mut op, "x1").await, ServerToOperator::Ack { .. }));

    // The last row (state resolved), then the removal, in that order. A
    // coalesced row from before the resolve (the chat's earlier state) may
    // come first: op-b joined after the chat was created.
    let mut seen = Vec::new();
    recv_until(&mut teammate, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(row) if row.id == conversation => {
            seen.push(format!("row {:?}", row.state));
            None
        }
        ServerToOperator::ConversationRemoved { conversation: c } if c == &conversation => {
            seen.push("removed".to_owned());
            Some(())
        }
        _ => None,
    })
    .await;
    let (earlier, last_two) = seen.split_at(seen.len().saturating_sub(2));
    assert_eq!(last_two, ["row Resolved", "removed"], "{seen:?}");
    assert!(earlier.iter().all(|s| s != "row Resolved"), "{seen:?}");

    let mut later = server.operator("op-b").await;
    let ServerToOperator::Welcome(w) = operator_frame(&mut later).await else {
        panic!("welcome")
    };
    assert!(
        w.conversations.iter().all(|c| c.id != conversation),
        "not in later welcomes"
    );
}

#[tokio::test]
async fn errors_answering_requests_name_the_request_and_unknown_chats_are_not_found() {
    let server = Server::start().await;
    let mut op = operator_with(&server, "op-a", all_features()).await;
    let nowhere = ConversationId("no-such-chat".into());
    send(&mut op, &join(&nowhere, "j-nowhere")).await;
    let ServerToOperator::Error(err) = answer(&mut op, "j-nowhere").await else {
        panic!("refused")
    };
    assert_eq!(err.code, ErrorCode::NotFound);

    send(
        &mut op,
        &OperatorToServer::History {
            conversation: nowhere,
            before: Seq(10),
            limit: 50,
        },
    )
    .await;
    let frames = operator_frames_until_pong(&mut op).await;
    assert!(
        frames
            .iter()
            .any(|f| matches!(f, ServerToOperator::Error(e) if e.code == ErrorCode::NotFound)),
        "history of an unknown chat is not_found, not an empty page: {frames:?}"
    );
    assert!(
        !frames.iter().any(|f| matches!(f, ServerToOperator::History { .. })),
        "{frames:?}"
    );
}

#[tokio::test]
async fn an_over_long_note_is_too_large() {
    let server = Server::start().await;
    let (_visitor, conversation) = visitor_with(&server, all_features()).await;
    let mut op = operator_with(&server, "op-a", all_features()).await;
    let note = |client_msg_id: &str, text: String| OperatorToServer::AddNote {
        conversation: conversation.clone(),
        client_msg_id: id(client_msg_id),
        text,
    };
    send(&mut op, &note("n-long", "é".repeat(MAX_MESSAGE_CHARS + 1))).await;
    let ServerToOperator::Error(err) = answer(&mut op, "n-long").await else {
        panic!("refused")
    };
    assert_eq!(err.code, ErrorCode::TooLarge);
    send(&mut op, &note("n-blank", "   ".into())).await;
    let ServerToOperator::Error(err) = answer(&mut op, "n-blank").await else {
        panic!("refused")
    };
    assert_eq!(err.code, ErrorCode::BadFrame);
}

#[tokio::test]
async fn a_retried_save_or_delete_of_a_saved_reply_is_done_again() {
    let server = Server::start().await;
    let mut op = operator_with(&server, "op-a", all_features()).await;
    let save = OperatorToServer::SaveShortcut {
        client_msg_id: id("s1"),
        shortcut: ShortcutDraft {
            id: None,
            trigger: "returns".into(),
            text: "Returns are free within 30 days.".into(),
            scope: ShortcutScope::Mine,
        },
    };
    let mut lists = Vec::new();
    for _ in 0..2 {
        send(&mut op, &save).await;
        assert!(matches!(answer(&mut op, "s1").await, ServerToOperator::Done { .. }));
        lists.push(
            recv_until(&mut op, |f: &ServerToOperator| match f {
                ServerToOperator::Shortcuts { shortcuts } => Some(shortcuts.clone()),
                _ => None,
            })
            .await,
        );
    }
    assert_eq!(lists[0], lists[1], "the retry changed nothing");
    assert_eq!(lists[1].len(), 1);

    // Another request with the same trigger, in any case, is a clash.
    let clash = OperatorToServer::SaveShortcut {
        client_msg_id: id("s2"),
        shortcut: ShortcutDraft {
            id: None,
            trigger: "/Returns".into(),
            text: "Other words".into(),
            scope: ShortcutScope::Mine,
        },
    };
    send(&mut op, &clash).await;
    let ServerToOperator::Error(err) = answer(&mut op, "s2").await else {
        panic!("refused")
    };
    assert_eq!(err.code, ErrorCode::Conflict);

    let delete = OperatorToServer::DeleteShortcut {
        client_msg_id: id("d1"),
        id: lists[1][0].id.clone(),
    };
    for _ in 0..2 {
        send(&mut op, &delete).await;
        assert!(matches!(answer(&mut op, "d1").await, ServerToOperator::Done { .. }));
    }
    let never = OperatorToServer::DeleteShortcut {
        client_msg_id: id("d2"),
        id: ShortcutId("never-was".into()),
    };
    send(&mut op, &never).await;
    assert!(matches!(answer(&mut op, "d2").await, ServerToOperator::Done { .. }));
}

#[tokio::test]
async fn transfer_to_an_unknown_operator_is_a_conflict_with_the_state() {
    let server = Server::start().await;
    let (_visitor, conversation) = visitor_with(&server, all_features()).await;
    // Available: an Offline owner would be judged gone at once (§7.12).
    let mut op = server.available_operator("op-a").await;
    send(&mut op, &join(&conversation, "j1")).await;
    answer(&mut op, "j1").await;
    send(
        &mut op,
        &OperatorToServer::Transfer {
            conversation: conversation.clone(),
            client_msg_id: id("t1"),
            to: OperatorId("op-nobody".into()),
        },
    )
    .await;
    let ServerToOperator::Error(err) = answer(&mut op, "t1").await else {
        panic!("refused")
    };
    assert_eq!(err.code, ErrorCode::Conflict);
    assert!(
        matches!(err.state.as_deref(), Some(HandoverState::Human { .. })),
        "{err:?}"
    );
}
