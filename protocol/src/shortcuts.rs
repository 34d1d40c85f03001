//! The rules of saved replies (shortcuts): who may change which, and which
//! one a `/trigger` means when a personal and a team reply share it.
//!
//! - A personal (`mine`) reply is its owner's alone: only they see, edit or
//!   delete it. Triggers are unique within one operator's own replies.
//! - A team reply is everyone's to use; only admins create, edit or delete
//!   one. Triggers are unique among team replies.
//! - A personal trigger may equal a team one. **The personal one wins**: it is
//!   what `/trigger` offers and inserts, and the team reply with that trigger
//!   is not offered to that operator (the panel still lists it, marked as
//!   shadowed). An operator chose their own wording on purpose; a teammate's
//!   new team reply must not silently change what their `/trigger` inserts.

use crate::operator::Role;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct ShortcutId(pub String);

/// Whose a saved reply is. Only admins change team replies; a personal
/// trigger shadows a team one for its owner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ShortcutScope {
    /// The operator's own; nobody else sees it.
    #[default]
    Mine,
    /// The whole team's; admins create, edit and delete them.
    Team,
}

/// A saved reply, inserted by typing `/trigger` in the composer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Shortcut {
    pub id: ShortcutId,
    /// Without the slash, e.g. `returns`.
    pub trigger: String,
    pub text: String,
    /// Absent in frames from before team shortcuts: `mine`.
    #[serde(default)]
    pub scope: ShortcutScope,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ShortcutDraft {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ShortcutId>,
    pub trigger: String,
    pub text: String,
    /// Which list it goes to (absent: `mine`); an edit keeps the scope the
    /// reply has.
    #[serde(default)]
    pub scope: ShortcutScope,
}

/// Whether an operator with `role` may create, edit or delete a reply of
/// `scope` (their own replies, for `mine`; the server checks ownership).
pub fn may_change(role: Role, scope: ShortcutScope) -> bool {
    match scope {
        ShortcutScope::Mine => true,
        ShortcutScope::Team => role == Role::Admin,
    }
}

/// The longest trigger, in Unicode scalar values (without the slash).
pub const MAX_TRIGGER_CHARS: usize = 40;

/// A trigger as it is stored: trimmed, without a leading `/`, its case kept.
/// `Err` says why it is refused (`bad_frame`): empty, longer than
/// [`MAX_TRIGGER_CHARS`], or containing whitespace or a control character.
pub fn clean_trigger(raw: &str) -> Result<String, &'static str> {
    let trigger = raw.trim();
    let trigger = trigger.strip_prefix('/').unwrap_or(trigger);
    if trigger.is_empty() || trigger.chars().count() > MAX_TRIGGER_CHARS {
        return Err("a shortcut needs a one-word trigger of 1 to 40 characters");
    }
    if trigger.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a trigger is one word: no spaces or control characters");
    }
    Ok(trigger.to_owned())
}

/// Whether `candidate` would share its trigger with another reply of the
/// same list (`conflict`): one operator's own replies, or the team's.
/// Triggers compare ignoring ASCII case, as `/` looks them up.
pub fn trigger_taken(existing: &[Shortcut], candidate: &Shortcut) -> bool {
    existing.iter().any(|s| {
        s.scope == candidate.scope && s.id != candidate.id && s.trigger.eq_ignore_ascii_case(&candidate.trigger)
    })
}

/// Whether `shortcut` is hidden by a personal reply with the same trigger.
pub fn is_shadowed(all: &[Shortcut], shortcut: &Shortcut) -> bool {
    shortcut.scope == ShortcutScope::Team
        && all
            .iter()
            .any(|s| s.scope == ShortcutScope::Mine && s.trigger.eq_ignore_ascii_case(&shortcut.trigger))
}

/// The replies `/` offers: every personal reply and every team reply no
/// personal one shadows, by trigger (personal first on equal triggers).
pub fn usable(all: &[Shortcut]) -> Vec<&Shortcut> {
    let mut usable: Vec<&Shortcut> = all.iter().filter(|s| !is_shadowed(all, s)).collect();
    usable.sort_by_key(|s| (s.trigger.to_lowercase(), s.scope));
    usable
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_are_one_word_of_at_most_forty_characters_and_clash_ignoring_case() {
        assert_eq!(clean_trigger(" /returns ").as_deref(), Ok("returns"));
        assert_eq!(clean_trigger(&"é".repeat(40)).map(|t| t.chars().count()), Ok(40));
        for bad in ["", "/", "two words", &"x".repeat(41), "tab\tbed"] {
            assert!(clean_trigger(bad).is_err(), "{bad:?}");
        }
        let mine = reply("Returns", ShortcutScope::Mine);
        let candidate = Shortcut {
            id: ShortcutId("new".into()),
            ..reply("returns", ShortcutScope::Mine)
        };
        assert!(trigger_taken(std::slice::from_ref(&mine), &candidate));
        let team = Shortcut {
            scope: ShortcutScope::Team,
            ..candidate.clone()
        };
        assert!(
            !trigger_taken(std::slice::from_ref(&mine), &team),
            "the lists are separate"
        );
        assert!(
            !trigger_taken(std::slice::from_ref(&mine), &mine),
            "an edit keeps its own trigger"
        );
    }

    fn reply(trigger: &str, scope: ShortcutScope) -> Shortcut {
        Shortcut {
            id: ShortcutId(format!("{trigger}-{scope:?}")),
            trigger: trigger.into(),
            text: format!("{scope:?} {trigger}"),
            scope,
        }
    }

    #[test]
    fn only_admins_change_team_replies() {
        assert!(may_change(Role::Admin, ShortcutScope::Team));
        assert!(!may_change(Role::Agent, ShortcutScope::Team));
        assert!(!may_change(Role::Unknown, ShortcutScope::Team));
        assert!(may_change(Role::Agent, ShortcutScope::Mine));
    }

    #[test]
    fn a_personal_trigger_shadows_the_team_one() {
        let all = vec![
            reply("returns", ShortcutScope::Team),
            reply("hello", ShortcutScope::Team),
            reply("Returns", ShortcutScope::Mine),
            reply("bye", ShortcutScope::Mine),
        ];
        assert!(is_shadowed(&all, &all[0]));
        assert!(!is_shadowed(&all, &all[1]));
        assert!(!is_shadowed(&all, &all[2]), "a personal reply is never shadowed");
        let offered: Vec<&str> = usable(&all).iter().map(|s| s.text.as_str()).collect();
        assert_eq!(offered, ["Mine bye", "Team hello", "Mine Returns"]);
    }
}
