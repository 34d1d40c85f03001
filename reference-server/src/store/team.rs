//! Team management in storage: adding and editing operators, the bots each
//! one serves, passwords, deactivation, and ending an operator's sessions.
//! Both stores implement [`TeamStore`]; the conformance suite covers it.

use super::memory::MemoryStore;
use super::sqlite::{OPERATOR_COLUMNS, SqliteStore, enum_text, operator_row, write_operator};
use super::{OperatorRow, Result, Store, StoreError};
use baton_protocol::operator::{OperatorStatus, Role};
use baton_protocol::{BotId, OperatorId};
use rusqlite::{Connection, OptionalExtension, params};

/// What an edit changes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OperatorUpdate {
    pub name: Option<String>,
    pub role: Option<Role>,
    /// Replaces the whole list.
    pub bots: Option<Vec<BotId>>,
    /// `Some(None)` clears the colour (the bot's default shows again).
    pub colour: Option<Option<String>>,
}

pub trait TeamStore {
    /// Creates an operator, Offline, with exactly `op.bots`; `Err(Duplicate)`
    /// if the id or the email (whatever its case) is taken.
    fn add_operator(&self, op: &OperatorRow) -> Result<()>;
    fn operator(&self, id: &OperatorId) -> Result<Option<OperatorRow>>;
    /// `Ok(false)`: no such operator.
    fn update_operator(&self, id: &OperatorId, update: &OperatorUpdate) -> Result<bool>;
    /// `Ok(false)`: no such operator.
    fn set_password_hash(&self, id: &OperatorId, hash: &str) -> Result<bool>;
    /// `Ok(false)`: no such operator.
    fn set_operator_active(&self, id: &OperatorId, active: bool) -> Result<bool>;
    /// Ends every session of the operator except `keep` (the session of an
    /// operator changing their own password).
    fn delete_operator_sessions(&self, id: &OperatorId, keep: Option<&[u8]>) -> Result<()>;
    /// Operators stored before per-bot access existed served every bot: they
    /// are granted `bots` (the ones configured now), once.
    fn grant_pending_bots(&self, bots: &[BotId]) -> Result<()>;
}

/// `row` is the only active admin: demoting or deactivating them would
/// leave nobody who can manage the team.
pub fn is_last_active_admin(store: &dyn Store, row: &OperatorRow) -> Result<bool> {
    if !row.active || row.role != Role::Admin {
        return Ok(false);
    }
    let admins = store.operators()?;
    Ok(admins.iter().filter(|r| r.active && r.role == Role::Admin).count() <= 1)
}

/// Deactivates an operator in storage: inactive, Offline (where a
/// reactivated operator starts), every session ended. `Ok(false)`: no such
/// operator. The hub adds what is live (sockets, owned chats).
pub fn deactivate(store: &dyn Store, id: &OperatorId) -> Result<bool> {
    if !store.set_operator_active(id, false)? {
        return Ok(false);
    }
    store.set_operator_status(id, OperatorStatus::Offline)?;
    store.delete_operator_sessions(id, None)?;
    Ok(true)
}

// ------------------------------------------------------------------ SQLite

/// Sets an operator's bots to exactly `bots`.
pub(super) fn replace_bots(conn: &Connection, id: &OperatorId, bots: &[BotId]) -> Result<()> {
    conn.execute("DELETE FROM operator_bots WHERE operator_id = ?1", [id.as_str()])?;
    let mut insert =
        conn.prepare_cached("INSERT OR IGNORE INTO operator_bots (operator_id, bot_id) VALUES (?1, ?2)")?;
    for bot in bots {
        insert.execute(params![id.as_str(), bot.as_str()])?;
    }
    Ok(())
}

/// Reads the bots of each operator in `ops`, sorted by id.
pub(super) fn fill_bots(conn: &Connection, ops: &mut [OperatorRow]) -> Result<()> {
    let mut stmt = conn.prepare_cached("SELECT bot_id FROM operator_bots WHERE operator_id = ?1 ORDER BY bot_id")?;
    for op in ops {
        let bots = stmt.query_map([op.id.as_str()], |r| Ok(BotId(r.get(0)?)))?;
        op.bots = bots.collect::<rusqlite::Result<_>>()?;
    }
    Ok(())
}

impl TeamStore for SqliteStore {
    fn add_operator(&self, op: &OperatorRow) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // The schema's UNIQUE is case-sensitive; sign-in is not.
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM operators WHERE id = ?1 OR email = ?2 COLLATE NOCASE)",
            params![op.id.as_str(), op.email],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::Duplicate);
        }
        // A clash on the id or the email is `Duplicate` (`sqlite_error`).
        write_operator(&tx, op)?;
        tx.commit()?;
        Ok(())
    }

    fn operator(&self, id: &OperatorId) -> Result<Option<OperatorRow>> {
        let conn = self.conn();
        let row = conn
            .query_row(
                &format!("{OPERATOR_COLUMNS} WHERE id = ?1"),
                [id.as_str()],
                operator_row,
            )
            .optional()?;
        let mut ops: Vec<OperatorRow> = row.into_iter().collect();
        fill_bots(&conn, &mut ops)?;
        Ok(ops.pop())
    }

    fn update_operator(&self, id: &OperatorId, update: &OperatorUpdate) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let role = update.role.as_ref().map(enum_text).transpose()?;
        let changed = tx.execute(
            "UPDATE operators SET name = COALESCE(?2, name), role = COALESCE(?3, role),
                 colour = CASE WHEN ?4 THEN ?5 ELSE colour END
             WHERE id = ?1",
            params![
                id.as_str(),
                update.name,
                role,
                update.colour.is_some(),
                update.colour.clone().flatten()
            ],
        )?;
        if changed == 0 {
            return Ok(false);
        }
        if let Some(bots) = &update.bots {
            replace_bots(&tx, id, bots)?;
        }
        tx.commit()?;
        Ok(true)
    }

    fn set_password_hash(&self, id: &OperatorId, hash: &str) -> Result<bool> {
        let changed = self.conn().execute(
            "UPDATE operators SET password_hash = ?2 WHERE id = ?1",
            params![id.as_str(), hash],
        )?;
        Ok(changed > 0)
    }

    fn set_operator_active(&self, id: &OperatorId, active: bool) -> Result<bool> {
        let changed = self.conn().execute(
            "UPDATE operators SET active = ?2 WHERE id = ?1",
            params![id.as_str(), active],
        )?;
        Ok(changed > 0)
    }

    fn delete_operator_sessions(&self, id: &OperatorId, keep: Option<&[u8]>) -> Result<()> {
        self.conn().execute(
            "DELETE FROM sessions WHERE operator_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)",
            params![id.as_str(), keep],
        )?;
        Ok(())
    }

    fn grant_pending_bots(&self, bots: &[BotId]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for bot in bots {
            tx.execute(
                "INSERT OR IGNORE INTO operator_bots (operator_id, bot_id)
                 SELECT id, ?1 FROM operators WHERE all_bots_pending = 1",
                [bot.as_str()],
            )?;
        }
        tx.execute(
            "UPDATE operators SET all_bots_pending = 0 WHERE all_bots_pending = 1",
            [],
        )?;
        tx.commit()?;
        Ok(())
    }
}

// ------------------------------------------------------------------ memory

impl TeamStore for MemoryStore {
    fn add_operator(&self, op: &OperatorRow) -> Result<()> {
        let mut data = self.data();
        let taken = data.operators.contains_key(&op.id)
            || data.operators.values().any(|o| o.email.eq_ignore_ascii_case(&op.email));
        if taken {
            return Err(StoreError::Duplicate);
        }
        let mut op = op.clone();
        op.status = OperatorStatus::Offline;
        op.bots.sort();
        op.bots.dedup();
        data.operators.insert(op.id.clone(), op);
        Ok(())
    }

    fn operator(&self, id: &OperatorId) -> Result<Option<OperatorRow>> {
        Ok(self.data().operators.get(id).cloned())
    }

    fn update_operator(&self, id: &OperatorId, update: &OperatorUpdate) -> Result<bool> {
        let mut data = self.data();
        let Some(op) = data.operators.get_mut(id) else {
            return Ok(false);
        };
        if let Some(name) = &update.name {
            op.name = name.clone();
        }
        if let Some(role) = update.role {
            op.role = role;
        }
        if let Some(bots) = &update.bots {
            op.bots = bots.clone();
            op.bots.sort();
            op.bots.dedup();
        }
        if let Some(colour) = &update.colour {
            op.colour = colour.clone();
        }
        Ok(true)
    }

    fn set_password_hash(&self, id: &OperatorId, hash: &str) -> Result<bool> {
        Ok(self
            .data()
            .operators
            .get_mut(id)
            .map(|op| op.password_hash = hash.to_owned())
            .is_some())
    }

    fn set_operator_active(&self, id: &OperatorId, active: bool) -> Result<bool> {
        Ok(self.data().operators.get_mut(id).map(|op| op.active = active).is_some())
    }

    fn delete_operator_sessions(&self, id: &OperatorId, keep: Option<&[u8]>) -> Result<()> {
        self.data()
            .sessions
            .retain(|hash, (op, _)| op != id || keep == Some(hash.as_slice()));
        Ok(())
    }

    /// Nothing predates per-bot access in memory.
    fn grant_pending_bots(&self, _bots: &[BotId]) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An operator stored by the schema before per-bot access serves every
    /// bot configured at the first start after the upgrade, and only then.
    #[test]
    fn operators_from_before_per_bot_access_get_every_configured_bot() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.sqlite3");
        {
            let conn = super::super::sqlite::database_before(&path, |sql| sql.contains("CREATE TABLE operator_bots"));
            conn.execute(
                "INSERT INTO operators (id, email, name, password_hash, role) VALUES ('op-old', 'o@x', 'Old', 'h', 'agent')",
                [],
            )
            .expect("old operator");
        }
        let store = SqliteStore::open(&path).expect("migrate");
        let bots = [BotId("demo".into()), BotId("help".into())];
        store.grant_pending_bots(&bots).expect("grant");
        let old = store
            .operator(&OperatorId("op-old".into()))
            .expect("read")
            .expect("found");
        assert_eq!(old.bots, bots);
        assert!(old.active, "existing operators stay active");
        assert_eq!(old.status, OperatorStatus::Offline);
        // A later start with another bot grants nothing more: the grant is once.
        store.grant_pending_bots(&[BotId("new".into())]).expect("again");
        let old = store
            .operator(&OperatorId("op-old".into()))
            .expect("read")
            .expect("found");
        assert_eq!(old.bots, bots);
    }
}
