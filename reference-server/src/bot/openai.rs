//! A bot backed by any OpenAI-compatible chat completions API (OpenAI,
//! Azure-style gateways, Ollama, vLLM, llama.cpp's server, …).
//!
//! # The request
//!
//! ```text
//! POST {base_url}/chat/completions
//! Authorization: Bearer <key>
//!
//! { "model": "<model>", "messages": [
//!     { "role": "system", "content": "<prompt + handover rules + availability>" },
//!     { "role": "user", "content": "Hi" },
//!     { "role": "assistant", "content": "Hello! …" },
//!     { "role": "assistant", "content": "[Team member Dana] Let me check that." },
//!     { "role": "user", "content": "<the visitor's latest message>" } ] }
//! ```
//!
//! - Visitor messages are `user`, the bot's own are `assistant`.
//! - Operator messages are kept, as `assistant` messages prefixed with
//!   `[Team member NAME] `: after a handback the model needs to know what a
//!   person already told the visitor, and the system prompt tells it those
//!   lines were not its own. (Dropping them would make the model contradict
//!   or repeat the team; the `name` field is not portable across servers.)
//! - Handover events are not sent; only chat messages.
//! - The latest visitor message is always last, even if the history could
//!   not be read.
//!
//! The reply is `choices[0].message.content`.
//!
//! # Handover
//!
//! The system prompt (the configured one, or a short default) is followed by
//! fixed rules: when the visitor asks for a person or the model cannot help,
//! it ends its reply with the exact marker `[[handover]]`. The marker is
//! stripped from the text (wherever it appears, in any case) and sets
//! `offer_human`, which only takes effect when a person is available; the
//! prompt also says whether one is, so the model does not promise a person
//! who is not there.
//!
//! The model may also ask for a person itself (PROTOCOL.md §7.14): a
//! `[[person: REASON]]` marker (or `[[urgent person: REASON]]`) is stripped
//! the same way and becomes the reply's `handover` — a request queued with
//! that reason and priority, even when nobody is online.
//!
//! # Failures
//!
//! One attempt within `timeout` (completions are slow and billed: no
//! retries). A non-2xx status, a timeout, a network error or a reply without
//! text gives the same fallback as the webhook bot: the assistant is
//! unavailable right now, and a person is offered when available. The key
//! is never logged, nor any message text.

use super::http::{self, Failure};
use super::{Bot, BotError, BotReply, BotTurn, Speaker, clamp_reply, messages, unavailable_reply};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// What the model appends to hand the chat to a person.
pub const HANDOVER_MARKER: &str = "[[handover]]";

/// The persona used when the config gives no `system_prompt`.
pub const DEFAULT_SYSTEM_PROMPT: &str = "You are the assistant in a shop's website chat. Answer briefly and \
     kindly, in plain text without Markdown, in the visitor's language. If you are not sure of a fact about the \
     shop, say so instead of guessing.";

const HANDOVER_RULES: &str = "Handing over to a person: if the visitor asks to talk to a person (a human, an \
     agent, someone real), or you cannot help with their request, say so in one short sentence and end your \
     reply with the exact marker [[handover]]. If the matter needs a person from the team whatever the visitor \
     prefers (a billing error, a complaint, account access), end your reply instead with [[person: REASON]], \
     REASON being one short line for the team, or [[urgent person: REASON]] when it cannot wait. Never write \
     these markers otherwise. Assistant messages that start \
     with \"[Team member NAME]\" were written by a person from the shop's team, not by you; never start your own \
     replies that way.";

/// The largest response body accepted.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Clone)]
pub struct OpenAiBot {
    endpoint: reqwest::Url,
    model: String,
    api_key: String,
    system_prompt: String,
    timeout: Duration,
    client: reqwest::Client,
}

impl fmt::Debug for OpenAiBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiBot")
            .field("host", &self.endpoint.host_str())
            .field("model", &self.model)
            .field("api_key", &"…")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: Vec<ChatMessage>,
}

#[derive(Serialize)]
struct ChatMessage {
    role: &'static str,
    content: String,
}

#[derive(Deserialize)]
struct ChatResponse {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    #[serde(default)]
    content: Option<String>,
}

impl OpenAiBot {
    /// `base_url` is the API root, e.g. `https://api.openai.com/v1`;
    /// `system_prompt` replaces [`DEFAULT_SYSTEM_PROMPT`] (the handover
    /// rules are always added).
    pub fn new(
        base_url: &str,
        model: &str,
        api_key: &str,
        system_prompt: Option<&str>,
        timeout: Duration,
    ) -> Result<OpenAiBot, BotError> {
        let endpoint = format!("{}/chat/completions", base_url.trim().trim_end_matches('/'));
        let endpoint = http::endpoint(&endpoint).map_err(|reason| BotError::InvalidUrl {
            what: "open_ai base_url",
            reason,
        })?;
        if model.trim().is_empty() {
            return Err(BotError::Invalid("open_ai model is empty".into()));
        }
        Ok(OpenAiBot {
            endpoint,
            model: model.trim().to_owned(),
            api_key: api_key.trim().to_owned(),
            system_prompt: system_prompt
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .unwrap_or(DEFAULT_SYSTEM_PROMPT)
                .to_owned(),
            timeout,
            client: http::client(timeout).map_err(BotError::HttpClient)?,
        })
    }

    fn request<'a>(&'a self, turn: &BotTurn) -> ChatRequest<'a> {
        let availability = if turn.human_available {
            "Right now a person from the team is available."
        } else {
            "Right now nobody from the team is online: do not promise that a person will reply."
        };
        let mut chat = vec![ChatMessage {
            role: "system",
            content: format!("{}\n\n{HANDOVER_RULES}\n\n{availability}", self.system_prompt),
        }];
        for (speaker, text) in messages(&turn.history) {
            let (role, content) = match speaker {
                Speaker::Visitor => ("user", text.to_owned()),
                Speaker::Bot => ("assistant", text.to_owned()),
                Speaker::Operator { name } => ("assistant", format!("[Team member {name}] {text}")),
            };
            chat.push(ChatMessage { role, content });
        }
        let latest_is_turn = chat.last().is_some_and(|m| m.role == "user" && m.content == turn.text);
        if !latest_is_turn {
            chat.push(ChatMessage {
                role: "user",
                content: turn.text.clone(),
            });
        }
        ChatRequest {
            model: &self.model,
            messages: chat,
        }
    }

    pub async fn ask(&self, turn: &BotTurn) -> BotReply {
        let request = self.request(turn);
        let result = http::post_json(
            &self.client,
            &self.endpoint,
            &request,
            Some(&self.api_key),
            self.timeout,
            MAX_BODY,
        )
        .await
        .and_then(|body| parse(&body, turn.human_available));
        match result {
            Ok(reply) => reply,
            Err(failure) => {
                tracing::warn!(
                    bot = %turn.bot,
                    conversation = %turn.conversation,
                    model = %self.model,
                    failure = %failure,
                    "OpenAI-compatible bot failed"
                );
                unavailable_reply(turn.human_available)
            }
        }
    }
}

fn parse(body: &[u8], human_available: bool) -> Result<BotReply, Failure> {
    let response: ChatResponse = serde_json::from_slice(body).map_err(|_| Failure::BadBody("not a chat completion"))?;
    let content = response
        .choices
        .into_iter()
        .next()
        .and_then(|c| c.message.content)
        .ok_or(Failure::BadBody("no message content"))?;
    let (content, request) = strip_request(&content);
    let (text, handover) = strip_marker(&content);
    let text = match clamp_reply(&text) {
        Some(text) => text,
        // The model sent the marker alone.
        None if handover && human_available => "I can connect you with a person from our team.".into(),
        None if handover => "Nobody from the team is online right now, sorry — please try again later.".into(),
        None => return Err(Failure::BadBody("blank text")),
    };
    Ok(BotReply {
        text,
        offer_human: handover && human_available && request.is_none(),
        handover: request,
    })
}

/// The marker `[[person: REASON]]` (or `[[urgent person: REASON]]`): the
/// model asks for a person itself. Removed from the text; the first one
/// found is the request.
pub fn strip_request(content: &str) -> (String, Option<baton_protocol::followup::BotHandover>) {
    use baton_protocol::queue::Priority;
    let lower = content.to_ascii_lowercase();
    let mut text = String::with_capacity(content.len());
    let mut rest = 0;
    let mut request = None;
    while let Some(at) = lower[rest..].find("[[") {
        let start = rest + at;
        let Some(len) = lower[start..].find("]]") else { break };
        let inner = &lower[start + 2..start + len];
        let priority = if inner.starts_with("urgent person:") {
            Priority::Urgent
        } else if inner.starts_with("person:") {
            Priority::Normal
        } else {
            text.push_str(&content[rest..start + 2]);
            rest = start + 2;
            continue;
        };
        let colon = content[start..].find(':').map_or(start, |c| start + c + 1);
        let reason = content[colon..start + len].trim().to_owned();
        request.get_or_insert(baton_protocol::followup::BotHandover {
            reason: Some(reason),
            priority,
        });
        text.push_str(&content[rest..start]);
        rest = start + len + 2;
    }
    text.push_str(&content[rest..]);
    (text, request.map(baton_protocol::followup::BotHandover::normalised))
}

/// Removes every `[[handover]]` (any case) and says whether there was one.
pub fn strip_marker(content: &str) -> (String, bool) {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower`
    // are valid in `content`.
    let lower = content.to_ascii_lowercase();
    let mut text = String::with_capacity(content.len());
    let mut rest = 0;
    let mut found = false;
    while let Some(at) = lower[rest..].find(HANDOVER_MARKER) {
        text.push_str(&content[rest..rest + at]);
        rest += at + HANDOVER_MARKER.len();
        found = true;
    }
    text.push_str(&content[rest..]);
    (text, found)
}

impl Bot for OpenAiBot {
    fn reply(&self, turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>> {
        Box::pin(async move { self.ask(&turn).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_the_marker_anywhere_in_any_case() {
        assert_eq!(
            strip_marker("Let me get someone. [[handover]]"),
            ("Let me get someone. ".into(), true)
        );
        assert_eq!(strip_marker("[[HANDOVER]]Sure é"), ("Sure é".into(), true));
        assert_eq!(strip_marker("No marker — ok"), ("No marker — ok".into(), false));
    }

    #[test]
    fn a_person_request_carries_its_reason_and_priority() {
        use baton_protocol::queue::Priority;
        let (text, request) = strip_request("One moment. [[URGENT person: charged twice]] ok");
        assert_eq!(text, "One moment.  ok");
        let request = request.expect("a request");
        assert_eq!(request.reason.as_deref(), Some("charged twice"));
        assert_eq!(request.priority, Priority::Urgent);
        let (text, request) = strip_request("Sure [[person: wants a refund]]");
        assert_eq!(text, "Sure ");
        assert_eq!(request.map(|r| r.priority), Some(Priority::Normal));
        let (text, request) = strip_request("[[handover]] [[note]] plain");
        assert_eq!((text.as_str(), request), ("[[handover]] [[note]] plain", None));
    }
}
