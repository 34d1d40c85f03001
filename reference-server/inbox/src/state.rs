//! The inbox's state as a pure reducer: server frames and UI intents are
//! folded into [`InboxState`] by [`InboxState::apply`]. Nothing here touches
//! the browser, so it is unit-tested natively; the wasm build wraps it in a
//! Yew `Reducible`.

use baton_protocol::operator::{
    Alert, AlertKind, AlertPrefs, BotInfo, ConversationSummary, Note, OperatorStatus, Role, Roster, ServerToOperator,
    Shortcut,
};
use baton_protocol::receipts::ReceiptMarks;
use baton_protocol::{
    BotId, ClientMsgId, ConversationEvent, ConversationId, EventBody, HandoverState, OperatorId, OperatorProfile, Seq,
    TYPING_TTL, Timestamp,
};
use std::collections::BTreeMap;

/// The views of the conversation list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    /// Help requested and nobody has joined: oldest request first.
    Waiting,
    /// Chats I own.
    Mine,
    /// Every chat that is not resolved, requests first.
    #[default]
    Open,
    /// Visitors who left an email and a message that waits for its answer
    /// by email (after a lapse, or while nobody was online).
    Left,
    /// Closed chats: read-only history, searched over HTTP.
    Resolved,
}

/// How many alerts stay on screen at once (newest first).
pub const MAX_ALERTS: usize = 4;

/// An alert shown as a toast until dismissed (or it times out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertNote {
    pub id: u64,
    pub alert: Alert,
}

/// The socket's health as the UI shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Link {
    /// First connection, nothing received yet.
    #[default]
    Connecting,
    /// A welcome arrived; frames flow.
    Online,
    /// The socket closed; a new attempt is scheduled.
    Reconnecting,
}

/// The conversation shown on the right, with its log keyed by `seq` so an
/// event that arrives twice (live and in `history`) is kept once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenConversation {
    pub id: ConversationId,
    pub events: BTreeMap<Seq, ConversationEvent>,
    /// `history` has answered at least once since it was opened.
    pub loaded: bool,
    /// Internal notes, oldest first (from `history` and live `note` frames).
    pub notes: Vec<Note>,
}

impl OpenConversation {
    fn new(id: ConversationId) -> Self {
        OpenConversation {
            id,
            events: BTreeMap::new(),
            loaded: false,
            notes: Vec::new(),
        }
    }
}

/// A reply I sent that the log does not show yet. Kept until its event
/// arrives (matched by `client_msg_id`), and re-sent with the same id after a
/// reconnect, which the server recognises as a retry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingMessage {
    pub client_msg_id: ClientMsgId,
    pub conversation: ConversationId,
    pub text: String,
    /// What I wrote, when `text` is its translation (operators only).
    pub original: Option<String>,
    /// Why the server refused it; a failed message is not re-sent.
    pub failed: Option<String>,
}

/// A message for the operator, shown until dismissed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Toast {
    pub id: u64,
    pub message: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboxState {
    pub me: Option<OperatorProfile>,
    pub status: OperatorStatus,
    /// Newest activity first.
    pub conversations: Vec<ConversationSummary>,
    pub roster: Roster,
    pub open: Option<OpenConversation>,
    pub pending: Vec<PendingMessage>,
    pub view: View,
    /// Show only this bot's chats (the source filter).
    pub bot_filter: Option<BotId>,
    /// The bots I serve, from the welcome.
    pub bots: Vec<BotInfo>,
    pub role: Role,
    pub alert_prefs: AlertPrefs,
    /// Visitors typing, until when (a lost "stopped" expires by itself).
    pub typing: BTreeMap<ConversationId, Timestamp>,
    /// Alerts on screen, newest first.
    pub alerts: Vec<AlertNote>,
    /// Every alert that arrived, by id: the driver raises a browser
    /// notification once per id.
    pub alerts_seen: u64,
    /// The Resolved view's rows (the last search, plus chats resolved since).
    pub resolved: Vec<ConversationSummary>,
    /// The Resolved view's search text.
    pub resolved_query: String,
    /// Auto-away set me Away at this time (shown in the status control
    /// until I pick a status myself).
    pub auto_away_at: Option<Timestamp>,
    pub link: Link,
    pub toast: Option<Toast>,
    /// The clock, as last ticked; relative times are computed against it.
    pub now: Timestamp,
    /// How many welcomes have arrived. After each one the inbox re-opens
    /// the selected conversation and re-sends pending replies.
    pub welcomes: u64,
    /// Receipt marks per conversation, from `receipts` frames.
    pub marks: BTreeMap<ConversationId, Marks>,
    /// What this tab has reported with `receipt` since the last welcome, so a
    /// mark is sent only when it moves.
    pub reported: BTreeMap<ConversationId, ReceiptMarks>,
    /// My notes not stored yet (state/notes.rs).
    pub pending_notes: Vec<PendingNote>,
    /// My saved replies, by trigger.
    pub shortcuts: Vec<Shortcut>,
    /// My last save or delete of a shortcut, until done.
    pub shortcut_request: Option<ShortcutRequest>,
    /// My email answers to left messages not yet answered by the server,
    /// with the address each goes to (state/email.rs).
    pub email_replies: Vec<(ClientMsgId, String)>,
    next_toast: u64,
}

/// Everything that changes the state.
#[derive(Clone, Debug, PartialEq, Eq)]
// Actions are built and consumed one at a time; boxing the frame would cost
// an allocation per frame for no saving.
#[allow(clippy::large_enum_variant)]
pub enum Action {
    Frame(ServerToOperator),
    Link(Link),
    Select(ConversationId),
    Deselect,
    View(View),
    /// Show one bot's chats, or every bot's.
    BotFilter(Option<BotId>),
    /// The Resolved view's search answered.
    /// The Resolved view's search text changed; its answer follows.
    SearchResolved(String),
    /// The answer to a Resolved search.
    Resolved {
        query: String,
        rows: Vec<ConversationSummary>,
    },
    DismissAlert(u64),
    /// I saved my profile (name, colour).
    Profile(OperatorProfile),
    Tick(Timestamp),
    /// I sent a reply; show it as pending until the log has it.
    Sending(PendingMessage),
    /// Drop a (failed) pending reply.
    Discard(ClientMsgId),
    /// A local problem worth telling the operator about.
    Notify(String),
    DismissToast(u64),
    /// A `receipt` frame went out: remember it so it is not sent again.
    Reported(ReceiptReport),
    /// I added a note; show it as pending until `done`.
    AddingNote(PendingNote),
    /// Drop a (failed) pending note.
    DiscardNote(ClientMsgId),
    /// I asked to save or delete a shortcut under this id.
    ShortcutRequest(ClientMsgId),
    /// The saved-replies panel closed: forget its refusal.
    ClearShortcutRequest,
    /// I answered a left message by email (to this address) under this id.
    EmailReply(ClientMsgId, String),
}

/// Who has a conversation, from my point of view.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership<'a> {
    Bot,
    Waiting,
    Mine(&'a OperatorProfile),
    Theirs(&'a OperatorProfile),
    Resolved,
    Unknown,
}

impl Ownership<'_> {
    /// Nobody owns it, so I may join.
    pub fn joinable(self) -> bool {
        matches!(self, Ownership::Bot | Ownership::Waiting)
    }
}

pub fn ownership<'a>(state: &'a HandoverState, me: Option<&OperatorId>) -> Ownership<'a> {
    match state {
        HandoverState::Bot => Ownership::Bot,
        HandoverState::Waiting { .. } => Ownership::Waiting,
        HandoverState::Human { operator } if Some(&operator.id) == me => Ownership::Mine(operator),
        HandoverState::Human { operator } => Ownership::Theirs(operator),
        HandoverState::Resolved => Ownership::Resolved,
        HandoverState::Unknown => Ownership::Unknown,
    }
}

impl InboxState {
    /// The state before the first welcome: who signed in (from `/api/me`).
    pub fn new(me: OperatorProfile) -> Self {
        InboxState {
            me: Some(me),
            ..InboxState::default()
        }
    }

    pub fn me_id(&self) -> Option<&OperatorId> {
        self.me.as_ref().map(|m| &m.id)
    }

    pub(crate) fn is_mine(&self, c: &ConversationSummary) -> bool {
        matches!(ownership(&c.state, self.me_id()), Ownership::Mine(_))
    }

    /// The list row of the open conversation (live, or resolved).
    pub fn selected(&self) -> Option<&ConversationSummary> {
        let open = self.open.as_ref()?;
        self.conversations
            .iter()
            .chain(self.resolved.iter())
            .find(|c| c.id == open.id)
    }

    /// Pending replies in the open conversation.
    pub fn pending_here(&self) -> Vec<PendingMessage> {
        match &self.open {
            Some(open) => self
                .pending
                .iter()
                .filter(|p| p.conversation == open.id)
                .cloned()
                .collect(),
            None => Vec::new(),
        }
    }

    pub fn apply(&mut self, action: Action) {
        match action {
            Action::Frame(frame) => self.on_frame(frame),
            Action::Link(link) => self.link = link,
            Action::Select(id) => {
                // Opening the chat answers its alerts.
                self.alerts.retain(|a| a.alert.conversation.as_ref() != Some(&id));
                if self.open.as_ref().is_none_or(|o| o.id != id) {
                    self.open = Some(OpenConversation::new(id));
                }
            }
            Action::Deselect => self.open = None,
            Action::View(view) => self.view = view,
            Action::BotFilter(bot) => self.bot_filter = bot,
            Action::SearchResolved(query) => self.resolved_query = query,
            Action::Resolved { query, rows } => {
                // Only the answer to the latest search counts: a slower
                // answer to an older one is dropped.
                if query == self.resolved_query {
                    self.resolved = rows;
                }
            }
            Action::DismissAlert(id) => self.alerts.retain(|a| a.id != id),
            Action::Profile(me) => self.me = Some(me),
            Action::Tick(now) => {
                self.now = now;
                self.typing.retain(|_, until| *until > now);
            }
            Action::Sending(pending) => {
                if !self.pending.iter().any(|p| p.client_msg_id == pending.client_msg_id) {
                    self.pending.push(pending);
                }
            }
            Action::Discard(id) => self.pending.retain(|p| p.client_msg_id != id),
            Action::Notify(message) => self.notify(message),
            Action::DismissToast(id) => {
                if self.toast.as_ref().is_some_and(|t| t.id == id) {
                    self.toast = None;
                }
            }
            Action::Reported(report) => {
                let mark = self.reported.entry(report.conversation).or_default();
                let (delivered, read) = (report.delivered, report.read);
                mark.advance(delivered, read, delivered.max(read).unwrap_or_default());
            }
            Action::AddingNote(note) => self.adding_note(note),
            Action::DiscardNote(id) => self.pending_notes.retain(|p| p.client_msg_id != id),
            Action::ShortcutRequest(id) => self.shortcut_requested(id),
            Action::ClearShortcutRequest => self.shortcut_request = None,
            Action::EmailReply(id, email) => self.email_reply_sent(id, email),
        }
    }

    fn on_frame(&mut self, frame: ServerToOperator) {
        match frame {
            ServerToOperator::Welcome(welcome) => {
                self.me = Some(welcome.me);
                self.status = welcome.status;
                self.roster = welcome.roster;
                self.role = welcome.role;
                self.alert_prefs = welcome.alert_prefs;
                self.bots = welcome.bots;
                self.on_shortcuts(welcome.shortcuts);
                if self
                    .bot_filter
                    .as_ref()
                    .is_some_and(|b| !self.bots.iter().any(|i| &i.id == b))
                {
                    self.bot_filter = None;
                }
                self.conversations = welcome.conversations;
                self.conversations.retain(|c| c.state != HandoverState::Resolved);
                sort_rows(&mut self.conversations);
                let open_still_exists = self.open.as_ref().is_some_and(|o| {
                    self.conversations
                        .iter()
                        .chain(self.resolved.iter())
                        .any(|c| c.id == o.id)
                });
                if !open_still_exists {
                    self.open = None;
                }
                self.link = Link::Online;
                self.welcomes += 1;
                // A new connection: report again whatever the server's marks
                // (sent after the next `open`) do not cover.
                self.reported.clear();
            }
            ServerToOperator::Conversation(row) if row.state == HandoverState::Resolved => {
                self.drop_stale_alerts(&row);
                // It leaves the live list for the Resolved view.
                self.conversations.retain(|c| c.id != row.id);
                self.typing.remove(&row.id);
                self.resolved.retain(|c| c.id != row.id);
                self.resolved.insert(0, row);
            }
            ServerToOperator::Conversation(row) => {
                self.drop_stale_alerts(&row);
                match self.conversations.iter_mut().find(|c| c.id == row.id) {
                    Some(existing) => *existing = row,
                    None => self.conversations.push(row),
                }
                sort_rows(&mut self.conversations);
            }
            ServerToOperator::Alert(alert) => self.on_alert(alert),
            ServerToOperator::Typing { conversation, typing } => {
                if typing {
                    self.typing.insert(conversation, self.now + TYPING_TTL);
                } else {
                    self.typing.remove(&conversation);
                }
            }
            ServerToOperator::Event { conversation, event } => {
                self.settle(&event);
                if let Some(open) = self.open.as_mut().filter(|o| o.id == conversation) {
                    open.events.entry(event.seq).or_insert(event);
                }
            }
            ServerToOperator::History {
                conversation,
                page,
                notes,
            } => {
                let events = page.events;
                for event in &events {
                    self.settle(event);
                }
                if let Some(open) = self.open.as_mut().filter(|o| o.id == conversation) {
                    for event in events {
                        open.events.entry(event.seq).or_insert(event);
                    }
                    open.loaded = true;
                    open.merge_notes(notes);
                }
            }
            ServerToOperator::Ack { client_msg_id, .. } => {
                self.email_reply_answered(&client_msg_id, true);
                // The event (broadcast before the ack) has normally settled it
                // already; an ack for a retry the log had answers here.
                self.pending
                    .retain(|p| p.client_msg_id != client_msg_id || p.failed.is_some());
            }
            ServerToOperator::Roster(roster) => {
                let mine = roster.operators.iter().find(|o| Some(&o.profile.id) == self.me_id());
                if let Some(entry) = mine {
                    if entry.status != OperatorStatus::Away {
                        self.auto_away_at = None;
                    }
                    self.status = entry.status;
                }
                self.roster = roster;
            }
            ServerToOperator::Error(error) if self.on_side_error(&error) => {}
            ServerToOperator::Error(error) => {
                let message = crate::format::sentence(&error.message);
                if let Some(id) = &error.client_msg_id {
                    self.email_reply_answered(id, false);
                    for pending in self.pending.iter_mut().filter(|p| &p.client_msg_id == id) {
                        pending.failed = Some(message.clone());
                    }
                }
                self.notify(message);
            }
            ServerToOperator::ConversationRemoved { conversation } => {
                // Sent after a resolved chat's last row (which moved it to
                // the Resolved view): if it is open, its view keeps its marks.
                self.conversations.retain(|c| c.id != conversation);
                if self.open.as_ref().is_none_or(|o| o.id != conversation) {
                    self.marks.remove(&conversation);
                    self.reported.remove(&conversation);
                }
            }
            ServerToOperator::Receipts {
                conversation,
                visitor,
                team,
            } => {
                // The server's marks as they stand (they are in memory there,
                // so after a restart they may start over: take them as sent).
                self.marks.insert(conversation, Marks { visitor, team });
            }
            ServerToOperator::Note { conversation, note } => self.on_note(conversation, note),
            ServerToOperator::Done { client_msg_id } => {
                self.email_reply_answered(&client_msg_id, true);
                self.on_done(&client_msg_id);
            }
            ServerToOperator::Shortcuts { shortcuts } => self.on_shortcuts(shortcuts),
            // Not shown yet: presence changes. Heartbeat answers and
            // `going_away` need nothing here: the connection reconnects.
            ServerToOperator::Presence { .. }
            | ServerToOperator::Pong
            | ServerToOperator::GoingAway { .. }
            | ServerToOperator::Unknown => {}
        }
    }

    /// A reply of mine reached the log: it is no longer pending.
    fn settle(&mut self, event: &ConversationEvent) {
        if let EventBody::Message {
            client_msg_id: Some(id),
            ..
        } = &event.body
        {
            self.pending.retain(|p| &p.client_msg_id != id);
        }
    }

    /// A request's alerts go once somebody has picked the chat up (or it
    /// closed): a toast must never send an operator to a chat already taken.
    fn drop_stale_alerts(&mut self, row: &ConversationSummary) {
        if matches!(row.state, HandoverState::Waiting { .. }) {
            return;
        }
        self.alerts.retain(|a| {
            let about_a_request = matches!(
                a.alert.kind,
                AlertKind::HelpRequested | AlertKind::Unclaimed | AlertKind::OwnerGone | AlertKind::NewChat
            );
            !(about_a_request && a.alert.conversation.as_ref() == Some(&row.id))
        });
    }

    fn on_alert(&mut self, alert: Alert) {
        if alert.kind == AlertKind::Unknown {
            return;
        }
        if alert.kind == AlertKind::AutoAway {
            self.auto_away_at = Some(self.now);
        }
        // A newer alert about the same chat replaces the older one.
        if let Some(conversation) = &alert.conversation {
            self.alerts
                .retain(|a| a.alert.conversation.as_ref() != Some(conversation));
        }
        self.alerts_seen += 1;
        self.alerts.insert(
            0,
            AlertNote {
                id: self.alerts_seen,
                alert,
            },
        );
        self.alerts.truncate(MAX_ALERTS);
    }

    fn notify(&mut self, message: String) {
        self.next_toast += 1;
        self.toast = Some(Toast {
            id: self.next_toast,
            message,
        });
    }
}

/// Newest activity first; ties keep a stable order by id.
fn sort_rows(rows: &mut [ConversationSummary]) {
    rows.sort_by(|a, b| b.last_activity.cmp(&a.last_activity).then_with(|| a.id.cmp(&b.id)));
}

#[cfg(target_arch = "wasm32")]
impl yew::Reducible for InboxState {
    type Action = Action;

    fn reduce(self: std::rc::Rc<Self>, action: Action) -> std::rc::Rc<Self> {
        let mut next = std::rc::Rc::unwrap_or_clone(self);
        next.apply(action);
        std::rc::Rc::new(next)
    }
}

mod email;
mod notes;
mod receipts;
mod views;
pub use notes::{PendingNote, ShortcutRequest};
pub use receipts::{Marks, ReceiptReport, receipt_of};
pub use views::waiting_since;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod followup_tests;
