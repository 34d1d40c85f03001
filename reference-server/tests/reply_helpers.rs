//! The inbox's reply helpers on the server: team-wide saved replies (the
//! role checked on every frame, changes live to every inbox), Suggest's
//! per-operator rate limit, and a translated reply's original, which
//! operators see and the visitor never does.

mod common;

use baton_protocol::operator::{OperatorToServer, ServerToOperator, Shortcut, ShortcutDraft, ShortcutScope};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::*;
use futures::StreamExt;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

async fn welcomed(server: &Server, op: &str) -> (Ws, Vec<Shortcut>) {
    let mut ws = server.operator(op).await;
    let shortcuts = recv_until(&mut ws, |f: &ServerToOperator| match f {
        ServerToOperator::Welcome(w) => Some(w.shortcuts.clone()),
        _ => None,
    })
    .await;
    (ws, shortcuts)
}

fn save(client_msg_id: &str, trigger: &str, text: &str, scope: ShortcutScope) -> OperatorToServer {
    OperatorToServer::SaveShortcut {
        client_msg_id: id(client_msg_id),
        shortcut: ShortcutDraft {
            id: None,
            trigger: trigger.into(),
            text: text.into(),
            scope,
        },
    }
}

/// The answer to request `msg`: `Ok(())` for `done`, the error code otherwise.
async fn answer(ws: &mut Ws, msg: &str) -> Result<(), ErrorCode> {
    recv_until(ws, |f: &ServerToOperator| match f {
        ServerToOperator::Done { client_msg_id } if client_msg_id.as_str() == msg => Some(Ok(())),
        ServerToOperator::Error(e) if e.client_msg_id.as_ref().is_some_and(|m| m.as_str() == msg) => Some(Err(e.code)),
        _ => None,
    })
    .await
}

async fn next_list(ws: &mut Ws) -> Vec<Shortcut> {
    recv_until(ws, |f: &ServerToOperator| match f {
        ServerToOperator::Shortcuts { shortcuts } => Some(shortcuts.clone()),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn team_replies_are_changed_by_admins_only_and_reach_every_inbox_live() {
    let server = Server::start().await;
    // op-a is the admin, op-b an agent.
    let (mut admin, _) = welcomed(&server, "op-a").await;
    let (mut agent, _) = welcomed(&server, "op-b").await;

    send(&mut agent, &save("b1", "hours", "We open at 9.", ShortcutScope::Team)).await;
    assert_eq!(
        answer(&mut agent, "b1").await,
        Err(ErrorCode::Forbidden),
        "agents cannot add team replies"
    );

    send(
        &mut admin,
        &save("a1", "hours", "We're here 9:00 to 17:00.", ShortcutScope::Team),
    )
    .await;
    assert_eq!(answer(&mut admin, "a1").await, Ok(()));
    let seen_by_agent = next_list(&mut agent).await;
    assert_eq!(seen_by_agent.len(), 1);
    let team = seen_by_agent[0].clone();
    assert_eq!((team.trigger.as_str(), team.scope), ("hours", ShortcutScope::Team));
    assert_eq!(next_list(&mut admin).await, vec![team.clone()]);

    // An agent can neither edit nor delete it, even knowing its id.
    let edit = OperatorToServer::SaveShortcut {
        client_msg_id: id("b2"),
        shortcut: ShortcutDraft {
            id: Some(team.id.clone()),
            trigger: "hours".into(),
            text: "Closed forever".into(),
            scope: ShortcutScope::Mine,
        },
    };
    send(&mut agent, &edit).await;
    assert_eq!(answer(&mut agent, "b2").await, Err(ErrorCode::Forbidden));
    let delete = |msg: &str| OperatorToServer::DeleteShortcut {
        client_msg_id: id(msg),
        id: team.id.clone(),
    };
    send(&mut agent, &delete("b3")).await;
    assert_eq!(answer(&mut agent, "b3").await, Err(ErrorCode::Forbidden));

    // A personal reply with the same trigger is the agent's alone, and wins for them.
    send(
        &mut agent,
        &save("b4", "hours", "I'm here until 15:00 today.", ShortcutScope::Mine),
    )
    .await;
    assert_eq!(answer(&mut agent, "b4").await, Ok(()));
    let mine = next_list(&mut agent).await;
    assert_eq!(mine.len(), 2, "{mine:?}");
    let usable = baton_protocol::shortcuts::usable(&mine);
    assert_eq!(usable.len(), 1);
    assert_eq!(usable[0].text, "I'm here until 15:00 today.");
    let (_, admins_list) = welcomed(&server, "op-a").await;
    assert_eq!(admins_list, vec![team.clone()], "a personal reply stays personal");

    // The admin deletes it: gone from every inbox at once.
    send(&mut admin, &delete("a2")).await;
    assert_eq!(answer(&mut admin, "a2").await, Ok(()));
    assert!(
        next_list(&mut agent)
            .await
            .iter()
            .all(|s| s.scope == ShortcutScope::Mine)
    );
    server.stop().await;
}

async fn handed_over(server: &Server) -> (Ws, Ws, ConversationId) {
    let mut op = server.available_operator("op-a").await;
    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello()).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut visitor).await else {
        panic!("welcome")
    };
    let conversation = w.conversation;
    send(
        &mut visitor,
        &VisitorToServer::RequestHuman {
            client_msg_id: id("r1"),
        },
    )
    .await;
    // Stored (so operators may act on it) once acked.
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    send(
        &mut op,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: id("j1"),
            display_name: "Ana".into(),
        },
    )
    .await;
    recv_until(&mut op, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Ack { client_msg_id, .. } if client_msg_id.as_str() == "j1").then_some(())
    })
    .await;
    (op, visitor, conversation)
}

/// Raw text frames from a visitor socket until one contains `needle`.
async fn raw_until(ws: &mut Ws, needle: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("a frame within 5 s")
            .expect("open")
            .expect("no error");
        if let WsMessage::Text(text) = msg {
            let done = text.contains(needle);
            seen.push(text.to_string());
            if done {
                return seen;
            }
        }
    }
}

#[tokio::test]
async fn a_translated_replys_original_reaches_operators_and_never_the_visitor() {
    let server = Server::start().await;
    let (mut op, mut visitor, conversation) = handed_over(&server).await;
    let (mut teammate, _) = welcomed(&server, "op-b").await;
    // A teammate watching the chat (events go to connections that have it open).
    send(
        &mut teammate,
        &OperatorToServer::Open {
            conversation: conversation.clone(),
        },
    )
    .await;
    recv_until(&mut teammate, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::History { .. }).then_some(())
    })
    .await;
    send(
        &mut op,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: id("o1"),
            text: "[de] Ihre Bestellung ist unterwegs".into(),
            original: Some("SECRET-ORIGINAL your order is on its way".into()),
        },
    )
    .await;
    let frames = raw_until(&mut visitor, "Ihre Bestellung").await;
    assert!(
        frames
            .iter()
            .all(|f| !f.contains("SECRET-ORIGINAL") && !f.contains("\"original\"")),
        "{frames:?}"
    );

    let original = recv_until(&mut teammate, |f: &ServerToOperator| match f {
        ServerToOperator::Event { event, .. } => match &event.body {
            EventBody::Message { original, .. } => Some(original.clone()),
            _ => None,
        },
        _ => None,
    })
    .await;
    assert_eq!(original.as_deref(), Some("SECRET-ORIGINAL your order is on its way"));

    // A history page and a resumed visitor's replay carry it no more than the live event.
    send(
        &mut visitor,
        &VisitorToServer::History {
            before: Seq(100),
            limit: 50,
        },
    )
    .await;
    let frames = raw_until(&mut visitor, "\"history\"").await;
    let page = frames.last().expect("history");
    assert!(
        page.contains("Ihre Bestellung") && !page.contains("SECRET-ORIGINAL"),
        "{page}"
    );
    let stored = server
        .state
        .hub
        .store()
        .events_after(&conversation, Seq(0), 100)
        .expect("log");
    assert!(
        stored
            .iter()
            .any(|e| matches!(&e.body, EventBody::Message { original: Some(o), .. } if o.starts_with("SECRET"))),
        "the log keeps it for operators"
    );
    drop(op);
    server.stop().await;
}

#[tokio::test]
async fn suggest_is_limited_to_ten_a_minute_per_operator() {
    let server = Server::start().await;
    let (_op, mut visitor, conversation) = handed_over(&server).await;
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("v1"),
            text: "hello".into(),
        },
    )
    .await;
    let client = reqwest::Client::new();
    let url = format!(
        "http://{}/api/conversations/{}/suggest",
        server.addr,
        conversation.as_str()
    );
    let token = server.session("op-a");
    for i in 0..10 {
        let r = client.post(&url).bearer_auth(&token).send().await.expect("request");
        assert_ne!(r.status(), reqwest::StatusCode::TOO_MANY_REQUESTS, "request {i}");
    }
    let refused = client.post(&url).bearer_auth(&token).send().await.expect("request");
    assert_eq!(refused.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let body: serde_json::Value = refused.json().await.expect("json");
    assert!(body["message"].as_str().unwrap().contains("Try again in"), "{body}");
    // Another operator is not held back by op-a's clicks.
    let other = client
        .post(&url)
        .bearer_auth(server.session("op-b"))
        .send()
        .await
        .expect("request");
    assert_ne!(other.status(), reqwest::StatusCode::TOO_MANY_REQUESTS);
    server.stop().await;
}

#[tokio::test]
async fn translate_without_an_endpoint_says_it_is_not_set_up() {
    let server = Server::start().await;
    let body = serde_json::json!({"text": "Hallo", "target": "en"});
    let (status, answer) = server
        .call("op-b", reqwest::Method::POST, "/api/translate", Some(body), None)
        .await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);
    assert_eq!(answer["error"], "translation_not_configured", "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("LibreTranslate"),
        "{answer}"
    );
    server.stop().await;
}
