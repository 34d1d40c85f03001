//! Timers and owed work across processes, each test playing a cluster of
//! two hubs in this one process: one PostgreSQL database, one NATS cluster,
//! the team shared as `main` shares it. A request's escalation is sent
//! once though both processes hear of it; an unread-reply email is sent
//! once, and by the other process when the one that stored the reply is
//! gone; the owner-gone rule's next look, kept in one process's memory,
//! is made by another when that one is gone. Needs `BATON_TEST_POSTGRES` and
//! `BATON_TEST_NATS` (skipped without them unless `BATON_REQUIRE_*=1`).

mod common;

use baton_protocol::visitor::ServerToVisitor;
use baton_protocol::*;
use baton_server::bus::{NatsBus, ProcessId};
use baton_server::config::BotSettings;
use baton_server::store::PgStore;
use common::postgres::{Database, nats_url, postgres_url};
use common::{Ws, recv_until, send, send_acked};
use std::sync::Arc;
use std::time::Duration;

/// A fresh database, the NATS server, and a cluster name of this test's
/// own; `None` (skip) without them.
async fn services() -> Option<(Database, String, String)> {
    let (url, nats) = (postgres_url()?, nats_url()?);
    let cluster = format!("timers-{}", baton_server::auth::new_id());
    Some((Database::create(&url).await, nats, cluster))
}

/// A process of the cluster: on the test database and the NATS `cluster`,
/// serving `bot`, looking for others' due timers every 100 ms, and sharing
/// the team (statuses, inboxes) as `main` does.
async fn process(db: &Database, nats: &str, cluster: &str, bot: BotSettings) -> common::Server {
    let bus = NatsBus::connect(nats, cluster, ProcessId::random())
        .await
        .expect("connect to NATS");
    let store = PgStore::with_config(db.config.clone()).expect("open the test database");
    let server = common::Server::start_store_on_bus(store, vec![bot], Arc::new(bus)).await;
    server.state.hub.set_timer_poll(Duration::from_millis(100));
    server.state.hub.share_team(baton_server::hub::BEAT);
    server
}

/// A visitor on `server` with a new conversation.
async fn new_conversation(server: &common::Server) -> (Ws, ConversationId) {
    let mut visitor = server.visitor().await;
    send(&mut visitor, &common::hello()).await;
    let conversation = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        _ => None,
    })
    .await;
    (visitor, conversation)
}

/// A request heard of by two processes (one database, one NATS cluster)
/// is re-alerted in each one's inbox at half its window, but sent to the
/// outside channels once: the escalation is a stored timer that one
/// process claims, not a sleep in each (`hub/alerts.rs`).
#[tokio::test]
async fn a_request_two_processes_hear_of_is_escalated_once() {
    use baton_protocol::operator::{AlertKind, ServerToOperator};
    use baton_server::hub::HubEvent;
    const WINDOW_MS: u64 = 3_000;
    let Some((db, nats, cluster)) = services().await else {
        return;
    };
    let bot = || common::bot(WINDOW_MS);
    let (a, b) = (
        process(&db, &nats, &cluster, bot()).await,
        process(&db, &nats, &cluster, bot()).await,
    );
    let (mut heard_a, mut heard_b) = (a.state.hub.subscribe(), b.state.hub.subscribe());
    let _ana = a.available_operator("op-a").await;
    let mut ben = b.available_operator("op-b").await;

    let (mut visitor, _) = new_conversation(&a).await;
    send_acked(&mut visitor, "m1", "Where is my parcel?").await;
    common::request_human(&mut visitor, "r1").await;
    // B heard of the request: Ben, on B, is re-alerted at half its window.
    recv_until(&mut ben, |f: &ServerToOperator| match f {
        ServerToOperator::Alert(alert) if alert.kind == AlertKind::Unclaimed => Some(()),
        _ => None,
    })
    .await;
    // Past the deadline, each process has had its chance to escalate.
    tokio::time::sleep(Duration::from_millis(WINDOW_MS)).await;
    let mut escalations = 0;
    for heard in [&mut heard_a, &mut heard_b] {
        loop {
            match heard.try_recv() {
                Ok(HubEvent::Escalation {
                    kind: AlertKind::Unclaimed,
                    ..
                }) => escalations += 1,
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::TryRecvError::Lagged(n)) => panic!("{n} events missed"),
                Err(_) => break,
            }
        }
    }
    assert_eq!(escalations, 1, "sent to the outside channels once, by one process");
    drop((visitor, ben));
    a.stop().await;
    b.stop().await;
    db.drop_now().await;
}

/// The unread-reply email across processes: an operator on B answers a
/// visitor on A, who leaves it unread. Both processes owe the email (every
/// process keeps the emails owed); the one whose claim moves the stored
/// email mark sends it, once. Then B goes away before the next reply's
/// email is due, and A sends that one.
#[tokio::test]
async fn an_unread_reply_is_emailed_once_by_another_process_when_its_own_is_gone() {
    use baton_protocol::operator::{OperatorToServer, ServerToOperator};
    use baton_server::notify::{self, NotifyConfig, center::Center};
    const DELAY_MS: u64 = 2_000;
    let Some((db, nats, cluster)) = services().await else {
        return;
    };
    let (smtp, mut mails) = common::stubs::smtp_sink().await;
    let config: NotifyConfig = serde_json::from_value(serde_json::json!({
        "email": {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp,
            "from": "Demo Shop <support@shop.test>",
            "delay_ms": DELAY_MS,
            "site_name": "Demo Shop",
            "site_url": "https://shop.test/",
        }
    }))
    .expect("notify config");
    let mut processes = Vec::new();
    for _ in 0..2 {
        let server = process(&db, &nats, &cluster, common::bot(60_000)).await;
        let center = Arc::new(Center::new(&config, "https://baton.test"));
        notify::spawn_with(server.state.hub.clone(), &config, center);
        processes.push(server);
    }
    let (b, a) = (processes.pop().expect("B"), processes.pop().expect("A"));

    let (mut visitor, conversation) = new_conversation(&a).await;
    send_acked(&mut visitor, "m1", "Where is my parcel?").await;
    common::send_raw(&mut visitor, r#"{"type":"identify","email":"v@example.com"}"#).await;
    let mut ben = b.available_operator("op-b").await;
    let join = OperatorToServer::Join {
        conversation: conversation.clone(),
        client_msg_id: ClientMsgId("j1".into()),
        display_name: "Ben".into(),
    };
    send(&mut ben, &join).await;
    let says = |id: &str, text: &str| OperatorToServer::Send {
        conversation: conversation.clone(),
        client_msg_id: ClientMsgId(id.into()),
        text: text.into(),
        original: None,
    };

    // Both processes up: both owe the email, one sends it.
    send(&mut ben, &says("o1", "Your parcel left the warehouse today.")).await;
    let mail = common::stubs::next_mail(&mut mails).await;
    assert!(
        mail.body().contains("> Your parcel left the warehouse today."),
        "{}",
        mail.body()
    );
    common::stubs::no_mail(&mut mails, Duration::from_millis(1_000)).await;

    // B, which stores the next reply, goes away before its email is due.
    send(&mut ben, &says("o2", "It arrives tomorrow.")).await;
    let stored = std::time::Instant::now();
    recv_until(&mut ben, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, .. } if client_msg_id.as_str() == "o2" => Some(()),
        ServerToOperator::Error(e) => panic!("refused: {e:?}"),
        _ => None,
    })
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if e.body.message_text() == Some("It arrives tomorrow.") => Some(()),
        _ => None,
    })
    .await;
    drop(ben);
    b.stop().await;
    assert!(
        stored.elapsed() < Duration::from_millis(DELAY_MS),
        "B was gone before the email was due"
    );

    let mail = common::stubs::next_mail(&mut mails).await;
    assert_eq!(mail.to, ["v@example.com"]);
    let body = mail.body();
    assert!(body.contains("> It arrives tomorrow."), "{body}");
    assert!(
        !body.contains("warehouse"),
        "the first reply was emailed already: {body}"
    );
    common::stubs::no_mail(&mut mails, Duration::from_millis(1_000)).await;
    drop(visitor);
    a.stop().await;
    db.drop_now().await;
}

/// The owner-gone rule's next look at a chat sleeps in the memory of the
/// process where the visitor wrote. When that process goes away, the
/// others judge every owned chat again: the chat does not stay with an
/// owner who is gone.
#[tokio::test]
async fn an_owner_check_kept_by_a_process_that_went_away_is_made_by_another() {
    use baton_protocol::operator::OperatorToServer;
    // Long enough that A's look is still ahead when it goes away.
    const GRACE_MS: u64 = 8_000;
    let Some((db, nats, cluster)) = services().await else {
        return;
    };
    let client = db.client().await;
    let bot = || {
        let mut bot = common::bot(60_000);
        bot.owner_gone = Millis(GRACE_MS);
        bot
    };
    let (a, b) = (
        process(&db, &nats, &cluster, bot()).await,
        process(&db, &nats, &cluster, bot()).await,
    );
    let (mut visitor, conversation) = new_conversation(&a).await;
    send_acked(&mut visitor, "m0", "Where is my parcel?").await;
    // Ben joins and answers on A, then closes his inbox: with no visitor
    // waiting, every process judges him still the owner.
    let mut ben = a.available_operator("op-b").await;
    send(
        &mut ben,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: ClientMsgId("j1".into()),
            display_name: "Ben".into(),
        },
    )
    .await;
    send(
        &mut ben,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: ClientMsgId("o1".into()),
            text: "On its way".into(),
            original: None,
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if e.body.message_text() == Some("On its way") => Some(()),
        _ => None,
    })
    .await;
    drop(ben);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The visitor writes on A: A (alone) starts counting the grace.
    send_acked(&mut visitor, "m1", "When exactly?").await;
    let gone = Arc::downgrade(&a.state.hub);
    drop(visitor);
    a.stop().await;
    common::wait_until("A's hub to be dropped", || async { gone.upgrade().is_none() }).await;

    let handed_back = "SELECT count(*) FROM events WHERE conversation_id = $1 AND body::jsonb->>'type' = 'owner_gone'";
    common::wait_until("B to hand the chat back", || async {
        let n: i64 = client
            .query_one(handed_back, &[&conversation.as_str()])
            .await
            .expect("count")
            .get(0);
        n == 1
    })
    .await;
    b.stop().await;
    drop(client);
    db.drop_now().await;
}

/// Auto-away across processes: Ben has an inbox open on A and one on B
/// and works on A only. B must not set him Away for being idle on B (it
/// did while auto-away was a rule each process applied on its own tick):
/// the away timer is stored, pushed past his activity by the process that
/// sees it, and claimed by one process — which sets him Away once, and
/// each of his inboxes gets one alert.
#[tokio::test]
async fn auto_away_follows_activity_on_any_process_and_happens_once() {
    use baton_protocol::operator::{AlertKind, OperatorStatus, OperatorToServer, ServerToOperator};
    const AFTER: Duration = Duration::from_millis(1_500);
    let Some((db, nats, cluster)) = services().await else {
        return;
    };
    let (a, b) = (
        process(&db, &nats, &cluster, common::bot(60_000)).await,
        process(&db, &nats, &cluster, common::bot(60_000)).await,
    );
    let (_visitor, conversation) = new_conversation(&a).await;
    let mut on_a = a.available_operator("op-b").await;
    let mut on_b = b.operator("op-b").await;
    recv_until(&mut on_b, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::Welcome(_)).then_some(())
    })
    .await;
    for process in [&a, &b] {
        process.state.hub.enable_auto_away(Millis(AFTER.as_millis() as u64));
    }
    /// Reads `op`'s frames for `span`: the auto-away alerts among them,
    /// and Ben's status in the last roster.
    async fn away_alerts(op: &mut Ws, span: Duration) -> (usize, Option<OperatorStatus>) {
        let (mut alerts, mut status) = (0, None);
        for frame in common::frames_for::<ServerToOperator>(op, span).await {
            match frame {
                ServerToOperator::Alert(a) if a.kind == AlertKind::AutoAway => alerts += 1,
                ServerToOperator::Roster(r) => {
                    status = r
                        .operators
                        .iter()
                        .find(|o| o.profile.id.as_str() == "op-b")
                        .map(|o| o.status);
                }
                _ => {}
            }
        }
        (alerts, status)
    }
    let ben = OperatorId("op-b".into());
    let status = || async { a.state.hub.store().operator(&ben).expect("read").expect("ben").status };
    // Working on A for three times the idle time; silent on B.
    let busy = std::time::Instant::now();
    while busy.elapsed() < AFTER * 3 {
        send(
            &mut on_a,
            &OperatorToServer::Open {
                conversation: conversation.clone(),
            },
        )
        .await;
        let (on_a_alerts, on_b_alerts) = tokio::join!(
            away_alerts(&mut on_a, Duration::from_millis(300)),
            away_alerts(&mut on_b, Duration::from_millis(300)),
        );
        assert_eq!((on_a_alerts.0, on_b_alerts.0), (0, 0), "Ben is working (on A)");
    }
    assert_eq!(status().await, OperatorStatus::Available);
    // Idle now: Away once, and each inbox told once.
    let (on_a_alerts, on_b_alerts) =
        tokio::join!(away_alerts(&mut on_a, AFTER * 4), away_alerts(&mut on_b, AFTER * 4),);
    assert_eq!(
        (on_a_alerts.0, on_b_alerts.0),
        (1, 1),
        "one alert in each of Ben's inboxes"
    );
    assert_eq!(status().await, OperatorStatus::Away);
    assert_eq!(
        (on_a_alerts.1, on_b_alerts.1),
        (Some(OperatorStatus::Away), Some(OperatorStatus::Away)),
        "both processes' rosters say so"
    );
    drop((on_a, on_b));
    a.stop().await;
    b.stop().await;
    db.drop_now().await;
}
