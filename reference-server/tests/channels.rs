//! The Notification center end to end: channels made over real HTTP, a
//! visitor on a real WebSocket asking for a person, and each service's
//! stand-in on loopback (an HTTP receiver for webhook, Slack, Teams and
//! Telegram's Bot API; an SMTP sink for email) receiving its own format —
//! only for the events the channel wants.

mod common;

use baton_protocol::operator::AlertKind;
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::{BotId, ClientMsgId, ConversationId, EventBody};
use baton_server::notify::{self, Center, NotifyConfig, Trigger, WebhookFormat, WebhookTarget};
use common::stubs::{Hit, Mail, http_stub, next_hit, next_mail, no_mail, no_more_hits, receiver, smtp_sink};
use common::{Server, Ws, hello, recv_until, send};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

const PUBLIC_URL: &str = "https://baton.test";
const TOKEN: &str = "123456:AAH-secret_token";

/// A server with the Notification center running, its test button wired.
async fn start(config: NotifyConfig) -> Server {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let center = Arc::new(Center::new(&config, PUBLIC_URL));
    let for_state = center.clone();
    let server = Server::start_with(&dir, 60_000, |state| state.notify = Some(for_state)).await;
    notify::spawn_with(server.state.hub.clone(), &config, center);
    server
}

fn email_config(port: u16) -> Value {
    json!({"smtp_host": "127.0.0.1", "smtp_port": port, "from": "Baton <baton@shop.test>"})
}

/// Creates a channel as the admin; its id.
async fn create(server: &Server, channel: Value) -> String {
    let (status, body) = server
        .call(
            "op-a",
            reqwest::Method::POST,
            "/api/notify/channels",
            Some(channel),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["channel"]["id"].as_str().expect("id").to_owned()
}

/// A visitor who asked for a person: their conversation.
async fn ask_for_a_person(server: &Server) -> (Ws, ConversationId) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    let conversation = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        _ => None,
    })
    .await;
    send(
        &mut ws,
        &VisitorToServer::RequestHuman {
            client_msg_id: ClientMsgId("r1".into()),
        },
    )
    .await;
    recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if matches!(e.body, EventBody::HelpRequested { .. }) => Some(()),
        _ => None,
    })
    .await;
    (ws, conversation)
}

#[tokio::test]
async fn each_kind_gets_its_services_format_for_the_events_it_wants() {
    let (hook_url, mut hook) = receiver(0, StatusCode::OK).await;
    let (slack_url, mut slack) = receiver(0, StatusCode::OK).await;
    let (teams_url, mut teams) = receiver(0, StatusCode::OK).await;
    let (telegram_api, mut telegram) = http_stub(0, StatusCode::OK).await;
    let (unclaimed_url, mut unclaimed) = receiver(0, StatusCode::OK).await;
    let (port, mut mails) = smtp_sink().await;
    let config: NotifyConfig =
        serde_json::from_value(json!({"telegram_api": telegram_api, "email": email_config(port)})).expect("config");
    let server = start(config).await;
    let help = json!(["help_requested"]);
    create(
        &server,
        json!({"kind": "webhook", "name": "Generic", "url": hook_url, "events": help}),
    )
    .await;
    create(
        &server,
        json!({"kind": "slack", "name": "Slack", "url": slack_url, "events": help}),
    )
    .await;
    create(
        &server,
        json!({"kind": "teams", "name": "Teams", "url": teams_url, "events": help}),
    )
    .await;
    create(
        &server,
        json!({"kind": "telegram", "name": "Telegram", "chat_id": "-1001234", "bot_token": TOKEN, "events": help}),
    )
    .await;
    create(
        &server,
        json!({"kind": "email", "name": "Mail", "recipients": ["team@shop.test", "lead@shop.test"], "events": help}),
    )
    .await;
    create(
        &server,
        json!({"kind": "webhook", "name": "Escalations", "url": unclaimed_url, "events": ["unclaimed", "owner_gone"]}),
    )
    .await;
    create(
        &server,
        json!({"kind": "webhook", "name": "Off", "url": unclaimed_url, "events": help, "enabled": false}),
    )
    .await;

    let _op = server.available_operator("op-a").await;
    let (_visitor, conversation) = ask_for_a_person(&server).await;
    let short: String = conversation.as_str().chars().take(8).collect();

    let hit = next_hit(&mut hook).await;
    assert_eq!(hit.body["event"], "help_requested");
    assert_eq!(hit.body["conversation"], conversation.as_str());
    assert_eq!(hit.body["inbox_url"], format!("{PUBLIC_URL}/inbox/"));
    assert!(hit.body["deadline"].is_u64());

    let hit = next_hit(&mut slack).await;
    let text = hit.body["text"].as_str().expect("slack text");
    assert!(text.contains("asking for a person") && text.contains(&short), "{text}");
    assert!(
        text.ends_with(&format!("<{PUBLIC_URL}/inbox/|Open the inbox>")),
        "{text}"
    );

    let hit = next_hit(&mut teams).await;
    assert_teams_card(&hit, &short);

    let hit = next_hit(&mut telegram).await;
    assert_eq!(hit.path, format!("/bot{TOKEN}/sendMessage"));
    assert_eq!(hit.body["chat_id"], "-1001234");
    assert_eq!(hit.body["disable_web_page_preview"], true);
    let text = hit.body["text"].as_str().expect("telegram text");
    assert!(text.starts_with("A visitor is asking for a person."), "{text}");
    assert!(text.contains(&format!("Open the inbox: {PUBLIC_URL}/inbox/")), "{text}");

    let mail = next_mail(&mut mails).await;
    assert_mail(&mail, &short);

    // Not wanted (escalations only), and not enabled: nothing.
    no_more_hits(&mut unclaimed, Duration::from_millis(300)).await;
    no_more_hits(&mut hook, Duration::ZERO).await;
    no_mail(&mut mails, Duration::ZERO).await;

    // The hub's escalation reaches the channel that wants it, and only it.
    server
        .state
        .hub
        .escalate(&conversation, &BotId("demo".into()), AlertKind::Unclaimed);
    let hit = next_hit(&mut unclaimed).await;
    assert_eq!(hit.body["event"], "unclaimed");
    assert_eq!(hit.body["conversation"], conversation.as_str());
    no_more_hits(&mut unclaimed, Duration::from_millis(300)).await;
    no_more_hits(&mut slack, Duration::ZERO).await;
    no_more_hits(&mut telegram, Duration::ZERO).await;
}

fn assert_teams_card(hit: &Hit, short: &str) {
    assert_eq!(hit.body["type"], "message");
    let attachment = &hit.body["attachments"][0];
    assert_eq!(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    let first = card["body"][0]["text"].as_str().expect("text block");
    assert!(first.starts_with("A visitor is asking for a person."), "{first}");
    assert!(card["body"].to_string().contains(short));
    let action = &card["actions"][0];
    assert_eq!(action["type"], "Action.OpenUrl");
    assert_eq!(action["title"], "Open in inbox");
    assert_eq!(action["url"], format!("{PUBLIC_URL}/inbox/"));
}

fn assert_mail(mail: &Mail, short: &str) {
    let mut to = mail.to.clone();
    to.sort();
    assert_eq!(to, ["lead@shop.test", "team@shop.test"]);
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("[Baton] A visitor is asking for a person")
    );
    assert!(mail.header("Content-Type").is_some_and(|t| t.starts_with("text/plain")));
    let body = mail.body();
    assert!(body.contains(&format!("Conversation: {short}")), "{body}");
    assert!(body.contains(&format!("{PUBLIC_URL}/inbox/")), "{body}");
}

#[tokio::test]
async fn the_test_button_sends_and_reports_failure_plainly() {
    let (telegram_api, mut telegram) = http_stub(0, StatusCode::OK).await;
    let (broken_url, _broken) = receiver(usize::MAX, StatusCode::NOT_FOUND).await;
    let config: NotifyConfig = serde_json::from_value(json!({"telegram_api": telegram_api})).expect("config");
    let server = start(config).await;
    let ok = create(
        &server,
        json!({"kind": "telegram", "name": "Ops chat", "chat_id": "42", "bot_token": TOKEN, "events": ["new_chat"]}),
    )
    .await;
    let (status, _) = server
        .call(
            "op-a",
            reqwest::Method::POST,
            &format!("/api/notify/channels/{ok}/test"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let hit = next_hit(&mut telegram).await;
    assert_eq!(hit.path, format!("/bot{TOKEN}/sendMessage"));
    assert!(
        hit.body["text"]
            .as_str()
            .expect("text")
            .contains("\u{201c}Ops chat\u{201d} works")
    );

    let broken = create(
        &server,
        json!({"kind": "teams", "name": "Gone", "url": broken_url, "events": ["new_chat"]}),
    )
    .await;
    let (status, body) = server
        .call(
            "op-a",
            reqwest::Method::POST,
            &format!("/api/notify/channels/{broken}/test"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(body["error"], "delivery_failed");
    let message = body["message"].as_str().expect("message");
    assert!(message.contains("404"), "{message}");
    assert!(!message.contains("secret-token"), "no URL in the reason: {message}");

    // Email without an SMTP relay configured says so.
    let mail = create(
        &server,
        json!({"kind": "email", "name": "M", "recipients": ["a@b.test"], "events": ["new_chat"]}),
    )
    .await;
    let (status, body) = server
        .call(
            "op-a",
            reqwest::Method::POST,
            &format!("/api/notify/channels/{mail}/test"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(
        body["message"].as_str().expect("message").contains("notify.email"),
        "{body}"
    );

    let (status, _) = server
        .call(
            "op-b",
            reqwest::Method::POST,
            &format!("/api/notify/channels/{ok}/test"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "admins only");
}

#[tokio::test]
async fn channels_are_admin_only_and_the_telegram_token_never_comes_back() {
    let server = start(NotifyConfig::default()).await;
    let id = create(
        &server,
        json!({"kind": "telegram", "name": "Ops", "chat_id": "42", "bot_token": TOKEN, "events": ["owner_gone"]}),
    )
    .await;
    let (status, listed) = server
        .call("op-a", reqwest::Method::GET, "/api/notify/channels", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!listed.to_string().contains("secret_token"), "{listed}");
    let channel = &listed["channels"][0];
    assert_eq!(channel["bot_token_set"], true);
    assert_eq!(channel["chat_id"], "42");
    assert_eq!(channel["events"], json!(["owner_gone"]));

    // An edit without a token keeps it; the answer does not show it either.
    let path = format!("/api/notify/channels/{id}");
    let edit = json!({"kind": "telegram", "name": "Ops 2", "chat_id": "43", "events": ["owner_gone", "transferred"],
                      "bot_token_set": true});
    let (status, body) = server
        .call("op-a", reqwest::Method::PUT, &path, Some(edit.clone()), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!body.to_string().contains("secret_token"));
    assert_eq!(body["channel"]["name"], "Ops 2");
    let stored = server.state.hub.store().notify_channels().expect("channels");
    assert_eq!(stored[0].bot_token.as_deref(), Some(TOKEN));

    let (status, body) = server
        .call(
            "op-a",
            reqwest::Method::POST,
            "/api/notify/channels",
            Some(json!({"kind": "teams", "name": "T", "url": "not a url", "events": ["new_chat"]})),
            None,
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_request"))
    );
    assert!(body["message"].as_str().expect("message").contains("http"));

    for (method, path) in [
        (reqwest::Method::GET, "/api/notify/channels".to_owned()),
        (reqwest::Method::PUT, path.clone()),
        (reqwest::Method::DELETE, path.clone()),
    ] {
        let (status, _) = server
            .call("op-b", method.clone(), &path, Some(edit.clone()), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    let (status, _) = server.call("op-a", reqwest::Method::DELETE, &path, None, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = server.call("op-a", reqwest::Method::DELETE, &path, None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn config_webhooks_seed_the_center_once() {
    let (url, mut hits) = receiver(0, StatusCode::OK).await;
    let config = NotifyConfig {
        webhooks: vec![WebhookTarget {
            on: vec![Trigger::NewConversation],
            ..WebhookTarget::new(&url, WebhookFormat::Slack)
        }],
        ..NotifyConfig::default()
    };
    let server = start(config.clone()).await;
    let (_, listed) = server
        .call("op-a", reqwest::Method::GET, "/api/notify/channels", None, None)
        .await;
    let channel = &listed["channels"][0];
    assert_eq!(
        (channel["kind"].as_str(), channel["url"].as_str()),
        (Some("slack"), Some(url.as_str()))
    );
    assert_eq!(channel["events"], json!(["new_chat"]));
    let id = channel["id"].as_str().expect("id").to_owned();
    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello()).await;
    // A conversation is new (stored, announced) with its first message.
    send(
        &mut visitor,
        &baton_protocol::visitor::VisitorToServer::Send {
            client_msg_id: baton_protocol::ClientMsgId("m1".into()),
            text: "hello?".into(),
        },
    )
    .await;
    let hit = next_hit(&mut hits).await;
    assert!(hit.body["text"].as_str().expect("text").contains("New conversation"));

    // Deleted by an admin: the config file does not bring it back.
    let (status, _) = server
        .call(
            "op-a",
            reqwest::Method::DELETE,
            &format!("/api/notify/channels/{id}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    notify::seed_channels(server.state.hub.store(), &config);
    assert!(server.state.hub.store().notify_channels().expect("channels").is_empty());
    drain(&mut hits).await;
}

async fn drain(hits: &mut UnboundedReceiver<Hit>) {
    while tokio::time::timeout(Duration::from_millis(50), hits.recv())
        .await
        .is_ok_and(|h| h.is_some())
    {}
}
