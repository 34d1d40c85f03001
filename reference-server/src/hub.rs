//! The hub performs what the protocol's pure cores decide: it persists the
//! events a `ConversationCore` produces, fans them out to connected
//! visitors and operators, arms response-window and presence timers, and
//! asks the bot for replies. It owns no rule: handover, dedup, limits and
//! muting live in `baton_protocol::conversation`, operator status rules in
//! `baton_protocol::availability`, presence in `baton_protocol::presence`.
//!
//! Ordering: all changes to conversations happen under one lock, and frames
//! are queued to peers while it is held, so every peer sees events in `seq`
//! order and a resuming visitor's replay never interleaves with live events.

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
mod owner;
use baton_protocol::operator::AlertKind;
mod team;
pub use team::{TeamError, TeamMember};

/// Frames queued for one socket, already serialised. Bounded: a peer that
/// stops reading is disconnected (it resumes from its cursor) rather than
/// growing the server's memory.
pub type Outbox = mpsc::Sender<String>;
pub const OUTBOX_CAPACITY: usize = 256;

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
    team: Team,
    profiles: HashMap<OperatorId, OperatorProfile>,
    next_peer: PeerId,
    /// When each operator's last inbox disconnected (the server's start for
    /// those not seen since); meaningful only while none is connected.
    inbox_closed_since: HashMap<OperatorId, Timestamp>,
}

#[derive(Debug)]
struct Conversation {
    bot: BotId,
    token_hash: Vec<u8>,
    core: ConversationCore,
    presence: PresenceTracker,
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
}

impl From<StoreError> for ErrorBody {
    fn from(err: StoreError) -> ErrorBody {
        tracing::error!(%err, "store failure");
        ErrorBody::new(ErrorCode::Internal, "the server could not store this; retry")
    }
}

fn send<T: serde::Serialize>(outbox: &Outbox, frame: &T) -> bool {
    let text = serde_json::to_string(frame).expect("protocol frames always serialise");
    outbox.try_send(text).is_ok()
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
        for row in store.conversations()? {
            let log = store.log(&row.id)?;
            let mut conversation = Conversation::new(row.bot, row.token_hash, row.created_at);
            conversation.visitor_name = row.visitor_name;
            conversation.visitor_email = store.visitor_email(&row.id)?;
            conversation.country = row.country;
            conversation.core = ConversationCore::from_log(log.iter().map(|(e, id)| (e, id.as_ref())));
            for (event, _) in &log {
                conversation.note(event);
            }
            live.conversations.insert(row.id, conversation);
        }
        store.grant_pending_bots(&bot_ids)?;
        let started = now();
        for row in store.operators()? {
            live.inbox_closed_since.insert(row.id.clone(), started);
            live.load_member(&row);
        }
        let hub = Arc::new(Hub {
            store: Box::new(store),
            engines,
            live: Mutex::new(live),
            events: broadcast::channel(1024).0,
            metrics: crate::metrics::Metrics::default(),
            auto_away_task: Mutex::new(None),
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
        hub.check_all_owners();
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
        for conv in self.lock().conversations.values() {
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
        })
    }

    /// Tells every connected client to reconnect after `retry_after` (the
    /// server is shutting down), then lets go of their outboxes: each
    /// socket's writer drains what is queued, sends Close, and ends.
    pub fn going_away(&self, retry_after: Millis) {
        let mut live = self.lock();
        for (_, peers) in live.visitors.drain() {
            for (_, outbox) in peers {
                send(&outbox, &ServerToVisitor::GoingAway { retry_after });
            }
        }
        for (_, _, outbox) in live.operators.drain(..) {
            send(&outbox, &ServerToOperator::GoingAway { retry_after });
        }
    }

    // ---------------------------------------------------------------- visitors

    /// Answers a visitor's `hello`: resumes the conversation its token proves,
    /// or starts a new one. The welcome (with the replay) is queued and the
    /// peer registered under the same lock, so no event is missed or doubled.
    /// `proxy_country` comes from the trusted proxy header, if configured.
    pub fn visitor_hello(
        &self,
        bot_id: &BotId,
        hello: VisitorHello,
        proxy_country: Option<String>,
        outbox: &Outbox,
    ) -> Result<(ConversationId, PeerId), ErrorBody> {
        let country = proxy_country.map(|code| Country { code, hint: false }).or_else(|| {
            hello
                .locale
                .as_deref()
                .and_then(country_from_locale)
                .map(|code| Country { code, hint: true })
        });
        if !SUPPORTED_VERSIONS.contains(&hello.protocol) {
            return Err(unsupported_version());
        }
        if &hello.bot != bot_id {
            return Err(ErrorBody::new(
                ErrorCode::Forbidden,
                "hello names a different bot than the socket URL",
            ));
        }
        let mut live = self.lock();
        let settings = live
            .bots
            .get(bot_id)
            .cloned()
            .ok_or_else(|| ErrorBody::new(ErrorCode::NotFound, "unknown bot"))?;
        let (conversation, token, after) = match hello.resume {
            Some(resume) => {
                let known = live.conversations.get(&resume.conversation).filter(|c| {
                    &c.bot == bot_id && auth::same_hash(&c.token_hash, &auth::secret_hash(&resume.token.0))
                });
                if known.is_none() {
                    // Same answer for "no such conversation" and "wrong token":
                    // a visitor learns nothing about conversations not theirs.
                    return Err(ErrorBody::new(
                        ErrorCode::Unauthorized,
                        "this conversation cannot be resumed",
                    ));
                }
                (resume.conversation, None, resume.last_seq)
            }
            None => {
                let id = ConversationId(auth::new_id());
                let token = auth::new_secret();
                let row = ConversationRow {
                    id: id.clone(),
                    bot: bot_id.clone(),
                    token_hash: auth::secret_hash(&token),
                    created_at: now(),
                    visitor_name: None,
                    country: None,
                };
                self.store.insert_conversation(&row, hello.locale.as_deref())?;
                live.conversations
                    .insert(id.clone(), Conversation::new(row.bot, row.token_hash, row.created_at));
                self.publish(HubEvent::NewConversation {
                    conversation: id.clone(),
                    bot: bot_id.clone(),
                });
                (id, Some(VisitorToken(token)), Seq(0))
            }
        };
        let replay = self.store.events_after(&conversation, after, MAX_REPLAY + 1)?;
        let replay_limited = replay.len() > MAX_REPLAY;
        let replay = if replay_limited { replay[1..].to_vec() } else { replay };
        let availability = live.availability(&settings);
        let conv = live.conversations.get_mut(&conversation).ok_or_else(not_found)?;
        // A known country beats a hint; a fresh reading beats an old one.
        let better = country
            .as_ref()
            .is_some_and(|c| !c.hint || conv.country.as_ref().is_none_or(|old| old.hint));
        if better && conv.country != country {
            conv.country = country.clone();
            if let Some(country) = &country {
                self.store.set_country(&conversation, country)?;
            }
        }
        conv.locale = hello.locale.clone().filter(|l| l.len() <= 35);
        if let Some(page) = hello.page.as_deref() {
            conv.page = Some(page.chars().take(500).collect());
        }
        let presence_before = conv.presence.presence(now());
        conv.presence.connected();
        let snapshot = VisitorSnapshot {
            state: conv.core.handover().state().clone(),
            last_seq: conv.core.last_seq(),
            availability,
            team_marks: conv.core.team_marks,
            visitor_marks: conv.core.visitor_marks,
        };
        send(
            outbox,
            &ServerToVisitor::Welcome(VisitorWelcome {
                protocol: PROTOCOL_VERSION,
                features: common_features(&hello.features),
                conversation: conversation.clone(),
                token,
                replay,
                replay_limited,
                snapshot,
            }),
        );
        let peer = live.next_peer();
        live.visitors
            .entry(conversation.clone())
            .or_default()
            .push((peer, outbox.clone()));
        if presence_before != VisitorPresence::Online || after == Seq(0) {
            live.publish_row(&conversation);
        }
        Ok((conversation, peer))
    }

    pub fn visitor_gone(self: &Arc<Self>, conversation: &ConversationId, peer: PeerId) {
        let mut live = self.lock();
        if let Some(peers) = live.visitors.get_mut(conversation) {
            peers.retain(|(p, _)| *p != peer);
            if peers.is_empty() {
                live.visitors.remove(conversation);
            }
        }
        // A visitor who left is not typing, whatever their last frame said.
        live.broadcast_operators_of(
            conversation,
            &ServerToOperator::Typing {
                conversation: conversation.clone(),
                typing: false,
            },
        );
        let at = now();
        let Some(conv) = live.conversations.get_mut(conversation) else {
            return;
        };
        conv.presence.disconnected(at);
        let next = conv.presence.next_change(at);
        drop(live);
        if let Some(next) = next {
            self.arm_presence_timer(conversation.clone(), next);
        }
    }

    /// Runs one input through the conversation's core and performs the
    /// outcome. Returns the answer owed to the sender, if any.
    pub fn input(self: &Arc<Self>, conversation: &ConversationId, input: Input) -> Option<Result<Seq, ErrorBody>> {
        let mut live = self.lock();
        let bot = match live.conversations.get(conversation) {
            Some(c) => c.bot.clone(),
            None => return Some(Err(not_found())),
        };
        let facts = match self.facts(&live, &bot) {
            Ok(facts) => facts,
            Err(err) => return Some(Err(err)),
        };
        let conv = live.conversations.get_mut(conversation).expect("checked above");
        let outcome = conv.core.handle(input, facts);
        if let Err(err) = self.perform(&mut live, conversation, &outcome) {
            return Some(Err(err));
        }
        drop(live);
        if let Some(deadline) = outcome.deadline {
            self.arm_timer(conversation.clone(), deadline);
        }
        if !outcome.events.is_empty() {
            self.arm_unclaimed_alerts(conversation, &outcome.events);
            // A visitor message may start a wait on an owner whose inbox is closed.
            self.check_owner(conversation);
        }
        if outcome.ask_bot {
            self.spawn_bot_turn(conversation.clone(), &outcome);
        }
        outcome.reply.map(|reply| match reply {
            Reply::Ack { seq, .. } => Ok(seq),
            Reply::Error(err) => Err(err),
        })
    }

    /// Persists and publishes an outcome. If storing fails, the core is
    /// rebuilt from the store, so memory never runs ahead of the disk.
    fn perform(&self, live: &mut Live, conversation: &ConversationId, outcome: &Outcome) -> Result<(), ErrorBody> {
        if !outcome.events.is_empty() {
            let started = std::time::Instant::now();
            let stored = self
                .store
                .append(conversation, outcome.client_msg_id.as_ref(), &outcome.events);
            self.metrics.store_latency.observe(started.elapsed().as_secs_f64());
            for event in &outcome.events {
                if let EventBody::Message { author, .. } = &event.body {
                    let kind = match author {
                        Author::Visitor => "visitor",
                        Author::Bot => "bot",
                        Author::Operator { .. } => "operator",
                        Author::Unknown => "unknown",
                    };
                    self.metrics
                        .messages
                        .get_or_create(&crate::metrics::KindLabel { kind })
                        .inc();
                }
            }
            if let Err(err) = stored {
                if let (Ok(log), Some(conv)) = (self.store.log(conversation), live.conversations.get_mut(conversation))
                {
                    conv.core = ConversationCore::from_log(log.iter().map(|(e, id)| (e, id.as_ref())));
                }
                return Err(err.into());
            }
        }
        let conv = live.conversations.get_mut(conversation).ok_or_else(not_found)?;
        for event in &outcome.events {
            conv.note(event);
        }
        let bot = conv.bot.clone();
        for event in &outcome.events {
            self.publish(HubEvent::Stored {
                conversation: conversation.clone(),
                bot: bot.clone(),
                event: event.clone(),
            });
        }
        for event in &outcome.events {
            live.broadcast_visitors(conversation, &ServerToVisitor::Event(event.clone()));
            live.broadcast_operators_of(
                conversation,
                &ServerToOperator::Event {
                    conversation: conversation.clone(),
                    event: event.clone(),
                },
            );
        }
        if !outcome.events.is_empty() {
            live.publish_row(conversation);
            live.alerts_for(conversation, &outcome.events);
            self.escalate_owner_gone(conversation, &bot, &outcome.events);
        }
        if outcome.visitor_marks.is_some() || outcome.team_marks.is_some() {
            let conv = &live.conversations[conversation];
            let (visitor, team) = (conv.core.visitor_marks, conv.core.team_marks);
            if outcome.visitor_marks.is_some() {
                self.publish(HubEvent::VisitorMarks {
                    conversation: conversation.clone(),
                    marks: visitor,
                });
            }
            if outcome.team_marks.is_some() {
                live.broadcast_visitors(conversation, &ServerToVisitor::Receipts { team });
            }
            live.broadcast_operators_of(
                conversation,
                &ServerToOperator::Receipts {
                    conversation: conversation.clone(),
                    visitor,
                    team,
                },
            );
        }
        Ok(())
    }

    fn spawn_bot_turn(self: &Arc<Self>, conversation: ConversationId, outcome: &Outcome) {
        let Some(text) = outcome.events.iter().find_map(|e| e.body.message_text()) else {
            return;
        };
        let (bot, human_available) = {
            let live = self.lock();
            let Some(conv) = live.conversations.get(&conversation) else {
                return;
            };
            (conv.bot.clone(), live.team.human_available(&conv.bot))
        };
        let Some(engine) = self.engines.get(&bot).cloned() else {
            return;
        };
        let history = match self.store.recent(&conversation, crate::bot::HISTORY_FOR_BOT) {
            Ok(history) => history,
            Err(err) => {
                tracing::error!(%err, "could not read the history for the bot");
                Vec::new()
            }
        };
        let turn = BotTurn {
            bot,
            conversation: conversation.clone(),
            text: text.to_owned(),
            history,
            human_available,
        };
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            let reply = engine.reply(turn).await;
            // The core drops the reply if a person took the chat meanwhile.
            hub.input(
                &conversation,
                Input::BotReply {
                    text: reply.text,
                    offer_human: reply.offer_human,
                },
            );
        });
    }

    fn arm_timer(self: &Arc<Self>, conversation: ConversationId, deadline: Timestamp) {
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(deadline.0.saturating_sub(now().0))).await;
            if let Some(hub) = hub.upgrade() {
                hub.input(&conversation, Input::Timeout);
            }
        });
    }

    fn arm_presence_timer(self: &Arc<Self>, conversation: ConversationId, at: Timestamp) {
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(at.0.saturating_sub(now().0))).await;
            let Some(hub) = hub.upgrade() else { return };
            let next = {
                let mut live = hub.lock();
                live.publish_row(&conversation);
                live.conversations
                    .get(&conversation)
                    .and_then(|c| c.presence.next_change(now()))
            };
            if let Some(next) = next {
                hub.arm_presence_timer(conversation, next);
            }
        });
    }

    /// The visitor is typing: tell the operators.
    pub fn visitor_typing(&self, conversation: &ConversationId, typing: bool) {
        self.lock().broadcast_operators_of(
            conversation,
            &ServerToOperator::Typing {
                conversation: conversation.clone(),
                typing,
            },
        );
    }

    /// A page of older events.
    pub fn history_page(
        &self,
        conversation: &ConversationId,
        before: Seq,
        limit: u32,
    ) -> Result<HistoryPage, ErrorBody> {
        let limit = limit.clamp(1, MAX_HISTORY_PAGE);
        let mut events = self.store.events_before(conversation, before, limit + 1)?;
        let has_more = events.len() > limit as usize;
        if has_more {
            events.remove(0);
        }
        Ok(HistoryPage { events, has_more })
    }

    // --------------------------------------------------------------- operators

    /// Answers an operator's `hello` with the welcome, and registers the peer.
    pub fn operator_hello(
        &self,
        operator: &OperatorId,
        protocol: u32,
        features: &[String],
        outbox: &Outbox,
    ) -> Result<PeerId, ErrorBody> {
        if !SUPPORTED_VERSIONS.contains(&protocol) {
            return Err(unsupported_version());
        }
        let mut live = self.lock();
        if live.team.member(operator).is_none() {
            // Added by the command line while the server runs.
            if let Some(row) = self.store.operator(operator)? {
                live.load_member(&row);
            }
        }
        let member = live
            .team
            .member(operator)
            .cloned()
            .ok_or_else(|| ErrorBody::new(ErrorCode::Unauthorized, "unknown operator"))?;
        let me = live
            .profiles
            .get(operator)
            .cloned()
            .ok_or_else(|| ErrorBody::new(ErrorCode::Unauthorized, "unknown operator"))?;
        // Only the conversations of the bots this operator serves; resolved
        // chats have left the live list (PROTOCOL.md `conversation`).
        let mut conversations: Vec<_> = live
            .conversations
            .iter()
            .filter(|(_, c)| member.bots.contains(&c.bot) && c.core.handover().state() != &HandoverState::Resolved)
            .map(|(id, _)| live.summary(id, operator))
            .collect();
        conversations.sort_by_key(|c| std::cmp::Reverse(c.last_activity));
        let welcome = OperatorWelcome {
            protocol: PROTOCOL_VERSION,
            features: common_features(features),
            me,
            role: member.role,
            status: member.status,
            bots: live
                .bots
                .values()
                .filter(|bot| member.bots.contains(&bot.id))
                .map(|bot| BotInfo {
                    id: bot.id.clone(),
                    name: bot.name.clone(),
                })
                .collect(),
            conversations,
            roster: live.roster(),
            shortcuts: self.store.shortcuts(operator)?,
            alert_prefs: live.alert_prefs.get(operator).copied().unwrap_or_default(),
        };
        send(outbox, &ServerToOperator::Welcome(welcome));
        let peer = live.next_peer();
        let first = !live.operators.iter().any(|(_, op, _)| op == operator);
        live.operators.push((peer, operator.clone(), outbox.clone()));
        if first {
            // Teammates see them connected.
            let roster = ServerToOperator::Roster(live.roster());
            live.broadcast_operators(&roster);
        }
        Ok(peer)
    }

    pub fn operator_gone(self: &Arc<Self>, peer: PeerId) {
        // Closing the inbox does not change the operator's status: it is
        // theirs to set, and visitors keep seeing them as they left it. But
        // a visitor waiting on them is not left writing to nobody: the
        // owner-gone rule starts counting.
        let gone = {
            let mut live = self.lock();
            let Some(operator) = live
                .operators
                .iter()
                .find(|(p, _, _)| *p == peer)
                .map(|(_, op, _)| op.clone())
            else {
                return;
            };
            live.operators.retain(|(p, _, _)| *p != peer);
            if live.operators.iter().any(|(_, op, _)| op == &operator) {
                return;
            }
            live.inbox_closed_since.insert(operator.clone(), now());
            let roster = ServerToOperator::Roster(live.roster());
            live.broadcast_operators(&roster);
            operator
        };
        self.check_owner_of_all(&gone);
    }

    pub fn change_status(self: &Arc<Self>, change: StatusChange) -> Result<(), ErrorBody> {
        let by_admin = match &change {
            StatusChange::ByAdmin { admin, target, .. } if admin != target => Some(admin.clone()),
            _ => None,
        };
        let mut live = self.lock();
        let before = self.availability_by_bot(&live);
        let changed = live
            .team
            .change(change, now())
            .map_err(|r| ErrorBody::new(r.code, r.reason))?;
        let status = live.team.member(&changed).map(|m| m.status).unwrap_or_default();
        self.store.set_operator_status(&changed, status)?;
        self.after_status_change(&mut live, before);
        if let Some(admin) = by_admin {
            let by = live.profiles.get(&admin).cloned();
            live.alert_operator(&changed, &alerts::about_you(AlertKind::SetOffline, by));
        }
        drop(live);
        if status == baton_protocol::operator::OperatorStatus::Offline {
            self.check_owner_of_all(&changed);
        }
        Ok(())
    }

    fn availability_by_bot(&self, live: &Live) -> Vec<bool> {
        live.bots.keys().map(|b| live.team.human_available(b)).collect()
    }

    /// Tells operators the new roster, and visitors of any bot whose
    /// "Talk to a human" availability flipped.
    fn after_status_change(&self, live: &mut Live, before: Vec<bool>) {
        let roster = ServerToOperator::Roster(live.roster());
        live.broadcast_operators(&roster);
        let bots: Vec<BotSettings> = live.bots.values().cloned().collect();
        for (settings, was) in bots.iter().zip(before) {
            if live.team.human_available(&settings.id) != was {
                let frame = ServerToVisitor::Availability(live.availability(settings));
                let ids: Vec<_> = live
                    .visitors
                    .keys()
                    .filter(|id| live.conversations[*id].bot == settings.id)
                    .cloned()
                    .collect();
                for id in ids {
                    live.broadcast_visitors(&id, &frame);
                }
            }
        }
    }

    /// Turns on auto-away: Available operators idle for `after` become Away.
    /// Off (the default), status never changes by itself.
    pub fn enable_auto_away(self: &Arc<Self>, after: Millis) {
        self.set_auto_away(Some(after));
    }

    /// Switches auto-away on (`Some`), changes its delay, or turns it off
    /// (`None`), at once and without a restart.
    pub fn set_auto_away(self: &Arc<Self>, after: Option<Millis>) {
        let mut task = self.auto_away_task.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(old) = task.take() {
            old.abort();
        }
        self.lock().team.auto_away_after = after;
        let Some(after) = after else { return };
        let hub = Arc::downgrade(self);
        let ticker = tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis((after.0 / 4).clamp(1_000, 30_000)));
            loop {
                tick.tick().await;
                let Some(hub) = hub.upgrade() else { return };
                hub.auto_away_tick();
            }
        });
        *task = Some(ticker.abort_handle());
    }

    /// After how long idle operators become Away, if auto-away is on.
    pub fn auto_away(&self) -> Option<Millis> {
        self.lock().team.auto_away_after
    }

    /// Stores the team's settings and applies them at once.
    pub fn update_team_settings(self: &Arc<Self>, settings: crate::store::TeamSettings) -> Result<(), StoreError> {
        self.store.save_team_settings(&settings)?;
        self.set_auto_away(settings.auto_away());
        Ok(())
    }

    fn auto_away_tick(&self) {
        let mut live = self.lock();
        let before = self.availability_by_bot(&live);
        let away = live.team.auto_away(now());
        if away.is_empty() {
            return;
        }
        for operator in &away {
            if let Err(err) = self
                .store
                .set_operator_status(operator, baton_protocol::operator::OperatorStatus::Away)
            {
                tracing::error!(%err, "could not store an auto-away status");
            }
            live.alert_operator(operator, &alerts::about_you(AlertKind::AutoAway, None));
        }
        self.after_status_change(&mut live, before);
    }

    /// The operator did something in the inbox (resets auto-away).
    pub fn touch(&self, operator: &OperatorId) {
        self.lock().team.touch(operator, now());
    }

    /// The profile a visitor sees for `operator` in `conversation`: theirs,
    /// with the bot's default avatar and colour where they set none.
    pub fn profile_for(&self, operator: &OperatorId, conversation: &ConversationId) -> Option<OperatorProfile> {
        let live = self.lock();
        let mut profile = live.profiles.get(operator)?.clone();
        if let Some(settings) = live.conversations.get(conversation).and_then(|c| live.bots.get(&c.bot)) {
            profile.avatar_url = profile.avatar_url.or_else(|| settings.operator_avatar_url.clone());
            profile.colour = profile.colour.or_else(|| settings.operator_colour.clone());
        }
        Some(profile)
    }

    /// The bot a conversation belongs to.
    pub fn bot_of(&self, conversation: &ConversationId) -> Option<BotId> {
        self.lock().conversations.get(conversation).map(|c| c.bot.clone())
    }

    pub fn can_receive_transfer(&self, to: &OperatorId, conversation: &ConversationId) -> bool {
        let live = self.lock();
        live.conversations
            .get(conversation)
            .is_some_and(|c| live.team.can_receive_transfer(to, &c.bot))
    }

    /// Queues the newest page of a conversation to one operator, marks it
    /// read for them, and refreshes their row. Read and queued under the
    /// lock, so no live event can overtake it.
    pub fn open(&self, operator: &OperatorId, conversation: &ConversationId, outbox: &Outbox) -> Result<(), ErrorBody> {
        let mut live = self.lock();
        let conv = live.conversations.get_mut(conversation).ok_or_else(not_found)?;
        let last = conv.core.last_seq();
        conv.read_by.insert(operator.clone(), last);
        let mut events = self
            .store
            .events_after(conversation, Seq(0), MAX_HISTORY_PAGE as usize + 1)?;
        let has_more = events.len() > MAX_HISTORY_PAGE as usize;
        if has_more {
            events.remove(0);
        }
        let page = HistoryPage { events, has_more };
        let notes = self.store.notes(conversation)?;
        let (visitor, team) = (conv.core.visitor_marks, conv.core.team_marks);
        send(
            outbox,
            &ServerToOperator::History {
                conversation: conversation.clone(),
                page,
                notes,
            },
        );
        // The marks as they stand, so the view shows delivered/read at once.
        send(
            outbox,
            &ServerToOperator::Receipts {
                conversation: conversation.clone(),
                visitor,
                team,
            },
        );
        send(
            outbox,
            &ServerToOperator::Conversation(live.summary(conversation, operator)),
        );
        live.team.touch(operator, now());
        Ok(())
    }

    /// Resolved conversations of the bots `operator` serves whose visitor
    /// name or email contains `query` (any, when empty), newest first.
    pub fn resolved(&self, operator: &OperatorId, query: &str, limit: usize) -> Vec<ConversationSummary> {
        let live = self.lock();
        let query = query.to_lowercase();
        let matches = |c: &Conversation, id: &ConversationId| {
            query.is_empty()
                || c.label(id).to_lowercase().contains(&query)
                || c.visitor_email
                    .as_deref()
                    .is_some_and(|e| e.to_lowercase().contains(&query))
        };
        let mut rows: Vec<_> = live
            .conversations
            .iter()
            .filter(|(id, c)| {
                c.core.handover().state() == &HandoverState::Resolved && live.serves(operator, &c.bot) && matches(c, id)
            })
            .map(|(id, _)| live.summary(id, operator))
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.last_activity));
        rows.truncate(limit);
        rows
    }

    /// An operator read up to `seq`: their unread count drops.
    pub fn operator_read(&self, operator: &OperatorId, conversation: &ConversationId, seq: Seq) {
        let mut live = self.lock();
        if let Some(conv) = live.conversations.get_mut(conversation) {
            let mark = conv.read_by.entry(operator.clone()).or_default();
            *mark = (*mark).max(seq.min(conv.core.last_seq()));
        }
    }

    /// The owner is typing: tell the visitor (nobody else may speak to them).
    pub fn operator_typing(&self, operator: &OperatorId, conversation: &ConversationId, typing: bool) {
        let mut live = self.lock();
        let Some(conv) = live.conversations.get(conversation) else {
            return;
        };
        if let HandoverState::Human { operator: owner } = conv.core.handover().state() {
            if &owner.id == operator {
                let frame = ServerToVisitor::Typing {
                    author: Author::Operator {
                        operator: owner.clone(),
                    },
                    typing,
                };
                live.broadcast_visitors(conversation, &frame);
            }
        }
    }
}

impl Hub {
    /// The host page named the visitor (name, email).
    pub fn identify(
        &self,
        conversation: &ConversationId,
        name: Option<String>,
        email: Option<String>,
    ) -> Result<(), ErrorBody> {
        let clean = |v: Option<String>, max: usize| {
            v.map(|s| s.trim().chars().take(max).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        let (name, email) = (clean(name, 80), clean(email, 254));
        if email.as_deref().is_some_and(|e| !e.contains('@')) {
            return Err(ErrorBody::new(
                ErrorCode::BadFrame,
                "that does not look like an email address",
            ));
        }
        self.store.identify(conversation, name.as_deref(), email.as_deref())?;
        self.publish(HubEvent::Identified {
            conversation: conversation.clone(),
            name: name.clone(),
            email: email.clone(),
        });
        let mut live = self.lock();
        if let Some(conv) = live.conversations.get_mut(conversation) {
            conv.visitor_name = name.or(conv.visitor_name.take());
            conv.visitor_email = email.or(conv.visitor_email.take());
            live.publish_row(conversation);
        }
        Ok(())
    }

    /// Stores an internal note (once per client message id) and shows it to
    /// every operator. Never sent to the visitor.
    pub fn add_note(
        &self,
        operator: &OperatorId,
        conversation: &ConversationId,
        id: &baton_protocol::ClientMsgId,
        text: String,
    ) -> Result<(), ErrorBody> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > baton_protocol::MAX_MESSAGE_CHARS {
            return Err(
                ErrorBody::new(ErrorCode::BadFrame, "a note needs 1 to 4000 characters").for_msg(Some(id.clone()))
            );
        }
        let mut live = self.lock();
        if !live.conversations.contains_key(conversation) {
            return Err(not_found());
        }
        let author = live
            .profiles
            .get(operator)
            .cloned()
            .ok_or_else(|| ErrorBody::new(ErrorCode::Unauthorized, "unknown operator"))?;
        let draft = baton_protocol::operator::Note {
            id: auth::new_id(),
            author,
            text: text.to_owned(),
            at: now(),
        };
        let note = self.store.add_note(conversation, id, &draft)?;
        if note.id == draft.id {
            live.broadcast_operators_of(
                conversation,
                &ServerToOperator::Note {
                    conversation: conversation.clone(),
                    note,
                },
            );
        }
        Ok(())
    }

    pub fn shortcuts(&self, operator: &OperatorId) -> Result<Vec<baton_protocol::operator::Shortcut>, ErrorBody> {
        Ok(self.store.shortcuts(operator)?)
    }

    pub fn save_shortcut(
        &self,
        operator: &OperatorId,
        draft: baton_protocol::operator::ShortcutDraft,
    ) -> Result<(), ErrorBody> {
        let trigger = draft.trigger.trim().trim_start_matches('/').to_owned();
        let text = draft.text.trim().to_owned();
        if trigger.is_empty() || trigger.len() > 40 || trigger.contains(char::is_whitespace) {
            return Err(ErrorBody::new(
                ErrorCode::BadFrame,
                "a shortcut needs a one-word trigger of up to 40 characters",
            ));
        }
        if text.is_empty() || text.chars().count() > baton_protocol::MAX_MESSAGE_CHARS {
            return Err(ErrorBody::new(
                ErrorCode::BadFrame,
                "a shortcut needs 1 to 4000 characters of text",
            ));
        }
        let id = draft
            .id
            .unwrap_or_else(|| baton_protocol::operator::ShortcutId(auth::new_id()));
        let shortcut = baton_protocol::operator::Shortcut { id, trigger, text };
        match self.store.save_shortcut(operator, &shortcut) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ErrorBody::new(ErrorCode::NotFound, "no such shortcut")),
            Err(StoreError::Duplicate) => Err(ErrorBody::new(
                ErrorCode::Conflict,
                "you already have a shortcut with that trigger",
            )),
            Err(err) => Err(err.into()),
        }
    }

    pub fn delete_shortcut(
        &self,
        operator: &OperatorId,
        id: &baton_protocol::operator::ShortcutId,
    ) -> Result<(), ErrorBody> {
        if self.store.delete_shortcut(operator, id)? {
            Ok(())
        } else {
            Err(ErrorBody::new(ErrorCode::NotFound, "no such shortcut"))
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
        }
    }

    /// Sends each operator its own version of a conversation's row (unread
    /// counts are per operator).
    fn publish_row(&mut self, conversation: &ConversationId) {
        let Some(bot) = self.conversations.get(conversation).map(|c| &c.bot) else {
            return;
        };
        // `None`: this operator does not serve the bot and gets nothing.
        let rows: Vec<_> = self
            .operators
            .iter()
            .map(|(_, op, _)| {
                self.serves(op, bot)
                    .then(|| ServerToOperator::Conversation(self.summary(conversation, op)))
            })
            .collect();
        let mut i = 0;
        self.operators.retain(|(_, _, outbox)| {
            let ok = rows[i].as_ref().is_none_or(|row| send(outbox, row));
            i += 1;
            ok
        });
    }

    fn broadcast_visitors(&mut self, conversation: &ConversationId, frame: &ServerToVisitor) {
        if let Some(peers) = self.visitors.get_mut(conversation) {
            // A peer whose queue is full is dropped; its socket closes and
            // the widget resumes from its cursor, losing nothing.
            peers.retain(|(_, outbox)| send(outbox, frame));
        }
    }

    fn broadcast_operators(&mut self, frame: &ServerToOperator) {
        self.operators.retain(|(_, _, outbox)| send(outbox, frame));
    }

    fn prefs_of(&self, operator: &OperatorId) -> baton_protocol::operator::AlertPrefs {
        self.alert_prefs.get(operator).copied().unwrap_or_default()
    }

    /// A frame about one conversation, to the operators who serve its bot.
    fn broadcast_operators_of(&mut self, conversation: &ConversationId, frame: &ServerToOperator) {
        let Some(conv) = self.conversations.get(conversation) else {
            return;
        };
        let (team, bot) = (&self.team, &conv.bot);
        self.operators
            .retain(|(_, op, outbox)| !team::serves(team, op, bot) || send(outbox, frame));
    }
}

impl Conversation {
    fn new(bot: BotId, token_hash: Vec<u8>, created_at: Timestamp) -> Conversation {
        Conversation {
            bot,
            token_hash,
            core: ConversationCore::default(),
            presence: PresenceTracker::default(),
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
        }
    }

    /// The visitor's label in the list: their name, else "Visitor 3f9a".
    fn label(&self, id: &ConversationId) -> String {
        self.visitor_name
            .clone()
            .unwrap_or_else(|| format!("Visitor {}", &id.as_str()[..4.min(id.as_str().len())]))
    }

    /// Updates the list-row facts from a stored event.
    fn note(&mut self, event: &baton_protocol::ConversationEvent) {
        self.last_activity = event.at;
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
