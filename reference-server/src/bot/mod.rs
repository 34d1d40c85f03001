//! Bots answer visitors while no person owns the chat. One trait, so the
//! built-in bot, a webhook bot and an LLM-backed bot plug in the same way.
//!
//! Engines, chosen per bot by [`BotEngineConfig`] and made by [`build`]:
//!
//! - `rules`: [`RuleBot`], a few hard-coded demo answers;
//! - `faq`: [`faq::FaqBot`], answers from a knowledge file, whose
//!   [`faq::KnowledgeBase`] also drafts replies for operators;
//! - `webhook`: [`webhook::WebhookBot`], your own HTTP endpoint;
//! - `open_ai`: [`openai::OpenAiBot`], any OpenAI-compatible chat API;
//! - `none`: no bot, people answer every chat.
//!
//! The bots never decide who owns the chat: they return a [`BotReply`], and
//! the hub drops it if a person took the chat meanwhile.

pub mod faq;
mod http;
pub mod openai;
pub mod webhook;

use baton_protocol::{Author, ConversationEvent, EventBody};
use serde::Deserialize;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// What a bot sees for one turn.
#[derive(Clone, Debug)]
pub struct BotTurn {
    pub bot: baton_protocol::BotId,
    pub conversation: baton_protocol::ConversationId,
    /// The visitor's latest message.
    pub text: String,
    /// The conversation so far, oldest first (at most [`HISTORY_FOR_BOT`]
    /// events, the latest message included).
    pub history: Vec<baton_protocol::ConversationEvent>,
    /// Whether a person could be offered right now.
    pub human_available: bool,
    /// Whether the bot's settings let a chat be handed to a person at all
    /// (a bot may not ask for one when they do not).
    pub handover_enabled: bool,
}

/// How many recent events a bot is shown.
pub const HISTORY_FOR_BOT: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotReply {
    pub text: String,
    /// Offer "Talk to a human" inline with this reply.
    pub offer_human: bool,
    /// The bot asks for a person itself, with why and how urgently
    /// (PROTOCOL.md §7.14).
    pub handover: Option<baton_protocol::followup::BotHandover>,
}

pub trait Bot: Send + Sync + std::fmt::Debug {
    fn reply(&self, turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>>;
    /// How many recent events [`BotTurn::history`] holds: a bot that reads
    /// less says so, and its turns read (and decode) less from the store.
    fn history_wanted(&self) -> usize {
        HISTORY_FOR_BOT
    }
}

/// A small rule-based bot for the demo shop: answers a few topics by keyword
/// and offers a person when asked or when it does not know.
#[derive(Debug, Default)]
pub struct RuleBot;

const RULES: &[(&[&str], &str)] = &[
    (
        &["ship", "deliver", "delivery", "postage"],
        "We ship within 1–2 working days. Standard delivery takes 3–5 days and is free over €50.",
    ),
    (
        &["return", "refund", "exchange"],
        "You can return anything unworn within 30 days for a full refund. Start a return from your order page.",
    ),
    (
        &["size", "sizing", "fit"],
        "Our sizes run true to fit. Each product page has a size chart with measurements in cm and inches.",
    ),
    (
        &["hello", "hi", "hey", "good morning", "good afternoon"],
        "Hello! I'm the shop assistant. Ask me about shipping, returns or sizing.",
    ),
];

const ASK_FOR_PERSON: &[&str] = &["human", "person", "agent", "someone", "real", "operator", "staff"];

impl RuleBot {
    pub fn answer(&self, turn: &BotTurn) -> BotReply {
        let text = turn.text.to_lowercase();
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let mentions = |keys: &[&str]| keys.iter().any(|k| words.iter().any(|w| w.starts_with(k)));
        if mentions(ASK_FOR_PERSON) {
            return if turn.human_available {
                BotReply {
                    text: "Of course — I can connect you with a person from our team.".into(),
                    offer_human: true,
                    handover: None,
                }
            } else {
                BotReply {
                    text: "Nobody from the team is online right now, but I'm happy to keep helping.".into(),
                    offer_human: false,
                    handover: None,
                }
            };
        }
        for (keys, answer) in RULES {
            if mentions(keys) {
                return BotReply {
                    text: (*answer).into(),
                    offer_human: false,
                    handover: None,
                };
            }
        }
        BotReply {
            text: "I'm not sure about that one. I can help with shipping, returns and sizing.".into(),
            offer_human: turn.human_available,
            handover: None,
        }
    }
}

impl Bot for RuleBot {
    fn reply(&self, turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>> {
        Box::pin(async move { self.answer(&turn) })
    }
    /// It answers the last message alone.
    fn history_wanted(&self) -> usize {
        0
    }
}

/// Which engine answers for a bot, as written in the config file:
///
/// ```toml
/// engine = { kind = "rules" }
/// engine = { kind = "faq", knowledge = "knowledge.toml" }   # relative to the config file
/// engine = { kind = "webhook", url = "https://bots.example.com/shop", timeout_ms = 5000, retries = 2 }
/// engine = { kind = "open_ai", base_url = "https://api.openai.com/v1", model = "gpt-4o-mini",
///            api_key_env = "OPENAI_API_KEY", system_prompt = "You are …", timeout_ms = 20000 }
/// engine = { kind = "none" }                                 # human-only: no bot
/// ```
///
/// `openai` is accepted as a spelling of `open_ai`. Unknown keys are errors.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BotEngineConfig {
    /// The default: the demo's engine when the config names none.
    #[default]
    Rules,
    Faq {
        knowledge: PathBuf,
    },
    Webhook {
        url: String,
        #[serde(default = "default_webhook_timeout_ms")]
        timeout_ms: u64,
        #[serde(default = "default_webhook_retries")]
        retries: u32,
    },
    #[serde(alias = "openai")]
    OpenAi {
        base_url: String,
        model: String,
        /// The NAME of the environment variable holding the API key; the key
        /// itself never goes in the file.
        api_key_env: String,
        #[serde(default)]
        system_prompt: Option<String>,
        #[serde(default = "default_openai_timeout_ms")]
        timeout_ms: u64,
    },
    None,
}

/// Per attempt.
pub const DEFAULT_WEBHOOK_TIMEOUT_MS: u64 = 5_000;
pub const DEFAULT_WEBHOOK_RETRIES: u32 = 2;
/// Completions are slow; the visitor sees the typing indicator meanwhile.
pub const DEFAULT_OPENAI_TIMEOUT_MS: u64 = 20_000;

fn default_webhook_timeout_ms() -> u64 {
    DEFAULT_WEBHOOK_TIMEOUT_MS
}
fn default_webhook_retries() -> u32 {
    DEFAULT_WEBHOOK_RETRIES
}
fn default_openai_timeout_ms() -> u64 {
    DEFAULT_OPENAI_TIMEOUT_MS
}

/// A configured engine, ready to run.
#[derive(Clone, Debug, Default)]
pub struct BuiltBot {
    /// Who answers visitors (`None`: nobody — the bot is human-only).
    pub engine: Option<Arc<dyn Bot>>,
    /// The knowledge base, for drafting operator replies
    /// ([`faq::KnowledgeBase::suggest`]); only the `faq` engine has one.
    pub knowledge: Option<Arc<faq::KnowledgeBase>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("knowledge file {}: {source}", path.display())]
    Knowledge { path: PathBuf, source: faq::KnowledgeError },
    #[error("the environment variable {var} (api_key_env) is not set or empty: it must hold the API key")]
    MissingApiKey { var: String },
    /// The URL itself is left out: it may carry a token.
    #[error("invalid {what}: {reason}")]
    InvalidUrl { what: &'static str, reason: String },
    #[error("{0}")]
    Invalid(String),
    #[error("could not set up the HTTP client: {0}")]
    HttpClient(#[source] reqwest::Error),
}

/// Makes the engine `config` describes. Relative knowledge paths are
/// resolved against `base_dir` (the config file's directory); the OpenAI key
/// is read from the environment now, so a missing key fails at start-up.
pub fn build(config: &BotEngineConfig, base_dir: &Path) -> Result<BuiltBot, BotError> {
    Ok(match config {
        BotEngineConfig::Rules => BuiltBot {
            engine: Some(Arc::new(RuleBot)),
            knowledge: None,
        },
        BotEngineConfig::Faq { knowledge } => {
            let path = base_dir.join(knowledge);
            let kb = faq::KnowledgeBase::load(&path).map_err(|source| BotError::Knowledge { path, source })?;
            let kb = Arc::new(kb);
            BuiltBot {
                engine: Some(Arc::new(faq::FaqBot::new(Arc::clone(&kb)))),
                knowledge: Some(kb),
            }
        }
        BotEngineConfig::Webhook {
            url,
            timeout_ms,
            retries,
        } => BuiltBot {
            engine: Some(Arc::new(webhook::WebhookBot::new(
                url,
                Duration::from_millis(*timeout_ms),
                *retries,
            )?)),
            knowledge: None,
        },
        BotEngineConfig::OpenAi {
            base_url,
            model,
            api_key_env,
            system_prompt,
            timeout_ms,
        } => {
            let missing = || BotError::MissingApiKey {
                var: api_key_env.clone(),
            };
            if api_key_env.trim().is_empty() {
                return Err(BotError::Invalid("open_ai api_key_env is empty".into()));
            }
            let key = std::env::var(api_key_env).map_err(|_| missing())?;
            if key.trim().is_empty() {
                return Err(missing());
            }
            BuiltBot {
                engine: Some(Arc::new(openai::OpenAiBot::new(
                    base_url,
                    model,
                    &key,
                    system_prompt.as_deref(),
                    Duration::from_millis(*timeout_ms),
                )?)),
                knowledge: None,
            }
        }
        BotEngineConfig::None => BuiltBot::default(),
    })
}

/// Who wrote a message, as the external bots are told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Speaker<'a> {
    Visitor,
    Bot,
    Operator { name: &'a str },
}

/// The chat messages of a history, oldest first; messages by an author
/// this build does not know are skipped.
pub(crate) fn messages(history: &[ConversationEvent]) -> impl Iterator<Item = (Speaker<'_>, &str)> {
    history.iter().filter_map(|event| match &event.body {
        EventBody::Message { author, text, .. } => {
            let speaker = match author {
                Author::Visitor => Speaker::Visitor,
                Author::Bot => Speaker::Bot,
                Author::Operator { operator } => Speaker::Operator { name: &operator.name },
                Author::Unknown => return None,
            };
            Some((speaker, text.as_str()))
        }
        _ => None,
    })
}

/// A reply from outside, trimmed and cut to the protocol's message limit;
/// `None` when blank.
pub(crate) fn clamp_reply(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(match text.char_indices().nth(baton_protocol::MAX_MESSAGE_CHARS) {
        Some((cut, _)) => text[..cut].trim_end().to_owned(),
        None => text.to_owned(),
    })
}

/// What an external bot says when it cannot answer.
pub fn unavailable_reply(human_available: bool) -> BotReply {
    if human_available {
        BotReply {
            text: "Sorry — our assistant isn't available right now. I can connect you with a person from our team."
                .into(),
            offer_human: true,
            handover: None,
        }
    } else {
        BotReply {
            text: "Sorry — our assistant isn't available right now, and nobody from the team is online. \
                   Please try again in a little while."
                .into(),
            offer_human: false,
            handover: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(text: &str, human_available: bool) -> BotReply {
        RuleBot.answer(&BotTurn {
            bot: "demo".into(),
            conversation: "c".into(),
            text: text.into(),
            history: vec![],
            human_available,
            handover_enabled: true,
        })
    }

    #[test]
    fn answers_known_topics() {
        assert!(ask("How long does shipping take?", true).text.contains("3–5 days"));
        assert!(ask("can I get a refund", true).text.contains("30 days"));
    }

    #[test]
    fn offers_a_person_only_when_one_is_available() {
        assert!(ask("I want to talk to a human", true).offer_human);
        assert!(!ask("I want to talk to a human", false).offer_human);
        assert!(
            ask("what is the meaning of life", true).offer_human,
            "unsure → offers a person"
        );
    }

    #[test]
    fn matches_words_not_substrings() {
        // "this" contains "hi" but is not a greeting.
        assert!(!ask("is this thing on", false).text.starts_with("Hello"));
    }
}
