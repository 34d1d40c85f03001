//! Frames between the operator inbox and the server. The operator's identity
//! comes from the authenticated session on the upgrade request, never from a
//! frame.

use crate::presence::VisitorPresence;
use crate::receipts::ReceiptMarks;
use crate::visitor::HistoryPage;
use crate::{
    BotId, ClientMsgId, ConversationEvent, ConversationId, ErrorBody, HandoverState, Millis, OperatorId,
    OperatorProfile, Seq, Timestamp,
};
use serde::{Deserialize, Serialize};

/// An operator's availability. Only the operator can make themselves
/// Available; the default after sign-in is Offline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OperatorStatus {
    /// Eligible for new chats and transfers; counts toward "Talk to a human".
    Available,
    /// Not offered new chats.
    Away,
    /// Handling chats; not offered new chats or transfers.
    Busy,
    #[default]
    Offline,
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Can also set teammates Offline and manage settings.
    Admin,
    #[default]
    Agent,
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

/// Inbox → server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OperatorToServer {
    Hello {
        protocol: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        features: Vec<String>,
    },
    SetStatus {
        status: OperatorStatus,
    },
    /// Admins only, and only to Offline.
    SetTeammateStatus {
        operator: OperatorId,
        status: OperatorStatus,
    },
    /// View a conversation read-only: the server answers with `history` and
    /// counts it as read for this operator. Changes nothing for the visitor.
    Open {
        conversation: ConversationId,
    },
    /// A page of older events.
    History {
        conversation: ConversationId,
        before: Seq,
        limit: u32,
    },
    /// Claim a chat nobody owns, under `display_name` (what the visitor sees).
    Join {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
        display_name: String,
    },
    /// Replace the owner the operator saw (`replacing`); stale if the owner
    /// changed meanwhile.
    TakeOver {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
        display_name: String,
        replacing: OperatorId,
    },
    /// Hand the chat to an Available teammate.
    Transfer {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
        to: OperatorId,
    },
    /// Hand the chat back to the bot.
    Leave {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
    },
    /// Close the chat.
    Resolve {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
    },
    Send {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
        text: String,
    },
    /// An internal note: visible to operators only, never to the visitor.
    AddNote {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
        text: String,
    },
    /// Ephemeral, like the visitor's.
    Typing {
        conversation: ConversationId,
        typing: bool,
    },
    Receipt {
        conversation: ConversationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delivered: Option<Seq>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read: Option<Seq>,
    },
    /// Create (no `id`) or edit a saved reply.
    SaveShortcut {
        client_msg_id: ClientMsgId,
        shortcut: ShortcutDraft,
    },
    DeleteShortcut {
        client_msg_id: ClientMsgId,
        id: ShortcutId,
    },
    Ping,
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

/// Server → inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToOperator {
    Welcome(OperatorWelcome),
    /// A conversation was created or changed: replace the list row.
    Conversation(ConversationSummary),
    /// A conversation left the live list (resolved, or no longer visible).
    ConversationRemoved {
        conversation: ConversationId,
    },
    /// A new event in a conversation.
    Event {
        conversation: ConversationId,
        event: ConversationEvent,
    },
    /// Events answering `open` (the newest page) or `history`, with the
    /// conversation's notes when answering `open`.
    History {
        conversation: ConversationId,
        page: HistoryPage,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        notes: Vec<Note>,
    },
    /// A new internal note.
    Note {
        conversation: ConversationId,
        note: Note,
    },
    /// A log-changing request is stored under `seq`.
    Ack {
        client_msg_id: ClientMsgId,
        seq: Seq,
    },
    /// A request outside the log (note, shortcut) is done.
    Done {
        client_msg_id: ClientMsgId,
    },
    /// The team's availability changed.
    Roster(Roster),
    /// The visitor is (or stopped) typing. Ephemeral.
    Typing {
        conversation: ConversationId,
        typing: bool,
    },
    /// The visitor's presence changed. Ephemeral.
    Presence {
        conversation: ConversationId,
        presence: VisitorPresence,
    },
    /// Receipt marks of both sides moved.
    Receipts {
        conversation: ConversationId,
        visitor: ReceiptMarks,
        team: ReceiptMarks,
    },
    /// The operator's saved replies, after any change.
    Shortcuts {
        shortcuts: Vec<Shortcut>,
    },
    Pong,
    /// The server is shutting down: reconnect after `retry_after`.
    GoingAway {
        retry_after: Millis,
    },
    Error(ErrorBody),
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OperatorWelcome {
    pub protocol: u32,
    #[serde(default)]
    pub features: Vec<String>,
    pub me: OperatorProfile,
    pub role: Role,
    pub status: OperatorStatus,
    /// The bots this operator may see (the inbox's source filter).
    pub bots: Vec<BotInfo>,
    /// Live conversations, most recent activity first.
    pub conversations: Vec<ConversationSummary>,
    pub roster: Roster,
    pub shortcuts: Vec<Shortcut>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BotInfo {
    pub id: BotId,
    pub name: String,
}

/// One row of the conversation list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub bot: BotId,
    /// A label for the visitor: their name if identified, else "Visitor 3f9a".
    pub visitor: String,
    pub state: HandoverState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    pub last_activity: Timestamp,
    /// When the visitor last asked for a person (time since handoff).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help_requested_at: Option<Timestamp>,
    /// Messages from the visitor this operator has not read.
    #[serde(default)]
    pub unread: u32,
    #[serde(default)]
    pub presence: VisitorPresence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<Country>,
}

/// The visitor's country, for the flag in the list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Country {
    /// ISO 3166-1 alpha-2, upper case.
    pub code: String,
    /// True when guessed from the browser's locale rather than known from
    /// a trusted proxy header.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hint: bool,
}

/// The team's availability, with counts per bot ("2/3 online").
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Roster {
    pub operators: Vec<RosterEntry>,
    #[serde(default)]
    pub bots: Vec<BotCount>,
}

impl Roster {
    pub fn available(&self) -> usize {
        self.operators
            .iter()
            .filter(|o| o.status == OperatorStatus::Available)
            .count()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterEntry {
    pub profile: OperatorProfile,
    pub status: OperatorStatus,
    #[serde(default)]
    pub role: Role,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BotCount {
    pub bot: BotId,
    pub available: u32,
    pub total: u32,
}

/// An internal note on a conversation. Never sent to the visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Note {
    pub id: String,
    pub author: OperatorProfile,
    pub text: String,
    pub at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct ShortcutId(pub String);

/// A saved reply, inserted by typing `/trigger` in the composer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Shortcut {
    pub id: ShortcutId,
    /// Without the slash, e.g. `returns`.
    pub trigger: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ShortcutDraft {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ShortcutId>,
    pub trigger: String,
    pub text: String,
}
