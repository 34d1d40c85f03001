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
use crate::api::{self, ApiError};
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

fn find(app: &AppState, id: &str) -> Result<NotifyChannel, ApiError> {
    let channels = app.hub.store().notify_channels()?;
    channels
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| ApiError::not_found("There is no such channel."))
}

async fn list(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    api::caller(&app, &headers).and_then(api::admin)?;
    let channels = app.hub.store().notify_channels()?;
    let views: Vec<_> = channels.iter().map(NotifyChannel::view).collect();
    Ok(Json(serde_json::json!({ "channels": views })).into_response())
}

async fn create(State(app): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Result<Response, ApiError> {
    let caller = api::admin_writer(&app, &headers)?;
    let input: ChannelInput = api::body(&bytes)?;
    let channel = input
        .into_channel(super::new_channel_id(), None)
        .map_err(ApiError::bad_request)?;
    app.hub.store().save_notify_channel(&channel)?;
    tracing::info!(channel = %channel.id, kind = ?channel.kind, by = %caller.id, "notification channel created");
    Ok((StatusCode::CREATED, Json(channel_json(&channel))).into_response())
}

async fn replace(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    api::admin_writer(&app, &headers)?;
    let before = find(&app, &id)?;
    let input: ChannelInput = api::body(&bytes)?;
    let channel = input.into_channel(id, Some(&before)).map_err(ApiError::bad_request)?;
    app.hub.store().save_notify_channel(&channel)?;
    Ok(Json(channel_json(&channel)).into_response())
}

async fn remove(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    api::admin_writer(&app, &headers)?;
    if app.hub.store().delete_notify_channel(&id)? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found("There is no such channel."))
    }
}

async fn test(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    api::admin_writer(&app, &headers)?;
    let channel = find(&app, &id)?;
    let center = app.notify.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Notifications are not running on this server.",
        )
    })?;
    center.test(&channel).await.map_err(|err| {
        tracing::info!(channel = %channel.id, %err, "test notification failed");
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "delivery_failed",
            format!("The test message was not delivered: {err}."),
        )
    })?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
