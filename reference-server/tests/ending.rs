//! Issue 14 over real sockets, when nobody comes and when the chat ends:
//! a lapse, a message left and answered by email (the email reaches the
//! test's SMTP sink and the reply the chat), the offline form listing the
//! chat for the team, the rating shown in the row and averaged per operator
//! and bot (and kept over a restart), the transcript emailed once, and the
//! per-bot choices pushed to visitors.

mod common;

use baton_protocol::operator::{ConversationSummary, OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use baton_server::notify::{self, EmailConfig, NotifyConfig};
use common::stubs::{next_mail, no_mail, smtp_sink};
use common::*;
use serde_json::json;
use std::time::Duration;

fn email_config(port: u16) -> EmailConfig {
    serde_json::from_value(json!({
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "from": "Demo Shop <support@shop.test>",
        "delay_ms": 60_000,
        "site_name": "Demo Shop",
        "site_url": "https://shop.test/",
    }))
    .expect("email config")
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// A server on `dir` with a `window_ms` response window, emailing through
/// the sink on `port`.
async fn start(dir: &std::path::Path, window_ms: u64, port: Option<u16>) -> Server {
    let server = Server::start_in(dir, window_ms).await;
    if let Some(port) = port {
        let config = NotifyConfig {
            email: Some(email_config(port)),
            ..Default::default()
        };
        notify::spawn(server.state.hub.clone(), config, "https://baton.test".into());
    }
    server
}

/// A new visitor (every feature): socket, conversation, token.
async fn visitor(server: &Server) -> (Ws, ConversationId, VisitorToken) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    let (conversation, token) = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some((w.conversation.clone(), w.token.clone()?)),
        _ => None,
    })
    .await;
    (ws, conversation, token)
}

/// The visitor's answer to `id`: `Ok(seq)` or the error's code.
async fn visitor_answer(ws: &mut Ws, id: &str) -> Result<Seq, ErrorCode> {
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { client_msg_id, seq } if client_msg_id.as_str() == id => Some(Ok(*seq)),
        ServerToVisitor::Error(e) if e.client_msg_id.as_ref().is_some_and(|c| c.as_str() == id) => Some(Err(e.code)),
        _ => None,
    })
    .await
}

async fn operator_answer(ws: &mut Ws, id: &str) -> Result<Seq, ErrorCode> {
    recv_until(ws, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, seq } if client_msg_id.as_str() == id => Some(Ok(*seq)),
        ServerToOperator::Error(e) if e.client_msg_id.as_ref().is_some_and(|c| c.as_str() == id) => Some(Err(e.code)),
        _ => None,
    })
    .await
}

/// "Talk to a human", answered.
async fn ask_for_a_person(ws: &mut Ws) -> Result<Seq, ErrorCode> {
    send(
        ws,
        &VisitorToServer::RequestHuman {
            client_msg_id: id("r1"),
        },
    )
    .await;
    visitor_answer(ws, "r1").await
}

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

async fn leave_message(ws: &mut Ws, msg: &str, email: &str, text: &str) -> Result<Seq, ErrorCode> {
    send(
        ws,
        &VisitorToServer::LeaveMessage {
            client_msg_id: id(msg),
            email: email.into(),
            text: text.into(),
        },
    )
    .await;
    visitor_answer(ws, msg).await
}

/// The operator's next row for `conversation` that `pick` accepts.
async fn row_where(
    op: &mut Ws,
    conversation: &ConversationId,
    pick: impl Fn(&ConversationSummary) -> bool,
) -> ConversationSummary {
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(row) if &row.id == conversation && pick(row) => Some(row.clone()),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn after_a_lapse_the_left_message_is_answered_by_email_and_the_reply_lands_in_the_chat() {
    let (port, mut mails) = smtp_sink().await;
    let server = start(&temp_dir(), 800, Some(port)).await;
    let mut op = server.available_operator("op-a").await;
    let (mut v, conversation, token) = visitor(&server).await;

    ask_for_a_person(&mut v).await.expect("requested");
    recv_until(&mut v, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if e.body == EventBody::RequestLapsed => Some(()),
        _ => None,
    })
    .await;

    let left = leave_message(&mut v, "l1", "ana@example.com", "Please email me when 4412 ships.").await;
    assert!(left.is_ok(), "{left:?}");
    let row = row_where(&mut op, &conversation, |r| r.left_message).await;
    assert_eq!(
        row.state,
        HandoverState::Bot,
        "listed for the team while the bot has it"
    );

    send(
        &mut op,
        &OperatorToServer::ReplyByEmail {
            conversation: conversation.clone(),
            client_msg_id: id("e1"),
            text: "Hi Ana, order 4412 left this morning.".into(),
        },
    )
    .await;
    operator_answer(&mut op, "e1").await.expect("answered");
    let mail = next_mail(&mut mails).await;
    assert_eq!(mail.to, ["ana@example.com"]);
    assert_eq!(mail.header("Subject").as_deref(), Some("A reply to your message"));
    assert!(
        mail.data.contains("Hi Ana, order 4412 left this morning."),
        "{}",
        mail.data
    );
    assert!(mail.data.contains("Ana"), "signed with the operator's name");
    row_where(&mut op, &conversation, |r| !r.left_message).await;

    // The visitor comes back later: the reply is in the chat.
    drop(v);
    let mut back = server.visitor().await;
    send(
        &mut back,
        &VisitorToServer::Hello(VisitorHello {
            protocol: PROTOCOL_VERSION,
            features: all_features(),
            bot: BotId("demo".into()),
            resume: Some(Resume {
                conversation: conversation.clone(),
                token,
                last_seq: Seq(0),
            }),
            locale: None,
            page: None,
        }),
    )
    .await;
    let replay = recv_until(&mut back, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.replay.clone()),
        _ => None,
    })
    .await;
    assert!(
        replay
            .iter()
            .any(|e| matches!(&e.body, EventBody::EmailReplied { text, .. } if text.contains("4412 left"))),
        "{replay:?}"
    );
    no_mail(&mut mails, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn with_nobody_online_the_offline_form_lists_the_chat_for_the_team() {
    let server = start(&temp_dir(), 60_000, None).await;
    // Connected but not Available.
    let mut op = server.operator("op-a").await;
    let (mut v, conversation, _) = visitor(&server).await;
    assert_eq!(ask_for_a_person(&mut v).await, Err(ErrorCode::NoOperatorAvailable));
    assert_eq!(
        leave_message(&mut v, "l0", "not an address", "Hi").await,
        Err(ErrorCode::BadFrame)
    );
    leave_message(&mut v, "l1", "lee@example.org", "Do you ship to Norway?")
        .await
        .expect("left");
    row_where(&mut op, &conversation, |r| r.left_message).await;

    // Without an email sender, answering by email is refused plainly.
    send(
        &mut op,
        &OperatorToServer::ReplyByEmail {
            conversation: conversation.clone(),
            client_msg_id: id("e1"),
            text: "We do.".into(),
        },
    )
    .await;
    assert_eq!(operator_answer(&mut op, "e1").await, Err(ErrorCode::Forbidden));

    // A restart keeps it listed: the left message is in the log.
    let dir = server.stop().await;
    let server = start(&dir, 60_000, None).await;
    let mut op = server.operator("op-a").await;
    let listed = recv_until(&mut op, |f: &ServerToOperator| match f {
        ServerToOperator::Welcome(w) => Some(w.conversations.iter().any(|r| r.id == conversation && r.left_message)),
        _ => None,
    })
    .await;
    assert!(listed, "still listed after a restart");
}

/// A visitor handed to op-a, who then resolves: visitor socket, conversation, op socket.
async fn resolved_chat(server: &Server, op: &mut Ws) -> (Ws, ConversationId) {
    let (mut v, conversation, _) = visitor(server).await;
    ask_for_a_person(&mut v).await.expect("requested");
    send(
        op,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: id(&format!("j-{}", conversation.as_str())),
            display_name: "Ana".into(),
        },
    )
    .await;
    operator_answer(op, &format!("j-{}", conversation.as_str()))
        .await
        .expect("joined");
    send(
        op,
        &OperatorToServer::Resolve {
            conversation: conversation.clone(),
            client_msg_id: id(&format!("z-{}", conversation.as_str())),
        },
    )
    .await;
    operator_answer(op, &format!("z-{}", conversation.as_str()))
        .await
        .expect("resolved");
    (v, conversation)
}

async fn rate(v: &mut Ws, msg: &str, score: u8) -> Result<Seq, ErrorCode> {
    send(
        v,
        &VisitorToServer::Rate {
            client_msg_id: id(msg),
            score,
            comment: Some("Quick and kind".into()),
        },
    )
    .await;
    visitor_answer(v, msg).await
}

#[tokio::test]
async fn ratings_after_resolve_show_in_the_row_and_average_per_operator_and_bot_across_a_restart() {
    let dir = temp_dir();
    let server = start(&dir, 60_000, None).await;
    let mut op = server.available_operator("op-a").await;
    let (mut v1, c1) = resolved_chat(&server, &mut op).await;
    assert_eq!(rate(&mut v1, "x0", 0).await, Err(ErrorCode::BadFrame));
    rate(&mut v1, "x1", 5).await.expect("rated");
    assert_eq!(rate(&mut v1, "x2", 1).await, Err(ErrorCode::Conflict), "once");
    let (mut v2, _) = resolved_chat(&server, &mut op).await;
    rate(&mut v2, "x1", 4).await.expect("rated");

    // The resolved row carries the rating (an `open` answers with it).
    send(
        &mut op,
        &OperatorToServer::Open {
            conversation: c1.clone(),
        },
    )
    .await;
    let row = row_where(&mut op, &c1, |r| r.rating.is_some()).await;
    assert_eq!(row.rating, Some(5));

    let expect = json!({
        "operators": [{"operator": {"id": "op-a", "name": "Ana"}, "count": 2, "average": 4.5}],
        "bots": [{"bot": "demo", "count": 2, "average": 4.5}],
    });
    let (status, body) = server
        .call("op-b", reqwest::Method::GET, "/api/ratings", None, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, expect);

    let dir = server.stop().await;
    let server = start(&dir, 60_000, None).await;
    let (_, body) = server
        .call("op-b", reqwest::Method::GET, "/api/ratings", None, None)
        .await;
    assert_eq!(body, expect, "ratings live in the log and survive a restart");
    let (status, _) = reqwest::Client::new()
        .get(format!("http://{}/api/ratings", server.addr))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .expect("request");
    assert_eq!(status, 401, "operators only");
}

#[tokio::test]
async fn a_bot_with_ratings_off_refuses_them() {
    let server = start(&temp_dir(), 60_000, None).await;
    let (status, _) = server
        .call(
            "op-a",
            reqwest::Method::PUT,
            "/api/bots/demo/settings",
            Some(json!({"rating": false, "after_lapse": {"keep_waiting": false, "leave_message": true, "back_to_bot": true}})),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let mut op = server.available_operator("op-a").await;
    let (mut v, _) = resolved_chat(&server, &mut op).await;
    assert_eq!(rate(&mut v, "x1", 5).await, Err(ErrorCode::Forbidden));
    let (_, bots) = server.call("op-a", reqwest::Method::GET, "/api/bots", None, None).await;
    assert_eq!(bots["bots"][0]["rating"], false);
    assert_eq!(bots["bots"][0]["after_lapse"]["keep_waiting"], false);
}

#[tokio::test]
async fn the_transcript_is_emailed_once_as_plain_text() {
    let (port, mut mails) = smtp_sink().await;
    let server = start(&temp_dir(), 60_000, Some(port)).await;
    let mut op = server.available_operator("op-a").await;
    let (mut v, _) = resolved_chat(&server, &mut op).await;
    send(
        &mut v,
        &VisitorToServer::Transcript {
            client_msg_id: id("t1"),
            email: "ana@example.com".into(),
        },
    )
    .await;
    visitor_answer(&mut v, "t1").await.expect("asked");
    let mail = next_mail(&mut mails).await;
    assert_eq!(mail.to, ["ana@example.com"]);
    assert_eq!(mail.header("Subject").as_deref(), Some("Your chat transcript"));
    assert!(
        mail.header("Content-Type")
            .unwrap_or_default()
            .starts_with("text/plain")
    );
    send(
        &mut v,
        &VisitorToServer::Transcript {
            client_msg_id: id("t2"),
            email: "ana@example.com".into(),
        },
    )
    .await;
    assert_eq!(visitor_answer(&mut v, "t2").await, Err(ErrorCode::Conflict));
    no_mail(&mut mails, Duration::from_millis(400)).await;
}
