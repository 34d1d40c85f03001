//! Live settings: each bot's editable settings, the team's settings and each
//! operator's alert preferences — stored in the database, changed over
//! HTTP, applied at once.
//!
//! Which wins: the config file says which bots exist, their allowed origins
//! and which engine answers. A bot's editable settings (name, handover,
//! button, messages, windows, mode, operator defaults) and the team's
//! auto-away come from the file only until the database has them: the
//! first start on a database (or the first start after a bot is added to
//! the file) copies them in, and from then on the database wins, so an
//! admin's change survives restarts and is never undone by the file.
//!
//! Routes (admin-only writes, same origin):
//! - `GET /api/bots` → `{"bots": [BotSettingsJson…], "team": {"auto_away_minutes"}}`
//! - `PUT /api/bots/{id}/settings` → BotSettingsJson
//! - `PUT /api/team-settings` → `{"auto_away_minutes"}`
//! - `GET|PUT /api/me/alerts` → `AlertPrefs` (each operator their own)

use crate::AppState;
use crate::api::{self, ApiError};
use crate::config::BotSettings;
use crate::hub::Hub;
use crate::store::{BotSettingsRow, Store, StoreError, TeamSettings};
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use baton_protocol::followup::AfterLapse;
use baton_protocol::operator::AlertPrefs;
use baton_protocol::{BotId, BotMode, Millis};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/bots", get(list_bots))
        .route("/api/bots/{id}/settings", put(put_bot_settings))
        .route("/api/team-settings", put(put_team_settings))
        .route("/api/me/alerts", get(get_alerts).put(put_alerts))
        .route("/api/ratings", get(get_ratings))
        .merge(crate::notify::channels_api::routes())
}

// ------------------------------------------------------------ source of truth

impl BotSettings {
    /// The part an admin edits.
    pub fn editable(&self) -> BotSettingsRow {
        BotSettingsRow {
            name: self.name.clone(),
            handover_enabled: self.handover_enabled,
            show_button: self.show_button,
            button_label: self.button_label.clone(),
            offline_message: self.offline_message.clone(),
            response_window: self.response_window,
            mode: self.mode,
            operator_colour: self.operator_colour.clone(),
            operator_avatar_url: self.operator_avatar_url.clone(),
            owner_gone: self.owner_gone,
            after_lapse: self.after_lapse,
            rating: self.rating,
        }
    }

    /// Takes the editable part from `row`; origins and engine stay.
    pub fn apply(&mut self, row: BotSettingsRow) {
        self.name = row.name;
        self.handover_enabled = row.handover_enabled;
        self.show_button = row.show_button;
        self.button_label = row.button_label;
        self.offline_message = row.offline_message;
        self.response_window = row.response_window;
        self.mode = row.mode;
        self.operator_colour = row.operator_colour;
        self.operator_avatar_url = row.operator_avatar_url;
        self.owner_gone = row.owner_gone;
        self.after_lapse = row.after_lapse;
        self.rating = row.rating;
    }
}

/// The database's row for this bot wins; without one, the config's
/// settings are stored as the row.
pub fn load_or_seed(store: &dyn Store, settings: &mut BotSettings) -> Result<(), StoreError> {
    match store.bot_settings_row(&settings.id)? {
        Some(row) => settings.apply(row),
        None => store.save_bot_settings(&settings.id, &settings.editable())?,
    }
    Ok(())
}

/// The team's settings from the database, seeded from the config file's
/// `auto_away_minutes` on the first start; applied to the hub.
pub fn start_team_settings(hub: &Arc<Hub>, config_auto_away: Option<Millis>) -> Result<TeamSettings, StoreError> {
    let settings = match hub.store().team_settings()? {
        Some(stored) => stored,
        None => {
            let seeded = TeamSettings {
                auto_away_minutes: config_auto_away.map(|ms| (ms.0 / 60_000).clamp(1, u64::from(u32::MAX)) as u32),
            };
            hub.store().save_team_settings(&seeded)?;
            seeded
        }
    };
    hub.set_auto_away(settings.auto_away());
    Ok(settings)
}

// ------------------------------------------------------------------ JSON shape

/// A bot's settings as the HTTP API shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BotSettingsJson {
    pub id: BotId,
    pub name: String,
    pub handover_enabled: bool,
    pub show_button: bool,
    pub button_label: String,
    pub offline_message: String,
    pub response_window_secs: u64,
    pub mode: BotMode,
    pub operator_colour: Option<String>,
    pub operator_avatar_url: Option<String>,
    pub owner_gone_secs: u64,
    pub after_lapse: AfterLapse,
    pub rating: bool,
}

impl From<&BotSettings> for BotSettingsJson {
    fn from(bot: &BotSettings) -> Self {
        BotSettingsJson {
            id: bot.id.clone(),
            name: bot.name.clone(),
            handover_enabled: bot.handover_enabled,
            show_button: bot.show_button,
            button_label: bot.button_label.clone(),
            offline_message: bot.offline_message.clone(),
            response_window_secs: bot.response_window.0 / 1000,
            mode: bot.mode,
            operator_colour: bot.operator_colour.clone(),
            operator_avatar_url: bot.operator_avatar_url.clone(),
            owner_gone_secs: bot.owner_gone.0 / 1000,
            after_lapse: bot.after_lapse,
            rating: bot.rating,
        }
    }
}

/// A PUT body: every field optional (what is left out stays); `id` is
/// ignored (the path names the bot). Nullable fields: a `null` clears them.
#[derive(Debug, Deserialize)]
pub struct BotSettingsInput {
    name: Option<String>,
    handover_enabled: Option<bool>,
    show_button: Option<bool>,
    button_label: Option<String>,
    offline_message: Option<String>,
    response_window_secs: Option<u64>,
    mode: Option<BotMode>,
    #[serde(default, deserialize_with = "present")]
    operator_colour: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    operator_avatar_url: Option<Option<String>>,
    owner_gone_secs: Option<u64>,
    after_lapse: Option<AfterLapse>,
    rating: Option<bool>,
}

/// Tells a field sent as `null` (Some(None)) from one left out (None).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl BotSettingsInput {
    /// `current` with this input on top, checked.
    pub fn merge(self, current: BotSettingsRow) -> Result<BotSettingsRow, String> {
        let trimmed = |s: String| s.trim().to_owned();
        let row = BotSettingsRow {
            name: self.name.map(trimmed).unwrap_or(current.name),
            handover_enabled: self.handover_enabled.unwrap_or(current.handover_enabled),
            show_button: self.show_button.unwrap_or(current.show_button),
            button_label: self.button_label.map(trimmed).unwrap_or(current.button_label),
            offline_message: self.offline_message.map(trimmed).unwrap_or(current.offline_message),
            response_window: self
                .response_window_secs
                .map(Millis::from_secs)
                .unwrap_or(current.response_window),
            mode: self.mode.unwrap_or(current.mode),
            operator_colour: self
                .operator_colour
                .map(|c| c.map(trimmed).filter(|c| !c.is_empty()))
                .unwrap_or(current.operator_colour),
            operator_avatar_url: self
                .operator_avatar_url
                .map(|u| u.map(trimmed).filter(|u| !u.is_empty()))
                .unwrap_or(current.operator_avatar_url),
            owner_gone: self
                .owner_gone_secs
                .map(Millis::from_secs)
                .unwrap_or(current.owner_gone),
            after_lapse: self.after_lapse.unwrap_or(current.after_lapse),
            rating: self.rating.unwrap_or(current.rating),
        };
        validate(&row)?;
        Ok(row)
    }
}

fn one_line(text: &str) -> bool {
    !text.chars().any(char::is_control)
}

/// The rules a bot's settings keep, in words an admin can act on.
pub fn validate(row: &BotSettingsRow) -> Result<(), String> {
    let chars = |s: &str| s.chars().count();
    if !(1..=60).contains(&chars(&row.name)) || !one_line(&row.name) {
        return Err("The name needs 1 to 60 characters on one line.".into());
    }
    if !(1..=40).contains(&chars(&row.button_label)) || !one_line(&row.button_label) {
        return Err("The button label needs 1 to 40 characters on one line.".into());
    }
    if chars(&row.offline_message) > 300 {
        return Err("The offline message can have at most 300 characters.".into());
    }
    if !(15_000..=3_600_000).contains(&row.response_window.0) {
        return Err("The response window must be between 15 seconds and 1 hour (response_window_secs 15–3600).".into());
    }
    if !(30_000..=3_600_000).contains(&row.owner_gone.0) {
        return Err("The owner-gone time must be between 30 seconds and 1 hour (owner_gone_secs 30–3600).".into());
    }
    if row.operator_colour.as_deref().is_some_and(|c| !is_colour(c)) {
        return Err("The operator colour must look like #0b7a75.".into());
    }
    if let Some(url) = &row.operator_avatar_url {
        let web = url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/');
        if !web || url.len() > 500 || url.chars().any(|c| c.is_whitespace() || c == '"') {
            return Err("The avatar must be an http(s) URL or a path on this server.".into());
        }
    }
    if row.mode == BotMode::HumanOnly && !row.handover_enabled {
        return Err("Human-only mode needs handover on: otherwise nobody could answer.".into());
    }
    Ok(())
}

/// `#rrggbb`.
pub fn is_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].chars().all(|c| c.is_ascii_hexdigit())
}

// ---------------------------------------------------------------------- routes

/// The ratings of the caller's bots, averaged per operator and per bot
/// (the Team page; PROTOCOL.md §3.7).
async fn get_ratings(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = api::caller(&app, &headers)?;
    let bots = app.hub.operator_bots(&caller.id);
    Ok(Json(app.hub.ratings(&bots)).into_response())
}

async fn list_bots(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = api::caller(&app, &headers)?;
    let team = app.hub.store().team_settings()?.unwrap_or_default();
    let serves = app.hub.operator_bots(&caller.id);
    let bots: Vec<BotSettingsJson> = app
        .hub
        .all_bot_settings()
        .iter()
        .filter(|b| serves.contains(&b.id))
        .map(BotSettingsJson::from)
        .collect();
    Ok(Json(serde_json::json!({"bots": bots, "team": team})).into_response())
}

async fn put_bot_settings(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    let caller = api::admin_writer(&app, &headers)?;
    let bot = BotId(id);
    let current = app
        .hub
        .bot_settings(&bot)
        .ok_or_else(|| ApiError::not_found("There is no such bot."))?;
    let input: BotSettingsInput = api::body(&bytes)?;
    let row = input.merge(current.editable()).map_err(ApiError::bad_request)?;
    let updated = app
        .hub
        .update_bot_settings(&bot, row)
        .map_err(|err| ApiError::internal(err.message))?;
    tracing::info!(bot = %bot, by = %caller.id, "bot settings changed");
    Ok(Json(BotSettingsJson::from(&updated)).into_response())
}

async fn put_team_settings(
    State(app): State<AppState>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Result<Response, ApiError> {
    api::admin_writer(&app, &headers)?;
    let settings: TeamSettings = api::body(&bytes)?;
    if settings.auto_away_minutes.is_some_and(|m| !(1..=1440).contains(&m)) {
        return Err(ApiError::bad_request(
            "Auto-away takes 1 to 1440 minutes, or null for off.",
        ));
    }
    app.hub.update_team_settings(settings)?;
    Ok(Json(settings).into_response())
}

async fn get_alerts(State(app): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let caller = api::caller(&app, &headers)?;
    Ok(Json(app.hub.alert_prefs(&caller.id)).into_response())
}

async fn put_alerts(State(app): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Result<Response, ApiError> {
    let caller = api::writer(&app, &headers)?;
    let prefs: AlertPrefs = api::body(&bytes)?;
    app.hub.set_alert_prefs(&caller.id, prefs)?;
    Ok(Json(prefs).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> BotSettingsRow {
        BotSettingsRow {
            name: "Demo".into(),
            handover_enabled: true,
            show_button: true,
            button_label: "Talk to a human".into(),
            offline_message: "Offline".into(),
            response_window: Millis::from_secs(120),
            mode: BotMode::Assisted,
            operator_colour: None,
            operator_avatar_url: None,
            owner_gone: Millis::from_secs(180),
            after_lapse: AfterLapse::default(),
            rating: true,
        }
    }

    fn merge(json: serde_json::Value) -> Result<BotSettingsRow, String> {
        serde_json::from_value::<BotSettingsInput>(json).unwrap().merge(row())
    }

    #[test]
    fn a_put_changes_what_it_names_and_keeps_the_rest() {
        let merged = merge(serde_json::json!({"id": "other", "button_label": " Chat with us ",
            "operator_colour": "#aabbcc", "response_window_secs": 15}))
        .unwrap();
        assert_eq!(merged.button_label, "Chat with us");
        assert_eq!(merged.operator_colour.as_deref(), Some("#aabbcc"));
        assert_eq!(merged.response_window, Millis(15_000));
        assert_eq!(merged.offline_message, "Offline");
        let cleared = serde_json::from_value::<BotSettingsInput>(serde_json::json!({"operator_colour": null}))
            .unwrap()
            .merge(merged)
            .unwrap();
        assert_eq!(cleared.operator_colour, None);
    }

    #[test]
    fn limits_are_enforced_with_a_reason() {
        let cases = [
            (serde_json::json!({"button_label": ""}), "button label"),
            (serde_json::json!({"button_label": "x".repeat(41)}), "button label"),
            (
                serde_json::json!({"offline_message": "x".repeat(301)}),
                "offline message",
            ),
            (serde_json::json!({"response_window_secs": 14}), "response window"),
            (serde_json::json!({"response_window_secs": 3601}), "response window"),
            (serde_json::json!({"owner_gone_secs": 29}), "owner-gone"),
            (serde_json::json!({"operator_colour": "teal"}), "colour"),
            (serde_json::json!({"operator_colour": "#12345g"}), "colour"),
            (
                serde_json::json!({"mode": "human_only", "handover_enabled": false}),
                "Human-only",
            ),
            (
                serde_json::json!({"operator_avatar_url": "javascript:alert(1)"}),
                "avatar",
            ),
        ];
        for (json, words) in cases {
            let err = merge(json.clone()).unwrap_err();
            assert!(err.contains(words), "{json}: {err}");
        }
        assert!(merge(serde_json::json!({"offline_message": "x".repeat(300), "owner_gone_secs": 3600})).is_ok());
    }
}
