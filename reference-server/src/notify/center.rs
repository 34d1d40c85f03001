//! The Notification center's deliveries: each channel kind gets its
//! service's own format — generic JSON and Slack as the webhooks always
//! sent, a Microsoft Teams Adaptive Card, a Telegram `sendMessage`, a
//! plain-text email — with the webhooks' guarantees: every delivery in its
//! own task, at most [`super::MAX_IN_FLIGHT`] under way, retries with
//! backoff for what is worth retrying.
//!
//! Privacy as for the webhooks (see `webhooks.rs`): no message text, no
//! visitor name or address leaves; a channel learns *that* people are
//! needed, and where to answer. URLs and the Telegram token are never logged.

use super::channel::{ChannelKind, DeliveryPolicy, NotifyChannel};
use super::config::{NotifyConfig, WebhookFormat, WebhookTarget};
use super::email::{EmailError, Mailer};
use super::webhooks::{self, WebhookError, WebhookEvent};
use super::{MAX_IN_FLIGHT, http_client};
use serde_json::{Value, json};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Telegram's Bot API, unless `notify.telegram_api` says otherwise.
pub const TELEGRAM_API: &str = "https://api.telegram.org";

/// How long the test button waits for a service.
const TEST_TIMEOUT_MS: u64 = 10_000;

/// Everything a delivery needs besides the channel. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Center {
    inbox_url: Arc<str>,
    telegram_api: Arc<str>,
    mailer: Option<Mailer>,
    in_flight: Arc<Semaphore>,
}

/// Why a delivery gave up, said so an admin can act on it (never with a
/// URL or token in it).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("{0}")]
    Http(#[from] WebhookError),
    #[error("{0}")]
    Email(#[from] EmailError),
    #[error("email is not set up on this server (the [notify.email] section of the config file)")]
    NoMailer,
    #[error("the channel is missing its {0}")]
    Incomplete(&'static str),
}

/// What a delivery says: an event, or the test message.
#[derive(Clone, Copy, Debug)]
pub enum Content<'a> {
    Event(&'a WebhookEvent),
    Test { channel: &'a str },
}

impl Center {
    /// `public_url` is the server's address as operators reach it; every
    /// message links to `{public_url}/inbox/`.
    pub fn new(config: &NotifyConfig, public_url: &str) -> Center {
        let mailer = config.email.clone().and_then(|email| match Mailer::new(email) {
            Ok(mailer) => Some(mailer),
            Err(err) => {
                tracing::error!(%err, "emails are off: the email settings do not work");
                None
            }
        });
        Center {
            inbox_url: format!("{}/inbox/", public_url.trim_end_matches('/')).into(),
            telegram_api: config
                .telegram_api
                .as_deref()
                .unwrap_or(TELEGRAM_API)
                .trim_end_matches('/')
                .into(),
            mailer,
            in_flight: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
        }
    }

    pub fn mailer(&self) -> Option<&Mailer> {
        self.mailer.as_ref()
    }

    pub fn inbox_url(&self) -> &str {
        &self.inbox_url
    }

    /// The bound on deliveries under way, shared with the unread-reply email.
    pub(crate) fn in_flight(&self) -> &Arc<Semaphore> {
        &self.in_flight
    }

    /// Sends `event` to every channel that wants it, each in its own task.
    pub fn dispatch(&self, channels: &[NotifyChannel], event: &WebhookEvent) {
        for channel in channels.iter().filter(|c| c.wants(event.trigger)) {
            let Ok(permit) = Arc::clone(&self.in_flight).try_acquire_owned() else {
                tracing::warn!(channel = %channel.id, event = event.trigger.as_str(),
                    "too many notifications under way; one dropped");
                continue;
            };
            let (center, channel, event) = (self.clone(), channel.clone(), event.clone());
            tokio::spawn(async move {
                let _permit = permit;
                let trigger = event.trigger.as_str();
                match center.deliver(&channel, Content::Event(&event), channel.delivery).await {
                    Ok(()) => tracing::debug!(channel = %channel.id, event = trigger, "notification delivered"),
                    Err(err) => {
                        tracing::warn!(channel = %channel.id, event = trigger, %err, "notification not delivered")
                    }
                }
            });
        }
    }

    /// Sends the test message once, waiting for the answer.
    pub async fn test(&self, channel: &NotifyChannel) -> Result<(), DeliveryError> {
        let policy = DeliveryPolicy {
            attempts: 1,
            timeout_ms: channel.delivery.timeout_ms.min(TEST_TIMEOUT_MS),
            ..channel.delivery
        };
        self.deliver(channel, Content::Test { channel: &channel.name }, policy)
            .await
    }

    /// One delivery, retried as `policy` says.
    pub async fn deliver(
        &self,
        channel: &NotifyChannel,
        content: Content<'_>,
        policy: DeliveryPolicy,
    ) -> Result<(), DeliveryError> {
        let inbox = self.inbox_url.as_ref();
        let (url, body) = match channel.kind {
            ChannelKind::Email => {
                let mailer = self.mailer.as_ref().ok_or(DeliveryError::NoMailer)?;
                let (subject, text) = email_notice(content, inbox);
                mailer.send_notice(&channel.recipients, &subject, &text).await?;
                return Ok(());
            }
            ChannelKind::Telegram => {
                let token = channel
                    .bot_token
                    .as_deref()
                    .ok_or(DeliveryError::Incomplete("bot token"))?;
                let chat = channel.chat_id.as_deref().ok_or(DeliveryError::Incomplete("chat id"))?;
                let url = format!("{}/bot{token}/sendMessage", self.telegram_api);
                (url, telegram_message(chat, content, inbox))
            }
            ChannelKind::Webhook | ChannelKind::Slack | ChannelKind::Teams => {
                let url = channel.url.clone().ok_or(DeliveryError::Incomplete("URL"))?;
                let body = match channel.kind {
                    ChannelKind::Teams => teams_card(content, inbox),
                    ChannelKind::Slack => slack_body(content, inbox),
                    _ => generic_body(content, inbox),
                };
                (url, body)
            }
        };
        let target = WebhookTarget {
            url,
            format: WebhookFormat::Generic,
            on: Vec::new(),
            timeout_ms: policy.timeout_ms,
            attempts: policy.attempts,
            backoff_ms: policy.backoff_ms,
        };
        let delivery = match content {
            // Today's id, so receivers that drop repeats keep working.
            Content::Event(event) => event.delivery_id(),
            Content::Test { .. } => format!("{}:test:{}", channel.id, crate::clock::now().0),
        };
        webhooks::deliver(http_client(), &target, &delivery, &body).await?;
        Ok(())
    }
}

/// One line saying what happened, without markup.
pub fn headline(content: Content<'_>) -> String {
    match content {
        Content::Event(event) => format!(
            "{}.{}",
            webhooks::summary(event.trigger),
            webhooks::answer_within(event)
        ),
        Content::Test { channel } => {
            format!("Test message from Baton: the channel \u{201c}{channel}\u{201d} works.")
        }
    }
}

/// `Bot: demo · Conversation: c0ffee12`, or nothing for the test.
fn facts(content: Content<'_>) -> Vec<(&'static str, String)> {
    match content {
        Content::Event(event) => vec![
            ("Bot", event.bot.to_string()),
            ("Conversation", webhooks::short_id(&event.conversation)),
        ],
        Content::Test { .. } => Vec::new(),
    }
}

fn generic_body(content: Content<'_>, inbox: &str) -> Value {
    match content {
        Content::Event(event) => webhooks::payload(WebhookFormat::Generic, event, inbox),
        Content::Test { channel } => json!({
            "event": "test",
            "channel": channel,
            "at": crate::clock::now(),
            "inbox_url": inbox,
        }),
    }
}

fn slack_body(content: Content<'_>, inbox: &str) -> Value {
    match content {
        Content::Event(event) => webhooks::payload(WebhookFormat::Slack, event, inbox),
        Content::Test { .. } => {
            let text = headline(content)
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            json!({ "text": format!(":white_check_mark: {text} <{inbox}|Open the inbox>") })
        }
    }
}

/// A Microsoft Teams incoming-webhook message carrying one Adaptive Card.
pub fn teams_card(content: Content<'_>, inbox: &str) -> Value {
    let mut body = vec![json!({
        "type": "TextBlock",
        "text": headline(content),
        "weight": "Bolder",
        "wrap": true,
    })];
    let facts: Vec<Value> = facts(content)
        .into_iter()
        .map(|(title, value)| json!({"title": title, "value": value}))
        .collect();
    if !facts.is_empty() {
        body.push(json!({"type": "FactSet", "facts": facts}));
    }
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "type": "AdaptiveCard",
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "version": "1.4",
                "body": body,
                "actions": [{"type": "Action.OpenUrl", "title": "Open in inbox", "url": inbox}],
            },
        }],
    })
}

/// Plain text (no `parse_mode`, so nothing in it is read as markup).
pub fn telegram_message(chat_id: &str, content: Content<'_>, inbox: &str) -> Value {
    json!({
        "chat_id": chat_id,
        "text": plain_text(content, inbox),
        "disable_web_page_preview": true,
    })
}

fn plain_text(content: Content<'_>, inbox: &str) -> String {
    let mut text = headline(content);
    for (title, value) in facts(content) {
        text.push_str(&format!("\n{title}: {value}"));
    }
    text.push_str(&format!("\nOpen the inbox: {inbox}"));
    text
}

/// Subject and body of an email channel's notice.
pub fn email_notice(content: Content<'_>, inbox: &str) -> (String, String) {
    let subject = match content {
        Content::Event(event) => format!("[Baton] {}", webhooks::summary(event.trigger)),
        Content::Test { .. } => "[Baton] Test message".to_owned(),
    };
    let body = format!(
        "{}\n\nYou receive this because this address is on a Baton notification channel.\n",
        plain_text(content, inbox)
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn help() -> WebhookEvent {
        crate::notify::webhooks::sample_help()
    }

    #[test]
    fn teams_gets_an_adaptive_card_with_a_link() {
        let card = teams_card(Content::Event(&help()), "https://b.example/inbox/");
        assert_eq!(card["type"], "message");
        let attachment = &card["attachments"][0];
        assert_eq!(attachment["contentType"], "application/vnd.microsoft.card.adaptive");
        let content = &attachment["content"];
        assert_eq!(
            (content["type"].as_str(), content["version"].as_str()),
            (Some("AdaptiveCard"), Some("1.4"))
        );
        let text = content["body"][0]["text"].as_str().unwrap();
        assert_eq!(text, "A visitor is asking for a person. Answer within 2 min.");
        assert_eq!(content["body"][1]["facts"][1]["value"], "c0ffee12");
        assert_eq!(content["actions"][0]["type"], "Action.OpenUrl");
        assert_eq!(content["actions"][0]["url"], "https://b.example/inbox/");
    }

    #[test]
    fn telegram_and_email_are_plain_text() {
        let message = telegram_message("-100", Content::Event(&help()), "https://b.example/inbox/");
        assert_eq!(message["chat_id"], "-100");
        assert_eq!(message["disable_web_page_preview"], true);
        assert!(message.get("parse_mode").is_none());
        let text = message["text"].as_str().unwrap();
        assert!(text.starts_with("A visitor is asking for a person."), "{text}");
        assert!(
            text.contains("Conversation: c0ffee12\nOpen the inbox: https://b.example/inbox/"),
            "{text}"
        );
        let (subject, body) = email_notice(Content::Test { channel: "Ops" }, "u");
        assert_eq!(subject, "[Baton] Test message");
        assert!(body.contains("\u{201c}Ops\u{201d} works."), "{body}");
    }
}
