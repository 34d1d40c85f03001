//! Alerts and the owner-gone rule over real sockets: who hears about a help
//! request, a transfer, a take-over, the visitor ending the chat, an admin's
//! status change; and a chat whose owner goes Offline, or whose owner's inbox
//! stays closed while the visitor waits, goes back to Waiting.

mod common;

use baton_protocol::operator::{AlertKind, OperatorStatus, OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::*;
use std::time::Duration;

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

async fn welcomed_operator(server: &Server, who: &str) -> Ws {
    let mut op = server.operator(who).await;
    let ServerToOperator::Welcome(_) = operator_frame(&mut op).await else {
        panic!("welcome")
    };
    op
}

async fn set_status(op: &mut Ws, status: OperatorStatus) {
    send(op, &OperatorToServer::SetStatus { status }).await;
}

async fn new_visitor(server: &Server) -> (Ws, ConversationId) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    (ws, w.conversation)
}

async fn alert(op: &mut Ws, kind: AlertKind) -> baton_protocol::operator::Alert {
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Alert(a) if a.kind == kind => Some(a.clone()),
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

async fn ack(op: &mut Ws, want: &str) {
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, .. } if client_msg_id.0 == want => Some(()),
        ServerToOperator::Error(e) if e.client_msg_id.as_ref().is_some_and(|i| i.0 == want) => {
            panic!("refused: {e:?}")
        }
        _ => None,
    })
    .await
}

async fn join(op: &mut Ws, conversation: &ConversationId, cid: &str) {
    let frame = OperatorToServer::Join {
        conversation: conversation.clone(),
        client_msg_id: id(cid),
        display_name: String::new(),
    };
    send(op, &frame).await;
    ack(op, cid).await;
}

/// A visitor with a help request in, and two Available operators.
async fn waiting_chat(server: &Server) -> (Ws, ConversationId, Ws, Ws) {
    let mut ana = welcomed_operator(server, "op-a").await;
    let mut ben = welcomed_operator(server, "op-b").await;
    set_status(&mut ana, OperatorStatus::Available).await;
    set_status(&mut ben, OperatorStatus::Available).await;
    let (mut visitor, conversation) = new_visitor(server).await;
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("m1"),
            text: "Where is my parcel?".into(),
        },
    )
    .await;
    // Wait until the request can be made (both Available, seen by the visitor).
    recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { .. } => Some(()),
        _ => None,
    })
    .await;
    send(
        &mut visitor,
        &VisitorToServer::RequestHuman {
            client_msg_id: id("r1"),
        },
    )
    .await;
    visitor_event(&mut visitor, |b| matches!(b, EventBody::HelpRequested { .. })).await;
    (visitor, conversation, ana, ben)
}

#[tokio::test]
async fn a_help_request_alerts_everyone_serving_the_bot_with_a_preview() {
    let server = Server::start().await;
    let (_visitor, conversation, mut ana, mut ben) = waiting_chat(&server).await;
    for op in [&mut ana, &mut ben] {
        let a = alert(op, AlertKind::HelpRequested).await;
        assert_eq!(a.conversation.as_ref(), Some(&conversation));
        assert_eq!(a.bot, Some(BotId("demo".into())));
        assert_eq!(a.text.as_deref(), Some("Where is my parcel?"));
        assert!(a.visitor.as_deref().is_some_and(|v| v.starts_with("Visitor ")));
    }
}

#[tokio::test]
async fn transfer_take_over_and_visitor_end_alert_the_one_operator_concerned() {
    let server = Server::start().await;
    let (mut visitor, conversation, mut ana, mut ben) = waiting_chat(&server).await;
    join(&mut ana, &conversation, "j1").await;
    send(
        &mut ana,
        &OperatorToServer::Transfer {
            conversation: conversation.clone(),
            client_msg_id: id("t1"),
            to: OperatorId("op-b".into()),
        },
    )
    .await;
    ack(&mut ana, "t1").await;
    let a = alert(&mut ben, AlertKind::TransferredToYou).await;
    assert_eq!(a.by.map(|p| p.name), Some("Ana".into()), "says who transferred it");

    send(
        &mut ana,
        &OperatorToServer::TakeOver {
            conversation: conversation.clone(),
            client_msg_id: id("k1"),
            display_name: "Ana".into(),
            replacing: OperatorId("op-b".into()),
        },
    )
    .await;
    ack(&mut ana, "k1").await;
    let a = alert(&mut ben, AlertKind::TakenOver).await;
    assert_eq!(a.by.map(|p| p.id), Some(OperatorId("op-a".into())));

    send(
        &mut visitor,
        &VisitorToServer::EndHuman {
            client_msg_id: id("e1"),
        },
    )
    .await;
    let a = alert(&mut ana, AlertKind::VisitorEnded).await;
    assert_eq!(a.conversation, Some(conversation));
}

#[tokio::test]
async fn an_owner_going_offline_puts_the_chat_back_in_waiting_and_alerts_the_team() {
    let server = Server::start().await;
    let (mut visitor, conversation, mut ana, mut ben) = waiting_chat(&server).await;
    join(&mut ana, &conversation, "j1").await;
    set_status(&mut ana, OperatorStatus::Offline).await;
    let event = visitor_event(&mut visitor, |b| matches!(b, EventBody::OwnerGone { .. })).await;
    let EventBody::OwnerGone {
        operator,
        reason,
        deadline,
    } = event.body
    else {
        unreachable!()
    };
    assert_eq!(operator.id, OperatorId("op-a".into()));
    assert_eq!(reason, OwnerGoneReason::Offline);
    assert_eq!(deadline, event.at + Millis(60_000), "a new response window");
    alert(&mut ben, AlertKind::OwnerGone).await;
    // Ben can now join: the chat is unowned again.
    join(&mut ben, &conversation, "j2").await;
}

#[tokio::test]
async fn an_admin_setting_the_owner_offline_tells_them_and_frees_the_chat() {
    let server = Server::start().await;
    let (mut visitor, conversation, mut ana, mut ben) = waiting_chat(&server).await;
    join(&mut ben, &conversation, "j1").await;
    send(
        &mut ana,
        &OperatorToServer::SetTeammateStatus {
            operator: OperatorId("op-b".into()),
            status: OperatorStatus::Offline,
        },
    )
    .await;
    let a = alert(&mut ben, AlertKind::SetOffline).await;
    assert_eq!(a.by.map(|p| p.id), Some(OperatorId("op-a".into())));
    visitor_event(&mut visitor, |b| matches!(b, EventBody::OwnerGone { .. })).await;
}

#[tokio::test]
async fn an_owner_whose_inbox_stays_closed_while_the_visitor_waits_is_gone_after_the_grace() {
    let mut settings = bot(60_000);
    settings.owner_gone = Millis(600);
    let server = Server::start_bots(vec![settings]).await;
    let (mut visitor, conversation, mut ana, _ben) = waiting_chat(&server).await;
    join(&mut ana, &conversation, "j1").await;
    drop(ana); // the tab closes; Ana stays Available

    // Nobody waits on Ana yet: nothing happens, however long.
    tokio::time::sleep(Duration::from_millis(900)).await;
    let state = server.state.hub.store().log(&conversation).expect("log");
    assert!(
        !state.iter().any(|(e, _)| matches!(e.body, EventBody::OwnerGone { .. })),
        "no one was waiting on the owner"
    );

    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("m2"),
            text: "Hello?".into(),
        },
    )
    .await;
    let sent_at = std::time::Instant::now();
    let event = visitor_event(&mut visitor, |b| matches!(b, EventBody::OwnerGone { .. })).await;
    assert!(
        sent_at.elapsed() >= Duration::from_millis(550),
        "not before the grace period"
    );
    assert!(matches!(
        event.body,
        EventBody::OwnerGone {
            reason: OwnerGoneReason::Disconnected,
            ..
        }
    ));
}

#[tokio::test]
async fn an_owner_who_reconnects_in_time_keeps_the_chat() {
    let mut settings = bot(60_000);
    settings.owner_gone = Millis(800);
    let server = Server::start_bots(vec![settings]).await;
    let (mut visitor, conversation, mut ana, _ben) = waiting_chat(&server).await;
    join(&mut ana, &conversation, "j1").await;
    drop(ana);
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("m2"),
            text: "Hello?".into(),
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ana = welcomed_operator(&server, "op-a").await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    let log = server.state.hub.store().log(&conversation).expect("log");
    assert!(
        !log.iter().any(|(e, _)| matches!(e.body, EventBody::OwnerGone { .. })),
        "the owner came back within the grace period"
    );
}

#[tokio::test]
async fn resolved_chats_leave_later_welcomes() {
    let server = Server::start().await;
    let (_visitor, conversation, mut ana, _ben) = waiting_chat(&server).await;
    send(
        &mut ana,
        &OperatorToServer::Resolve {
            conversation: conversation.clone(),
            client_msg_id: id("z1"),
        },
    )
    .await;
    ack(&mut ana, "z1").await;
    let mut again = server.operator("op-c").await;
    let ServerToOperator::Welcome(w) = operator_frame(&mut again).await else {
        panic!("welcome")
    };
    assert!(w.conversations.iter().all(|c| c.id != conversation));
}

#[tokio::test]
async fn resolved_chats_are_listed_and_searched_over_http() {
    let server = Server::start().await;
    let (mut visitor, conversation, mut ana, _ben) = waiting_chat(&server).await;
    send(
        &mut visitor,
        &VisitorToServer::Identify {
            name: Some("Sam Taylor".into()),
            email: Some("sam@example.com".into()),
        },
    )
    .await;
    send(
        &mut ana,
        &OperatorToServer::Resolve {
            conversation: conversation.clone(),
            client_msg_id: id("z1"),
        },
    )
    .await;
    ack(&mut ana, "z1").await;
    let token = baton_server::auth::new_secret();
    server
        .state
        .hub
        .store()
        .insert_session(
            &baton_server::auth::secret_hash(&token),
            &OperatorId("op-b".into()),
            Timestamp(u64::MAX / 2),
        )
        .expect("session");
    let get = |q: &str| {
        let url = format!("http://{}/api/conversations?state=resolved&q={q}", server.addr);
        let token = token.clone();
        async move {
            let response = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("GET");
            assert_eq!(response.status(), 200);
            let body: serde_json::Value = response.json().await.expect("json");
            body["conversations"].as_array().expect("rows").clone()
        }
    };
    let all = get("").await;
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["id"], conversation.as_str());
    assert_eq!(all[0]["email"], "sam@example.com");
    assert_eq!(get("SAM%20t").await.len(), 1, "by name, any case");
    assert_eq!(get("example.com").await.len(), 1, "by email");
    assert!(get("nobody").await.is_empty());
    let anonymous = reqwest::get(format!("http://{}/api/conversations?state=resolved", server.addr))
        .await
        .expect("GET");
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn a_refused_request_names_its_client_msg_id_even_for_an_unknown_conversation() {
    let server = Server::start().await;
    let mut ana = welcomed_operator(&server, "op-a").await;
    send(
        &mut ana,
        &OperatorToServer::Join {
            conversation: ConversationId("no-such-chat".into()),
            client_msg_id: id("j-unknown"),
            display_name: String::new(),
        },
    )
    .await;
    let error = recv_until(&mut ana, |f: &ServerToOperator| match f {
        ServerToOperator::Error(e) => Some(e.clone()),
        _ => None,
    })
    .await;
    assert_eq!(error.code, ErrorCode::NotFound);
    assert_eq!(error.client_msg_id, Some(id("j-unknown")), "the outbox can settle it");
}

/// A request still waiting when the server stops gets its half-window
/// re-alert from the next start (timers come back from the store).
#[tokio::test]
async fn a_waiting_request_is_re_alerted_at_half_its_window_after_a_restart() {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let server = Server::start_in(&dir, 6_000).await;
    let (visitor, conversation, ana, ben) = waiting_chat(&server).await;
    drop((visitor, ana, ben));
    server.stop().await;

    let server = Server::start_in(&dir, 6_000).await;
    let mut ana = welcomed_operator(&server, "op-a").await;
    set_status(&mut ana, OperatorStatus::Available).await;
    let again = alert(&mut ana, AlertKind::Unclaimed).await;
    assert_eq!(again.conversation.as_ref(), Some(&conversation));
}

/// Reads `op`'s frames for `span`; fails on an alert of `kind`.
async fn no_alert_for(op: &mut Ws, kind: AlertKind, span: Duration) {
    for frame in frames_for::<ServerToOperator>(op, span).await {
        if let ServerToOperator::Alert(a) = frame {
            assert_ne!(a.kind, kind, "too early: {a:?}");
        }
    }
}

/// Auto-away (a stored timer, `hub/away.rs`): an Available operator who
/// keeps working stays Available however long; once idle for the set
/// time they become Away, stored, with one alert to their inbox — never
/// before the time, and at most the slack (1 s here) after it.
#[tokio::test]
async fn auto_away_waits_for_the_operator_to_be_idle_then_sets_them_away_once() {
    const AFTER: Duration = Duration::from_millis(1_500);
    let server = Server::start().await;
    let (_visitor, conversation) = new_visitor(&server).await;
    let mut ben = server.available_operator("op-b").await;
    server.state.hub.enable_auto_away(Millis(AFTER.as_millis() as u64));
    let ben_id = OperatorId("op-b".into());
    // Busy for more than twice the idle time: a frame every 300 ms.
    let busy = std::time::Instant::now();
    while busy.elapsed() < AFTER * 3 {
        send(
            &mut ben,
            &OperatorToServer::Open {
                conversation: conversation.clone(),
            },
        )
        .await;
        no_alert_for(&mut ben, AlertKind::AutoAway, Duration::from_millis(300)).await;
    }
    let status = |server: &Server| {
        server
            .state
            .hub
            .store()
            .operator(&ben_id)
            .expect("read")
            .expect("ben")
            .status
    };
    assert_eq!(
        status(&server),
        OperatorStatus::Available,
        "working operators stay Available"
    );
    // Idle from the last frame on.
    let idle = std::time::Instant::now();
    alert(&mut ben, AlertKind::AutoAway).await;
    let waited = idle.elapsed();
    assert!(waited >= AFTER, "not before the idle time: {waited:?}");
    assert_eq!(status(&server), OperatorStatus::Away);
    no_alert_for(&mut ben, AlertKind::AutoAway, AFTER * 2).await;
}
