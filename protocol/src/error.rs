//! Errors on the wire: a stable snake_case code a program can branch on, and a
//! sentence a person can read.

use crate::{ClientMsgId, HandoverState};
use serde::{Deserialize, Serialize};

/// Stable error codes. Receivers must tolerate codes they do not know
/// (they decode to [`ErrorCode::Unknown`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame was not valid JSON or not a known shape.
    BadFrame,
    /// The frame or the message text is over the limit.
    TooLarge,
    /// The client speaks a protocol version the server does not serve.
    UnsupportedVersion,
    /// No valid credentials (operator session, visitor token).
    Unauthorized,
    /// Valid credentials, but not for this resource.
    Forbidden,
    /// The conversation or bot does not exist (or is not yours).
    NotFound,
    /// The intent does not fit the conversation's current state; the error
    /// carries that state so the client can re-render and decide again.
    Conflict,
    /// No operator is available for this bot, so a human cannot be requested.
    NoOperatorAvailable,
    /// This bot does not hand over to people.
    HandoverDisabled,
    /// Too many frames in too short a time.
    RateLimited,
    /// A frame was sent before `hello`.
    HelloRequired,
    /// The server failed; the client may retry the same frame.
    Internal,
    /// A code this build does not know: a newer peer.
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

/// The body of an `error` frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ErrorBody {
    pub code: ErrorCode,
    pub message: String,
    /// Set when the error answers a specific send or intent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<ClientMsgId>,
    /// With `conflict`: the conversation's state the intent was judged
    /// against, so the client can re-render and decide again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Box<HandoverState>>,
    /// With `unsupported_version`: the versions the server can speak.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supported_versions: Vec<u32>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            client_msg_id: None,
            state: None,
            supported_versions: Vec::new(),
        }
    }

    pub fn for_msg(mut self, id: Option<ClientMsgId>) -> Self {
        self.client_msg_id = id;
        self
    }

    pub fn with_optional_state(mut self, state: Option<HandoverState>) -> Self {
        self.state = state.map(Box::new);
        self
    }

    pub fn with_state(mut self, state: HandoverState) -> Self {
        self.state = Some(Box::new(state));
        self
    }
}
