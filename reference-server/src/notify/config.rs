//! What the `notify` section of the config file holds. Every field has the
//! exact name it has in the file; secrets are never in the file itself, only
//! the names of the environment variables that hold them.
//!
//! ```toml
//! [notify]
//! telegram_api = "https://api.telegram.org"   # the default
//!
//! # Seeds the Notification center the first time the server starts on a
//! # database; after that channels are edited in the inbox (Settings).
//! [[notify.webhooks]]
//! url = "https://hooks.slack.com/services/…"
//! format = "slack"                       # or "generic" (the default)
//! on = ["help_requested"]                # default: help_requested, new_chat
//!
//! [notify.email]
//! smtp_host = "smtp.example.com"
//! smtp_port = 587
//! starttls = true
//! username_env = "BATON_SMTP_USER"
//! password_env = "BATON_SMTP_PASSWORD"
//! from = "Demo Shop <support@shop.example>"
//! site_name = "Demo Shop"
//! site_url = "https://shop.example/"
//! delay_secs = 300
//!
//! [notify.translate]
//! url = "http://127.0.0.1:5000"
//! api_key_env = "BATON_TRANSLATE_KEY"
//! ```

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Outbound notifications and the translate proxy. Everything is off unless
/// configured.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Where to POST when something needs an operator.
    #[serde(default)]
    pub webhooks: Vec<WebhookTarget>,
    /// The unread-reply email to visitors who left an address.
    #[serde(default)]
    pub email: Option<EmailConfig>,
    /// A LibreTranslate-compatible service for operators.
    #[serde(default)]
    pub translate: Option<TranslateConfig>,
    /// Where Telegram channels send (`{telegram_api}/bot{token}/sendMessage`)
    /// [default: https://api.telegram.org]; a stub's address in tests.
    #[serde(default)]
    pub telegram_api: Option<String>,
}

/// One webhook receiver.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookTarget {
    /// Where to POST. Often a secret itself (Slack's incoming-webhook URLs
    /// are), so it is never logged whole: see [`WebhookTarget::redacted_url`].
    pub url: String,
    #[serde(default)]
    pub format: WebhookFormat,
    /// Which events go to this target.
    #[serde(default = "all_triggers")]
    pub on: Vec<Trigger>,
    /// Time limit of one attempt.
    #[serde(default = "default_webhook_timeout_ms")]
    pub timeout_ms: u64,
    /// Attempts in all (1 = no retry). Network errors, 429 and 5xx are retried.
    #[serde(default = "default_attempts")]
    pub attempts: u32,
    /// The wait before the first retry; it doubles for each retry after.
    #[serde(default = "default_backoff_ms")]
    pub backoff_ms: u64,
}

impl std::fmt::Debug for WebhookTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookTarget")
            .field("url", &self.redacted_url())
            .field("format", &self.format)
            .field("on", &self.on)
            .field("timeout_ms", &self.timeout_ms)
            .field("attempts", &self.attempts)
            .field("backoff_ms", &self.backoff_ms)
            .finish()
    }
}

impl WebhookTarget {
    /// A target for `url` with every default.
    pub fn new(url: impl Into<String>, format: WebhookFormat) -> WebhookTarget {
        WebhookTarget {
            url: url.into(),
            format,
            on: all_triggers(),
            timeout_ms: default_webhook_timeout_ms(),
            attempts: default_attempts(),
            backoff_ms: default_backoff_ms(),
        }
    }

    /// `scheme://host[:port]/…`: what logs may show of the URL (paths and
    /// queries of webhook URLs often carry tokens).
    pub fn redacted_url(&self) -> String {
        redact_url(&self.url)
    }

    pub fn wants(&self, trigger: Trigger) -> bool {
        self.on.contains(&trigger)
    }
}

pub(crate) fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Drop `user:password@` too.
    let host = authority.rsplit('@').next().unwrap_or_default();
    let elided = if rest.len() > authority.len() { "/…" } else { "" };
    if scheme.is_empty() {
        format!("{host}{elided}")
    } else {
        format!("{scheme}://{host}{elided}")
    }
}

/// The body a webhook receives.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// `{"event", "conversation", "bot", "at", "inbox_url"}`.
    #[default]
    Generic,
    /// `{"text"}`: what Slack (and Mattermost, Rocket.Chat, Discord's
    /// `/slack` endpoint) incoming webhooks accept.
    Slack,
}

/// What a webhook or Notification center channel fires on. In the channel
/// API and the config file's `on`, a new conversation is `new_chat` (the
/// file also takes its older name, `new_conversation`); the generic webhook
/// body keeps calling it `new_conversation` (see [`Trigger::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A visitor asked for a person.
    HelpRequested,
    /// A visitor started a conversation.
    #[serde(rename = "new_chat", alias = "new_conversation")]
    NewConversation,
    /// A help request nobody claimed within half its response window.
    Unclaimed,
    /// An operator transferred a chat to a teammate.
    Transferred,
    /// The visitor ended a chat with a person and went back to the bot.
    VisitorEnded,
    /// A chat's owner is gone; the chat is waiting again.
    OwnerGone,
}

impl Trigger {
    /// Every trigger, in the order the inbox lists them.
    pub const ALL: [Trigger; 6] = [
        Trigger::HelpRequested,
        Trigger::NewConversation,
        Trigger::Unclaimed,
        Trigger::Transferred,
        Trigger::VisitorEnded,
        Trigger::OwnerGone,
    ];

    /// The `event` of a generic webhook body.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::HelpRequested => "help_requested",
            Trigger::NewConversation => "new_conversation",
            Trigger::Unclaimed => "unclaimed",
            Trigger::Transferred => "transferred",
            Trigger::VisitorEnded => "visitor_ended",
            Trigger::OwnerGone => "owner_gone",
        }
    }
}

fn all_triggers() -> Vec<Trigger> {
    vec![Trigger::HelpRequested, Trigger::NewConversation]
}

fn default_webhook_timeout_ms() -> u64 {
    5_000
}

fn default_attempts() -> u32 {
    3
}

fn default_backoff_ms() -> u64 {
    1_000
}

/// The SMTP relay and wording of the unread-reply email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    pub smtp_host: String,
    /// Default: 465 with `tls`, 587 with `starttls`, else 25.
    #[serde(default)]
    pub smtp_port: Option<u16>,
    /// Require STARTTLS (usually port 587).
    #[serde(default)]
    pub starttls: bool,
    /// Implicit TLS from the first byte (SMTPS, usually port 465). Neither
    /// this nor `starttls`: plain SMTP, for a relay on localhost or a
    /// private network only.
    #[serde(default)]
    pub tls: bool,
    /// The environment variable holding the SMTP user name, if the relay
    /// needs authentication.
    #[serde(default)]
    pub username_env: Option<String>,
    /// The environment variable holding the SMTP password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// The sender, `Name <address>` or a bare address.
    pub from: String,
    /// How long an operator's reply may stay unread before it is emailed.
    #[serde(default = "default_delay_secs")]
    pub delay_secs: u64,
    /// The same in milliseconds; wins over `delay_secs` when set.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// How the site names itself in the email ("Demo Shop").
    #[serde(default = "default_site_name")]
    pub site_name: String,
    /// Where the visitor goes back to the chat (the page with the widget).
    #[serde(default)]
    pub site_url: Option<String>,
    /// Time limit of one SMTP delivery.
    #[serde(default = "default_smtp_timeout_ms")]
    pub timeout_ms: u64,
}

impl EmailConfig {
    /// `--smtp host:port`: `file`'s settings on that plain-SMTP relay, or,
    /// without a file section, the defaults sending from `baton@localhost`.
    pub fn relay(relay: &str, file: Option<EmailConfig>) -> Result<EmailConfig, String> {
        let (host, port) = relay
            .rsplit_once(':')
            .and_then(|(h, p)| Some((h.to_owned(), p.parse::<u16>().ok()?)))
            .ok_or_else(|| format!("--smtp wants host:port, not {relay:?}"))?;
        let base = match file {
            Some(file) => file,
            None => serde_json::from_value(serde_json::json!({"smtp_host": host, "from": "Baton <baton@localhost>"}))
                .map_err(|e| e.to_string())?,
        };
        Ok(EmailConfig {
            smtp_host: host,
            smtp_port: Some(port),
            starttls: false,
            tls: false,
            ..base
        })
    }

    /// The port to connect to: `smtp_port`, or the usual one for the mode.
    pub fn port(&self) -> u16 {
        self.smtp_port.unwrap_or(if self.tls {
            465
        } else if self.starttls {
            587
        } else {
            25
        })
    }

    pub fn delay(&self) -> Duration {
        match self.delay_ms {
            Some(ms) => Duration::from_millis(ms),
            None => Duration::from_secs(self.delay_secs),
        }
    }
}

fn default_delay_secs() -> u64 {
    300
}

fn default_site_name() -> String {
    "our website".into()
}

fn default_smtp_timeout_ms() -> u64 {
    30_000
}

/// A LibreTranslate-compatible service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TranslateConfig {
    /// The service's base URL; requests go to `{url}/translate`.
    pub url: String,
    /// The environment variable holding the API key, if the service needs one.
    #[serde(default)]
    pub api_key_env: Option<String>,
    #[serde(default = "default_translate_timeout_ms")]
    pub timeout_ms: u64,
}

impl TranslateConfig {
    pub fn new(url: impl Into<String>) -> TranslateConfig {
        TranslateConfig {
            url: url.into(),
            api_key_env: None,
            timeout_ms: default_translate_timeout_ms(),
        }
    }
}

fn default_translate_timeout_ms() -> u64 {
    10_000
}

/// A configuration that cannot work, found at start-up rather than at the
/// first event.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotifyConfigError {
    #[error("notify.webhooks[{index}].url must be an http:// or https:// URL")]
    WebhookUrl { index: usize },
    #[error("notify.webhooks[{index}].attempts must be at least 1")]
    WebhookAttempts { index: usize },
    #[error("notify.email.from is not a valid mailbox: {0}")]
    EmailFrom(String),
    #[error("notify.email: `starttls` and `tls` are exclusive")]
    EmailTlsMode,
    #[error("notify.email: the environment variable {0} is not set")]
    MissingEnv(String),
    #[error("notify.email: username_env and password_env go together")]
    EmailCredentials,
    #[error("notify.translate.url must be an http:// or https:// URL")]
    TranslateUrl,
    #[error("notify.telegram_api must be an http:// or https:// URL")]
    TelegramApi,
}

pub(crate) fn is_http_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or_default();
    !rest.is_empty() && !rest.starts_with('/')
}

impl NotifyConfig {
    /// Checks what can be checked without sending anything: URL shapes,
    /// the sender address, and that named environment variables exist.
    pub fn validate(&self) -> Result<(), NotifyConfigError> {
        for (index, target) in self.webhooks.iter().enumerate() {
            if !is_http_url(&target.url) {
                return Err(NotifyConfigError::WebhookUrl { index });
            }
            if target.attempts == 0 {
                return Err(NotifyConfigError::WebhookAttempts { index });
            }
        }
        if let Some(email) = &self.email {
            email
                .from
                .parse::<lettre::message::Mailbox>()
                .map_err(|e| NotifyConfigError::EmailFrom(e.to_string()))?;
            if email.starttls && email.tls {
                return Err(NotifyConfigError::EmailTlsMode);
            }
            if email.username_env.is_some() != email.password_env.is_some() {
                return Err(NotifyConfigError::EmailCredentials);
            }
            for name in [&email.username_env, &email.password_env].into_iter().flatten() {
                if std::env::var_os(name).is_none() {
                    return Err(NotifyConfigError::MissingEnv(name.clone()));
                }
            }
        }
        if let Some(translate) = &self.translate {
            if !is_http_url(&translate.url) {
                return Err(NotifyConfigError::TranslateUrl);
            }
        }
        if self.telegram_api.as_deref().is_some_and(|url| !is_http_url(url)) {
            return Err(NotifyConfigError::TelegramApi);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smtp_flag_points_the_email_at_a_plain_relay() {
        let fresh = EmailConfig::relay("127.0.0.1:2525", None).expect("relay");
        assert_eq!((fresh.smtp_host.as_str(), fresh.port()), ("127.0.0.1", 2525));
        assert_eq!(fresh.from, "Baton <baton@localhost>");
        assert!(EmailConfig::relay("no-port", None).is_err());
    }

    #[test]
    fn minimal_config_takes_the_defaults() {
        let config: NotifyConfig = serde_json::from_str(
            r#"{
                "webhooks": [{"url": "https://hooks.example/abc"}],
                "email": {"smtp_host": "localhost", "from": "Shop <s@shop.example>"},
                "translate": {"url": "http://127.0.0.1:5000"}
            }"#,
        )
        .unwrap();
        let hook = &config.webhooks[0];
        assert_eq!(hook.format, WebhookFormat::Generic);
        assert_eq!(hook.on, vec![Trigger::HelpRequested, Trigger::NewConversation]);
        assert_eq!(hook.attempts, 3);
        let email = config.email.as_ref().unwrap();
        assert_eq!(email.port(), 25);
        assert!(!email.starttls && !email.tls);
        assert_eq!(email.delay(), Duration::from_secs(300));
        assert_eq!(config.translate.as_ref().unwrap().timeout_ms, 10_000);
        assert_eq!(config.validate(), Ok(()));
        assert_eq!(NotifyConfig::default(), serde_json::from_str("{}").unwrap());
    }

    #[test]
    fn delay_ms_wins_and_formats_parse() {
        let config: NotifyConfig = serde_json::from_str(
            r#"{
                "webhooks": [{"url": "https://x.example", "format": "slack", "on": ["help_requested"]}],
                "email": {"smtp_host": "h", "from": "a@b.example", "delay_secs": 9, "delay_ms": 250}
            }"#,
        )
        .unwrap();
        assert_eq!(config.webhooks[0].format, WebhookFormat::Slack);
        assert!(config.webhooks[0].wants(Trigger::HelpRequested));
        assert!(!config.webhooks[0].wants(Trigger::NewConversation));
        let email = config.email.unwrap();
        assert_eq!(email.delay(), Duration::from_millis(250));
        let tls = EmailConfig {
            tls: true,
            ..email.clone()
        };
        assert_eq!(tls.port(), 465);
        let starttls = EmailConfig {
            starttls: true,
            ..email.clone()
        };
        assert_eq!(starttls.port(), 587);
        let explicit = EmailConfig {
            smtp_port: Some(2525),
            ..starttls
        };
        assert_eq!(explicit.port(), 2525);
    }

    #[test]
    fn unknown_fields_and_bad_values_are_refused() {
        assert!(serde_json::from_str::<NotifyConfig>(r#"{"webhook": []}"#).is_err());
        assert!(serde_json::from_str::<NotifyConfig>(r#"{"webhooks": [{"url": "x", "format": "teams"}]}"#).is_err());
        let bad: NotifyConfig = serde_json::from_str(r#"{"webhooks": [{"url": "ftp://x"}]}"#).unwrap();
        assert_eq!(bad.validate(), Err(NotifyConfigError::WebhookUrl { index: 0 }));
        let bad: NotifyConfig =
            serde_json::from_str(r#"{"email": {"smtp_host": "h", "from": "not an address"}}"#).unwrap();
        assert!(matches!(bad.validate(), Err(NotifyConfigError::EmailFrom(_))));
        let bad: NotifyConfig = serde_json::from_str(
            r#"{"email": {"smtp_host": "h", "from": "a@b.example",
                "username_env": "BATON_TEST_SURELY_UNSET_U", "password_env": "BATON_TEST_SURELY_UNSET_P"}}"#,
        )
        .unwrap();
        assert_eq!(
            bad.validate(),
            Err(NotifyConfigError::MissingEnv("BATON_TEST_SURELY_UNSET_U".into()))
        );
    }

    #[test]
    fn urls_are_redacted_for_logs() {
        assert_eq!(
            redact_url("https://hooks.slack.com/services/T0/B0/secret"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            redact_url("http://user:pw@127.0.0.1:9/x?token=1"),
            "http://127.0.0.1:9/…"
        );
        assert_eq!(redact_url("http://127.0.0.1:9"), "http://127.0.0.1:9");
        let target = WebhookTarget::new("https://h.example/secret-path", WebhookFormat::Slack);
        assert!(!format!("{target:?}").contains("secret"));
    }
}
