//! Frames between the visitor widget and the server, one JSON object per
//! WebSocket text frame, tagged by `type`.

use crate::{BotId, ClientMsgId, ConversationEvent, ConversationId, ErrorBody, HandoverState, Seq, VisitorToken};
use serde::{Deserialize, Serialize};

/// Widget → server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorToServer {
    /// First frame on every connection: who is asking, and from where in the
    /// log to resume.
    Hello(VisitorHello),
    /// A chat message. Retries reuse `client_msg_id`; the server answers a
    /// duplicate with the original ack and stores nothing new.
    Send { client_msg_id: ClientMsgId, text: String },
    /// "Talk to a human". Answered with an ack (the `help_requested` event
    /// follows) or an error.
    RequestHuman { client_msg_id: ClientMsgId },
    /// A frame type this build does not know.
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorHello {
    /// Must be [`crate::PROTOCOL_VERSION`].
    pub protocol: u32,
    pub bot: BotId,
    /// Present when resuming a conversation; absent for a new visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Resume>,
    /// The browser's language (`navigator.language`), a hint for operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// Which conversation to continue, proven by its token, and the last `seq`
/// the client has stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resume {
    pub conversation: ConversationId,
    pub token: VisitorToken,
    pub last_seq: Seq,
}

/// Server → widget.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToVisitor {
    /// Answer to `hello`.
    Welcome(VisitorWelcome),
    /// A new event in this conversation's log.
    Event(ConversationEvent),
    /// A send or intent is persisted under `seq`.
    Ack {
        client_msg_id: ClientMsgId,
        seq: Seq,
    },
    /// Whether "Talk to a human" may be offered, pushed when it changes.
    Availability(Availability),
    Error(ErrorBody),
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorWelcome {
    pub conversation: ConversationId,
    /// Sent only when the server issued a new conversation (a new visitor,
    /// or a resume the server could not honour): store it and present it in
    /// the next `hello`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<VisitorToken>,
    /// Every event after the client's `last_seq`, in order.
    pub replay: Vec<ConversationEvent>,
    pub state: HandoverState,
    pub availability: Availability,
}

/// What the widget needs to decide whether to show "Talk to a human".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// At least one operator is Available for this bot.
    pub human_available: bool,
    /// The button label configured for this bot.
    pub button_label: String,
    /// Shown instead of the button while nobody is available.
    pub offline_message: String,
}
