//! Team management over HTTP: the team page (`/api/team`, admins change it,
//! every operator reads it) and each operator's own account (`/api/me`).
//! Who may ask is checked here; the hub performs the change live
//! (`hub::team`): rosters, sockets, and the chats of a deactivated operator.

use crate::AppState;
use crate::api::ApiError;
use crate::auth;
use crate::hub::{TeamError, TeamMember, profile};
use crate::store::{OperatorRow, OperatorUpdate};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use baton_protocol::operator::{OperatorStatus, Role};
use baton_protocol::{BotId, OperatorId};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use std::time::Instant;

/// Shortest password accepted; longer is better, and nothing else is required.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest, so hashing stays cheap.
const MAX_PASSWORD_CHARS: usize = 1024;
const MAX_NAME_CHARS: usize = 60;

type Answer = Result<Response, ApiError>;

fn error(status: StatusCode, code: &'static str, message: &str) -> ApiError {
    ApiError::new(status, code, message)
}

fn bad_request(message: &str) -> ApiError {
    error(StatusCode::BAD_REQUEST, "bad_request", message)
}

fn internal() -> ApiError {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server could not do this; retry",
    )
}

impl From<TeamError> for ApiError {
    fn from(err: TeamError) -> ApiError {
        match err {
            TeamError::NotFound => error(StatusCode::NOT_FOUND, "not_found", "no such operator"),
            TeamError::EmailTaken => error(
                StatusCode::CONFLICT,
                "email_taken",
                "an operator with this email already exists",
            ),
            TeamError::LastAdmin => error(
                StatusCode::CONFLICT,
                "conflict",
                "the team needs at least one active admin",
            ),
            TeamError::Yourself => error(StatusCode::CONFLICT, "conflict", "you cannot deactivate yourself"),
            TeamError::Store(err) => {
                tracing::error!(%err, "team change failed");
                internal()
            }
        }
    }
}

/// The signed-in operator, or 401. Deactivated operators have no session.
fn signed_in(app: &AppState, headers: &HeaderMap) -> Result<OperatorRow, ApiError> {
    let unauthorized = || error(StatusCode::UNAUTHORIZED, "unauthorized", "sign in first");
    let id = app.operator_from(headers).ok_or_else(unauthorized)?;
    match app.hub.store().operator(&id) {
        Ok(Some(row)) if row.active => Ok(row),
        Ok(_) => Err(unauthorized()),
        Err(err) => {
            tracing::error!(%err, "operator lookup failed");
            Err(internal())
        }
    }
}

/// A state-changing request: from the server's own pages (or no browser at
/// all), by a signed-in operator.
fn changing(app: &AppState, headers: &HeaderMap) -> Result<OperatorRow, ApiError> {
    if !crate::operator_ws::same_origin(headers) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "this request must come from the server's own pages",
        ));
    }
    signed_in(app, headers)
}

/// [`changing`], by an admin.
fn admin(app: &AppState, headers: &HeaderMap) -> Result<OperatorRow, ApiError> {
    let me = changing(app, headers)?;
    if me.role != Role::Admin {
        return Err(error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only an admin can change the team",
        ));
    }
    Ok(me)
}

/// Reads a JSON body; a bad one is a 400 that says what is wrong.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| bad_request(&format!("could not read the request: {e}")))
}

/// Tells a field that is absent (`None`) from one that is `null` (`Some(None)`).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn member_json(member: &TeamMember) -> Value {
    let row = &member.row;
    json!({
        "id": row.id,
        "email": row.email,
        "name": row.name,
        "role": row.role,
        "bots": row.bots,
        "active": row.active,
        "colour": row.colour,
        "avatar_url": row.avatar_url,
        "status": member.status,
    })
}

/// The team page's view of one operator, as it stands now.
fn one(app: &AppState, id: &OperatorId) -> Result<Value, ApiError> {
    let team = app.hub.team().map_err(|e| ApiError::from(TeamError::from(e)))?;
    let member = team.iter().find(|m| &m.row.id == id).ok_or(TeamError::NotFound)?;
    Ok(json!({"operator": member_json(member)}))
}

// ------------------------------------------------------------------ checks

// The same checks serve the command line (`crate::cli`).

/// A display name: trimmed, 1 to 60 characters.
pub fn valid_name(name: &str) -> Result<String, &'static str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err("a name needs 1 to 60 characters");
    }
    Ok(name.to_owned())
}

/// An email, trimmed and lower-cased (sign-in ignores case).
pub fn valid_email(email: &str) -> Result<String, &'static str> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.contains(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(user, host)| !user.is_empty() && !host.is_empty() && !host.contains('@'));
    if !valid {
        return Err("that does not look like an email address");
    }
    Ok(email)
}

pub fn valid_password(password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err("a password needs at least 8 characters");
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err("a password is at most 1024 characters");
    }
    Ok(())
}

fn clean_name(name: &str) -> Result<String, ApiError> {
    valid_name(name).map_err(bad_request)
}

fn clean_email(email: &str) -> Result<String, ApiError> {
    valid_email(email).map_err(bad_request)
}

fn check_role(role: Role) -> Result<Role, ApiError> {
    match role {
        Role::Admin | Role::Agent => Ok(role),
        Role::Unknown => Err(bad_request("a role is \"admin\" or \"agent\"")),
    }
}

fn check_bots(app: &AppState, bots: Vec<BotId>) -> Result<Vec<BotId>, ApiError> {
    let mut bots = bots;
    bots.sort();
    bots.dedup();
    match bots.iter().find(|b| app.hub.bot_settings(b).is_none()) {
        Some(unknown) => Err(bad_request(&format!("there is no bot \"{unknown}\""))),
        None => Ok(bots),
    }
}

/// A colour visitors see: `#rrggbb`.
fn check_colour(colour: Option<String>) -> Result<Option<String>, ApiError> {
    match colour {
        Some(c) if c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()) => {
            Ok(Some(c.to_ascii_lowercase()))
        }
        Some(_) => Err(bad_request("a colour is written #rrggbb")),
        None => Ok(None),
    }
}

/// Checks a new password and hashes it off the async runtime (argon2 is
/// deliberately slow).
async fn new_password_hash(password: String) -> Result<String, ApiError> {
    valid_password(&password).map_err(bad_request)?;
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(|_| internal())
}

// ------------------------------------------------------------------ /api/team

pub async fn list(State(app): State<AppState>, headers: HeaderMap) -> Response {
    respond(async {
        signed_in(&app, &headers)?;
        let team = app.hub.team().map_err(|e| ApiError::from(TeamError::from(e)))?;
        let operators: Vec<Value> = team.iter().map(member_json).collect();
        Ok(Json(json!({ "operators": operators })).into_response())
    })
    .await
}

#[derive(Deserialize)]
struct NewOperator {
    email: String,
    name: String,
    role: Role,
    #[serde(default)]
    bots: Vec<BotId>,
    password: String,
}

pub async fn add(State(app): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Response {
    respond(async {
        admin(&app, &headers)?;
        let new: NewOperator = body(&bytes)?;
        let row = OperatorRow {
            id: OperatorId(format!("op-{}", auth::new_id())),
            email: clean_email(&new.email)?,
            name: clean_name(&new.name)?,
            role: check_role(new.role)?,
            bots: check_bots(&app, new.bots)?,
            password_hash: new_password_hash(new.password).await?,
            status: OperatorStatus::Offline,
            active: true,
            colour: None,
            avatar_url: None,
        };
        let row = app.hub.add_operator(row)?;
        tracing::info!(operator = %row.id, "operator added");
        Ok((StatusCode::CREATED, Json(one(&app, &row.id)?)).into_response())
    })
    .await
}

#[derive(Deserialize)]
struct Edit {
    name: Option<String>,
    role: Option<Role>,
    bots: Option<Vec<BotId>>,
}

pub async fn edit(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>, bytes: Bytes) -> Response {
    respond(async {
        admin(&app, &headers)?;
        let edit: Edit = body(&bytes)?;
        let update = OperatorUpdate {
            name: edit.name.as_deref().map(clean_name).transpose()?,
            role: edit.role.map(check_role).transpose()?,
            bots: edit.bots.map(|b| check_bots(&app, b)).transpose()?,
            colour: None,
        };
        let id = OperatorId(id);
        app.hub.update_operator(&id, update)?;
        Ok(Json(one(&app, &id)?).into_response())
    })
    .await
}

#[derive(Deserialize)]
struct Reset {
    password: String,
}

/// An admin sets a teammate's password: their sessions end, their sockets close.
pub async fn reset_password(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Response {
    respond(async {
        admin(&app, &headers)?;
        let reset: Reset = body(&bytes)?;
        let hash = new_password_hash(reset.password).await?;
        app.hub.set_password(&OperatorId(id), &hash, None)?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

pub async fn deactivate(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    respond(async {
        let me = admin(&app, &headers)?;
        let id = OperatorId(id);
        app.hub.deactivate(&id, &me.id)?;
        tracing::info!(operator = %id, by = %me.id, "operator deactivated");
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

pub async fn activate(State(app): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    respond(async {
        admin(&app, &headers)?;
        app.hub.activate(&OperatorId(id))?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

// ------------------------------------------------------------------ /api/me

pub async fn me(State(app): State<AppState>, headers: HeaderMap) -> Response {
    respond(async {
        let row = signed_in(&app, &headers)?;
        Ok(Json(json!({
            "operator": profile(&row),
            "role": row.role,
            "email": row.email,
            "bots": row.bots,
        }))
        .into_response())
    })
    .await
}

#[derive(Deserialize)]
struct MyProfile {
    name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    colour: Option<Option<String>>,
}

/// An operator edits what visitors see of them: name and colour.
pub async fn edit_me(State(app): State<AppState>, headers: HeaderMap, bytes: Bytes) -> Response {
    respond(async {
        let me = changing(&app, &headers)?;
        let edit: MyProfile = body(&bytes)?;
        let update = OperatorUpdate {
            name: edit.name.as_deref().map(clean_name).transpose()?,
            colour: edit.colour.map(check_colour).transpose()?,
            ..OperatorUpdate::default()
        };
        let row = app.hub.update_operator(&me.id, update)?;
        Ok(Json(json!({ "operator": profile(&row) })).into_response())
    })
    .await
}

#[derive(Deserialize)]
struct PasswordChange {
    current: String,
    new: String,
}

/// An operator changes their own password: their other sessions end, this
/// one stays. Wrong guesses count against sign-in's limit for the account.
pub async fn change_my_password(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Response {
    respond(async {
        let me = changing(&app, &headers)?;
        let change: PasswordChange = body(&bytes)?;
        let ip = app.client_ip(peer, &headers);
        match app.logins.check(ip, &me.email, Instant::now()) {
            crate::limits::SignInGate::Refused { .. } => {
                return Err(error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "too many wrong passwords; try again later",
                ));
            }
            crate::limits::SignInGate::Proceed { delay } => tokio::time::sleep(delay).await,
        }
        let (hash, current) = (me.password_hash.clone(), change.current);
        let ok = tokio::task::spawn_blocking(move || auth::verify_password(&hash, &current))
            .await
            .map_err(|_| internal())?;
        if !ok {
            app.logins.failed(ip, &me.email, Instant::now());
            return Err(error(
                StatusCode::FORBIDDEN,
                "wrong_password",
                "the current password is not right",
            ));
        }
        let hash = new_password_hash(change.new).await?;
        let keep = auth::session_token(&headers).map(|t| auth::secret_hash(&t));
        app.hub.set_password(&me.id, &hash, keep.as_deref())?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })
    .await
}

/// Handlers answer with `?` on either side: the error is a response too.
async fn respond(answer: impl std::future::Future<Output = Answer>) -> Response {
    answer.await.unwrap_or_else(IntoResponse::into_response)
}
