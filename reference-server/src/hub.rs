//! The hub performs the handover engine's effects: it persists events, fans
//! them out to connected visitors and operators, arms response-window timers
//! and asks the bot for replies. It decides nothing itself — every rule lives
//! in `baton_protocol::Handover`.
//!
//! Ordering: all changes to a conversation happen under one lock, and frames
//! are queued to peers while it is held, so every peer sees events in `seq`
//! order and a resuming visitor's replay can never interleave with a live
//! event.

use crate::auth;
use crate::bot::{Bot, BotTurn};
use crate::config::BotSettings;
use crate::store::{ConversationRow, OperatorRow, Store, StoreError};
use baton_protocol::operator::{ConversationSummary, OperatorStatus, Roster, RosterEntry, ServerToOperator};
use baton_protocol::visitor::{Availability, ServerToVisitor, VisitorHello, VisitorWelcome};
use baton_protocol::{
    Author, BotId, ClientMsgId, ConversationEvent, ConversationId, ErrorBody, ErrorCode, EventBody, Handover,
    HandoverState, Intent, MAX_MESSAGE_CHARS, OperatorId, OperatorProfile, PROTOCOL_VERSION, Rejection, Seq, Timestamp,
    VisitorToken,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;

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
    store: Store,
    bots: HashMap<BotId, BotSettings>,
    bot: Arc<dyn Bot>,
    live: Mutex<Live>,
}

/// In-memory view of what is live, rebuilt from the store at start-up.
#[derive(Debug, Default)]
struct Live {
    conversations: HashMap<ConversationId, Conversation>,
    visitors: HashMap<ConversationId, Vec<(PeerId, Outbox)>>,
    operators: Vec<(PeerId, OperatorId, Outbox)>,
    team: Vec<Member>,
    next_peer: PeerId,
}

#[derive(Debug)]
struct Conversation {
    bot: BotId,
    token_hash: Vec<u8>,
    handover: Handover,
    last_seq: Seq,
    last_activity: Timestamp,
    last_message: Option<String>,
}

#[derive(Debug, Clone)]
struct Member {
    profile: OperatorProfile,
    status: OperatorStatus,
}

impl From<StoreError> for ErrorBody {
    fn from(err: StoreError) -> ErrorBody {
        tracing::error!(%err, "store failure");
        ErrorBody::new(ErrorCode::Internal, "the server could not store this; retry")
    }
}

fn rejection(rej: Rejection, id: &ClientMsgId) -> ErrorBody {
    ErrorBody::new(rej.code, rej.reason)
        .for_msg(Some(id.clone()))
        .with_state(rej.current)
}

fn send<T: serde::Serialize>(outbox: &Outbox, frame: &T) -> bool {
    let text = serde_json::to_string(frame).expect("protocol frames always serialise");
    outbox.try_send(text).is_ok()
}

impl Hub {
    /// Loads every conversation's log and the team, and re-arms response
    /// windows that were running when the server stopped.
    pub fn start(store: Store, bots: Vec<BotSettings>, bot: Arc<dyn Bot>) -> Result<Arc<Hub>, StoreError> {
        let mut live = Live::default();
        for row in store.conversations()? {
            let events = store.events_after(&row.id, Seq(0))?;
            let mut conversation = Conversation {
                bot: row.bot,
                token_hash: row.token_hash,
                handover: Handover::from_log(events.iter().map(|e| &e.body)),
                last_seq: Seq(0),
                last_activity: row.created_at,
                last_message: None,
            };
            for event in &events {
                conversation.note(event);
            }
            live.conversations.insert(row.id, conversation);
        }
        live.team = store
            .operators()?
            .into_iter()
            .map(|row| Member {
                profile: profile(&row),
                status: row.status,
            })
            .collect();
        let hub = Arc::new(Hub {
            store,
            bots: bots.into_iter().map(|b| (b.id.clone(), b)).collect(),
            bot,
            live: Mutex::new(live),
        });
        let deadlines: Vec<_> = hub
            .lock()
            .conversations
            .iter()
            .filter_map(|(id, c)| Some((id.clone(), c.handover.deadline()?)))
            .collect();
        for (id, deadline) in deadlines {
            hub.arm_timer(id, deadline);
        }
        Ok(hub)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn bot_settings(&self, bot: &BotId) -> Option<&BotSettings> {
        self.bots.get(bot)
    }

    fn lock(&self) -> MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ---------------------------------------------------------------- visitors

    /// Answers a visitor's `hello`: resumes the conversation its token proves,
    /// or starts a new one. The welcome (with the replay) is queued and the
    /// peer registered under the same lock, so no event is missed or doubled.
    pub fn visitor_hello(
        &self,
        bot_id: &BotId,
        hello: VisitorHello,
        outbox: &Outbox,
    ) -> Result<(ConversationId, PeerId), ErrorBody> {
        if hello.protocol != PROTOCOL_VERSION {
            return Err(ErrorBody::new(
                ErrorCode::UnsupportedVersion,
                format!("this server speaks protocol version {PROTOCOL_VERSION}"),
            ));
        }
        if &hello.bot != bot_id {
            return Err(ErrorBody::new(
                ErrorCode::Forbidden,
                "hello names a different bot than the socket URL",
            ));
        }
        let settings = self
            .bots
            .get(bot_id)
            .ok_or_else(|| ErrorBody::new(ErrorCode::NotFound, "unknown bot"))?;
        let mut live = self.lock();
        let (conversation, token, replay) = match hello.resume {
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
                let replay = self.store.events_after(&resume.conversation, resume.last_seq)?;
                (resume.conversation, None, replay)
            }
            None => {
                let id = ConversationId(auth::new_id());
                let token = auth::new_secret();
                let row = ConversationRow {
                    id: id.clone(),
                    bot: bot_id.clone(),
                    token_hash: auth::secret_hash(&token),
                    created_at: now(),
                };
                self.store.insert_conversation(&row, hello.locale.as_deref())?;
                live.conversations.insert(
                    id.clone(),
                    Conversation {
                        bot: row.bot,
                        token_hash: row.token_hash,
                        handover: Handover::default(),
                        last_seq: Seq(0),
                        last_activity: row.created_at,
                        last_message: None,
                    },
                );
                let row = ServerToOperator::Conversation(live.summary(&id));
                live.broadcast_operators(&row);
                (id, Some(VisitorToken(token)), Vec::new())
            }
        };
        let state = live.conversations[&conversation].handover.state().clone();
        let welcome = ServerToVisitor::Welcome(VisitorWelcome {
            conversation: conversation.clone(),
            token,
            replay,
            state,
            availability: live.availability(settings),
        });
        send(outbox, &welcome);
        let peer = live.next_peer();
        live.visitors
            .entry(conversation.clone())
            .or_default()
            .push((peer, outbox.clone()));
        Ok((conversation, peer))
    }

    pub fn visitor_gone(&self, conversation: &ConversationId, peer: PeerId) {
        let mut live = self.lock();
        if let Some(peers) = live.visitors.get_mut(conversation) {
            peers.retain(|(p, _)| *p != peer);
            if peers.is_empty() {
                live.visitors.remove(conversation);
            }
        }
    }

    /// Stores a visitor's message (once, however often it is retried) and,
    /// while the bot owns the chat, asks the bot to answer.
    pub fn visitor_send(
        self: &Arc<Self>,
        conversation: &ConversationId,
        id: ClientMsgId,
        text: String,
    ) -> Result<Seq, ErrorBody> {
        let text = check_text(text, &id)?;
        let mut live = self.lock();
        if let Some(seq) = self.store.seq_for_client_msg(conversation, &id)? {
            return Ok(seq);
        }
        let conv = live.conversation(conversation)?;
        conv.handover.check_visitor_send().map_err(|r| rejection(r, &id))?;
        let bot_turn = conv.handover.bot_may_reply();
        let bot = conv.bot.clone();
        let body = EventBody::Message {
            author: Author::Visitor,
            text: text.clone(),
            client_msg_id: Some(id.clone()),
            offer_human: false,
        };
        let seq = self.append(&mut live, conversation, Some(&id), vec![body])?;
        if bot_turn {
            let human_available = self.bots.get(&bot).is_some_and(|s| live.human_available(s));
            drop(live);
            self.spawn_bot_turn(conversation.clone(), BotTurn { text, human_available });
        }
        Ok(seq)
    }

    /// A visitor's handover intent ("Talk to a human", …).
    pub fn visitor_intent(
        self: &Arc<Self>,
        conversation: &ConversationId,
        id: ClientMsgId,
        intent: Intent,
    ) -> Result<Seq, ErrorBody> {
        self.intent(conversation, id, |_| Ok(intent))
    }

    fn spawn_bot_turn(self: &Arc<Self>, conversation: ConversationId, turn: BotTurn) {
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            let reply = hub.bot.reply(turn).await;
            let mut live = hub.lock();
            let Ok(conv) = live.conversation(&conversation) else {
                return;
            };
            // A person may have taken the chat while the bot was thinking:
            // the bot is muted from that moment, so its answer is dropped.
            if !conv.handover.bot_may_reply() {
                return;
            }
            let body = EventBody::Message {
                author: Author::Bot,
                text: reply.text,
                client_msg_id: None,
                offer_human: reply.offer_human,
            };
            if let Err(err) = hub.append(&mut live, &conversation, None, vec![body]) {
                tracing::error!(?err, "could not store the bot's reply");
            }
        });
    }

    // --------------------------------------------------------------- operators

    pub fn operator_connected(&self, operator: &OperatorId, outbox: &Outbox) -> Result<PeerId, ErrorBody> {
        let mut live = self.lock();
        let me = live
            .team
            .iter()
            .find(|m| &m.profile.id == operator)
            .cloned()
            .ok_or_else(|| ErrorBody::new(ErrorCode::Unauthorized, "unknown operator"))?;
        let mut conversations: Vec<_> = live.conversations.keys().map(|id| live.summary(id)).collect();
        conversations.sort_by_key(|c| std::cmp::Reverse(c.last_activity));
        let welcome = baton_protocol::operator::OperatorWelcome {
            me: me.profile,
            status: me.status,
            conversations,
            roster: live.roster(),
        };
        send(outbox, &ServerToOperator::Welcome(welcome));
        let peer = live.next_peer();
        live.operators.push((peer, operator.clone(), outbox.clone()));
        Ok(peer)
    }

    pub fn operator_gone(&self, peer: PeerId) {
        // Closing the inbox does not change the operator's status: it is
        // theirs to set, and visitors keep seeing them as they left it.
        self.lock().operators.retain(|(p, _, _)| *p != peer);
    }

    pub fn set_status(&self, operator: &OperatorId, status: OperatorStatus) -> Result<(), ErrorBody> {
        if status == OperatorStatus::Unknown {
            return Err(ErrorBody::new(ErrorCode::BadFrame, "unknown status"));
        }
        self.store.set_operator_status(operator, status)?;
        let mut live = self.lock();
        let before: Vec<bool> = self.bots.values().map(|b| live.human_available(b)).collect();
        if let Some(member) = live.team.iter_mut().find(|m| &m.profile.id == operator) {
            member.status = status;
        }
        let roster = ServerToOperator::Roster(live.roster());
        live.broadcast_operators(&roster);
        for (settings, was) in self.bots.values().zip(before) {
            if live.human_available(settings) != was {
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
        Ok(())
    }

    /// Queues a conversation's full log to one operator. Read and queued
    /// under the lock, so no live event can overtake it.
    pub fn send_history(&self, conversation: &ConversationId, outbox: &Outbox) -> Result<(), ErrorBody> {
        let mut live = self.lock();
        live.conversation(conversation)?;
        let events = self.store.events_after(conversation, Seq(0))?;
        send(
            outbox,
            &ServerToOperator::History {
                conversation: conversation.clone(),
                events,
            },
        );
        Ok(())
    }

    pub fn operator_intent(
        self: &Arc<Self>,
        operator: &OperatorId,
        conversation: &ConversationId,
        id: ClientMsgId,
        make: impl FnOnce(OperatorProfile) -> Intent,
    ) -> Result<Seq, ErrorBody> {
        self.intent(conversation, id, |live| {
            let me = live
                .team
                .iter()
                .find(|m| &m.profile.id == operator)
                .ok_or_else(|| ErrorBody::new(ErrorCode::Unauthorized, "unknown operator"))?;
            Ok(make(me.profile.clone()))
        })
    }

    pub fn operator_send(
        &self,
        operator: &OperatorId,
        conversation: &ConversationId,
        id: ClientMsgId,
        text: String,
    ) -> Result<Seq, ErrorBody> {
        let text = check_text(text, &id)?;
        let mut live = self.lock();
        if let Some(seq) = self.store.seq_for_client_msg(conversation, &id)? {
            return Ok(seq);
        }
        let conv = live.conversation(conversation)?;
        conv.handover
            .check_operator_send(operator)
            .map_err(|r| rejection(r, &id))?;
        let HandoverState::Human { operator: owner } = conv.handover.state().clone() else {
            unreachable!("check_operator_send passed, so a person owns the chat");
        };
        let body = EventBody::Message {
            author: Author::Operator { operator: owner },
            text,
            client_msg_id: Some(id.clone()),
            offer_human: false,
        };
        self.append(&mut live, conversation, Some(&id), vec![body])
    }

    // ------------------------------------------------------------------ shared

    /// Runs an intent through the engine and persists what it produces. A
    /// retried intent is answered with its original seq.
    fn intent(
        self: &Arc<Self>,
        conversation: &ConversationId,
        id: ClientMsgId,
        make: impl FnOnce(&Live) -> Result<Intent, ErrorBody>,
    ) -> Result<Seq, ErrorBody> {
        let mut live = self.lock();
        if let Some(seq) = self.store.seq_for_client_msg(conversation, &id)? {
            return Ok(seq);
        }
        let intent = make(&live)?;
        let bot = live.conversation(conversation)?.bot.clone();
        let settings = self
            .bots
            .get(&bot)
            .ok_or_else(|| ErrorBody::new(ErrorCode::NotFound, "unknown bot"))?;
        let facts = baton_protocol::handover::Facts {
            now: now(),
            human_available: live.human_available(settings),
            response_window: settings.response_window,
        };
        let conv = live.conversation(conversation)?;
        let mut handover = conv.handover.clone();
        let events = handover.apply(intent, facts).map_err(|r| rejection(r, &id))?;
        if events.is_empty() {
            return Ok(conv.last_seq);
        }
        let deadline = handover.deadline();
        let seq = self.append(&mut live, conversation, Some(&id), events)?;
        drop(live);
        if let Some(deadline) = deadline {
            self.arm_timer(conversation.clone(), deadline);
        }
        Ok(seq)
    }

    fn arm_timer(self: &Arc<Self>, conversation: ConversationId, deadline: Timestamp) {
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            let wait = deadline.0.saturating_sub(now().0);
            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
            let Some(hub) = hub.upgrade() else { return };
            let mut live = hub.lock();
            let Ok(conv) = live.conversation(&conversation) else {
                return;
            };
            let mut handover = conv.handover.clone();
            if let Some(event) = handover.on_timeout(now()) {
                if let Err(err) = hub.append(&mut live, &conversation, None, vec![event]) {
                    tracing::error!(?err, "could not store a lapsed response window");
                }
            }
        });
    }

    /// Persists events with the next seqs, folds them into the live state and
    /// fans them out. Returns the seq of the first.
    fn append(
        &self,
        live: &mut Live,
        conversation: &ConversationId,
        id: Option<&ClientMsgId>,
        bodies: Vec<EventBody>,
    ) -> Result<Seq, ErrorBody> {
        let at = now();
        let conv = live.conversation(conversation)?;
        let first = conv.last_seq.next();
        let events: Vec<ConversationEvent> = bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| ConversationEvent {
                seq: Seq(first.0 + i as u64),
                at,
                body,
            })
            .collect();
        self.store.append(conversation, id, &events)?;
        for event in &events {
            conv.handover.observe(&event.body);
            conv.note(event);
        }
        for event in events {
            live.broadcast_visitors(conversation, &ServerToVisitor::Event(event.clone()));
            live.broadcast_operators(&ServerToOperator::Event {
                conversation: conversation.clone(),
                event,
            });
        }
        let row = ServerToOperator::Conversation(live.summary(conversation));
        live.broadcast_operators(&row);
        Ok(first)
    }
}

impl Live {
    fn next_peer(&mut self) -> PeerId {
        self.next_peer += 1;
        self.next_peer
    }

    fn conversation(&mut self, id: &ConversationId) -> Result<&mut Conversation, ErrorBody> {
        self.conversations
            .get_mut(id)
            .ok_or_else(|| ErrorBody::new(ErrorCode::NotFound, "no such conversation"))
    }

    fn human_available(&self, bot: &BotSettings) -> bool {
        bot.handover_enabled && self.team.iter().any(|m| m.status == OperatorStatus::Available)
    }

    fn availability(&self, bot: &BotSettings) -> Availability {
        Availability {
            human_available: self.human_available(bot),
            button_label: bot.button_label.clone(),
            offline_message: bot.offline_message.clone(),
        }
    }

    fn roster(&self) -> Roster {
        Roster {
            operators: self
                .team
                .iter()
                .map(|m| RosterEntry {
                    profile: m.profile.clone(),
                    status: m.status,
                })
                .collect(),
        }
    }

    fn summary(&self, id: &ConversationId) -> ConversationSummary {
        let conv = &self.conversations[id];
        ConversationSummary {
            id: id.clone(),
            bot: conv.bot.clone(),
            visitor: format!("Visitor {}", &id.as_str()[..4.min(id.as_str().len())]),
            state: conv.handover.state().clone(),
            last_message: conv.last_message.clone(),
            last_activity: conv.last_activity,
        }
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
}

impl Conversation {
    fn note(&mut self, event: &ConversationEvent) {
        self.last_seq = event.seq;
        self.last_activity = event.at;
        if let Some(text) = event.body.message_text() {
            self.last_message = Some(text.chars().take(120).collect());
        }
    }
}

pub fn profile(row: &OperatorRow) -> OperatorProfile {
    OperatorProfile {
        id: row.id.clone(),
        name: row.name.clone(),
        avatar_url: None,
        colour: None,
    }
}

fn check_text(text: String, id: &ClientMsgId) -> Result<String, ErrorBody> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ErrorBody::new(ErrorCode::BadFrame, "a message needs some text").for_msg(Some(id.clone())));
    }
    if trimmed.chars().count() > MAX_MESSAGE_CHARS {
        return Err(ErrorBody::new(
            ErrorCode::TooLarge,
            format!("messages are limited to {MAX_MESSAGE_CHARS} characters"),
        )
        .for_msg(Some(id.clone())));
    }
    Ok(trimmed.to_owned())
}
