//! A bot that lives behind your own HTTP endpoint.
//!
//! # The contract
//!
//! For each visitor message Baton sends one request (plus retries, below):
//!
//! ```text
//! POST <url>
//! Content-Type: application/json
//!
//! {
//!   "bot": "shop",                      // the bot id from the config
//!   "conversation": "c-7f3…",           // stable for the conversation
//!   "text": "Do you ship to Ireland?",  // the visitor's latest message
//!   "human_available": true,            // could a person be offered now?
//!   "history": [                        // oldest first, at most 20 messages,
//!     { "role": "visitor", "text": "Hi" },            // usually ending with
//!     { "role": "bot", "text": "Hello! …" },          // `text` itself
//!     { "role": "operator", "name": "Dana", "text": "…" },
//!     { "role": "visitor", "text": "Do you ship to Ireland?" }
//!   ]
//! }
//! ```
//!
//! `role` is `visitor`, `bot` or `operator`; operator entries also carry the
//! `name` the visitor saw. Only chat messages are included, not handover
//! events. Fields may be added later: ignore the ones you do not know.
//!
//! The endpoint answers `200` (any 2xx) with:
//!
//! ```text
//! { "text": "Yes — we ship to Ireland in 3–5 days.", "offer_human": false }
//! ```
//!
//! `text` is required and must not be blank (it is cut at
//! [`baton_protocol::MAX_MESSAGE_CHARS`] characters); `offer_human` is
//! optional (default `false`) and only shows the "Talk to a human" offer
//! when a person is actually available. Unknown fields are ignored. The body
//! may be at most 64 KiB.
//!
//! To ask for a person itself, the bot adds `handover` (PROTOCOL.md §7.14):
//!
//! ```text
//! { "text": "Let me get a person for this.",
//!   "handover": { "reason": "Billing: charged twice", "priority": "urgent" } }
//! ```
//!
//! `reason` (optional, cut to 200 characters) shows in the inbox row and
//! header; `priority` is `normal` (default), `high` or `urgent` and orders
//! the Waiting view. The request is queued even when nobody is online.
//!
//! # Failures
//!
//! Each attempt must complete (connect, send, read) within `timeout`.
//! Timeouts, connection errors and 5xx responses are retried up to `retries`
//! more times, after a short backoff (100 ms, doubling, at most 1 s). A 4xx,
//! a 3xx (redirects are not followed) or an unreadable body is not retried.
//! When no attempt succeeds the visitor is told the assistant is unavailable
//! right now and offered a person if one is available. Failures are logged
//! with the bot, conversation, attempt and kind of failure, never with the
//! URL or any message text.

use super::http::{self, Failure};
use super::{Bot, BotError, BotReply, BotTurn, Speaker, clamp_reply, messages, unavailable_reply};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The largest response body accepted.
const MAX_BODY: usize = 64 * 1024;
/// The longest pause between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(1);

#[derive(Clone)]
pub struct WebhookBot {
    url: reqwest::Url,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
    client: reqwest::Client,
}

impl fmt::Debug for WebhookBot {
    // The URL may carry a secret (a token in the path or query): show the
    // host only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookBot")
            .field("host", &self.url.host_str())
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Request<'a> {
    bot: &'a str,
    conversation: &'a str,
    text: &'a str,
    human_available: bool,
    history: Vec<HistoryItem<'a>>,
}

#[derive(Serialize)]
struct HistoryItem<'a> {
    role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    text: &'a str,
}

#[derive(Deserialize)]
struct Response {
    text: String,
    #[serde(default)]
    offer_human: bool,
    #[serde(default)]
    handover: Option<baton_protocol::followup::BotHandover>,
}

impl WebhookBot {
    /// `timeout` is per attempt; `retries` is how many more attempts follow a
    /// retryable failure.
    pub fn new(url: &str, timeout: Duration, retries: u32) -> Result<WebhookBot, BotError> {
        let url = http::endpoint(url).map_err(|reason| BotError::InvalidUrl {
            what: "webhook url",
            reason,
        })?;
        Ok(WebhookBot {
            url,
            timeout,
            retries,
            backoff: Duration::from_millis(100),
            client: http::client(timeout).map_err(BotError::HttpClient)?,
        })
    }

    /// The pause before the first retry (doubling after each, at most 1 s).
    pub fn with_backoff(mut self, backoff: Duration) -> WebhookBot {
        self.backoff = backoff;
        self
    }

    pub async fn ask(&self, turn: &BotTurn) -> BotReply {
        let request = Request {
            bot: turn.bot.as_str(),
            conversation: turn.conversation.as_str(),
            text: &turn.text,
            human_available: turn.human_available,
            history: messages(&turn.history)
                .map(|(speaker, text)| match speaker {
                    Speaker::Visitor => HistoryItem {
                        role: "visitor",
                        name: None,
                        text,
                    },
                    Speaker::Bot => HistoryItem {
                        role: "bot",
                        name: None,
                        text,
                    },
                    Speaker::Operator { name } => HistoryItem {
                        role: "operator",
                        name: Some(name),
                        text,
                    },
                })
                .collect(),
        };
        let attempts = self.retries.saturating_add(1);
        let mut pause = self.backoff;
        for attempt in 1..=attempts {
            let result = http::post_json(&self.client, &self.url, &request, None, self.timeout, MAX_BODY)
                .await
                .and_then(|body| parse(&body, turn.human_available));
            let failure = match result {
                Ok(reply) => return reply,
                Err(failure) => failure,
            };
            let retry = failure.retryable() && attempt < attempts;
            tracing::warn!(
                bot = %turn.bot,
                conversation = %turn.conversation,
                attempt,
                attempts,
                retry,
                failure = %failure,
                "webhook bot failed"
            );
            if !retry {
                break;
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_BACKOFF);
        }
        unavailable_reply(turn.human_available)
    }
}

fn parse(body: &[u8], human_available: bool) -> Result<BotReply, Failure> {
    let response: Response = serde_json::from_slice(body).map_err(|_| Failure::BadBody("not the expected JSON"))?;
    let text = clamp_reply(&response.text).ok_or(Failure::BadBody("blank text"))?;
    Ok(BotReply {
        text,
        offer_human: response.offer_human && human_available,
        handover: response.handover,
    })
}

impl Bot for WebhookBot {
    fn reply(&self, turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>> {
        Box::pin(async move { self.ask(&turn).await })
    }
}
