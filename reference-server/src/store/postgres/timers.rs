//! [`TimerStore`] on PostgreSQL (`store::timers` says what a claim is).
//! The claim picks its rows `FOR UPDATE SKIP LOCKED`: a row another
//! process is claiming right now is passed over, not waited for, and a row
//! it claimed a moment ago fails the lease test when PostgreSQL re-checks
//! the condition on the locked row's newest version. So concurrent
//! claimers split the due timers between them and never share one.

use super::PgStore;
use crate::store::{Result, Timer, TimerStore};
use baton_protocol::Timestamp;

pub(super) fn millis(at: Timestamp) -> i64 {
    i64::try_from(at.0).unwrap_or(i64::MAX)
}

/// Arms a timer: `(kind, key, due_at)`. Also run inside the store writer's
/// commit (`append.rs`), which stores a request's window with it.
pub(super) const ARM: &str = "INSERT INTO timers (kind, key, due_at) VALUES ($1, $2, $3)
     ON CONFLICT (kind, key) DO UPDATE
         SET due_at = EXCLUDED.due_at, claimed_by = NULL, claimed_until = NULL
         WHERE timers.due_at <> EXCLUDED.due_at";

impl TimerStore for PgStore {
    fn arm_timer(&self, timer: &Timer) -> Result<()> {
        self.execute(ARM, &[&timer.kind, &timer.key, &millis(timer.due_at)])?;
        Ok(())
    }

    fn arm_timer_later(&self, timer: &Timer) -> Result<()> {
        self.execute(
            "INSERT INTO timers (kind, key, due_at) VALUES ($1, $2, $3)
             ON CONFLICT (kind, key) DO UPDATE
                 SET due_at = EXCLUDED.due_at, claimed_by = NULL, claimed_until = NULL
                 WHERE timers.due_at < EXCLUDED.due_at",
            &[&timer.kind, &timer.key, &millis(timer.due_at)],
        )?;
        Ok(())
    }

    fn cancel_timer(&self, kind: &str, key: &str) -> Result<()> {
        self.execute("DELETE FROM timers WHERE kind = $1 AND key = $2", &[&kind, &key])?;
        Ok(())
    }

    fn claim_due_timers(
        &self,
        now: Timestamp,
        process: &str,
        lease_until: Timestamp,
        limit: usize,
    ) -> Result<Vec<Timer>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.query(
            "UPDATE timers SET claimed_by = $2, claimed_until = $3
             WHERE (kind, key) IN (
                 SELECT kind, key FROM timers
                 WHERE due_at <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
                 ORDER BY due_at LIMIT $4
                 FOR UPDATE SKIP LOCKED)
             RETURNING kind, key, due_at",
            &[&millis(now), &process, &millis(lease_until), &limit],
        )?;
        let mut claimed = rows
            .iter()
            .map(|r| {
                Ok(Timer {
                    kind: r.try_get(0)?,
                    key: r.try_get(1)?,
                    due_at: Timestamp(r.try_get::<_, i64>(2)? as u64),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        claimed.sort_by_key(|t| t.due_at);
        Ok(claimed)
    }

    fn complete_timer(&self, timer: &Timer, process: &str) -> Result<bool> {
        let deleted = self.execute(
            "DELETE FROM timers WHERE kind = $1 AND key = $2 AND due_at = $3 AND claimed_by = $4",
            &[&timer.kind, &timer.key, &millis(timer.due_at), &process],
        )?;
        Ok(deleted > 0)
    }
}
