//! Sign-in limits over real sockets from two loopback addresses: the
//! address that keeps guessing is refused, while a teammate signing in from
//! another address with the right password gets in (after a short slow-down
//! at most). And the session cookie is `Secure` exactly when the server's
//! public URL is https.

mod common;

use common::Server;
use reqwest::StatusCode;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// An HTTP client whose connections come from 127.0.0.`last`.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .expect("client")
}

async fn sign_in(client: &reqwest::Client, server: &Server, email: &str, password: &str) -> reqwest::Response {
    client
        .post(format!("http://{}/api/login", server.addr))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("HTTP")
}

#[tokio::test]
async fn a_guessing_address_is_refused_while_another_address_signs_in_to_the_same_account() {
    let server = Server::start().await;
    let attacker = client_from(2);
    let teammate = client_from(3);
    // The admin's account: five wrong guesses from one address…
    for i in 0..5 {
        let answer = sign_in(&attacker, &server, "op-a@test", "guess").await;
        assert_eq!(answer.status(), StatusCode::UNAUTHORIZED, "guess {i}");
    }
    // …and that address is refused, even with the right password.
    for _ in 0..3 {
        let answer = sign_in(&attacker, &server, "op-a@test", "pw").await;
        assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = answer.headers()["retry-after"]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("seconds");
        assert!(retry > 0 && retry <= 15 * 60, "{retry}");
        let body: serde_json::Value = answer.json().await.expect("json");
        assert!(
            body["error"]
                .as_str()
                .unwrap_or_default()
                .contains("too many failed sign-ins"),
            "{body}"
        );
    }
    // Meanwhile the admin, from another address, signs in: slowed a little
    // at most, never locked out.
    let started = Instant::now();
    let answer = sign_in(&teammate, &server, "OP-A@test", "pw").await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    // The attacker's address is still refused for that account, but not
    // for another (its own count is not exhausted).
    let answer = sign_in(&attacker, &server, "op-a@test", "pw").await;
    assert_eq!(answer.status(), StatusCode::TOO_MANY_REQUESTS);
    let answer = sign_in(&attacker, &server, "op-b@test", "pw").await;
    assert_eq!(answer.status(), StatusCode::OK);
    let metrics = reqwest::get(format!("http://{}/metrics", server.addr))
        .await
        .expect("HTTP")
        .text()
        .await
        .expect("body");
    assert!(metrics.contains("baton_limited_total{kind=\"sign_in\"} 4"), "{metrics}");
    server.stop().await;
}

async fn cookie_of(server: &Server) -> String {
    let answer = sign_in(&client_from(1), server, "op-b@test", "pw").await;
    assert_eq!(answer.status(), StatusCode::OK);
    answer.headers()["set-cookie"].to_str().expect("ascii").to_owned()
}

#[tokio::test]
async fn the_session_cookie_is_secure_when_the_public_url_is_https_and_not_on_http() {
    let dir = std::env::temp_dir().join(format!("baton-test-{}", baton_server::auth::new_id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let server = Server::start_with(&dir, 60_000, |s| s.public_url = "https://chat.example.com".into()).await;
    let cookie = cookie_of(&server).await;
    assert!(cookie.contains("; Secure"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    server.stop().await;
    let server = Server::start_in(&dir, 60_000).await;
    let cookie = cookie_of(&server).await;
    assert!(!cookie.contains("Secure"), "the demo on http keeps working: {cookie}");
    server.stop().await;
    let server = Server::start_with(&dir, 60_000, |s| s.public_url = "http://127.0.0.1:8080".into()).await;
    let cookie = cookie_of(&server).await;
    assert!(!cookie.contains("Secure"), "{cookie}");
    server.stop().await;
}
