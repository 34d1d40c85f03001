//! Bots answer visitors while no person owns the chat. One trait, so the
//! built-in bot, a webhook bot and an LLM-backed bot plug in the same way.

use std::future::Future;
use std::pin::Pin;

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
}

/// How many recent events a bot is shown.
pub const HISTORY_FOR_BOT: usize = 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BotReply {
    pub text: String,
    /// Offer "Talk to a human" inline with this reply.
    pub offer_human: bool,
}

pub trait Bot: Send + Sync + std::fmt::Debug {
    fn reply(&self, turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>>;
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
                }
            } else {
                BotReply {
                    text: "Nobody from the team is online right now, but I'm happy to keep helping.".into(),
                    offer_human: false,
                }
            };
        }
        for (keys, answer) in RULES {
            if mentions(keys) {
                return BotReply {
                    text: (*answer).into(),
                    offer_human: false,
                };
            }
        }
        BotReply {
            text: "I'm not sure about that one. I can help with shipping, returns and sizing.".into(),
            offer_human: turn.human_available,
        }
    }
}

impl Bot for RuleBot {
    fn reply(&self, turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>> {
        Box::pin(async move { self.answer(&turn) })
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
