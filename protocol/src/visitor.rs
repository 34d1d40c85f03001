//! Frames between the visitor widget and the server, one JSON object per
//! WebSocket text frame, tagged by `type`.

use crate::followup::AfterLapse;
use crate::receipts::ReceiptMarks;
use crate::{
    Author, BotId, ClientMsgId, ConversationEvent, ConversationId, ErrorBody, HandoverState, Millis, Seq, VisitorToken,
};
use serde::{Deserialize, Serialize};

/// Widget → server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorToServer {
    /// First frame on every connection: who is asking, and from where in the
    /// log to resume.
    Hello(VisitorHello),
    /// A chat message. Retries reuse `client_msg_id`; the server answers a
    /// duplicate with the original ack and stores nothing new.
    Send { client_msg_id: ClientMsgId, text: String },
    /// "Talk to a human". Answered with `ack` (the `help_requested` event
    /// follows) or `error`.
    RequestHuman { client_msg_id: ClientMsgId },
    /// Withdraw a pending request before anyone joins.
    CancelRequest { client_msg_id: ClientMsgId },
    /// End the chat with the person; the bot takes over again and the
    /// operator is told.
    EndHuman { client_msg_id: ClientMsgId },
    /// The visitor is (or stopped) typing. Ephemeral: never stored or
    /// replayed; receivers clear it after [`crate::TYPING_TTL`] anyway.
    Typing { typing: bool },
    /// Cumulative receipt marks for what the widget has stored / shown.
    Receipt {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delivered: Option<Seq>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read: Option<Seq>,
    },
    /// A page of older events, answered with `history`.
    History { before: Seq, limit: u32 },
    /// Name and email the host page knows (for operators and the unread
    /// reply email).
    Identify {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
    },
    /// Heartbeat; answered with `pong`.
    Ping,
    /// Right after a lapse: wait again, a new window (feature
    /// `leave_message`, §7.15). Answered with `ack` or `error`.
    KeepWaiting { client_msg_id: ClientMsgId },
    /// Leave an email and a message for a reply by email — after a lapse,
    /// or while nobody is available (feature `leave_message`, §7.15).
    LeaveMessage {
        client_msg_id: ClientMsgId,
        email: String,
        text: String,
    },
    /// Rate the chat a person resolved, 1–5 (feature `rating`, §7.15).
    Rate {
        client_msg_id: ClientMsgId,
        score: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// Email me the transcript, once, after the chat is resolved (feature
    /// `rating`, §7.15).
    Transcript { client_msg_id: ClientMsgId, email: String },
    /// A frame type this build does not know.
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VisitorHello {
    /// The protocol version the client speaks: [`crate::PROTOCOL_VERSION`].
    pub protocol: u32,
    /// Optional features the client understands (see [`crate::FEATURES`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    pub bot: BotId,
    /// Present when resuming a conversation; absent for a new visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Resume>,
    /// The browser's language (`navigator.language`), a hint for operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The host page's URL, shown to operators ("on /pricing").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

/// Which conversation to continue, proven by its token, and the last `seq`
/// the client has applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Resume {
    pub conversation: ConversationId,
    pub token: VisitorToken,
    pub last_seq: Seq,
}

impl VisitorToServer {
    /// The client message id of a send or intent: every answer to it names
    /// it.
    pub fn client_msg_id(&self) -> Option<&ClientMsgId> {
        match self {
            VisitorToServer::Send { client_msg_id, .. }
            | VisitorToServer::RequestHuman { client_msg_id }
            | VisitorToServer::CancelRequest { client_msg_id }
            | VisitorToServer::EndHuman { client_msg_id }
            | VisitorToServer::KeepWaiting { client_msg_id }
            | VisitorToServer::LeaveMessage { client_msg_id, .. }
            | VisitorToServer::Rate { client_msg_id, .. }
            | VisitorToServer::Transcript { client_msg_id, .. } => Some(client_msg_id),
            _ => None,
        }
    }
}

/// Server → widget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToVisitor {
    /// Answer to `hello`: the replay of what the client missed, then the
    /// state it leads to.
    Welcome(VisitorWelcome),
    /// A new event in this conversation's log.
    Event(ConversationEvent),
    /// A send or intent is stored under `seq` (for an intent that changed
    /// nothing, the current last `seq`).
    Ack {
        client_msg_id: ClientMsgId,
        seq: Seq,
    },
    /// Whether "Talk to a human" may be offered, pushed when it changes.
    Availability(Availability),
    /// The bot or the operator is (or stopped) typing. Ephemeral.
    Typing {
        author: Author,
        typing: bool,
    },
    /// The team's receipt marks: how far the visitor's messages are
    /// delivered / read.
    Receipts {
        team: ReceiptMarks,
    },
    /// A page of older events, answering `history`.
    History(HistoryPage),
    /// While the visitor waits for a person: their place in the line and
    /// the estimate (feature `queue`, §7.14). Sent after `welcome` and
    /// whenever the line moves.
    Queue {
        /// 1 for the first in line.
        position: u32,
        /// Whole minutes; absent while there is too little recent data to
        /// say (show "a few minutes").
        #[serde(default, skip_serializing_if = "Option::is_none")]
        estimate_minutes: Option<u32>,
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
pub struct VisitorWelcome {
    /// The protocol version the server will speak on this connection.
    pub protocol: u32,
    /// The optional features both sides understand.
    #[serde(default)]
    pub features: Vec<String>,
    pub conversation: ConversationId,
    /// Sent only when the server started a new conversation: store it and
    /// present it in the next `hello`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<VisitorToken>,
    /// Every event after the client's `last_seq`, in order — or, when the
    /// client is more than [`crate::MAX_REPLAY`] events behind, only the
    /// newest ones, with `replay_limited` set: page back with `history`.
    pub replay: Vec<ConversationEvent>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replay_limited: bool,
    pub snapshot: VisitorSnapshot,
}

/// The conversation's state after the replay.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct VisitorSnapshot {
    pub state: HandoverState,
    pub last_seq: Seq,
    pub availability: Availability,
    /// How far the visitor's messages are delivered / read by the team.
    pub team_marks: ReceiptMarks,
    /// The visitor's own marks as the server holds them.
    pub visitor_marks: ReceiptMarks,
}

/// What the widget needs to decide whether to show "Talk to a human".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Availability {
    /// At least one operator is Available for this bot.
    pub human_available: bool,
    /// The button label configured for this bot.
    pub button_label: String,
    /// Shown instead of the button while nobody is available.
    pub offline_message: String,
    /// Whether the widget shows the button at all (the bot may still offer
    /// a person inline). Omitted when true.
    #[serde(default = "crate::visitor::yes", skip_serializing_if = "crate::visitor::is_true")]
    pub show_button: bool,
    /// The choices a lapse offers (§7.15). Omitted when all three are.
    #[serde(default, skip_serializing_if = "crate::visitor::all_choices")]
    pub after_lapse: AfterLapse,
    /// Whether the widget asks for a rating after a person resolves the
    /// chat (§7.15). Omitted when true.
    #[serde(default = "crate::visitor::yes", skip_serializing_if = "crate::visitor::is_true")]
    pub rating: bool,
}

fn all_choices(choices: &AfterLapse) -> bool {
    *choices == AfterLapse::default()
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

/// A page of the log, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryPage {
    pub events: Vec<ConversationEvent>,
    /// Older events exist before `events[0]`.
    pub has_more: bool,
}

impl ServerToVisitor {
    /// The optional feature (§2.5) this frame belongs to, if any: a server
    /// sends it only on connections whose `welcome.features` hold it.
    pub fn feature(&self) -> Option<&'static str> {
        match self {
            ServerToVisitor::Typing { .. } => Some("typing"),
            ServerToVisitor::Receipts { .. } => Some("receipts"),
            ServerToVisitor::Queue { .. } => Some("queue"),
            _ => None,
        }
    }

    /// The frame with every operators-only field removed (the `original` of
    /// a translated operator message, §3.1): what a server sends a visitor.
    pub fn for_visitor(self) -> ServerToVisitor {
        let strip = |events: Vec<ConversationEvent>| events.into_iter().map(ConversationEvent::for_visitor).collect();
        match self {
            ServerToVisitor::Event(event) => ServerToVisitor::Event(event.for_visitor()),
            ServerToVisitor::History(page) => ServerToVisitor::History(HistoryPage {
                events: strip(page.events),
                ..page
            }),
            ServerToVisitor::Welcome(welcome) => ServerToVisitor::Welcome(VisitorWelcome {
                replay: strip(welcome.replay),
                ..welcome
            }),
            other => other,
        }
    }
}
