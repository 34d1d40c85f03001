//! Receipt marks in storage (PROTOCOL.md §4.1: they persist). Each
//! conversation keeps the visitor's marks (what the visitor's device has
//! stored and shown) and the team's; the store writer (`hub::writer`)
//! saves them in the commit that publishes them, and the hub puts them
//! back into each conversation's core at start. Both stores implement
//! [`MarksStore`]; the conformance suite covers it.

use super::Result;
use super::memory::MemoryStore;
use super::sqlite::SqliteStore;
use baton_protocol::receipts::ReceiptMarks;
use baton_protocol::{ConversationId, Seq};
use rusqlite::params;

/// The schema, appended to `sqlite::MIGRATIONS`.
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE receipt_marks (
        conversation_id   TEXT PRIMARY KEY REFERENCES conversations(id),
        visitor_delivered INTEGER NOT NULL,
        visitor_read      INTEGER NOT NULL,
        team_delivered    INTEGER NOT NULL,
        team_read         INTEGER NOT NULL
    ) WITHOUT ROWID;
"#;

/// A conversation's marks: the visitor's, then the team's.
pub type Marks = (ReceiptMarks, ReceiptMarks);

pub trait MarksStore {
    /// Saves each conversation's marks as they stand now (one transaction).
    fn save_marks(&self, marks: &[(&ConversationId, Marks)]) -> Result<()>;
    /// Every conversation's saved marks.
    fn all_marks(&self) -> Result<Vec<(ConversationId, Marks)>>;
}

impl MarksStore for SqliteStore {
    fn save_marks(&self, marks: &[(&ConversationId, Marks)]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO receipt_marks (conversation_id, visitor_delivered, visitor_read, team_delivered, team_read)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (conversation_id) DO UPDATE SET visitor_delivered = ?2, visitor_read = ?3,
                    team_delivered = ?4, team_read = ?5",
            )?;
            for (conversation, (visitor, team)) in marks {
                upsert.execute(params![
                    conversation.as_str(),
                    visitor.delivered.0 as i64,
                    visitor.read.0 as i64,
                    team.delivered.0 as i64,
                    team.read.0 as i64
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn all_marks(&self) -> Result<Vec<(ConversationId, Marks)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT conversation_id, visitor_delivered, visitor_read, team_delivered, team_read FROM receipt_marks",
        )?;
        let seq = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<Seq> { Ok(Seq(r.get::<_, i64>(i)? as u64)) };
        let rows = stmt.query_map([], |r| {
            Ok((
                ConversationId(r.get(0)?),
                (
                    ReceiptMarks {
                        delivered: seq(r, 1)?,
                        read: seq(r, 2)?,
                    },
                    ReceiptMarks {
                        delivered: seq(r, 3)?,
                        read: seq(r, 4)?,
                    },
                ),
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl MarksStore for MemoryStore {
    fn save_marks(&self, marks: &[(&ConversationId, Marks)]) -> Result<()> {
        let mut saved = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        for (conversation, m) in marks {
            saved.insert((*conversation).clone(), *m);
        }
        Ok(())
    }

    fn all_marks(&self) -> Result<Vec<(ConversationId, Marks)>> {
        let saved = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        Ok(saved.iter().map(|(c, m)| (c.clone(), *m)).collect())
    }
}
