//! The visitor socket, black-box: frames in, frames out, over loopback.

mod common;

use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use common::*;

async fn welcomed(server: &Server) -> (Ws, ConversationId, VisitorToken) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    match visitor_frame(&mut ws).await {
        ServerToVisitor::Welcome(w) => {
            let token = w.token.expect("a new visitor gets a token");
            assert!(token.0.len() >= 32, "token carries at least 128 bits");
            (ws, w.conversation, token)
        }
        other => panic!("expected welcome, got {other:?}"),
    }
}

fn say(id: &str, text: &str) -> VisitorToServer {
    VisitorToServer::Send {
        client_msg_id: ClientMsgId(id.into()),
        text: text.into(),
    }
}

fn resume(conversation: &ConversationId, token: &VisitorToken, last_seq: u64) -> VisitorToServer {
    VisitorToServer::Hello(VisitorHello {
        protocol: PROTOCOL_VERSION,
        features: common::all_features(),
        bot: BotId("demo".into()),
        resume: Some(Resume {
            conversation: conversation.clone(),
            token: token.clone(),
            last_seq: Seq(last_seq),
        }),
        locale: None,
        page: None,
    })
}

fn messages(events: &[ConversationEvent]) -> Vec<(u64, String)> {
    events
        .iter()
        .filter_map(|e| Some((e.seq.0, e.body.message_text()?.to_owned())))
        .collect()
}

#[tokio::test]
async fn a_new_visitor_is_acked_and_the_bot_answers() {
    let server = Server::start().await;
    let (mut ws, _, _) = welcomed(&server).await;
    send(&mut ws, &say("m1", "How long does shipping take?")).await;
    let mut events = Vec::new();
    let mut acked = None;
    while events.len() < 2 || acked.is_none() {
        match visitor_frame(&mut ws).await {
            ServerToVisitor::Event(e) => events.push(e),
            ServerToVisitor::Ack { client_msg_id, seq } => acked = Some((client_msg_id, seq)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(acked, Some((ClientMsgId("m1".into()), Seq(1))));
    assert_eq!(events[0].seq, Seq(1));
    assert!(
        matches!(&events[1].body, EventBody::Message { author: Author::Bot, text, .. } if text.contains("3–5 days"))
    );
    assert_eq!(events[1].seq, Seq(2));
}

#[tokio::test]
async fn a_retried_send_is_stored_once_and_gets_the_original_ack() {
    let server = Server::start().await;
    let (mut ws, conversation, token) = welcomed(&server).await;
    send(&mut ws, &say("m1", "hello")).await;
    let first = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        _ => None,
    })
    .await;
    send(&mut ws, &say("m1", "hello")).await;
    let second = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        _ => None,
    })
    .await;
    assert_eq!(first, second);
    drop(ws);
    // A fresh connection replays the whole log: the message is there once.
    let mut ws = server.visitor().await;
    send(&mut ws, &resume(&conversation, &token, 0)).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    let visitor_msgs: Vec<_> = w
        .replay
        .iter()
        .filter(|e| {
            matches!(
                &e.body,
                EventBody::Message {
                    author: Author::Visitor,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(visitor_msgs.len(), 1);
}

#[tokio::test]
async fn resume_replays_only_what_the_client_missed() {
    let server = Server::start().await;
    let (mut ws, conversation, token) = welcomed(&server).await;
    send(&mut ws, &say("m1", "hi")).await;
    recv_until(&mut ws, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Event(e) if e.seq == Seq(2)).then_some(())
    })
    .await;
    drop(ws);
    let mut ws = server.visitor().await;
    send(&mut ws, &resume(&conversation, &token, 1)).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    assert!(w.token.is_none(), "a resumed conversation keeps its token");
    assert_eq!(w.replay.iter().map(|e| e.seq.0).collect::<Vec<_>>(), [2]);
    assert_eq!(w.snapshot.state, HandoverState::Bot);
}

#[tokio::test]
async fn a_forged_token_or_a_foreign_conversation_is_refused() {
    let server = Server::start().await;
    let (_a, conversation_a, _) = welcomed(&server).await;
    let (_b, _, token_b) = welcomed(&server).await;
    for (conversation, token) in [
        (conversation_a.clone(), VisitorToken("0".repeat(64))),
        (conversation_a.clone(), token_b.clone()),
        (ConversationId("no-such-conversation".into()), token_b),
    ] {
        let mut ws = server.visitor().await;
        send(&mut ws, &resume(&conversation, &token, 0)).await;
        match visitor_frame(&mut ws).await {
            ServerToVisitor::Error(e) => assert_eq!(e.code, ErrorCode::Unauthorized),
            other => panic!("expected unauthorized, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_page_from_another_origin_cannot_open_the_socket() {
    let server = Server::start().await;
    let err = server.connect_visitor("http://evil.test").await.expect_err("refused");
    match err {
        tokio_tungstenite::tungstenite::Error::Http(response) => assert_eq!(response.status(), 403),
        other => panic!("expected HTTP 403, got {other:?}"),
    }
}

#[tokio::test]
async fn malformed_and_oversized_frames_get_errors_and_the_socket_stays_usable() {
    let server = Server::start().await;
    let (mut ws, _, _) = welcomed(&server).await;
    send_raw(&mut ws, "{not json").await;
    let ServerToVisitor::Error(e) = visitor_frame(&mut ws).await else {
        panic!("error")
    };
    assert_eq!(e.code, ErrorCode::BadFrame);
    send_raw(
        &mut ws,
        &format!(
            r#"{{"type":"send","client_msg_id":"big","text":"{}"}}"#,
            "x".repeat(MAX_FRAME_BYTES)
        ),
    )
    .await;
    let ServerToVisitor::Error(e) = visitor_frame(&mut ws).await else {
        panic!("error")
    };
    assert_eq!(e.code, ErrorCode::TooLarge);
    send(&mut ws, &say("long", &"y".repeat(MAX_MESSAGE_CHARS + 1))).await;
    let ServerToVisitor::Error(e) = visitor_frame(&mut ws).await else {
        panic!("error")
    };
    assert_eq!(
        (e.code, e.client_msg_id),
        (ErrorCode::TooLarge, Some(ClientMsgId("long".into())))
    );
    // Still usable:
    send(&mut ws, &say("ok", "still here?")).await;
    let seq = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        _ => None,
    })
    .await;
    assert_eq!(seq, Seq(1), "the refused frames stored nothing");
}

#[tokio::test]
async fn frames_before_hello_are_refused() {
    let server = Server::start().await;
    let mut ws = server.visitor().await;
    send(&mut ws, &say("m1", "hi")).await;
    let ServerToVisitor::Error(e) = visitor_frame(&mut ws).await else {
        panic!("error")
    };
    assert_eq!(e.code, ErrorCode::HelloRequired);
}

#[tokio::test]
async fn asking_for_a_person_while_nobody_is_available_is_refused() {
    let server = Server::start().await;
    let (mut ws, _, _) = welcomed(&server).await;
    send(
        &mut ws,
        &VisitorToServer::RequestHuman {
            client_msg_id: ClientMsgId("r1".into()),
        },
    )
    .await;
    let ServerToVisitor::Error(e) = visitor_frame(&mut ws).await else {
        panic!("error")
    };
    assert_eq!(e.code, ErrorCode::NoOperatorAvailable);
}

#[tokio::test]
async fn acknowledged_messages_survive_a_restart() {
    let server = Server::start().await;
    let (mut ws, conversation, token) = welcomed(&server).await;
    send(&mut ws, &say("m1", "remember me")).await;
    recv_until(&mut ws, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    drop(ws);
    let dir = server.stop().await;
    let server = Server::start_in(&dir, 60_000).await;
    let mut ws = server.visitor().await;
    send(&mut ws, &resume(&conversation, &token, 0)).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    assert_eq!(messages(&w.replay)[0], (1, "remember me".to_owned()));
}

#[tokio::test]
async fn an_unsupported_version_is_told_what_is_supported_and_closed() {
    let server = Server::start().await;
    let mut ws = server.visitor().await;
    send_raw(&mut ws, r#"{"type":"hello","protocol":99,"bot":"demo"}"#).await;
    let ServerToVisitor::Error(e) = visitor_frame(&mut ws).await else {
        panic!("error")
    };
    assert_eq!(e.code, ErrorCode::UnsupportedVersion);
    assert_eq!(e.supported_versions, SUPPORTED_VERSIONS.to_vec());
    use futures::StreamExt;
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(end.is_ok(), "the server closes after unsupported_version");
}

#[tokio::test]
async fn older_events_are_paged_with_history() {
    let server = Server::start().await;
    let (mut ws, _, _) = welcomed(&server).await;
    for i in 0..3 {
        send(&mut ws, &say(&format!("m{i}"), "what is the meaning of life")).await;
        recv_until(&mut ws, |f: &ServerToVisitor| {
            matches!(f, ServerToVisitor::Ack { .. }).then_some(())
        })
        .await;
    }
    // Each message got a bot reply: 6 events. Page back from seq 5, two at a time.
    recv_until(&mut ws, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Event(e) if e.seq == Seq(6)).then_some(())
    })
    .await;
    send(
        &mut ws,
        &VisitorToServer::History {
            before: Seq(5),
            limit: 2,
        },
    )
    .await;
    let page = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::History(p) => Some(p.clone()),
        _ => None,
    })
    .await;
    assert_eq!(page.events.iter().map(|e| e.seq.0).collect::<Vec<_>>(), [3, 4]);
    assert!(page.has_more);
    send(
        &mut ws,
        &VisitorToServer::History {
            before: Seq(3),
            limit: 100,
        },
    )
    .await;
    let page = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::History(p) => Some(p.clone()),
        _ => None,
    })
    .await;
    assert_eq!(page.events.iter().map(|e| e.seq.0).collect::<Vec<_>>(), [1, 2]);
    assert!(!page.has_more);
}

#[tokio::test]
async fn a_frame_must_be_an_object() {
    let server = Server::start().await;
    let (mut ws, _, _) = welcomed(&server).await;
    send_raw(&mut ws, r#"["send","m1","hi"]"#).await;
    let ServerToVisitor::Error(e) = visitor_frame(&mut ws).await else {
        panic!("error")
    };
    assert_eq!(e.code, ErrorCode::BadFrame);
    send(&mut ws, &VisitorToServer::Ping).await;
    assert_eq!(visitor_frame(&mut ws).await, ServerToVisitor::Pong, "still usable");
}
