//! The HTTP side of signing in. The session lives in an HttpOnly cookie the
//! browser sends by itself; this code never sees it.

use crate::i18n::{fill, t};
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
        .map_err(|_| t().prepare_failed.to_owned())?;
    let response = request.send().await.map_err(|_| t().unreachable_short.to_owned())?;
    if response.ok() {
        return match response.json::<SignedIn>().await {
            Ok(body) => Ok(body.operator),
            Err(_) => Err(t().unexpected_answer.to_owned()),
        };
    }
    match response.json::<Refusal>().await {
        Ok(refusal) => Err(crate::format::sentence(&refusal.error)),
        Err(_) => Err(fill(t().sign_in_failed, &[&response.status().to_string()])),
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
        .map_err(|_| t().unreachable_short.to_owned())?;
    if !response.ok() {
        return Err(fill(t().resolved_failed, &[&response.status().to_string()]));
    }
    response
        .json::<Resolved>()
        .await
        .map(|r| r.conversations)
        .map_err(|_| t().unexpected_answer.to_owned())
}

// ------------------------------------------------- the pages' JSON routes

use crate::pages::model::{
    BotSettings, BotsAndTeam, Channel, ChannelList, ChannelRequest, MemberChange, NewMember, OneChannel, OneMember,
    OneProfile, PasswordChange, PasswordReset, ProfileChange, RatingAverages, TeamList, TeamMember, TeamSettings,
};
use baton_protocol::operator::AlertPrefs;
use gloo_net::http::{RequestBuilder, Response};
use serde::de::DeserializeOwned;

/// A refused or failed request: the status (0 when the server was not
/// reached), the error code, and the sentence to show.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
    /// `Retry-After`, in seconds, when a limit was hit.
    pub retry_after: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

fn unreachable() -> ApiError {
    ApiError {
        status: 0,
        code: String::new(),
        message: crate::pages::forms::error_text(0, None, None),
        retry_after: None,
    }
}

async fn refusal(response: Response) -> ApiError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|s| s.trim().parse().ok());
    let body = response.json::<ErrorBody>().await.ok();
    let (code, message) = body.map(|b| (b.error, b.message)).unwrap_or_default();
    ApiError {
        status,
        message: crate::pages::forms::error_text(status, code.as_deref(), message.as_deref()),
        code: code.unwrap_or_default(),
        retry_after,
    }
}

/// Sends `builder` (with `body` as JSON when given) and returns the response
/// if it succeeded.
async fn call<B: Serialize>(builder: RequestBuilder, body: Option<&B>) -> Result<Response, ApiError> {
    let sent = match body {
        Some(body) => builder.json(body).map_err(|_| unreachable())?.send().await,
        None => builder.send().await,
    };
    let response = sent.map_err(|_| unreachable())?;
    if response.ok() {
        Ok(response)
    } else {
        Err(refusal(response).await)
    }
}

async fn read<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    response.json::<T>().await.map_err(|_| ApiError {
        status: response.status(),
        code: String::new(),
        message: t().unexpected_answer_reload.into(),
        retry_after: None,
    })
}

const NO_BODY: Option<&()> = None;

pub async fn team() -> Result<Vec<TeamMember>, ApiError> {
    let list: TeamList = read(call(Request::get("/api/team"), NO_BODY).await?).await?;
    Ok(list.operators)
}

/// The ratings' averages per operator and per bot, for the Team page.
pub async fn ratings() -> Result<RatingAverages, ApiError> {
    read(call(Request::get("/api/ratings"), NO_BODY).await?).await
}

pub async fn add_member(member: &NewMember) -> Result<TeamMember, ApiError> {
    let one: OneMember = read(call(Request::post("/api/team"), Some(member)).await?).await?;
    Ok(one.operator)
}

pub async fn change_member(id: &str, change: &MemberChange) -> Result<TeamMember, ApiError> {
    let url = format!("/api/team/{}", encode(id));
    let one: OneMember = read(call(Request::patch(&url), Some(change)).await?).await?;
    Ok(one.operator)
}

pub async fn reset_password(id: &str, password: String) -> Result<(), ApiError> {
    let url = format!("/api/team/{}/password", encode(id));
    call(Request::post(&url), Some(&PasswordReset { password }))
        .await
        .map(drop)
}

/// Deactivates (`false`) or reactivates (`true`) a teammate.
pub async fn set_active(id: &str, active: bool) -> Result<(), ApiError> {
    let verb = if active { "activate" } else { "deactivate" };
    let url = format!("/api/team/{}/{verb}", encode(id));
    call(Request::post(&url), NO_BODY).await.map(drop)
}

pub async fn update_profile(change: &ProfileChange) -> Result<OperatorProfile, ApiError> {
    let one: OneProfile = read(call(Request::patch("/api/me"), Some(change)).await?).await?;
    Ok(one.operator)
}

pub async fn change_password(current: String, new: String) -> Result<(), ApiError> {
    call(
        Request::post("/api/me/password"),
        Some(&PasswordChange { current, new }),
    )
    .await
    .map(drop)
}

pub async fn bots() -> Result<BotsAndTeam, ApiError> {
    read(call(Request::get("/api/bots"), NO_BODY).await?).await
}

pub async fn save_bot(settings: &BotSettings) -> Result<BotSettings, ApiError> {
    let url = format!("/api/bots/{}/settings", encode(&settings.id));
    read(call(Request::put(&url), Some(settings)).await?).await
}

pub async fn save_team_settings(settings: &TeamSettings) -> Result<(), ApiError> {
    call(Request::put("/api/team-settings"), Some(settings)).await.map(drop)
}

pub async fn channels() -> Result<Vec<Channel>, ApiError> {
    let list: ChannelList = read(call(Request::get("/api/notify/channels"), NO_BODY).await?).await?;
    Ok(list.channels)
}

/// Creates a channel (`id` is `None`) or replaces one.
pub async fn save_channel(id: Option<&str>, channel: &ChannelRequest) -> Result<Channel, ApiError> {
    let builder = match id {
        Some(id) => Request::put(&format!("/api/notify/channels/{}", encode(id))),
        None => Request::post("/api/notify/channels"),
    };
    let one: OneChannel = read(call(builder, Some(channel)).await?).await?;
    Ok(one.channel())
}

pub async fn delete_channel(id: &str) -> Result<(), ApiError> {
    let url = format!("/api/notify/channels/{}", encode(id));
    call(Request::delete(&url), NO_BODY).await.map(drop)
}

pub async fn test_channel(id: &str) -> Result<(), ApiError> {
    let url = format!("/api/notify/channels/{}/test", encode(id));
    call(Request::post(&url), NO_BODY).await.map(drop)
}

pub async fn alert_prefs() -> Result<AlertPrefs, ApiError> {
    read(call(Request::get("/api/me/alerts"), NO_BODY).await?).await
}

pub async fn save_alert_prefs(prefs: &AlertPrefs) -> Result<AlertPrefs, ApiError> {
    read(call(Request::put("/api/me/alerts"), Some(prefs)).await?).await
}

/// An id as one URL path segment.
fn encode(id: &str) -> String {
    String::from(js_sys::encode_uri_component(id))
}

// ------------------------------------------------- reply helpers

#[derive(Deserialize)]
struct Drafted {
    text: String,
}

#[derive(Deserialize)]
struct Suggested {
    /// `null`: the knowledge base has no good answer.
    text: Option<String>,
}

/// A reply drafted from the bot's knowledge base: `Ok(None)` when it has no
/// good answer; `Err` the sentence to show (the rate limit's included, in
/// the inbox's language with the server's `Retry-After`).
pub async fn suggest(conversation: &baton_protocol::ConversationId) -> Result<Option<String>, String> {
    let url = format!("/api/conversations/{}/suggest", encode(conversation.as_str()));
    match call(Request::post(&url), NO_BODY).await {
        Ok(response) => read::<Suggested>(response).await.map(|d| d.text).map_err(|e| e.message),
        Err(e) if e.status == 404 => Err(t().no_knowledge_base.into()),
        Err(e) if e.status == 429 => {
            let seconds = e.retry_after.unwrap_or(60).max(1).to_string();
            Err(fill(t().suggest_rate_limited, &[&seconds]))
        }
        Err(e) => Err(e.message),
    }
}

#[derive(Serialize)]
struct TranslateBody<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a str>,
    target: &'a str,
}

/// Why a translation did not come back.
#[derive(Clone, Debug, PartialEq)]
pub enum TranslateFailure {
    /// No endpoint is configured: say so plainly, not as an error.
    NotSetUp,
    Failed(String),
}

/// `text` translated into `target` (`source`: `None` detects).
pub async fn translate(text: &str, source: Option<&str>, target: &str) -> Result<String, TranslateFailure> {
    let body = TranslateBody { text, source, target };
    match call(Request::post("/api/translate"), Some(&body)).await {
        Ok(response) => read::<Drafted>(response)
            .await
            .map(|d| d.text)
            .map_err(|e| TranslateFailure::Failed(e.message)),
        Err(e) if e.code == "translation_not_configured" => Err(TranslateFailure::NotSetUp),
        // Not reached, or signed out: the general sentence says so.
        Err(e) if e.status == 0 || e.status == 401 => Err(TranslateFailure::Failed(e.message)),
        // The translate route's errors are an English sentence in `error`
        // (for the server's log); the operator reads it in the inbox's
        // language.
        Err(_) => Err(TranslateFailure::Failed(t().translation_failed.into())),
    }
}
