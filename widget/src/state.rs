//! What the widget shows, as a pure reducer over [`Update`]s from the
//! connection machine and the visitor's own gestures. No socket, no DOM.

use baton_protocol::followup::{AfterLapse, Followup};
use baton_protocol::receipts::{DeliveryStatus, ReceiptMarks};
use baton_protocol::visitor::Availability;
use baton_protocol::{
    Author, ClientMsgId, ConversationEvent, ErrorBody, EventBody, Handover, HandoverState, Seq, TYPING_TTL, Timestamp,
};
use std::rc::Rc;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConnectionState {
    #[default]
    Connecting,
    Online,
    Reconnecting,
}

/// A form the visitor opened below the log (it replaces the message box).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// An email address and a message, for a reply by email (after a
    /// lapse, or while nobody is online).
    LeaveMessage,
    /// Where to email a copy of the closed chat.
    Transcript,
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
    /// The visitor's place in the line while waiting, and the estimate in
    /// whole minutes (`None`: too little data, "a few minutes").
    Queue {
        position: u32,
        estimate_minutes: Option<u32>,
    },
    /// Open (or close) a form below the log.
    Form(Option<Form>),
    /// "Back to the assistant" after a lapse: the choices go away.
    DismissChoices,
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
    /// The conversation log, in order. Shared, not owned: the reducer
    /// clones the state on every update, and cloning an `Rc` is a count,
    /// where cloning an event copies its strings (and links `EventBody`'s
    /// whole `Clone` into the WebAssembly).
    pub events: Vec<Rc<ConversationEvent>>,
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
    /// Place in the line and estimate, while waiting (`Update::Queue`).
    pub queue: Option<(u32, Option<u32>)>,
    pub form: Option<Form>,
    /// What the log says about the follow-up: who resolved, whether it
    /// was rated, the transcript sent, a left message.
    pub followup: Followup,
    /// A request lapsed and the visitor has not chosen yet (nor left a
    /// message, written to the assistant or dismissed the choices).
    /// Followed here from the events: a snapshot's state cannot say it.
    lapse_open: bool,
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
                self.leave_waiting();
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
                    self.followup.observe(&event.body);
                    self.lapse_open = match &event.body {
                        EventBody::RequestLapsed => true,
                        EventBody::Message {
                            author: Author::Visitor,
                            ..
                        }
                        | EventBody::MessageLeft { .. } => false,
                        // Other messages and the follow-up leave it open;
                        // any other handover event answers it.
                        EventBody::Message { .. }
                        | EventBody::EmailReplied { .. }
                        | EventBody::Rated { .. }
                        | EventBody::TranscriptRequested { .. }
                        | EventBody::Unknown => self.lapse_open,
                        _ => false,
                    };
                    // The form closes once its event is in the log.
                    if matches!(
                        event.body,
                        EventBody::MessageLeft { .. } | EventBody::TranscriptRequested { .. }
                    ) {
                        self.form = None;
                    }
                    self.leave_waiting();
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
                    self.events.push(Rc::new(event));
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
            Update::Queue {
                position,
                estimate_minutes,
            } => {
                if matches!(self.handover.state(), HandoverState::Waiting { .. }) {
                    self.queue = Some((position, estimate_minutes));
                }
            }
            Update::Form(form) => self.form = form,
            Update::DismissChoices => self.lapse_open = false,
        }
    }

    /// The place in line belongs to one wait: it goes when the wait ends.
    fn leave_waiting(&mut self) {
        if !matches!(self.handover.state(), HandoverState::Waiting { .. }) {
            self.queue = None;
        }
    }

    /// The choices after a lapse, as the bot offers them, while the visitor
    /// has not picked one: `None` when there is nothing to choose.
    pub fn lapse_choices(&self) -> Option<AfterLapse> {
        let offered = self.availability.as_ref()?.after_lapse;
        (self.lapse_open
            && matches!(self.handover.state(), HandoverState::Bot)
            && (offered.keep_waiting || offered.leave_message || offered.back_to_bot))
            .then_some(offered)
    }

    /// Nobody is online: the offline message offers the email form (unless
    /// a left message already waits for its answer).
    pub fn offline_form(&self) -> bool {
        matches!(self.handover.state(), HandoverState::Bot)
            && self.availability.as_ref().is_some_and(|a| !a.human_available)
            && !self.followup.awaiting_email_reply
    }

    /// After a person resolved the chat, whom to rate, if the bot asks and
    /// the visitor has not rated yet.
    pub fn rating_for(&self) -> Option<&str> {
        let on = self.availability.as_ref().is_some_and(|a| a.rating);
        self.followup.may_rate(on).ok()?;
        self.followup.resolved_by_person.as_ref().map(|op| op.name.as_str())
    }

    /// The closed chat's transcript may still be asked for.
    pub fn offers_transcript(&self) -> bool {
        matches!(self.handover.state(), HandoverState::Resolved) && self.followup.may_send_transcript().is_ok()
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

#[cfg(test)]
mod followup_tests;

/// A plausible email address, checked before the server checks it fully:
/// something before one `@`, a dot inside what follows, no spaces. Byte
/// scans only (the protocol's `valid_email` links a substring searcher).
pub fn looks_like_email(email: &str) -> bool {
    let b = email.as_bytes();
    let Some(at) = b.iter().position(|c| *c == b'@') else {
        return false;
    };
    let domain = &b[at + 1..];
    at > 0
        && !b.iter().any(|c| c.is_ascii_whitespace() || matches!(c, b'<' | b'>'))
        && !domain.contains(&b'@')
        && domain
            .iter()
            .position(|c| *c == b'.')
            .is_some_and(|dot| dot > 0 && dot + 1 < domain.len())
        && domain.last() != Some(&b'.')
}
