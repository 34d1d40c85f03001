//! A knowledge-base bot: answers visitors from a small file of questions and
//! answers, and drafts replies for operators from the same file.
//!
//! # The knowledge file
//!
//! TOML, one `[[entry]]` table per topic:
//!
//! ```toml
//! # Optional. How sure the bot must be before it answers (default 0.5).
//! # One keyword hit scores 0.5; a visitor message that is worded exactly
//! # like one of an entry's questions scores 1.0.
//! min_score = 0.5
//! # Optional. What the bot says it can help with when it is unsure;
//! # by default the `topic` of the first few entries.
//! help_topics = ["shipping", "returns", "sizing"]
//!
//! [[entry]]
//! topic = "shipping"                  # optional short label, for people
//! question = "How long does shipping take?"
//! questions = ["When will my order arrive?"]   # more phrasings (either or both)
//! keywords = ["ship", "delivery", "postage", "next day"]
//! answer = "We dispatch within 1–2 working days…"
//! # Optional: how an operator would say it, for drafts (default: a short
//! # friendly lead-in followed by `answer`).
//! draft = "…"
//!
//! [[entry]]
//! small_talk = true                   # greetings, thanks: see below
//! keywords = ["hello", "hi", "hey"]
//! answer = "Hello! …"
//! ```
//!
//! # Matching
//!
//! Text is normalised: lowercased, apostrophes dropped, split on anything
//! that is not a letter or digit, common filler words ("the", "do", "you",
//! "please", …) removed, and each word crudely stemmed ("shipping",
//! "shipped", "ships" → "ship"; "sizing", "sizes" → "siz"). An entry's score
//! for a message is the best word overlap between the message and any of
//! its questions (a Dice coefficient, 0 to 1, where a word used by many
//! entries counts less than a rare one), plus 0.5 for each keyword present
//! (up to three; a keyword of several words counts when all of them are
//! present). The best entry answers if it reaches `min_score`.
//!
//! `small_talk` entries only answer when no other entry does, so "Hi, do you
//! ship to Ireland?" is answered about shipping, and "hi" with the greeting.
//! Operators are never offered a small-talk draft.

use super::{Bot, BotReply, BotTurn};
use baton_protocol::{Author, ConversationEvent, EventBody};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;

/// The default [`KnowledgeBase::min_score`].
pub const DEFAULT_MIN_SCORE: f32 = 0.5;
/// What one keyword present in a message adds to an entry's score.
const KEYWORD_WEIGHT: f32 = 0.5;
/// Keyword hits beyond this many add nothing more.
const MAX_KEYWORD_HITS: usize = 3;
/// How many recent visitor messages [`KnowledgeBase::suggest`] considers.
const SUGGEST_LOOKBACK: usize = 3;
/// How many entry topics an unsure reply lists by default.
const DEFAULT_HELP_TOPICS: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("could not read the knowledge file: {0}")]
    Read(#[source] std::io::Error),
    #[error("{0}")]
    Parse(#[source] toml::de::Error),
    #[error("invalid knowledge file: {0}")]
    Invalid(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeFile {
    #[serde(default)]
    min_score: Option<f32>,
    #[serde(default)]
    help_topics: Vec<String>,
    #[serde(default, rename = "entry")]
    entries: Vec<EntryFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryFile {
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    question: Option<String>,
    #[serde(default)]
    questions: Vec<String>,
    answer: String,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    small_talk: bool,
    #[serde(default)]
    draft: Option<String>,
}

/// One question-and-answer topic.
#[derive(Clone, Debug)]
pub struct Entry {
    pub topic: Option<String>,
    /// The phrasings of the question, as written in the file.
    pub questions: Vec<String>,
    pub answer: String,
    pub small_talk: bool,
    /// How an operator would say it, if the file gives one.
    pub draft: Option<String>,
    phrasings: Vec<BTreeSet<String>>,
    keywords: Vec<Vec<String>>,
}

impl Entry {
    fn score(&self, words: &BTreeSet<String>, weights: &Weights) -> f32 {
        let sum = |set: &mut dyn Iterator<Item = &String>| set.map(|w| weights.of(w)).sum::<f32>();
        let query = sum(&mut words.iter());
        let overlap = self
            .phrasings
            .iter()
            .map(|p| {
                let shared = sum(&mut p.intersection(words));
                let total = query + sum(&mut p.iter());
                if total > 0.0 { 2.0 * shared / total } else { 0.0 }
            })
            .fold(0.0, f32::max);
        let hits = self
            .keywords
            .iter()
            .filter(|k| k.iter().all(|w| words.contains(w)))
            .count()
            .min(MAX_KEYWORD_HITS);
        overlap + KEYWORD_WEIGHT * hits as f32
    }
}

/// How much each word counts in an overlap: words that appear in many
/// entries ("jacket" in a jacket shop) tell topics apart less than rare ones.
/// `ln(1 + entries / entries_with_the_word)`; words the file never uses
/// count as the rarest.
#[derive(Clone, Debug)]
struct Weights {
    known: HashMap<String, f32>,
    unknown: f32,
}

impl Weights {
    fn new(entries: &[Entry]) -> Weights {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for entry in entries {
            let vocabulary: BTreeSet<&str> = entry
                .phrasings
                .iter()
                .flatten()
                .chain(entry.keywords.iter().flatten())
                .map(String::as_str)
                .collect();
            for word in vocabulary {
                *counts.entry(word).or_default() += 1;
            }
        }
        let n = entries.len().max(1) as f32;
        Weights {
            known: counts
                .into_iter()
                .map(|(w, df)| (w.to_owned(), (1.0 + n / df as f32).ln()))
                .collect(),
            unknown: (1.0 + n).ln(),
        }
    }

    fn of(&self, word: &str) -> f32 {
        self.known.get(word).copied().unwrap_or(self.unknown)
    }
}

/// The entry that answers a message, and how well it matched.
#[derive(Clone, Copy, Debug)]
pub struct Match<'a> {
    pub entry: &'a Entry,
    pub score: f32,
}

/// Questions and answers loaded from a knowledge file (see the module docs).
#[derive(Clone, Debug)]
pub struct KnowledgeBase {
    entries: Vec<Entry>,
    weights: Weights,
    min_score: f32,
    help_topics: Vec<String>,
}

impl KnowledgeBase {
    pub fn load(path: &Path) -> Result<KnowledgeBase, KnowledgeError> {
        let text = std::fs::read_to_string(path).map_err(KnowledgeError::Read)?;
        KnowledgeBase::from_toml_str(&text)
    }

    pub fn from_toml_str(text: &str) -> Result<KnowledgeBase, KnowledgeError> {
        let file: KnowledgeFile = toml::from_str(text).map_err(KnowledgeError::Parse)?;
        let min_score = file.min_score.unwrap_or(DEFAULT_MIN_SCORE);
        if !(min_score.is_finite() && min_score > 0.0) {
            return Err(KnowledgeError::Invalid("min_score must be a positive number".into()));
        }
        if file.entries.is_empty() {
            return Err(KnowledgeError::Invalid("no [[entry]] tables".into()));
        }
        let mut entries = Vec::with_capacity(file.entries.len());
        for (i, e) in file.entries.into_iter().enumerate() {
            let name = e.topic.clone().unwrap_or_else(|| format!("entry {}", i + 1));
            if e.answer.trim().is_empty() {
                return Err(KnowledgeError::Invalid(format!("{name}: the answer is empty")));
            }
            let questions: Vec<String> = e.question.into_iter().chain(e.questions).collect();
            let phrasings: Vec<BTreeSet<String>> =
                questions.iter().map(|q| words(q)).filter(|w| !w.is_empty()).collect();
            // Deduplicated after stemming: "ship" and "shipping" are one
            // keyword, not two hits for one word.
            let keywords: Vec<Vec<String>> = e
                .keywords
                .iter()
                .map(|k| words(k).into_iter().collect::<Vec<_>>())
                .filter(|k| !k.is_empty())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            if phrasings.is_empty() && keywords.is_empty() {
                return Err(KnowledgeError::Invalid(format!(
                    "{name}: needs a question or a keyword with more than filler words"
                )));
            }
            entries.push(Entry {
                topic: e.topic,
                questions,
                answer: e.answer.trim().to_owned(),
                small_talk: e.small_talk,
                draft: e.draft.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
                phrasings,
                keywords,
            });
        }
        let help_topics = if file.help_topics.is_empty() {
            entries
                .iter()
                .filter(|e| !e.small_talk)
                .filter_map(|e| e.topic.clone())
                .take(DEFAULT_HELP_TOPICS)
                .collect()
        } else {
            file.help_topics
        };
        Ok(KnowledgeBase {
            weights: Weights::new(&entries),
            entries,
            min_score,
            help_topics,
        })
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn min_score(&self) -> f32 {
        self.min_score
    }

    /// The entry that answers `text` confidently, if any. Small-talk entries
    /// answer only when no other entry does.
    pub fn lookup(&self, text: &str) -> Option<Match<'_>> {
        self.best(text, true)
    }

    fn best(&self, text: &str, small_talk: bool) -> Option<Match<'_>> {
        let words = words(text);
        if words.is_empty() {
            return None;
        }
        let best_of = |talk: bool| {
            self.entries
                .iter()
                .filter(|e| e.small_talk == talk)
                .map(|entry| Match {
                    entry,
                    score: entry.score(&words, &self.weights),
                })
                .filter(|m| m.score >= self.min_score)
                // The first of equals wins: file order is priority order.
                .fold(None, |best: Option<Match<'_>>, m| match best {
                    Some(b) if b.score >= m.score => Some(b),
                    _ => Some(m),
                })
        };
        best_of(false).or_else(|| if small_talk { best_of(true) } else { None })
    }

    /// What the bot can help with, as a phrase: "shipping, returns or sizing".
    pub fn help_topics(&self) -> Option<String> {
        match self.help_topics.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            [rest @ .., last] => Some(format!("{} or {last}", rest.join(", "))),
        }
    }

    /// A reply an operator could send, drafted from the visitor's latest
    /// messages: those after the last bot or operator message (at most the
    /// last three), newest first, each alone and then all together. `None`
    /// when the history ends with a bot or operator message, or when nothing
    /// matches confidently; never a small-talk answer.
    pub fn suggest(&self, history: &[ConversationEvent]) -> Option<String> {
        let mut latest: Vec<&str> = Vec::new();
        for event in history.iter().rev() {
            match &event.body {
                EventBody::Message {
                    author: Author::Visitor,
                    text,
                    ..
                } => {
                    latest.push(text);
                    if latest.len() == SUGGEST_LOOKBACK {
                        break;
                    }
                }
                EventBody::Message { .. } => break,
                _ => {}
            }
        }
        if latest.is_empty() {
            return None;
        }
        let together = latest.iter().rev().copied().collect::<Vec<_>>().join(" ");
        let mut best: Option<Match<'_>> = None;
        for text in latest.iter().copied().chain(std::iter::once(together.as_str())) {
            match (self.best(text, false), best) {
                (Some(m), Some(b)) if m.score <= b.score => {}
                (Some(m), _) => best = Some(m),
                (None, _) => {}
            }
        }
        let entry = best?.entry;
        Some(match &entry.draft {
            Some(draft) => draft.clone(),
            None => format!("Happy to help with that! {}", entry.answer),
        })
    }
}

/// Answers from a [`KnowledgeBase`]; offers a person when asked for one or
/// when it has no confident answer.
#[derive(Clone, Debug)]
pub struct FaqBot {
    knowledge: Arc<KnowledgeBase>,
}

/// How every unsure answer starts.
const UNSURE: &str = "I'm not sure about that one";

/// The bot's message before the visitor's latest one, if any.
fn previous_bot_text(turn: &BotTurn) -> Option<&str> {
    turn.history.iter().rev().find_map(|e| match &e.body {
        baton_protocol::EventBody::Message {
            author: baton_protocol::Author::Bot,
            text,
            ..
        } => Some(text.as_str()),
        _ => None,
    })
}

impl FaqBot {
    pub fn new(knowledge: Arc<KnowledgeBase>) -> FaqBot {
        FaqBot { knowledge }
    }

    pub fn knowledge(&self) -> &Arc<KnowledgeBase> {
        &self.knowledge
    }

    pub fn answer(&self, turn: &BotTurn) -> BotReply {
        let topics = self.knowledge.help_topics();
        if asks_for_person(&turn.text) {
            return if turn.human_available {
                BotReply {
                    text: "Of course — I can connect you with a person from our team.".into(),
                    offer_human: true,
                    handover: None,
                }
            } else {
                let text = match &topics {
                    Some(t) => format!(
                        "Nobody from the team is online right now, sorry. I'm happy to keep helping — \
                         I can answer questions about {t}."
                    ),
                    None => "Nobody from the team is online right now, sorry. I'm happy to keep helping.".into(),
                };
                BotReply {
                    text,
                    offer_human: false,
                    handover: None,
                }
            };
        }
        if let Some(m) = self.knowledge.lookup(&turn.text) {
            return BotReply {
                text: m.entry.answer.clone(),
                offer_human: false,
                handover: None,
            };
        }
        // Unsure twice in a row: the bot asks for a person itself, with
        // the question as the reason (PROTOCOL.md §7.14) — queued even when
        // nobody is online, so the question is not lost.
        if turn.handover_enabled && previous_bot_text(turn).is_some_and(|t| t.starts_with(UNSURE)) {
            let question: String = turn.text.trim().chars().take(120).collect();
            return BotReply {
                text: "I'm still not sure — I've asked a person from our team to help with this.".into(),
                offer_human: false,
                handover: Some(baton_protocol::followup::BotHandover {
                    reason: Some(format!("The assistant could not answer: “{question}”")),
                    priority: baton_protocol::queue::Priority::Normal,
                }),
            };
        }
        let text = match (turn.human_available, &topics) {
            (true, _) => "I'm not sure about that one — I can connect you with a person from our team.".into(),
            (false, Some(t)) => format!("I'm not sure about that one. I can help with {t}."),
            (false, None) => "I'm not sure about that one. Could you put it another way?".into(),
        };
        BotReply {
            text,
            offer_human: turn.human_available,
            handover: None,
        }
    }
}

impl Bot for FaqBot {
    fn reply(&self, turn: BotTurn) -> Pin<Box<dyn Future<Output = BotReply> + Send + '_>> {
        Box::pin(async move { self.answer(&turn) })
    }
    /// It reads only whether its answer just before was unsure (the
    /// visitor's previous message, that answer, an event between, and the
    /// latest message); `suggest`'s history is the inbox's, not a turn's.
    fn history_wanted(&self) -> usize {
        4
    }
}

/// Words that name a person to talk to.
const PERSON: &[&str] = &[
    "human",
    "person",
    "agent",
    "operator",
    "representative",
    "staff",
    "employee",
    "advisor",
    "adviser",
];
/// Words that ask for a person when they come with [`REACH`]:
/// "can I speak to someone", "is there anyone real".
const SOMEONE: &[&str] = &["someone", "somebody", "anyone", "anybody", "people", "team"];
const REACH: &[&str] = &["talk", "speak", "chat", "real", "contact", "call", "connect"];

/// Whether a message asks for a person: "I'd like to talk to a person",
/// "agent please", "can I speak to someone real?". "In person" is not a
/// request ("can I shop in person?").
pub fn asks_for_person(text: &str) -> bool {
    let raw = raw_words(text);
    let has = |set: &[&str], w: &str| set.contains(&w) || set.contains(&w.trim_end_matches('s'));
    let names_person = raw
        .iter()
        .enumerate()
        .any(|(i, w)| has(PERSON, w) && !(w == "person" && i > 0 && raw[i - 1] == "in"));
    let reaches_someone = raw.iter().any(|w| has(SOMEONE, w))
        && raw
            .iter()
            .any(|w| REACH.iter().any(|r| w.starts_with(r) && w.len() <= r.len() + 3));
    names_person || reaches_someone
}

/// Filler words ignored when matching. Kept short on purpose: a word like
/// "where" or "long" tells topics apart.
const STOP_WORDS: &[&str] = &[
    "a", "about", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
    "could", "did", "do", "does", "dont", "for", "from", "get", "got", "had", "has", "have", "how", "i", "id", "if",
    "im", "in", "is", "it", "its", "ive", "just", "know", "like", "me", "much", "my", "need", "of", "on", "or",
    "please", "pls", "so", "some", "tell", "that", "the", "there", "these", "this", "those", "to", "want", "was", "we",
    "were", "what", "whats", "which", "will", "with", "would", "you", "your", "youre",
];

/// Lowercased words, apostrophes dropped ("don't" → "dont").
fn raw_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\'', '’'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The normalised, stemmed content words of a text.
fn words(text: &str) -> BTreeSet<String> {
    raw_words(text)
        .into_iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .map(|w| stem(&w))
        .filter(|w| !w.is_empty())
        .collect()
}

/// Crude suffix stripping: plurals, "-ing", "-ed", then a final "e", so that
/// "sizes", "sizing", "sized" and "size" all become "siz". Consistency
/// matters, not linguistic accuracy: both sides are stemmed the same way.
fn stem(word: &str) -> String {
    let mut w: Vec<char> = word.chars().collect();
    let ends = |w: &[char], s: &str| w.len() >= s.len() && w[w.len() - s.len()..].iter().copied().eq(s.chars());
    if w.len() > 4 && ends(&w, "ies") {
        w.truncate(w.len() - 3);
        w.push('y');
    } else if w.len() > 3 && ends(&w, "s") && !ends(&w, "ss") && !ends(&w, "us") && !ends(&w, "is") {
        w.pop();
    }
    let mut stripped = false;
    if w.len() > 5 && ends(&w, "ing") {
        w.truncate(w.len() - 3);
        stripped = true;
    } else if w.len() > 4 && ends(&w, "ed") {
        w.truncate(w.len() - 2);
        stripped = true;
    }
    if stripped {
        // "shipp" → "ship", "fitt" → "fit"; "dress", "fill" stay.
        let n = w.len();
        if n >= 2 && w[n - 1] == w[n - 2] && !"aeiouslz".contains(w[n - 1]) {
            w.pop();
        }
    }
    if w.len() > 3 && ends(&w, "e") {
        w.pop();
    }
    w.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_agree_across_forms() {
        for (a, b) in [
            ("shipping", "ship"),
            ("shipped", "ships"),
            ("sizing", "size"),
            ("sizes", "sized"),
            ("returns", "returning"),
            ("deliveries", "delivery"),
            ("waxed", "waxing"),
            ("boxes", "box"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} vs {b}");
        }
        assert_eq!(stem("address"), "address");
        assert_eq!(stem("status"), "status");
    }

    #[test]
    fn recognises_requests_for_a_person() {
        for yes in [
            "I would like to talk to a person please",
            "HUMAN",
            "agent please",
            "can I speak to someone?",
            "is there anyone real there",
            "I want to talk to your staff",
        ] {
            assert!(asks_for_person(yes), "{yes}");
        }
        for no in [
            "can I shop in person?",
            "someone stole my parcel",
            "how long does shipping take",
            "is this real leather",
        ] {
            assert!(!asks_for_person(no), "{no}");
        }
    }
}
