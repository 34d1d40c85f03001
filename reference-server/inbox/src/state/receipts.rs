//! Receipts in the inbox's state: both sides' marks per conversation, the
//! `receipt` the inbox owes for the open conversation, and the status shown
//! under my messages.

use super::InboxState;
use baton_protocol::receipts::{DeliveryStatus, ReceiptMarks};
use baton_protocol::{Author, ConversationEvent, ConversationId, EventBody, Seq};

/// Both sides' receipt marks in one conversation, as the server last sent
/// them in a `receipts` frame (PROTOCOL.md §5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// How far the visitor has received / read: applies to operator messages.
    pub visitor: ReceiptMarks,
    /// How far the team has received / read: applies to visitor messages.
    pub team: ReceiptMarks,
}

/// A `receipt` frame the inbox should send for the open conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptReport {
    pub conversation: ConversationId,
    pub delivered: Option<Seq>,
    pub read: Option<Seq>,
}

impl InboxState {
    /// The receipt marks known for a conversation (zero until a `receipts`
    /// frame arrives).
    pub fn marks_of(&self, conversation: &ConversationId) -> Marks {
        self.marks.get(conversation).copied().unwrap_or_default()
    }

    /// The `receipt` the inbox owes for the open conversation, if any: once its
    /// history has loaded, everything shown is delivered, and — when the tab
    /// is visible and focused (`shown`) — read. Only a mark that passes a
    /// visitor message the team has not yet received (or read) is due, so
    /// an unchanged view sends nothing.
    pub fn receipt_due(&self, shown: bool) -> Option<ReceiptReport> {
        let open = self.open.as_ref().filter(|o| o.loaded)?;
        let (&last, _) = open.events.last_key_value()?;
        let team = self.marks_of(&open.id).team;
        let reported = self.reported.get(&open.id).copied().unwrap_or_default();
        let known = ReceiptMarks {
            delivered: team.delivered.max(reported.delivered).max(reported.read),
            read: team.read.max(reported.read),
        };
        let passes_visitor_message = |mark: Seq| {
            open.events.range(Seq(mark.0.saturating_add(1))..).any(|(_, e)| {
                matches!(
                    &e.body,
                    EventBody::Message {
                        author: Author::Visitor,
                        ..
                    }
                )
            })
        };
        let report = if shown && passes_visitor_message(known.read) {
            ReceiptReport {
                conversation: open.id.clone(),
                delivered: None,
                read: Some(last),
            }
        } else if passes_visitor_message(known.delivered) {
            ReceiptReport {
                conversation: open.id.clone(),
                delivered: Some(last),
                read: None,
            }
        } else {
            return None;
        };
        Some(report)
    }
}

/// The delivery status shown under a stored message, as its sender's side (the
/// team) sees it: operator messages only, from the visitor's marks. Visitor
/// and bot messages and handover lines show none.
pub fn receipt_of(event: &ConversationEvent, visitor: ReceiptMarks) -> Option<DeliveryStatus> {
    match &event.body {
        EventBody::Message {
            author: Author::Operator { .. },
            ..
        } => Some(visitor.status_of(event.seq)),
        _ => None,
    }
}
