//! Team-wide saved replies in storage. Personal ones stay where they were
//! (`shortcuts`, one row per operator's reply); team ones get their own
//! table, so the migration adds a table and touches no existing row, and
//! each list keeps its own uniqueness rule (a trigger once per operator,
//! and once in the team). Both stores implement [`TeamShortcutStore`]; the
//! conformance suite covers it.

use super::memory::MemoryStore;
use super::sqlite::SqliteStore;
use super::{Result, StoreError};
use baton_protocol::OperatorId;
use baton_protocol::operator::{Shortcut, ShortcutId, ShortcutScope};
use rusqlite::params;

/// The schema, appended to `sqlite::MIGRATIONS`.
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE team_shortcuts (
        id         TEXT PRIMARY KEY,
        trigger    TEXT NOT NULL UNIQUE,
        text       TEXT NOT NULL,
        -- The admin who last wrote it (informative).
        written_by TEXT NOT NULL REFERENCES operators(id)
    );
"#;

pub trait TeamShortcutStore {
    /// Every team reply, by trigger, with `scope: team`.
    fn team_shortcuts(&self) -> Result<Vec<Shortcut>>;
    /// Creates or edits a team reply; `Ok(false)` if the id is not a team
    /// reply's, `Err(Duplicate)` if another team reply has the trigger.
    fn save_team_shortcut(&self, by: &OperatorId, shortcut: &Shortcut) -> Result<bool>;
    fn delete_team_shortcut(&self, id: &ShortcutId) -> Result<bool>;
    /// Whether `id` names a team reply.
    fn is_team_shortcut(&self, id: &ShortcutId) -> Result<bool>;
}

impl TeamShortcutStore for SqliteStore {
    fn team_shortcuts(&self) -> Result<Vec<Shortcut>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT id, trigger, text FROM team_shortcuts ORDER BY trigger")?;
        let rows = stmt.query_map([], |r| {
            Ok(Shortcut {
                id: ShortcutId(r.get(0)?),
                trigger: r.get(1)?,
                text: r.get(2)?,
                scope: ShortcutScope::Team,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn save_team_shortcut(&self, by: &OperatorId, shortcut: &Shortcut) -> Result<bool> {
        let conn = self.conn();
        // An id of someone's personal reply is not a team reply's to edit.
        let personal: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM shortcuts WHERE id = ?1)",
            [&shortcut.id.0],
            |r| r.get(0),
        )?;
        if personal {
            return Ok(false);
        }
        let changed = conn.execute(
            "INSERT INTO team_shortcuts (id, trigger, text, written_by) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET trigger = ?2, text = ?3, written_by = ?4",
            params![shortcut.id.0, shortcut.trigger, shortcut.text, by.as_str()],
        );
        match changed {
            Ok(changed) => Ok(changed > 0),
            Err(e) if super::sqlite_error::is_constraint(&e) => Err(StoreError::Duplicate),
            Err(e) => Err(e.into()),
        }
    }

    fn delete_team_shortcut(&self, id: &ShortcutId) -> Result<bool> {
        Ok(self
            .conn()
            .execute("DELETE FROM team_shortcuts WHERE id = ?1", [&id.0])?
            > 0)
    }

    fn is_team_shortcut(&self, id: &ShortcutId) -> Result<bool> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM team_shortcuts WHERE id = ?1)",
            [&id.0],
            |r| r.get(0),
        )?)
    }
}

impl TeamShortcutStore for MemoryStore {
    fn team_shortcuts(&self) -> Result<Vec<Shortcut>> {
        let mut all: Vec<Shortcut> = self.data().team_shortcuts.values().cloned().collect();
        all.sort_by(|a, b| a.trigger.cmp(&b.trigger));
        Ok(all)
    }

    fn save_team_shortcut(&self, _by: &OperatorId, shortcut: &Shortcut) -> Result<bool> {
        let mut data = self.data();
        if data.is_personal_shortcut(&shortcut.id) {
            return Ok(false);
        }
        let clash = data
            .team_shortcuts
            .values()
            .any(|s| s.trigger == shortcut.trigger && s.id != shortcut.id);
        if clash {
            return Err(StoreError::Duplicate);
        }
        let stored = Shortcut {
            scope: ShortcutScope::Team,
            ..shortcut.clone()
        };
        data.team_shortcuts.insert(shortcut.id.clone(), stored);
        Ok(true)
    }

    fn delete_team_shortcut(&self, id: &ShortcutId) -> Result<bool> {
        Ok(self.data().team_shortcuts.remove(id).is_some())
    }

    fn is_team_shortcut(&self, id: &ShortcutId) -> Result<bool> {
        Ok(self.data().team_shortcuts.contains_key(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// Saved replies stored before team replies existed are still there,
    /// still personal, after the migration.
    #[test]
    fn personal_replies_survive_the_migration() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.sqlite3");
        {
            let conn = super::super::sqlite::database_before(&path, |sql| sql.contains("CREATE TABLE team_shortcuts"));
            conn.execute_batch(
                "INSERT INTO operators (id, email, name, password_hash, role) VALUES ('op-old', 'o@x', 'Old', 'h', 'agent');
                 INSERT INTO shortcuts (id, operator_id, trigger, text) VALUES ('s-old', 'op-old', 'hi', 'Hello!');",
            )
            .expect("old rows");
        }
        let store = SqliteStore::open(&path).expect("migrate");
        let mine = store.shortcuts(&OperatorId("op-old".into())).expect("list");
        assert_eq!(mine.len(), 1);
        assert_eq!((mine[0].trigger.as_str(), mine[0].scope), ("hi", ShortcutScope::Mine));
        assert!(store.team_shortcuts().expect("team").is_empty());
        // The old reply's id cannot be taken over as a team reply.
        let hijack = Shortcut {
            scope: ShortcutScope::Team,
            ..mine[0].clone()
        };
        assert!(
            !store
                .save_team_shortcut(&OperatorId("op-old".into()), &hijack)
                .expect("save")
        );
    }
}
