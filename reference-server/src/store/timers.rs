//! Timers as data: a response window that must lapse is a row, not a
//! sleep in one process's memory, so that if the process that armed it
//! dies, another fires it (issue 13).
//!
//! A timer is `(kind, key)` — e.g. `("window", conversation id)` — with the
//! time it is due. Arming again replaces the due time (one timer per kind
//! and key). A process fires a due timer only after *claiming* it: the
//! claim writes the process's name and a lease (`claimed_until`), and no
//! other process can claim the row until the lease has passed. Firing ends
//! with [`TimerStore::complete_timer`], which deletes the row if this
//! process still holds the claim and the timer was not re-armed meanwhile.
//! A process that dies between claim and completion leaves a row whose
//! lease runs out, and the next claimer fires it again: at least once,
//! which is safe because firing is an input to the conversation's core,
//! and the core turns a second `Timeout` into nothing.
//!
//! On PostgreSQL the claim is one `UPDATE … RETURNING` over rows picked
//! `FOR UPDATE SKIP LOCKED` (`postgres/timers.rs`), so processes claiming
//! at once never wait on each other nor get the same row. SQLite runs one
//! statement at a time on a database, which gives the same guarantee.

use super::Result;
use super::memory::MemoryStore;
use super::sqlite::SqliteStore;
use baton_protocol::Timestamp;
use rusqlite::params;

/// The schema, appended to `sqlite::MIGRATIONS`.
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE timers (
        kind          TEXT NOT NULL,
        key           TEXT NOT NULL,
        due_at        INTEGER NOT NULL,
        claimed_by    TEXT,
        claimed_until INTEGER,
        PRIMARY KEY (kind, key)
    ) WITHOUT ROWID;
    CREATE INDEX timers_due ON timers (due_at);
"#;

/// The response window of a help request (key: the conversation).
pub const WINDOW: &str = "window";

/// A request nobody claimed by half its window, sent to the outside
/// channels (webhooks, Slack, email) once (key: the conversation).
pub const UNCLAIMED: &str = "unclaimed";

/// An Available operator idle long enough becomes Away (auto-away; key:
/// the operator). Armed with [`TimerStore::arm_timer_later`]: each process
/// pushes it past the activity it saw, none pulls it earlier.
pub const AWAY: &str = "away";

/// A stored timer: what it is for, and when it is due.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Timer {
    pub kind: String,
    pub key: String,
    pub due_at: Timestamp,
}

impl Timer {
    pub fn new(kind: &str, key: &str, due_at: Timestamp) -> Timer {
        Timer {
            kind: kind.to_owned(),
            key: key.to_owned(),
            due_at,
        }
    }
}

pub trait TimerStore {
    /// Stores the timer, replacing the one of the same kind and key. Arming
    /// again with the same due time changes nothing (a claim on it stands);
    /// a new due time drops any claim.
    fn arm_timer(&self, timer: &Timer) -> Result<()>;
    /// Stores the timer unless the one of the same kind and key is due
    /// later (then nothing changes); a later due time drops any claim.
    fn arm_timer_later(&self, timer: &Timer) -> Result<()>;
    /// Removes the timer of this kind and key, if any.
    fn cancel_timer(&self, kind: &str, key: &str) -> Result<()>;
    /// Claims up to `limit` timers due at `now` (earliest first) that no
    /// one holds a lease on at `now`, for `process` until `lease_until`.
    /// Two claimers never get the same timer while its lease runs.
    fn claim_due_timers(
        &self,
        now: Timestamp,
        process: &str,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<Timer>>;
    /// Deletes a fired timer, if `process` still holds the claim and it
    /// was not re-armed meanwhile; whether it did.
    fn complete_timer(&self, timer: &Timer, process: &str) -> Result<bool>;
}

/// Timestamps are stored as signed 64-bit integers.
fn millis(at: Timestamp) -> i64 {
    i64::try_from(at.0).unwrap_or(i64::MAX)
}

/// [`TimerStore::arm_timer`] on SQLite, on a connection or inside a
/// transaction (the store writer's commit arms a request's window with it).
pub(super) fn arm_in(conn: &rusqlite::Connection, timer: &Timer) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO timers (kind, key, due_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (kind, key) DO UPDATE
             SET due_at = excluded.due_at, claimed_by = NULL, claimed_until = NULL
             WHERE timers.due_at <> excluded.due_at",
    )?
    .execute(params![timer.kind, timer.key, millis(timer.due_at)])?;
    Ok(())
}

impl TimerStore for SqliteStore {
    fn arm_timer(&self, timer: &Timer) -> Result<()> {
        arm_in(&self.conn(), timer)
    }

    fn arm_timer_later(&self, timer: &Timer) -> Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO timers (kind, key, due_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (kind, key) DO UPDATE
                     SET due_at = excluded.due_at, claimed_by = NULL, claimed_until = NULL
                     WHERE timers.due_at < excluded.due_at",
            )?
            .execute(params![timer.kind, timer.key, millis(timer.due_at)])?;
        Ok(())
    }

    fn cancel_timer(&self, kind: &str, key: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM timers WHERE kind = ?1 AND key = ?2", params![kind, key])?;
        Ok(())
    }

    fn claim_due_timers(
        &self,
        now: Timestamp,
        process: &str,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<Timer>> {
        // One statement: SQLite runs it alone on the database, so two
        // claimers (threads or processes) never both see a row free.
        let conn = self.conn();
        let mut claim = conn.prepare_cached(
            "UPDATE timers SET claimed_by = ?2, claimed_until = ?3
             WHERE (kind, key) IN (
                 SELECT kind, key FROM timers
                 WHERE due_at <= ?1 AND (claimed_until IS NULL OR claimed_until <= ?1)
                 ORDER BY due_at LIMIT ?4)
             RETURNING kind, key, due_at",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = claim.query_map(params![millis(now), process, millis(lease_until), limit], |r| {
            Ok(Timer {
                kind: r.get(0)?,
                key: r.get(1)?,
                due_at: Timestamp(r.get::<_, i64>(2)? as u64),
            })
        })?;
        let mut claimed = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        claimed.sort_by_key(|t| t.due_at);
        Ok(claimed)
    }

    fn complete_timer(&self, timer: &Timer, process: &str) -> Result<bool> {
        let deleted = self.conn().execute(
            "DELETE FROM timers WHERE kind = ?1 AND key = ?2 AND due_at = ?3 AND claimed_by = ?4",
            params![timer.kind, timer.key, millis(timer.due_at), process],
        )?;
        Ok(deleted > 0)
    }
}

/// A timer in the memory store: when due, and who holds it until when.
#[derive(Debug)]
pub(super) struct Held {
    due_at: Timestamp,
    claim: Option<(String, Timestamp)>,
}

impl TimerStore for MemoryStore {
    fn arm_timer(&self, timer: &Timer) -> Result<()> {
        let mut timers = self.timers.lock().unwrap_or_else(|e| e.into_inner());
        let key = (timer.kind.clone(), timer.key.clone());
        match timers.get_mut(&key) {
            Some(held) if held.due_at == timer.due_at => {}
            _ => {
                timers.insert(
                    key,
                    Held {
                        due_at: timer.due_at,
                        claim: None,
                    },
                );
            }
        }
        Ok(())
    }

    fn arm_timer_later(&self, timer: &Timer) -> Result<()> {
        let later = {
            let timers = self.timers.lock().unwrap_or_else(|e| e.into_inner());
            timers
                .get(&(timer.kind.clone(), timer.key.clone()))
                .is_some_and(|held| held.due_at >= timer.due_at)
        };
        if later {
            return Ok(());
        }
        self.arm_timer(timer)
    }

    fn cancel_timer(&self, kind: &str, key: &str) -> Result<()> {
        let mut timers = self.timers.lock().unwrap_or_else(|e| e.into_inner());
        timers.remove(&(kind.to_owned(), key.to_owned()));
        Ok(())
    }

    fn claim_due_timers(
        &self,
        now: Timestamp,
        process: &str,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<Timer>> {
        let mut timers = self.timers.lock().unwrap_or_else(|e| e.into_inner());
        let mut due: Vec<_> = timers
            .iter_mut()
            .filter(|(_, held)| held.due_at <= now && held.claim.as_ref().is_none_or(|(_, until)| *until <= now))
            .collect();
        due.sort_by_key(|(_, held)| held.due_at);
        Ok(due
            .into_iter()
            .take(limit)
            .map(|((kind, key), held)| {
                held.claim = Some((process.to_owned(), lease_until));
                Timer::new(kind, key, held.due_at)
            })
            .collect())
    }

    fn complete_timer(&self, timer: &Timer, process: &str) -> Result<bool> {
        let mut timers = self.timers.lock().unwrap_or_else(|e| e.into_inner());
        let key = (timer.kind.clone(), timer.key.clone());
        let ours = timers.get(&key).is_some_and(|held| {
            held.due_at == timer.due_at && held.claim.as_ref().is_some_and(|(by, _)| by == process)
        });
        if ours {
            timers.remove(&key);
        }
        Ok(ours)
    }
}
