//! The widget's connection machine: sans-io, time and randomness as inputs.
//!
//! It owns what must survive a dropped connection — the conversation and its
//! token, the resume cursor (last `seq` applied), the outbox of messages not
//! yet acknowledged — and decides what to send and when to reconnect. The
//! driver (`web::driver`) performs its [`Action`]s: it owns the socket,
//! timers and storage, and decides nothing.
//!
//! Delivery: every outgoing message carries a client message id that is
//! reused on each retry, and the whole outbox is resent after every
//! `welcome`; the server stores each id once, so retries are harmless.
//! Incoming events apply only if `seq == cursor + 1`; older ones are
//! duplicates and are dropped, a gap means frames were lost, and the machine
//! reconnects to have the server replay it.

use crate::state::{ConnectionState, Update};
use baton_protocol::lean::json::{self, Json, Writer};
pub use baton_protocol::link::{BACKOFF_BASE, BACKOFF_MAX, WELCOME_TIMEOUT, backoff};
use baton_protocol::link::{Due, Liveness};
use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::{
    BotId, ClientMsgId, ConversationEvent, ConversationId, ErrorCode, Millis, PROTOCOL_VERSION, Seq, Timestamp,
    VisitorToken,
};

/// What the widget keeps in `localStorage` (or memory, when storage is
/// blocked) so a reload continues the same conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub conversation: Option<ConversationId>,
    pub token: Option<VisitorToken>,
    /// Messages typed but not yet acknowledged, oldest first.
    pub outbox: Vec<Outgoing>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub id: ClientMsgId,
    pub kind: OutgoingKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutgoingKind {
    Message {
        text: String,
    },
    RequestHuman,
    CancelRequest,
    EndHuman,
    /// After a lapse: a new window.
    KeepWaiting,
    LeaveMessage {
        email: String,
        text: String,
    },
    Rate {
        score: u8,
        comment: Option<String>,
    },
    Transcript {
        email: String,
    },
}

impl Stored {
    /// The text kept in storage: `{"conversation","token","outbox":[{"id","kind","text"?}]}`.
    pub fn to_json(&self) -> String {
        let outbox: Vec<String> = self
            .outbox
            .iter()
            .map(|o| {
                let (kind, text, email) = match &o.kind {
                    OutgoingKind::Message { text } => ("message", Some(text.as_str()), None),
                    OutgoingKind::RequestHuman => ("request_human", None, None),
                    OutgoingKind::CancelRequest => ("cancel_request", None, None),
                    OutgoingKind::EndHuman => ("end_human", None, None),
                    OutgoingKind::KeepWaiting => ("keep_waiting", None, None),
                    OutgoingKind::LeaveMessage { email, text } => ("leave_message", Some(text.as_str()), Some(email)),
                    OutgoingKind::Rate { comment, .. } => ("rate", comment.as_deref(), None),
                    OutgoingKind::Transcript { email } => ("transcript", None, Some(email)),
                };
                let score = match &o.kind {
                    OutgoingKind::Rate { score, .. } => Some(u64::from(*score)),
                    _ => None,
                };
                let mut w = Writer::object()
                    .str("id", o.id.as_str())
                    .str("kind", kind)
                    .opt_str("text", text)
                    .opt_str("email", email.map(String::as_str));
                if let Some(score) = score {
                    w = w.uint("score", score);
                }
                w.finish()
            })
            .collect();
        Writer::object()
            .opt_str("conversation", self.conversation.as_ref().map(|c| c.as_str()))
            .opt_str("token", self.token.as_ref().map(|t| t.0.as_str()))
            .raws("outbox", &outbox)
            .finish()
    }

    /// Reads what `to_json` wrote; anything unreadable is a fresh start
    /// (storage is a cache of the server's state, not the truth).
    pub fn from_json(text: &str) -> Stored {
        let Some(v) = json::parse(text) else {
            return Stored::default();
        };
        let text_of = |v: &Json, key: &str| v.get(key).and_then(Json::as_str).map(str::to_owned);
        let outbox = v
            .get("outbox")
            .and_then(Json::as_array)
            .unwrap_or_default()
            .iter()
            .filter_map(|o| {
                let kind = match o.get("kind")?.as_str()? {
                    "message" => OutgoingKind::Message {
                        text: text_of(o, "text")?,
                    },
                    "request_human" => OutgoingKind::RequestHuman,
                    "cancel_request" => OutgoingKind::CancelRequest,
                    "end_human" => OutgoingKind::EndHuman,
                    "keep_waiting" => OutgoingKind::KeepWaiting,
                    "leave_message" => OutgoingKind::LeaveMessage {
                        email: text_of(o, "email")?,
                        text: text_of(o, "text")?,
                    },
                    "rate" => OutgoingKind::Rate {
                        score: u8::try_from(o.get("score")?.as_u64()?).ok()?,
                        comment: text_of(o, "text"),
                    },
                    "transcript" => OutgoingKind::Transcript {
                        email: text_of(o, "email")?,
                    },
                    _ => return None,
                };
                Some(Outgoing {
                    id: ClientMsgId(text_of(o, "id")?),
                    kind,
                })
            })
            .collect();
        Stored {
            conversation: text_of(&v, "conversation").map(ConversationId),
            token: text_of(&v, "token").map(VisitorToken),
            outbox,
        }
    }
}

impl Outgoing {
    fn frame(&self) -> VisitorToServer {
        match &self.kind {
            OutgoingKind::Message { text } => VisitorToServer::Send {
                client_msg_id: self.id.clone(),
                text: text.clone(),
            },
            OutgoingKind::RequestHuman => VisitorToServer::RequestHuman {
                client_msg_id: self.id.clone(),
            },
            OutgoingKind::CancelRequest => VisitorToServer::CancelRequest {
                client_msg_id: self.id.clone(),
            },
            OutgoingKind::EndHuman => VisitorToServer::EndHuman {
                client_msg_id: self.id.clone(),
            },
            OutgoingKind::KeepWaiting => VisitorToServer::KeepWaiting {
                client_msg_id: self.id.clone(),
            },
            OutgoingKind::LeaveMessage { email, text } => VisitorToServer::LeaveMessage {
                client_msg_id: self.id.clone(),
                email: email.clone(),
                text: text.clone(),
            },
            OutgoingKind::Rate { score, comment } => VisitorToServer::Rate {
                client_msg_id: self.id.clone(),
                score: *score,
                comment: comment.clone(),
            },
            OutgoingKind::Transcript { email } => VisitorToServer::Transcript {
                client_msg_id: self.id.clone(),
                email: email.clone(),
            },
        }
    }
}

/// What the driver must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Send(VisitorToServer),
    /// Write [`Stored`] to storage.
    Persist(Stored),
    /// Hand an update to the UI state.
    Ui(Update),
    /// Close the socket; `on_closed` will follow.
    Disconnect,
    /// Open a new socket after this long.
    ReconnectIn(Millis),
}

/// The longest page URL sent, in characters: enough for any real path and
/// query, and a bound on what a host page can make the widget send.
pub const PAGE_MAX_CHARS: usize = 500;

/// The page as operators see it (`location.href`): without the fragment,
/// which is the page's own business (and may hold tokens), trimmed to
/// [`PAGE_MAX_CHARS`]. `None` for an empty URL.
pub fn page_of(href: &str) -> Option<String> {
    // Byte scans rather than `split` and `chars().collect()`: smaller in
    // the WebAssembly, and a cut at a char index is a char boundary.
    let url = &href[..href.bytes().position(|b| b == b'#').unwrap_or(href.len())];
    let url = url
        .char_indices()
        .nth(PAGE_MAX_CHARS)
        .map_or(url, |(end, _)| &url[..end]);
    (!url.is_empty()).then(|| url.to_owned())
}

#[derive(Debug)]
pub struct Machine {
    bot: BotId,
    locale: Option<String>,
    /// The host page's URL, sent in every hello (see [`page_of`]).
    page: Option<String>,
    stored: Stored,
    /// The last `seq` applied. Starts at 0 on page load, so the first welcome
    /// replays the whole conversation; later reconnects replay only the gap.
    cursor: Seq,
    /// Welcomed or not; the backoff, welcome deadline and heartbeat, shared
    /// with the inbox.
    link: Liveness,
    /// Receipts: what to report, and what was last reported (marks are
    /// cumulative, so only the latest values matter).
    read_up_to: Seq,
    reported: (Seq, Seq),
    receipt_due: Option<Timestamp>,
    /// Typing: when `typing: true` was last sent (`None`: not typing).
    typing_sent: Option<Timestamp>,
}

/// Receipts are batched: at most one `receipt` frame per this interval.
pub const RECEIPT_BATCH: Millis = Millis(400);

impl Machine {
    pub fn new(bot: BotId, locale: Option<String>, page: Option<String>, stored: Stored) -> Machine {
        Machine {
            bot,
            locale,
            page,
            stored,
            cursor: Seq(0),
            link: Liveness::default(),
            read_up_to: Seq(0),
            reported: (Seq(0), Seq(0)),
            receipt_due: None,
            typing_sent: None,
        }
    }

    pub fn cursor(&self) -> Seq {
        self.cursor
    }

    /// A welcome arrived on the current connection.
    pub fn is_connected(&self) -> bool {
        self.link.is_welcomed()
    }

    pub fn outbox(&self) -> &[Outgoing] {
        &self.stored.outbox
    }

    /// A new socket is being opened, as of `now`.
    pub fn on_connecting(&mut self, now: Timestamp) {
        self.link.connecting(now);
    }

    /// The socket opened: say hello, resuming if there is a conversation.
    pub fn on_open(&mut self) -> Vec<Action> {
        let resume = match (&self.stored.conversation, &self.stored.token) {
            (Some(conversation), Some(token)) => Some(Resume {
                conversation: conversation.clone(),
                token: token.clone(),
                last_seq: self.cursor,
            }),
            _ => None,
        };
        vec![Action::Send(VisitorToServer::Hello(VisitorHello {
            protocol: PROTOCOL_VERSION,
            features: baton_protocol::FEATURES.iter().map(|f| (*f).to_owned()).collect(),
            bot: self.bot.clone(),
            resume,
            locale: self.locale.clone(),
            page: self.page.clone(),
        }))]
    }

    /// The socket closed or failed to open.
    pub fn on_closed(&mut self, jitter: f64) -> Vec<Action> {
        self.typing_sent = None;
        // The server may have lost what we last told it: report again.
        self.reported = (Seq(0), Seq(0));
        let delay = self.link.closed(jitter);
        vec![
            Action::Ui(Update::Connection(ConnectionState::Reconnecting)),
            Action::ReconnectIn(delay),
        ]
    }

    /// The visitor typed a message (or asked for a person): queue it, and
    /// send it now if connected.
    pub fn submit(&mut self, id: ClientMsgId, kind: OutgoingKind) -> Vec<Action> {
        let outgoing = Outgoing { id, kind };
        let mut actions = Vec::new();
        if let OutgoingKind::Message { text } = &outgoing.kind {
            actions.push(Action::Ui(Update::Pending {
                id: outgoing.id.clone(),
                text: text.clone(),
            }));
        }
        if self.link.is_welcomed() {
            actions.push(Action::Send(outgoing.frame()));
        }
        self.stored.outbox.push(outgoing);
        actions.push(Action::Persist(self.stored.clone()));
        actions
    }

    /// Forget the conversation (after it was resolved, or its token refused)
    /// and start a new one on the next hello.
    pub fn start_new_conversation(&mut self) -> Vec<Action> {
        self.stored = Stored::default();
        self.cursor = Seq(0);
        vec![
            Action::Persist(self.stored.clone()),
            Action::Ui(Update::Reset),
            Action::Disconnect,
        ]
    }

    /// A frame arrived at `now`: anything heard proves the link alive.
    pub fn on_frame_at(&mut self, frame: ServerToVisitor, now: Timestamp) -> Vec<Action> {
        self.link.heard(now);
        let mut actions = self.on_frame(frame);
        if self.cursor > self.reported.0 && self.receipt_due.is_none() {
            self.receipt_due = Some(now + RECEIPT_BATCH);
        }
        actions.extend(self.tick(now));
        actions
    }

    /// The visitor has seen everything up to `seq` (the panel is open, the
    /// tab visible and focused).
    pub fn mark_read(&mut self, seq: Seq, now: Timestamp) -> Vec<Action> {
        let seq = seq.min(self.cursor);
        if seq > self.read_up_to {
            self.read_up_to = seq;
            if self.receipt_due.is_none() {
                self.receipt_due = Some(now + RECEIPT_BATCH);
            }
        }
        self.tick(now)
    }

    /// The visitor is (or stopped) typing. `typing: true` is repeated at most
    /// every third of the TTL, so the other side's indicator stays lit while
    /// the visitor types and lapses soon after they stop.
    pub fn typing(&mut self, typing: bool, now: Timestamp) -> Vec<Action> {
        if !self.link.is_welcomed() {
            return vec![];
        }
        match (typing, self.typing_sent) {
            (true, Some(sent)) if now.0 < sent.0 + baton_protocol::TYPING_TTL.0 / 3 => vec![],
            (true, _) => {
                self.typing_sent = Some(now);
                vec![Action::Send(VisitorToServer::Typing { typing: true })]
            }
            (false, Some(_)) => {
                self.typing_sent = None;
                vec![Action::Send(VisitorToServer::Typing { typing: false })]
            }
            (false, None) => vec![],
        }
    }

    /// Time passes: heartbeat, receipt batching. Returns what to do now;
    /// [`Machine::next_wakeup`] says when to call again.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Action> {
        let mut actions = Vec::new();
        match self.link.check(now) {
            // Not welcomed in time, or no answer to a ping: the link is dead
            // even if the browser hasn't noticed.
            Due::Drop => return vec![Action::Disconnect],
            Due::Ping => actions.push(Action::Send(VisitorToServer::Ping)),
            Due::Nothing => {}
        }
        if !self.link.is_welcomed() {
            return actions;
        }
        if self.receipt_due.is_some_and(|due| now >= due) {
            self.receipt_due = None;
            let (delivered, read) = (self.cursor, self.read_up_to);
            if (delivered, read) != self.reported {
                actions.push(Action::Send(VisitorToServer::Receipt {
                    delivered: (delivered > self.reported.0).then_some(delivered),
                    read: (read > self.reported.1).then_some(read),
                }));
                self.reported = (delivered, read);
            }
        }
        actions
    }

    /// When [`Machine::tick`] next has something to do.
    pub fn next_wakeup(&self) -> Option<Timestamp> {
        if !self.link.is_welcomed() {
            return self.link.next_check();
        }
        let heartbeat = self.link.heartbeat_due();
        Some(self.receipt_due.map_or(heartbeat, |due| due.min(heartbeat)))
    }

    pub fn on_frame(&mut self, frame: ServerToVisitor) -> Vec<Action> {
        match frame {
            ServerToVisitor::Welcome(welcome) => {
                let mut actions = Vec::new();
                if welcome.token.is_some() || self.stored.conversation.as_ref() != Some(&welcome.conversation) {
                    // A new conversation: nothing of the old cursor applies.
                    self.stored.conversation = Some(welcome.conversation.clone());
                    self.stored.token = welcome.token.clone().or(self.stored.token.take());
                    self.cursor = Seq(0);
                    actions.push(Action::Ui(Update::Reset));
                    actions.push(Action::Persist(self.stored.clone()));
                }
                self.link.welcomed();
                // History first, then the state it leads to.
                actions.extend(self.apply_events(welcome.replay));
                actions.push(Action::Ui(Update::Snapshot {
                    state: welcome.snapshot.state,
                    availability: welcome.snapshot.availability,
                    team_marks: welcome.snapshot.team_marks,
                }));
                actions.push(Action::Ui(Update::Connection(ConnectionState::Online)));
                // Everything not yet acknowledged goes again, same ids.
                actions.extend(self.stored.outbox.iter().map(|o| Action::Send(o.frame())));
                actions
            }
            ServerToVisitor::Event(event) => self.apply_events(vec![event]),
            ServerToVisitor::Ack { client_msg_id, .. } => {
                self.stored.outbox.retain(|o| o.id != client_msg_id);
                vec![
                    Action::Ui(Update::Acked { id: client_msg_id }),
                    Action::Persist(self.stored.clone()),
                ]
            }
            ServerToVisitor::Availability(availability) => vec![Action::Ui(Update::Availability(availability))],
            // The server is restarting: go now, come back after its pause
            // (the backoff's first step is about that long).
            ServerToVisitor::GoingAway { .. } => vec![Action::Disconnect],
            ServerToVisitor::Receipts { team } => vec![Action::Ui(Update::Receipts(team))],
            ServerToVisitor::Queue {
                position,
                estimate_minutes,
            } => vec![Action::Ui(Update::Queue {
                position,
                estimate_minutes,
            })],
            ServerToVisitor::Typing { author, typing } => {
                let name = match author {
                    baton_protocol::Author::Operator { operator } => operator.name,
                    _ => String::new(),
                };
                // `last_heard` is when this frame arrived (see `on_frame_at`).
                vec![Action::Ui(Update::Typing {
                    name,
                    typing,
                    now: self.link.last_heard(),
                })]
            }
            // Older pages are not shown yet (the whole log is replayed on
            // load); heartbeat answers need no action beyond being heard.
            ServerToVisitor::History(_) | ServerToVisitor::Pong => vec![],
            ServerToVisitor::Error(error) => {
                let mut actions = Vec::new();
                if error.code == ErrorCode::Unauthorized && !self.link.is_welcomed() {
                    // The stored token no longer opens this conversation.
                    return self.start_new_conversation();
                }
                if let Some(id) = &error.client_msg_id {
                    // The server refused this item for good (too long, not
                    // allowed now): retrying it would be refused again.
                    self.stored.outbox.retain(|o| &o.id != id);
                    actions.push(Action::Persist(self.stored.clone()));
                }
                actions.push(Action::Ui(Update::Error(error)));
                actions
            }
            ServerToVisitor::Unknown => vec![],
        }
    }

    fn apply_events(&mut self, events: Vec<ConversationEvent>) -> Vec<Action> {
        let mut fresh = Vec::new();
        for event in events {
            if event.seq <= self.cursor {
                continue; // already applied: a duplicate delivery
            }
            if event.seq != self.cursor.next() {
                // Frames went missing: have the server replay from the cursor.
                let mut actions = vec![Action::Ui(Update::Events(fresh))];
                actions.push(Action::Disconnect);
                return actions;
            }
            self.cursor = event.seq;
            fresh.push(event);
        }
        if fresh.is_empty() {
            vec![]
        } else {
            vec![Action::Ui(Update::Events(fresh))]
        }
    }
}

#[cfg(test)]
mod tests;
