//! The Notification center over HTTP, admins only:
//!
//! - `GET /api/notify/channels` → `{"channels": [Channel…]}`
//! - `POST /api/notify/channels` → 201 `{"channel": Channel}`
//! - `PUT /api/notify/channels/{id}` → `{"channel": Channel}`
//! - `DELETE /api/notify/channels/{id}` → 204
//! - `POST /api/notify/channels/{id}/test` → 204, or 502
//!   `{"error": "delivery_failed", "message": "<why>"}`
//!
//! A Telegram token is write-only: answers say `bot_token_set` instead.

use super::channel::{ChannelInput, NotifyChannel};
use crate::AppState;
use crate::api::{self, bad_request};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/notify/channels", get(list).post(create))
        .route("/api/notify/channels/{id}", put(replace).delete(remove))
        .route("/api/notify/channels/{id}/test", post(test))
}

fn channel_json(channel: &NotifyChannel) -> serde_json::Value {
    serde_json::json!({"channel": channel.view()})
}

fn find(app: &AppState, id: &str) -> Result<NotifyChannel, Response> {
    let channels = app.hub.store().notify_channels().map_err(api::internal)?;
    channels
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| api::not_found("There is no such channel."))
}

async fn list(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(response) = api::caller(&app, &headers).and_then(api::admin) {
        return response;
    }
    match app.hub.store().notify_channels() {
        Ok(channels) => {
            let views: Vec<_> = channels.iter().map(NotifyChannel::view).collect();
            Json(serde_json::json!({ "channels": views })).into_response()
        }
        Err(err) => api::internal(err),
    }
}

async fn create(State(app): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Response {
    let caller = match api::admin_writer(&app, &headers) {
        Ok(caller) => caller,
        Err(response) => return response,
    };
    let input: ChannelInput = match api::body(&bytes) {
        Ok(input) => input,
        Err(response) => return response,
    };
    let channel = match input.into_channel(super::new_channel_id(), None) {
        Ok(channel) => channel,
        Err(message) => return bad_request(message),
    };
    if let Err(err) = app.hub.store().save_notify_channel(&channel) {
        return api::internal(err);
    }
    tracing::info!(channel = %channel.id, kind = ?channel.kind, by = %caller.id, "notification channel created");
    (StatusCode::CREATED, Json(channel_json(&channel))).into_response()
}

async fn replace(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>, bytes: Bytes) -> Response {
    if let Err(response) = api::admin_writer(&app, &headers) {
        return response;
    }
    let before = match find(&app, &id) {
        Ok(channel) => channel,
        Err(response) => return response,
    };
    let input: ChannelInput = match api::body(&bytes) {
        Ok(input) => input,
        Err(response) => return response,
    };
    let channel = match input.into_channel(id, Some(&before)) {
        Ok(channel) => channel,
        Err(message) => return bad_request(message),
    };
    match app.hub.store().save_notify_channel(&channel) {
        Ok(()) => Json(channel_json(&channel)).into_response(),
        Err(err) => api::internal(err),
    }
}

async fn remove(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(response) = api::admin_writer(&app, &headers) {
        return response;
    }
    match app.hub.store().delete_notify_channel(&id) {
        Ok(true) => StatusCode::NO_CONTENT.into_response(),
        Ok(false) => api::not_found("There is no such channel."),
        Err(err) => api::internal(err),
    }
}

async fn test(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(response) = api::admin_writer(&app, &headers) {
        return response;
    }
    let channel = match find(&app, &id) {
        Ok(channel) => channel,
        Err(response) => return response,
    };
    let Some(center) = app.notify.as_deref() else {
        return api::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Notifications are not running on this server.",
        );
    };
    match center.test(&channel).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => {
            tracing::info!(channel = %channel.id, %err, "test notification failed");
            api::error(
                StatusCode::BAD_GATEWAY,
                "delivery_failed",
                format!("The test message was not delivered: {err}."),
            )
        }
    }
}
