//! The inbox's connection machine: sans-io, time and randomness as inputs,
//! in the style of the widget's (`widget/src/machine.rs`). The driver
//! (`connection`) owns the socket and timers, feeds what happens in, and
//! performs the [`Action`]s that come out; it decides nothing.
//!
//! What must survive a dropped socket lives here:
//!
//! - The outbox: requests that change the log or the operator's saved data
//!   (send, join, take over, transfer, leave, resolve, note, shortcuts), kept
//!   by client message id until the server answers `ack`, `done` or an
//!   `error` naming that id. They wait while offline, go out after the
//!   welcome, and go again with the SAME id after every reconnect: the server
//!   stores each id once, so a retry whose answer was lost is answered again
//!   and never acts twice. A refused request is reported and never retried.
//! - Cursors for the conversations the inbox shows: an `event` at or below
//!   the cursor is a duplicate and dropped; one past `cursor + 1` means
//!   frames were lost, so the conversation is opened again (the server
//!   answers with its newest page, which resets the cursor) and nothing is
//!   delivered out of order. After each welcome they are opened again.
//!
//! Status is not resent after a reconnect: it lives on the server, and the
//! welcome says what it is. The link's timing (backoff, welcome deadline,
//! heartbeat) is the rule both clients share, [`baton_protocol::link`].

use crate::state::Link;
use baton_protocol::link::{Due, Liveness};
use baton_protocol::operator::{OperatorToServer, ServerToOperator};
use baton_protocol::{ClientMsgId, ConversationId, ErrorBody, Millis, PROTOCOL_VERSION, Seq, Timestamp};
use std::collections::BTreeMap;

/// What the driver must do.
#[derive(Clone, Debug, PartialEq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a frame to deliver is moved once, straight to the UI; boxing it buys nothing"
)]
pub enum Action {
    /// Put this frame on the socket.
    Send(OperatorToServer),
    /// Open a new socket after this long (zero: now), replacing any wait.
    ConnectIn(Millis),
    /// Drop the socket, then report [`Machine::on_closed`].
    Close,
    /// Hand a frame to the UI.
    Deliver(ServerToOperator),
    /// The link's health changed.
    Link(Link),
    /// A request left the outbox: stored (`seq`, for log changes) or done.
    Settled {
        client_msg_id: ClientMsgId,
        seq: Option<Seq>,
    },
    /// The server refused a request; it will not be sent again.
    Failed {
        client_msg_id: ClientMsgId,
        error: ErrorBody,
    },
    /// A socket ended without a welcome: the session may have ended (the
    /// upgrade is refused then), so ask the server whether it still holds.
    CheckSession,
}

/// How far a shown conversation has been delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cursor {
    /// `open` went out; its `history` answer sets the cursor. Events before
    /// it are in that page, so they are not delivered on their own.
    Opening,
    At(Seq),
}

#[derive(Debug, Default)]
pub struct Machine {
    link: Liveness,
    /// A socket exists (opening, open, or welcomed).
    socket: bool,
    /// Requests not yet answered, oldest first.
    outbox: Vec<OperatorToServer>,
    watched: BTreeMap<ConversationId, Cursor>,
}

/// The id a request is kept by, for the kinds the outbox keeps. Other frames
/// (hello, status, open, history, typing, receipts, ping) are ephemeral.
pub fn outbox_id(frame: &OperatorToServer) -> Option<&ClientMsgId> {
    match frame {
        OperatorToServer::Send { client_msg_id, .. }
        | OperatorToServer::Join { client_msg_id, .. }
        | OperatorToServer::TakeOver { client_msg_id, .. }
        | OperatorToServer::Transfer { client_msg_id, .. }
        | OperatorToServer::Leave { client_msg_id, .. }
        | OperatorToServer::Resolve { client_msg_id, .. }
        | OperatorToServer::ReplyByEmail { client_msg_id, .. }
        | OperatorToServer::AddNote { client_msg_id, .. }
        | OperatorToServer::SaveShortcut { client_msg_id, .. }
        | OperatorToServer::DeleteShortcut { client_msg_id, .. } => Some(client_msg_id),
        _ => None,
    }
}

impl Machine {
    pub fn new() -> Machine {
        Machine::default()
    }

    /// A welcome arrived on the current socket.
    pub fn is_welcomed(&self) -> bool {
        self.link.is_welcomed()
    }

    /// Requests not yet answered, oldest first.
    pub fn outbox(&self) -> &[OperatorToServer] {
        &self.outbox
    }

    /// The last `seq` delivered for a shown conversation (`None` while its
    /// page is being fetched, or when it is not shown).
    pub fn cursor(&self, conversation: &ConversationId) -> Option<Seq> {
        match self.watched.get(conversation)? {
            Cursor::Opening => None,
            Cursor::At(seq) => Some(*seq),
        }
    }

    /// A new socket is being opened, as of `now`.
    pub fn on_connecting(&mut self, now: Timestamp) {
        self.socket = true;
        self.link.connecting(now);
    }

    /// The socket opened: say hello.
    pub fn on_open(&mut self) -> Vec<Action> {
        vec![Action::Send(OperatorToServer::Hello {
            protocol: PROTOCOL_VERSION,
            features: baton_protocol::FEATURES.iter().map(|f| (*f).to_owned()).collect(),
        })]
    }

    /// The socket closed or failed to open; `jitter` in 0..=1 spreads the
    /// wait. A second report for the same socket is ignored.
    pub fn on_closed(&mut self, jitter: f64) -> Vec<Action> {
        if !self.socket {
            return vec![];
        }
        self.socket = false;
        let welcomed = self.link.is_welcomed();
        let delay = self.link.closed(jitter);
        let mut actions = vec![Action::Link(Link::Reconnecting), Action::ConnectIn(delay)];
        if !welcomed {
            actions.push(Action::CheckSession);
        }
        actions
    }

    /// The browser is back online or the tab is shown again: cut a backoff
    /// short, or make sure a welcomed link is still alive.
    pub fn wake(&mut self, now: Timestamp) -> Vec<Action> {
        if !self.socket {
            return vec![Action::ConnectIn(Millis(0))];
        }
        if self.link.probe(now) {
            return vec![Action::Send(OperatorToServer::Ping)];
        }
        vec![]
    }

    /// The browser says the network is gone: show it now rather than after
    /// a failed heartbeat.
    pub fn offline(&mut self) -> Vec<Action> {
        if self.socket { vec![Action::Close] } else { vec![] }
    }

    /// Time passes: the welcome deadline and the heartbeat.
    pub fn on_timer(&mut self, now: Timestamp) -> Vec<Action> {
        if !self.socket {
            return vec![];
        }
        match self.link.check(now) {
            Due::Nothing => vec![],
            Due::Ping => vec![Action::Send(OperatorToServer::Ping)],
            Due::Drop => vec![Action::Close],
        }
    }

    /// When [`Machine::on_timer`] next has something to do.
    pub fn next_timer(&self) -> Option<Timestamp> {
        if self.socket { self.link.next_check() } else { None }
    }

    /// A request that must not be lost: kept until the server answers,
    /// sent now if welcomed, otherwise after the next welcome. A frame the
    /// outbox does not keep is sent as by [`Machine::send`].
    pub fn submit(&mut self, request: OperatorToServer) -> Vec<Action> {
        let Some(id) = outbox_id(&request) else {
            return self.send(request);
        };
        if self.outbox.iter().any(|r| outbox_id(r) == Some(id)) {
            return vec![]; // already kept under this id
        }
        self.outbox.push(request.clone());
        if self.link.is_welcomed() {
            vec![Action::Send(request)]
        } else {
            vec![]
        }
    }

    /// An ephemeral frame: sent if welcomed, else dropped (no `Send` comes
    /// out). `open` also makes that conversation the one shown — the inbox
    /// shows one at a time — and is remembered while offline.
    pub fn send(&mut self, frame: OperatorToServer) -> Vec<Action> {
        if let OperatorToServer::Open { conversation } = &frame {
            let conversation = conversation.clone();
            self.watched.retain(|c, _| *c == conversation);
            return self.watch(conversation);
        }
        if self.link.is_welcomed() {
            vec![Action::Send(frame)]
        } else {
            vec![]
        }
    }

    /// Show a conversation (as well as any others): open it now if welcomed,
    /// and after every welcome.
    pub fn watch(&mut self, conversation: ConversationId) -> Vec<Action> {
        self.watched.insert(conversation.clone(), Cursor::Opening);
        if self.link.is_welcomed() {
            vec![Action::Send(OperatorToServer::Open { conversation })]
        } else {
            vec![]
        }
    }

    /// Stop showing a conversation: its events are delivered unchecked again.
    pub fn unwatch(&mut self, conversation: &ConversationId) {
        self.watched.remove(conversation);
    }

    /// A frame arrived at `now`.
    pub fn on_frame(&mut self, frame: ServerToOperator, now: Timestamp) -> Vec<Action> {
        self.link.heard(now);
        match frame {
            ServerToOperator::Welcome(welcome) => {
                self.link.welcomed();
                // A conversation no longer live cannot be opened again.
                self.watched
                    .retain(|id, _| welcome.conversations.iter().any(|c| &c.id == id));
                let mut actions = vec![
                    Action::Deliver(ServerToOperator::Welcome(welcome)),
                    Action::Link(Link::Online),
                ];
                // Everything not yet answered goes again, same ids.
                actions.extend(self.outbox.iter().cloned().map(Action::Send));
                for (conversation, cursor) in &mut self.watched {
                    *cursor = Cursor::Opening;
                    actions.push(Action::Send(OperatorToServer::Open {
                        conversation: conversation.clone(),
                    }));
                }
                actions
            }
            ServerToOperator::Event { conversation, event } => {
                let seq = event.seq;
                let frame = ServerToOperator::Event {
                    conversation: conversation.clone(),
                    event,
                };
                let Some(cursor) = self.watched.get_mut(&conversation) else {
                    return vec![Action::Deliver(frame)];
                };
                match *cursor {
                    // The page being fetched holds it.
                    Cursor::Opening => vec![],
                    // Already delivered.
                    Cursor::At(at) if seq <= at => vec![],
                    Cursor::At(at) if seq == at.next() => {
                        *cursor = Cursor::At(seq);
                        vec![Action::Deliver(frame)]
                    }
                    // Frames went missing: fetch the newest page again rather
                    // than show the log with a hole in it.
                    Cursor::At(_) => {
                        *cursor = Cursor::Opening;
                        vec![Action::Send(OperatorToServer::Open { conversation })]
                    }
                }
            }
            ServerToOperator::History {
                conversation,
                page,
                notes,
            } => {
                let last = page.events.last().map_or(Seq(0), |e| e.seq);
                if let Some(cursor) = self.watched.get_mut(&conversation) {
                    *cursor = match *cursor {
                        // The answer to `open`: the newest page.
                        Cursor::Opening => Cursor::At(last),
                        // An older page: the cursor stays.
                        Cursor::At(at) => Cursor::At(at.max(last)),
                    };
                }
                vec![Action::Deliver(ServerToOperator::History {
                    conversation,
                    page,
                    notes,
                })]
            }
            ServerToOperator::Ack { client_msg_id, seq } => match self.settle(&client_msg_id) {
                Some(_) => vec![
                    Action::Settled {
                        client_msg_id: client_msg_id.clone(),
                        seq: Some(seq),
                    },
                    Action::Deliver(ServerToOperator::Ack { client_msg_id, seq }),
                ],
                None => vec![], // a duplicate answer to a retry
            },
            ServerToOperator::Done { client_msg_id } => match self.settle(&client_msg_id) {
                Some(_) => vec![
                    Action::Settled {
                        client_msg_id: client_msg_id.clone(),
                        seq: None,
                    },
                    Action::Deliver(ServerToOperator::Done { client_msg_id }),
                ],
                None => vec![],
            },
            ServerToOperator::Error(error) => {
                let mut actions = Vec::new();
                let refused = error.client_msg_id.clone().filter(|id| self.settle(id).is_some());
                if let Some(client_msg_id) = refused {
                    actions.push(Action::Failed {
                        client_msg_id,
                        error: error.clone(),
                    });
                }
                // Shown even when it names no request of the outbox.
                actions.push(Action::Deliver(ServerToOperator::Error(error)));
                actions
            }
            ServerToOperator::ConversationRemoved { conversation } => {
                self.watched.remove(&conversation);
                vec![Action::Deliver(ServerToOperator::ConversationRemoved { conversation })]
            }
            // The server is restarting: go now and come back after the
            // backoff's first step, about the length of its pause.
            ServerToOperator::GoingAway { retry_after } => vec![
                Action::Deliver(ServerToOperator::GoingAway { retry_after }),
                Action::Close,
            ],
            // Being heard was its whole purpose.
            ServerToOperator::Pong => vec![],
            other => vec![Action::Deliver(other)],
        }
    }

    /// Takes an answered request out of the outbox.
    fn settle(&mut self, id: &ClientMsgId) -> Option<OperatorToServer> {
        let at = self.outbox.iter().position(|r| outbox_id(r) == Some(id))?;
        Some(self.outbox.remove(at))
    }
}

#[cfg(test)]
mod tests;
