//! Saved replies in the composer, as pure text work: finding the `/word`
//! being typed at the caret, which shortcuts match it, and the text that
//! replaces it with its placeholders filled in. The composer only reads the
//! caret and writes the result back.

use baton_protocol::operator::Shortcut;

/// The `/word` the caret is at the end of: where its slash is (a byte
/// offset) and what follows the slash. Only a slash that starts a word
/// counts, so a URL or "and/or" opens nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlashWord<'a> {
    pub start: usize,
    pub query: &'a str,
}

/// The slash word ending at byte offset `caret` of `text`, if any.
pub fn slash_word(text: &str, caret: usize) -> Option<SlashWord<'_>> {
    let before = text.get(..caret)?;
    let word_start = before.rfind(char::is_whitespace).map_or(0, |i| {
        // The byte after the whitespace character.
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    let word = &before[word_start..];
    let query = word.strip_prefix('/')?;
    if query.contains('/') {
        return None;
    }
    Some(SlashWord {
        start: word_start,
        query,
    })
}

/// The shortcuts whose trigger starts with `query` (ignoring case), in
/// trigger order: what the `/` list offers — mine and the team's, minus a
/// team reply my own one with the same trigger shadows (the protocol's
/// rule, `baton_protocol::shortcuts::usable`).
pub fn matching<'a>(shortcuts: &'a [Shortcut], query: &str) -> Vec<&'a Shortcut> {
    let query = query.to_lowercase();
    baton_protocol::shortcuts::usable(shortcuts)
        .into_iter()
        .filter(|s| s.trigger.to_lowercase().starts_with(&query))
        .collect()
}

/// A shortcut's text with `{visitor_name}` and `{operator_name}` filled
/// in. Any other braces stay as written.
pub fn fill(text: &str, visitor_name: &str, operator_name: &str) -> String {
    text.replace("{visitor_name}", visitor_name)
        .replace("{operator_name}", operator_name)
}

/// `text` with the bytes `start..caret` (the `/word`) replaced by
/// `replacement`, and the byte offset just after the inserted text, where
/// the caret goes.
pub fn replace_word(text: &str, start: usize, caret: usize, replacement: &str) -> (String, usize) {
    let (start, caret) = (start.min(text.len()), caret.min(text.len()));
    let mut out = String::with_capacity(text.len() + replacement.len());
    out.push_str(&text[..start]);
    out.push_str(replacement);
    let after = out.len();
    out.push_str(&text[caret..]);
    (out, after)
}

/// A caret position as the browser counts it (UTF-16 units) turned into a
/// byte offset of `text`, clamped to a character boundary at the end.
pub fn byte_offset(text: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// A byte offset of `text` as the browser counts carets (UTF-16 units).
pub fn utf16_offset(text: &str, byte: usize) -> usize {
    text.get(..byte.min(text.len()))
        .map_or(0, |s| s.chars().map(char::len_utf16).sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_protocol::operator::{ShortcutId, ShortcutScope};

    fn shortcut(trigger: &str, text: &str) -> Shortcut {
        Shortcut {
            id: ShortcutId(format!("s-{trigger}")),
            trigger: trigger.into(),
            text: text.into(),
            scope: ShortcutScope::Mine,
        }
    }

    #[test]
    fn the_list_offers_mine_and_the_teams_and_mine_wins_a_shared_trigger() {
        let team = |trigger: &str, text: &str| Shortcut {
            scope: ShortcutScope::Team,
            id: ShortcutId(format!("t-{trigger}")),
            ..shortcut(trigger, text)
        };
        let all = [
            team("hours", "team hours"),
            team("returns", "team returns"),
            shortcut("returns", "my returns"),
        ];
        let texts = |q: &str| matching(&all, q).iter().map(|s| s.text.as_str()).collect::<Vec<_>>();
        assert_eq!(texts(""), ["team hours", "my returns"]);
        assert_eq!(texts("ret"), ["my returns"]);
    }

    #[test]
    fn a_slash_at_the_start_of_a_word_opens_the_list() {
        assert_eq!(slash_word("/ret", 4), Some(SlashWord { start: 0, query: "ret" }));
        assert_eq!(slash_word("Hi /", 4), Some(SlashWord { start: 3, query: "" }));
        assert_eq!(slash_word("Hi\n/tha", 7), Some(SlashWord { start: 3, query: "tha" }));
        // The caret decides which word: text after it does not matter.
        assert_eq!(
            slash_word("/ret and more", 4),
            Some(SlashWord { start: 0, query: "ret" })
        );
    }

    #[test]
    fn a_slash_inside_a_word_or_a_finished_word_opens_nothing() {
        assert_eq!(slash_word("and/or", 6), None);
        assert_eq!(slash_word("see https://x.example/a", 23), None);
        assert_eq!(slash_word("/ret ", 5), None);
        assert_eq!(slash_word("plain", 5), None);
        assert_eq!(slash_word("", 0), None);
        // A caret past the end, or inside a character, is no word at all.
        assert_eq!(slash_word("/a", 9), None);
        assert_eq!(slash_word("/é", 2), None);
    }

    #[test]
    fn a_slash_after_non_ascii_whitespace_counts() {
        let text = "Merci\u{3000}/tha";
        let caret = text.len();
        assert_eq!(
            slash_word(text, caret),
            Some(SlashWord {
                start: "Merci\u{3000}".len(),
                query: "tha"
            })
        );
    }

    #[test]
    fn the_list_holds_triggers_starting_with_the_query_in_order() {
        let all = [
            shortcut("returns", "r"),
            shortcut("thanks", "t"),
            shortcut("refund", "f"),
            shortcut("Retry", "y"),
        ];
        let triggers = |q: &str| matching(&all, q).iter().map(|s| s.trigger.clone()).collect::<Vec<_>>();
        assert_eq!(triggers("ret"), ["Retry", "returns"]);
        // Alphabetical whatever the case.
        assert_eq!(triggers("RE"), ["refund", "Retry", "returns"]);
        assert_eq!(triggers(""), ["refund", "Retry", "returns", "thanks"]);
        assert!(triggers("x").is_empty());
    }

    #[test]
    fn placeholders_are_filled_and_other_braces_kept() {
        assert_eq!(
            fill("Thanks {visitor_name}! — {operator_name} {order}", "Ana", "Dana"),
            "Thanks Ana! — Dana {order}"
        );
        assert_eq!(fill("{visitor_name}{visitor_name}", "A", "B"), "AA");
        assert_eq!(fill("plain", "A", "B"), "plain");
    }

    #[test]
    fn the_word_is_replaced_and_the_caret_lands_after_the_insert() {
        let (text, caret) = replace_word("Hi /tha there", 3, 7, "Thanks!");
        assert_eq!(text, "Hi Thanks! there");
        assert_eq!(caret, "Hi Thanks!".len());
        let (text, caret) = replace_word("/r", 0, 2, "Returns: 30 days");
        assert_eq!((text.as_str(), caret), ("Returns: 30 days", 16));
    }

    #[test]
    fn carets_convert_between_utf16_and_bytes() {
        let text = "é😀/x";
        // é is 1 unit / 2 bytes; 😀 is 2 units / 4 bytes.
        assert_eq!(byte_offset(text, 0), 0);
        assert_eq!(byte_offset(text, 1), 2);
        assert_eq!(byte_offset(text, 3), 6);
        assert_eq!(byte_offset(text, 5), 8);
        assert_eq!(byte_offset(text, 99), text.len());
        for units in [0, 1, 3, 4, 5] {
            assert_eq!(utf16_offset(text, byte_offset(text, units)), units);
        }
        let caret = byte_offset(text, 5);
        assert_eq!(slash_word(text, caret), None, "the slash follows an emoji, not a space");
    }
}
