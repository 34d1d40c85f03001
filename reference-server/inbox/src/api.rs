//! The HTTP side of signing in. The session lives in an HttpOnly cookie the
//! browser sends by itself; this code never sees it.

use baton_protocol::OperatorProfile;
use gloo_net::http::Request;
use serde::{Deserialize, Serialize};

/// What `/api/me` says about this browser.
#[derive(Debug)]
pub enum Session {
    SignedIn(OperatorProfile),
    SignedOut,
    /// The server did not answer (or answered nonsense).
    Unreachable,
}

#[derive(Deserialize)]
struct SignedIn {
    operator: OperatorProfile,
}

#[derive(Deserialize)]
struct Refusal {
    error: String,
}

#[derive(Serialize)]
struct Credentials<'a> {
    email: &'a str,
    password: &'a str,
}

pub async fn me() -> Session {
    match Request::get("/api/me").send().await {
        Ok(response) if response.status() == 401 => Session::SignedOut,
        Ok(response) if response.ok() => match response.json::<SignedIn>().await {
            Ok(body) => Session::SignedIn(body.operator),
            Err(_) => Session::Unreachable,
        },
        _ => Session::Unreachable,
    }
}

/// Signs in; on failure returns the sentence to show.
pub async fn login(email: &str, password: &str) -> Result<OperatorProfile, String> {
    let request = Request::post("/api/login")
        .json(&Credentials { email, password })
        .map_err(|_| "Could not prepare the sign-in request".to_owned())?;
    let response = request
        .send()
        .await
        .map_err(|_| "Could not reach the server. Try again.".to_owned())?;
    if response.ok() {
        return match response.json::<SignedIn>().await {
            Ok(body) => Ok(body.operator),
            Err(_) => Err("The server sent an unexpected answer".to_owned()),
        };
    }
    match response.json::<Refusal>().await {
        Ok(refusal) => Err(crate::format::sentence(&refusal.error)),
        Err(_) => Err(format!("Sign-in failed ({})", response.status())),
    }
}

pub async fn logout() {
    // Signing out locally happens regardless; the server forgets the
    // session when it can.
    let _ = Request::post("/api/logout").send().await;
}

#[derive(Deserialize)]
struct Resolved {
    conversations: Vec<baton_protocol::operator::ConversationSummary>,
}

/// Resolved chats matching `query` (visitor name or email), newest first.
pub async fn resolved(query: &str) -> Result<Vec<baton_protocol::operator::ConversationSummary>, String> {
    let response = Request::get("/api/conversations")
        .query([("state", "resolved"), ("q", query)])
        .send()
        .await
        .map_err(|_| "Could not reach the server".to_owned())?;
    if !response.ok() {
        return Err(format!("Could not load resolved chats ({})", response.status()));
    }
    response
        .json::<Resolved>()
        .await
        .map(|r| r.conversations)
        .map_err(|_| "The server sent an unexpected answer".to_owned())
}
