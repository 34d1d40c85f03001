//! Durable state on SQLite (WAL). Every conversation event is one row keyed by
//! `(conversation_id, seq)`; a send is acknowledged only after its row is
//! committed. Operator statuses and sessions live here too, so a restart
//! changes nothing a user can see.
//!
//! rusqlite rather than sqlx: the store is a handful of small synchronous
//! statements on an embedded file, rusqlite's `bundled` feature builds SQLite
//! itself (no system library, no build-time database), and there is no
//! network database to be async about.

use baton_protocol::operator::OperatorStatus;
use baton_protocol::{BotId, ClientMsgId, ConversationEvent, ConversationId, EventBody, OperatorId, Seq, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored event could not be decoded: {0}")]
    Decode(#[from] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Ordered schema migrations; `PRAGMA user_version` records how many ran.
const MIGRATIONS: &[&str] = &[r#"
    CREATE TABLE operators (
        id            TEXT PRIMARY KEY,
        email         TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
        status        TEXT NOT NULL DEFAULT 'offline'
    );
    CREATE TABLE sessions (
        token_hash  BLOB PRIMARY KEY,
        operator_id TEXT NOT NULL REFERENCES operators(id),
        expires_at  INTEGER NOT NULL
    );
    CREATE TABLE conversations (
        id         TEXT PRIMARY KEY,
        bot_id     TEXT NOT NULL,
        token_hash BLOB NOT NULL,
        created_at INTEGER NOT NULL,
        locale     TEXT
    );
    CREATE TABLE events (
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        seq             INTEGER NOT NULL,
        at              INTEGER NOT NULL,
        client_msg_id   TEXT,
        body            TEXT NOT NULL,
        PRIMARY KEY (conversation_id, seq)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX events_client_msg_id ON events (conversation_id, client_msg_id)
        WHERE client_msg_id IS NOT NULL;
"#];

#[derive(Clone, Debug)]
pub struct OperatorRow {
    pub id: OperatorId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub role: String,
    pub status: OperatorStatus,
}

#[derive(Clone, Debug)]
pub struct ConversationRow {
    pub id: ConversationId,
    pub bot: BotId,
    pub token_hash: Vec<u8>,
    pub created_at: Timestamp,
}

/// The SQLite store. One connection behind a mutex: SQLite serialises
/// writers anyway, and every statement here is short.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        // WAL: readers never block the writer; NORMAL is durable across
        // process crashes (what SIGKILL is), which is the promise an ack makes.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
        Store::migrate(conn)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<Store> {
        Store::migrate(Connection::open_in_memory()?)
    }

    fn migrate(mut conn: Connection) -> Result<Store> {
        let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(Store { conn: Mutex::new(conn) })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    // ---- operators and sessions ----

    pub fn upsert_operator(&self, op: &OperatorRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO operators (id, email, name, password_hash, role) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(id) DO UPDATE SET email = ?2, name = ?3, password_hash = ?4, role = ?5",
            params![op.id.as_str(), op.email, op.name, op.password_hash, op.role],
        )?;
        Ok(())
    }

    pub fn operators(&self) -> Result<Vec<OperatorRow>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare("SELECT id, email, name, password_hash, role, status FROM operators ORDER BY name")?;
        let rows = stmt.query_map([], operator_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn operator_by_email(&self, email: &str) -> Result<Option<OperatorRow>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, email, name, password_hash, role, status FROM operators WHERE email = ?1",
                [email],
                operator_row,
            )
            .optional()?)
    }

    pub fn set_operator_status(&self, id: &OperatorId, status: OperatorStatus) -> Result<()> {
        let status = serde_json::to_value(status)?;
        self.conn().execute(
            "UPDATE operators SET status = ?2 WHERE id = ?1",
            params![id.as_str(), status.as_str()],
        )?;
        Ok(())
    }

    pub fn insert_session(&self, token_hash: &[u8], operator: &OperatorId, expires_at: Timestamp) -> Result<()> {
        self.conn().execute(
            "INSERT INTO sessions (token_hash, operator_id, expires_at) VALUES (?1, ?2, ?3)",
            params![token_hash, operator.as_str(), expires_at.0 as i64],
        )?;
        Ok(())
    }

    pub fn session_operator(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<OperatorId>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT operator_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
                params![token_hash, now.0 as i64],
                |r| Ok(OperatorId(r.get(0)?)),
            )
            .optional()?)
    }

    pub fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.conn()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    // ---- conversations and their logs ----

    pub fn insert_conversation(&self, row: &ConversationRow, locale: Option<&str>) -> Result<()> {
        self.conn().execute(
            "INSERT INTO conversations (id, bot_id, token_hash, created_at, locale) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                row.id.as_str(),
                row.bot.as_str(),
                row.token_hash,
                row.created_at.0 as i64,
                locale
            ],
        )?;
        Ok(())
    }

    pub fn conversations(&self) -> Result<Vec<ConversationRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT id, bot_id, token_hash, created_at FROM conversations")?;
        let rows = stmt.query_map([], |r| {
            Ok(ConversationRow {
                id: ConversationId(r.get(0)?),
                bot: BotId(r.get(1)?),
                token_hash: r.get(2)?,
                created_at: Timestamp(r.get::<_, i64>(3)? as u64),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Appends events in one transaction. `client_msg_id` is recorded on the
    /// first, so a retry of the same send or intent finds its original seq.
    pub fn append(
        &self,
        conversation: &ConversationId,
        client_msg_id: Option<&ClientMsgId>,
        events: &[ConversationEvent],
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for (i, event) in events.iter().enumerate() {
            let id = if i == 0 {
                client_msg_id.map(|c| c.as_str())
            } else {
                None
            };
            tx.execute(
                "INSERT INTO events (conversation_id, seq, at, client_msg_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    conversation.as_str(),
                    event.seq.0 as i64,
                    event.at.0 as i64,
                    id,
                    serde_json::to_string(&event.body)?
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The seq first stored for this client message id, if any: the answer
    /// to a retried send.
    pub fn seq_for_client_msg(&self, conversation: &ConversationId, id: &ClientMsgId) -> Result<Option<Seq>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT seq FROM events WHERE conversation_id = ?1 AND client_msg_id = ?2",
                params![conversation.as_str(), id.as_str()],
                |r| Ok(Seq(r.get::<_, i64>(0)? as u64)),
            )
            .optional()?)
    }

    /// Events with `seq > after`, in order.
    pub fn events_after(&self, conversation: &ConversationId, after: Seq) -> Result<Vec<ConversationEvent>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached("SELECT seq, at, body FROM events WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq")?;
        let rows = stmt.query_map(params![conversation.as_str(), after.0 as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?))
        })?;
        let mut events = Vec::new();
        for row in rows {
            let (seq, at, body) = row?;
            events.push(ConversationEvent {
                seq: Seq(seq as u64),
                at: Timestamp(at as u64),
                body: serde_json::from_str::<EventBody>(&body)?,
            });
        }
        Ok(events)
    }
}

fn operator_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OperatorRow> {
    let status: String = r.get(5)?;
    Ok(OperatorRow {
        id: OperatorId(r.get(0)?),
        email: r.get(1)?,
        name: r.get(2)?,
        password_hash: r.get(3)?,
        role: r.get(4)?,
        status: serde_json::from_value(serde_json::Value::String(status)).unwrap_or_default(),
    })
}
