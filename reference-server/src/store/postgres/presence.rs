//! [`PresenceStore`] on PostgreSQL: the same statements as SQLite's
//! (`store::presence`), where the dialects agree.

use super::PgStore;
use crate::store::presence::{ELSEWHERE, LIVE, SWEEP};
use crate::store::{PresenceStore, Result};
use baton_protocol::{OperatorId, Timestamp};

impl PresenceStore for PgStore {
    fn beat(&self, process: &str, now: Timestamp) -> Result<bool> {
        let at = now.0 as i64;
        let known = self.execute("UPDATE processes SET heartbeat_at = $2 WHERE id = $1", &[&process, &at])? > 0;
        if !known {
            self.execute(
                "INSERT INTO processes (id, heartbeat_at) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at",
                &[&process, &at],
            )?;
        }
        Ok(known)
    }

    fn set_inboxes(&self, process: &str, operator: &OperatorId, inboxes: u32) -> Result<()> {
        if inboxes == 0 {
            self.execute(
                "DELETE FROM operator_inboxes WHERE process_id = $1 AND operator_id = $2",
                &[&process, &operator.as_str()],
            )?;
        } else {
            self.execute(
                "INSERT INTO operator_inboxes (process_id, operator_id, inboxes) VALUES ($1, $2, $3)
                 ON CONFLICT (process_id, operator_id) DO UPDATE SET inboxes = EXCLUDED.inboxes",
                &[&process, &operator.as_str(), &(inboxes as i32)],
            )?;
        }
        Ok(())
    }

    fn inboxes_elsewhere(&self, except: &str, alive_since: Timestamp) -> Result<Vec<(OperatorId, u32)>> {
        self.query(ELSEWHERE, &[&except, &(alive_since.0 as i64)])?
            .iter()
            .map(|r| Ok((OperatorId(r.try_get(0)?), r.try_get::<_, i64>(1)? as u32)))
            .collect()
    }

    fn live_processes(&self, alive_since: Timestamp) -> Result<Vec<String>> {
        self.query(LIVE, &[&(alive_since.0 as i64)])?
            .iter()
            .map(|r| Ok(r.try_get(0)?))
            .collect()
    }

    fn sweep_processes(&self, alive_since: Timestamp) -> Result<usize> {
        let at = alive_since.0 as i64;
        self.block(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            tx.execute(SWEEP[0], &[&at]).await?;
            let gone = tx.execute(SWEEP[1], &[&at]).await?;
            tx.commit().await?;
            Ok(gone as usize)
        })
    }
}
