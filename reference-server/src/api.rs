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

/// A JSON error answer: `{"error": code, "message": message}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// A failure of ours: logged, and told without detail.
    pub fn internal(err: impl std::fmt::Display) -> ApiError {
        tracing::error!(%err, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The server could not do this; try again.",
        )
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> ApiError {
        ApiError::internal(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({"error": self.code, "message": self.message})),
        )
            .into_response()
    }
}

/// The signed-in operator making a request.
#[derive(Clone, Debug)]
pub struct Caller {
    pub id: OperatorId,
    pub role: Role,
}

/// The operator the request's session names, or 401.
pub fn caller(app: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let unauthorized = || ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "Sign in first.");
    let id = app.operator_from(headers).ok_or_else(unauthorized)?;
    let operators = app.hub.store().operators()?;
    let row = operators.into_iter().find(|o| o.id == id).ok_or_else(unauthorized)?;
    Ok(Caller { id, role: row.role })
}

/// A state-changing request from the inbox: same origin (a browser on
/// another site cannot ride the cookie), signed in.
pub fn writer(app: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    if !crate::operator_ws::same_origin(headers) {
        return Err(ApiError::forbidden(
            "Changes are only accepted from the inbox's own origin.",
        ));
    }
    caller(app, headers)
}

/// [`writer`], and an admin.
pub fn admin_writer(app: &AppState, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let caller = writer(app, headers)?;
    admin(caller)
}

/// The caller, if an admin; else 403.
pub fn admin(caller: Caller) -> Result<Caller, ApiError> {
    if caller.role == Role::Admin {
        Ok(caller)
    } else {
        Err(ApiError::forbidden("Only an admin can do this."))
    }
}

/// A JSON body, or 400 saying what is wrong with it (axum's own extractor
/// answers 415/422 in its own words).
pub fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|err| ApiError::bad_request(format!("The request body is not valid: {err}.")))
}
