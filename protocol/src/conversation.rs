//! One conversation's server-side core, pure: it numbers events, recognises
//! retried client message ids, enforces the text limits and the handover
//! rules, mutes the bot while a person owns the chat, and folds receipt
//! marks. A server drives it — persist `events`, then publish them, then
//! send `reply` — and owns nothing of these rules itself.
//!
//! Rebuilding: [`ConversationCore::from_log`] over the stored log (with each
//! first event's client message id) yields the same core, so a restarted
//! server answers retries exactly as before.

use crate::event::{Author, ConversationEvent, EventBody, OperatorProfile};
use crate::followup::Followup;
use crate::handover::{BotMode, Facts, Handover, Intent};
use crate::receipts::ReceiptMarks;
use crate::{ClientMsgId, ErrorBody, ErrorCode, HandoverState, MAX_MESSAGE_CHARS, OperatorId, Seq, Timestamp};
use std::collections::HashMap;

/// Something that happens to a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    VisitorMessage {
        id: ClientMsgId,
        text: String,
    },
    /// `RequestHuman`, `CancelRequest`, `EndHuman` or `KeepWaiting`.
    VisitorIntent {
        id: ClientMsgId,
        intent: Intent,
    },
    OperatorMessage {
        operator: OperatorId,
        id: ClientMsgId,
        text: String,
        /// The operator's text before translation (operators only).
        original: Option<String>,
    },
    /// `Join`, `TakeOver`, `Transfer`, `Leave` or `Resolve`.
    OperatorIntent {
        id: ClientMsgId,
        intent: Intent,
    },
    /// The bot's answer to the visitor; dropped if a person took the chat
    /// while the bot was thinking. With `handover` the bot also asks for a
    /// person (§7.14): its message, then the request with reason and
    /// priority, queued even while nobody is Available.
    BotReply {
        text: String,
        offer_human: bool,
        handover: Option<crate::followup::BotHandover>,
    },
    /// The visitor leaves an email and a message for a reply (§7.15).
    LeaveMessage {
        id: ClientMsgId,
        email: String,
        text: String,
    },
    /// An operator answers the left message by email (§7.15).
    ReplyByEmail {
        operator: OperatorProfile,
        id: ClientMsgId,
        text: String,
    },
    /// The visitor rates the chat a person resolved (§7.15).
    Rate {
        id: ClientMsgId,
        score: u8,
        comment: Option<String>,
    },
    /// The visitor asks for the transcript by email (§7.15).
    Transcript {
        id: ClientMsgId,
        email: String,
    },
    /// A response-window deadline passed (stale timers are harmless).
    Timeout,
    /// The server judged the owner gone ([`crate::absence::owner_verdict`]).
    /// Stale (someone else owns it by now) is harmless: nothing happens.
    OwnerGone {
        operator: OperatorId,
        reason: crate::OwnerGoneReason,
    },
    /// The visitor reports what it has stored / shown.
    VisitorReceipt {
        delivered: Option<Seq>,
        read: Option<Seq>,
    },
    /// An operator reports what the team has stored / shown.
    TeamReceipt {
        delivered: Option<Seq>,
        read: Option<Seq>,
    },
}

impl Input {
    /// The input's kind, for logs: cheap, and without the text it carries.
    pub fn kind(&self) -> &'static str {
        match self {
            Input::VisitorMessage { .. } => "visitor_message",
            Input::VisitorIntent { .. } => "visitor_intent",
            Input::OperatorMessage { .. } => "operator_message",
            Input::OperatorIntent { .. } => "operator_intent",
            Input::BotReply { .. } => "bot_reply",
            Input::LeaveMessage { .. } => "leave_message",
            Input::ReplyByEmail { .. } => "reply_by_email",
            Input::Rate { .. } => "rate",
            Input::Transcript { .. } => "transcript",
            Input::Timeout => "timeout",
            Input::OwnerGone { .. } => "owner_gone",
            Input::VisitorReceipt { .. } => "visitor_receipt",
            Input::TeamReceipt { .. } => "team_receipt",
        }
    }
}

/// The answer owed to whoever sent an input with a client message id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    Ack { id: ClientMsgId, seq: Seq },
    Error(ErrorBody),
}

/// What the driver must do, in this order: persist `events` (with
/// `client_msg_id` on the first), publish them, send `reply`, then the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub events: Vec<ConversationEvent>,
    /// The client message id to store with the first event.
    pub client_msg_id: Option<ClientMsgId>,
    pub reply: Option<Reply>,
    /// Ask the bot to answer the visitor's message just stored.
    pub ask_bot: bool,
    /// A response window started: call `Timeout` at this time.
    pub deadline: Option<Timestamp>,
    /// Receipt marks moved: publish them.
    pub visitor_marks: Option<ReceiptMarks>,
    pub team_marks: Option<ReceiptMarks>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationCore {
    handover: Handover,
    last_seq: Seq,
    /// First seq stored for each client message id.
    seen: HashMap<ClientMsgId, Seq>,
    /// What the visitor has stored / shown (for the operators' messages).
    pub visitor_marks: ReceiptMarks,
    /// What the operators have stored / shown (for the visitor's messages).
    pub team_marks: ReceiptMarks,
    /// While a person owns the chat: when the visitor's oldest message not
    /// yet answered by the owner arrived.
    awaiting_reply_since: Option<Timestamp>,
    /// Lapse choices, left messages, rating, transcript (`followup`).
    followup: Followup,
}

impl ConversationCore {
    /// Rebuilds the core from a stored log: each event with the client
    /// message id stored alongside it (if it was the first of its input).
    pub fn from_log<'a>(log: impl IntoIterator<Item = (&'a ConversationEvent, Option<&'a ClientMsgId>)>) -> Self {
        let mut core = ConversationCore::default();
        for (event, id) in log {
            core.absorb(event, id);
        }
        core
    }

    /// Folds in one event appended elsewhere (another server process), with
    /// the client message id stored beside it: the core then stands as if it
    /// had produced it, so a retry of that input is deduplicated here too.
    /// Events must come in `seq` order, each the one after [`Self::last_seq`].
    pub fn absorb(&mut self, event: &ConversationEvent, client_msg_id: Option<&ClientMsgId>) {
        self.handover.observe(&event.body);
        self.followup.observe(&event.body);
        self.note_waiting(event);
        self.last_seq = event.seq;
        if let Some(id) = client_msg_id {
            self.seen.entry(id.clone()).or_insert(event.seq);
        }
    }

    /// After a restart: the visitor message whose bot turn was under way
    /// when the server stopped. It is owed when the bot may still speak and
    /// the log's last message is the visitor's (neither the bot nor a
    /// person has answered it). Answering it appends the bot's reply, after
    /// which nothing is owed, so it is answered once.
    pub fn owed_bot_turn<'a>(&self, log: &'a [ConversationEvent], mode: BotMode) -> Option<&'a str> {
        if !self.handover.bot_may_reply(mode) {
            return None;
        }
        let last = log.iter().rev().find(|e| matches!(e.body, EventBody::Message { .. }))?;
        match &last.body {
            EventBody::Message {
                author: Author::Visitor,
                text,
                ..
            } => Some(text),
            _ => None,
        }
    }

    pub fn handover(&self) -> &Handover {
        &self.handover
    }

    /// Left messages, rating, transcript, the current request's reason.
    pub fn followup(&self) -> &Followup {
        &self.followup
    }

    pub fn last_seq(&self) -> Seq {
        self.last_seq
    }

    /// While a person owns the chat, when the visitor started waiting for
    /// their reply (the oldest unanswered visitor message); `None` when
    /// nobody waits on the owner.
    pub fn awaiting_reply_since(&self) -> Option<Timestamp> {
        self.awaiting_reply_since
    }

    fn note_waiting(&mut self, event: &ConversationEvent) {
        let owned = matches!(self.handover.state(), crate::HandoverState::Human { .. });
        self.awaiting_reply_since = match &event.body {
            _ if !owned => None,
            EventBody::Message {
                author: Author::Visitor,
                ..
            } => self.awaiting_reply_since.or(Some(event.at)),
            EventBody::Message {
                author: Author::Operator { .. },
                ..
            }
            | EventBody::OperatorJoined { .. }
            | EventBody::OperatorTookOver { .. }
            | EventBody::Transferred { .. } => None,
            _ => self.awaiting_reply_since,
        };
    }

    pub fn handle(&mut self, input: Input, facts: Facts) -> Outcome {
        match input {
            Input::VisitorMessage { id, text } => self.message(id, text, facts, None),
            Input::OperatorMessage {
                operator,
                id,
                text,
                original,
            } => self.message(id, text, facts, Some((operator, original))),
            Input::VisitorIntent { id, intent } | Input::OperatorIntent { id, intent } => {
                if let Some(seq) = self.seen.get(&id) {
                    return Outcome {
                        reply: Some(Reply::Ack { id, seq: *seq }),
                        ..Outcome::default()
                    };
                }
                match self.handover.clone().apply(intent, facts) {
                    Ok(bodies) if bodies.is_empty() => {
                        // Already so (a repeated join, a second request):
                        // success, nothing to store. Remembered, so a retry
                        // gets this same ack; not stored, so after a restart
                        // a retry is judged afresh (an ack, or a conflict if
                        // the chat moved on) — never a second effect.
                        self.seen.insert(id.clone(), self.last_seq);
                        Outcome {
                            reply: Some(Reply::Ack { id, seq: self.last_seq }),
                            ..Outcome::default()
                        }
                    }
                    Ok(bodies) => {
                        let mut outcome = self.append(bodies, Some(id.clone()), facts.now);
                        outcome.reply = Some(Reply::Ack {
                            id,
                            seq: outcome.events[0].seq,
                        });
                        outcome.deadline = self.handover.deadline();
                        outcome
                    }
                    Err(rejection) => Outcome {
                        reply: Some(Reply::Error(
                            ErrorBody::new(rejection.code, rejection.reason)
                                .for_msg(Some(id))
                                .with_state(rejection.current),
                        )),
                        ..Outcome::default()
                    },
                }
            }
            Input::BotReply {
                text,
                offer_human,
                handover,
            } => {
                if !self.handover.bot_may_reply(facts.mode) {
                    return Outcome::default();
                }
                let offer_human = offer_human && facts.human_available && facts.handover_enabled;
                let body = EventBody::Message {
                    author: Author::Bot,
                    text,
                    client_msg_id: None,
                    offer_human,
                    original: None,
                };
                let mut bodies = vec![body];
                if let Some(handover) = handover {
                    // Refused only where handover is off: then the bot's
                    // words stand alone.
                    let request = self.handover.clone().apply(Intent::BotRequest { handover }, facts);
                    bodies.extend(request.unwrap_or_default());
                }
                let mut outcome = self.append(bodies, None, facts.now);
                outcome.deadline = self.handover.deadline().filter(|_| outcome.events.len() > 1);
                outcome
            }
            Input::LeaveMessage { id, email, text } => self.leave_message(id, email, text, facts),
            Input::ReplyByEmail { operator, id, text } => self.reply_by_email(operator, id, text, facts),
            Input::Rate { id, score, comment } => {
                if let Some(done) = self.retried(&id) {
                    return done;
                }
                if !facts.rating {
                    return self.refuse_with(id, ErrorCode::Forbidden, "this assistant does not ask for ratings");
                }
                if let Err(why) = self.followup.may_rate(true) {
                    return self.refuse(id, why);
                }
                match crate::followup::check_rating(score, comment) {
                    Ok(comment) => self.stored(EventBody::Rated { score, comment }, id, facts.now),
                    Err(why) => self.refuse_with(id, ErrorCode::BadFrame, why),
                }
            }
            Input::Transcript { id, email } => {
                if let Some(done) = self.retried(&id) {
                    return done;
                }
                let email = email.trim().to_owned();
                if !crate::followup::valid_email(&email) {
                    return self.refuse_with(id, ErrorCode::BadFrame, "that email address does not look right");
                }
                match self.followup.may_send_transcript() {
                    Ok(()) => self.stored(EventBody::TranscriptRequested { email }, id, facts.now),
                    Err(why) => self.refuse(id, why),
                }
            }
            Input::Timeout => match self.handover.clone().on_timeout(facts.now) {
                Some(body) => self.append(vec![body], None, facts.now),
                None => Outcome::default(),
            },
            Input::OwnerGone { operator, reason } => {
                match self
                    .handover
                    .clone()
                    .apply(Intent::OwnerGone { operator, reason }, facts)
                {
                    Ok(bodies) if !bodies.is_empty() => {
                        let mut outcome = self.append(bodies, None, facts.now);
                        outcome.deadline = self.handover.deadline();
                        outcome
                    }
                    _ => Outcome::default(),
                }
            }
            Input::VisitorReceipt { delivered, read } => {
                let moved = self.visitor_marks.advance(delivered, read, self.last_seq);
                Outcome {
                    visitor_marks: moved.then_some(self.visitor_marks),
                    ..Outcome::default()
                }
            }
            Input::TeamReceipt { delivered, read } => {
                let moved = self.team_marks.advance(delivered, read, self.last_seq);
                Outcome {
                    team_marks: moved.then_some(self.team_marks),
                    ..Outcome::default()
                }
            }
        }
    }

    /// A chat message; `operator` is the author and the text they wrote
    /// before translation, or `None` for the visitor.
    fn message(
        &mut self,
        id: ClientMsgId,
        text: String,
        facts: Facts,
        operator: Option<(OperatorId, Option<String>)>,
    ) -> Outcome {
        if let Some(seq) = self.seen.get(&id) {
            return Outcome {
                reply: Some(Reply::Ack { id, seq: *seq }),
                ..Outcome::default()
            };
        }
        let refuse = |code, message: String, state| Outcome {
            reply: Some(Reply::Error(
                ErrorBody::new(code, message)
                    .for_msg(Some(id.clone()))
                    .with_optional_state(state),
            )),
            ..Outcome::default()
        };
        let text = text.trim();
        if text.is_empty() {
            return refuse(ErrorCode::BadFrame, "a message needs some text".into(), None);
        }
        let (operator, original) = match operator {
            Some((op, original)) => (Some(op), original),
            None => (None, None),
        };
        // An original equal to the text (or blank) says nothing.
        let original = original
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty() && o != text);
        let too_long = |t: &str| t.chars().count() > MAX_MESSAGE_CHARS;
        if too_long(text) || original.as_deref().is_some_and(too_long) {
            return refuse(
                ErrorCode::TooLarge,
                format!("messages are limited to {MAX_MESSAGE_CHARS} characters"),
                None,
            );
        }
        let author = match &operator {
            None => match self.handover.check_visitor_send() {
                Ok(()) => Author::Visitor,
                Err(r) => return refuse(r.code, r.reason.into(), Some(r.current)),
            },
            Some(op) => match self.handover.check_operator_send(op) {
                // The visitor sees the name the owner chose when joining.
                Ok(profile) => Author::Operator { operator: profile },
                Err(r) => return refuse(r.code, r.reason.into(), Some(r.current)),
            },
        };
        let is_visitor = operator.is_none();
        let body = EventBody::Message {
            author,
            text: text.to_owned(),
            client_msg_id: Some(id.clone()),
            offer_human: false,
            original,
        };
        let mut bodies = vec![body];
        if is_visitor
            && facts.mode == BotMode::HumanOnly
            && facts.handover_enabled
            && self.handover.state() == &crate::HandoverState::Bot
        {
            // Human-only: every conversation is routed to the team.
            let mut next = self.handover.clone();
            next.observe(&bodies[0]);
            bodies.extend(next.request_for_human_only(facts));
        }
        let mut outcome = self.append(bodies, Some(id.clone()), facts.now);
        outcome.reply = Some(Reply::Ack {
            id,
            seq: outcome.events[0].seq,
        });
        outcome.ask_bot = is_visitor && self.handover.bot_may_reply(facts.mode);
        outcome.deadline = self.handover.deadline().filter(|_| outcome.events.len() > 1);
        outcome
    }

    /// The ack owed to a retried input, if `id` was seen.
    fn retried(&self, id: &ClientMsgId) -> Option<Outcome> {
        self.seen.get(id).map(|seq| Outcome {
            reply: Some(Reply::Ack {
                id: id.clone(),
                seq: *seq,
            }),
            ..Outcome::default()
        })
    }

    /// A `conflict` carrying the current state.
    fn refuse(&self, id: ClientMsgId, why: &'static str) -> Outcome {
        let rejection = self.handover.reject(ErrorCode::Conflict, why);
        Outcome {
            reply: Some(Reply::Error(
                ErrorBody::new(rejection.code, why)
                    .for_msg(Some(id))
                    .with_state(rejection.current),
            )),
            ..Outcome::default()
        }
    }

    /// An error without state (bad input).
    fn refuse_with(&self, id: ClientMsgId, code: ErrorCode, why: &str) -> Outcome {
        Outcome {
            reply: Some(Reply::Error(ErrorBody::new(code, why).for_msg(Some(id)))),
            ..Outcome::default()
        }
    }

    /// One event stored for input `id`, acknowledged.
    fn stored(&mut self, body: EventBody, id: ClientMsgId, at: Timestamp) -> Outcome {
        let mut outcome = self.append(vec![body], Some(id.clone()), at);
        outcome.reply = Some(Reply::Ack {
            id,
            seq: outcome.events[0].seq,
        });
        outcome
    }

    /// The visitor leaves an email and a message: after a lapse when the
    /// bot offers it, or whenever nobody is Available (lead capture), while
    /// no person owns the chat.
    fn leave_message(&mut self, id: ClientMsgId, email: String, text: String, facts: Facts) -> Outcome {
        if let Some(done) = self.retried(&id) {
            return done;
        }
        let (email, text) = (email.trim().to_owned(), text.trim().to_owned());
        if !crate::followup::valid_email(&email) {
            return self.refuse_with(id, ErrorCode::BadFrame, "that email address does not look right");
        }
        if text.is_empty() {
            return self.refuse_with(id, ErrorCode::BadFrame, "a message needs some text");
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            let why = format!("messages are limited to {MAX_MESSAGE_CHARS} characters");
            return self.refuse_with(id, ErrorCode::TooLarge, &why);
        }
        if !facts.handover_enabled {
            let rejection = self.handover.reject(
                ErrorCode::HandoverDisabled,
                "this assistant does not hand over to people",
            );
            return Outcome {
                reply: Some(Reply::Error(
                    ErrorBody::new(rejection.code, rejection.reason)
                        .for_msg(Some(id))
                        .with_state(rejection.current),
                )),
                ..Outcome::default()
            };
        }
        let state = self.handover.state();
        let unowned = matches!(state, HandoverState::Bot | HandoverState::Waiting { .. });
        let after_lapse = self.handover.lapsed() && facts.after_lapse.leave_message;
        if !unowned {
            return self.refuse(id, "a message is left while no person has the chat");
        }
        if !after_lapse && facts.human_available {
            return self.refuse(id, "a message is left after a lapse, or while nobody is available");
        }
        self.stored(EventBody::MessageLeft { email, text }, id, facts.now)
    }

    /// An operator answers the left message by email. Any operator of the
    /// bot may, unless a teammate owns the chat.
    fn reply_by_email(&mut self, operator: OperatorProfile, id: ClientMsgId, text: String, facts: Facts) -> Outcome {
        if let Some(done) = self.retried(&id) {
            return done;
        }
        let text = text.trim().to_owned();
        if text.is_empty() {
            return self.refuse_with(id, ErrorCode::BadFrame, "a reply needs some text");
        }
        if text.chars().count() > MAX_MESSAGE_CHARS {
            let why = format!("messages are limited to {MAX_MESSAGE_CHARS} characters");
            return self.refuse_with(id, ErrorCode::TooLarge, &why);
        }
        if self.followup.left_email.is_none() {
            return self.refuse(id, "the visitor left no email to answer");
        }
        if let HandoverState::Human { operator: owner } = self.handover.state()
            && owner.id != operator.id
        {
            return self.refuse(id, "another operator owns this chat");
        }
        self.stored(EventBody::EmailReplied { operator, text }, id, facts.now)
    }

    fn append(&mut self, bodies: Vec<EventBody>, id: Option<ClientMsgId>, at: Timestamp) -> Outcome {
        let mut events = Vec::with_capacity(bodies.len());
        for body in bodies {
            self.last_seq = self.last_seq.next();
            self.handover.observe(&body);
            self.followup.observe(&body);
            let event = ConversationEvent {
                seq: self.last_seq,
                at,
                body,
            };
            self.note_waiting(&event);
            events.push(event);
        }
        if let (Some(id), Some(first)) = (&id, events.first()) {
            self.seen.insert(id.clone(), first.seq);
        }
        Outcome {
            events,
            client_msg_id: id,
            ..Outcome::default()
        }
    }
}

#[cfg(test)]
mod tests;
