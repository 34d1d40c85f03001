//! The conversation log. Every event that changes what a participant sees is
//! persisted with a per-conversation [`Seq`] (1, 2, 3, … without gaps), and
//! both visitor and operator clients render the same log.

use crate::queue::Priority;
use crate::{ClientMsgId, OperatorId, Seq, Timestamp};
use serde::{Deserialize, Serialize};

/// How an operator appears to visitors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OperatorProfile {
    pub id: OperatorId,
    /// The name the visitor sees; confirmed by the operator when joining.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// A CSS colour for the operator's bubbles and banner, e.g. `#0b7a75`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}

/// Who wrote a chat message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Author {
    Visitor,
    Bot,
    Operator {
        operator: OperatorProfile,
    },
    /// A role this build does not know (a newer peer): shown as a neutral
    /// author rather than failing the whole frame.
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

/// One persisted event of a conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationEvent {
    pub seq: Seq,
    pub at: Timestamp,
    pub body: EventBody,
}

/// What happened. Handover events double as the input from which the
/// [`crate::Handover`] state is rebuilt after a restart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventBody {
    /// A chat message. `client_msg_id` is the sender's id, echoed so the
    /// sender can match it with its optimistic copy.
    Message {
        author: Author,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_msg_id: Option<ClientMsgId>,
        /// A bot reply that offers the visitor a human inline.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        offer_human: bool,
        /// Operators only: what the operator wrote before it was translated
        /// into the visitor's language (`text` is what the visitor got).
        /// Servers strip it from every frame to a visitor
        /// ([`ConversationEvent::for_visitor`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        original: Option<String>,
    },
    /// The visitor (or the bot, for them) asked for a person; operators
    /// have until `deadline`. A bot's request may say why and how urgently
    /// (§7.14); the visitor's own has neither.
    HelpRequested {
        deadline: Timestamp,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        #[serde(default, skip_serializing_if = "Priority::is_normal")]
        priority: Priority,
    },
    /// The visitor withdrew the request before anyone joined.
    RequestCancelled,
    /// Nobody joined before the deadline; the bot has the chat again.
    RequestLapsed,
    /// An operator joined and now owns the chat; the bot is muted.
    OperatorJoined { operator: OperatorProfile },
    /// An operator took the chat from the owner, who is told.
    OperatorTookOver {
        operator: OperatorProfile,
        previous: OperatorProfile,
    },
    /// The owner handed the chat to another available operator.
    Transferred { from: OperatorProfile, to: OperatorProfile },
    /// The owner left; the bot has the chat again.
    OperatorLeft { operator: OperatorProfile },
    /// The visitor ended the human chat; the bot has it again.
    VisitorEndedHuman { operator: OperatorProfile },
    /// The owner went Offline (or was deactivated), or had no inbox open
    /// while the visitor waited for a reply: the chat is back with the team
    /// (help requested again, the bot still muted) until `deadline`.
    OwnerGone {
        operator: OperatorProfile,
        deadline: Timestamp,
        reason: OwnerGoneReason,
    },
    /// The chat is closed; the visitor may start a new one.
    Resolved {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<OperatorProfile>,
    },
    /// The visitor left an email address and a message for a reply by
    /// email (after a lapse, or while nobody was Available, §7.15).
    MessageLeft { email: String, text: String },
    /// An operator answered the left message by email; `text` is what was
    /// sent, shown in the chat too.
    EmailReplied { operator: OperatorProfile, text: String },
    /// The visitor rated the chat a person resolved: 1–5, maybe a comment.
    Rated {
        score: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// The visitor asked for the transcript by email (once).
    TranscriptRequested { email: String },
    /// An event type this build does not know (a newer peer). Kept in the
    /// log so `seq` stays gapless; receivers skip it when rendering.
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

/// Why an owner no longer counts as present (see `absence`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OwnerGoneReason {
    /// The owner set themselves (or an admin set them) Offline.
    Offline,
    /// The owner's account was deactivated.
    Deactivated,
    /// No inbox of the owner was connected for the bot's grace period while
    /// the visitor waited for a reply.
    Disconnected,
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

impl ConversationEvent {
    /// The event as a visitor may see it: without the operators-only
    /// `original` of a translated operator message.
    pub fn for_visitor(mut self) -> ConversationEvent {
        if let EventBody::Message { original, .. } = &mut self.body {
            *original = None;
        }
        self
    }
}

impl EventBody {
    /// A visitor's help request (no reason, normal priority).
    pub fn help(deadline: Timestamp) -> EventBody {
        EventBody::HelpRequested {
            deadline,
            reason: None,
            priority: Priority::Normal,
        }
    }

    /// The text of a chat message, if this is one.
    pub fn message_text(&self) -> Option<&str> {
        match self {
            EventBody::Message { text, .. } => Some(text),
            _ => None,
        }
    }
}
