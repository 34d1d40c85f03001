//! The default store: SQLite in WAL mode, through rusqlite.
//!
//! rusqlite rather than sqlx: the store is a handful of small synchronous
//! statements on an embedded file, rusqlite's `bundled` feature builds SQLite
//! itself (no system library, no build-time database), and there is no
//! network database to be async about.

use super::connections::{Checkpointer, Readers, WRITER_CHECKPOINT_PAGES};
use super::{ConversationRow, OperatorRow, Result, Store, StoreError};
use baton_protocol::operator::{Country, Note, OperatorStatus, Shortcut, ShortcutId};
use baton_protocol::{BotId, ClientMsgId, ConversationEvent, ConversationId, EventBody, OperatorId, Seq, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Mutex;

/// Ordered schema migrations; `PRAGMA user_version` records how many ran.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
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
"#,
    r#"
    CREATE TABLE notes (
        id              TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        client_msg_id   TEXT NOT NULL,
        author          TEXT NOT NULL,
        text            TEXT NOT NULL,
        at              INTEGER NOT NULL,
        UNIQUE (conversation_id, client_msg_id)
    );
    CREATE TABLE shortcuts (
        id          TEXT PRIMARY KEY,
        operator_id TEXT NOT NULL REFERENCES operators(id),
        trigger     TEXT NOT NULL,
        text        TEXT NOT NULL,
        UNIQUE (operator_id, trigger)
    );
    ALTER TABLE conversations ADD COLUMN visitor_name TEXT;
    ALTER TABLE conversations ADD COLUMN visitor_email TEXT;
"#,
    r#"
    ALTER TABLE conversations ADD COLUMN country TEXT;
    ALTER TABLE conversations ADD COLUMN country_hint INTEGER NOT NULL DEFAULT 0;
"#,
    // Team management and per-bot access. Operators from before it served
    // every bot: `all_bots_pending` marks them, and the next start grants
    // them every bot configured then (`TeamStore::grant_pending_bots`).
    r#"
    ALTER TABLE operators ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE operators ADD COLUMN colour TEXT;
    ALTER TABLE operators ADD COLUMN avatar_url TEXT;
    ALTER TABLE operators ADD COLUMN all_bots_pending INTEGER NOT NULL DEFAULT 0;
    UPDATE operators SET all_bots_pending = 1;
    CREATE TABLE operator_bots (
        operator_id TEXT NOT NULL REFERENCES operators(id),
        bot_id      TEXT NOT NULL,
        PRIMARY KEY (operator_id, bot_id)
    ) WITHOUT ROWID;
"#,
    // Bot and team settings, Notification center channels, alert preferences.
    super::settings::MIGRATION,
    // Team-wide saved replies, in a table of their own.
    super::shortcuts::MIGRATION,
    // Receipt marks, which survive a restart.
    super::marks::MIGRATION,
    // Timers any process may fire.
    super::timers::MIGRATION,
    // Which process holds whose inbox, and each process's heartbeat.
    super::presence::MIGRATION,
    // Events kept in the order they were appended.
    super::event_log::MIGRATION,
];

/// A database file at `path` with the schema as it was just before the
/// first migration `is_it` picks (later ones may follow it), for the tests
/// of a migration: fill it as an old server did, then open it.
#[cfg(test)]
pub(super) fn database_before(path: &Path, is_it: impl Fn(&str) -> bool) -> Connection {
    let before = MIGRATIONS.iter().position(|sql| is_it(sql)).expect("the migration");
    let conn = Connection::open(path).expect("open");
    for sql in &MIGRATIONS[..before] {
        conn.execute_batch(sql).expect("old schema");
    }
    conn.pragma_update(None, "user_version", before).expect("version");
    conn
}

/// The SQLite store. One connection behind a mutex for writes (SQLite
/// serialises writers anyway, and every statement here is short), and a few
/// read-only connections for reading events (see [`SqliteStore::reader`]).
#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// Read-only connections for reading events (none in memory, where a
    /// second connection would open a different, empty database).
    pub(super) readers: Option<Readers>,
    /// Checkpoints the WAL off the writer's thread (file databases).
    _checkpoints: Option<Checkpointer>,
}

impl SqliteStore {
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let conn = Connection::open(path)?;
        // WAL: readers never block the writer; NORMAL is durable across
        // process crashes (what SIGKILL is), which is the promise an ack makes.
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;")?;
        // The checkpointer copies the WAL into the database; the writer
        // does so itself only if it falls far behind (WRITER_CHECKPOINT_PAGES).
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
        let mut store = SqliteStore::migrate(conn)?;
        store.readers = Some(Readers::new(path));
        store._checkpoints = Some(Checkpointer::start(path)?);
        Ok(store)
    }

    /// A private in-memory database, for tests.
    pub fn in_memory() -> Result<SqliteStore> {
        SqliteStore::migrate(Connection::open_in_memory()?)
    }

    fn migrate(mut conn: Connection) -> Result<SqliteStore> {
        let done: usize = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            let tx = conn.transaction()?;
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", i + 1)?;
            tx.commit()?;
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            readers: None,
            _checkpoints: None,
        })
    }

    pub(super) fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back), so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn query_events(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<(ConversationEvent, Option<ClientMsgId>)>> {
        let reader;
        let shared;
        let conn: &Connection = match &self.readers {
            Some(readers) => {
                reader = readers.get()?;
                &reader
            }
            None => {
                shared = self.conn();
                &shared
            }
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params, |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?;
        let mut events = Vec::new();
        for row in rows {
            let (seq, at, body, id) = row?;
            let event = ConversationEvent {
                seq: Seq(seq as u64),
                at: Timestamp(at as u64),
                body: serde_json::from_str::<EventBody>(&body)?,
            };
            events.push((event, id.map(ClientMsgId)));
        }
        Ok(events)
    }
}

impl Store for SqliteStore {
    // ---- operators and sessions ----

    fn upsert_operator(&self, op: &OperatorRow) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        write_operator(&tx, op)?;
        tx.commit()?;
        Ok(())
    }

    fn operators(&self) -> Result<Vec<OperatorRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("{OPERATOR_COLUMNS} ORDER BY name"))?;
        let rows = stmt.query_map([], operator_row)?;
        let mut ops: Vec<OperatorRow> = rows.collect::<rusqlite::Result<_>>()?;
        super::team::fill_bots(&conn, &mut ops)?;
        Ok(ops)
    }

    fn operator_by_email(&self, email: &str) -> Result<Option<OperatorRow>> {
        let conn = self.conn();
        let row = conn
            .query_row(
                &format!("{OPERATOR_COLUMNS} WHERE email = ?1 COLLATE NOCASE"),
                [email],
                operator_row,
            )
            .optional()?;
        let mut ops: Vec<OperatorRow> = row.into_iter().collect();
        super::team::fill_bots(&conn, &mut ops)?;
        Ok(ops.pop())
    }

    fn set_operator_status(&self, id: &OperatorId, status: OperatorStatus) -> Result<()> {
        let status = serde_json::to_value(status)?;
        self.conn().execute(
            "UPDATE operators SET status = ?2 WHERE id = ?1",
            params![id.as_str(), status.as_str()],
        )?;
        Ok(())
    }

    fn change_operator_status(&self, id: &OperatorId, from: OperatorStatus, to: OperatorStatus) -> Result<bool> {
        let (from, to) = (serde_json::to_value(from)?, serde_json::to_value(to)?);
        let changed = self.conn().execute(
            "UPDATE operators SET status = ?3 WHERE id = ?1 AND status = ?2",
            params![id.as_str(), from.as_str(), to.as_str()],
        )?;
        Ok(changed > 0)
    }

    fn insert_session(&self, token_hash: &[u8], operator: &OperatorId, expires_at: Timestamp) -> Result<()> {
        self.conn().execute(
            "INSERT INTO sessions (token_hash, operator_id, expires_at) VALUES (?1, ?2, ?3)",
            params![token_hash, operator.as_str(), expires_at.0 as i64],
        )?;
        Ok(())
    }

    fn session_operator(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<OperatorId>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT s.operator_id FROM sessions s JOIN operators o ON o.id = s.operator_id
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND o.active = 1",
                params![token_hash, now.0 as i64],
                |r| Ok(OperatorId(r.get(0)?)),
            )
            .optional()?)
    }

    fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.conn()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    // ---- conversations and their logs ----

    fn insert_conversation(&self, row: &ConversationRow, locale: Option<&str>) -> Result<()> {
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

    fn conversations(&self) -> Result<Vec<ConversationRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {CONVERSATION_COLUMNS} FROM conversations"))?;
        let rows = stmt.query_map([], conversation_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRow>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1"
        ))?;
        Ok(stmt.query_row([id.as_str()], conversation_row).optional()?)
    }

    /// Appends events in one transaction. `client_msg_id` is recorded on the
    /// first, so a retry of the same send or intent finds its original seq.
    fn append(
        &self,
        conversation: &ConversationId,
        client_msg_id: Option<&ClientMsgId>,
        events: &[ConversationEvent],
    ) -> Result<()> {
        self.append_batch(&[(conversation, client_msg_id, events)])
    }

    /// Every append of the batch in one transaction: one commit (one WAL
    /// write) for many conversations' events.
    fn append_batch(&self, appends: &[super::Append<'_>]) -> Result<()> {
        self.create_and_append(&[], appends, &[])
    }

    /// The conversations' rows first, then the events, in one transaction:
    /// a conversation is stored with its first events, never without them.
    fn create_and_append(
        &self,
        created: &[super::NewConversation],
        appends: &[super::Append<'_>],
        timers: &[super::Timer],
    ) -> Result<()> {
        // Serialised before the connection is taken, to hold it less.
        let mut bodies = Vec::with_capacity(appends.iter().map(|(_, _, events)| events.len()).sum());
        for (_, _, events) in appends {
            for event in events.iter() {
                bodies.push(serde_json::to_string(&event.body)?);
            }
        }
        let mut bodies = bodies.into_iter();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for new in created {
            let row = &new.row;
            tx.execute(
                "INSERT INTO conversations (id, bot_id, token_hash, created_at, locale, visitor_name, visitor_email,
                 country, country_hint) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    row.id.as_str(),
                    row.bot.as_str(),
                    row.token_hash,
                    row.created_at.0 as i64,
                    new.locale,
                    row.visitor_name,
                    new.email,
                    row.country.as_ref().map(|c| c.code.as_str()),
                    row.country.as_ref().is_some_and(|c| c.hint),
                ],
            )?;
        }
        {
            // The hottest statement: parsed once per connection, not per append.
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (conversation_id, seq, at, client_msg_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (conversation, client_msg_id, events) in appends {
                for (i, event) in events.iter().enumerate() {
                    let id = if i == 0 {
                        client_msg_id.map(|c| c.as_str())
                    } else {
                        None
                    };
                    insert
                        .execute(params![
                            conversation.as_str(),
                            event.seq.0 as i64,
                            event.at.0 as i64,
                            id,
                            bodies.next().unwrap_or_default()
                        ])
                        .map_err(|e| super::sqlite_error::event_insert(e, conversation, event.seq))?;
                }
            }
        }
        for timer in timers {
            super::timers::arm_in(&tx, timer)?;
        }
        tx.commit()?;
        Ok(())
    }

    // ---- notes and shortcuts ----

    /// Stores a note once per client message id; returns the stored note.
    fn add_note(&self, conversation: &ConversationId, client_msg_id: &ClientMsgId, note: &Note) -> Result<Note> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO notes (id, conversation_id, client_msg_id, author, text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (conversation_id, client_msg_id) DO NOTHING",
            params![
                note.id,
                conversation.as_str(),
                client_msg_id.as_str(),
                serde_json::to_string(&note.author)?,
                note.text,
                note.at.0 as i64
            ],
        )?;
        conn.query_row(
            "SELECT id, author, text, at FROM notes WHERE conversation_id = ?1 AND client_msg_id = ?2",
            params![conversation.as_str(), client_msg_id.as_str()],
            note_row,
        )?
    }

    fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT id, author, text, at FROM notes WHERE conversation_id = ?1 ORDER BY at, id")?;
        let rows = stmt.query_map([conversation.as_str()], note_row)?;
        let mut notes = Vec::new();
        for row in rows {
            notes.push(row??);
        }
        Ok(notes)
    }

    fn shortcuts(&self, operator: &OperatorId) -> Result<Vec<Shortcut>> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached("SELECT id, trigger, text FROM shortcuts WHERE operator_id = ?1 ORDER BY trigger")?;
        let rows = stmt.query_map([operator.as_str()], |r| {
            Ok(Shortcut {
                id: ShortcutId(r.get(0)?),
                trigger: r.get(1)?,
                text: r.get(2)?,
                scope: baton_protocol::operator::ShortcutScope::Mine,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Creates or edits one of the operator's shortcuts (a trigger is unique
    /// per operator). Returns false if the id is not theirs.
    fn save_shortcut(&self, operator: &OperatorId, shortcut: &Shortcut) -> Result<bool> {
        let changed = self.conn().execute(
            "INSERT INTO shortcuts (id, operator_id, trigger, text) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET trigger = ?3, text = ?4 WHERE operator_id = ?2",
            params![shortcut.id.0, operator.as_str(), shortcut.trigger, shortcut.text],
        );
        match changed {
            Ok(changed) => Ok(changed > 0),
            Err(e) if super::sqlite_error::is_constraint(&e) => Err(StoreError::Duplicate),
            Err(e) => Err(e.into()),
        }
    }

    fn delete_shortcut(&self, operator: &OperatorId, id: &ShortcutId) -> Result<bool> {
        let changed = self.conn().execute(
            "DELETE FROM shortcuts WHERE id = ?1 AND operator_id = ?2",
            params![id.0, operator.as_str()],
        )?;
        Ok(changed > 0)
    }

    fn health(&self) -> Result<()> {
        self.conn().query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn delete_conversation(&self, conversation: &ConversationId) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for table in ["notes", "events", "receipt_marks", "email_marks"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE conversation_id = ?1"),
                [conversation.as_str()],
            )?;
        }
        tx.execute("DELETE FROM timers WHERE key = ?1", [conversation.as_str()])?;
        tx.execute("DELETE FROM conversations WHERE id = ?1", [conversation.as_str()])?;
        tx.commit()?;
        Ok(())
    }

    fn identify(&self, conversation: &ConversationId, name: Option<&str>, email: Option<&str>) -> Result<()> {
        self.conn().execute(
            "UPDATE conversations SET visitor_name = COALESCE(?2, visitor_name), visitor_email = COALESCE(?3, visitor_email)
             WHERE id = ?1",
            params![conversation.as_str(), name, email],
        )?;
        Ok(())
    }

    /// The whole log with each event's stored client message id: what
    /// `ConversationCore::from_log` rebuilds a conversation from.
    fn log(&self, conversation: &ConversationId) -> Result<Vec<(ConversationEvent, Option<ClientMsgId>)>> {
        self.query_events(
            "SELECT seq, at, body, client_msg_id FROM events WHERE conversation_id = ?1 ORDER BY seq",
            params![conversation.as_str()],
        )
    }

    fn log_after(
        &self,
        conversation: &ConversationId,
        after: Seq,
    ) -> Result<Vec<(ConversationEvent, Option<ClientMsgId>)>> {
        self.query_events(
            "SELECT seq, at, body, client_msg_id FROM events WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq",
            params![conversation.as_str(), after.0 as i64],
        )
    }

    /// Events with `seq > after`, oldest first, at most `limit` of the
    /// newest ones.
    fn events_after(&self, conversation: &ConversationId, after: Seq, limit: usize) -> Result<Vec<ConversationEvent>> {
        let mut events = self.query_events(
            "SELECT seq, at, body, client_msg_id FROM events WHERE conversation_id = ?1 AND seq > ?2
             ORDER BY seq DESC LIMIT ?3",
            params![conversation.as_str(), after.0 as i64, limit as i64],
        )?;
        events.reverse();
        Ok(events.into_iter().map(|(e, _)| e).collect())
    }

    fn set_country(&self, conversation: &ConversationId, country: &Country) -> Result<()> {
        self.conn().execute(
            "UPDATE conversations SET country = ?2, country_hint = ?3 WHERE id = ?1",
            params![conversation.as_str(), country.code, country.hint],
        )?;
        Ok(())
    }

    /// The email the host page gave for this conversation's visitor.
    fn visitor_email(&self, conversation: &ConversationId) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT visitor_email FROM conversations WHERE id = ?1",
                [conversation.as_str()],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// Up to `limit` events with `seq < before`, oldest first.
    fn events_before(&self, conversation: &ConversationId, before: Seq, limit: u32) -> Result<Vec<ConversationEvent>> {
        let mut events = self.query_events(
            "SELECT seq, at, body, client_msg_id FROM events WHERE conversation_id = ?1 AND seq < ?2
             ORDER BY seq DESC LIMIT ?3",
            params![conversation.as_str(), before.0 as i64, limit],
        )?;
        events.reverse();
        Ok(events.into_iter().map(|(e, _)| e).collect())
    }
}

fn note_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Note>> {
    let author: String = r.get(1)?;
    let note = serde_json::from_str(&author).map(|author| Note {
        id: r.get(0).unwrap_or_default(),
        author,
        text: r.get(2).unwrap_or_default(),
        at: Timestamp(r.get::<_, i64>(3).unwrap_or_default() as u64),
    });
    Ok(note.map_err(StoreError::from))
}

/// A snake_case enum as the text serde gives it.
pub(super) fn enum_text<T: serde::Serialize>(value: &T) -> Result<String> {
    Ok(serde_json::to_value(value)?.as_str().unwrap_or_default().to_owned())
}

pub(super) fn text_enum<T: serde::de::DeserializeOwned + Default>(text: String) -> T {
    serde_json::from_value(serde_json::Value::String(text)).unwrap_or_default()
}

/// Creates or replaces an operator and their bots; a status, once stored,
/// is the operator's own and stays (new ones start Offline).
pub(super) fn write_operator(conn: &Connection, op: &OperatorRow) -> Result<()> {
    conn.execute(
        "INSERT INTO operators (id, email, name, password_hash, role, active, colour, avatar_url)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET email = ?2, name = ?3, password_hash = ?4, role = ?5,
             active = ?6, colour = ?7, avatar_url = ?8, all_bots_pending = 0",
        params![
            op.id.as_str(),
            op.email,
            op.name,
            op.password_hash,
            enum_text(&op.role)?,
            op.active,
            op.colour,
            op.avatar_url
        ],
    )?;
    super::team::replace_bots(conn, &op.id, &op.bots)
}

/// The columns [`operator_row`] reads, in its order.
pub(super) const OPERATOR_COLUMNS: &str =
    "SELECT id, email, name, password_hash, role, status, active, colour, avatar_url FROM operators";

/// One operator without its bots (see `team::fill_bots`).
pub(super) fn operator_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OperatorRow> {
    Ok(OperatorRow {
        id: OperatorId(r.get(0)?),
        email: r.get(1)?,
        name: r.get(2)?,
        password_hash: r.get(3)?,
        role: text_enum(r.get(4)?),
        status: text_enum(r.get(5)?),
        active: r.get(6)?,
        colour: r.get(7)?,
        avatar_url: r.get(8)?,
        bots: Vec::new(),
    })
}

/// The columns [`conversation_row`] reads, in its order.
const CONVERSATION_COLUMNS: &str = "id, bot_id, token_hash, created_at, visitor_name, country, country_hint";

fn conversation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConversationRow> {
    Ok(ConversationRow {
        id: ConversationId(r.get(0)?),
        bot: BotId(r.get(1)?),
        token_hash: r.get(2)?,
        created_at: Timestamp(r.get::<_, i64>(3)? as u64),
        visitor_name: r.get(4)?,
        country: r.get::<_, Option<String>>(5)?.map(|code| Country {
            code,
            hint: r.get(6).unwrap_or(false),
        }),
    })
}
