//! The reply box's helpers as pure functions: where a draft and the Join
//! name are remembered, where a Suggest draft goes, and which languages a
//! translation is between. The composer and the Join dialog only read the
//! browser and call these.

use baton_protocol::{ConversationId, OperatorId};

/// The localStorage key of my unsent draft in one conversation. Per
/// operator, so two people sharing a browser profile keep their own.
pub fn draft_key(me: &OperatorId, conversation: &ConversationId) -> String {
    format!("baton.draft.{}.{}", me.as_str(), conversation.as_str())
}

/// The localStorage key of the name I last joined a chat under.
pub fn join_name_key(me: &OperatorId) -> String {
    format!("baton.join-name.{}", me.as_str())
}

/// What to store for a draft: `None` removes it (nothing worth keeping).
pub fn stored_draft(draft: &str) -> Option<&str> {
    (!draft.trim().is_empty()).then_some(draft)
}

/// The name the Join dialog offers: the one I used last, else my profile's.
pub fn join_name(remembered: Option<String>, profile_name: &str) -> String {
    remembered
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| profile_name.to_owned())
}

/// Where a Suggest draft goes. It never replaces what I typed unasked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Suggestion {
    /// The reply box is empty: the draft goes straight in.
    Fill(String),
    /// I have typed something: offer Replace or Insert.
    Offer(String),
}

pub fn place_suggestion(draft: &str, suggestion: &str) -> Suggestion {
    if draft.trim().is_empty() {
        Suggestion::Fill(suggestion.to_owned())
    } else {
        Suggestion::Offer(suggestion.to_owned())
    }
}

/// My draft with the suggestion added after it, on a new paragraph.
pub fn insert_suggestion(draft: &str, suggestion: &str) -> String {
    let kept = draft.trim_end();
    if kept.is_empty() {
        suggestion.to_owned()
    } else {
        format!("{kept}\n\n{suggestion}")
    }
}

/// A locale's language as a translation service names it: `de-AT` → `de`,
/// `pt_BR` → `pt`; nothing for an empty or odd one.
pub fn language(locale: &str) -> Option<String> {
    let primary = locale.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&primary.len()) && primary.chars().all(|c| c.is_ascii_alphabetic())).then_some(primary)
}

/// The visitor's language to translate my reply into, when it is known
/// and not mine.
pub fn reply_target(visitor_locale: Option<&str>, mine: &str) -> Option<String> {
    let theirs = language(visitor_locale?)?;
    (Some(&theirs) != language(mine).as_ref()).then_some(theirs)
}

/// My inbox language: the page's `lang` (the inbox's locale), else English.
pub fn my_language(page_lang: Option<String>) -> String {
    page_lang
        .as_deref()
        .and_then(language)
        .unwrap_or_else(|| "en".to_owned())
}

/// A saved reply's scope as a CSS class suffix (`scope-team`, `scope-mine`).
pub fn scope_key(scope: baton_protocol::operator::ShortcutScope) -> &'static str {
    match scope {
        baton_protocol::operator::ShortcutScope::Team => "team",
        baton_protocol::operator::ShortcutScope::Mine => "mine",
    }
}

/// How a saved reply's scope is labelled in the `/` list and the panel.
pub fn scope_label(scope: baton_protocol::operator::ShortcutScope) -> &'static str {
    match scope {
        baton_protocol::operator::ShortcutScope::Team => crate::i18n::t().scope_team,
        baton_protocol::operator::ShortcutScope::Mine => crate::i18n::t().scope_mine,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drafts_and_join_names_are_kept_per_operator_and_conversation() {
        let (dana, eli) = (OperatorId("op-dana".into()), OperatorId("op-eli".into()));
        let (c1, c2) = (ConversationId("c1".into()), ConversationId("c2".into()));
        let keys = [
            draft_key(&dana, &c1),
            draft_key(&dana, &c2),
            draft_key(&eli, &c1),
            join_name_key(&dana),
            join_name_key(&eli),
        ];
        for (i, a) in keys.iter().enumerate() {
            assert!(keys[i + 1..].iter().all(|b| a != b), "{a} is unique");
        }
        assert_eq!(stored_draft("  \n"), None, "a blank draft is forgotten");
        assert_eq!(stored_draft("Hi "), Some("Hi "), "kept as typed");
        assert_eq!(join_name(Some("Dee".into()), "Dana"), "Dee");
        assert_eq!(join_name(Some("  ".into()), "Dana"), "Dana");
        assert_eq!(join_name(None, "Dana"), "Dana");
    }

    #[test]
    fn a_suggestion_fills_an_empty_box_and_is_only_offered_over_my_text() {
        assert_eq!(
            place_suggestion(" \n", "Ships in 2 days."),
            Suggestion::Fill("Ships in 2 days.".into())
        );
        assert_eq!(
            place_suggestion("Hi Jo,", "Ships in 2 days."),
            Suggestion::Offer("Ships in 2 days.".into())
        );
        assert_eq!(
            insert_suggestion("Hi Jo,\n", "Ships in 2 days."),
            "Hi Jo,\n\nShips in 2 days."
        );
        assert_eq!(insert_suggestion("", "Ships."), "Ships.");
    }

    #[test]
    fn a_reply_is_translated_only_into_a_known_other_language() {
        assert_eq!(language("de-AT").as_deref(), Some("de"));
        assert_eq!(language("pt_BR").as_deref(), Some("pt"));
        assert_eq!(language("").as_deref(), None);
        assert_eq!(language("x1").as_deref(), None);
        assert_eq!(reply_target(Some("de-DE"), "en").as_deref(), Some("de"));
        assert_eq!(reply_target(Some("en-GB"), "en-US"), None, "same language");
        assert_eq!(reply_target(None, "en"), None, "unknown: nothing to offer");
        assert_eq!(my_language(None), "en");
        assert_eq!(my_language(Some("ar".into())), "ar");
        assert_eq!(my_language(Some("".into())), "en");
    }
}
