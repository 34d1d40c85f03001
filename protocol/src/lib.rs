//! Baton's wire protocol and handover rules.
//!
//! Everything here is plain data plus pure state machines: no sockets, no
//! clock, no storage. Time enters as a [`Timestamp`] argument. The reference
//! server, the visitor widget and the operator inbox all speak these types, and
//! a backend in another language can implement Baton from the same definitions.
//!
//! - [`visitor`] — frames between the visitor widget and the server.
//! - [`operator`] — frames between the operator inbox and the server.
//! - [`event`] — the persisted, sequenced conversation log both sides read.
//! - [`handover`] — who owns a conversation, and which intents may change that.
//! - [`fanout`] — which operator connections get a conversation's events.
//! - [`retention`] — which resolved conversations are due for deletion.
//! - [`link`] — the clients' reconnect backoff, welcome deadline and heartbeat.

pub mod absence;
pub mod availability;
pub mod conversation;
pub mod error;
pub mod event;
pub mod fanout;
pub mod followup;
pub mod handover;
pub mod ids;
#[cfg(feature = "lean")]
pub mod lean;
pub mod link;
pub mod markup;
pub mod operator;
pub mod presence;
pub mod queue;
pub mod receipts;
pub mod retention;
pub mod shortcuts;
pub mod time;
pub mod visitor;

pub use error::{ErrorBody, ErrorCode};
pub use event::{Author, ConversationEvent, EventBody, OperatorProfile, OwnerGoneReason};
pub use handover::{BotMode, Facts, Handover, HandoverState, Intent, Rejection};
pub use ids::{BotId, ClientMsgId, ConversationId, MAX_CLIENT_MSG_ID_BYTES, OperatorId, Seq, VisitorToken};
pub use time::{Millis, Timestamp};

/// The protocol version this crate implements. Within v1 only additive
/// changes are made: new optional fields, new message types, new enum values.
pub const PROTOCOL_VERSION: u32 = 1;

/// The WebSocket subprotocol both endpoints negotiate.
pub const SUBPROTOCOL: &str = "baton.v1";

/// The longest chat message, in Unicode scalar values. Long enough for any
/// chat turn, short enough that one frame can never be used to flood a peer.
pub const MAX_MESSAGE_CHARS: usize = 4_000;

/// The largest frame, in bytes, a server accepts. A maximal message is at
/// most 4 bytes per char plus a small envelope; anything above is abuse.
pub const MAX_FRAME_BYTES: usize = 20 * 1024;

/// The protocol versions this crate can serve; a server answers any other
/// with `unsupported_version` listing these, then closes.
pub const SUPPORTED_VERSIONS: &[u32] = &[PROTOCOL_VERSION];

/// Optional features a peer may announce in `hello` / `welcome`. A feature
/// one side lacks is simply not used; nothing else is negotiated.
pub const FEATURES: &[&str] = &[
    "receipts",
    "typing",
    "presence",
    "history",
    "notes",
    "shortcuts",
    "transfer",
    "queue",
    "leave_message",
    "rating",
];

/// A resuming client more than this many events behind gets only the newest
/// ones (`replay_limited`) and pages back with `history`.
pub const MAX_REPLAY: usize = 500;

/// The largest `history` page a server returns.
pub const MAX_HISTORY_PAGE: u32 = 100;

/// How long a typing indicator lasts without being renewed: receivers clear
/// it after this, so a lost "stopped typing" can never leave it stuck.
/// Senders repeat `typing: true` at most every third of this.
pub const TYPING_TTL: Millis = Millis::from_secs(6);
