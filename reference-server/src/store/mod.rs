//! Durable state. Every conversation event is one row keyed by
//! `(conversation, seq)`; a send is acknowledged only after its row is
//! committed. Operator statuses, sessions, notes and shortcuts live here
//! too, so a restart changes nothing a user can see.
//!
//! [`Store`] is the interface the hub uses; [`SqliteStore`] (WAL) is the
//! default, [`PgStore`] keeps the same tables on a PostgreSQL database
//! several processes can share (`store = "postgres://…"`), and
//! [`MemoryStore`] keeps everything in memory, for tests. The conformance
//! tests in `tests.rs` run against all three.

mod connections;
mod event_log;
mod marks;
mod memory;
mod postgres;
mod presence;
mod settings;
mod shortcuts;
mod sqlite;
mod sqlite_error;
mod team;
mod timers;

pub use marks::{Marks, MarksStore};
pub use memory::MemoryStore;
pub use postgres::PgStore;
pub use presence::PresenceStore;
pub use settings::{BotSettingsRow, SettingsStore, TeamSettings};
pub use shortcuts::TeamShortcutStore;
pub use sqlite::SqliteStore;
pub use team::{OperatorUpdate, TeamStore, deactivate, is_last_active_admin};
pub use timers::{AWAY, Timer, TimerStore, UNCLAIMED, WINDOW};

use baton_protocol::operator::{Country, Note, OperatorStatus, Role, Shortcut, ShortcutId};
use baton_protocol::{BotId, ClientMsgId, ConversationEvent, ConversationId, OperatorId, Seq, Timestamp};

/// What a store reports, whichever database is behind it: each driver maps
/// its own errors into these in its module (`sqlite.rs`, `postgres/`), so no
/// driver's type leaks past the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// An append found `seq` of `conversation` already stored: another
    /// writer (another process, in a shared database) appended first.
    /// Nothing of the failed append was stored.
    #[error("seq {} of {conversation} is already stored (another writer appended first)", seq.0)]
    SeqTaken { conversation: ConversationId, seq: Seq },
    /// A uniqueness rule was broken (e.g. two shortcuts with one trigger, a
    /// client message id stored twice).
    #[error("already exists")]
    Duplicate,
    #[error("stored data could not be decoded: {0}")]
    Decode(#[from] serde_json::Error),
    /// The database failed or could not be reached; the driver's words.
    #[error("database: {0}")]
    Backend(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

#[derive(Clone, Debug)]
pub struct OperatorRow {
    pub id: OperatorId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: Role,
    pub status: OperatorStatus,
    /// A deactivated operator cannot sign in and their sessions count for nothing.
    pub active: bool,
    /// What visitors see; `None`: the bot's default.
    pub colour: Option<String>,
    pub avatar_url: Option<String>,
    /// The bots whose conversations this operator may see and take.
    pub bots: Vec<BotId>,
}

impl OperatorRow {
    /// An active operator, Offline, with no colour or avatar of their own.
    pub fn new(id: &str, email: &str, name: &str, password_hash: &str, role: Role, bots: Vec<BotId>) -> OperatorRow {
        OperatorRow {
            id: OperatorId(id.into()),
            email: email.into(),
            name: name.into(),
            password_hash: password_hash.into(),
            role,
            status: OperatorStatus::Offline,
            active: true,
            colour: None,
            avatar_url: None,
            bots,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub bot: BotId,
    pub token_hash: Vec<u8>,
    pub created_at: Timestamp,
    /// Set by the host page through `identify`.
    pub visitor_name: Option<String>,
    pub country: Option<Country>,
}

/// A conversation stored with its first events (a `hello` alone stores
/// nothing: PROTOCOL.md §3.1).
#[derive(Clone, Debug)]
pub struct NewConversation {
    pub row: ConversationRow,
    pub locale: Option<String>,
    pub email: Option<String>,
}

/// One conversation's events to append, with the client message id of the
/// input that produced them.
pub type Append<'a> = (&'a ConversationId, Option<&'a ClientMsgId>, &'a [ConversationEvent]);

/// What the hub needs from storage. Implementations must make `append`
/// atomic (all events or none) and durable before returning. Team
/// management (adding, editing, deactivating operators) is [`TeamStore`];
/// bot and team settings, channels and alert preferences [`SettingsStore`];
/// team-wide saved replies [`TeamShortcutStore`]; timers that any process
/// may fire [`TimerStore`]; which process holds whose inbox
/// [`PresenceStore`].
pub trait Store:
    TeamStore + SettingsStore + TeamShortcutStore + MarksStore + TimerStore + PresenceStore + Send + Sync + std::fmt::Debug
{
    /// Creates or replaces an operator (its bots too), keeping its status.
    fn upsert_operator(&self, op: &OperatorRow) -> Result<()>;
    /// Every operator, active or not, with their bots, by name.
    fn operators(&self) -> Result<Vec<OperatorRow>>;
    /// Emails match whatever their case.
    fn operator_by_email(&self, email: &str) -> Result<Option<OperatorRow>>;
    fn set_operator_status(&self, id: &OperatorId, status: OperatorStatus) -> Result<()>;
    /// Sets `id`'s status to `to` only if it is `from` (another process may
    /// have changed it); whether it did.
    fn change_operator_status(&self, id: &OperatorId, from: OperatorStatus, to: OperatorStatus) -> Result<bool>;
    fn insert_session(&self, token_hash: &[u8], operator: &OperatorId, expires_at: Timestamp) -> Result<()>;
    /// The operator of a live session; `None` too when they are deactivated.
    fn session_operator(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<OperatorId>>;
    fn delete_session(&self, token_hash: &[u8]) -> Result<()>;

    fn insert_conversation(&self, row: &ConversationRow, locale: Option<&str>) -> Result<()>;
    fn conversations(&self) -> Result<Vec<ConversationRow>>;
    /// One conversation's row (`None`: never stored, or deleted). Another
    /// process may have created it since this one started.
    fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRow>> {
        Ok(self.conversations()?.into_iter().find(|row| &row.id == id))
    }
    /// Appends events in one transaction; `client_msg_id` is recorded on the
    /// first, so a retry of the same input finds its original seq.
    fn append(
        &self,
        conversation: &ConversationId,
        client_msg_id: Option<&ClientMsgId>,
        events: &[ConversationEvent],
    ) -> Result<()>;
    /// Appends of several conversations, committed together (the store
    /// writer's group commit): all or none where the store can, and durable
    /// before returning. By default one [`Store::append`] each.
    fn append_batch(&self, appends: &[Append<'_>]) -> Result<()> {
        for (conversation, client_msg_id, events) in appends {
            self.append(conversation, *client_msg_id, events)?;
        }
        Ok(())
    }
    /// Stores new conversations' rows, then the batch's appends (their
    /// first events among them), then the timers those events armed (a
    /// response window: stored with the request, so an acked request's
    /// window outlives the process that took it). All or none where the
    /// store can. By default each row, its visitor's details,
    /// [`Store::append_batch`], then each timer.
    fn create_and_append(&self, created: &[NewConversation], appends: &[Append<'_>], timers: &[Timer]) -> Result<()> {
        for new in created {
            self.insert_conversation(&new.row, new.locale.as_deref())?;
            if new.row.visitor_name.is_some() || new.email.is_some() {
                self.identify(&new.row.id, new.row.visitor_name.as_deref(), new.email.as_deref())?;
            }
            if let Some(country) = &new.row.country {
                self.set_country(&new.row.id, country)?;
            }
        }
        self.append_batch(appends)?;
        timers.iter().try_for_each(|timer| self.arm_timer(timer))
    }
    /// The whole log with each event's stored client message id.
    fn log(&self, conversation: &ConversationId) -> Result<Vec<(ConversationEvent, Option<ClientMsgId>)>>;
    /// The log past `after`, with the client message ids: what another
    /// process appended since this one last read.
    fn log_after(
        &self,
        conversation: &ConversationId,
        after: Seq,
    ) -> Result<Vec<(ConversationEvent, Option<ClientMsgId>)>> {
        let mut log = self.log(conversation)?;
        log.retain(|(event, _)| event.seq > after);
        Ok(log)
    }
    /// Events with `seq > after`, oldest first, at most the `limit` newest.
    fn events_after(&self, conversation: &ConversationId, after: Seq, limit: usize) -> Result<Vec<ConversationEvent>>;
    /// Up to `limit` events with `seq < before`, oldest first.
    fn events_before(&self, conversation: &ConversationId, before: Seq, limit: u32) -> Result<Vec<ConversationEvent>>;
    /// The newest `limit` events, oldest first.
    fn recent(&self, conversation: &ConversationId, limit: usize) -> Result<Vec<ConversationEvent>> {
        self.events_after(conversation, Seq(0), limit)
    }
    fn identify(&self, conversation: &ConversationId, name: Option<&str>, email: Option<&str>) -> Result<()>;
    /// Deletes a conversation for good: its row, events, notes, marks and
    /// timers, in one transaction (retention, `baton_protocol::retention`).
    fn delete_conversation(&self, conversation: &ConversationId) -> Result<()>;
    fn visitor_email(&self, conversation: &ConversationId) -> Result<Option<String>>;
    fn set_country(&self, conversation: &ConversationId, country: &Country) -> Result<()>;

    /// Stores a note once per client message id; returns the stored note.
    fn add_note(&self, conversation: &ConversationId, client_msg_id: &ClientMsgId, note: &Note) -> Result<Note>;
    fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>>;
    fn shortcuts(&self, operator: &OperatorId) -> Result<Vec<Shortcut>>;
    /// Creates or edits one of the operator's shortcuts; `Ok(false)` if the
    /// id belongs to someone else, `Err(Duplicate)` if the trigger is taken.
    fn save_shortcut(&self, operator: &OperatorId, shortcut: &Shortcut) -> Result<bool>;
    fn delete_shortcut(&self, operator: &OperatorId, id: &ShortcutId) -> Result<bool>;

    /// Whether the database answers now (`/healthz`).
    fn health(&self) -> Result<()> {
        Ok(())
    }
    /// Which kind of store this is, for `/healthz` and the logs.
    fn backend(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests;
