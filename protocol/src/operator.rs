//! Frames between the operator inbox and the server. The operator's identity
//! comes from the authenticated session on the upgrade request, never from a
//! frame.

use crate::presence::VisitorPresence;
use crate::queue::Priority;
use crate::receipts::ReceiptMarks;
use crate::visitor::HistoryPage;
use crate::{
    BotId, ClientMsgId, ConversationEvent, ConversationId, ErrorBody, HandoverState, Millis, OperatorId,
    OperatorProfile, Seq, Timestamp,
};
use serde::{Deserialize, Serialize};

pub use crate::shortcuts::{Shortcut, ShortcutDraft, ShortcutId, ShortcutScope};

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
        /// What the visitor receives.
        text: String,
        /// When `text` is a translation: what the operator wrote. Stored
        /// with the message and shown to operators only; never sent to the
        /// visitor.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        original: Option<String>,
    },
    /// Answer the message the visitor left (§7.15) by email: the server
    /// emails `text` to the address they left and stores it in the chat
    /// (`email_replied`), answered with `ack`. Any operator of the bot may,
    /// unless a teammate owns the chat.
    ReplyByEmail {
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

impl OperatorToServer {
    /// The client message id of a request that carries one: every answer to
    /// it (`ack`, `done` or `error`) names it, so an outbox can settle it.
    pub fn client_msg_id(&self) -> Option<&ClientMsgId> {
        match self {
            OperatorToServer::Join { client_msg_id, .. }
            | OperatorToServer::TakeOver { client_msg_id, .. }
            | OperatorToServer::Transfer { client_msg_id, .. }
            | OperatorToServer::Leave { client_msg_id, .. }
            | OperatorToServer::Resolve { client_msg_id, .. }
            | OperatorToServer::Send { client_msg_id, .. }
            | OperatorToServer::ReplyByEmail { client_msg_id, .. }
            | OperatorToServer::AddNote { client_msg_id, .. }
            | OperatorToServer::SaveShortcut { client_msg_id, .. }
            | OperatorToServer::DeleteShortcut { client_msg_id, .. } => Some(client_msg_id),
            _ => None,
        }
    }
}

/// Server → inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToOperator {
    Welcome(OperatorWelcome),
    /// A conversation was created or changed: replace the list row. A row
    /// whose state is `resolved` leaves the live list (the server does not
    /// list it in later welcomes).
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
    /// Something this operator should notice (a help request, a chat
    /// transferred to them, their own status changed by someone else…),
    /// sent only to the operators it concerns and who asked for that kind.
    Alert(Alert),
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
    /// Which alerts this operator gets, and how.
    #[serde(default)]
    pub alert_prefs: AlertPrefs,
}

/// What an alert is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A visitor asked for a person (to everyone serving the bot).
    HelpRequested,
    /// A visitor started a new chat (to everyone serving the bot).
    NewChat,
    /// A help request nobody claimed within half its response window.
    Unclaimed,
    /// A teammate transferred a chat to you.
    TransferredToYou,
    /// A teammate took over a chat you owned.
    TakenOver,
    /// The visitor ended your chat and went back to the assistant.
    VisitorEnded,
    /// A chat's owner is gone; the chat is waiting again.
    OwnerGone,
    /// Auto-away set you Away after inactivity.
    AutoAway,
    /// An admin set you Offline.
    SetOffline,
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Alert {
    pub kind: AlertKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<ConversationId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<BotId>,
    /// The visitor's label, as in the list row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<String>,
    /// The teammate who caused it (who transferred, took over, set you Offline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<OperatorProfile>,
    /// A preview: the visitor's last message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// One operator's choice of alerts. Kinds about the operator themselves
/// (transfers to them, take-overs, status changes) are always sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertPrefs {
    #[serde(default = "crate::operator::yes")]
    pub help_requested: bool,
    #[serde(default)]
    pub new_chat: bool,
    #[serde(default = "crate::operator::yes")]
    pub unclaimed: bool,
    #[serde(default = "crate::operator::yes")]
    pub owner_gone: bool,
    /// Show a browser notification while the inbox is hidden.
    #[serde(default = "crate::operator::yes")]
    pub browser: bool,
    /// Play a short sound.
    #[serde(default)]
    pub sound: bool,
}

impl ServerToOperator {
    /// The optional feature (§2.5) this frame belongs to, if any: a server
    /// sends it only on connections whose `welcome.features` hold it.
    /// (`history` pages answer a request, and members of always-sent frames
    /// — the notes in `history`, the shortcuts in `welcome` — are sent
    /// whatever was negotiated.)
    pub fn feature(&self) -> Option<&'static str> {
        match self {
            ServerToOperator::Typing { .. } => Some("typing"),
            ServerToOperator::Receipts { .. } => Some("receipts"),
            ServerToOperator::Presence { .. } => Some("presence"),
            ServerToOperator::Note { .. } => Some("notes"),
            ServerToOperator::Shortcuts { .. } => Some("shortcuts"),
            _ => None,
        }
    }
}

impl Default for AlertPrefs {
    fn default() -> Self {
        AlertPrefs {
            help_requested: true,
            new_chat: false,
            unclaimed: true,
            owner_gone: true,
            browser: true,
            sound: false,
        }
    }
}

impl AlertPrefs {
    /// Whether an alert of this kind goes to this operator.
    pub fn wants(&self, kind: AlertKind) -> bool {
        match kind {
            AlertKind::HelpRequested => self.help_requested,
            AlertKind::NewChat => self.new_chat,
            AlertKind::Unclaimed => self.unclaimed,
            AlertKind::OwnerGone => self.owner_gone,
            AlertKind::TransferredToYou
            | AlertKind::TakenOver
            | AlertKind::VisitorEnded
            | AlertKind::AutoAway
            | AlertKind::SetOffline => true,
            AlertKind::Unknown => false,
        }
    }
}

fn yes() -> bool {
    true
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
    /// The visitor's email, when the host page identified them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The widget's language (`navigator.language`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The page the visitor is on (from their latest `hello`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// While it waits: why the bot asked for a person (§7.14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// While it waits: how urgent the request is; the Waiting view puts
    /// higher first (`queue::order`).
    #[serde(default, skip_serializing_if = "Priority::is_normal")]
    pub priority: Priority,
    /// The visitor left a message nobody has answered by email yet: the
    /// "Left a message" view (§7.15).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub left_message: bool,
    /// The visitor's rating of the chat, 1–5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
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

    /// Teammates `me` may transfer a chat of `bot` to: the same rule the
    /// server applies ([`crate::availability::may_receive_transfer`]).
    pub fn transfer_targets<'a>(&'a self, bot: &BotId, me: &OperatorId) -> Vec<&'a RosterEntry> {
        self.operators
            .iter()
            .filter(|o| &o.profile.id != me)
            .filter(|o| crate::availability::may_receive_transfer(o.status, o.bots.iter().any(|b| b == bot)))
            .collect()
    }

    /// (Available, total) for one bot, as sent in `bots`.
    pub fn count_for(&self, bot: &BotId) -> Option<&BotCount> {
        self.bots.iter().find(|c| &c.bot == bot)
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
    /// The bots this teammate serves.
    #[serde(default)]
    pub bots: Vec<BotId>,
    /// At least one inbox of theirs is connected right now.
    #[serde(default)]
    pub connected: bool,
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
