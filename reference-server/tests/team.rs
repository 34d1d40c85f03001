//! Team management and per-bot access, over real HTTP and WebSockets: who
//! may change the team, what a change does at once to sockets, rosters and
//! chats, and that an operator sees nothing of the bots they do not serve.
//! Also the `operator` command line on the built binary.

mod common;

use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
use baton_protocol::*;
use common::*;
use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

/// Signs in and returns the bearer token.
async fn token(server: &Server, email: &str, password: &str) -> String {
    let response = login(server, email, password).await;
    assert_eq!(response.status(), 200, "{email} signs in");
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("token").to_owned()
}

/// One request with a bearer token (and no Origin, like a non-browser client).
async fn call(server: &Server, method: &str, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
    call_from(server, method, path, token, body, None).await
}

async fn call_from(
    server: &Server,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
    origin: Option<&str>,
) -> (StatusCode, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = reqwest::Client::new()
        .request(method, format!("http://{}{path}", server.addr))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await.expect("HTTP");
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

async fn welcome(op: &mut Ws) -> baton_protocol::operator::OperatorWelcome {
    match operator_frame(op).await {
        ServerToOperator::Welcome(w) => w,
        other => panic!("expected welcome, got {other:?}"),
    }
}

/// A visitor of `bot` who said hello, and their conversation.
async fn visitor_of(server: &Server, bot: &str) -> (Ws, ConversationId) {
    let mut ws = visitor_socket_of(bot, &server.addr.to_string(), ORIGIN, &[])
        .await
        .expect("visitor connects");
    send(&mut ws, &hello_to(bot)).await;
    let ServerToVisitor::Welcome(w) = visitor_frame(&mut ws).await else {
        panic!("welcome")
    };
    // Stored, and shown to operators, once the visitor says something.
    say(&mut ws, "first", "hello").await;
    recv_until(&mut ws, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    (ws, w.conversation)
}

async fn say(visitor: &mut Ws, msg: &str, text: &str) {
    send(
        visitor,
        &VisitorToServer::Send {
            client_msg_id: id(msg),
            text: text.into(),
        },
    )
    .await;
}

async fn error_frame(op: &mut Ws) -> ErrorBody {
    recv_until(op, |f: &ServerToOperator| match f {
        ServerToOperator::Error(e) => Some(e.clone()),
        _ => None,
    })
    .await
}

/// Reads until the server closes the socket; panics if it stays open 5 s.
async fn closed(ws: &mut Ws) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("the server closes the socket")
        {
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
            Some(Ok(_)) => continue,
        }
    }
}

/// Adds an agent through the API; returns their id.
async fn add_agent(server: &Server, admin: &str, email: &str, bots: &[&str]) -> String {
    let body = json!({"email": email, "name": "Zoe", "role": "agent", "bots": bots, "password": "long-enough"});
    let (status, added) = call(server, "POST", "/api/team", admin, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    added["operator"]["id"].as_str().expect("id").to_owned()
}

#[tokio::test]
async fn an_admin_adds_an_agent_who_signs_in_and_only_admins_may() {
    let server = Server::start().await;
    let admin = token(&server, "op-a@test", "pw").await;
    let mut watcher = server.operator("op-a").await;
    welcome(&mut watcher).await;

    let body =
        json!({"email": " Zoe@Test ", "name": "Zoe", "role": "agent", "bots": ["demo"], "password": "long-enough"});
    let (status, added) = call(&server, "POST", "/api/team", &admin, Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let zoe = &added["operator"];
    assert_eq!(zoe["email"], "zoe@test");
    assert_eq!(zoe["bots"], json!(["demo"]));
    assert_eq!(
        (zoe["active"].clone(), zoe["status"].clone()),
        (json!(true), json!("offline"))
    );
    // Teammates see the newcomer at once.
    recv_until(&mut watcher, |f: &ServerToOperator| match f {
        ServerToOperator::Roster(r) if r.operators.iter().any(|o| o.profile.name == "Zoe") => Some(()),
        _ => None,
    })
    .await;

    let agent = token(&server, "zoe@test", "long-enough").await;
    let (status, me) = call(&server, "GET", "/api/me", &agent, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["email"].clone(), me["role"].clone()),
        (json!("zoe@test"), json!("agent"))
    );
    assert_eq!(me["bots"], json!(["demo"]));
    let (status, team) = call(&server, "GET", "/api/team", &agent, None).await;
    assert_eq!(status, StatusCode::OK, "agents read the team page");
    assert_eq!(team["operators"].as_array().expect("list").len(), 4);

    let other = json!({"email": "x@test", "name": "X", "role": "agent", "bots": [], "password": "long-enough"});
    let (status, refused) = call(&server, "POST", "/api/team", &agent, Some(other.clone())).await;
    assert_eq!(
        (status, refused["error"].clone()),
        (StatusCode::FORBIDDEN, json!("forbidden"))
    );
    let (status, refused) = call(&server, "POST", "/api/team", &admin, Some(body)).await;
    assert_eq!(
        (status, refused["error"].clone()),
        (StatusCode::CONFLICT, json!("email_taken"))
    );
    let (status, _) = call_from(
        &server,
        "POST",
        "/api/team",
        &admin,
        Some(other.clone()),
        Some("http://evil.test"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "another site's page cannot change the team"
    );
    for (field, value) in [
        ("password", json!("short")),
        ("bots", json!(["nope"])),
        ("name", json!(" ")),
    ] {
        let mut bad = other.clone();
        bad[field] = value;
        let (status, refused) = call(&server, "POST", "/api/team", &admin, Some(bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}: {refused}");
        assert!(refused["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    let (status, _) = call(&server, "GET", "/api/team", "not-a-session", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    let server = Server::start().await;
    let admin = token(&server, "op-a@test", "pw").await;
    let demote = json!({"role": "agent"});
    let (status, refused) = call(&server, "PATCH", "/api/team/op-a", &admin, Some(demote.clone())).await;
    assert_eq!(
        (status, refused["error"].clone()),
        (StatusCode::CONFLICT, json!("conflict"))
    );
    let (status, _) = call(&server, "POST", "/api/team/op-a/deactivate", &admin, None).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, ben) = call(
        &server,
        "PATCH",
        "/api/team/op-b",
        &admin,
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!(
        (status, ben["operator"]["role"].clone()),
        (StatusCode::OK, json!("admin"))
    );
    let (status, _) = call(&server, "PATCH", "/api/team/op-a", &admin, Some(demote.clone())).await;
    assert_eq!(status, StatusCode::OK, "with a second admin, the first may step down");
    let (status, _) = call(&server, "POST", "/api/team/op-b/deactivate", &admin, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "op-a is an agent now");
    let ben = token(&server, "op-b@test", "pw").await;
    let (status, _) = call(&server, "PATCH", "/api/team/op-b", &ben, Some(demote)).await;
    assert_eq!(status, StatusCode::CONFLICT, "op-b is the last admin now");
    let (status, _) = call(
        &server,
        "PATCH",
        "/api/team/op-nobody",
        &ben,
        Some(json!({"name": "N"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deactivation_ends_the_session_closes_the_inbox_and_hands_the_chat_back() {
    let server = Server::start().await;
    let admin = token(&server, "op-a@test", "pw").await;
    let ben = token(&server, "op-b@test", "pw").await;
    let mut inbox = operator_socket(&server.addr.to_string(), &ben).await;
    welcome(&mut inbox).await;
    available(&mut inbox).await;
    let (mut visitor, conversation) = visitor_of(&server, "demo").await;
    send(
        &mut visitor,
        &VisitorToServer::RequestHuman {
            client_msg_id: id("r1"),
        },
    )
    .await;
    send(
        &mut inbox,
        &OperatorToServer::Join {
            conversation: conversation.clone(),
            client_msg_id: id("j1"),
            display_name: "Ben".into(),
        },
    )
    .await;
    recv_until(&mut inbox, |f: &ServerToOperator| match f {
        ServerToOperator::Ack { client_msg_id, .. } if client_msg_id == &id("j1") => Some(()),
        _ => None,
    })
    .await;

    let (status, _) = call(&server, "POST", "/api/team/op-b/deactivate", &admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // At once: the inbox is told and its socket closes.
    assert_eq!(error_frame(&mut inbox).await.code, ErrorCode::Unauthorized);
    closed(&mut inbox).await;
    // The chat goes back to Waiting through the owner-gone rule.
    let reason = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(ConversationEvent {
            body: EventBody::OwnerGone { operator, reason, .. },
            ..
        }) if operator.id.as_str() == "op-b" => Some(*reason),
        _ => None,
    })
    .await;
    assert_eq!(reason, OwnerGoneReason::Deactivated);
    let (status, _) = call(&server, "GET", "/api/me", &ben, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the session ended");
    assert_eq!(
        login(&server, "op-b@test", "pw").await.status(),
        401,
        "the same answer as a wrong password"
    );
    let (status, team) = call(&server, "GET", "/api/team", &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    let row = team["operators"]
        .as_array()
        .and_then(|ops| ops.iter().find(|o| o["id"] == "op-b"))
        .expect("still listed")
        .clone();
    assert_eq!(
        (row["active"].clone(), row["status"].clone()),
        (json!(false), json!("offline"))
    );

    let (status, _) = call(&server, "POST", "/api/team/op-b/activate", &admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    token(&server, "op-b@test", "pw").await;
}

#[tokio::test]
async fn an_agent_sees_nothing_of_a_bot_they_do_not_serve() {
    let server = Server::start_bots(vec![bot_named("demo", 60_000), bot_named("help", 60_000)]).await;
    let admin = token(&server, "op-a@test", "pw").await;
    let zoe_id = add_agent(&server, &admin, "zoe@test", &["demo"]).await;
    let zoe = token(&server, "zoe@test", "long-enough").await;
    let (mut help_visitor, help) = visitor_of(&server, "help").await;
    let (mut shop_visitor, shop) = visitor_of(&server, "demo").await;

    let mut inbox = operator_socket(&server.addr.to_string(), &zoe).await;
    let w = welcome(&mut inbox).await;
    let bots: Vec<&str> = w.bots.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(bots, ["demo"]);
    assert!(w.conversations.iter().all(|c| c.bot.as_str() == "demo"));
    assert!(w.conversations.iter().any(|c| c.id == shop));
    let mut all = server.operator("op-a").await;
    assert!(welcome(&mut all).await.conversations.iter().any(|c| c.id == help));

    // Naming the help chat gets the answer an unknown id gets.
    let frames = [
        OperatorToServer::Join {
            conversation: help.clone(),
            client_msg_id: id("j1"),
            display_name: "Zoe".into(),
        },
        OperatorToServer::Send {
            conversation: help.clone(),
            client_msg_id: id("s1"),
            text: "hello".into(),
            original: None,
        },
    ];
    for frame in frames {
        send(&mut inbox, &frame).await;
        let err = error_frame(&mut inbox).await;
        assert_eq!(
            (err.code, err.message.as_str()),
            (ErrorCode::NotFound, "no such conversation")
        );
        assert!(err.client_msg_id.is_some(), "the frame's id comes back");
    }
    for conversation in [help.clone(), ConversationId("no-such-chat".into())] {
        send(&mut inbox, &OperatorToServer::Open { conversation }).await;
        let err = error_frame(&mut inbox).await;
        assert_eq!((err.code, err.client_msg_id), (ErrorCode::NotFound, None));
    }

    // The help visitor's message reaches op-a's list but not Zoe's; the
    // shop visitor's, sent after it, reaches Zoe with nothing of help before it.
    say(&mut help_visitor, "h1", "a question for help").await;
    recv_until(&mut all, |f: &ServerToOperator| match f {
        ServerToOperator::Conversation(row) if row.id == help => Some(()),
        _ => None,
    })
    .await;
    say(&mut shop_visitor, "m1", "a question for the shop").await;
    recv_until(&mut inbox, |f: &ServerToOperator| {
        let text = serde_json::to_string(f).expect("json");
        assert!(!text.contains(help.as_str()), "Zoe got a frame about help: {text}");
        matches!(f, ServerToOperator::Conversation(row) if row.id == shop).then_some(())
    })
    .await;

    // Given the help bot, her inbox reconnects and then sees it.
    let body = json!({"bots": ["demo", "help"]});
    let (status, _) = call(&server, "PATCH", &format!("/api/team/{zoe_id}"), &admin, Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    recv_until(&mut inbox, |f: &ServerToOperator| {
        matches!(f, ServerToOperator::GoingAway { .. }).then_some(())
    })
    .await;
    closed(&mut inbox).await;
    let mut inbox = operator_socket(&server.addr.to_string(), &zoe).await;
    assert!(welcome(&mut inbox).await.conversations.iter().any(|c| c.id == help));
}

#[tokio::test]
async fn an_operator_edits_their_own_profile_and_password() {
    let server = Server::start().await;
    let ben = token(&server, "op-b@test", "pw").await;
    let mut watcher = server.operator("op-a").await;
    welcome(&mut watcher).await;

    let body = json!({"name": "Benji", "colour": "#AABBCC"});
    let (status, me) = call(&server, "PATCH", "/api/me", &ben, Some(body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["operator"]["name"], "Benji");
    assert_eq!(me["operator"]["colour"], "#aabbcc");
    let entry = recv_until(&mut watcher, |f: &ServerToOperator| match f {
        ServerToOperator::Roster(r) => r.operators.iter().find(|o| o.profile.name == "Benji").cloned(),
        _ => None,
    })
    .await;
    assert_eq!(entry.profile.colour.as_deref(), Some("#aabbcc"));
    let (status, _) = call(&server, "PATCH", "/api/me", &ben, Some(json!({"colour": "teal"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, me) = call(&server, "PATCH", "/api/me", &ben, Some(json!({"colour": null}))).await;
    assert_eq!(
        (status, me["operator"]["colour"].clone()),
        (StatusCode::OK, Value::Null)
    );
    assert_eq!(me["operator"]["name"], "Benji", "only what is sent changes");

    let wrong = json!({"current": "not-it", "new": "a-new-password"});
    let (status, refused) = call(&server, "POST", "/api/me/password", &ben, Some(wrong)).await;
    assert_eq!(
        (status, refused["error"].clone()),
        (StatusCode::FORBIDDEN, json!("wrong_password"))
    );
    let short = json!({"current": "pw", "new": "short"});
    let (status, _) = call(&server, "POST", "/api/me/password", &ben, Some(short)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let other_session = token(&server, "op-b@test", "pw").await;
    let right = json!({"current": "pw", "new": "a-new-password"});
    let (status, _) = call(&server, "POST", "/api/me/password", &ben, Some(right)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        call(&server, "GET", "/api/me", &ben, None).await.0,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        call(&server, "GET", "/api/me", &other_session, None).await.0,
        StatusCode::UNAUTHORIZED,
        "other sessions end"
    );
    assert_eq!(login(&server, "op-b@test", "pw").await.status(), 401);
    token(&server, "op-b@test", "a-new-password").await;
}

// ------------------------------------------------------------------ CLI

fn baton(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_baton-server"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("BATON_PASSWORD")
        .env_remove("BATON_CONFIG")
        .output()
        .expect("the server binary runs")
}

#[test]
fn the_command_line_adds_and_lists_operators_without_a_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let add = baton(
        dir.path(),
        &[
            "operator",
            "add",
            "--email",
            "Ada@Example.com",
            "--name",
            "Ada",
            "--role",
            "admin",
            "--bots",
            "demo",
            "--password",
            "first-admin-pw",
        ],
    );
    assert!(add.status.success(), "{}", String::from_utf8_lossy(&add.stderr));
    let made_up = baton(
        dir.path(),
        &[
            "operator",
            "add",
            "--email",
            "bo@example.com",
            "--name",
            "Bo",
            "--role",
            "agent",
        ],
    );
    let said = String::from_utf8_lossy(&made_up.stdout).to_string();
    assert!(
        made_up.status.success() && said.contains("Password (shown only now): "),
        "{said}"
    );

    let again = baton(
        dir.path(),
        &[
            "operator",
            "add",
            "--email",
            "ada@example.com",
            "--name",
            "A",
            "--role",
            "agent",
        ],
    );
    assert!(!again.status.success(), "a taken email is refused");
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has an account"));
    let last = baton(dir.path(), &["operator", "deactivate", "--email", "ada@example.com"]);
    assert!(!last.status.success(), "the last admin stays");
    assert!(
        baton(dir.path(), &["operator", "deactivate", "--email", "bo@example.com"])
            .status
            .success()
    );

    let list = baton(dir.path(), &["operator", "list"]);
    assert!(list.status.success());
    let table = String::from_utf8_lossy(&list.stdout).to_string();
    let lines: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0], ["EMAIL", "NAME", "ROLE", "BOTS", "ACTIVE"], "{table}");
    assert!(
        lines.contains(&vec!["ada@example.com", "Ada", "admin", "demo", "yes"]),
        "{table}"
    );
    assert!(
        lines.contains(&vec!["bo@example.com", "Bo", "agent", "demo", "no"]),
        "{table}"
    );

    // The account signs in against the same file.
    let store = baton_server::store::SqliteStore::open(&dir.path().join("baton.sqlite3")).expect("open");
    use baton_server::store::Store;
    let ada = store
        .operator_by_email("ada@example.com")
        .expect("read")
        .expect("found");
    assert!(baton_server::auth::verify_password(
        &ada.password_hash,
        "first-admin-pw"
    ));
}
