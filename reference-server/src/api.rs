//! What every JSON route shares: who is asking (session and role), the
//! same-origin rule for writes, bodies read with a clear 400, and the error
//! shape `{"error": "snake_case_code", "message": "A sentence."}`.

use crate::AppState;
use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use baton_protocol::OperatorId;
use baton_protocol::operator::Role;
use serde::de::DeserializeOwned;

/// A JSON error answer.
pub fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(serde_json::json!({"error": code, "message": message.into()})),
    )
        .into_response()
}

pub fn bad_request(message: impl Into<String>) -> Response {
    error(StatusCode::BAD_REQUEST, "bad_request", message)
}

pub fn not_found(message: impl Into<String>) -> Response {
    error(StatusCode::NOT_FOUND, "not_found", message)
}

pub fn internal(err: impl std::fmt::Display) -> Response {
    tracing::error!(%err, "request failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "The server could not do this; try again.",
    )
}

/// The signed-in operator making a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub id: OperatorId,
    pub role: Role,
}

/// The operator the request's session names, or 401.
pub fn caller(app: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    let unauthorized = || error(StatusCode::UNAUTHORIZED, "unauthorized", "Sign in first.");
    let id = app.operator_from(headers).ok_or_else(unauthorized)?;
    let operators = app.hub.store().operators().map_err(internal)?;
    let row = operators.into_iter().find(|o| o.id == id).ok_or_else(unauthorized)?;
    Ok(Caller { id, role: row.role })
}

/// A state-changing request from the inbox: same origin (a browser on
/// another site cannot ride the cookie), signed in.
pub fn writer(app: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    if !crate::operator_ws::same_origin(headers) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "Changes are only accepted from the inbox's own origin.",
        ));
    }
    caller(app, headers)
}

/// [`writer`], and an admin.
pub fn admin_writer(app: &AppState, headers: &HeaderMap) -> Result<Caller, Response> {
    let caller = writer(app, headers)?;
    admin(caller)
}

/// The caller, if an admin; else 403.
pub fn admin(caller: Caller) -> Result<Caller, Response> {
    if caller.role == Role::Admin {
        Ok(caller)
    } else {
        Err(error(StatusCode::FORBIDDEN, "forbidden", "Only an admin can do this."))
    }
}

/// A JSON body, or 400 saying what is wrong with it (axum's own extractor
/// answers 415/422 in its own words).
pub fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(bytes).map_err(|err| bad_request(format!("The request body is not valid: {err}.")))
}
