//! What the hub keeps in memory: the live view ([`Live`]) and each
//! conversation's state beside its core ([`Conversation`]).

use super::*;
use baton_protocol::presence::{PresenceTracker, VisitorPresence};

/// In-memory view of what is live, rebuilt from the store at start-up.
#[derive(Debug, Default)]
pub(super) struct Live {
    /// Each bot's settings: fixed parts from the config file, editable parts
    /// from the database (see `crate::settings`). Under the hub's lock so a
    /// change and the `availability` frames it causes are ordered with
    /// everything else visitors receive.
    pub(super) bots: HashMap<BotId, BotSettings>,
    /// Operators' alert preferences (absent: the defaults).
    pub(super) alert_prefs: HashMap<OperatorId, baton_protocol::operator::AlertPrefs>,
    /// Boxed: the map's table then holds pointers, not ~800-byte states,
    /// so its free slots (a hash table runs up to half empty) cost little
    /// per idle visitor.
    pub(super) conversations: HashMap<ConversationId, Box<Conversation>>,
    pub(super) visitors: HashMap<ConversationId, Vec<(PeerId, Outbox)>>,
    pub(super) operators: Vec<(PeerId, OperatorId, Outbox)>,
    /// The conversation each operator connection has open (its latest
    /// `open`): it gets that conversation's `event` frames.
    pub(super) opened: HashMap<PeerId, ConversationId>,
    /// The features each connection (visitor or operator) negotiated: frames
    /// of a feature go only where it is in use (`features::Features`).
    pub(super) features: HashMap<PeerId, Features>,
    /// Each operator connection's coalesced list rows (`crate::rows`).
    pub(super) rows: HashMap<PeerId, Arc<crate::rows::RowQueue>>,
    pub(super) team: Team,
    pub(super) profiles: HashMap<OperatorId, OperatorProfile>,
    pub(super) next_peer: PeerId,
    /// When each operator's last inbox disconnected (the server's start for
    /// those not seen since); meaningful only while none is connected.
    pub(super) inbox_closed_since: HashMap<OperatorId, Timestamp>,
    /// The due time this process last stored for each operator's away
    /// timer (`hub/away.rs`).
    pub(super) away_armed: HashMap<OperatorId, Timestamp>,
    /// The waiting line of each bot (`waiting`).
    pub(super) line: waiting::Line,
    /// The team as other processes see it, when shared (`shared_team`).
    pub(super) shared: Option<shared_team::Shared>,
}

#[derive(Debug)]
pub(super) struct Conversation {
    pub(super) bot: BotId,
    pub(super) token_hash: Vec<u8>,
    pub(super) created_at: Timestamp,
    pub(super) core: ConversationCore,
    pub(super) presence: PresenceTracker,
    /// The presence operators were last told (`presence` frames, §6.2).
    pub(super) announced: VisitorPresence,
    pub(super) last_activity: Timestamp,
    pub(super) last_message: Option<String>,
    /// The visitor's latest message, for alert previews.
    pub(super) last_visitor_message: Option<String>,
    pub(super) help_requested_at: Option<Timestamp>,
    /// Seqs of the visitor's messages, for per-operator unread counts.
    pub(super) visitor_messages: Vec<Seq>,
    /// The highest seq each operator has opened or read.
    pub(super) read_by: HashMap<OperatorId, Seq>,
    /// What the host page told us through `identify`.
    pub(super) visitor_name: Option<String>,
    pub(super) visitor_email: Option<String>,
    pub(super) country: Option<Country>,
    /// From the visitor's latest `hello` (not stored: a reconnect refreshes them).
    pub(super) locale: Option<String>,
    pub(super) page: Option<String>,
    /// When an owner-gone re-check is armed (one at a time).
    pub(super) owner_check: Option<Timestamp>,
    /// When its current request for a person was made, while it waits.
    pub(super) waiting_since: Option<Timestamp>,
    /// The place in line (and estimate) its visitor was last told.
    pub(super) place: Option<(u32, Option<u32>)>,
    /// The highest seq the writer has stored and published; the core may
    /// be ahead while its events wait for their commit.
    pub(super) published: Seq,
    /// The highest seq the store writer knows is in the store: its own
    /// commits and what it read back from other processes' (`sync`). Only
    /// the writer thread moves it; the core is ahead of it while this
    /// process's events wait for their commit.
    pub(super) stored: Seq,
    /// Renewed (`next_epoch`) when the core is rebuilt from the store after
    /// a failed append: outcomes of an older epoch are refused unwritten.
    pub(super) epoch: u64,
    /// Whether the conversation has a row in the store yet (`RowState`).
    pub(super) row: RowState,
}

/// A conversation is stored with its visitor's first input, not at `hello`
/// (a `hello` alone stores nothing, and nobody sees it). Until then it lives
/// in memory only while its visitor is connected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RowState {
    /// Not stored and nothing on its way: forgotten when its last visitor
    /// socket closes.
    Pending,
    /// Its first events (with the row) are queued for the store writer.
    Queued,
    /// Stored: listed to operators, counted, notified.
    Stored,
}

/// A fresh epoch. One counter for the whole process: a conversation
/// forgotten and then loaded again never takes an epoch that the jobs its
/// older copy queued still carry, so a job is stale exactly when its epoch
/// is below what the writer was told (`writer_book::Retired`).
pub(super) fn next_epoch() -> u64 {
    static EPOCHS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    EPOCHS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Conversation {
    pub(super) fn new(bot: BotId, token_hash: Vec<u8>, created_at: Timestamp) -> Conversation {
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
            stored: Seq(0),
            epoch: next_epoch(),
            row: RowState::Pending,
        }
    }

    /// A stored conversation as its row and log say (at start, or when
    /// another process created it), its time-to-join samples added to
    /// `line`.
    pub(super) fn from_store(
        row: ConversationRow,
        email: Option<String>,
        log: &[(baton_protocol::ConversationEvent, Option<baton_protocol::ClientMsgId>)],
        line: &mut waiting::Line,
    ) -> Conversation {
        let mut conversation = Conversation::new(row.bot, row.token_hash, row.created_at);
        conversation.visitor_name = row.visitor_name;
        conversation.visitor_email = email;
        conversation.country = row.country;
        conversation.core = ConversationCore::from_log(log.iter().map(|(e, id)| (e, id.as_ref())));
        for (event, _) in log {
            if let Some(requested) = conversation.note(event) {
                line.joined(&conversation.bot, requested, event.at);
            }
        }
        conversation.published = conversation.core.last_seq();
        conversation.stored = conversation.published;
        conversation.row = RowState::Stored;
        conversation
    }

    /// Stored, so operators may see it (`RowState`).
    pub(super) fn listed(&self) -> bool {
        self.row == RowState::Stored
    }

    /// The row to store with the conversation's first events.
    pub(super) fn new_row(&self, id: &ConversationId) -> crate::store::NewConversation {
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
    pub(super) fn label(&self, id: &ConversationId) -> String {
        self.visitor_name
            .clone()
            .unwrap_or_else(|| format!("Visitor {}", &id.as_str()[..4.min(id.as_str().len())]))
    }

    /// Updates the list-row facts from a stored event. Returns when the
    /// request an operator just joined was made (a time-to-join sample).
    pub(super) fn note(&mut self, event: &baton_protocol::ConversationEvent) -> Option<Timestamp> {
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
