//! What the widget shows, as a pure reducer over [`Update`]s from the
//! connection machine and the visitor's own gestures. No socket, no DOM.

use baton_protocol::receipts::{DeliveryStatus, ReceiptMarks};
use baton_protocol::visitor::Availability;
use baton_protocol::{
    Author, ClientMsgId, ConversationEvent, ErrorBody, EventBody, Handover, HandoverState, Seq, TYPING_TTL, Timestamp,
};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConnectionState {
    #[default]
    Connecting,
    Online,
    Reconnecting,
}

/// Everything that can change the view.
#[derive(Clone, Debug, PartialEq)]
pub enum Update {
    /// A new (or forgotten) conversation: clear the transcript.
    Reset,
    /// The server's state after a (re)connect.
    Snapshot {
        state: HandoverState,
        availability: Availability,
        team_marks: ReceiptMarks,
    },
    /// How far the team has received / read the visitor's messages.
    Receipts(ReceiptMarks),
    /// Someone on the other side is (or stopped) typing, as of `now`.
    Typing {
        name: String,
        typing: bool,
        now: Timestamp,
    },
    /// Time passes (typing indicators lapse, countdowns move).
    Clock(Timestamp),
    /// Drop a failed message (the visitor retried or dismissed it).
    Forget {
        id: ClientMsgId,
    },
    /// New log events, in `seq` order, each exactly once.
    Events(Vec<ConversationEvent>),
    Availability(Availability),
    /// The visitor typed a message; it shows as "Sending…" until acked.
    Pending {
        id: ClientMsgId,
        text: String,
    },
    Acked {
        id: ClientMsgId,
    },
    Error(ErrorBody),
    Connection(ConnectionState),
    SetOpen(bool),
    DismissError,
}

/// A message the visitor wrote that the log does not hold yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingMessage {
    pub id: ClientMsgId,
    pub text: String,
    /// Acknowledged (stored) but the event itself not yet received.
    pub acked: bool,
    /// Refused by the server: why (shown with a Retry button).
    pub failed: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChatState {
    /// The conversation log, in order.
    pub events: Vec<ConversationEvent>,
    pub pending: Vec<PendingMessage>,
    pub handover: Handover,
    pub availability: Option<Availability>,
    pub connection: ConnectionState,
    pub open: bool,
    /// Messages from the bot or an operator that arrived while the panel was
    /// closed.
    pub unread: u32,
    pub error: Option<ErrorBody>,
    /// How far the team has received / read the visitor's messages.
    pub team_marks: ReceiptMarks,
    /// Who is typing on the other side, until when.
    pub typing: Option<(String, Timestamp)>,
    /// The latest time the driver told us (for countdowns and TTLs).
    pub now: Timestamp,
    /// The first snapshot arrived: later events are live, and count as
    /// unread; the first replay is history.
    loaded: bool,
}

impl ChatState {
    pub fn apply(&mut self, update: Update) {
        match update {
            Update::Reset => {
                *self = ChatState {
                    open: self.open,
                    connection: self.connection,
                    ..ChatState::default()
                };
            }
            Update::Snapshot {
                state,
                availability,
                team_marks,
            } => {
                self.handover = Handover::from_state(state);
                self.availability = Some(availability);
                self.team_marks = team_marks;
                self.loaded = true;
            }
            Update::Receipts(marks) => {
                // Marks only move forward, whatever order frames arrive in.
                let last = self.events.last().map(|e| e.seq).unwrap_or_default();
                self.team_marks
                    .advance(Some(marks.delivered), Some(marks.read), last.max(marks.delivered));
            }
            Update::Typing { name, typing, now } => {
                self.now = now;
                self.typing = typing.then(|| (name, now + TYPING_TTL));
            }
            Update::Clock(now) => {
                self.now = now;
                if self.typing.as_ref().is_some_and(|(_, until)| *until <= now) {
                    self.typing = None;
                }
            }
            Update::Forget { id } => self.pending.retain(|p| p.id != id),
            Update::Events(events) => {
                for event in events {
                    self.handover.observe(&event.body);
                    if let EventBody::Message {
                        author, client_msg_id, ..
                    } = &event.body
                    {
                        if let Some(id) = client_msg_id {
                            self.pending.retain(|p| &p.id != id);
                        }
                        if self.loaded && !self.open && !matches!(author, Author::Visitor) {
                            self.unread += 1;
                        }
                    }
                    self.events.push(event);
                }
            }
            Update::Availability(availability) => self.availability = Some(availability),
            Update::Pending { id, text } => self.pending.push(PendingMessage {
                id,
                text,
                acked: false,
                failed: None,
            }),
            Update::Acked { id } => {
                if let Some(p) = self.pending.iter_mut().find(|p| p.id == id) {
                    p.acked = true;
                }
            }
            Update::Error(error) => {
                // A refused message stays, marked "Not sent", with Retry.
                let failed = error
                    .client_msg_id
                    .as_ref()
                    .and_then(|id| self.pending.iter_mut().find(|p| &p.id == id));
                match failed {
                    Some(p) => p.failed = Some(error.message.clone()),
                    None => self.error = Some(error),
                }
            }
            Update::Connection(connection) => self.connection = connection,
            Update::SetOpen(open) => {
                self.open = open;
                if open {
                    self.unread = 0;
                }
            }
            Update::DismissError => self.error = None,
        }
    }

    /// The delivery state of the visitor's own message stored at `seq`.
    pub fn status_of(&self, seq: Seq) -> DeliveryStatus {
        self.team_marks.status_of(seq)
    }

    /// Whether a clock tick can change what is shown (so idle widgets are
    /// not re-rendered every second).
    pub fn wants_clock(&self) -> bool {
        self.typing.is_some() || matches!(self.handover.state(), HandoverState::Waiting { .. })
    }

    /// "Talk to a human" is offered only while the bot has the chat and at
    /// least one operator is Available.
    pub fn can_request_human(&self) -> bool {
        matches!(self.handover.state(), HandoverState::Bot)
            && self.availability.as_ref().is_some_and(|a| a.human_available)
    }

    /// The bot's inline offer of a person the visitor can act on, by `seq`:
    /// the latest bot turn, if it offers one and nothing in the handover
    /// happened since (a request that lapsed or was cancelled, a person who
    /// came and went), while a request can be made. Older offers are text.
    pub fn current_offer(&self) -> Option<Seq> {
        if !self.can_request_human() {
            return None;
        }
        // The visitor's own messages (and events this build cannot read)
        // leave the offer standing; any other event is a newer turn.
        let latest = self.events.iter().rev().find(|e| {
            !matches!(
                &e.body,
                EventBody::Message {
                    author: Author::Visitor,
                    ..
                } | EventBody::Unknown
            )
        })?;
        matches!(
            &latest.body,
            EventBody::Message {
                author: Author::Bot,
                offer_human: true,
                ..
            }
        )
        .then_some(latest.seq)
    }

    /// Whether the bar below the log shows "Talk to a human": one offer at a
    /// time, so not while the bot's inline offer is current (it is right
    /// where the visitor is reading).
    pub fn bar_offers_human(&self) -> bool {
        self.can_request_human()
            && self.availability.as_ref().is_some_and(|a| a.show_button)
            && self.current_offer().is_none()
    }
}

/// An operator's colour as the stylesheet may use it: `#rgb`, `#rrggbb` or
/// `#rrggbbaa`, else nothing (the theme's accent). The value goes into a CSS
/// custom property, where anything else (`url(…)`, `var(…)`) would be CSS
/// the server never meant to send.
pub fn operator_colour(colour: Option<&str>) -> &str {
    match colour {
        Some(c)
            if matches!(c.len(), 4 | 7 | 9)
                && c.starts_with('#')
                && c.bytes().skip(1).all(|b| b.is_ascii_hexdigit()) =>
        {
            c
        }
        _ => "",
    }
}

#[cfg(test)]
mod tests;
