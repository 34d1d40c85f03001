//! The hub performs what the protocol's pure cores decide: it persists the
//! events a `ConversationCore` produces, fans them out to connected
//! visitors and operators, arms response-window and presence timers, and
//! asks the bot for replies. It owns no rule: handover, dedup, limits and
//! muting live in `baton_protocol::conversation`, operator status rules in
//! `baton_protocol::availability`, presence in `baton_protocol::presence`.
//!
//! Ordering: all changes to conversations happen under one lock; the events
//! they produce are stored by one writer thread (`writer`), which commits
//! many conversations' appends together and publishes them, under the lock,
//! in the order they were produced. So every peer sees events in `seq`
//! order, a resuming visitor's replay never interleaves with live events,
//! and no database write happens while the lock is held for an input.

use crate::auth;
use crate::bot::{Bot, BotTurn};
use crate::config::BotSettings;
use crate::store::{ConversationRow, OperatorRow, Store, StoreError};
use baton_protocol::availability::{Member, StatusChange, Team};
use baton_protocol::conversation::{ConversationCore, Input, Outcome, Reply};
use baton_protocol::operator::{
    BotCount, BotInfo, ConversationSummary, Country, OperatorWelcome, Roster, RosterEntry, ServerToOperator,
};
use baton_protocol::presence::{PresenceTracker, VisitorPresence};
use baton_protocol::visitor::{
    Availability, HistoryPage, ServerToVisitor, VisitorHello, VisitorSnapshot, VisitorWelcome,
};
use baton_protocol::{
    Author, BotId, ConversationId, ErrorBody, ErrorCode, EventBody, Facts, HandoverState, MAX_HISTORY_PAGE, MAX_REPLAY,
    Millis, OperatorId, OperatorProfile, PROTOCOL_VERSION, SUPPORTED_VERSIONS, Seq, Timestamp, VisitorToken,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::{broadcast, mpsc};

mod alerts;
mod conversations;
mod extras;
mod features;
pub use features::Features;
use features::wants;
mod operators;
mod owner;
mod retention;
use baton_protocol::operator::AlertKind;
pub use retention::SWEEP_EVERY;
mod team;
mod waiting;
pub use waiting::Ratings;
mod writer;
pub use team::{TeamError, TeamMember};
pub use writer::Answer;
use writer::{Job, Writer};

/// A frame serialised once: cloning it shares the bytes, so a broadcast
/// costs one `serde_json` pass however many sockets get it.
pub type Text = axum::extract::ws::Utf8Bytes;

/// Frames queued for one socket, already serialised. Bounded: a peer whose
/// queue fills is disconnected (it resumes from its cursor) rather than
/// growing the server's memory. Operators' list rows do not go here but to
/// their connection's `crate::rows::RowQueue`, coalesced, so a burst of row
/// changes never fills it.
pub type Outbox = mpsc::Sender<Text>;
pub const OUTBOX_CAPACITY: usize = 256;
/// An operator's outbox holds more: the store writer publishes a whole
/// commit at once, so a busy operator (acks and the events of every chat
/// they own) gets bursts of hundreds of frames that a reading socket
/// drains in moments. The channel allocates only what is queued.
pub const OPERATOR_OUTBOX_CAPACITY: usize = 8192;

pub type PeerId = u64;

pub fn now() -> Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp(since_epoch.as_millis() as u64)
}

#[derive(Debug)]
pub struct Hub {
    store: Box<dyn Store>,
    /// Who answers for each bot (`None`: nobody — human-only).
    engines: HashMap<BotId, Arc<dyn Bot>>,
    live: Mutex<Live>,
    /// What happened, for notifications and other observers.
    events: broadcast::Sender<HubEvent>,
    metrics: crate::metrics::Metrics,
    /// The auto-away ticker, while auto-away is on (replaced when the team
    /// settings change it).
    auto_away_task: Mutex<Option<tokio::task::AbortHandle>>,
    /// Where appends go (`writer`).
    writer: Writer,
    /// An email sender is configured (`waiting::can_email`).
    email_ready: std::sync::atomic::AtomicBool,
}

/// Facts the hub publishes after they are stored, for observers that act
/// on them (notifications, metrics). Observers never change conversations.
#[derive(Clone, Debug)]
pub enum HubEvent {
    /// A visitor started a conversation.
    NewConversation { conversation: ConversationId, bot: BotId },
    /// An event was stored in a conversation's log.
    Stored {
        conversation: ConversationId,
        bot: BotId,
        event: baton_protocol::ConversationEvent,
    },
    /// The visitor's receipt marks moved.
    VisitorMarks {
        conversation: ConversationId,
        marks: baton_protocol::receipts::ReceiptMarks,
    },
    /// The host page named the visitor.
    Identified {
        conversation: ConversationId,
        name: Option<String>,
        email: Option<String>,
    },
    /// People are needed more urgently: a help request nobody claimed after
    /// half its response window (`AlertKind::Unclaimed`), or a chat whose
    /// owner is gone (`AlertKind::OwnerGone`). The Notification center sends
    /// it to the channels that want it.
    Escalation {
        conversation: ConversationId,
        bot: BotId,
        kind: baton_protocol::operator::AlertKind,
    },
}

/// In-memory view of what is live, rebuilt from the store at start-up.
#[derive(Debug, Default)]
struct Live {
    /// Each bot's settings: fixed parts from the config file, editable parts
    /// from the database (see `crate::settings`). Under the hub's lock so a
    /// change and the `availability` frames it causes are ordered with
    /// everything else visitors receive.
    bots: HashMap<BotId, BotSettings>,
    /// Operators' alert preferences (absent: the defaults).
    alert_prefs: HashMap<OperatorId, baton_protocol::operator::AlertPrefs>,
    conversations: HashMap<ConversationId, Conversation>,
    visitors: HashMap<ConversationId, Vec<(PeerId, Outbox)>>,
    operators: Vec<(PeerId, OperatorId, Outbox)>,
    /// The conversation each operator connection has open (its latest
    /// `open`): it gets that conversation's `event` frames.
    opened: HashMap<PeerId, ConversationId>,
    /// The features each connection (visitor or operator) negotiated: frames
    /// of a feature go only where it is in use (`features::Features`).
    features: HashMap<PeerId, Features>,
    /// Each operator connection's coalesced list rows (`crate::rows`).
    rows: HashMap<PeerId, Arc<crate::rows::RowQueue>>,
    team: Team,
    profiles: HashMap<OperatorId, OperatorProfile>,
    next_peer: PeerId,
    /// When each operator's last inbox disconnected (the server's start for
    /// those not seen since); meaningful only while none is connected.
    inbox_closed_since: HashMap<OperatorId, Timestamp>,
    /// The waiting line of each bot (`waiting`).
    line: waiting::Line,
}

#[derive(Debug)]
struct Conversation {
    bot: BotId,
    token_hash: Vec<u8>,
    created_at: Timestamp,
    core: ConversationCore,
    presence: PresenceTracker,
    /// The presence operators were last told (`presence` frames, §6.2).
    announced: VisitorPresence,
    last_activity: Timestamp,
    last_message: Option<String>,
    /// The visitor's latest message, for alert previews.
    last_visitor_message: Option<String>,
    help_requested_at: Option<Timestamp>,
    /// Seqs of the visitor's messages, for per-operator unread counts.
    visitor_messages: Vec<Seq>,
    /// The highest seq each operator has opened or read.
    read_by: HashMap<OperatorId, Seq>,
    /// What the host page told us through `identify`.
    visitor_name: Option<String>,
    visitor_email: Option<String>,
    country: Option<Country>,
    /// From the visitor's latest `hello` (not stored: a reconnect refreshes them).
    locale: Option<String>,
    page: Option<String>,
    /// When an owner-gone re-check is armed (one at a time).
    owner_check: Option<Timestamp>,
    /// When its current request for a person was made, while it waits.
    waiting_since: Option<Timestamp>,
    /// The place in line (and estimate) its visitor was last told.
    place: Option<(u32, Option<u32>)>,
    /// The highest seq the writer has stored and published; the core may
    /// be ahead while its events wait for their commit.
    published: Seq,
    /// Bumped when the core is rebuilt from the store after a failed
    /// append: outcomes of an older epoch are refused unwritten.
    epoch: u64,
    /// Whether the conversation has a row in the store yet (`RowState`).
    row: RowState,
}

/// A conversation is stored with its visitor's first input, not at `hello`
/// (a `hello` alone stores nothing, and nobody sees it). Until then it lives
/// in memory only while its visitor is connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RowState {
    /// Not stored and nothing on its way: forgotten when its last visitor
    /// socket closes.
    Pending,
    /// Its first events (with the row) are queued for the store writer.
    Queued,
    /// Stored: listed to operators, counted, notified.
    Stored,
}

/// The one place a store failure becomes a wire error. None is the
/// client's fault, so each is `internal` (retry the same frame); the log
/// says which.
impl From<StoreError> for ErrorBody {
    fn from(err: StoreError) -> ErrorBody {
        match &err {
            // Another writer appended to this conversation first (only
            // possible on a database shared by several processes).
            StoreError::SeqTaken { .. } => {
                tracing::warn!(%err, "append lost a race");
                ErrorBody::new(ErrorCode::Internal, "the conversation moved on; retry")
            }
            StoreError::Duplicate | StoreError::Decode(_) | StoreError::Backend(_) => {
                tracing::error!(%err, "store failure");
                ErrorBody::new(ErrorCode::Internal, "the server could not store this; retry")
            }
        }
    }
}

/// Serialises a frame for the wire.
pub fn encode<T: serde::Serialize>(frame: &T) -> Text {
    serde_json::to_string(frame)
        .expect("protocol frames always serialise")
        .into()
}

/// Queues one frame for one socket; false when its outbox is full or gone.
fn send<T: serde::Serialize>(outbox: &Outbox, frame: &T) -> bool {
    send_text(outbox, &encode(frame))
}

/// Queues an already serialised frame (shared, not copied).
fn send_text(outbox: &Outbox, text: &Text) -> bool {
    outbox.try_send(text.clone()).is_ok()
}

/// A frame for many sockets, serialised on first use and then shared: a
/// broadcast nobody receives costs nothing, one everybody receives costs
/// one `serde_json` pass.
struct Shared<'a, T> {
    frame: &'a T,
    text: Option<Text>,
}

impl<'a, T: serde::Serialize> Shared<'a, T> {
    fn new(frame: &'a T) -> Self {
        Shared { frame, text: None }
    }

    fn send(&mut self, outbox: &Outbox) -> bool {
        let frame = self.frame;
        send_text(outbox, self.text.get_or_insert_with(|| encode(frame)))
    }
}

/// The answer for a conversation that does not exist — and for one of a
/// bot the operator does not serve, so existence does not leak.
pub fn not_found() -> ErrorBody {
    ErrorBody::new(ErrorCode::NotFound, "no such conversation")
}

impl Hub {
    /// Loads every conversation's log and the team, and re-arms response
    /// windows that were running when the server stopped.
    /// Each bot with who answers for it (`None`: nobody — human-only, or a
    /// bot that only hands over).
    pub fn start(
        store: impl Store + 'static,
        bots: Vec<(BotSettings, Option<Arc<dyn Bot>>)>,
    ) -> Result<Arc<Hub>, StoreError> {
        let engines: HashMap<_, _> = bots
            .iter()
            .filter_map(|(settings, bot)| Some((settings.id.clone(), bot.clone()?)))
            .collect();
        let mut bots: Vec<BotSettings> = bots.into_iter().map(|(settings, _)| settings).collect();
        for settings in &mut bots {
            crate::settings::load_or_seed(&store, settings)?;
        }
        let bot_ids: Vec<BotId> = bots.iter().map(|b| b.id.clone()).collect();
        let mut live = Live {
            bots: bots.into_iter().map(|b| (b.id.clone(), b)).collect(),
            alert_prefs: store.alert_prefs()?.into_iter().collect(),
            ..Live::default()
        };
        // Bot turns under way when the server stopped (answered below, once),
        // and requests still waiting (their re-alerts armed below).
        let mut owed = Vec::new();
        let mut waiting = Vec::new();
        for row in store.conversations()? {
            let log = store.log(&row.id)?;
            let mut conversation = Conversation::new(row.bot, row.token_hash, row.created_at);
            conversation.visitor_name = row.visitor_name;
            conversation.visitor_email = store.visitor_email(&row.id)?;
            conversation.country = row.country;
            conversation.core = ConversationCore::from_log(log.iter().map(|(e, id)| (e, id.as_ref())));
            for (event, _) in &log {
                if let Some(requested) = conversation.note(event) {
                    live.line.joined(&conversation.bot, requested, event.at);
                }
            }
            conversation.published = conversation.core.last_seq();
            conversation.row = RowState::Stored;
            let events: Vec<_> = log.iter().map(|(e, _)| e.clone()).collect();
            let mode = live.bots.get(&conversation.bot).map(|b| b.mode);
            if let Some(text) = mode.and_then(|mode| conversation.core.owed_bot_turn(&events, mode)) {
                owed.push((row.id.clone(), text.to_owned()));
            }
            // A request still waiting: back in its bot's line, and its
            // half-window re-alert is armed again.
            if let Some(deadline) = conversation.core.handover().deadline() {
                live.line.restore(&conversation.bot, &row.id);
                let request = events.iter().rev().find(|e| {
                    matches!(&e.body, EventBody::HelpRequested { deadline: d, .. } | EventBody::OwnerGone { deadline: d, .. } if *d == deadline)
                });
                if let Some(request) = request {
                    waiting.push((row.id.clone(), request.clone()));
                }
            }
            live.conversations.insert(row.id, conversation);
        }
        // Receipt marks persist (PROTOCOL.md §4.1); the log alone cannot say them.
        for (id, (visitor, team)) in store.all_marks()? {
            if let Some(conversation) = live.conversations.get_mut(&id) {
                conversation.core.visitor_marks = visitor;
                conversation.core.team_marks = team;
            }
        }
        store.grant_pending_bots(&bot_ids)?;
        let started = now();
        for row in store.operators()? {
            live.inbox_closed_since.insert(row.id.clone(), started);
            live.load_member(&row);
        }
        let hub = Arc::new_cyclic(|hub| Hub {
            store: Box::new(store),
            engines,
            live: Mutex::new(live),
            events: broadcast::channel(1024).0,
            metrics: crate::metrics::Metrics::default(),
            auto_away_task: Mutex::new(None),
            writer: Writer::start(hub.clone()),
            email_ready: std::sync::atomic::AtomicBool::new(false),
        });
        let deadlines: Vec<_> = hub
            .lock()
            .conversations
            .iter()
            .filter_map(|(id, c)| Some((id.clone(), c.core.handover().deadline()?)))
            .collect();
        for (id, deadline) in deadlines {
            hub.arm_timer(id, deadline);
        }
        for (conversation, request) in waiting {
            hub.arm_unclaimed_alerts(&conversation, std::slice::from_ref(&request));
        }
        hub.check_all_owners();
        for (conversation, text) in owed {
            tracing::info!(%conversation, "answering a visitor message whose bot turn the last run did not finish");
            hub.spawn_bot_turn(conversation, &text);
        }
        Ok(hub)
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Observe what the hub stores (see [`HubEvent`]). A slow observer
    /// misses events (`RecvError::Lagged`) rather than slowing the hub.
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.events.subscribe()
    }

    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// The metrics text, with the per-state conversation counts refreshed.
    pub fn metrics_text(&self) -> String {
        let mut counts: HashMap<&'static str, i64> = HashMap::new();
        for conv in self.lock().conversations.values().filter(|c| c.listed()) {
            let state = match conv.core.handover().state() {
                HandoverState::Bot => "bot",
                HandoverState::Waiting { .. } => "waiting",
                HandoverState::Human { .. } => "human",
                HandoverState::Resolved => "resolved",
                HandoverState::Unknown => "unknown",
            };
            *counts.entry(state).or_default() += 1;
        }
        for kind in ["bot", "waiting", "human", "resolved"] {
            let n = counts.get(kind).copied().unwrap_or_default();
            self.metrics
                .conversations
                .get_or_create(&crate::metrics::KindLabel { kind })
                .set(n);
        }
        self.metrics.encode()
    }

    fn publish(&self, event: HubEvent) {
        // No receivers is fine: nobody is listening.
        let _ = self.events.send(event);
    }

    /// A bot's settings as they stand now (a copy: an admin may change them
    /// at any time).
    pub fn bot_settings(&self, bot: &BotId) -> Option<BotSettings> {
        self.lock().bots.get(bot).cloned()
    }

    /// Every bot's settings, by id.
    pub fn all_bot_settings(&self) -> Vec<BotSettings> {
        let mut bots: Vec<BotSettings> = self.lock().bots.values().cloned().collect();
        bots.sort_by(|a, b| a.id.cmp(&b.id));
        bots
    }

    /// Stores a bot's editable settings, applies them, and sends every
    /// connected visitor of that bot a fresh `availability` frame (label,
    /// button and offline message change without a reload). New facts
    /// (response window, mode) apply from the next input on. Returns the
    /// settings as they now stand.
    pub fn update_bot_settings(
        &self,
        bot: &BotId,
        settings: crate::store::BotSettingsRow,
    ) -> Result<BotSettings, ErrorBody> {
        let mut live = self.lock();
        if !live.bots.contains_key(bot) {
            return Err(ErrorBody::new(ErrorCode::NotFound, "unknown bot"));
        }
        self.store.save_bot_settings(bot, &settings)?;
        let updated = live.bots.get_mut(bot).expect("checked above");
        updated.apply(settings);
        let updated = updated.clone();
        let frame = ServerToVisitor::Availability(live.availability(&updated));
        let ids: Vec<_> = live
            .visitors
            .keys()
            .filter(|id| live.conversations.get(*id).is_some_and(|c| &c.bot == bot))
            .cloned()
            .collect();
        for id in ids {
            live.broadcast_visitors(&id, &frame);
        }
        Ok(updated)
    }

    /// The bots an operator serves.
    pub fn operator_bots(&self, operator: &OperatorId) -> Vec<BotId> {
        self.lock()
            .team
            .member(operator)
            .map(|m| m.bots.clone())
            .unwrap_or_default()
    }

    /// An operator's alert preferences (the defaults until they save some).
    pub fn alert_prefs(&self, operator: &OperatorId) -> baton_protocol::operator::AlertPrefs {
        self.lock().alert_prefs.get(operator).copied().unwrap_or_default()
    }

    /// Stores and applies an operator's alert preferences.
    pub fn set_alert_prefs(
        &self,
        operator: &OperatorId,
        prefs: baton_protocol::operator::AlertPrefs,
    ) -> Result<(), StoreError> {
        let mut live = self.lock();
        self.store.save_alert_prefs(operator, &prefs)?;
        live.alert_prefs.insert(operator.clone(), prefs);
        Ok(())
    }

    /// Publishes an escalation (see [`HubEvent::Escalation`]) for observers.
    pub fn escalate(&self, conversation: &ConversationId, bot: &BotId, kind: baton_protocol::operator::AlertKind) {
        self.publish(HubEvent::Escalation {
            conversation: conversation.clone(),
            bot: bot.clone(),
            kind,
        });
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn facts(&self, live: &Live, bot: &BotId) -> Result<Facts, ErrorBody> {
        let settings = live
            .bots
            .get(bot)
            .ok_or_else(|| ErrorBody::new(ErrorCode::NotFound, "unknown bot"))?;
        Ok(Facts {
            now: now(),
            human_available: live.team.human_available(bot),
            response_window: settings.response_window,
            handover_enabled: settings.handover_enabled,
            mode: settings.mode,
            after_lapse: settings.after_lapse,
            rating: settings.rating,
        })
    }

    /// Tells every connected client to reconnect after `retry_after` (the
    /// server is shutting down), then lets go of their outboxes: each
    /// socket's writer drains what is queued, sends Close, and ends.
    pub fn going_away(&self, retry_after: Millis) {
        let mut live = self.lock();
        let (visitor_frame, operator_frame) = (
            ServerToVisitor::GoingAway { retry_after },
            ServerToOperator::GoingAway { retry_after },
        );
        live.features.clear();
        let mut to_visitors = Shared::new(&visitor_frame);
        for (_, peers) in live.visitors.drain() {
            for (_, outbox) in peers {
                to_visitors.send(&outbox);
            }
        }
        let mut to_operators = Shared::new(&operator_frame);
        for (_, _, outbox) in live.operators.drain(..) {
            to_operators.send(&outbox);
        }
    }
}

/// The region of a BCP 47 locale (`en-GB` → `GB`), if it names one.
pub fn country_from_locale(locale: &str) -> Option<String> {
    locale
        .split(['-', '_'])
        .skip(1)
        .find(|part| part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .map(|part| part.to_ascii_uppercase())
}

/// A two-letter country code from a proxy header (`XX`, `T1` and the like
/// mean "unknown" to the proxies that send them).
pub fn country_from_header(value: &str) -> Option<String> {
    let code = value.trim().to_ascii_uppercase();
    (code.len() == 2 && code.chars().all(|c| c.is_ascii_uppercase()) && code != "XX").then_some(code)
}

fn unsupported_version() -> ErrorBody {
    let mut err = ErrorBody::new(
        ErrorCode::UnsupportedVersion,
        format!("this server speaks protocol versions {SUPPORTED_VERSIONS:?}"),
    );
    err.supported_versions = SUPPORTED_VERSIONS.to_vec();
    err
}

fn common_features(offered: &[String]) -> Vec<String> {
    baton_protocol::FEATURES
        .iter()
        .filter(|f| offered.iter().any(|o| o == *f))
        .map(|f| (*f).to_owned())
        .collect()
}

impl Live {
    fn next_peer(&mut self) -> PeerId {
        self.next_peer += 1;
        self.next_peer
    }

    fn availability(&self, bot: &BotSettings) -> Availability {
        Availability {
            human_available: bot.handover_enabled && self.team.human_available(&bot.id),
            button_label: bot.button_label.clone(),
            offline_message: bot.offline_message.clone(),
            show_button: bot.show_button,
            after_lapse: bot.after_lapse,
            rating: bot.rating,
        }
    }

    fn roster(&self) -> Roster {
        let mut bots: Vec<BotId> = self.team.members.iter().flat_map(|m| m.bots.iter().cloned()).collect();
        bots.sort();
        bots.dedup();
        Roster {
            operators: self
                .team
                .members
                .iter()
                .filter_map(|m| {
                    Some(RosterEntry {
                        profile: self.profiles.get(&m.id)?.clone(),
                        status: m.status,
                        role: m.role,
                        bots: m.bots.clone(),
                        connected: self.operators.iter().any(|(_, id, _)| id == &m.id),
                    })
                })
                .collect(),
            bots: bots
                .into_iter()
                .map(|bot| {
                    let (available, total) = self.team.counts(&bot);
                    BotCount { bot, available, total }
                })
                .collect(),
        }
    }

    fn summary(&self, id: &ConversationId, operator: &OperatorId) -> ConversationSummary {
        let conv = &self.conversations[id];
        let read = conv.read_by.get(operator).copied().unwrap_or_default();
        let followup = conv.core.followup();
        let waiting = matches!(conv.core.handover().state(), HandoverState::Waiting { .. });
        ConversationSummary {
            id: id.clone(),
            bot: conv.bot.clone(),
            visitor: conv.label(id),
            state: conv.core.handover().state().clone(),
            last_message: conv.last_message.clone(),
            last_activity: conv.last_activity,
            help_requested_at: conv.help_requested_at,
            unread: conv.visitor_messages.iter().filter(|s| **s > read).count() as u32,
            presence: conv.presence.presence(now()),
            country: conv.country.clone(),
            email: conv.visitor_email.clone(),
            locale: conv.locale.clone(),
            page: conv.page.clone(),
            reason: waiting.then(|| followup.reason.clone()).flatten(),
            priority: if waiting { followup.priority } else { Default::default() },
            left_message: followup.awaiting_email_reply,
            rating: followup.rating,
        }
    }

    /// Sends each operator its own version of a conversation's row (unread
    /// counts are per operator). Rows differ only by what each operator has
    /// read, so each distinct row is serialised once and shared. Rows go
    /// through each connection's row queue: coalesced to one per
    /// `ROW_INTERVAL`, and never the reason an operator is disconnected.
    fn publish_row(&mut self, conversation: &ConversationId) {
        let Some(conv) = self.conversations.get(conversation).filter(|c| c.listed()) else {
            return;
        };
        if conv.core.handover().state() == &HandoverState::Resolved {
            // It left the live lists (`remove_resolved`); an `open` still
            // answers with its row.
            return;
        }
        let bot = &conv.bot;
        let mut rows: HashMap<Seq, Text> = HashMap::new();
        // `None`: this operator does not serve the bot and gets nothing.
        let texts: Vec<Option<Text>> = self
            .operators
            .iter()
            .map(|(_, op, _)| {
                self.serves(op, bot).then(|| {
                    let read = conv.read_by.get(op).copied().unwrap_or_default();
                    rows.entry(read)
                        .or_insert_with(|| encode(&ServerToOperator::Conversation(self.summary(conversation, op))))
                        .clone()
                })
            })
            .collect();
        let mut i = 0;
        let queues = &self.rows;
        self.operators.retain(|(peer, _, outbox)| {
            let ok = texts[i].as_ref().is_none_or(|text| match queues.get(peer) {
                // Coalesced: the writer sends the latest state when it may.
                Some(rows) => {
                    rows.push(conversation.clone(), text.clone());
                    !outbox.is_closed()
                }
                None => send_text(outbox, text),
            });
            i += 1;
            ok
        });
    }

    fn broadcast_visitors(&mut self, conversation: &ConversationId, frame: &ServerToVisitor) {
        // Operators-only fields never reach a visitor.
        let frame = &frame.clone().for_visitor();
        let feature = frame.feature();
        let features = &self.features;
        if let Some(peers) = self.visitors.get_mut(conversation) {
            // A peer whose queue is full is dropped; its socket closes and
            // the widget resumes from its cursor, losing nothing.
            let mut frame = Shared::new(frame);
            peers.retain(|(peer, outbox)| !wants(features, *peer, feature) || frame.send(outbox));
        }
    }

    fn broadcast_operators(&mut self, frame: &ServerToOperator) {
        let (feature, features) = (frame.feature(), &self.features);
        let mut frame = Shared::new(frame);
        self.operators
            .retain(|(peer, _, outbox)| !wants(features, *peer, feature) || frame.send(outbox));
    }

    /// A conversation's `event` frame, to the operator connections that get
    /// events for it (`baton_protocol::fanout::gets_events`: it is open there,
    /// or they own it); the others see the change in its row.
    fn broadcast_event(&mut self, conversation: &ConversationId, event: &baton_protocol::ConversationEvent) {
        let Some(conv) = self.conversations.get(conversation) else {
            return;
        };
        let (team, opened, bot, state) = (&self.team, &self.opened, &conv.bot, conv.core.handover().state());
        let frame = ServerToOperator::Event {
            conversation: conversation.clone(),
            event: event.clone(),
        };
        let mut frame = Shared::new(&frame);
        self.operators.retain(|(peer, op, outbox)| {
            let wanted = team::serves(team, op, bot)
                && baton_protocol::fanout::gets_events(op, opened.get(peer), conversation, state, &event.body);
            !wanted || frame.send(outbox)
        });
    }

    fn prefs_of(&self, operator: &OperatorId) -> baton_protocol::operator::AlertPrefs {
        self.alert_prefs.get(operator).copied().unwrap_or_default()
    }

    /// A frame about one conversation, to the operators who serve its bot.
    fn broadcast_operators_of(&mut self, conversation: &ConversationId, frame: &ServerToOperator) {
        let Some(conv) = self.conversations.get(conversation).filter(|c| c.listed()) else {
            return;
        };
        let (team, bot) = (&self.team, &conv.bot);
        let (feature, features) = (frame.feature(), &self.features);
        let mut frame = Shared::new(frame);
        self.operators.retain(|(peer, op, outbox)| {
            !(team::serves(team, op, bot) && wants(features, *peer, feature)) || frame.send(outbox)
        });
    }
}

impl Conversation {
    fn new(bot: BotId, token_hash: Vec<u8>, created_at: Timestamp) -> Conversation {
        Conversation {
            bot,
            token_hash,
            created_at,
            core: ConversationCore::default(),
            presence: PresenceTracker::default(),
            announced: VisitorPresence::Lost,
            last_activity: created_at,
            last_message: None,
            last_visitor_message: None,
            help_requested_at: None,
            visitor_messages: Vec::new(),
            read_by: HashMap::new(),
            visitor_name: None,
            visitor_email: None,
            country: None,
            locale: None,
            page: None,
            owner_check: None,
            waiting_since: None,
            place: None,
            published: Seq(0),
            epoch: 0,
            row: RowState::Pending,
        }
    }

    /// Stored, so operators may see it (`RowState`).
    fn listed(&self) -> bool {
        self.row == RowState::Stored
    }

    /// The row to store with the conversation's first events.
    fn new_row(&self, id: &ConversationId) -> crate::store::NewConversation {
        crate::store::NewConversation {
            row: ConversationRow {
                id: id.clone(),
                bot: self.bot.clone(),
                token_hash: self.token_hash.clone(),
                created_at: self.created_at,
                visitor_name: self.visitor_name.clone(),
                country: self.country.clone(),
            },
            locale: self.locale.clone(),
            email: self.visitor_email.clone(),
        }
    }

    /// The visitor's label in the list: their name, else "Visitor 3f9a".
    fn label(&self, id: &ConversationId) -> String {
        self.visitor_name
            .clone()
            .unwrap_or_else(|| format!("Visitor {}", &id.as_str()[..4.min(id.as_str().len())]))
    }

    /// Updates the list-row facts from a stored event. Returns when the
    /// request an operator just joined was made (a time-to-join sample).
    fn note(&mut self, event: &baton_protocol::ConversationEvent) -> Option<Timestamp> {
        self.last_activity = event.at;
        let mut joined = None;
        match &event.body {
            EventBody::HelpRequested { .. } | EventBody::OwnerGone { .. } => self.waiting_since = Some(event.at),
            EventBody::OperatorJoined { .. } => joined = self.waiting_since.take(),
            EventBody::RequestCancelled
            | EventBody::RequestLapsed
            | EventBody::OperatorTookOver { .. }
            | EventBody::Transferred { .. }
            | EventBody::OperatorLeft { .. }
            | EventBody::VisitorEndedHuman { .. }
            | EventBody::Resolved { .. } => self.waiting_since = None,
            _ => {}
        }
        match &event.body {
            EventBody::Message { author, text, .. } => {
                self.last_message = Some(text.chars().take(120).collect());
                if matches!(author, Author::Visitor) {
                    self.visitor_messages.push(event.seq);
                    self.last_visitor_message = self.last_message.clone();
                }
            }
            EventBody::HelpRequested { .. } => self.help_requested_at = Some(event.at),
            _ => {}
        }
        joined
    }
}

pub fn profile(row: &OperatorRow) -> OperatorProfile {
    OperatorProfile {
        id: row.id.clone(),
        name: row.name.clone(),
        avatar_url: row.avatar_url.clone(),
        colour: row.colour.clone(),
    }
}
