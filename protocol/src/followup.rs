//! What happens around a person's help besides the handover itself
//! (PROTOCOL.md §7.15): the choices after a lapse, a message left for an
//! email reply, the rating and the transcript. Pure rules over the
//! conversation's log, asked by [`crate::conversation::ConversationCore`].
//!
//! - After a lapse the visitor may keep waiting (a new window, even if
//!   nobody is Available now), leave an email and a message, or go back to
//!   the assistant (nothing to send: the bot already has the chat). Which
//!   of the three a bot offers is its [`AfterLapse`] setting; keep waiting
//!   and leave a message are accepted only while the lapse is the chat's
//!   latest handover event.
//! - The same email form is offered while nobody is Available (lead
//!   capture): `leave_message` is accepted when the bot has the chat (or it
//!   waits) and nobody is Available, whatever the setting.
//! - An operator answers a left message by email (`reply_by_email`): the
//!   email goes to the address of the latest left message and the reply is
//!   stored in the chat. The chat shows as "left a message" until answered.
//! - Rating: once a person resolved a chat a person had owned, and if the
//!   bot asks for ratings: 1–5 with an optional comment, once.
//! - Transcript: once the chat is resolved, once, to a valid address.

use crate::event::{EventBody, OperatorProfile};
use crate::queue::Priority;
use serde::{Deserialize, Serialize};

/// Which choices a visitor gets when a request lapses (a per-bot setting).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AfterLapse {
    /// Keep waiting: a new response window.
    pub keep_waiting: bool,
    /// Leave an email and a message for a reply.
    pub leave_message: bool,
    /// Go back to the assistant.
    pub back_to_bot: bool,
}

impl Default for AfterLapse {
    fn default() -> Self {
        AfterLapse {
            keep_waiting: true,
            leave_message: true,
            back_to_bot: true,
        }
    }
}

/// The longest rating comment, in Unicode scalar values.
pub const MAX_RATING_COMMENT_CHARS: usize = 1_000;
/// A bot's handover reason is cut to this many chars.
pub const MAX_REASON_CHARS: usize = 200;
/// The longest email address accepted (RFC 5321's path limit).
pub const MAX_EMAIL_BYTES: usize = 254;

/// A bot asks for a person: why, and how urgently.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BotHandover {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Priority::is_normal")]
    pub priority: Priority,
}

impl BotHandover {
    /// The reason trimmed, blank as none, cut to [`MAX_REASON_CHARS`] (a
    /// bot's words are not refused, only bounded).
    pub fn normalised(self) -> BotHandover {
        let reason = self
            .reason
            .map(|r| r.trim().chars().take(MAX_REASON_CHARS).collect::<String>())
            .filter(|r| !r.is_empty());
        BotHandover { reason, ..self }
    }
}

/// A plausible email address: one `@`, something on both sides, a dot in
/// the domain, no spaces or angle brackets, at most [`MAX_EMAIL_BYTES`].
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= MAX_EMAIL_BYTES
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>,;\"".contains(c))
}

/// A rating's score and comment, checked: `Err` says why not.
pub fn check_rating(score: u8, comment: Option<String>) -> Result<Option<String>, &'static str> {
    if !(1..=5).contains(&score) {
        return Err("a rating is from 1 to 5");
    }
    let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if comment
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_RATING_COMMENT_CHARS)
    {
        return Err("a rating comment is limited to 1000 characters");
    }
    Ok(comment)
}

/// What the log says about the follow-up of one conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Followup {
    /// A person owned the chat at some point.
    pub had_person: bool,
    /// Who resolved it, when a person resolved a chat a person had owned.
    pub resolved_by_person: Option<OperatorProfile>,
    /// The chat is resolved (by anyone).
    pub resolved: bool,
    /// The rating given, if any.
    pub rating: Option<u8>,
    pub transcript_sent: bool,
    /// The address of the latest left message.
    pub left_email: Option<String>,
    /// A left message not answered by email yet.
    pub awaiting_email_reply: bool,
    /// The current request's reason and priority (while it waits).
    pub reason: Option<String>,
    pub priority: Priority,
}

impl Followup {
    pub fn observe(&mut self, event: &EventBody) {
        match event {
            EventBody::HelpRequested { reason, priority, .. } => {
                self.reason = reason.clone();
                self.priority = *priority;
            }
            EventBody::OwnerGone { .. } => {
                self.reason = None;
                self.priority = Priority::Normal;
            }
            EventBody::OperatorJoined { .. } | EventBody::OperatorTookOver { .. } | EventBody::Transferred { .. } => {
                self.had_person = true;
            }
            EventBody::Resolved { by } => {
                self.resolved = true;
                self.resolved_by_person = by.clone().filter(|_| self.had_person);
            }
            EventBody::MessageLeft { email, .. } => {
                self.left_email = Some(email.clone());
                self.awaiting_email_reply = true;
            }
            EventBody::EmailReplied { .. } => self.awaiting_email_reply = false,
            EventBody::Rated { score, .. } => self.rating = Some(*score),
            EventBody::TranscriptRequested { .. } => self.transcript_sent = true,
            _ => {}
        }
    }

    /// Whether the visitor may rate now, given the bot's setting.
    pub fn may_rate(&self, rating_on: bool) -> Result<(), &'static str> {
        if !rating_on {
            return Err("this assistant does not ask for ratings");
        }
        if self.resolved_by_person.is_none() {
            return Err("a chat is rated after a person resolves it");
        }
        if self.rating.is_some() {
            return Err("this chat is already rated");
        }
        Ok(())
    }

    /// Whether the transcript may be sent now.
    pub fn may_send_transcript(&self) -> Result<(), &'static str> {
        if !self.resolved {
            return Err("the transcript is sent once the chat is resolved");
        }
        if self.transcript_sent {
            return Err("the transcript was already sent");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OperatorId;

    fn dana() -> OperatorProfile {
        OperatorProfile {
            id: OperatorId("op_dana".into()),
            name: "Dana".into(),
            avatar_url: None,
            colour: None,
        }
    }

    #[test]
    fn emails_are_checked_for_shape() {
        for good in ["ana@example.com", "a.b+c@mail.example.co.uk"] {
            assert!(valid_email(good), "{good}");
        }
        for bad in [
            "",
            "ana",
            "@example.com",
            "ana@",
            "ana@localhost",
            "ana@@example.com",
            "a na@example.com",
            "<ana@example.com>",
            "ana@example.com.",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
        assert!(!valid_email(&format!("{}@example.com", "a".repeat(250))));
    }

    #[test]
    fn ratings_are_one_to_five_with_a_bounded_comment() {
        assert_eq!(check_rating(5, Some("  great ".into())), Ok(Some("great".into())));
        assert_eq!(check_rating(1, Some("   ".into())), Ok(None));
        assert!(check_rating(0, None).is_err());
        assert!(check_rating(6, None).is_err());
        assert!(check_rating(3, Some("x".repeat(1001))).is_err());
    }

    #[test]
    fn only_a_chat_a_person_resolved_is_rated_and_only_once() {
        let mut f = Followup::default();
        f.observe(&EventBody::Resolved { by: Some(dana()) });
        assert!(f.may_rate(true).is_err(), "nobody had owned it");
        let mut f = Followup::default();
        f.observe(&EventBody::OperatorJoined { operator: dana() });
        assert!(f.may_rate(true).is_err(), "not resolved yet");
        f.observe(&EventBody::Resolved { by: Some(dana()) });
        assert_eq!(f.may_rate(true), Ok(()));
        assert!(f.may_rate(false).is_err(), "the bot does not ask");
        f.observe(&EventBody::Rated {
            score: 4,
            comment: None,
        });
        assert!(f.may_rate(true).is_err(), "once");
    }

    #[test]
    fn the_transcript_goes_once_after_resolve() {
        let mut f = Followup::default();
        assert!(f.may_send_transcript().is_err());
        f.observe(&EventBody::Resolved { by: None });
        assert_eq!(f.may_send_transcript(), Ok(()));
        f.observe(&EventBody::TranscriptRequested {
            email: "ana@example.com".into(),
        });
        assert!(f.may_send_transcript().is_err());
    }

    #[test]
    fn a_left_message_waits_for_its_email_reply() {
        let mut f = Followup::default();
        f.observe(&EventBody::MessageLeft {
            email: "ana@example.com".into(),
            text: "Call me".into(),
        });
        assert!(f.awaiting_email_reply);
        assert_eq!(f.left_email.as_deref(), Some("ana@example.com"));
        f.observe(&EventBody::EmailReplied {
            operator: dana(),
            text: "Done".into(),
        });
        assert!(!f.awaiting_email_reply);
    }

    #[test]
    fn a_bots_reason_is_trimmed_and_bounded() {
        let h = BotHandover {
            reason: Some(format!("  {}  ", "r".repeat(300))),
            priority: Priority::High,
        }
        .normalised();
        assert_eq!(h.reason.map(|r| r.len()), Some(MAX_REASON_CHARS));
        let blank = BotHandover {
            reason: Some("  ".into()),
            priority: Priority::Normal,
        };
        assert_eq!(blank.normalised().reason, None);
    }
}
