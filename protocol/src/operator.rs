//! Frames between the operator inbox and the server. The operator's identity
//! comes from the authenticated session on the upgrade request, never from a
//! frame.

use crate::{
    BotId, ClientMsgId, ConversationEvent, ConversationId, ErrorBody, HandoverState, OperatorProfile, Seq, Timestamp,
};
use serde::{Deserialize, Serialize};

/// An operator's availability. Only the operator can make themselves
/// Available; the default after sign-in is Offline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorStatus {
    Available,
    Away,
    Busy,
    #[default]
    Offline,
    #[serde(other)]
    Unknown,
}

/// Inbox → server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OperatorToServer {
    Hello {
        protocol: u32,
    },
    SetStatus {
        status: OperatorStatus,
    },
    /// Open a conversation read-only: the server answers with `history`.
    /// Viewing changes nothing for the visitor.
    Open {
        conversation: ConversationId,
    },
    /// Claim the chat under `display_name` (what the visitor will see).
    Join {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
        display_name: String,
    },
    /// Hand the chat back to the bot.
    Leave {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
    },
    Send {
        conversation: ConversationId,
        client_msg_id: ClientMsgId,
        text: String,
    },
    #[serde(other)]
    Unknown,
}

/// Server → inbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToOperator {
    Welcome(OperatorWelcome),
    /// A conversation was created or changed: replace the list row.
    Conversation(ConversationSummary),
    /// A new event in a conversation.
    Event {
        conversation: ConversationId,
        event: ConversationEvent,
    },
    /// The full log of a conversation, answering `open`.
    History {
        conversation: ConversationId,
        events: Vec<ConversationEvent>,
    },
    Ack {
        client_msg_id: ClientMsgId,
        seq: Seq,
    },
    /// The team's availability changed.
    Roster(Roster),
    Error(ErrorBody),
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperatorWelcome {
    pub me: OperatorProfile,
    pub status: OperatorStatus,
    pub conversations: Vec<ConversationSummary>,
    pub roster: Roster,
}

/// One row of the conversation list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: ConversationId,
    pub bot: BotId,
    /// A short label for the visitor, e.g. "Visitor 3f9a".
    pub visitor: String,
    pub state: HandoverState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    pub last_activity: Timestamp,
}

/// The team's availability, with the count shown as "2/3 online".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    pub operators: Vec<RosterEntry>,
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
pub struct RosterEntry {
    pub profile: OperatorProfile,
    pub status: OperatorStatus,
}
