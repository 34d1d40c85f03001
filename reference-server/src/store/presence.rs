//! Which operators have an inbox open, shared by the server processes of
//! one database (issue 13). Each process keeps a heartbeat row
//! (`processes`) and, per operator, how many of their inbox sockets it
//! holds (`operator_inboxes`). A process counts only while its heartbeat is
//! recent: one killed with SIGKILL stops counting when its beat is older
//! than the reader's cut-off, and the next sweep forgets its rows. The hub
//! (`hub/shared_team.rs`) writes and reads these; both stores and the
//! memory store implement [`PresenceStore`], and the conformance suite
//! covers it.
//!
//! Times are the processes' own clocks (`clock::now`), so the hosts'
//! clocks must agree to well within the expiry (NTP does).

use super::Result;
use super::memory::MemoryStore;
use super::sqlite::SqliteStore;
use baton_protocol::{OperatorId, Timestamp};
use rusqlite::params;
use std::collections::{BTreeMap, HashMap};

/// The schema, appended to `sqlite::MIGRATIONS`.
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE processes (
        id           TEXT PRIMARY KEY,
        heartbeat_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE operator_inboxes (
        process_id  TEXT NOT NULL,
        operator_id TEXT NOT NULL,
        inboxes     INTEGER NOT NULL,
        PRIMARY KEY (process_id, operator_id)
    ) WITHOUT ROWID;
"#;

pub trait PresenceStore {
    /// `process` is alive at `now`. `Ok(false)` when it had no row (its
    /// first beat, or it was swept as dead): its inbox rows may be gone,
    /// so it writes them all again.
    fn beat(&self, process: &str, now: Timestamp) -> Result<bool>;
    /// `process` holds `inboxes` sockets of `operator`'s inbox (0: none,
    /// and the row goes).
    fn set_inboxes(&self, process: &str, operator: &OperatorId, inboxes: u32) -> Result<()>;
    /// Per operator, the inboxes held by processes other than `except`
    /// whose heartbeat is at or after `alive_since`; operators with none
    /// are absent.
    fn inboxes_elsewhere(&self, except: &str, alive_since: Timestamp) -> Result<Vec<(OperatorId, u32)>>;
    /// The processes whose heartbeat is at or after `alive_since`.
    fn live_processes(&self, alive_since: Timestamp) -> Result<Vec<String>>;
    /// Forgets the processes whose heartbeat is older than `alive_since`,
    /// with their inbox rows (and rows of no process); how many went.
    fn sweep_processes(&self, alive_since: Timestamp) -> Result<usize>;
}

/// The statements of [`PresenceStore::sweep_processes`], in order: rows of
/// dead or unknown processes first, then the processes.
pub(super) const SWEEP: [&str; 2] = [
    "DELETE FROM operator_inboxes WHERE process_id NOT IN
         (SELECT id FROM processes WHERE heartbeat_at >= $1)",
    "DELETE FROM processes WHERE heartbeat_at < $1",
];

/// [`PresenceStore::live_processes`]'s query.
pub(super) const LIVE: &str = "SELECT id FROM processes WHERE heartbeat_at >= $1 ORDER BY id";

/// [`PresenceStore::inboxes_elsewhere`]'s query.
pub(super) const ELSEWHERE: &str = "SELECT i.operator_id, SUM(i.inboxes) FROM operator_inboxes i
     JOIN processes p ON p.id = i.process_id
     WHERE i.process_id <> $1 AND p.heartbeat_at >= $2 AND i.inboxes > 0
     GROUP BY i.operator_id ORDER BY i.operator_id";

impl PresenceStore for SqliteStore {
    fn beat(&self, process: &str, now: Timestamp) -> Result<bool> {
        let conn = self.conn();
        let known = conn.execute(
            "UPDATE processes SET heartbeat_at = ?2 WHERE id = ?1",
            params![process, now.0 as i64],
        )? > 0;
        if !known {
            conn.execute(
                "INSERT INTO processes (id, heartbeat_at) VALUES (?1, ?2)",
                params![process, now.0 as i64],
            )?;
        }
        Ok(known)
    }

    fn set_inboxes(&self, process: &str, operator: &OperatorId, inboxes: u32) -> Result<()> {
        let conn = self.conn();
        if inboxes == 0 {
            conn.execute(
                "DELETE FROM operator_inboxes WHERE process_id = ?1 AND operator_id = ?2",
                params![process, operator.as_str()],
            )?;
        } else {
            conn.execute(
                "INSERT INTO operator_inboxes (process_id, operator_id, inboxes) VALUES (?1, ?2, ?3)
                 ON CONFLICT (process_id, operator_id) DO UPDATE SET inboxes = ?3",
                params![process, operator.as_str(), inboxes],
            )?;
        }
        Ok(())
    }

    fn inboxes_elsewhere(&self, except: &str, alive_since: Timestamp) -> Result<Vec<(OperatorId, u32)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(ELSEWHERE)?;
        let rows = stmt.query_map(params![except, alive_since.0 as i64], |r| {
            Ok((OperatorId(r.get(0)?), r.get::<_, i64>(1)? as u32))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn live_processes(&self, alive_since: Timestamp) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(LIVE)?;
        let rows = stmt.query_map([alive_since.0 as i64], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn sweep_processes(&self, alive_since: Timestamp) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(SWEEP[0], [alive_since.0 as i64])?;
        let gone = tx.execute(SWEEP[1], [alive_since.0 as i64])?;
        tx.commit()?;
        Ok(gone)
    }
}

/// The memory store's rows.
#[derive(Debug, Default)]
pub(super) struct MemoryPresence {
    processes: HashMap<String, Timestamp>,
    inboxes: BTreeMap<(String, OperatorId), u32>,
}

impl PresenceStore for MemoryStore {
    fn beat(&self, process: &str, now: Timestamp) -> Result<bool> {
        let mut p = self.presence.lock().unwrap_or_else(|e| e.into_inner());
        Ok(p.processes.insert(process.to_owned(), now).is_some())
    }

    fn set_inboxes(&self, process: &str, operator: &OperatorId, inboxes: u32) -> Result<()> {
        let mut p = self.presence.lock().unwrap_or_else(|e| e.into_inner());
        let key = (process.to_owned(), operator.clone());
        if inboxes == 0 {
            p.inboxes.remove(&key);
        } else {
            p.inboxes.insert(key, inboxes);
        }
        Ok(())
    }

    fn inboxes_elsewhere(&self, except: &str, alive_since: Timestamp) -> Result<Vec<(OperatorId, u32)>> {
        let p = self.presence.lock().unwrap_or_else(|e| e.into_inner());
        let mut sums: BTreeMap<OperatorId, u32> = BTreeMap::new();
        for ((process, operator), n) in &p.inboxes {
            let alive = p.processes.get(process).is_some_and(|at| *at >= alive_since);
            if process != except && alive && *n > 0 {
                *sums.entry(operator.clone()).or_default() += n;
            }
        }
        Ok(sums.into_iter().collect())
    }

    fn live_processes(&self, alive_since: Timestamp) -> Result<Vec<String>> {
        let p = self.presence.lock().unwrap_or_else(|e| e.into_inner());
        let mut live: Vec<String> = p
            .processes
            .iter()
            .filter(|(_, at)| **at >= alive_since)
            .map(|(id, _)| id.clone())
            .collect();
        live.sort();
        Ok(live)
    }

    fn sweep_processes(&self, alive_since: Timestamp) -> Result<usize> {
        let mut p = self.presence.lock().unwrap_or_else(|e| e.into_inner());
        let before = p.processes.len();
        p.processes.retain(|_, at| *at >= alive_since);
        let MemoryPresence { processes, inboxes } = &mut *p;
        inboxes.retain(|(process, _), _| processes.contains_key(process));
        Ok(before - processes.len())
    }
}
