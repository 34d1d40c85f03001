//! Outbound webhooks: tell a team channel or another system that a visitor
//! is waiting. Bodies are built by pure functions ([`payload`]); [`deliver`]
//! POSTs one body with a per-attempt timeout and a bounded, backed-off retry.
//!
//! Privacy: no body ever carries message text, the visitor's name or email.
//! A webhook receiver is often a third-party chat service that keeps what it
//! is sent for ever, outside the retention and access rules of the inbox; the
//! operator needs to know *that* someone is waiting and where to answer, and
//! reads *what* they wrote in the inbox, behind sign-in. For the same reason
//! the target URLs (which often embed a token) are never logged whole.

use super::config::{Trigger, WebhookFormat, WebhookTarget};
use baton_protocol::{BotId, ConversationId, Seq, Timestamp};
use serde_json::{Value, json};
use std::time::Duration;

/// The longest wait between two attempts, however the backoff grows.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Something a webhook may fire on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookEvent {
    pub trigger: Trigger,
    pub conversation: ConversationId,
    pub bot: BotId,
    /// When it happened (for a help request, when the request was stored).
    pub at: Timestamp,
    /// For a help request: until when operators have to join.
    pub deadline: Option<Timestamp>,
    /// The event's `seq`, when it is one: makes the delivery id unique.
    pub seq: Option<Seq>,
}

impl WebhookEvent {
    /// Stable across retries, so a receiver can drop a delivery it already
    /// handled (sent as the `X-Baton-Delivery` header).
    pub fn delivery_id(&self) -> String {
        match self.seq {
            Some(seq) => format!("{}:{}:{}", self.conversation, self.trigger.as_str(), seq.0),
            None => format!("{}:{}:{}", self.conversation, self.trigger.as_str(), self.at.0),
        }
    }
}

/// The JSON body `format` prescribes.
///
/// Generic: `{"event": "help_requested" | "new_conversation", "conversation":
/// "<id>", "bot": "<id>", "at": <ms since epoch>, "inbox_url": "<url>"}`,
/// plus `"deadline": <ms since epoch>` for a help request.
///
/// Slack: `{"text": "<one readable line with a link to the inbox>"}`.
pub fn payload(format: WebhookFormat, event: &WebhookEvent, inbox_url: &str) -> Value {
    match format {
        WebhookFormat::Generic => {
            let mut body = json!({
                "event": event.trigger.as_str(),
                "conversation": event.conversation,
                "bot": event.bot,
                "at": event.at,
                "inbox_url": inbox_url,
            });
            if let Some(deadline) = event.deadline {
                body["deadline"] = json!(deadline);
            }
            body
        }
        WebhookFormat::Slack => json!({ "text": slack_text(event, inbox_url) }),
    }
}

fn slack_text(event: &WebhookEvent, inbox_url: &str) -> String {
    let emoji = match event.trigger {
        Trigger::HelpRequested => ":raising_hand:",
        Trigger::NewConversation => ":speech_balloon:",
        Trigger::Unclaimed => ":hourglass:",
        Trigger::Transferred => ":arrows_counterclockwise:",
        Trigger::VisitorEnded => ":wave:",
        Trigger::OwnerGone => ":warning:",
    };
    format!(
        "{emoji} {} (bot {}, conversation {}).{} <{}|Open the inbox>",
        summary(event.trigger),
        slack_escape(event.bot.as_str()),
        slack_escape(&short_id(&event.conversation)),
        answer_within(event),
        slack_escape(inbox_url)
    )
}

/// What happened, in a few words: no markup, no message text, no names.
pub fn summary(trigger: Trigger) -> &'static str {
    match trigger {
        Trigger::HelpRequested => "A visitor is asking for a person",
        Trigger::NewConversation => "New conversation",
        Trigger::Unclaimed => "Nobody has answered a visitor who asked for a person",
        Trigger::Transferred => "A conversation was transferred to a teammate",
        Trigger::VisitorEnded => "A visitor ended their chat with a person",
        Trigger::OwnerGone => "A conversation's operator is gone; the visitor is waiting again",
    }
}

/// ` Answer within 2 min.` for a help request with a deadline, else empty.
pub fn answer_within(event: &WebhookEvent) -> String {
    event
        .deadline
        .map(|d| d.0.saturating_sub(event.at.0) / 1000)
        .filter(|secs| *secs > 0)
        .map(|secs| format!(" Answer within {}.", human_duration(secs)))
        .unwrap_or_default()
}

/// The first characters of a conversation id: enough to tell chats apart
/// in a team channel.
pub fn short_id(conversation: &ConversationId) -> String {
    conversation.as_str().chars().take(8).collect()
}

fn human_duration(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s => format!("{} min", s / 60),
    }
}

/// Slack's three control characters in message text.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Why a delivery gave up.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the receiver answered {status} after {attempts} attempt(s)")]
    Status { status: u16, attempts: u32 },
    /// The cause is described without the URL (it may hold a token).
    #[error("{cause} after {attempts} attempt(s)")]
    Network { cause: String, attempts: u32 },
}

/// Whether an answer is worth another attempt: the receiver is overloaded
/// or broken for now. Other 4xx mean the request itself is wrong.
pub fn retryable(status: u16) -> bool {
    status == 429 || status == 408 || (500..=599).contains(&status)
}

/// The wait before attempt `attempt + 1` (attempts count from 1).
pub fn backoff(target: &WebhookTarget, attempt: u32) -> Duration {
    let factor = 2u64.saturating_pow(attempt.saturating_sub(1));
    Duration::from_millis(target.backoff_ms.saturating_mul(factor)).min(MAX_BACKOFF)
}

/// POSTs `body` to `target` until it is accepted (2xx), a non-retryable
/// answer comes back, or the attempts run out. Returns the attempts used.
pub async fn deliver(
    client: &reqwest::Client,
    target: &WebhookTarget,
    delivery_id: &str,
    body: &Value,
) -> Result<u32, WebhookError> {
    let attempts = target.attempts.max(1);
    let mut attempt = 0;
    loop {
        attempt += 1;
        let sent = client
            .post(&target.url)
            .timeout(Duration::from_millis(target.timeout_ms))
            .header("x-baton-delivery", delivery_id)
            .json(body)
            .send()
            .await;
        let failure = match sent {
            Ok(response) if response.status().is_success() => return Ok(attempt),
            Ok(response) => {
                let status = response.status().as_u16();
                if !retryable(status) || attempt >= attempts {
                    return Err(WebhookError::Status {
                        status,
                        attempts: attempt,
                    });
                }
                format!("status {status}")
            }
            Err(err) => {
                let cause = describe(&err);
                if attempt >= attempts {
                    return Err(WebhookError::Network {
                        cause,
                        attempts: attempt,
                    });
                }
                cause
            }
        };
        let wait = backoff(target, attempt);
        tracing::debug!(
            target = %target.redacted_url(),
            attempt,
            %failure,
            wait_ms = wait.as_millis() as u64,
            "webhook attempt failed; retrying"
        );
        tokio::time::sleep(wait).await;
    }
}

/// A reqwest error without its URL.
pub(crate) fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_decode() {
        "unreadable answer"
    } else if err.is_body() || err.is_request() {
        "request failed"
    } else {
        "network error"
    };
    // The innermost cause (refused, DNS, TLS) says what went wrong; the
    // outer layers only repeat it with the URL, which is not logged.
    let mut cause = String::new();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {cause}")
    }
}

/// A help request, for tests here and in `center.rs`.
#[cfg(test)]
pub(crate) fn sample_help() -> WebhookEvent {
    WebhookEvent {
        trigger: Trigger::HelpRequested,
        conversation: ConversationId("c0ffee12345".into()),
        bot: BotId("demo".into()),
        at: Timestamp(1_000_000),
        deadline: Some(Timestamp(1_120_000)),
        seq: Some(Seq(4)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help() -> WebhookEvent {
        sample_help()
    }

    #[test]
    fn generic_body_has_the_documented_fields_and_nothing_else() {
        let body = payload(WebhookFormat::Generic, &help(), "https://baton.example/inbox/");
        assert_eq!(
            body,
            json!({
                "event": "help_requested",
                "conversation": "c0ffee12345",
                "bot": "demo",
                "at": 1_000_000,
                "deadline": 1_120_000,
                "inbox_url": "https://baton.example/inbox/",
            })
        );
        let new = WebhookEvent {
            trigger: Trigger::NewConversation,
            deadline: None,
            seq: None,
            ..help()
        };
        let body = payload(WebhookFormat::Generic, &new, "u");
        assert_eq!(body["event"], "new_conversation");
        assert!(body.get("deadline").is_none());
    }

    #[test]
    fn slack_body_is_one_line_with_a_link() {
        let body = payload(WebhookFormat::Slack, &help(), "https://baton.example/inbox/");
        let text = body["text"].as_str().unwrap();
        assert_eq!(body.as_object().unwrap().len(), 1);
        assert!(text.contains("asking for a person"), "{text}");
        assert!(text.contains("conversation c0ffee12"), "{text}");
        assert!(text.contains("Answer within 2 min."), "{text}");
        assert!(
            text.ends_with("<https://baton.example/inbox/|Open the inbox>"),
            "{text}"
        );
        assert!(!text.contains('\n'));
    }

    #[test]
    fn slack_control_characters_are_escaped() {
        let mut event = help();
        event.bot = BotId("a<b>&c".into());
        let text = payload(WebhookFormat::Slack, &event, "u")["text"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(text.contains("a&lt;b&gt;&amp;c"), "{text}");
    }

    #[test]
    fn retry_policy() {
        assert!(retryable(500) && retryable(503) && retryable(429) && retryable(408));
        assert!(!retryable(400) && !retryable(404) && !retryable(410) && !retryable(200));
        let target = WebhookTarget::new("https://x.example", WebhookFormat::Generic);
        assert_eq!(backoff(&target, 1), Duration::from_secs(1));
        assert_eq!(backoff(&target, 2), Duration::from_secs(2));
        assert_eq!(backoff(&target, 3), Duration::from_secs(4));
        assert_eq!(backoff(&target, 40), MAX_BACKOFF);
    }

    #[test]
    fn delivery_ids_are_stable_and_distinct() {
        let a = help();
        assert_eq!(a.delivery_id(), a.clone().delivery_id());
        let b = WebhookEvent {
            seq: Some(Seq(9)),
            ..help()
        };
        assert_ne!(a.delivery_id(), b.delivery_id());
    }
}
