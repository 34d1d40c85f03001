//! Notifications end to end: a real server on a loopback port with a real
//! SQLite file and real WebSocket clients, the notifier observing its hub,
//! and real receivers on loopback: webhook receivers and a LibreTranslate
//! stand-in (axum), and an SMTP sink (a few lines of SMTP over TCP).

mod common;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use baton_server::notify::{
    self, EmailConfig, NotifyConfig, TranslateConfig, TranslateError, TranslateRequest, Trigger, WebhookFormat,
    WebhookTarget,
};
use common::stubs::{next_hit, next_mail, no_mail, no_more_hits, receiver, smtp_sink};
use common::{Server, Ws, hello, recv_until, send, send_raw};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PUBLIC_URL: &str = "https://baton.test";

// ------------------------------------------------------------------ server

/// The common test server with notifications running on its hub.
struct Env {
    server: Server,
}

impl Env {
    async fn start(config: NotifyConfig) -> Env {
        let server = Server::start().await;
        notify::spawn(server.state.hub.clone(), config, PUBLIC_URL.into());
        Env { server }
    }

    /// The same on the database in `dir` (a restart when it is not new).
    async fn start_in(dir: &std::path::Path, config: NotifyConfig) -> Env {
        let server = Server::start_in(dir, 60_000).await;
        notify::spawn(server.state.hub.clone(), config, PUBLIC_URL.into());
        Env { server }
    }

    /// A visitor that said hello: its socket and conversation.
    async fn visitor(&self) -> (Ws, ConversationId) {
        let mut ws = self.server.visitor().await;
        send(&mut ws, &hello()).await;
        let conversation = recv_until(&mut ws, |f: &ServerToVisitor| match f {
            ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
            _ => None,
        })
        .await;
        (ws, conversation)
    }

    /// Operator `op-a`, signed in, welcomed and Available.
    async fn operator(&self) -> Ws {
        self.server.available_operator("op-a").await
    }
}

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

async fn request_human(visitor: &mut Ws) {
    send(
        visitor,
        &VisitorToServer::RequestHuman {
            client_msg_id: id("r1"),
        },
    )
    .await;
    recv_until(visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if matches!(e.body, EventBody::HelpRequested { .. }) => Some(()),
        _ => None,
    })
    .await;
}

/// A visitor who left `v@example.com`, talking to Ana.
async fn handover(env: &Env) -> (Ws, Ws, ConversationId) {
    let mut op = env.operator().await;
    let (mut visitor, conversation) = env.visitor().await;
    send_raw(&mut visitor, r#"{"type":"identify","email":"v@example.com"}"#).await;
    request_human(&mut visitor).await;
    send(
        &mut op,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: id("join"),
            display_name: "Ana".into(),
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if matches!(e.body, EventBody::OperatorJoined { .. }) => Some(()),
        _ => None,
    })
    .await;
    (visitor, op, conversation)
}

/// Ana says `text`; returns its seq once stored.
async fn operator_says(op: &mut Ws, conversation: &ConversationId, msg_id: &str, text: &str) -> Seq {
    send(
        op,
        &OperatorToServer::Send {
            conversation: conversation.clone(),
            client_msg_id: id(msg_id),
            text: text.into(),
            original: None,
        },
    )
    .await;
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, seq } if client_msg_id.as_str() == msg_id => Some(*seq),
        ServerToOperator::Error(e) => panic!("operator send refused: {e:?}"),
        _ => None,
    })
    .await
}

fn target(url: &str, format: WebhookFormat, on: &[Trigger]) -> WebhookTarget {
    WebhookTarget {
        on: on.to_vec(),
        backoff_ms: 50,
        timeout_ms: 2_000,
        ..WebhookTarget::new(url, format)
    }
}

// ---------------------------------------------------------------- webhooks

#[tokio::test]
async fn a_help_request_reaches_generic_and_slack_receivers() {
    let (generic_url, mut generic) = receiver(0, StatusCode::OK).await;
    let (slack_url, mut slack) = receiver(0, StatusCode::OK).await;
    let env = Env::start(NotifyConfig {
        webhooks: vec![
            target(&generic_url, WebhookFormat::Generic, &[Trigger::HelpRequested]),
            target(&slack_url, WebhookFormat::Slack, &[Trigger::HelpRequested]),
        ],
        ..Default::default()
    })
    .await;
    let _op = env.operator().await;
    let (mut visitor, conversation) = env.visitor().await;
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: id("m1"),
            text: "my quokka parcel never arrived".into(),
        },
    )
    .await;
    let before = baton_server::hub::now().0;
    request_human(&mut visitor).await;

    let hit = next_hit(&mut generic).await;
    assert_eq!(hit.content_type.as_deref(), Some("application/json"));
    let body = hit.body.as_object().expect("an object");
    let mut keys: Vec<_> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["at", "bot", "conversation", "deadline", "event", "inbox_url"]);
    assert_eq!(body["event"], "help_requested");
    assert_eq!(body["conversation"], conversation.as_str());
    assert_eq!(body["bot"], "demo");
    assert_eq!(body["inbox_url"], format!("{PUBLIC_URL}/inbox/"));
    let at = body["at"].as_u64().expect("at in ms");
    assert!(
        at >= before && at <= baton_server::hub::now().0,
        "at is when it happened"
    );
    assert_eq!(body["deadline"].as_u64(), Some(at + 60_000), "the response window");
    assert!(hit.delivery.is_some_and(|d| d.starts_with(conversation.as_str())));

    let hit = next_hit(&mut slack).await;
    let text = hit.body["text"].as_str().expect("slack text");
    assert_eq!(hit.body.as_object().map(|o| o.len()), Some(1), "only `text`");
    assert!(text.contains("asking for a person"), "{text}");
    assert!(
        text.contains(&format!("<{PUBLIC_URL}/inbox/|Open the inbox>")),
        "{text}"
    );
    for hit_text in [text.to_owned(), body.values().map(Value::to_string).collect::<String>()] {
        assert!(!hit_text.contains("quokka"), "message text never leaves: {hit_text}");
    }
    // Neither target asked for new conversations.
    no_more_hits(&mut generic, Duration::from_millis(200)).await;
    no_more_hits(&mut slack, Duration::ZERO).await;
}

#[tokio::test]
async fn a_new_conversation_reaches_the_receivers_that_want_it() {
    let (url, mut hits) = receiver(0, StatusCode::OK).await;
    let (help_only_url, mut help_only) = receiver(0, StatusCode::OK).await;
    let env = Env::start(NotifyConfig {
        webhooks: vec![
            target(&url, WebhookFormat::Generic, &[Trigger::NewConversation]),
            target(&help_only_url, WebhookFormat::Generic, &[Trigger::HelpRequested]),
        ],
        ..Default::default()
    })
    .await;
    let (mut visitor, conversation) = env.visitor().await;
    // New (stored, announced) with its first message, not at hello.
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: baton_protocol::ClientMsgId("m1".into()),
            text: "hello?".into(),
        },
    )
    .await;
    let hit = next_hit(&mut hits).await;
    assert_eq!(hit.body["event"], "new_conversation");
    assert_eq!(hit.body["conversation"], conversation.as_str());
    assert_eq!(hit.body["bot"], "demo");
    assert_eq!(hit.body["inbox_url"], format!("{PUBLIC_URL}/inbox/"));
    assert!(hit.body.get("deadline").is_none());
    no_more_hits(&mut help_only, Duration::from_millis(200)).await;
}

#[tokio::test]
async fn a_failing_receiver_is_retried_and_a_refusing_one_is_not() {
    let (flaky_url, mut flaky) = receiver(2, StatusCode::INTERNAL_SERVER_ERROR).await;
    let (refusing_url, mut refusing) = receiver(usize::MAX, StatusCode::BAD_REQUEST).await;
    let env = Env::start(NotifyConfig {
        webhooks: vec![
            target(&flaky_url, WebhookFormat::Generic, &[Trigger::HelpRequested]),
            target(&refusing_url, WebhookFormat::Generic, &[Trigger::HelpRequested]),
        ],
        ..Default::default()
    })
    .await;
    let _op = env.operator().await;
    let (mut visitor, _) = env.visitor().await;
    request_human(&mut visitor).await;

    let started = Instant::now();
    let first = next_hit(&mut flaky).await;
    let second = next_hit(&mut flaky).await;
    let third = next_hit(&mut flaky).await;
    assert!(
        started.elapsed() >= Duration::from_millis(50 + 100),
        "backs off between attempts"
    );
    assert_eq!(first.body, third.body, "the same body each time");
    assert_eq!(first.delivery, second.delivery, "the same delivery id each time");
    assert_eq!(first.delivery, third.delivery);
    no_more_hits(&mut flaky, Duration::from_millis(300)).await;

    next_hit(&mut refusing).await;
    no_more_hits(&mut refusing, Duration::ZERO).await;
}

fn email_config(port: u16, delay_ms: u64) -> EmailConfig {
    serde_json::from_value(json!({
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "from": "Demo Shop <support@shop.test>",
        "delay_ms": delay_ms,
        "site_name": "Demo Shop",
        "site_url": "https://shop.test/",
    }))
    .expect("email config")
}

// ------------------------------------------------------------------- email

#[tokio::test]
async fn an_unread_reply_is_emailed_after_the_delay() {
    let (port, mut mails) = smtp_sink().await;
    let env = Env::start(NotifyConfig {
        email: Some(email_config(port, 300)),
        ..Default::default()
    })
    .await;
    let (_visitor, mut op, conversation) = handover(&env).await;
    let sent = Instant::now();
    operator_says(&mut op, &conversation, "o1", "Your parcel left the warehouse today.").await;

    let mail = next_mail(&mut mails).await;
    assert!(sent.elapsed() >= Duration::from_millis(290), "not before the delay");
    assert_eq!(mail.to, ["v@example.com"]);
    assert_eq!(mail.from, "support@shop.test");
    assert_eq!(mail.header("Subject").as_deref(), Some("New reply from Demo Shop"));
    assert_eq!(mail.header("To").as_deref(), Some("v@example.com"));
    assert_eq!(mail.header("Auto-Submitted").as_deref(), Some("auto-generated"));
    let body = mail.body();
    assert!(body.contains("Ana wrote:"), "{body}");
    assert!(body.contains("> Your parcel left the warehouse today."), "{body}");
    assert!(body.contains("https://shop.test/"), "{body}");
    no_mail(&mut mails, Duration::from_millis(500)).await;
}

#[tokio::test]
async fn an_unread_reply_owed_at_a_restart_is_emailed_once_after_it() {
    let (port, mut mails) = smtp_sink().await;
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let config = || NotifyConfig {
        email: Some(email_config(port, 1_500)),
        ..Default::default()
    };
    let env = Env::start_in(&dir, config()).await;
    let (visitor, mut op, conversation) = handover(&env).await;
    operator_says(&mut op, &conversation, "o1", "Your parcel left the warehouse today.").await;
    // The server stops before the email is due; the next start owes it.
    drop((visitor, op));
    env.server.stop().await;
    let env = Env::start_in(&dir, config()).await;
    let mail = next_mail(&mut mails).await;
    assert!(
        mail.body().contains("> Your parcel left the warehouse today."),
        "{}",
        mail.body()
    );
    no_mail(&mut mails, Duration::from_millis(500)).await;
    env.server.stop().await;
    // Sent is recorded: a later start does not send it again.
    let _env = Env::start_in(&dir, config()).await;
    no_mail(&mut mails, Duration::from_millis(2_000)).await;
}

#[tokio::test]
async fn a_reply_read_in_time_is_not_emailed() {
    let (port, mut mails) = smtp_sink().await;
    let env = Env::start(NotifyConfig {
        email: Some(email_config(port, 400)),
        ..Default::default()
    })
    .await;
    let (mut visitor, mut op, conversation) = handover(&env).await;
    let seq = operator_says(&mut op, &conversation, "o1", "First reply, read at once").await;
    recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if e.seq == seq => Some(()),
        _ => None,
    })
    .await;
    send_raw(&mut visitor, &format!(r#"{{"type":"receipt","read":{}}}"#, seq.0)).await;
    // The operator sees the read mark: it is stored, and published.
    recv_until(&mut op, |f: &ServerToOperator| match f {
        ServerToOperator::Receipts { visitor, .. } if visitor.read >= seq => Some(()),
        _ => None,
    })
    .await;
    no_mail(&mut mails, Duration::from_millis(800)).await;

    // A later reply the visitor leaves unread is emailed — alone.
    operator_says(&mut op, &conversation, "o2", "Second reply, never read").await;
    let mail = next_mail(&mut mails).await;
    let body = mail.body();
    assert!(body.contains("Second reply, never read"), "{body}");
    assert!(!body.contains("First reply"), "{body}");
}

#[tokio::test]
async fn several_unread_replies_make_one_email() {
    let (port, mut mails) = smtp_sink().await;
    let env = Env::start(NotifyConfig {
        email: Some(email_config(port, 400)),
        ..Default::default()
    })
    .await;
    let (_visitor, mut op, conversation) = handover(&env).await;
    for (n, text) in ["Let me check.", "Found it: order 4711.", "It ships tomorrow."]
        .iter()
        .enumerate()
    {
        operator_says(&mut op, &conversation, &format!("o{n}"), text).await;
    }
    let mail = next_mail(&mut mails).await;
    assert_eq!(mail.header("Subject").as_deref(), Some("3 new replies from Demo Shop"));
    let body = mail.body();
    let positions: Vec<usize> = ["Let me check.", "Found it: order 4711.", "It ships tomorrow."]
        .iter()
        .map(|t| body.find(t).unwrap_or_else(|| panic!("{t} in {body}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "oldest first: {body}");
    no_mail(&mut mails, Duration::from_millis(700)).await;
}

#[tokio::test]
async fn no_address_no_email() {
    let (port, mut mails) = smtp_sink().await;
    let env = Env::start(NotifyConfig {
        email: Some(email_config(port, 200)),
        ..Default::default()
    })
    .await;
    let mut op = env.operator().await;
    let (mut visitor, conversation) = env.visitor().await;
    request_human(&mut visitor).await;
    send(
        &mut op,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: id("join"),
            display_name: "Ana".into(),
        },
    )
    .await;
    operator_says(&mut op, &conversation, "o1", "Hello?").await;
    no_mail(&mut mails, Duration::from_millis(600)).await;
}

// --------------------------------------------------------------- translate

#[derive(Clone, Default)]
struct Translator {
    requests: Arc<Mutex<Vec<Value>>>,
}

async fn libretranslate(State(t): State<Translator>, Json(body): Json<Value>) -> (StatusCode, Json<Value>) {
    t.requests.lock().expect("lock").push(body.clone());
    let q = body["q"].as_str().unwrap_or_default().to_owned();
    match body["target"].as_str() {
        Some("xx") => (StatusCode::BAD_REQUEST, Json(json!({"error": "xx is not supported"}))),
        Some("slow") | Some("sl") => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            (StatusCode::OK, Json(json!({"translatedText": q})))
        }
        Some("zz") => (StatusCode::OK, Json(json!({"translation": q}))),
        Some(target) => (
            StatusCode::OK,
            Json(json!({"translatedText": format!("[{target}] {q}")})),
        ),
        None => (StatusCode::BAD_REQUEST, Json(json!({"error": "no target"}))),
    }
}

async fn translator() -> (String, Translator) {
    let state = Translator::default();
    let app = axum::Router::new()
        .route("/translate", post(libretranslate))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("translator") });
    (url, state)
}

#[tokio::test]
async fn translate_round_trip() {
    let (url, stub) = translator().await;
    // An environment variable every `cargo test` run has stands in for the
    // API key (tests cannot set variables: unsafe code is forbidden).
    let key_env = std::env::var("CARGO_MANIFEST_DIR")
        .ok()
        .map(|_| "CARGO_MANIFEST_DIR".to_owned());
    let config = TranslateConfig {
        api_key_env: key_env.clone(),
        ..TranslateConfig::new(url)
    };
    let answer = notify::handle_translate(
        &config,
        TranslateRequest {
            text: "Wo ist mein Paket?".into(),
            source: None,
            target: "en".into(),
        },
    )
    .await
    .expect("translated");
    assert_eq!(answer.text, "[en] Wo ist mein Paket?");
    let with_source = notify::translate(&config, "Hola", Some("es"), "de")
        .await
        .expect("translated");
    assert_eq!(with_source, "[de] Hola");

    let requests = stub.requests.lock().expect("lock").clone();
    assert_eq!(requests[0]["q"], "Wo ist mein Paket?");
    assert_eq!(requests[0]["source"], "auto");
    assert_eq!(requests[0]["target"], "en");
    assert_eq!(requests[0]["format"], "text");
    assert_eq!(requests[1]["source"], "es");
    match key_env {
        Some(name) => assert_eq!(requests[0]["api_key"], std::env::var(name).expect("set")),
        None => assert!(requests[0].get("api_key").is_none()),
    }
    let plain = notify::translate(&TranslateConfig::new(config.url.clone()), "x", None, "en")
        .await
        .expect("translated");
    assert_eq!(plain, "[en] x");
    assert!(stub.requests.lock().expect("lock")[2].get("api_key").is_none());
}

#[tokio::test]
async fn translate_errors_are_told_apart() {
    let (url, _stub) = translator().await;
    let config = TranslateConfig::new(url.clone());
    let refused = notify::translate(&config, "hi", None, "xx").await;
    assert_eq!(
        refused,
        Err(TranslateError::Upstream {
            status: 400,
            message: "xx is not supported".into()
        })
    );
    assert_eq!(
        notify::translate(&config, "hi", None, "zz").await,
        Err(TranslateError::BadResponse)
    );
    let quick = TranslateConfig {
        timeout_ms: 200,
        ..TranslateConfig::new(url)
    };
    let started = Instant::now();
    assert_eq!(
        notify::translate(&quick, "hi", None, "slow").await,
        Err(TranslateError::Timeout(200))
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    // Nothing listens on a port that was just released.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let unreachable = notify::translate(&TranslateConfig::new(format!("http://{addr}")), "hi", None, "en").await;
    assert!(
        matches!(unreachable, Err(TranslateError::Unreachable(_))),
        "{unreachable:?}"
    );

    // The handler's errors become HTTP answers with `{"error"}`.
    use axum::response::IntoResponse;
    let response = TranslateError::Upstream {
        status: 400,
        message: "no".into(),
    }
    .into_response();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
}
