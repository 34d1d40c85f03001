//! Receipts as cumulative high-water marks.
//!
//! A participant never acknowledges messages one by one. It says "I have
//! stored everything up to `seq` N" (delivered) and "I have shown everything
//! up to `seq` M in a visible, focused view" (read). Marks only move forward:
//! a lower mark is ignored, so receipts may be lost, repeated or reordered
//! without harm, and are never replayed.
//!
//! What never gets a receipt: a participant's own messages (you do not
//! receive what you sent), history pages fetched for scrolling (already
//! covered by the marks, or older than them), receipts themselves, and
//! ephemeral frames (typing, presence).
//!
//! Sent is implied by the `ack`: acked means stored by the server.

use crate::Seq;
use serde::{Deserialize, Serialize};

/// One side's marks in one conversation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReceiptMarks {
    /// Everything up to this seq is stored on the participant's device.
    pub delivered: Seq,
    /// Everything up to this seq has been shown to the participant.
    pub read: Seq,
}

impl ReceiptMarks {
    /// Folds in a reported mark, clamped to what exists (`last_seq`). Read
    /// implies delivered. Returns true when anything moved forward.
    pub fn advance(&mut self, delivered: Option<Seq>, read: Option<Seq>, last_seq: Seq) -> bool {
        let before = *self;
        if let Some(read) = read {
            self.read = self.read.max(read.min(last_seq));
        }
        if let Some(delivered) = delivered {
            self.delivered = self.delivered.max(delivered.min(last_seq));
        }
        self.delivered = self.delivered.max(self.read);
        *self != before
    }

    /// The state of a message at `seq` as its sender sees it.
    pub fn status_of(&self, seq: Seq) -> DeliveryStatus {
        if self.read >= seq {
            DeliveryStatus::Read
        } else if self.delivered >= seq {
            DeliveryStatus::Delivered
        } else {
            DeliveryStatus::Sent
        }
    }
}

/// A message's delivery state as its sender sees it. `sending` and `failed`
/// exist only on the sender's device (no ack yet / refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Sending,
    Sent,
    Delivered,
    Read,
    Failed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_only_move_forward_and_read_implies_delivered() {
        let mut m = ReceiptMarks::default();
        assert!(m.advance(Some(Seq(3)), None, Seq(10)));
        assert!(!m.advance(Some(Seq(2)), None, Seq(10)), "a lower mark is ignored");
        assert!(m.advance(None, Some(Seq(5)), Seq(10)));
        assert_eq!(
            m,
            ReceiptMarks {
                delivered: Seq(5),
                read: Seq(5)
            }
        );
        assert!(!m.advance(Some(Seq(4)), Some(Seq(1)), Seq(10)));
    }

    #[test]
    fn marks_cannot_pass_the_end_of_the_log() {
        let mut m = ReceiptMarks::default();
        m.advance(Some(Seq(99)), Some(Seq(99)), Seq(7));
        assert_eq!(
            m,
            ReceiptMarks {
                delivered: Seq(7),
                read: Seq(7)
            }
        );
    }

    #[test]
    fn status_of_a_message() {
        let m = ReceiptMarks {
            delivered: Seq(6),
            read: Seq(4),
        };
        assert_eq!(m.status_of(Seq(4)), DeliveryStatus::Read);
        assert_eq!(m.status_of(Seq(5)), DeliveryStatus::Delivered);
        assert_eq!(m.status_of(Seq(7)), DeliveryStatus::Sent);
    }
}
