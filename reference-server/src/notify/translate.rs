//! Translation for operators through a LibreTranslate-compatible service:
//! `POST {url}/translate` with `{"q", "source", "target", "format": "text",
//! "api_key"?}`, answered with `{"translatedText"}` (errors: `{"error"}`).
//!
//! [`handle_translate`] is what `POST /api/translate` runs once the caller
//! checked the operator's session; [`TranslateError`] turns into the HTTP
//! answer (`{"error": "…"}` with 400, 502 or 504).

use super::config::TranslateConfig;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The longest text a request may carry (a chat message's limit).
pub const MAX_TEXT_CHARS: usize = baton_protocol::MAX_MESSAGE_CHARS;
/// How much of an upstream error message is passed on.
const MAX_UPSTREAM_MESSAGE: usize = 200;

/// `POST /api/translate` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranslateRequest {
    pub text: String,
    /// A language code (`"de"`); absent or `"auto"`: detect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// A language code (`"en"`).
    pub target: String,
}

/// `POST /api/translate` answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranslateResponse {
    pub text: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TranslateError {
    /// The request itself is wrong (empty text, bad language code, too long).
    #[error("{0}")]
    Invalid(String),
    #[error("the translation service did not answer within {0} ms")]
    Timeout(u64),
    #[error("the translation service could not be reached ({0})")]
    Unreachable(String),
    /// The service answered with an error status.
    #[error("the translation service refused ({status}): {message}")]
    Upstream { status: u16, message: String },
    #[error("the translation service's answer was not understood")]
    BadResponse,
    /// The configured API key variable is not set.
    #[error("the translation service is not configured correctly: {0} is not set")]
    MissingApiKey(String),
}

impl TranslateError {
    pub fn status(&self) -> StatusCode {
        match self {
            TranslateError::Invalid(_) => StatusCode::BAD_REQUEST,
            TranslateError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            TranslateError::MissingApiKey(_) => StatusCode::INTERNAL_SERVER_ERROR,
            TranslateError::Unreachable(_) | TranslateError::Upstream { .. } | TranslateError::BadResponse => {
                StatusCode::BAD_GATEWAY
            }
        }
    }
}

impl IntoResponse for TranslateError {
    fn into_response(self) -> Response {
        (self.status(), Json(serde_json::json!({ "error": self.to_string() }))).into_response()
    }
}

impl IntoResponse for TranslateResponse {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

#[derive(Serialize)]
struct UpstreamRequest<'a> {
    q: &'a str,
    source: &'a str,
    target: &'a str,
    format: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
}

#[derive(Deserialize)]
struct UpstreamAnswer {
    #[serde(rename = "translatedText")]
    translated_text: String,
}

#[derive(Deserialize)]
struct UpstreamError {
    error: String,
}

/// A language code as LibreTranslate takes them: `en`, `pt-BR`, `zh-Hans`.
fn valid_language(code: &str) -> bool {
    (2..=12).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Translates `text` into `target` (`source`: `None` detects).
pub async fn translate(
    config: &TranslateConfig,
    text: &str,
    source: Option<&str>,
    target: &str,
) -> Result<String, TranslateError> {
    let source = source.map(str::trim).filter(|s| !s.is_empty()).unwrap_or("auto");
    let target = target.trim();
    if text.trim().is_empty() {
        return Err(TranslateError::Invalid("there is no text to translate".into()));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(TranslateError::Invalid(format!(
            "a text to translate has at most {MAX_TEXT_CHARS} characters"
        )));
    }
    if !valid_language(target) || !valid_language(source) {
        return Err(TranslateError::Invalid(
            "languages are codes such as \"en\" or \"pt-BR\"".into(),
        ));
    }
    let api_key = match &config.api_key_env {
        Some(name) => Some(std::env::var(name).map_err(|_| TranslateError::MissingApiKey(name.clone()))?),
        None => None,
    };
    let url = format!("{}/translate", config.url.trim_end_matches('/'));
    let body = UpstreamRequest {
        q: text,
        source,
        target,
        format: "text",
        api_key,
    };
    let timeout = Duration::from_millis(config.timeout_ms);
    let call = async {
        let response = super::http_client()
            .post(&url)
            .timeout(timeout)
            .json(&body)
            .send()
            .await
            .map_err(|e| failure(&e, config.timeout_ms))?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| failure(&e, config.timeout_ms))?;
        if !status.is_success() {
            let message = serde_json::from_slice::<UpstreamError>(&bytes)
                .map(|e| e.error)
                .unwrap_or_else(|_| status.canonical_reason().unwrap_or("error").to_owned());
            return Err(TranslateError::Upstream {
                status: status.as_u16(),
                message: message.chars().take(MAX_UPSTREAM_MESSAGE).collect(),
            });
        }
        serde_json::from_slice::<UpstreamAnswer>(&bytes)
            .map(|a| a.translated_text)
            .map_err(|_| TranslateError::BadResponse)
    };
    // The request timeout covers the body too; this also bounds DNS and
    // anything else reqwest might wait on.
    tokio::time::timeout(timeout + Duration::from_millis(100), call)
        .await
        .unwrap_or(Err(TranslateError::Timeout(config.timeout_ms)))
}

fn failure(err: &reqwest::Error, timeout_ms: u64) -> TranslateError {
    if err.is_timeout() {
        TranslateError::Timeout(timeout_ms)
    } else {
        TranslateError::Unreachable(super::webhooks::describe(err))
    }
}

/// `POST /api/translate`, after the operator's session was checked.
pub async fn handle_translate(
    config: &TranslateConfig,
    req: TranslateRequest,
) -> Result<TranslateResponse, TranslateError> {
    let text = translate(config, &req.text, req.source.as_deref(), &req.target).await?;
    Ok(TranslateResponse { text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_shape_matches_libretranslate() {
        let body = UpstreamRequest {
            q: "Hallo",
            source: "auto",
            target: "en",
            format: "text",
            api_key: None,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({"q": "Hallo", "source": "auto", "target": "en", "format": "text"})
        );
        let req: TranslateRequest = serde_json::from_str(r#"{"text": "Hallo", "target": "en"}"#).unwrap();
        assert_eq!(req.source, None);
    }

    #[test]
    fn language_codes() {
        for ok in ["en", "pt-BR", "zh-Hans", "auto"] {
            assert!(valid_language(ok), "{ok}");
        }
        for bad in ["", "e", "en/../x", "en us", "averyveryverylongcode"] {
            assert!(!valid_language(bad), "{bad}");
        }
    }

    #[tokio::test]
    async fn bad_requests_fail_before_any_network() {
        // Port 9 (discard) on loopback: nothing is listening, nothing is sent.
        let config = TranslateConfig::new("http://127.0.0.1:9");
        let empty = translate(&config, "  ", None, "en").await;
        assert!(matches!(empty, Err(TranslateError::Invalid(_))));
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert!(matches!(
            translate(&config, &long, None, "en").await,
            Err(TranslateError::Invalid(_))
        ));
        assert!(matches!(
            translate(&config, "hi", None, "e n").await,
            Err(TranslateError::Invalid(_))
        ));
        assert_eq!(TranslateError::Invalid(String::new()).status(), StatusCode::BAD_REQUEST);
        assert_eq!(TranslateError::Timeout(1).status(), StatusCode::GATEWAY_TIMEOUT);
    }
}
