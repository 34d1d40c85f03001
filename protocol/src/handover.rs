//! The handover rules as a pure state machine.
//!
//! [`Handover::apply`] takes an intent plus the facts it depends on (time,
//! operator availability) and either returns the events to persist, or a
//! [`Rejection`] carrying the current state. [`Handover::observe`] folds a
//! persisted event into the state, so the state after a restart is exactly
//! the fold of the stored log — the engine keeps nothing the log does not.
//! The engine never reads a clock: deadlines are data, and the driver calls
//! [`Handover::on_timeout`] once `now >= deadline()`.
//!
//! ```text
//!          request_human                join
//!   Bot ─────────────────▶ Waiting ───────────────▶ Human(op)
//!    ▲  ◀── cancel / lapse ──┘                         │ take_over / transfer
//!    │                                                 ▼ (owner replaced)
//!    └────────────── leave / visitor ends ──────── Human(op')
//!   any open state ── resolve ──▶ Resolved
//!   Human(op) ── owner gone (Offline, deactivated, or no inbox while the
//!                visitor waits: see `absence`) ──▶ Waiting (new window)
//! ```

use crate::error::ErrorCode;
use crate::event::{EventBody, OperatorProfile, OwnerGoneReason};
use crate::{Millis, OperatorId, Timestamp};
use serde::{Deserialize, Serialize};

/// Who has the conversation right now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum HandoverState {
    /// The bot answers.
    #[default]
    Bot,
    /// The visitor asked for a person; the bot stays quiet until an operator
    /// joins or the response window lapses at `deadline`.
    Waiting { deadline: Timestamp },
    /// An operator owns the chat; only they may send to the visitor.
    Human { operator: OperatorProfile },
    /// Closed. Nothing more happens in this conversation.
    Resolved,
    /// A state this build does not know (a newer peer).
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

/// Something a participant wants to happen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Visitor: "Talk to a human".
    RequestHuman,
    /// Visitor: withdraw a pending request.
    CancelRequest,
    /// Visitor: end the human chat and go back to the bot.
    EndHuman,
    /// Visitor, right after a lapse: wait again, a new window — even if
    /// nobody is Available now (when offered: `Facts::after_lapse`).
    KeepWaiting,
    /// The bot asks for a person (§7.14): queued like a human-only request,
    /// whether or not anyone is Available, so it is never lost.
    BotRequest { handover: crate::followup::BotHandover },
    /// Operator: claim a chat nobody owns (waiting or with the bot).
    Join { operator: OperatorProfile },
    /// Operator: replace the current owner, who must be `replacing` — the
    /// owner the operator saw. If someone else owns it by now, the intent is
    /// stale and gets `conflict`, so two simultaneous take-overs cannot both
    /// win.
    TakeOver {
        operator: OperatorProfile,
        replacing: OperatorId,
    },
    /// Owner: hand the chat to `to`, who must be Available.
    Transfer {
        from: OperatorId,
        to: OperatorProfile,
        to_available: bool,
    },
    /// Owner: hand the chat back to the bot.
    Leave { operator: OperatorId },
    /// Owner, or any operator while nobody owns it: close the chat.
    Resolve { operator: OperatorProfile },
    /// Server: the owner `operator` is gone (see [`crate::absence`]); the
    /// chat goes back to the team with a new response window, the bot
    /// still muted. Refused unless `operator` owns the chat.
    OwnerGone {
        operator: OperatorId,
        reason: OwnerGoneReason,
    },
}

/// Which operator actions the rules allow right now, for one operator.
/// UIs show or enable their controls from this instead of re-deriving the
/// rules; each flag is exactly "[`Handover::apply`] would accept it".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperatorActions {
    /// Claim the chat (nobody owns it).
    pub join: bool,
    /// Replace the owner shown here (a teammate owns it).
    pub take_over: Option<OperatorProfile>,
    /// Hand the chat to an Available teammate (I own it).
    pub transfer: bool,
    /// Hand the chat back to the bot (I own it).
    pub leave: bool,
    /// Close the chat (I own it, or nobody does).
    pub resolve: bool,
    /// Write to the visitor (I own it).
    pub reply: bool,
}

/// How a bot works with people.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BotMode {
    /// The bot answers; a person takes over on request.
    #[default]
    Assisted,
    /// The bot is bypassed: every visitor message asks for a person.
    HumanOnly,
}

/// The facts an intent is judged against, supplied by the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts {
    pub now: Timestamp,
    /// At least one operator is Available for this conversation's bot.
    pub human_available: bool,
    /// How long a help request waits for an operator.
    pub response_window: Millis,
    /// Whether visitors may ask for a person at all (per bot).
    pub handover_enabled: bool,
    pub mode: BotMode,
    /// Which choices a lapse offers (per bot).
    pub after_lapse: crate::followup::AfterLapse,
    /// Whether the bot asks for a rating after a person resolves.
    pub rating: bool,
}

impl Facts {
    /// Typical facts: handover on, assisted mode, a person available.
    pub fn at(now: Timestamp, response_window: Millis) -> Facts {
        Facts {
            now,
            human_available: true,
            response_window,
            handover_enabled: true,
            mode: BotMode::Assisted,
            after_lapse: crate::followup::AfterLapse::default(),
            rating: true,
        }
    }
}

/// Why an intent was refused, with the state it was judged against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub code: ErrorCode,
    pub reason: &'static str,
    pub current: HandoverState,
}

/// One conversation's handover state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Handover {
    state: HandoverState,
    /// The latest handover event was a lapse (the visitor may still choose
    /// what to do, `followup`).
    lapsed: bool,
}

impl Handover {
    /// Rebuilds the state from a stored log.
    pub fn from_log<'a>(events: impl IntoIterator<Item = &'a EventBody>) -> Handover {
        let mut handover = Handover::default();
        for event in events {
            handover.observe(event);
        }
        handover
    }

    /// Starts from a state the server reported (a client's snapshot).
    pub fn from_state(state: HandoverState) -> Handover {
        Handover { state, lapsed: false }
    }

    /// The latest handover event was a lapse: the visitor's choices apply.
    pub fn lapsed(&self) -> bool {
        self.lapsed
    }

    pub fn state(&self) -> &HandoverState {
        &self.state
    }

    /// The bot may answer only while it owns the chat (never in human-only
    /// mode, where there is no bot to speak).
    pub fn bot_may_reply(&self, mode: BotMode) -> bool {
        mode == BotMode::Assisted && matches!(self.state, HandoverState::Bot)
    }

    /// When the driver must call [`Handover::on_timeout`].
    pub fn deadline(&self) -> Option<Timestamp> {
        match self.state {
            HandoverState::Waiting { deadline } => Some(deadline),
            _ => None,
        }
    }

    /// Checks that `operator` may send a chat message to the visitor, and
    /// returns the profile the visitor sees for them.
    pub fn check_operator_send(&self, operator: &OperatorId) -> Result<OperatorProfile, Rejection> {
        match &self.state {
            HandoverState::Human { operator: owner } if &owner.id == operator => Ok(owner.clone()),
            HandoverState::Human { .. } => Err(self.reject(ErrorCode::Conflict, "another operator owns this chat")),
            HandoverState::Waiting { .. } | HandoverState::Bot => {
                Err(self.reject(ErrorCode::Conflict, "join the chat before replying"))
            }
            HandoverState::Resolved | HandoverState::Unknown => {
                Err(self.reject(ErrorCode::Conflict, "the chat is closed"))
            }
        }
    }

    /// What `me` may do now. Each answer comes from [`Handover::apply`] (or
    /// [`Handover::check_operator_send`]) run on a copy, so the UI and the
    /// server can never disagree about a rule.
    pub fn operator_actions(&self, me: &OperatorProfile, now: Timestamp) -> OperatorActions {
        let facts = Facts::at(now, Millis(0));
        let accepts = |intent: Intent| self.clone().apply(intent, facts).is_ok_and(|events| !events.is_empty());
        let owner = match &self.state {
            HandoverState::Human { operator } => Some(operator.clone()),
            _ => None,
        };
        let someone_else = OperatorProfile {
            id: OperatorId(format!("{}~other", me.id.0)),
            name: String::new(),
            avatar_url: None,
            colour: None,
        };
        OperatorActions {
            join: accepts(Intent::Join { operator: me.clone() }),
            take_over: owner.filter(|owner| {
                accepts(Intent::TakeOver {
                    operator: me.clone(),
                    replacing: owner.id.clone(),
                })
            }),
            transfer: accepts(Intent::Transfer {
                from: me.id.clone(),
                to: someone_else,
                to_available: true,
            }),
            leave: accepts(Intent::Leave {
                operator: me.id.clone(),
            }),
            resolve: accepts(Intent::Resolve { operator: me.clone() }),
            reply: self.check_operator_send(&me.id).is_ok(),
        }
    }

    /// Checks that the visitor may still write in this conversation.
    pub fn check_visitor_send(&self) -> Result<(), Rejection> {
        match self.state {
            HandoverState::Resolved => Err(self.reject(ErrorCode::Conflict, "the chat is closed; start a new one")),
            _ => Ok(()),
        }
    }

    /// Judges an intent. On success returns the events to persist, in order,
    /// already folded into the state; an empty list means "already so"
    /// (a retried intent), which is still a success.
    pub fn apply(&mut self, intent: Intent, facts: Facts) -> Result<Vec<EventBody>, Rejection> {
        use HandoverState as S;
        let events = match (&self.state, intent) {
            (S::Bot, Intent::RequestHuman) if !facts.handover_enabled => {
                return Err(self.reject(
                    ErrorCode::HandoverDisabled,
                    "this assistant does not hand over to people",
                ));
            }
            // Human-only mode queues the request even while nobody is
            // Available, exactly as a visitor's message would.
            (S::Bot, Intent::RequestHuman) if facts.human_available || facts.mode == BotMode::HumanOnly => {
                vec![help(facts, None)]
            }
            (S::Bot, Intent::RequestHuman) => {
                return Err(self.reject(ErrorCode::NoOperatorAvailable, "no operator is available right now"));
            }
            (S::Waiting { .. }, Intent::RequestHuman | Intent::KeepWaiting) => vec![],
            (S::Bot, Intent::KeepWaiting) if !facts.handover_enabled => {
                return Err(self.reject(
                    ErrorCode::HandoverDisabled,
                    "this assistant does not hand over to people",
                ));
            }
            (S::Bot, Intent::KeepWaiting) if !facts.after_lapse.keep_waiting => {
                return Err(self.reject(ErrorCode::Forbidden, "this assistant does not offer to keep waiting"));
            }
            (S::Bot, Intent::KeepWaiting) if self.lapsed => vec![help(facts, None)],
            (S::Bot, Intent::KeepWaiting) => {
                return Err(self.reject(ErrorCode::Conflict, "keep waiting follows a request that lapsed"));
            }
            (S::Bot, Intent::BotRequest { handover }) if facts.handover_enabled => {
                vec![help(facts, Some(handover.normalised()))]
            }
            (S::Waiting { .. }, Intent::BotRequest { .. }) => vec![],
            (S::Waiting { .. }, Intent::CancelRequest) => vec![EventBody::RequestCancelled],
            (S::Human { operator }, Intent::EndHuman) => {
                vec![EventBody::VisitorEndedHuman {
                    operator: operator.clone(),
                }]
            }
            (S::Bot | S::Waiting { .. }, Intent::Join { operator }) => vec![EventBody::OperatorJoined { operator }],
            (S::Human { operator: owner }, Intent::Join { operator }) if owner.id == operator.id => vec![],
            (S::Human { .. }, Intent::Join { .. }) => {
                return Err(self.reject(
                    ErrorCode::Conflict,
                    "a teammate already owns this chat; take over instead",
                ));
            }
            (S::Human { operator: owner }, Intent::TakeOver { operator, .. }) if owner.id == operator.id => vec![],
            (S::Human { operator: owner }, Intent::TakeOver { operator, replacing }) if owner.id == replacing => {
                vec![EventBody::OperatorTookOver {
                    operator,
                    previous: owner.clone(),
                }]
            }
            (S::Human { .. }, Intent::TakeOver { .. }) => {
                return Err(self.reject(
                    ErrorCode::Conflict,
                    "the chat changed hands; look again before taking over",
                ));
            }
            (S::Human { operator: owner }, Intent::Transfer { from, to, to_available }) if owner.id == from => {
                if !to_available {
                    return Err(self.reject(ErrorCode::Conflict, "transfers go only to an Available operator"));
                }
                if to.id == from {
                    return Err(self.reject(ErrorCode::Conflict, "you already own this chat"));
                }
                vec![EventBody::Transferred {
                    from: owner.clone(),
                    to,
                }]
            }
            (S::Human { operator: owner }, Intent::Leave { operator }) if owner.id == operator => {
                vec![EventBody::OperatorLeft {
                    operator: owner.clone(),
                }]
            }
            // The visitor sees the name the owner chose when joining.
            (S::Human { operator: owner }, Intent::Resolve { operator }) if owner.id == operator.id => {
                vec![EventBody::Resolved {
                    by: Some(owner.clone()),
                }]
            }
            (S::Bot | S::Waiting { .. }, Intent::Resolve { operator }) => {
                vec![EventBody::Resolved { by: Some(operator) }]
            }
            (S::Human { operator: owner }, Intent::OwnerGone { operator, reason }) if owner.id == operator => {
                vec![EventBody::OwnerGone {
                    operator: owner.clone(),
                    deadline: facts.now + facts.response_window,
                    reason,
                }]
            }
            (S::Resolved, _) => return Err(self.reject(ErrorCode::Conflict, "the chat is closed")),
            _ => return Err(self.reject(ErrorCode::Conflict, "this does not fit the chat's current state")),
        };
        for event in &events {
            self.observe(event);
        }
        Ok(events)
    }

    /// Human-only mode: a visitor's message in an unowned chat asks for a
    /// person, whether or not anyone is Available yet (the chat waits in the
    /// inbox for whoever comes online).
    pub(crate) fn request_for_human_only(&self, facts: Facts) -> Vec<EventBody> {
        match self.state {
            HandoverState::Bot => vec![help(facts, None)],
            _ => vec![],
        }
    }

    /// Lets a running response window lapse. Returns the event to persist
    /// when it did; a stale timer (the state moved on) returns `None`.
    pub fn on_timeout(&mut self, now: Timestamp) -> Option<EventBody> {
        match self.state {
            HandoverState::Waiting { deadline } if now >= deadline => {
                let event = EventBody::RequestLapsed;
                self.observe(&event);
                Some(event)
            }
            _ => None,
        }
    }

    /// Folds one persisted event into the state. Chat messages and unknown
    /// events leave it unchanged.
    pub fn observe(&mut self, event: &EventBody) {
        use HandoverState as S;
        if !matches!(
            event,
            EventBody::Message { .. }
                | EventBody::MessageLeft { .. }
                | EventBody::EmailReplied { .. }
                | EventBody::Rated { .. }
                | EventBody::TranscriptRequested { .. }
                | EventBody::Unknown
        ) {
            self.lapsed = matches!(event, EventBody::RequestLapsed);
        }
        self.state = match event {
            EventBody::HelpRequested { deadline, .. } | EventBody::OwnerGone { deadline, .. } => {
                S::Waiting { deadline: *deadline }
            }
            EventBody::RequestCancelled
            | EventBody::RequestLapsed
            | EventBody::OperatorLeft { .. }
            | EventBody::VisitorEndedHuman { .. } => S::Bot,
            EventBody::OperatorJoined { operator } | EventBody::OperatorTookOver { operator, .. } => S::Human {
                operator: operator.clone(),
            },
            EventBody::Transferred { to, .. } => S::Human { operator: to.clone() },
            EventBody::Resolved { .. } => S::Resolved,
            EventBody::Message { .. }
            | EventBody::MessageLeft { .. }
            | EventBody::EmailReplied { .. }
            | EventBody::Rated { .. }
            | EventBody::TranscriptRequested { .. }
            | EventBody::Unknown => return,
        };
    }

    pub(crate) fn reject(&self, code: ErrorCode, reason: &'static str) -> Rejection {
        Rejection {
            code,
            reason,
            current: self.state.clone(),
        }
    }
}

/// A help request with a new window; a bot's carries its reason and
/// priority.
fn help(facts: Facts, bot: Option<crate::followup::BotHandover>) -> EventBody {
    let bot = bot.unwrap_or_default();
    EventBody::HelpRequested {
        deadline: facts.now + facts.response_window,
        reason: bot.reason,
        priority: bot.priority,
    }
}

#[cfg(test)]
mod tests;
