//! A Notification center channel: where the server tells a team that people
//! are needed (a generic webhook, Slack, Microsoft Teams, Telegram, email)
//! and which events it wants. Channels live in the database and are edited
//! by admins in the inbox; the config file's `[[notify.webhooks]]` only seed
//! them the first time the server starts on a database.
//!
//! This module is the data and its checks; `center.rs` delivers and
//! `channels_api.rs` is the HTTP face.

use super::config::{Trigger, WebhookFormat, WebhookTarget, is_http_url};
use serde::{Deserialize, Serialize};

/// Which service a channel talks to; each gets its own message format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    /// Today's generic JSON body (see `webhooks::payload`).
    Webhook,
    /// Slack-compatible `{"text"}`.
    Slack,
    /// A Microsoft Teams incoming webhook: an Adaptive Card message.
    Teams,
    /// A Telegram bot's `sendMessage` to one chat.
    Telegram,
    /// A plain-text mail through the server's SMTP relay (`[notify.email]`).
    Email,
}

impl ChannelKind {
    /// Kinds that POST to a URL the admin gives.
    pub fn has_url(self) -> bool {
        matches!(self, ChannelKind::Webhook | ChannelKind::Slack | ChannelKind::Teams)
    }
}

/// How hard a delivery tries. Not part of the HTTP shape: channels made in
/// the inbox take the defaults, channels seeded from the config file keep
/// what the file said.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPolicy {
    pub timeout_ms: u64,
    pub attempts: u32,
    pub backoff_ms: u64,
}

impl Default for DeliveryPolicy {
    fn default() -> Self {
        let defaults = WebhookTarget::new("", WebhookFormat::Generic);
        DeliveryPolicy {
            timeout_ms: defaults.timeout_ms,
            attempts: defaults.attempts,
            backoff_ms: defaults.backoff_ms,
        }
    }
}

/// One stored channel, secrets included (the Telegram token): never sent
/// out as is — see [`ChannelView`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyChannel {
    pub id: String,
    pub kind: ChannelKind,
    pub name: String,
    /// Webhook, Slack, Teams: where to POST (often a secret itself).
    #[serde(default)]
    pub url: Option<String>,
    /// Telegram: the chat to post in.
    #[serde(default)]
    pub chat_id: Option<String>,
    /// Telegram: the bot's token. Write-only over HTTP, never logged.
    #[serde(default)]
    pub bot_token: Option<String>,
    /// Email: who gets the mail.
    #[serde(default)]
    pub recipients: Vec<String>,
    pub events: Vec<Trigger>,
    pub enabled: bool,
    #[serde(default)]
    pub delivery: DeliveryPolicy,
}

impl std::fmt::Debug for NotifyChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifyChannel")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("url", &self.url.as_deref().map(super::config::redact_url))
            .field("bot_token_set", &self.bot_token.is_some())
            .field("events", &self.events)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl NotifyChannel {
    pub fn wants(&self, event: Trigger) -> bool {
        self.enabled && self.events.contains(&event)
    }

    /// A channel made from one of the config file's webhooks.
    pub fn from_webhook(id: String, index: usize, target: &WebhookTarget) -> NotifyChannel {
        let (kind, label) = match target.format {
            WebhookFormat::Generic => (ChannelKind::Webhook, "Webhook"),
            WebhookFormat::Slack => (ChannelKind::Slack, "Slack"),
        };
        NotifyChannel {
            id,
            kind,
            name: format!("{label} {} (from the config file)", index + 1),
            url: Some(target.url.clone()),
            chat_id: None,
            bot_token: None,
            recipients: Vec::new(),
            events: target.on.clone(),
            enabled: true,
            delivery: DeliveryPolicy {
                timeout_ms: target.timeout_ms,
                attempts: target.attempts,
                backoff_ms: target.backoff_ms,
            },
        }
    }

    /// What an admin sees: everything but the token.
    pub fn view(&self) -> ChannelView {
        ChannelView {
            id: self.id.clone(),
            kind: self.kind,
            name: self.name.clone(),
            url: self.url.clone(),
            chat_id: self.chat_id.clone(),
            bot_token_set: self.bot_token.is_some(),
            recipients: self.recipients.clone(),
            events: self.events.clone(),
            enabled: self.enabled,
        }
    }
}

/// The channel as the HTTP API shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelView {
    pub id: String,
    pub kind: ChannelKind,
    pub name: String,
    pub url: Option<String>,
    pub chat_id: Option<String>,
    pub bot_token_set: bool,
    pub recipients: Vec<String>,
    pub events: Vec<Trigger>,
    pub enabled: bool,
}

/// What an admin sends to create or replace a channel. Fields of other
/// kinds, `id` and `bot_token_set` (a client may send back what it read)
/// are ignored.
#[derive(Clone, Deserialize)]
pub struct ChannelInput {
    pub kind: ChannelKind,
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub chat_id: Option<String>,
    /// Telegram: a new token; omitted or null keeps the stored one.
    #[serde(default)]
    pub bot_token: Option<String>,
    #[serde(default)]
    pub recipients: Vec<String>,
    pub events: Vec<Trigger>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl std::fmt::Debug for ChannelInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelInput")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("bot_token_set", &self.bot_token.is_some())
            .finish_non_exhaustive()
    }
}

fn yes() -> bool {
    true
}

/// The most addresses one email channel mails.
pub const MAX_RECIPIENTS: usize = 20;

impl ChannelInput {
    /// Checks the input and builds the channel to store. `before` is the
    /// stored channel a PUT replaces (it keeps its token and delivery policy).
    pub fn into_channel(self, id: String, before: Option<&NotifyChannel>) -> Result<NotifyChannel, String> {
        let name = self.name.trim().to_owned();
        if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
            return Err("The name needs 1 to 60 characters on one line.".into());
        }
        if self.events.is_empty() {
            return Err("Choose at least one event for this channel.".into());
        }
        let mut events = self.events;
        events.sort_by_key(|e| e.as_str());
        events.dedup();
        let mut channel = NotifyChannel {
            id,
            kind: self.kind,
            name,
            url: None,
            chat_id: None,
            bot_token: None,
            recipients: Vec::new(),
            events,
            enabled: self.enabled,
            delivery: before.map(|b| b.delivery).unwrap_or_default(),
        };
        match self.kind {
            ChannelKind::Webhook | ChannelKind::Slack | ChannelKind::Teams => {
                let url = self.url.map(|u| u.trim().to_owned()).unwrap_or_default();
                if !is_http_url(&url) || url.len() > 2_000 {
                    return Err("The URL must be an http:// or https:// address.".into());
                }
                channel.url = Some(url);
            }
            ChannelKind::Telegram => {
                let chat = self.chat_id.map(|c| c.trim().to_owned()).unwrap_or_default();
                if chat.is_empty() || chat.len() > 64 || chat.chars().any(char::is_whitespace) {
                    return Err("A Telegram channel needs a chat_id (a number or @channelname).".into());
                }
                channel.chat_id = Some(chat);
                let kept = before
                    .filter(|b| b.kind == ChannelKind::Telegram)
                    .and_then(|b| b.bot_token.clone());
                let token = match self.bot_token.map(|t| t.trim().to_owned()) {
                    Some(token) => {
                        // It becomes part of a URL path: only what Telegram issues.
                        let shaped = !token.is_empty()
                            && token.len() <= 100
                            && token.contains(':')
                            && token.chars().all(|c| c.is_ascii_alphanumeric() || "_-:".contains(c));
                        if !shaped {
                            return Err("The bot token does not look like one BotFather issues (123456:ABC…).".into());
                        }
                        token
                    }
                    None => kept.ok_or("A Telegram channel needs the bot's token (bot_token).")?,
                };
                channel.bot_token = Some(token);
            }
            ChannelKind::Email => {
                let recipients: Vec<String> = self
                    .recipients
                    .iter()
                    .map(|r| r.trim().to_owned())
                    .filter(|r| !r.is_empty())
                    .collect();
                if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
                    return Err(format!("An email channel needs 1 to {MAX_RECIPIENTS} recipients."));
                }
                if let Some(bad) = recipients.iter().find(|r| r.parse::<lettre::Address>().is_err()) {
                    return Err(format!("{bad:?} is not an email address."));
                }
                channel.recipients = recipients;
            }
        }
        Ok(channel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(value: serde_json::Value) -> ChannelInput {
        serde_json::from_value(value).expect("input")
    }

    #[test]
    fn telegram_keeps_its_token_and_never_shows_it() {
        let first = input(
            json!({"kind": "telegram", "name": "Ops", "chat_id": "-100", "bot_token": "123:abc",
            "events": ["help_requested"]}),
        )
        .into_channel("ch-1".into(), None)
        .unwrap();
        let view = serde_json::to_string(&first.view()).unwrap();
        assert!(
            !view.contains("123:abc") && view.contains(r#""bot_token_set":true"#),
            "{view}"
        );
        assert!(!format!("{first:?}").contains("abc"));
        let edit = input(
            json!({"kind": "telegram", "name": "Ops 2", "chat_id": "-100", "events": ["unclaimed"],
            "bot_token_set": true, "id": "x"}),
        )
        .into_channel("ch-1".into(), Some(&first))
        .unwrap();
        assert_eq!(edit.bot_token.as_deref(), Some("123:abc"));
        let no_token = input(json!({"kind": "telegram", "name": "T", "chat_id": "1", "events": ["new_chat"]}));
        assert!(no_token.into_channel("c".into(), None).is_err());
        let bad = input(
            json!({"kind": "telegram", "name": "T", "chat_id": "1", "bot_token": "../x",
            "events": ["new_chat"]}),
        );
        assert!(bad.into_channel("c".into(), None).is_err());
    }

    #[test]
    fn each_kind_needs_its_own_fields() {
        let url = input(json!({"kind": "teams", "name": "T", "url": "ftp://x", "events": ["owner_gone"]}));
        assert!(url.into_channel("c".into(), None).unwrap_err().contains("http"));
        let mail = input(json!({"kind": "email", "name": "M", "recipients": ["nope"], "events": ["new_chat"]}));
        assert!(mail.into_channel("c".into(), None).is_err());
        let none = input(json!({"kind": "slack", "name": "S", "url": "https://h.example", "events": []}));
        assert!(none.into_channel("c".into(), None).is_err());
        let ok = input(json!({"kind": "email", "name": "M", "recipients": [" a@b.example "],
            "events": ["visitor_ended", "visitor_ended"], "url": "https://ignored.example"}))
        .into_channel("c".into(), None)
        .unwrap();
        assert_eq!(
            (ok.recipients, ok.url, ok.events),
            (vec!["a@b.example".to_owned()], None, vec![Trigger::VisitorEnded])
        );
    }
}
