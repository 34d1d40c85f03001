//! [`Store`] on PostgreSQL: operators and sessions, conversations and
//! their event logs, notes and personal shortcuts. Each method is one
//! bridged call (`PgStore::block`); text orderings use the "C" collation,
//! byte order, as SQLite's do.

use super::PgStore;
use super::team::{OPERATOR_COLUMNS, fill_bots, operator_row, write_operator};
use crate::store::{Append, ConversationRow, NewConversation, OperatorRow, Result, Store, StoreError, Timer};
use baton_protocol::operator::{Country, Note, OperatorStatus, Shortcut, ShortcutId, ShortcutScope};
use baton_protocol::{BotId, ClientMsgId, ConversationEvent, ConversationId, EventBody, OperatorId, Seq, Timestamp};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

const EVENT_COLUMNS: &str = "SELECT seq, at, body, client_msg_id FROM events";

fn event_row(row: &Row) -> Result<(ConversationEvent, Option<ClientMsgId>)> {
    let body: String = row.try_get(2)?;
    let event = ConversationEvent {
        seq: Seq(row.try_get::<_, i64>(0)? as u64),
        at: Timestamp(row.try_get::<_, i64>(1)? as u64),
        body: serde_json::from_str::<EventBody>(&body)?,
    };
    Ok((event, row.try_get::<_, Option<String>>(3)?.map(ClientMsgId)))
}

fn note_row(row: &Row) -> Result<Note> {
    let author: String = row.try_get(1)?;
    Ok(Note {
        id: row.try_get(0)?,
        author: serde_json::from_str(&author)?,
        text: row.try_get(2)?,
        at: Timestamp(row.try_get::<_, i64>(3)? as u64),
    })
}

impl PgStore {
    /// Events of one conversation, as `sql` (after [`EVENT_COLUMNS`]) picks them.
    fn events(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<(ConversationEvent, Option<ClientMsgId>)>> {
        self.block(async {
            let client = self.client().await?;
            let stmt = client.prepare_cached(&format!("{EVENT_COLUMNS} {sql}")).await?;
            client.query(&stmt, params).await?.iter().map(event_row).collect()
        })
    }

    /// Runs one statement; the number of rows it changed.
    pub(super) fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.block(async {
            let client = self.client().await?;
            let stmt = client.prepare_cached(sql).await?;
            Ok(client.execute(&stmt, params).await?)
        })
    }

    /// Runs one query; its rows.
    pub(super) fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        self.block(async {
            let client = self.client().await?;
            let stmt = client.prepare_cached(sql).await?;
            Ok(client.query(&stmt, params).await?)
        })
    }

    /// Operators as `sql` (after [`OPERATOR_COLUMNS`]) picks them, with their bots.
    pub(super) fn operators_where(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<OperatorRow>> {
        self.block(async {
            let client = self.client().await?;
            let stmt = client.prepare_cached(&format!("{OPERATOR_COLUMNS} {sql}")).await?;
            let mut ops = client
                .query(&stmt, params)
                .await?
                .iter()
                .map(operator_row)
                .collect::<Result<Vec<_>>>()?;
            fill_bots(&client, &mut ops).await?;
            Ok(ops)
        })
    }
}

impl Store for PgStore {
    // ---- operators and sessions ----

    fn upsert_operator(&self, op: &OperatorRow) -> Result<()> {
        self.block(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            write_operator(&tx, op).await?;
            Ok(tx.commit().await?)
        })
    }

    fn operators(&self) -> Result<Vec<OperatorRow>> {
        self.operators_where("ORDER BY name COLLATE \"C\"", &[])
    }

    fn operator_by_email(&self, email: &str) -> Result<Option<OperatorRow>> {
        // SQLite's NOCASE: ASCII letters only, like `eq_ignore_ascii_case`.
        let mut ops = self.operators_where("WHERE lower(email) = lower($1) LIMIT 1", &[&email])?;
        Ok(ops.pop())
    }

    fn set_operator_status(&self, id: &OperatorId, status: OperatorStatus) -> Result<()> {
        let status = crate::store::sqlite::enum_text(&status)?;
        self.execute(
            "UPDATE operators SET status = $2 WHERE id = $1",
            &[&id.as_str(), &status],
        )?;
        Ok(())
    }

    fn change_operator_status(&self, id: &OperatorId, from: OperatorStatus, to: OperatorStatus) -> Result<bool> {
        let from = crate::store::sqlite::enum_text(&from)?;
        let to = crate::store::sqlite::enum_text(&to)?;
        let changed = self.execute(
            "UPDATE operators SET status = $3 WHERE id = $1 AND status = $2",
            &[&id.as_str(), &from, &to],
        )?;
        Ok(changed > 0)
    }

    fn insert_session(&self, token_hash: &[u8], operator: &OperatorId, expires_at: Timestamp) -> Result<()> {
        self.execute(
            "INSERT INTO sessions (token_hash, operator_id, expires_at) VALUES ($1, $2, $3)",
            &[&token_hash, &operator.as_str(), &(expires_at.0 as i64)],
        )?;
        Ok(())
    }

    fn session_operator(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<OperatorId>> {
        let rows = self.query(
            "SELECT s.operator_id FROM sessions s JOIN operators o ON o.id = s.operator_id
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND o.active",
            &[&token_hash, &(now.0 as i64)],
        )?;
        rows.first().map(|r| Ok(OperatorId(r.try_get(0)?))).transpose()
    }

    fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
        Ok(())
    }

    // ---- conversations and their logs ----

    fn insert_conversation(&self, row: &ConversationRow, locale: Option<&str>) -> Result<()> {
        self.execute(
            "INSERT INTO conversations (id, bot_id, token_hash, created_at, locale) VALUES ($1, $2, $3, $4, $5)",
            &[
                &row.id.as_str(),
                &row.bot.as_str(),
                &row.token_hash,
                &(row.created_at.0 as i64),
                &locale,
            ],
        )?;
        Ok(())
    }

    fn conversations(&self) -> Result<Vec<ConversationRow>> {
        let rows = self.query(
            &format!("SELECT {CONVERSATION_COLUMNS} FROM conversations ORDER BY created_at, id COLLATE \"C\""),
            &[],
        )?;
        rows.iter().map(conversation_row).collect()
    }

    fn conversation(&self, id: &ConversationId) -> Result<Option<ConversationRow>> {
        let rows = self.query(
            &format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = $1"),
            &[&id.as_str()],
        )?;
        rows.first().map(conversation_row).transpose()
    }

    fn append(
        &self,
        conversation: &ConversationId,
        client_msg_id: Option<&ClientMsgId>,
        events: &[ConversationEvent],
    ) -> Result<()> {
        self.create_and_append(&[], &[(conversation, client_msg_id, events)], &[])
    }

    fn append_batch(&self, appends: &[Append<'_>]) -> Result<()> {
        self.create_and_append(&[], appends, &[])
    }

    /// The rows, every event, then the timers, in ONE transaction (`append.rs`).
    fn create_and_append(&self, created: &[NewConversation], appends: &[Append<'_>], timers: &[Timer]) -> Result<()> {
        self.write(created, appends, timers)
    }

    fn log(&self, conversation: &ConversationId) -> Result<Vec<(ConversationEvent, Option<ClientMsgId>)>> {
        self.events("WHERE conversation_id = $1 ORDER BY seq", &[&conversation.as_str()])
    }

    fn log_after(
        &self,
        conversation: &ConversationId,
        after: Seq,
    ) -> Result<Vec<(ConversationEvent, Option<ClientMsgId>)>> {
        self.events(
            "WHERE conversation_id = $1 AND seq > $2 ORDER BY seq",
            &[&conversation.as_str(), &(after.0 as i64)],
        )
    }

    fn events_after(&self, conversation: &ConversationId, after: Seq, limit: usize) -> Result<Vec<ConversationEvent>> {
        let mut events = self.events(
            "WHERE conversation_id = $1 AND seq > $2 ORDER BY seq DESC LIMIT $3",
            &[&conversation.as_str(), &(after.0 as i64), &(limit as i64)],
        )?;
        events.reverse();
        Ok(events.into_iter().map(|(e, _)| e).collect())
    }

    fn events_before(&self, conversation: &ConversationId, before: Seq, limit: u32) -> Result<Vec<ConversationEvent>> {
        let mut events = self.events(
            "WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3",
            &[&conversation.as_str(), &(before.0 as i64), &i64::from(limit)],
        )?;
        events.reverse();
        Ok(events.into_iter().map(|(e, _)| e).collect())
    }

    fn identify(&self, conversation: &ConversationId, name: Option<&str>, email: Option<&str>) -> Result<()> {
        self.execute(
            "UPDATE conversations SET visitor_name = COALESCE($2, visitor_name),
                 visitor_email = COALESCE($3, visitor_email) WHERE id = $1",
            &[&conversation.as_str(), &name, &email],
        )?;
        Ok(())
    }

    fn delete_conversation(&self, conversation: &ConversationId) -> Result<()> {
        self.block(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            for table in ["notes", "events", "receipt_marks", "email_marks"] {
                tx.execute(
                    &format!("DELETE FROM {table} WHERE conversation_id = $1"),
                    &[&conversation.as_str()],
                )
                .await?;
            }
            tx.execute("DELETE FROM timers WHERE key = $1", &[&conversation.as_str()])
                .await?;
            tx.execute("DELETE FROM conversations WHERE id = $1", &[&conversation.as_str()])
                .await?;
            Ok(tx.commit().await?)
        })
    }

    fn visitor_email(&self, conversation: &ConversationId) -> Result<Option<String>> {
        let rows = self.query(
            "SELECT visitor_email FROM conversations WHERE id = $1",
            &[&conversation.as_str()],
        )?;
        Ok(rows.first().map(|r| r.try_get(0)).transpose()?.flatten())
    }

    fn set_country(&self, conversation: &ConversationId, country: &Country) -> Result<()> {
        self.execute(
            "UPDATE conversations SET country = $2, country_hint = $3 WHERE id = $1",
            &[&conversation.as_str(), &country.code, &country.hint],
        )?;
        Ok(())
    }

    // ---- notes and shortcuts ----

    fn add_note(&self, conversation: &ConversationId, client_msg_id: &ClientMsgId, note: &Note) -> Result<Note> {
        let author = serde_json::to_string(&note.author)?;
        self.execute(
            "INSERT INTO notes (id, conversation_id, client_msg_id, author, text, at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (conversation_id, client_msg_id) DO NOTHING",
            &[
                &note.id,
                &conversation.as_str(),
                &client_msg_id.as_str(),
                &author,
                &note.text,
                &(note.at.0 as i64),
            ],
        )?;
        let rows = self.query(
            "SELECT id, author, text, at FROM notes WHERE conversation_id = $1 AND client_msg_id = $2",
            &[&conversation.as_str(), &client_msg_id.as_str()],
        )?;
        let row = rows
            .first()
            .ok_or_else(|| StoreError::Backend("the note was not stored".into()))?;
        note_row(row)
    }

    fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>> {
        self.query(
            "SELECT id, author, text, at FROM notes WHERE conversation_id = $1 ORDER BY at, id COLLATE \"C\"",
            &[&conversation.as_str()],
        )?
        .iter()
        .map(note_row)
        .collect()
    }

    fn shortcuts(&self, operator: &OperatorId) -> Result<Vec<Shortcut>> {
        self.query(
            "SELECT id, trigger, text FROM shortcuts WHERE operator_id = $1 ORDER BY trigger COLLATE \"C\"",
            &[&operator.as_str()],
        )?
        .iter()
        .map(|r| shortcut_row(r, ShortcutScope::Mine))
        .collect()
    }

    /// A trigger is unique per operator (`Duplicate`); `false` if the id is
    /// someone else's.
    fn save_shortcut(&self, operator: &OperatorId, shortcut: &Shortcut) -> Result<bool> {
        let changed = self.execute(
            "INSERT INTO shortcuts (id, operator_id, trigger, text) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET trigger = EXCLUDED.trigger, text = EXCLUDED.text
                 WHERE shortcuts.operator_id = EXCLUDED.operator_id",
            &[&shortcut.id.0, &operator.as_str(), &shortcut.trigger, &shortcut.text],
        )?;
        Ok(changed > 0)
    }

    fn delete_shortcut(&self, operator: &OperatorId, id: &ShortcutId) -> Result<bool> {
        let changed = self.execute(
            "DELETE FROM shortcuts WHERE id = $1 AND operator_id = $2",
            &[&id.0, &operator.as_str()],
        )?;
        Ok(changed > 0)
    }

    fn health(&self) -> Result<()> {
        self.ping()
    }

    fn backend(&self) -> &'static str {
        "postgres"
    }
}

/// A saved reply from its `id, trigger, text` columns (personal and team
/// replies are stored alike, in two tables).
pub(super) fn shortcut_row(r: &tokio_postgres::Row, scope: ShortcutScope) -> Result<Shortcut> {
    Ok(Shortcut {
        id: ShortcutId(r.try_get(0)?),
        trigger: r.try_get(1)?,
        text: r.try_get(2)?,
        scope,
    })
}

/// The columns [`conversation_row`] reads, in its order.
const CONVERSATION_COLUMNS: &str = "id, bot_id, token_hash, created_at, visitor_name, country, country_hint";

fn conversation_row(r: &tokio_postgres::Row) -> Result<ConversationRow> {
    Ok(ConversationRow {
        id: ConversationId(r.try_get(0)?),
        bot: BotId(r.try_get(1)?),
        token_hash: r.try_get(2)?,
        created_at: Timestamp(r.try_get::<_, i64>(3)? as u64),
        visitor_name: r.try_get(4)?,
        country: match r.try_get::<_, Option<String>>(5)? {
            Some(code) => Some(Country {
                code,
                hint: r.try_get(6)?,
            }),
            None => None,
        },
    })
}
