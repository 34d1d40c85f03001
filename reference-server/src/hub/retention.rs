//! Retention: resolved conversations are deleted once they have been quiet
//! for the configured period (`[retention] resolved_days`). Which ones are
//! due is `baton_protocol::retention::due`; this performs it.
//!
//! Deleted, not anonymised: a resolved chat's value is its text, and text
//! cannot be reliably scrubbed of what visitors typed about themselves.
//! After deletion the visitor's token resumes its id as a new, empty
//! conversation (the id is derived from the token, `auth::conversation_id_for`).

use super::*;
use baton_protocol::retention;
use std::time::Duration;

/// How often the retention sweep runs (and once at start).
pub const SWEEP_EVERY: Duration = Duration::from_secs(3600);

impl Hub {
    /// Deletes every resolved conversation quiet for at least `keep` at
    /// `now`; returns how many. Runs under the lock, so no input can reach
    /// a conversation while it is being deleted.
    pub fn apply_retention(&self, now: Timestamp, keep: Millis) -> usize {
        let mut live = self.lock();
        let due: Vec<ConversationId> = live
            .conversations
            .iter()
            .filter(|(_, c)| c.listed() && retention::due(c.core.handover().state(), c.last_activity, now, keep))
            .map(|(id, _)| id.clone())
            .collect();
        let mut deleted = 0;
        for id in due {
            if let Err(err) = self.store.delete_conversation(&id) {
                tracing::error!(%err, conversation = %id, "could not delete a conversation past retention");
                continue;
            }
            if let Some(gone) = live.conversations.remove(&id) {
                self.retired.retire(&id, gone.epoch + 1);
            }
            // A visitor still connected to it is let go (their socket
            // closes; their token resumes it as new).
            live.visitors.remove(&id);
            live.opened.retain(|_, open| open != &id);
            for rows in live.rows.values() {
                rows.forget(&id);
            }
            deleted += 1;
        }
        if deleted > 0 {
            tracing::info!(deleted, "deleted resolved conversations past retention");
        }
        deleted
    }

    /// Sweeps at once and then every `every` while the hub lives.
    pub fn start_retention(self: &Arc<Self>, keep: Millis, every: Duration) {
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            loop {
                ticks.tick().await;
                let Some(hub) = hub.upgrade() else { return };
                hub.apply_retention(now(), keep);
            }
        });
    }
}
