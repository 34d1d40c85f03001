//! The hub performs what the protocol's pure cores decide: it persists the
//! events a `ConversationCore` produces, fans them out to connected
//! visitors and operators, arms response-window and presence timers, and
//! asks the bot for replies. It owns no rule: handover, dedup, limits and
//! muting live in `baton_protocol::conversation`, operator status rules in
//! `baton_protocol::availability`, presence in `baton_protocol::presence`.
//!
//! Ordering: all changes to conversations happen under one lock; the events
//! they produce are stored by one writer thread (`writer`), which commits
//! many conversations' appends together; one publisher task then publishes
//! each committed batch, under the lock, in the order its events were
//! produced. So every peer sees events in `seq`
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
use baton_protocol::presence::VisitorPresence;
use baton_protocol::visitor::{
    Availability, HistoryPage, ServerToVisitor, VisitorHello, VisitorSnapshot, VisitorWelcome,
};
use baton_protocol::{
    Author, BotId, ConversationId, ErrorBody, ErrorCode, EventBody, Facts, HandoverState, MAX_HISTORY_PAGE, MAX_REPLAY,
    Millis, OperatorId, OperatorProfile, PROTOCOL_VERSION, SUPPORTED_VERSIONS, Seq, Timestamp, VisitorToken,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

mod alerts;
mod away;
mod drain;
pub use drain::GOING_AWAY_STEPS;
mod conversations;
mod extras;
mod features;
pub use features::Features;
use features::wants;
mod operators;
mod owner;
mod retention;
mod shared_presence;
mod shared_team;
use baton_protocol::operator::AlertKind;
pub use retention::SWEEP_EVERY;
pub use shared_team::{BEAT, MISSED_BEATS};
mod team;
mod timers;
pub use timers::TIMER_POLL;
mod waiting;
pub use waiting::Ratings;
mod writer;
mod writer_book;
pub use team::{TeamError, TeamMember};
pub use writer::Answer;
use writer::{Job, Writer};
mod fanout;
mod negotiate;
mod startup;
mod state;
mod sync;
pub use crate::clock::now;
pub use crate::outbox::{OPERATOR_OUTBOX_CAPACITY, OUTBOX_CAPACITY, Outbox, PeerId, Text, encode};
use crate::outbox::{Shared, send, send_text};
use negotiate::{common_features, unsupported_version};
pub use negotiate::{country_from_header, country_from_locale};
use state::{Conversation, Live, RowState};

#[derive(Debug)]
pub struct Hub {
    store: Box<dyn Store>,
    /// Who answers for each bot (`None`: nobody — human-only).
    engines: HashMap<BotId, Arc<dyn Bot>>,
    live: Mutex<Live>,
    /// What happened, for notifications and other observers.
    events: broadcast::Sender<HubEvent>,
    metrics: crate::metrics::Metrics,
    /// Where appends go (`writer`).
    writer: Writer,
    /// Epochs the writer must refuse jobs from (`writer_book::Retired`).
    retired: writer_book::Retired,
    /// An email sender is configured (`waiting::can_email`).
    email_ready: std::sync::atomic::AtomicBool,
    /// Hints to other processes (`crate::bus`): a `Conversation` hint after
    /// each commit is published.
    bus: crate::bus::HintSender,
    /// Stored timers, fired by whichever process is alive (`timers`).
    timers: timers::Timers,
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
    /// An event another process stored, read back here (`hub/sync.rs`).
    /// For observers that act once across processes through a claim in
    /// the store (the unread-reply email), not for those the storing
    /// process serves alone (webhooks, counts).
    StoredElsewhere {
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

/// The answer for a conversation that does not exist — and for one of a
/// bot the operator does not serve, so existence does not leak.
pub fn not_found() -> ErrorBody {
    ErrorBody::new(ErrorCode::NotFound, "no such conversation")
}

impl Hub {
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The bus between processes (see `crate::bus`).
    pub fn bus(&self) -> &Arc<dyn crate::bus::Bus> {
        self.bus.bus()
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
        let updated = live.apply_bot_settings(bot, settings).expect("checked above");
        live.team_changed_here();
        self.hint_settings(&live, Some(bot));
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
}

pub fn profile(row: &OperatorRow) -> OperatorProfile {
    OperatorProfile {
        id: row.id.clone(),
        name: row.name.clone(),
        avatar_url: row.avatar_url.clone(),
        colour: row.colour.clone(),
    }
}
