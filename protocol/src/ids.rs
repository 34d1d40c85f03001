//! Identifiers. Each is a newtype so a conversation id can never be passed
//! where an operator id is expected; on the wire each is a bare string/number.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_id!(
    /// A conversation, issued by the server when a visitor first says hello.
    ConversationId
);
string_id!(
    /// A bot (one site's assistant). Settings, operators' access and the
    /// allowed visitor origins are per bot.
    BotId
);
string_id!(
    /// An operator account.
    OperatorId
);
/// Chosen by the sender of a message and reused on every retry of it, so
/// the server can recognise a retry and answer with the original ack. A
/// client's id is 1 to 64 bytes of UTF-8; ASCII is recommended (the
/// schema's `maxLength` counts characters, the limit counts bytes).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
// Decoding stays lenient so ids stored before the limit still read back;
// servers apply `ClientMsgId::check` to what clients send.
pub struct ClientMsgId(
    #[cfg_attr(feature = "schema", schemars(length(min = 1, max = MAX_CLIENT_MSG_ID_BYTES)))] pub String,
);

/// The longest `client_msg_id` a server accepts, in bytes of UTF-8: room for
/// a UUID with a prefix, no room to store kilobytes per message.
pub const MAX_CLIENT_MSG_ID_BYTES: usize = 64;

impl ClientMsgId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A client's id must be non-empty and at most
    /// [`MAX_CLIENT_MSG_ID_BYTES`] bytes; a server answers any other with
    /// `bad_frame` (without the id: it is not one) and stores nothing.
    pub fn check(&self) -> Result<(), crate::ErrorBody> {
        if self.0.is_empty() || self.0.len() > MAX_CLIENT_MSG_ID_BYTES {
            return Err(crate::ErrorBody::new(
                crate::ErrorCode::BadFrame,
                format!("client_msg_id must be 1 to {MAX_CLIENT_MSG_ID_BYTES} bytes"),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for ClientMsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ClientMsgId {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

/// The visitor's bearer secret for one conversation: server-issued, random,
/// at least 128 bits, stored only hashed. Never logged, hence no `Display`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct VisitorToken(pub String);

impl fmt::Debug for VisitorToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("VisitorToken(…)")
    }
}

/// Position of an event in its conversation's log: 1, 2, 3, … with no gaps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(transparent)]
pub struct Seq(pub u64);

impl Seq {
    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_msg_id_is_one_to_max_bytes() {
        assert!(ClientMsgId::from("m-3f2b8c1e").check().is_ok());
        assert!(ClientMsgId("x".repeat(MAX_CLIENT_MSG_ID_BYTES)).check().is_ok());
        assert!(ClientMsgId(String::new()).check().is_err());
        assert!(ClientMsgId("x".repeat(MAX_CLIENT_MSG_ID_BYTES + 1)).check().is_err());
        // Bytes, not characters: 22 three-byte characters are 66 bytes.
        assert!(ClientMsgId("€".repeat(22)).check().is_err());
    }
}
