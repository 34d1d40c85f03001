//! Plain HTTP: operator sign-in, health, and the static pages (demo site,
//! widget assets, inbox).

use crate::AppState;
use crate::auth::{self, SESSION_COOKIE};
use crate::clock::now;
use crate::hub::profile;
use crate::limits::SignInGate;
use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use baton_protocol::operator::Role;
use baton_protocol::{Millis, OperatorProfile};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Instant;

/// Sessions last a working week; signing out ends one at once.
const SESSION_LIFETIME: Millis = Millis(7 * 24 * 3600 * 1000);

#[derive(Debug, Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
}

#[derive(Debug, serde::Serialize)]
struct SignedIn {
    operator: OperatorProfile,
    role: Role,
    /// For non-browser clients, which send it as `Authorization: Bearer`.
    token: String,
}

pub async fn login(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(creds): Json<Credentials>,
) -> Response {
    // The policy is in `crate::limits`: an address (or an address and
    // email) that failed too often is refused; an email failing from
    // elsewhere is only slowed, so nobody can lock a teammate out.
    let ip = app.client_ip(peer, &headers);
    match app.logins.check(ip, &creds.email, Instant::now()) {
        SignInGate::Refused { retry_after } => {
            tracing::warn!(%ip, "sign-in refused: too many failed attempts from this address");
            app.hub.metrics().count_limited("sign_in");
            let minutes = retry_after.as_secs().div_ceil(60).max(1);
            // The inbox shows `error` as it is (the shape every sign-in
            // answer has had).
            let body = Json(serde_json::json!({
                "error": format!("too many failed sign-ins from your address; try again in {minutes} min")
            }));
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after.as_secs().max(1).to_string())],
                body,
            )
                .into_response();
        }
        SignInGate::Proceed { delay } => tokio::time::sleep(delay).await,
    }
    let store = app.hub.store();
    let row = match store.operator_by_email(creds.email.trim()) {
        Ok(row) => row,
        Err(err) => {
            tracing::error!(%err, "sign-in lookup failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // Verify against a real hash even for unknown emails, so the response
    // time does not reveal which emails have accounts.
    let hash = row
        .as_ref()
        .map_or(app.dummy_hash.as_str(), |r| r.password_hash.as_str());
    let password_ok = auth::verify_password(hash, &creds.password);
    // A deactivated operator gets the same answer as a wrong password.
    let Some(row) = row.filter(|r| password_ok && r.active) else {
        app.logins.failed(ip, &creds.email, Instant::now());
        tracing::info!("sign-in refused");
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": "wrong email or password"})),
        )
            .into_response();
    };
    app.logins.succeeded(ip, &creds.email);
    let token = auth::new_secret();
    if let Err(err) = store.insert_session(&auth::secret_hash(&token), &row.id, now() + SESSION_LIFETIME) {
        tracing::error!(%err, "could not store a session");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    tracing::info!(operator = %row.id, "operator signed in");
    let cookie = format!(
        "{SESSION_COOKIE}={token}; {}; Max-Age={}",
        app.cookie_attributes(),
        SESSION_LIFETIME.0 / 1000
    );
    let body = SignedIn {
        operator: profile(&row),
        role: row.role,
        token,
    };
    ([(header::SET_COOKIE, cookie)], Json(body)).into_response()
}

pub async fn logout(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = auth::session_token(&headers) {
        let _ = app.hub.store().delete_session(&auth::secret_hash(&token));
    }
    let expired = format!("{SESSION_COOKIE}=; {}; Max-Age=0", app.cookie_attributes());
    ([(header::SET_COOKIE, expired)], StatusCode::NO_CONTENT).into_response()
}

/// Whether this process can serve: `200 {"status":"ok","store":{…},
/// "bus":{…}}`, or `503` with `"status":"error"` when the store does not
/// answer (the details go to the log, not to whoever asks). A disconnected
/// bus is `200` with `"status":"degraded"` and the bus's `"status":
/// "disconnected"`: the process still serves and stores everything (hints
/// only say "look again"), so a bus restart must not take every process
/// out of the load balancer at once. While the process drains (after
/// SIGTERM or ctrl-c) it is `503` with `"status":"draining"` before
/// anything else is checked: the load balancer must stop sending clients
/// here whatever the store says.
pub async fn healthz(State(app): State<AppState>) -> Response {
    if app.is_draining() {
        let body = serde_json::json!({ "status": "draining" });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    let hub = app.hub.clone();
    let backend = hub.store().backend();
    // On a blocking thread: a database that hangs must not hold a worker.
    let checked = tokio::task::spawn_blocking(move || hub.store().health()).await;
    let store_ok = match checked {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            tracing::warn!(%err, backend, "health check: the store did not answer");
            false
        }
        Err(err) => {
            tracing::warn!(%err, backend, "health check failed");
            false
        }
    };
    let bus = app.hub.bus().health();
    let status = match (store_ok, bus.connected) {
        (false, _) => "error",
        (true, false) => "degraded",
        (true, true) => "ok",
    };
    let body = serde_json::json!({
        "status": status,
        "store": { "backend": backend, "status": if store_ok { "ok" } else { "error" } },
        "bus": { "backend": bus.backend, "status": if bus.connected { "ok" } else { "disconnected" } },
    });
    let code = if store_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

/// Prometheus metrics. Served on the same port; put it behind your proxy's
/// access rules if the port is public.
pub async fn metrics(State(app): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.hub.metrics_text(),
    )
        .into_response()
}

/// Translate an incoming message or a draft (operators only).
pub async fn translate(
    State(app): State<AppState>,
    headers: HeaderMap,
    Json(request): Json<crate::notify::TranslateRequest>,
) -> Response {
    if app.operator_from(&headers).is_none() {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Some(config) = app.translate.as_deref() else {
        return (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({
                "error": "translation_not_configured",
                "message": "Translation is not set up: an admin can add a LibreTranslate endpoint under [notify.translate] in the server's config file.",
            })),
        )
            .into_response();
    };
    match crate::notify::handle_translate(config, request).await {
        Ok(answer) => answer.into_response(),
        Err(err) => err.into_response(),
    }
}

/// Draft a reply from the bot's knowledge base (operators only), at most
/// ten a minute per operator (`429` with `Retry-After` and a sentence).
pub async fn suggest(
    State(app): State<AppState>,
    headers: HeaderMap,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let Some(operator) = app.operator_from(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if let Err(wait) = app.suggests.check(operator.as_str(), Instant::now()) {
        let seconds = wait.as_secs().max(1);
        let body = Json(serde_json::json!({
            "error": "rate_limited",
            "message": format!("Too many suggestions in a minute. Try again in {seconds} s."),
        }));
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, seconds.to_string())],
            body,
        )
            .into_response();
    }
    let conversation = baton_protocol::ConversationId(id);
    // A conversation of a bot the operator does not serve is as unknown as
    // one that does not exist.
    let bot = app
        .hub
        .bot_of(&conversation)
        .filter(|_| app.hub.may_access(&operator, &conversation));
    let Some(bot) = bot else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(knowledge) = app.knowledge.get(&bot) else {
        return (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "this bot has no knowledge base"})),
        )
            .into_response();
    };
    let history = match app.hub.store().recent(&conversation, crate::bot::HISTORY_FOR_BOT) {
        Ok(history) => history,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    // No good answer is an answer, not an error: `text` is null.
    match knowledge.suggest(&history) {
        Some(text) => Json(serde_json::json!({ "text": text })).into_response(),
        None => Json(serde_json::json!({
            "text": null,
            "message": "No good answer found in the knowledge base.",
        }))
        .into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct ConversationQuery {
    /// Only `resolved` is served here: live chats come over the socket.
    state: String,
    /// Matches the visitor's name or email, case-insensitively.
    #[serde(default)]
    q: String,
    #[serde(default)]
    limit: Option<usize>,
    /// The `next` cursor of the previous page.
    #[serde(default)]
    after: Option<String>,
}

/// `GET /api/conversations?state=resolved&q=…&limit=…&after=…`: resolved
/// chats of the bots the operator serves, most recent first, a page at a
/// time — the inbox's Resolved view. `next` (absent on the last page) is
/// the `after` of the following page.
pub async fn conversations(
    State(app): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(query): axum::extract::Query<ConversationQuery>,
) -> Response {
    let Some(operator) = app.operator_from(&headers) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if query.state != "resolved" {
        let body = serde_json::json!({
            "error": "bad_request",
            "message": "only state=resolved is listed here; live chats arrive over the operator socket",
        });
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    let limit = query.limit.unwrap_or(50).clamp(1, 200);
    // The cursor is `<last activity in ms>-<conversation id>`.
    let cursor = |after: &str| {
        let (at, id) = after.split_once('-')?;
        let at = at.parse::<u64>().ok()?;
        (!id.is_empty()).then(|| {
            (
                baton_protocol::Timestamp(at),
                baton_protocol::ConversationId(id.to_owned()),
            )
        })
    };
    let after = match query.after.as_deref().map(|a| cursor(a).ok_or(())) {
        None => None,
        Some(Ok(after)) => Some(after),
        Some(Err(())) => {
            let body = serde_json::json!({
                "error": "bad_request",
                "message": "after must be the `next` value of a previous page",
            });
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    let (rows, next) = app.hub.resolved(
        &operator,
        query.q.trim(),
        after.as_ref().map(|(at, id)| (*at, id)),
        limit,
    );
    let next = next.map(|(at, id)| format!("{}-{}", at.0, id.as_str()));
    Json(serde_json::json!({ "conversations": rows, "next": next })).into_response()
}
