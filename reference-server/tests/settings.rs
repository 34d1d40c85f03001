//! Live settings end to end over real HTTP and WebSockets on a real SQLite
//! file: an admin's change reaches visitors already connected, survives a
//! restart, is not undone by the config, and bad values get a clear 400.

mod common;

use baton_protocol::operator::{AlertPrefs, OperatorStatus, OperatorToServer, ServerToOperator};
use baton_protocol::visitor::{Availability, ServerToVisitor};
use baton_protocol::{Millis, OperatorId};
use common::{Server, Ws, hello, recv_until, send};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

async fn put(server: &Server, op: &str, path: &str, body: Value) -> (StatusCode, Value) {
    server.call(op, reqwest::Method::PUT, path, Some(body), None).await
}

async fn get(server: &Server, op: &str, path: &str) -> (StatusCode, Value) {
    server.call(op, reqwest::Method::GET, path, None, None).await
}

/// A visitor that said hello, and the availability its welcome carried.
async fn visitor(server: &Server) -> (Ws, Availability) {
    let mut ws = server.visitor().await;
    send(&mut ws, &hello()).await;
    let availability = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.snapshot.availability.clone()),
        _ => None,
    })
    .await;
    (ws, availability)
}

fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[tokio::test]
async fn an_admin_change_reaches_a_connected_visitor_at_once() {
    let server = Server::start().await;
    let (mut ws, before) = visitor(&server).await;
    assert_eq!(before.button_label, "Talk to a human");

    let (status, body) = put(
        &server,
        "op-a",
        "/api/bots/demo/settings",
        json!({"id": "ignored", "button_label": "Chat with Dana", "offline_message": "Back at 9 tomorrow",
               "show_button": false, "operator_colour": "#aa0000", "owner_gone_secs": 60}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], "demo");
    assert_eq!(body["button_label"], "Chat with Dana");
    assert_eq!(body["owner_gone_secs"], 60);
    assert_eq!(body["response_window_secs"], 60, "left out: unchanged");

    // The same socket, no reconnect: a fresh availability frame.
    let fresh = recv_until(&mut ws, |f: &ServerToVisitor| match f {
        ServerToVisitor::Availability(a) => Some(a.clone()),
        _ => None,
    })
    .await;
    assert_eq!(fresh.button_label, "Chat with Dana");
    assert_eq!(fresh.offline_message, "Back at 9 tomorrow");
    assert!(!fresh.show_button);
    let settings = server
        .state
        .hub
        .bot_settings(&baton_protocol::BotId("demo".into()))
        .expect("bot");
    assert_eq!(settings.owner_gone, Millis::from_secs(60));

    let (status, listed) = get(&server, "op-b", "/api/bots").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["bots"][0]["button_label"], "Chat with Dana");
    assert_eq!(listed["bots"][0]["name"], "Demo shop");
    assert_eq!(listed["bots"][0]["mode"], "assisted");
    assert_eq!(listed["team"], json!({"auto_away_minutes": null}));
}

#[tokio::test]
async fn only_admins_from_the_inbox_origin_may_change_settings() {
    let server = Server::start().await;
    let label = json!({"button_label": "Hijacked"});
    let (status, body) = put(&server, "op-b", "/api/bots/demo/settings", label.clone()).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );
    let (status, _) = put(&server, "op-b", "/api/team-settings", json!({"auto_away_minutes": 5})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = server
        .call(
            "op-a",
            reqwest::Method::PUT,
            "/api/bots/demo/settings",
            Some(label.clone()),
            Some("http://evil.test"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another site cannot ride the cookie");
    let own = format!("http://{}", server.addr);
    let (status, _) = server
        .call(
            "op-a",
            reqwest::Method::PUT,
            "/api/bots/demo/settings",
            Some(json!({"button_label": "Fine"})),
            Some(&own),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "the inbox's own origin");
    let anonymous = reqwest::Client::new()
        .get(format!("http://{}/api/bots", server.addr))
        .send()
        .await
        .expect("request");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let (status, _) = put(&server, "op-a", "/api/bots/nope/settings", label).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        server
            .state
            .hub
            .bot_settings(&baton_protocol::BotId("demo".into()))
            .expect("bot")
            .button_label,
        "Fine"
    );
}

#[tokio::test]
async fn invalid_values_get_a_clear_400_and_change_nothing() {
    let server = Server::start().await;
    for (body, words) in [
        (json!({"button_label": "x".repeat(41)}), "button label"),
        (json!({"offline_message": "x".repeat(301)}), "offline message"),
        (json!({"response_window_secs": 5}), "15 seconds"),
        (json!({"owner_gone_secs": 7200}), "1 hour"),
        (json!({"operator_colour": "red"}), "#0b7a75"),
        (json!({"mode": "robot"}), "not valid"),
        (json!({"mode": "human_only", "handover_enabled": false}), "handover"),
    ] {
        let (status, answer) = put(&server, "op-a", "/api/bots/demo/settings", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(answer["error"], "bad_request");
        let message = answer["message"].as_str().expect("a message");
        assert!(message.contains(words), "{body}: {message}");
    }
    let (status, answer) = put(&server, "op-a", "/api/team-settings", json!({"auto_away_minutes": 0})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(answer["message"].as_str().expect("message").contains("1440"));
    let settings = server
        .state
        .hub
        .bot_settings(&baton_protocol::BotId("demo".into()))
        .expect("bot");
    assert_eq!(settings.button_label, "Talk to a human");
}

#[tokio::test]
async fn settings_survive_a_restart_and_the_config_does_not_overwrite_them() {
    let dir = temp_dir();
    let server = Server::start_in(&dir, 60_000).await;
    baton_server::settings::start_team_settings(&server.state.hub, Some(Millis(15 * 60_000))).expect("team");
    let (status, _) = put(
        &server,
        "op-a",
        "/api/bots/demo/settings",
        json!({"button_label": "Ask a person", "response_window_secs": 300}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = put(&server, "op-a", "/api/team-settings", json!({"auto_away_minutes": 30})).await;
    assert_eq!(status, StatusCode::OK);
    server.stop().await;

    // The same config (label "Talk to a human", window 60 s, auto-away 15)
    // starts the server again on the same database.
    let server = Server::start_in(&dir, 60_000).await;
    let team = baton_server::settings::start_team_settings(&server.state.hub, Some(Millis(15 * 60_000))).expect("team");
    assert_eq!(team.auto_away_minutes, Some(30));
    assert_eq!(server.state.hub.auto_away(), Some(Millis(30 * 60_000)));
    let (_ws, availability) = visitor(&server).await;
    assert_eq!(availability.button_label, "Ask a person");
    let (_, listed) = get(&server, "op-a", "/api/bots").await;
    assert_eq!(listed["bots"][0]["response_window_secs"], 300);
    assert_eq!(listed["team"]["auto_away_minutes"], 30);
}

/// Waits for a roster frame on `ws` showing `op` with a status other than
/// `not` (rosters also go out when someone's inbox connects).
async fn status_change(ws: &mut Ws, op: &str, not: OperatorStatus) -> OperatorStatus {
    recv_until(ws, |f: &ServerToOperator| match f {
        ServerToOperator::Roster(r) => r
            .operators
            .iter()
            .find(|o| o.profile.id.as_str() == op)
            .map(|o| o.status)
            .filter(|s| *s != not),
        _ => None,
    })
    .await
}

#[tokio::test]
async fn auto_away_is_switched_live() {
    let server = Server::start().await;
    let mut ben = server.operator("op-b").await;
    let available = OperatorToServer::SetStatus {
        status: OperatorStatus::Available,
    };
    send(&mut ben, &available).await;
    assert_eq!(
        status_change(&mut ben, "op-b", OperatorStatus::Offline).await,
        OperatorStatus::Available
    );

    // On (a short delay, set on the hub: minutes are too long for a test).
    server.state.hub.set_auto_away(Some(Millis(300)));
    assert_eq!(
        status_change(&mut ben, "op-b", OperatorStatus::Available).await,
        OperatorStatus::Away
    );

    // Off over HTTP: an idle Available operator stays Available.
    let (status, body) = put(
        &server,
        "op-a",
        "/api/team-settings",
        json!({"auto_away_minutes": null}),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, json!({"auto_away_minutes": null})));
    assert_eq!(server.state.hub.auto_away(), None);
    send(&mut ben, &available).await;
    assert_eq!(
        status_change(&mut ben, "op-b", OperatorStatus::Away).await,
        OperatorStatus::Available
    );
    let stayed = tokio::time::timeout(
        Duration::from_millis(2_500),
        status_change(&mut ben, "op-b", OperatorStatus::Available),
    )
    .await;
    assert!(stayed.is_err(), "no status change while auto-away is off: {stayed:?}");

    // On again, with another delay.
    let (status, _) = put(&server, "op-a", "/api/team-settings", json!({"auto_away_minutes": 20})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(server.state.hub.auto_away(), Some(Millis(20 * 60_000)));
}

#[tokio::test]
async fn alert_preferences_round_trip_and_reach_the_welcome() {
    let server = Server::start().await;
    let (status, defaults) = get(&server, "op-b", "/api/me/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_value::<AlertPrefs>(defaults).expect("prefs"),
        AlertPrefs::default()
    );
    let mine = AlertPrefs {
        new_chat: true,
        sound: true,
        owner_gone: false,
        ..AlertPrefs::default()
    };
    let (status, saved) = put(
        &server,
        "op-b",
        "/api/me/alerts",
        serde_json::to_value(mine).expect("json"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(serde_json::from_value::<AlertPrefs>(saved).expect("prefs"), mine);
    let (_, read) = get(&server, "op-b", "/api/me/alerts").await;
    assert_eq!(serde_json::from_value::<AlertPrefs>(read).expect("prefs"), mine);
    let (_, others) = get(&server, "op-c", "/api/me/alerts").await;
    assert_eq!(
        serde_json::from_value::<AlertPrefs>(others).expect("prefs"),
        AlertPrefs::default(),
        "each operator their own"
    );
    assert_eq!(server.state.hub.alert_prefs(&OperatorId("op-b".into())), mine);

    let mut ws = server.operator("op-b").await;
    let welcomed = recv_until(&mut ws, |f: &ServerToOperator| match f {
        ServerToOperator::Welcome(w) => Some(w.alert_prefs),
        _ => None,
    })
    .await;
    assert_eq!(welcomed, mine);
    let (status, _) = put(&server, "op-b", "/api/me/alerts", json!({"sound": "loud"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
