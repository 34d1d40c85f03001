//! Black-box tests over real WebSockets for the operator-side flows: the
//! take-over race, transfer, resolve, the visitor ending a human chat,
//! receipts fan-out, typing, presence, roster counts, notes, shortcuts,
//! unread counts, country, graceful shutdown — and sign-in limits, Suggest
//! and metrics over HTTP.

mod common;

use baton_protocol::operator::{OperatorStatus, OperatorToServer, ServerToOperator, ShortcutDraft};
use baton_protocol::presence::VisitorPresence;
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::*;
use std::time::Duration;

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

/// A visitor who has said something (a `hello` alone stores nothing and
/// shows operators nothing): their socket and conversation.
async fn new_visitor(server: &Server) -> (Ws, ConversationId) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    first_message(&mut ws).await;
    (ws, w.conversation)
}

/// The visitor's first message, acked (the bot's answer may follow).
async fn first_message(ws: &mut Ws) {
    send(
        ws,
        &VisitorToServer::Send {
            client_msg_id: id("first"),
            text: "hello there".into(),
        },
    )
    .await;
    recv_until(ws, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
}

/// An operator socket, welcomed and (optionally) Available.
async fn operator(server: &Server, who: &str, available: bool) -> Ws {
    let mut op = server.operator(who).await;
    assert!(matches!(operator_frame(&mut op).await, ServerToOperator::Welcome(_)));
    if available {
        send(
            &mut op,
            &OperatorToServer::SetStatus {
                status: OperatorStatus::Available,
            },
        )
        .await;
        let me = OperatorId(who.into());
        recv_until(&mut op, |f: &ServerToOperator| match f {
            ServerToOperator::Roster(r)
                if r.operators
                    .iter()
                    .any(|o| o.profile.id == me && o.status == OperatorStatus::Available) =>
            {
                Some(())
            }
            _ => None,
        })
        .await;
    }
    op
}

async fn op_answer(op: &mut Ws, want: &str) -> Result<Seq, ErrorBody> {
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, seq } if client_msg_id.as_str() == want => Some(Ok(*seq)),
        ServerToOperator::Error(e) if e.client_msg_id.as_ref().is_some_and(|c| c.as_str() == want) => {
            Some(Err(e.clone()))
        }
        _ => None,
    })
    .await
}

async fn visitor_event(ws: &mut Ws, mut want: impl FnMut(&EventBody) -> bool) -> ConversationEvent {
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if want(&e.body) => Some(e.clone()),
        _ => None,
    })
    .await
}

async fn join(op: &mut Ws, conversation: &ConversationId, cid: &str) -> Result<Seq, ErrorBody> {
    send(
        op,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: id(cid),
            display_name: String::new(),
        },
    )
    .await;
    op_answer(op, cid).await
}

#[tokio::test]
async fn two_take_overs_of_the_same_owner_race_and_exactly_one_wins() {
    let server = Server::start().await;
    let mut a = operator(&server, "op-a", true).await;
    let mut b = operator(&server, "op-b", true).await;
    let mut c = operator(&server, "op-c", true).await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    join(&mut a, &conversation, "ja").await.expect("a joins");
    // b and c both saw a as the owner and click Take over at once.
    let take = |cid: &str| OperatorToServer::TakeOver {
        conversation: conversation.clone(),
        client_msg_id: id(cid),
        display_name: String::new(),
        replacing: OperatorId("op-a".into()),
    };
    let (sb, sc) = (take("tb"), take("tc"));
    tokio::join!(send(&mut b, &sb), send(&mut c, &sc));
    let (rb, rc) = tokio::join!(op_answer(&mut b, "tb"), op_answer(&mut c, "tc"));
    assert!(rb.is_ok() != rc.is_ok(), "exactly one take-over wins: {rb:?} {rc:?}");
    let (winner, loser) = if rb.is_ok() { ("op-b", rc) } else { ("op-c", rb) };
    let loser = loser.expect_err("the other is refused");
    assert_eq!(loser.code, ErrorCode::Conflict);
    assert!(
        matches!(loser.state.as_deref(), Some(HandoverState::Human { operator }) if operator.id.as_str() == winner),
        "the conflict shows who won: {:?}",
        loser.state
    );
    // The visitor and the replaced owner see exactly one take-over.
    let took = visitor_event(&mut visitor, |b| matches!(b, EventBody::OperatorTookOver { .. })).await;
    let EventBody::OperatorTookOver { operator, previous } = took.body else {
        unreachable!()
    };
    assert_eq!((operator.id.as_str(), previous.id.as_str()), (winner, "op-a"));
    let told = recv_until(&mut a, |f: &ServerToOperator| match f {
        ServerToOperator::Event { event, .. } => match &event.body {
            EventBody::OperatorTookOver { previous, .. } => Some(previous.id.clone()),
            _ => None,
        },
        _ => None,
    })
    .await;
    assert_eq!(told.as_str(), "op-a", "the replaced owner is told");
}

#[tokio::test]
async fn transfer_goes_only_to_an_available_teammate() {
    let server = Server::start().await;
    let mut a = operator(&server, "op-a", true).await;
    let mut b = operator(&server, "op-b", false).await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    join(&mut a, &conversation, "ja").await.expect("join");
    let transfer = |cid: &str| OperatorToServer::Transfer {
        conversation: conversation.clone(),
        client_msg_id: id(cid),
        to: OperatorId("op-b".into()),
    };
    send(&mut a, &transfer("x1")).await;
    assert_eq!(
        op_answer(&mut a, "x1").await.expect_err("b is Offline").code,
        ErrorCode::Conflict
    );
    send(
        &mut b,
        &OperatorToServer::SetStatus {
            status: OperatorStatus::Available,
        },
    )
    .await;
    recv_until(&mut a, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Roster(r) if r.available() == 2).then_some(())
    })
    .await;
    send(&mut a, &transfer("x2")).await;
    op_answer(&mut a, "x2")
        .await
        .expect("transfer to an Available teammate");
    let moved = visitor_event(&mut visitor, |b| matches!(b, EventBody::Transferred { .. })).await;
    assert!(matches!(moved.body, EventBody::Transferred { ref to, .. } if to.id.as_str() == "op-b"));
    // Now only b may speak to the visitor.
    send(
        &mut a,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: id("a1"),
            text: "hi".into(),
            original: None,
        },
    )
    .await;
    assert_eq!(
        op_answer(&mut a, "a1").await.expect_err("a no longer owns it").code,
        ErrorCode::Conflict
    );
    send(
        &mut b,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: id("b1"),
            text: "hi".into(),
            original: None,
        },
    )
    .await;
    op_answer(&mut b, "b1").await.expect("b owns it");
}

#[tokio::test]
async fn resolve_closes_the_chat_and_the_visitor_can_start_a_new_one() {
    let server = Server::start().await;
    let mut a = operator(&server, "op-a", true).await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    join(&mut a, &conversation, "ja").await.expect("join");
    send(
        &mut a,
        &OperatorToServer::Resolve {
            conversation: conversation.clone(),
            client_msg_id: id("r"),
        },
    )
    .await;
    op_answer(&mut a, "r").await.expect("resolve");
    visitor_event(&mut visitor, |b| matches!(b, EventBody::Resolved { .. })).await;
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("late"),
            text: "one more thing".into(),
        },
    )
    .await;
    let err = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Error(e) => Some(e.clone()),
        _ => None,
    })
    .await;
    assert_eq!(err.code, ErrorCode::Conflict);
    // A new hello without resume starts a fresh conversation.
    let (_, fresh) = new_visitor(&server).await;
    assert_ne!(fresh, conversation);
}

#[tokio::test]
async fn the_visitor_can_end_the_human_chat_and_the_operator_is_told() {
    let server = Server::start().await;
    let mut a = operator(&server, "op-a", true).await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    join(&mut a, &conversation, "ja").await.expect("join");
    send(
        &mut visitor,
        &VisitorToServer::EndHuman {
            client_msg_id: id("end"),
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    let told = recv_until(&mut a, |f: &ServerToOperator| match f {
        ServerToOperator::Event { conversation: c, event } if *c == conversation => match &event.body {
            EventBody::VisitorEndedHuman { operator } => Some(operator.id.clone()),
            _ => None,
        },
        _ => None,
    })
    .await;
    assert_eq!(told.as_str(), "op-a");
}

#[tokio::test]
async fn receipts_typing_and_presence_reach_the_other_side() {
    let server = Server::start().await;
    let mut a = operator(&server, "op-a", true).await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    join(&mut a, &conversation, "ja").await.expect("join");
    send(
        &mut a,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: id("o1"),
            text: "Hello".into(),
            original: None,
        },
    )
    .await;
    let seq = op_answer(&mut a, "o1").await.expect("sent");
    // The visitor reports the reply read: the operator sees the mark.
    send(
        &mut visitor,
        &VisitorToServer::Receipt {
            delivered: Some(seq),
            read: Some(seq),
        },
    )
    .await;
    let marks = recv_until(&mut a, |f: &ServerToOperator| match f {
        ServerToOperator::Receipts {
            conversation: c,
            visitor,
            ..
        } if *c == conversation => Some(*visitor),
        _ => None,
    })
    .await;
    assert_eq!((marks.delivered, marks.read), (seq, seq));
    // The operator reads the visitor's message: the visitor sees the team mark.
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("v1"),
            text: "thanks".into(),
        },
    )
    .await;
    let v1 = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        _ => None,
    })
    .await;
    send(
        &mut a,
        &OperatorToServer::Receipt {
            conversation: conversation.clone(),
            delivered: None,
            read: Some(v1),
        },
    )
    .await;
    let team = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Receipts { team } => Some(*team),
        _ => None,
    })
    .await;
    assert_eq!(team.read, v1);
    // Typing both ways, only between the visitor and the owner.
    send(&mut visitor, &VisitorToServer::Typing { typing: true }).await;
    recv_until(&mut a, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Typing { conversation: c, typing: true } if *c == conversation).then_some(())
    })
    .await;
    send(
        &mut a,
        &OperatorToServer::Typing {
            conversation: conversation.clone(),
            typing: true,
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(
            f,
            ServerToVisitor::Typing {
                author: Author::Operator { .. },
                typing: true
            }
        )
        .then_some(())
    })
    .await;
    // Presence: the visitor leaves; after the grace the operator sees
    // `reconnecting` (lost comes 2 minutes later; the pure tracker's tests
    // cover it).
    drop(visitor);
    let presence = tokio::time::timeout(Duration::from_secs(10), async {
        use futures::StreamExt;
        while let Some(Ok(msg)) = a.next().await {
            let Ok(ServerToOperator::Conversation(row)) = serde_json::from_str(msg.to_text().unwrap_or_default())
            else {
                continue;
            };
            if row.id == conversation && row.presence == VisitorPresence::Reconnecting {
                return row.presence;
            }
        }
        VisitorPresence::Unknown
    })
    .await
    .expect("reconnecting after the grace period");
    assert_eq!(presence, VisitorPresence::Reconnecting);
}

#[tokio::test]
async fn notes_stay_with_operators_and_shortcuts_are_per_operator() {
    let server = Server::start().await;
    let mut a = operator(&server, "op-a", false).await;
    let mut b = operator(&server, "op-b", false).await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    send(
        &mut a,
        &OperatorToServer::AddNote {
            conversation: conversation.clone(),
            client_msg_id: id("n1"),
            text: "VIP customer".into(),
        },
    )
    .await;
    let note = recv_until(&mut b, |f: &ServerToOperator| match f {
        ServerToOperator::Note { note, .. } => Some(note.clone()),
        _ => None,
    })
    .await;
    assert_eq!((note.text.as_str(), note.author.id.as_str()), ("VIP customer", "op-a"));
    // A retried note is stored once.
    send(
        &mut a,
        &OperatorToServer::AddNote {
            conversation: conversation.clone(),
            client_msg_id: id("n1"),
            text: "VIP customer".into(),
        },
    )
    .await;
    // The visitor never sees a note; the next thing it gets is its own ack.
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("v1"),
            text: "hi".into(),
        },
    )
    .await;
    loop {
        match visitor_frame(&mut visitor).await {
            ServerToVisitor::Ack { .. } => break,
            ServerToVisitor::Event(e) => assert!(e.body.message_text() != Some("VIP customer")),
            _ => {}
        }
    }
    send(
        &mut b,
        &OperatorToServer::Open {
            conversation: conversation.clone(),
        },
    )
    .await;
    let notes = recv_until(&mut b, |f: &ServerToOperator| match f {
        ServerToOperator::History { notes, .. } => Some(notes.clone()),
        _ => None,
    })
    .await;
    assert_eq!(notes.len(), 1, "the retry stored nothing new");

    let draft = ShortcutDraft {
        id: None,
        trigger: "/returns".into(),
        text: "Returns are free within 30 days.".into(),
        scope: Default::default(),
    };
    send(
        &mut a,
        &OperatorToServer::SaveShortcut {
            client_msg_id: id("s1"),
            shortcut: draft,
        },
    )
    .await;
    let mine = recv_until(&mut a, |f: &ServerToOperator| match f {
        ServerToOperator::Shortcuts { shortcuts } => Some(shortcuts.clone()),
        _ => None,
    })
    .await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].trigger, "returns", "the slash is not part of the trigger");
    // b cannot delete a's shortcut: deleting is idempotent, so b's request
    // is `done` (no reply of b's has that id) and a's reply stays.
    send(
        &mut b,
        &OperatorToServer::DeleteShortcut {
            client_msg_id: id("d1"),
            id: mine[0].id.clone(),
        },
    )
    .await;
    let b_list = recv_until(&mut b, |f: &ServerToOperator| match f {
        ServerToOperator::Shortcuts { shortcuts } => Some(shortcuts.clone()),
        ServerToOperator::Error(e) => panic!("{e:?}"),
        _ => None,
    })
    .await;
    assert!(b_list.is_empty(), "b never saw a's reply");
    send(&mut a, &OperatorToServer::Ping).await;
    let a_frames = recv_until(&mut a, |f: &ServerToOperator| match f {
        ServerToOperator::Shortcuts { .. } => Some(true),
        ServerToOperator::Pong => Some(false),
        _ => None,
    })
    .await;
    assert!(!a_frames, "a's list did not change");
    send(
        &mut a,
        &OperatorToServer::DeleteShortcut {
            client_msg_id: id("d2"),
            id: mine[0].id.clone(),
        },
    )
    .await;
    let left = recv_until(&mut a, |f: &ServerToOperator| match f {
        ServerToOperator::Shortcuts { shortcuts } => Some(shortcuts.len()),
        _ => None,
    })
    .await;
    assert_eq!(left, 0);
}

#[tokio::test]
async fn unread_counts_are_per_operator_and_opening_clears_them() {
    let server = Server::start().await;
    let mut a = operator(&server, "op-a", false).await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    for i in 0..2 {
        send(
            &mut visitor,
            &VisitorToServer::Send {
                client_msg_id: id(&format!("v{i}")),
                text: "hello?".into(),
            },
        )
        .await;
    }
    let unread = recv_until(&mut a, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(row) if row.id == conversation && row.unread == 3 => Some(row.unread),
        _ => None,
    })
    .await;
    // `new_visitor`'s first message and these two.
    assert_eq!(unread, 3);
    send(
        &mut a,
        &OperatorToServer::Open {
            conversation: conversation.clone(),
        },
    )
    .await;
    let row = recv_until(&mut a, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(row) if row.id == conversation && row.unread == 0 => Some(row.clone()),
        _ => None,
    })
    .await;
    assert!(row.last_activity.0 > 0);
    assert!(row.last_message.is_some(), "the row previews the last message");
}

/// The visitor says hello with a Canadian French locale; the country the
/// operator's list then shows for the new conversation.
async fn country_of_a_canadian_locale(ws: &mut Ws, operator: &mut Ws) -> baton_protocol::operator::Country {
    send(
        ws,
        &VisitorToServer::Hello(visitor::VisitorHello {
            protocol: PROTOCOL_VERSION,
            features: common::all_features(),
            bot: BotId("demo".into()),
            resume: None,
            locale: Some("fr-CA".into()),
            page: None,
        }),
    )
    .await;
    recv_until(ws, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Welcome(_)).then_some(())
    })
    .await;
    first_message(ws).await;
    recv_until(operator, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(row) => row.country.clone(),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn the_country_comes_from_the_locale_as_a_hint() {
    let server = Server::start().await;
    let mut a = operator(&server, "op-a", false).await;
    let mut ws = server.visitor().await;
    let country = country_of_a_canadian_locale(&mut ws, &mut a).await;
    assert_eq!((country.code.as_str(), country.hint), ("CA", true));
}

#[tokio::test]
async fn shutting_down_tells_clients_to_come_back() {
    let server = Server::start().await;
    let (mut visitor, _) = new_visitor(&server).await;
    let mut a = operator(&server, "op-a", false).await;
    let stopping = tokio::spawn(server.stop());
    let going = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::GoingAway { retry_after } => Some(*retry_after),
        _ => None,
    })
    .await;
    assert!(going.0 > 0);
    recv_until(&mut a, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::GoingAway { .. }).then_some(())
    })
    .await;
    stopping.await.expect("stopped");
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_refused_for_a_while() {
    let server = Server::start().await;
    let ok = login(&server, "op-b@test", "pw").await;
    assert_eq!(ok.status(), 200);
    let cookie = ok.headers()["set-cookie"].to_str().expect("ascii").to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    for _ in 0..baton_server::limits::SignInPolicy::default().per_ip_email {
        assert_eq!(login(&server, "op-a@test", "wrong").await.status(), 401);
    }
    let locked = login(&server, "op-a@test", "pw").await;
    assert_eq!(locked.status(), 429, "even the right password waits, from this address");
    assert!(locked.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn suggest_drafts_from_the_knowledge_base_for_operators_only() {
    let kb = baton_server::bot::faq::KnowledgeBase::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../demo/knowledge.toml"
    )))
    .expect("the demo knowledge file loads");
    let server = Server::start_with(&temp_dir(), 60_000, |state| {
        state.knowledge = std::sync::Arc::new([(BotId("demo".into()), std::sync::Arc::new(kb))].into_iter().collect());
    })
    .await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    // An operator owns the chat (the bot is quiet), and the visitor asks.
    let mut op = operator(&server, "op-a", true).await;
    join(&mut op, &conversation, "j").await.expect("join");
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("v1"),
            text: "Can I return a jacket?".into(),
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    let url = format!("http://{}/api/conversations/{}/suggest", server.addr, conversation);
    let anonymous = reqwest::Client::new().post(&url).send().await.expect("HTTP");
    assert_eq!(anonymous.status(), 401);
    let session = login(&server, "op-a@test", "pw")
        .await
        .json::<serde_json::Value>()
        .await
        .expect("json");
    let token = session["token"].as_str().expect("token");
    let draft = reqwest::Client::new()
        .post(&url)
        .bearer_auth(token)
        .send()
        .await
        .expect("HTTP");
    assert_eq!(draft.status(), 200);
    let text = draft.json::<serde_json::Value>().await.expect("json")["text"]
        .as_str()
        .expect("text")
        .to_owned();
    assert!(text.contains("30 days"), "{text}");
}

#[tokio::test]
async fn metrics_count_connections_and_messages() {
    let server = Server::start().await;
    let (mut visitor, _) = new_visitor(&server).await;
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("v1"),
            text: "hi".into(),
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    let text = reqwest::get(format!("http://{}/metrics", server.addr))
        .await
        .expect("HTTP")
        .text()
        .await
        .expect("body");
    assert!(text.contains(r#"baton_connections{kind="visitor"} 1"#), "{text}");
    // `new_visitor`'s first message and this one.
    assert!(text.contains(r#"baton_messages_total{kind="visitor"} 2"#), "{text}");
    assert!(text.contains(r#"baton_conversations{kind="bot"} 1"#), "{text}");
}

#[tokio::test]
async fn a_trusted_proxy_header_gives_the_country() {
    let server = Server::start_with(&temp_dir(), 60_000, |state| {
        state.country_header = Some(axum::http::HeaderName::from_static("cf-ipcountry"));
    })
    .await;
    let mut a = operator(&server, "op-a", false).await;
    let mut ws = common::visitor_socket_with(&server.addr.to_string(), ORIGIN, &[("cf-ipcountry", "ie")])
        .await
        .expect("connect");
    // The locale says Canada, the proxy says Ireland: the proxy wins.
    let country = country_of_a_canadian_locale(&mut ws, &mut a).await;
    assert_eq!((country.code.as_str(), country.hint), ("IE", false));
}

#[tokio::test]
async fn the_visitor_sees_the_bots_default_operator_colour() {
    let server = Server::start().await;
    let mut a = operator(&server, "op-a", true).await;
    let (mut visitor, conversation) = new_visitor(&server).await;
    join(&mut a, &conversation, "ja").await.expect("join");
    let joined = visitor_event(&mut visitor, |b| matches!(b, EventBody::OperatorJoined { .. })).await;
    let EventBody::OperatorJoined { operator } = joined.body else {
        unreachable!()
    };
    assert_eq!(
        operator.colour.as_deref(),
        Some("#0b7a75"),
        "the bot's configured default applies"
    );
}
