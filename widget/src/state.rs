//! What the widget shows, as a pure reducer over [`Update`]s from the
//! connection machine and the visitor's own gestures. No socket, no DOM.

use baton_protocol::visitor::Availability;
use baton_protocol::{Author, ClientMsgId, ConversationEvent, ErrorBody, EventBody, Handover, HandoverState};

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
            Update::Snapshot { state, availability } => {
                self.handover = Handover::from_state(state);
                self.availability = Some(availability);
                self.loaded = true;
            }
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
            Update::Pending { id, text } => self.pending.push(PendingMessage { id, text, acked: false }),
            Update::Acked { id } => {
                if let Some(p) = self.pending.iter_mut().find(|p| p.id == id) {
                    p.acked = true;
                }
            }
            Update::Error(error) => {
                if let Some(id) = &error.client_msg_id {
                    self.pending.retain(|p| &p.id != id);
                }
                self.error = Some(error);
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

    /// "Talk to a human" is offered only while the bot has the chat and at
    /// least one operator is Available.
    pub fn can_request_human(&self) -> bool {
        matches!(self.handover.state(), HandoverState::Bot)
            && self.availability.as_ref().is_some_and(|a| a.human_available)
    }
}

#[cfg(test)]
mod tests;
