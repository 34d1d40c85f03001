//! The real server binary on PostgreSQL (`--store postgres://…`): a
//! visitor's message is stored there, survives a SIGKILL, and is replayed
//! when the visitor resumes on the restarted process; `/healthz` names the
//! store. Runs on a fresh database of the server in `BATON_TEST_POSTGRES`
//! (skipped without it, unless `BATON_REQUIRE_POSTGRES=1`).

mod common;

use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::postgres::{Database, postgres_url, start_on};
use common::process::free_port;
use common::{recv, recv_until, send, send_acked};
use std::time::Duration;

#[tokio::test]
async fn a_visitor_message_on_postgres_survives_a_killed_server() {
    let Some(url) = postgres_url() else { return };
    let db = Database::create(&url).await;
    let store = db.url();
    let port = free_port();
    let server = start_on(&store, port, &[]).await;
    let (status, health) = server.health().await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["store"]["backend"], "postgres", "{health}");
    assert_eq!(health["store"]["status"], "ok", "{health}");

    let mut visitor = server.visitor().await;
    send(&mut visitor, &common::hello_resuming(None)).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    let m1 = send_acked(&mut visitor, "m1", "stored in postgres").await;

    // The acknowledged row is in the database, written by the server.
    let client = db.client().await;
    let stored: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE conversation_id = $1 AND seq = $2",
            &[&conversation.as_str(), &(m1.0 as i64)],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(stored, 1, "the acked message is a row in PostgreSQL");
    drop(client);

    server.kill();
    drop(visitor);
    let server = start_on(&store, port, &[]).await;
    let mut visitor = server.visitor().await;
    send(
        &mut visitor,
        &common::hello_resuming(Some(Resume {
            conversation: conversation.clone(),
            token,
            last_seq: Seq(0),
        })),
    )
    .await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome after the restart")
    };
    assert_eq!(welcome.conversation, conversation, "the same conversation resumed");
    let texts: Vec<_> = welcome.replay.iter().filter_map(|e| e.body.message_text()).collect();
    assert!(texts.contains(&"stored in postgres"), "replayed: {texts:?}");
    assert!(welcome.replay.iter().any(|e| e.seq == m1));
    // A retry of the acked message gets its original seq back.
    let again = send_acked(&mut visitor, "m1", "stored in postgres").await;
    assert_eq!(again, m1);
    server.kill();
    drop(visitor);
    db.drop_now().await;
}

/// Timers as data (`store::timers`): process A takes a help request, whose
/// response window is stored in the same commit (so it is there when the
/// visitor sees the request), and goes away before it lapses; process B,
/// on the same database, fires it — once: the log holds one
/// `request_lapsed`, and the timer's row is gone. B started before the
/// request and never heard of it (no bus between the two, as when A is
/// killed before its hint leaves): it reads the conversation from the
/// store before judging the timer, not on the stale core it loaded at
/// start.
#[tokio::test]
async fn a_window_armed_by_a_process_that_went_away_lapses_once_on_another() {
    use baton_server::store::PgStore;
    use std::sync::Arc;
    // Long enough for A to be gone before it, even on a loaded machine.
    const WINDOW_MS: u64 = 6_000;
    const POLL: Duration = Duration::from_millis(100);
    let Some(url) = postgres_url() else { return };
    let db = Database::create(&url).await;
    let open = || PgStore::with_config(db.config.clone()).expect("open the test database");
    let client = db.client().await;

    let a = common::Server::start_store(open(), vec![common::bot(WINDOW_MS)]).await;
    a.state.hub.set_timer_poll(POLL);
    let ben = a.available_operator("op-b").await;
    let mut visitor = a.visitor().await;
    send(&mut visitor, &common::hello()).await;
    let conversation = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        _ => None,
    })
    .await;
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "Where is my parcel?".into(),
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    // B starts now: it loads the conversation as it is, with no request.
    let b = common::Server::start_store(open(), vec![common::bot(WINDOW_MS)]).await;
    b.state.hub.set_timer_poll(POLL);
    common::request_human(&mut visitor, "r1").await;
    let timers = "SELECT count(*) FROM timers WHERE kind = 'window' AND key = $1";
    let count = |sql: &'static str| {
        let (client, conversation) = (&client, conversation.clone());
        async move {
            let n: i64 = client
                .query_one(sql, &[&conversation.as_str()])
                .await
                .expect("count")
                .get(0);
            n
        }
    };
    let lapses = "SELECT count(*) FROM events WHERE conversation_id = $1 AND body::jsonb->>'type' = 'request_lapsed'";
    assert_eq!(
        count(timers).await,
        1,
        "the window is stored before the visitor sees the request"
    );

    // A goes away (its hub dropped, so no task of it is left) before the
    // window lapses.
    let gone = Arc::downgrade(&a.state.hub);
    drop((ben, visitor));
    a.stop().await;
    wait_for("A's hub to be dropped", || async { gone.upgrade().is_none() }).await;
    assert_eq!(count(lapses).await, 0, "A went before the window lapsed");

    wait_for("B to lapse the request", || async { count(lapses).await > 0 }).await;
    wait_for("B to complete the timer", || async { count(timers).await == 0 }).await;
    assert_eq!(count(lapses).await, 1, "the window lapsed once");
    b.stop().await;
    drop(client);
    db.drop_now().await;
}

/// A request heard of by two processes (one database, one NATS cluster)
/// is re-alerted in each one's inbox at half its window, but sent to the
/// outside channels once: the escalation is a stored timer that one
/// process claims, not a sleep in each (`hub/alerts.rs`).
#[tokio::test]
async fn a_request_two_processes_hear_of_is_escalated_once() {
    use baton_protocol::operator::{AlertKind, ServerToOperator};
    use baton_server::bus::{NatsBus, ProcessId};
    use baton_server::hub::HubEvent;
    use baton_server::store::PgStore;
    use std::sync::Arc;
    const WINDOW_MS: u64 = 3_000;
    let Some(url) = postgres_url() else { return };
    let Some(nats) = common::postgres::nats_url() else {
        return;
    };
    let db = Database::create(&url).await;
    let cluster = format!("escalate-{}", baton_server::auth::new_id());
    let process = |_| async {
        let bus = NatsBus::connect(&nats, &cluster, ProcessId::random())
            .await
            .expect("connect to NATS");
        let store = PgStore::with_config(db.config.clone()).expect("open the test database");
        let server = common::Server::start_store_on_bus(store, vec![common::bot(WINDOW_MS)], Arc::new(bus)).await;
        server.state.hub.set_timer_poll(Duration::from_millis(100));
        server
    };
    let (a, b) = (process(0).await, process(1).await);
    let (mut heard_a, mut heard_b) = (a.state.hub.subscribe(), b.state.hub.subscribe());
    let _ana = a.available_operator("op-a").await;
    let mut ben = b.available_operator("op-b").await;

    let mut visitor = a.visitor().await;
    send(&mut visitor, &common::hello()).await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Welcome(_)).then_some(())
    })
    .await;
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
    use baton_server::bus::{NatsBus, ProcessId};
    use baton_server::notify::{self, NotifyConfig, center::Center};
    use baton_server::store::PgStore;
    use std::sync::Arc;
    const DELAY_MS: u64 = 2_000;
    let Some(url) = postgres_url() else { return };
    let Some(nats) = common::postgres::nats_url() else {
        return;
    };
    let db = Database::create(&url).await;
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
    let cluster = format!("email-{}", baton_server::auth::new_id());
    let process = |_| async {
        let bus = NatsBus::connect(&nats, &cluster, ProcessId::random())
            .await
            .expect("connect to NATS");
        let store = PgStore::with_config(db.config.clone()).expect("open the test database");
        let server = common::Server::start_store_on_bus(store, vec![common::bot(60_000)], Arc::new(bus)).await;
        let center = Arc::new(Center::new(&config, "https://baton.test"));
        notify::spawn_with(server.state.hub.clone(), &config, center);
        server
    };
    let (a, b) = (process(0).await, process(1).await);

    let mut visitor = a.visitor().await;
    send(&mut visitor, &common::hello()).await;
    let conversation = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        _ => None,
    })
    .await;
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

/// Polls `done` every 50 ms until it holds; fails after 30 s.
async fn wait_for<F: std::future::Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("waited 30 s for {what}");
}
