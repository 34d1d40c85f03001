//! An operator connection's list-row updates: not queued frame by frame
//! but kept as the latest state per conversation
//! (`baton_protocol::fanout::RowCoalescer`) and drained by the socket's
//! writer when it has room and the row's interval has passed. A burst of
//! changes therefore costs one row per conversation per `ROW_INTERVAL`,
//! never fills the bounded outbox, and never disconnects an operator whose
//! socket keeps reading.

use crate::clock::now;
use crate::outbox::Text;
use baton_protocol::ConversationId;
use baton_protocol::fanout::{ROW_INTERVAL, RowCoalescer};
use std::sync::Mutex;
use tokio::sync::Notify;

#[derive(Debug)]
pub struct RowQueue {
    rows: Mutex<RowCoalescer<ConversationId, Text>>,
    changed: Notify,
}

impl Default for RowQueue {
    fn default() -> Self {
        RowQueue {
            rows: Mutex::new(RowCoalescer::new(ROW_INTERVAL)),
            changed: Notify::new(),
        }
    }
}

impl RowQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, RowCoalescer<ConversationId, Text>> {
        self.rows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A conversation's row as it now stands (serialised `conversation`
    /// frame); replaces any older state of it still waiting.
    pub fn push(&self, conversation: ConversationId, row: Text) {
        self.lock().offer(conversation, row);
        self.changed.notify_one();
    }

    /// A fresher copy of the row went through the outbox: drop the waiting one.
    pub fn forget(&self, conversation: &ConversationId) {
        self.lock().forget(conversation);
    }

    /// Waits until some row may go, then takes every row that may.
    pub async fn due(&self) -> Vec<Text> {
        loop {
            // Armed before looking, so a push between the look and the wait
            // still wakes us.
            let changed = self.changed.notified();
            let next = {
                let mut rows = self.lock();
                let now = now();
                let due = rows.take_due(now);
                if !due.is_empty() {
                    return due;
                }
                rows.next_due().map(|at| at.0.saturating_sub(now.0))
            };
            match next {
                Some(wait) => {
                    tokio::select! {
                        _ = tokio::time::sleep(std::time::Duration::from_millis(wait.max(1))) => {}
                        _ = changed => {}
                    }
                }
                None => changed.await,
            }
        }
    }
}
