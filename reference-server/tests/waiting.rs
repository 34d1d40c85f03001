//! Issue 14 over real sockets, while a visitor waits: the live place in
//! line (`queue`, feature `queue`) and its estimate, a visitor who does not
//! negotiate the feature getting none, and a bot asking for a person with a
//! reason and priority that reach the inbox row.

mod common;

use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::queue::Priority;
use baton_protocol::visitor::{ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use common::*;
use std::time::Duration;

/// A visitor that said hello with `features`: its socket and conversation.
async fn visitor_with(server: &Server, features: Vec<String>) -> (Ws, (ConversationId, VisitorToken)) {
    hello_as(server, features, None).await
}

/// A visitor's hello (resuming `resume` if given): socket, conversation and token.
async fn hello_as(
    server: &Server,
    features: Vec<String>,
    resume: Option<(ConversationId, VisitorToken)>,
) -> (Ws, (ConversationId, VisitorToken)) {
    let mut ws = server.visitor().await;
    let token = resume.as_ref().map(|(_, t)| t.clone());
    send(
        &mut ws,
        &VisitorToServer::Hello(VisitorHello {
            protocol: PROTOCOL_VERSION,
            features,
            bot: BotId("demo".into()),
            resume: resume.map(|(conversation, token)| baton_protocol::visitor::Resume {
                conversation,
                token,
                last_seq: Seq(0),
            }),
            locale: None,
            page: None,
        }),
    )
    .await;
    let conversation = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some((w.conversation.clone(), w.token.clone().or(token.clone())?)),
        _ => None,
    })
    .await;
    (ws, conversation)
}

/// The visitor asks for a person; returns, once it is acknowledged, the
/// place in line it was told (the `queue` frame comes with the event,
/// before the ack).
async fn request(ws: &mut Ws, id: &str) -> (u32, Option<u32>) {
    send(
        ws,
        &VisitorToServer::RequestHuman {
            client_msg_id: ClientMsgId(id.into()),
        },
    )
    .await;
    let mut told = None;
    let mut acked = false;
    recv_until(ws, |f: &ServerToVisitor| {
        match f {
            ServerToVisitor::Ack { client_msg_id, .. } if client_msg_id.as_str() == id => acked = true,
            ServerToVisitor::Queue {
                position,
                estimate_minutes,
            } => told = Some((*position, *estimate_minutes)),
            ServerToVisitor::Error(e) => panic!("refused: {e:?}"),
            _ => {}
        }
        (acked && told.is_some()).then_some(())
    })
    .await;
    told.expect("told")
}

/// The next `queue` frame: (position, estimate).
async fn place(ws: &mut Ws) -> (u32, Option<u32>) {
    recv_until(ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Queue {
            position,
            estimate_minutes,
        } => Some((*position, *estimate_minutes)),
        _ => None,
    })
    .await
}

async fn join(op: &mut Ws, conversation: &ConversationId, id: &str) {
    send(
        op,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: ClientMsgId(id.into()),
            display_name: "Ana".into(),
        },
    )
    .await;
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, .. } if client_msg_id.as_str() == id => Some(()),
        ServerToOperator::Error(e) => panic!("join refused: {e:?}"),
        _ => None,
    })
    .await;
}

#[tokio::test]
async fn two_waiting_visitors_see_their_place_and_the_second_moves_up_when_the_first_is_joined() {
    let server = Server::start().await;
    let mut op = server.available_operator("op-a").await;
    let (mut first, first_id) = visitor_with(&server, all_features()).await;
    let (mut second, _) = visitor_with(&server, all_features()).await;

    assert_eq!(request(&mut first, "r1").await, (1, None), "no joins yet: no figure");
    assert_eq!(request(&mut second, "r2").await, (2, None));

    join(&mut op, &first_id.0, "j1").await;
    assert_eq!(place(&mut second).await, (1, None), "moved up live");

    // A reconnecting waiting visitor is told its place at once.
    let (mut third, third_id) = visitor_with(&server, all_features()).await;
    assert_eq!(request(&mut third, "r3").await, (2, None));
    drop(third);
    let (mut back, _) = hello_as(&server, all_features(), Some(third_id)).await;
    assert_eq!(place(&mut back).await, (2, None));
}

#[tokio::test]
async fn the_estimate_appears_after_three_recent_joins() {
    let server = Server::start().await;
    let mut op = server.available_operator("op-a").await;
    for i in 0..3 {
        let (mut v, id) = visitor_with(&server, all_features()).await;
        assert_eq!(
            request(&mut v, &format!("r{i}")).await.1,
            None,
            "join {i}: too few samples yet"
        );
        join(&mut op, &id.0, &format!("j{i}")).await;
    }
    let (mut v, _) = visitor_with(&server, all_features()).await;
    // Three joins within a second: a median under a minute rounds up to 1.
    assert_eq!(request(&mut v, "r9").await, (1, Some(1)));
}

#[tokio::test]
async fn a_visitor_without_the_queue_feature_gets_no_queue_frame() {
    let server = Server::start().await;
    let _op = server.available_operator("op-a").await;
    let old: Vec<String> = all_features().into_iter().filter(|f| f != "queue").collect();
    let (mut ws, _) = visitor_with(&server, old).await;
    send(
        &mut ws,
        &VisitorToServer::RequestHuman {
            client_msg_id: ClientMsgId("r1".into()),
        },
    )
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_millis(600);
    loop {
        match tokio::time::timeout_at(deadline, visitor_frame(&mut ws)).await {
            Err(_) => break,
            Ok(ServerToVisitor::Queue { .. }) => panic!("a queue frame to a client that did not negotiate it"),
            Ok(_) => {}
        }
    }
}

/// A bot that asks for a person with a reason and priority on every turn.
#[derive(Debug)]
struct HandingBot;

impl baton_server::bot::Bot for HandingBot {
    fn reply(
        &self,
        _turn: baton_server::bot::BotTurn,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = baton_server::bot::BotReply> + Send + '_>> {
        Box::pin(async {
            baton_server::bot::BotReply {
                text: "Let me get a person for this.".into(),
                offer_human: false,
                handover: Some(baton_protocol::followup::BotHandover {
                    reason: Some("Billing: charged twice".into()),
                    priority: Priority::Urgent,
                }),
            }
        })
    }
}

/// The visitor writes; the `HandingBot` answers by asking for a person:
/// the `help_requested` event the visitor gets.
async fn charged_twice(v: &mut Ws) -> ConversationEvent {
    let said = VisitorToServer::Send {
        client_msg_id: ClientMsgId("m1".into()),
        text: "I was charged twice".into(),
    };
    send(v, &said).await;
    recv_until(v, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if matches!(e.body, EventBody::HelpRequested { .. }) => Some(e.clone()),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn a_bots_request_reaches_the_inbox_row_with_its_reason_and_goes_first_in_line() {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let server = Server::start_with_engine(&dir, std::sync::Arc::new(HandingBot)).await;
    let mut op = server.available_operator("op-a").await;
    // Someone already waits (a visitor's own request, normal priority).
    let (mut earlier, _) = visitor_with(&server, all_features()).await;
    assert_eq!(request(&mut earlier, "r0").await.0, 1);

    let (mut v, (conversation, _)) = visitor_with(&server, all_features()).await;
    let event = charged_twice(&mut v).await;
    let EventBody::HelpRequested { reason, priority, .. } = event.body else {
        unreachable!()
    };
    assert_eq!(reason.as_deref(), Some("Billing: charged twice"));
    assert_eq!(priority, Priority::Urgent);
    assert_eq!(place(&mut v).await.0, 1, "urgent goes ahead of the earlier request");
    assert_eq!(
        place(&mut earlier).await.0,
        2,
        "and the earlier one is told it moved back"
    );

    let row = recv_until(&mut op, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(row) if row.id == conversation && row.reason.is_some() => Some(row.clone()),
        _ => None,
    })
    .await;
    assert_eq!(row.reason.as_deref(), Some("Billing: charged twice"));
    assert_eq!(row.priority, Priority::Urgent);
}

/// Escalation timing (PROTOCOL.md §7.14): a bot's request made while nobody
/// is online is still kept and, unclaimed at half its window, goes to the
/// configured outside channel — not before.
#[tokio::test]
async fn an_unclaimed_bot_request_with_nobody_online_is_escalated_at_half_its_window() {
    use baton_server::notify::{self, NotifyConfig, center::Center};
    let (url, mut hits) = common::stubs::receiver(0, axum::http::StatusCode::OK).await;
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = NotifyConfig::default();
    let center = std::sync::Arc::new(Center::new(&config, "https://baton.test"));
    let for_state = center.clone();
    let window = 2_000;
    let server = Server::start_with_engine_window(&dir, std::sync::Arc::new(HandingBot), window, |state| {
        state.notify = Some(for_state)
    })
    .await;
    notify::spawn_with(server.state.hub.clone(), &config, center);
    let (status, body) = server
        .call(
            "op-a",
            reqwest::Method::POST,
            "/api/notify/channels",
            Some(serde_json::json!({"kind": "webhook", "name": "Escalations", "url": url, "events": ["unclaimed"]})),
            None,
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let (mut v, _) = visitor_with(&server, all_features()).await;
    let asked = charged_twice(&mut v).await.at;
    let hit = common::stubs::next_hit(&mut hits).await;
    let escalated = baton_server::hub::now().0;
    assert_eq!(hit.body["event"], "unclaimed");
    assert!(
        escalated >= asked.0 + window / 2,
        "not before half the window: {} ms",
        escalated - asked.0
    );
    assert!(
        escalated < asked.0 + window,
        "before the deadline: {} ms",
        escalated - asked.0
    );
}

#[tokio::test]
async fn the_line_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let server = Server::start_in(&dir, 60_000).await;
    let _op = server.available_operator("op-a").await;
    let (mut first, first_id) = visitor_with(&server, all_features()).await;
    assert_eq!(request(&mut first, "r1").await.0, 1);
    drop(first);
    let dir = server.stop().await;

    let server = Server::start_in(&dir, 60_000).await;
    let _op = server.available_operator("op-a").await;
    let (mut second, _) = visitor_with(&server, all_features()).await;
    assert_eq!(
        request(&mut second, "r2").await.0,
        2,
        "the request from before the restart is still ahead"
    );
    let (mut back, _) = hello_as(&server, all_features(), Some(first_id)).await;
    assert_eq!(place(&mut back).await.0, 1);
}
