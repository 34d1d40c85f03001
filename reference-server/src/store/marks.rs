//! Marks that must survive a restart. Receipt marks (PROTOCOL.md §4.1:
//! they persist), and how far each visitor was emailed about unread
//! replies (so a restart neither loses a due email nor sends one twice).
//! Each
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
    CREATE TABLE email_marks (
        conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
        emailed_through INTEGER NOT NULL
    ) WITHOUT ROWID;
"#;

/// A conversation's marks: the visitor's, then the team's.
pub type Marks = (ReceiptMarks, ReceiptMarks);

pub trait MarksStore {
    /// Saves each conversation's marks (one transaction). Marks only move
    /// forward: each is kept at the greater of the stored and the given,
    /// so a process with an older view of one side cannot move it back.
    fn save_marks(&self, marks: &[(&ConversationId, Marks)]) -> Result<()>;
    /// Every conversation's saved marks.
    fn all_marks(&self) -> Result<Vec<(ConversationId, Marks)>>;
    /// One conversation's saved marks (another process moved them).
    fn marks_of(&self, conversation: &ConversationId) -> Result<Option<Marks>>;
    /// Claims the unread-reply email up to `through`: records it as sent
    /// unless that far was recorded already. True when this call moved the
    /// mark — the caller, and no other process, sends the email.
    fn claim_emailed(&self, conversation: &ConversationId, through: Seq) -> Result<bool>;
    /// Gives back a claim whose email could not be sent: the mark returns
    /// to `back_to` if it still stands at `through`, so the email is owed
    /// again (the next start sends it).
    fn release_emailed(&self, conversation: &ConversationId, through: Seq, back_to: Seq) -> Result<()>;
    /// How far each conversation's visitor was emailed.
    fn all_emailed(&self) -> Result<Vec<(ConversationId, Seq)>>;
}

impl MarksStore for SqliteStore {
    fn save_marks(&self, marks: &[(&ConversationId, Marks)]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO receipt_marks (conversation_id, visitor_delivered, visitor_read, team_delivered, team_read)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (conversation_id) DO UPDATE SET
                    visitor_delivered = max(visitor_delivered, ?2), visitor_read = max(visitor_read, ?3),
                    team_delivered = max(team_delivered, ?4), team_read = max(team_read, ?5)",
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
        self.marks_where("", None)
    }

    fn marks_of(&self, conversation: &ConversationId) -> Result<Option<Marks>> {
        let found = self.marks_where("WHERE conversation_id = ?1", Some(conversation))?;
        Ok(found.into_iter().next().map(|(_, marks)| marks))
    }

    fn claim_emailed(&self, conversation: &ConversationId, through: Seq) -> Result<bool> {
        let moved = self.conn().execute(
            "INSERT INTO email_marks (conversation_id, emailed_through) VALUES (?1, ?2)
             ON CONFLICT (conversation_id) DO UPDATE SET emailed_through = ?2 WHERE emailed_through < ?2",
            params![conversation.as_str(), through.0 as i64],
        )?;
        Ok(moved > 0)
    }

    fn release_emailed(&self, conversation: &ConversationId, through: Seq, back_to: Seq) -> Result<()> {
        self.conn().execute(
            "UPDATE email_marks SET emailed_through = ?3 WHERE conversation_id = ?1 AND emailed_through = ?2",
            params![conversation.as_str(), through.0 as i64, back_to.0 as i64],
        )?;
        Ok(())
    }

    fn all_emailed(&self) -> Result<Vec<(ConversationId, Seq)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare("SELECT conversation_id, emailed_through FROM email_marks")?;
        let rows = stmt.query_map([], |r| Ok((ConversationId(r.get(0)?), Seq(r.get::<_, i64>(1)? as u64))))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl SqliteStore {
    /// The saved marks of the rows `filter` picks (`?1`: `conversation`).
    fn marks_where(&self, filter: &str, conversation: Option<&ConversationId>) -> Result<Vec<(ConversationId, Marks)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT conversation_id, visitor_delivered, visitor_read, team_delivered, team_read FROM receipt_marks {filter}"
        ))?;
        let params: Vec<&str> = conversation.map(|c| c.as_str()).into_iter().collect();
        let seq = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<Seq> { Ok(Seq(r.get::<_, i64>(i)? as u64)) };
        let rows = stmt.query_map(rusqlite::params_from_iter(params), |r| {
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
        for (conversation, (visitor, team)) in marks {
            let (v, t) = saved.entry((*conversation).clone()).or_default();
            for (held, given) in [(v, visitor), (t, team)] {
                held.delivered = held.delivered.max(given.delivered);
                held.read = held.read.max(given.read);
            }
        }
        Ok(())
    }

    fn all_marks(&self) -> Result<Vec<(ConversationId, Marks)>> {
        let saved = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        Ok(saved.iter().map(|(c, m)| (c.clone(), *m)).collect())
    }

    fn marks_of(&self, conversation: &ConversationId) -> Result<Option<Marks>> {
        let saved = self.marks.lock().unwrap_or_else(|e| e.into_inner());
        Ok(saved.get(conversation).copied())
    }

    fn claim_emailed(&self, conversation: &ConversationId, through: Seq) -> Result<bool> {
        let mut emailed = self.emailed.lock().unwrap_or_else(|e| e.into_inner());
        match emailed.get(conversation) {
            Some(held) if *held >= through => Ok(false),
            _ => {
                emailed.insert(conversation.clone(), through);
                Ok(true)
            }
        }
    }

    fn release_emailed(&self, conversation: &ConversationId, through: Seq, back_to: Seq) -> Result<()> {
        let mut emailed = self.emailed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = emailed.get_mut(conversation).filter(|held| **held == through) {
            *held = back_to;
        }
        Ok(())
    }

    fn all_emailed(&self) -> Result<Vec<(ConversationId, Seq)>> {
        let emailed = self.emailed.lock().unwrap_or_else(|e| e.into_inner());
        Ok(emailed.iter().map(|(c, s)| (c.clone(), *s)).collect())
    }
}
