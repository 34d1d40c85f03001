//! The store writer's own books (`writer`): the `stored` marks it moved
//! and has yet to apply, and the epochs retired under it, by which it
//! judges a batch's stale jobs without the hub's lock.

use super::state::Live;
use super::writer::{Fate, Job};
use baton_protocol::{ConversationId, Seq};
use std::collections::HashMap;

/// What only the writer thread keeps between commits.
///
/// `stored`: the `stored` marks it moved since it last held the hub's lock.
/// The publisher moves them too, with each batch it publishes; the writer
/// applies its own the next time it takes the lock anyway (reading a
/// conversation back), or once [`APPLY_STORED_AT`] have gathered, rather
/// than taking the lock once more per commit. Only the writer thread reads
/// the marks it must be sure of, and it applies these first; `hinted` may
/// read an older one and ask for a sync that finds nothing.
///
/// `retired`: per conversation, the epoch below which its jobs are stale.
#[derive(Debug, Default)]
pub(super) struct WriterBook {
    pub(super) stored: Vec<(ConversationId, Seq)>,
    /// The bound, and whether it was learned while checking this batch.
    retired: HashMap<ConversationId, (u64, bool)>,
}

/// How many `stored` marks the writer gathers before it takes the lock to
/// apply them.
pub(super) const APPLY_STORED_AT: usize = 4096;

impl WriterBook {
    /// Each stored job's last seq.
    pub(super) fn note(&mut self, batch: &[Job], fates: &[Fate]) {
        for (job, fate) in batch.iter().zip(fates) {
            if let (Fate::Stored, Some(last)) = (fate, job.outcome.events.last()) {
                self.stored.push((job.conversation.clone(), last.seq));
            }
        }
    }

    /// Moves the conversations' marks (under the hub's lock).
    pub(super) fn apply(&mut self, live: &mut Live) {
        for (conversation, seq) in self.stored.drain(..) {
            if let Some(conv) = live.conversations.get_mut(&conversation) {
                conv.stored = conv.stored.max(seq);
            }
        }
    }

    pub(super) fn learn(&mut self, retired: Vec<(ConversationId, u64)>) {
        for (_, new) in self.retired.values_mut() {
            *new = false;
        }
        for (conversation, below) in retired {
            let (bound, new) = self.retired.entry(conversation).or_default();
            *bound = (*bound).max(below);
            *new = true;
        }
    }

    pub(super) fn is_stale(&self, job: &Job) -> bool {
        self.retired
            .get(&job.conversation)
            .is_some_and(|&(below, _)| job.epoch < below)
    }

    /// After a batch that took the whole queue: a job with a retired epoch
    /// was queued before its retirement, so before this batch was gathered
    /// if the writer had learned of it already — it was judged. Only what
    /// was learned for this batch (retired while it was being gathered, its
    /// jobs maybe still queued) is kept.
    pub(super) fn forget_retired(&mut self) {
        self.retired.retain(|_, (_, new)| *new);
    }
}

/// Epochs retired since the writer last looked, per conversation: its jobs
/// with an older epoch are stale. Told here by whoever renews a
/// conversation's epoch (a rebuild, `mark_stale`) or forgets it (its bound
/// is one past its last epoch; a copy loaded again gets a newer one). Its
/// own small lock, so the writer need not take the hub's to check a batch.
#[derive(Debug, Default)]
pub(super) struct Retired(std::sync::Mutex<Vec<(ConversationId, u64)>>);

impl Retired {
    pub(super) fn retire(&self, conversation: &ConversationId, below: u64) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((conversation.clone(), below));
    }

    pub(super) fn take(&self) -> Vec<(ConversationId, u64)> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use baton_protocol::conversation::Outcome;

    fn job(conversation: &str, epoch: u64) -> Job {
        Job::elsewhere(ConversationId(conversation.into()), Outcome::default(), epoch)
    }

    /// A retired epoch is kept for the batch that learned of it and the
    /// next one that takes the whole queue (a job of it may have been
    /// queued between the first batch's gathering and the retirement), and
    /// forgotten after: no job of it can be queued any more.
    #[test]
    fn a_retired_epoch_is_forgotten_once_no_job_can_carry_it() {
        let mut book = WriterBook::default();
        // Batch 1 learns that c's jobs below epoch 5 are stale.
        book.learn(vec![(ConversationId("c".into()), 5)]);
        assert!(book.is_stale(&job("c", 4)));
        assert!(!book.is_stale(&job("c", 5)), "the new epoch's jobs are not");
        assert!(!book.is_stale(&job("d", 1)), "nor another conversation's");
        book.forget_retired();
        // Batch 2, which did not take the whole queue: nothing forgotten.
        book.learn(Vec::new());
        assert!(book.is_stale(&job("c", 4)), "still judged in the next batch");
        // Batch 3 takes the whole queue: the bound goes.
        book.learn(Vec::new());
        assert!(book.is_stale(&job("c", 4)));
        book.forget_retired();
        assert!(!book.is_stale(&job("c", 4)), "forgotten once no job can carry it");
    }

    /// Two retirements of one conversation keep the higher bound, whatever
    /// order the writer learns them in.
    #[test]
    fn the_higher_bound_wins() {
        let mut book = WriterBook::default();
        let c = ConversationId("c".into());
        book.learn(vec![(c.clone(), 7), (c.clone(), 3)]);
        assert!(book.is_stale(&job("c", 6)));
        book.learn(vec![(c, 2)]);
        assert!(
            book.is_stale(&job("c", 6)),
            "a lower bound learned later does not lower it"
        );
    }
}
