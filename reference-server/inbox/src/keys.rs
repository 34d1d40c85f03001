//! The inbox's keyboard shortcuts as one table: which key does what, and
//! the pure decision of whether a key press is one of them. The inbox wires
//! the actions up (`hotkeys`); the help dialog (`?`) lists this same table
//! (each action's words in the i18n catalogue), so what it says is what the
//! keys do.
//!
//! Single letters never fire while the operator types in a field (they are
//! text there), nor with Ctrl or Cmd held (those belong to the browser).
//! The Alt chords fire anywhere, matched by the physical key so that macOS's
//! Option characters (Option+J types "∆") still count; Alt+J and Alt+R open
//! no browser menu in Chromium, Firefox or Safari.

/// Something a shortcut does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAction {
    /// Open the next conversation in the list.
    NextChat,
    /// Open the previous conversation in the list.
    PreviousChat,
    /// Open the longest-waiting help request (other than the open one).
    NextWaiting,
    /// Join the open chat, or take it over (opens the dialog that asks the name).
    Join,
    /// Put the cursor in the reply box.
    Reply,
    /// Open my saved replies.
    SavedReplies,
    /// Resolve the open chat (asks first).
    Resolve,
    /// Close the open conversation: back to the list.
    Back,
    /// Show this list of shortcuts.
    Help,
}

/// A key, with or without Alt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chord {
    /// A key pressed alone (Shift allowed, as `?` needs it): its `key` value.
    Key(&'static str),
    /// Alt and a letter, by physical key: the lower-case letter.
    Alt(char),
}

/// One line of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Binding {
    pub chord: Chord,
    pub action: KeyAction,
}

/// Every shortcut, in the order the help dialog lists them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        chord: Chord::Key("n"),
        action: KeyAction::NextWaiting,
    },
    Binding {
        chord: Chord::Key("j"),
        action: KeyAction::NextChat,
    },
    Binding {
        chord: Chord::Key("k"),
        action: KeyAction::PreviousChat,
    },
    Binding {
        chord: Chord::Alt('j'),
        action: KeyAction::Join,
    },
    Binding {
        chord: Chord::Key("r"),
        action: KeyAction::Reply,
    },
    Binding {
        chord: Chord::Key("s"),
        action: KeyAction::SavedReplies,
    },
    Binding {
        chord: Chord::Alt('r'),
        action: KeyAction::Resolve,
    },
    Binding {
        chord: Chord::Key("Escape"),
        action: KeyAction::Back,
    },
    Binding {
        chord: Chord::Key("?"),
        action: KeyAction::Help,
    },
];

/// A key press as the browser reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Press<'a> {
    /// `KeyboardEvent.key`: "j", "J", "?", "Escape", "∆"…
    pub key: &'a str,
    /// `KeyboardEvent.code`: the physical key, "KeyJ".
    pub code: &'a str,
    pub alt: bool,
    pub ctrl: bool,
    pub meta: bool,
    /// The focus is in a text field, a select or an editable element.
    pub in_field: bool,
}

/// How a chord reads in the help dialog: "j", "Alt+J", "Esc".
pub fn chord_label(chord: Chord) -> String {
    match chord {
        Chord::Key("Escape") => "Esc".to_owned(),
        Chord::Key(key) => key.to_owned(),
        Chord::Alt(letter) => format!("Alt+{}", letter.to_ascii_uppercase()),
    }
}

/// The shortcut a press means, if any.
pub fn action_for(press: &Press<'_>) -> Option<KeyAction> {
    if press.ctrl || press.meta {
        return None;
    }
    if press.alt {
        let letter = press.code.strip_prefix("Key")?.chars().next()?.to_ascii_lowercase();
        return find(|chord| chord == Chord::Alt(letter));
    }
    if press.in_field {
        return None;
    }
    find(|chord| matches!(chord, Chord::Key(k) if k == press.key))
}

fn find(matches: impl Fn(Chord) -> bool) -> Option<KeyAction> {
    BINDINGS.iter().find(|b| matches(b.chord)).map(|b| b.action)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key: &str) -> Press<'_> {
        Press {
            key,
            code: "",
            ..Press::default()
        }
    }

    fn alt<'a>(key: &'a str, code: &'a str) -> Press<'a> {
        Press {
            key,
            code,
            alt: true,
            ..Press::default()
        }
    }

    #[test]
    fn letters_and_symbols_map_to_their_actions() {
        assert_eq!(action_for(&key("n")), Some(KeyAction::NextWaiting));
        assert_eq!(action_for(&key("j")), Some(KeyAction::NextChat));
        assert_eq!(action_for(&key("k")), Some(KeyAction::PreviousChat));
        assert_eq!(action_for(&key("r")), Some(KeyAction::Reply));
        assert_eq!(action_for(&key("s")), Some(KeyAction::SavedReplies));
        assert_eq!(action_for(&key("?")), Some(KeyAction::Help));
        assert_eq!(action_for(&key("Escape")), Some(KeyAction::Back));
        assert_eq!(action_for(&key("x")), None);
        // Caps lock or Shift: "J" is not "j".
        assert_eq!(action_for(&key("J")), None);
    }

    #[test]
    fn alt_chords_go_by_the_physical_key() {
        assert_eq!(action_for(&alt("j", "KeyJ")), Some(KeyAction::Join));
        // macOS: Option+J types "∆".
        assert_eq!(action_for(&alt("∆", "KeyJ")), Some(KeyAction::Join));
        assert_eq!(action_for(&alt("®", "KeyR")), Some(KeyAction::Resolve));
        // Alt+N is not a chord; nor is Alt with a non-letter.
        assert_eq!(action_for(&alt("n", "KeyN")), None);
        assert_eq!(action_for(&alt("1", "Digit1")), None);
    }

    #[test]
    fn typing_in_a_field_fires_only_alt_chords() {
        for k in ["n", "j", "k", "r", "s", "?", "Escape"] {
            let press = Press {
                in_field: true,
                ..key(k)
            };
            assert_eq!(action_for(&press), None, "{k} while typing");
        }
        let press = Press {
            in_field: true,
            ..alt("j", "KeyJ")
        };
        assert_eq!(action_for(&press), Some(KeyAction::Join));
    }

    #[test]
    fn ctrl_and_cmd_belong_to_the_browser() {
        let ctrl = Press { ctrl: true, ..key("r") };
        let meta = Press { meta: true, ..key("k") };
        let ctrl_alt = Press {
            ctrl: true,
            ..alt("j", "KeyJ")
        };
        assert_eq!(action_for(&ctrl), None);
        assert_eq!(action_for(&meta), None);
        assert_eq!(action_for(&ctrl_alt), None);
    }

    #[test]
    fn the_table_has_one_chord_per_action_and_no_clashes() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                assert_ne!(a.chord, b.chord, "{:?} and {:?} share a key", a.action, b.action);
                assert_ne!(a.action, b.action, "{:?} listed twice", a.action);
            }
            // `/` in the reply box opens the saved-replies picker; it is not taken here.
            assert_ne!(a.chord, Chord::Key("/"));
        }
        // Every action is reachable from the table (and so listed in the help).
        for action in [
            KeyAction::NextChat,
            KeyAction::PreviousChat,
            KeyAction::NextWaiting,
            KeyAction::Join,
            KeyAction::Reply,
            KeyAction::SavedReplies,
            KeyAction::Resolve,
            KeyAction::Back,
            KeyAction::Help,
        ] {
            assert!(BINDINGS.iter().any(|b| b.action == action), "{action:?} has no key");
        }
    }

    #[test]
    fn chords_read_as_people_write_them() {
        assert_eq!(chord_label(Chord::Key("j")), "j");
        assert_eq!(chord_label(Chord::Alt('j')), "Alt+J");
        assert_eq!(chord_label(Chord::Key("Escape")), "Esc");
        assert_eq!(chord_label(Chord::Key("?")), "?");
    }
}
