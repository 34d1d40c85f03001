//! The store writer: every append goes through one thread, which commits
//! the appends of many conversations together (group commit) and only then
//! publishes them and answers their senders.
//!
//! `Hub::input` runs the conversation's core under the hub's lock and, when
//! the outcome has events to store (or acks a seq that may still be on its
//! way to the disk), queues a [`Job`] here instead of writing while holding
//! the lock. Jobs are queued under the lock, so each conversation's jobs
//! reach the writer in `seq` order; the writer takes what has queued up
//! (at most [`MAX_BATCH`]), commits it in one transaction off the async
//! runtime, and hands the committed batch to the publisher, one tokio task
//! that takes the batches in commit order: under the lock once per batch it
//! broadcasts the events in that same order, and last calls each job's
//! [`Answer`]. The writer goes on to the next commit meanwhile. So:
//! - acked means stored: an ack is only ever sent after its commit;
//! - peers see every conversation's events in `seq` order, with no gap or
//!   double (a replay reads up to the conversation's published seq, see
//!   `Conversation::published`);
//! - a failed commit is retried job by job; for a job that still fails its
//!   conversation's core is rebuilt from the store (`sync::resync`, which
//!   also publishes what other processes appended), and the jobs that core
//!   produced meanwhile (an older `epoch`) are not written. A job refused
//!   because the conversation moved on (`Fate::Taken`) or made stale runs
//!   its input again on the rebuilt core, up to [`MAX_TRIES`]; any other
//!   failure is refused (`internal`, the client retries with the same id).
//!   So memory never stays ahead of the disk.
//! - the writer also takes `Work::Sync` requests from other processes'
//!   hints (`sync`), between two commits, in queue order.

use super::writer_book::{APPLY_STORED_AT, WriterBook};
use super::*;
use crate::store::{Timer, UNCLAIMED, WINDOW};
use baton_protocol::ClientMsgId;
use std::collections::HashSet;
use std::sync::Weak;
use std::sync::mpsc as std_mpsc;
use tokio::sync::mpsc::error::SendError;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;

/// The most appends committed in one transaction.
pub const MAX_BATCH: usize = 256;

/// How many times an input runs when its outcome keeps being refused
/// because the conversation moved on (another process appended first, or
/// an earlier outcome of this process was refused): each time on the core
/// rebuilt from the log (`sync`). Past it the sender is told to retry.
pub const MAX_TRIES: u8 = 3;

/// What the sender of an input is owed: `None` (nothing), an ack's seq, or
/// an error. Called once, by the writer after the commit or at once when
/// nothing had to be stored.
pub type Answer = Box<dyn FnOnce(Option<Result<Seq, ErrorBody>>) + Send>;

/// An outcome waiting for its commit.
pub(super) struct Job {
    pub conversation: ConversationId,
    pub outcome: Outcome,
    /// The conversation's epoch when its core produced the outcome.
    pub epoch: u64,
    /// The conversation's row, when these are its first events: stored in
    /// the same transaction, before them.
    pub create: Option<crate::store::NewConversation>,
    /// The receipt marks as the core left them, when the outcome moved
    /// them: saved after the batch's events, before anything is published
    /// (they persist, PROTOCOL.md §4.1).
    pub marks: Option<crate::store::Marks>,
    pub answer: Answer,
    /// The input that produced the outcome, to run again on a rebuilt core
    /// if the outcome is refused as stale (`None`: not from an input).
    pub input: Option<Input>,
    /// How many times that input has run.
    pub tries: u8,
    /// Produced by this process; `false` for events another process
    /// appended, read back by `sync`: published to this process's sockets,
    /// never stored, hinted or told to observers again.
    pub here: bool,
}

impl Job {
    /// Events another process appended, for the publisher (`sync`).
    pub(super) fn elsewhere(conversation: ConversationId, outcome: Outcome, epoch: u64) -> Job {
        Job {
            conversation,
            outcome,
            epoch,
            create: None,
            marks: None,
            answer: Box::new(|_| {}),
            input: None,
            tries: 0,
            here: false,
        }
    }
}

/// What the writer thread is asked to do, in order.
enum Work {
    /// Boxed: a job with its input is some 650 bytes, a sync a pointer.
    Append(Box<Job>),
    /// Read what other processes appended to a conversation (`sync`),
    /// then tell whoever waits that the core is current.
    Sync(ConversationId, Option<oneshot::Sender<()>>),
    /// Read a conversation's receipt marks another process saved (`sync`).
    Marks(ConversationId),
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("conversation", &self.conversation)
            .field("events", &self.outcome.events.len())
            .field("epoch", &self.epoch)
            .finish()
    }
}

/// The hub's end of the writer's queue.
#[derive(Debug)]
pub(super) struct Writer {
    queue: std_mpsc::Sender<Work>,
}

impl Writer {
    /// Starts the writer thread for `hub`. It ends when the hub is dropped.
    pub fn start(hub: Weak<Hub>) -> Writer {
        let (queue, jobs) = std_mpsc::channel();
        // Bot turns and timers armed after a commit are tokio tasks, and so
        // is the publisher: it hands each committed batch to the sockets
        // from a runtime thread, where waking a socket's task is a push on
        // a run queue, not a cross-thread wake-up (eventfd/futex) per frame.
        let runtime = tokio::runtime::Handle::try_current().ok();
        let publisher = runtime.as_ref().map(|runtime| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            runtime.spawn(publish_batches(hub.clone(), rx));
            tx
        });
        std::thread::Builder::new()
            .name("baton-store-writer".into())
            .spawn(move || {
                let _runtime = runtime.as_ref().map(|r| r.enter());
                run(hub, jobs, publisher)
            })
            .expect("the store writer thread starts");
        Writer { queue }
    }

    /// Queues a job (call with the hub's lock held, for `seq` order). If the
    /// writer is gone (the hub is shutting down) the job is refused.
    pub fn queue(&self, job: Job) {
        if let Err(std_mpsc::SendError(Work::Append(job))) = self.queue.send(Work::Append(Box::new(job))) {
            (job.answer)(Some(Err(shutting_down())));
        }
    }

    /// Asks for a conversation's log to be read past what this process
    /// knows is stored, between two commits (`sync`).
    pub fn sync(&self, conversation: ConversationId) {
        // Gone: the hub is shutting down, nobody to tell.
        let _ = self.queue.send(Work::Sync(conversation, None));
    }

    /// Asks for a conversation's receipt marks to be read from the store,
    /// after its log (`sync`).
    pub fn marks(&self, conversation: ConversationId) {
        let _ = self.queue.send(Work::Marks(conversation));
    }

    /// [`Writer::sync`], answered once the conversation's core holds what
    /// the store held when it was read (an error: the hub is going away).
    pub fn sync_then(&self, conversation: ConversationId) -> oneshot::Receiver<()> {
        let (done, synced) = oneshot::channel();
        let _ = self.queue.send(Work::Sync(conversation, Some(done)));
        synced
    }
}

fn shutting_down() -> ErrorBody {
    ErrorBody::new(ErrorCode::Internal, "the server is shutting down; retry")
}

/// A committed batch with how each of its jobs went, on its way to the
/// publisher.
type Committed = (Vec<Job>, Vec<Fate>);

fn run(hub: Weak<Hub>, work: std_mpsc::Receiver<Work>, publisher: Option<UnboundedSender<Committed>>) {
    // A sync taken off the queue while a batch was gathered: it waits for
    // that batch's commit, keeping the queue's order.
    let mut held = None;
    let mut book = WriterBook::default();
    loop {
        let first = match held.take() {
            Some(first) => first,
            None => match work.recv() {
                Ok(first) => first,
                Err(_) => return,
            },
        };
        let Some(hub) = hub.upgrade() else {
            if let Work::Append(job) = first {
                (job.answer)(Some(Err(shutting_down())));
            }
            for later in work.try_iter() {
                if let Work::Append(job) = later {
                    (job.answer)(Some(Err(shutting_down())));
                }
            }
            return;
        };
        let committed = match first {
            Work::Sync(conversation, done) => {
                let synced = hub.resync(&conversation, false, &mut book);
                // The core is current now; its read-back events are sent to
                // the publisher below, before anything the waiter queues.
                let _ = done.map(|done| done.send(()));
                match synced {
                    Some((job, fate)) => (vec![job], vec![fate]),
                    None => continue,
                }
            }
            Work::Marks(conversation) => {
                let read: (Vec<_>, Vec<_>) = hub.resync_marks(&conversation, &mut book).into_iter().unzip();
                if read.0.is_empty() {
                    continue;
                }
                read
            }
            Work::Append(first) => {
                let mut batch = vec![*first];
                // Whether the batch took everything queued until now.
                let mut drained = false;
                while batch.len() < MAX_BATCH {
                    match work.try_recv() {
                        Ok(Work::Append(job)) => batch.push(*job),
                        Ok(sync) => {
                            held = Some(sync);
                            break;
                        }
                        Err(_) => {
                            drained = true;
                            break;
                        }
                    }
                }
                hub.commit(batch, drained, &mut book)
            }
        };
        match &publisher {
            // In order: one publisher takes the batches as they were committed.
            Some(publisher) => {
                if let Err(SendError((batch, fates))) = publisher.send(committed) {
                    hub.publish_batch(batch, fates);
                }
            }
            None => hub.publish_batch(committed.0, committed.1),
        }
    }
}

/// The publisher: each committed batch, in commit order, to the sockets.
async fn publish_batches(hub: Weak<Hub>, mut batches: UnboundedReceiver<Committed>) {
    while let Some((batch, fates)) = batches.recv().await {
        match hub.upgrade() {
            Some(hub) => hub.publish_batch(batch, fates),
            None => {
                for job in batch {
                    (job.answer)(Some(Err(shutting_down())));
                }
            }
        }
    }
}

/// The timers a job's events armed, stored in the same transaction as
/// those events (`hub/timers.rs`): the response window, and each request's
/// escalation at half its window.
fn timers_of(job: &Job) -> impl Iterator<Item = Timer> + '_ {
    let key = job.conversation.as_str();
    let window = job.outcome.deadline.map(|deadline| Timer::new(WINDOW, key, deadline));
    let escalations = job.outcome.events.iter().filter_map(move |event| match &event.body {
        EventBody::HelpRequested { deadline, .. } | EventBody::OwnerGone { deadline, .. } => Some(Timer::new(
            UNCLAIMED,
            key,
            baton_protocol::queue::unclaimed_alert_at(event.at, *deadline),
        )),
        _ => None,
    });
    window
        .into_iter()
        .chain(escalations)
        .filter(|_| job.here && !job.outcome.events.is_empty())
}

/// How one job of a batch went.
pub(super) enum Fate {
    Stored,
    /// Not written: its conversation was rebuilt since, or is missing.
    Stale,
    /// Refused because the conversation moved on: another process appended
    /// at its seq first, or created the same conversation.
    Taken,
    Failed(ErrorBody),
}

impl Hub {
    /// Commits a batch. A conversation whose job the store refused is
    /// rebuilt from the store at once, before the next batch is checked
    /// for stale jobs; publishing is [`Hub::publish_batch`]'s.
    fn commit(self: &Arc<Self>, mut batch: Vec<Job>, drained: bool, book: &mut WriterBook) -> Committed {
        let mut fates = self.stale_jobs(&batch, drained, book);
        self.write(&batch, &mut fates);
        book.note(&batch, &fates);
        // Each refused conversation is read back from the store: its core
        // rebuilt, and what other processes appended published after this
        // batch's own events (lower seqs) and before any retry (higher).
        let mut refused = HashSet::new();
        for (job, fate) in batch.iter().zip(&fates) {
            if matches!(fate, Fate::Failed(_) | Fate::Taken) {
                refused.insert(job.conversation.clone());
            }
        }
        for conversation in refused {
            if let Some((job, fate)) = self.resync(&conversation, true, book) {
                batch.push(job);
                fates.push(fate);
            } else {
                self.mark_stale(&conversation);
            }
        }
        (batch, fates)
    }

    /// Publishes a committed batch in order (under the lock once), then
    /// answers its senders: acked means stored, and seen before acked.
    fn publish_batch(self: &Arc<Self>, batch: Vec<Job>, fates: Vec<Fate>) {
        let mut live = self.lock();
        for (job, fate) in batch.iter().zip(&fates) {
            if let Fate::Stored = fate {
                if let (Some(conv), Some(last)) =
                    (live.conversations.get_mut(&job.conversation), job.outcome.events.last())
                {
                    conv.stored = conv.stored.max(last.seq);
                }
                if let Some(created) = &job.create {
                    self.stored_new(&mut live, created);
                }
                self.publish_outcome(&mut live, &job.conversation, &job.outcome, job.here);
                // Other processes: "look again" (queued, never blocks).
                if let Some(last) = job.outcome.events.last().filter(|_| job.here) {
                    self.bus.send(crate::bus::Hint::Conversation {
                        conversation: job.conversation.clone(),
                        seq: last.seq,
                    });
                }
                if job.here && job.marks.is_some() {
                    self.bus.send(crate::bus::Hint::Marks {
                        conversation: job.conversation.clone(),
                    });
                }
            }
        }
        drop(live);
        for (job, fate) in batch.into_iter().zip(fates) {
            match fate {
                Fate::Stored => {
                    self.after_stored(&job.conversation, &job.outcome, job.here);
                    let reply = job.outcome.reply.map(|reply| match reply {
                        Reply::Ack { seq, .. } => Ok(seq),
                        Reply::Error(err) => Err(err),
                    });
                    (job.answer)(reply);
                }
                Fate::Stale | Fate::Taken if job.input.is_some() && job.tries < MAX_TRIES => {
                    let input = job.input.expect("checked above");
                    self.run_input(&job.conversation, input, job.answer, job.tries + 1);
                }
                Fate::Stale => (job.answer)(Some(Err(ErrorBody::new(
                    ErrorCode::Internal,
                    "the server could not store an earlier change of this conversation; retry",
                )))),
                Fate::Taken => (job.answer)(Some(Err(ErrorBody::new(
                    ErrorCode::Internal,
                    "the conversation moved on; retry",
                )))),
                Fate::Failed(err) => (job.answer)(Some(Err(err))),
            }
        }
    }

    /// Which jobs were produced by a core that has since been rebuilt, or
    /// for a conversation since forgotten: judged from what was retired
    /// (`writer_book::Retired`), without the hub's lock, which the publisher and the
    /// inputs hold meanwhile (waiting for it took a tenth of the writer's
    /// time in the closed loop).
    fn stale_jobs(&self, batch: &[Job], drained: bool, book: &mut WriterBook) -> Vec<Fate> {
        book.learn(self.retired.take());
        if book.stored.len() >= APPLY_STORED_AT {
            book.apply(&mut self.lock());
        }
        let fates = batch
            .iter()
            .map(|job| if book.is_stale(job) { Fate::Stale } else { Fate::Stored })
            .collect();
        if drained {
            book.forget_retired();
        }
        fates
    }

    /// Stores the batch: its events (with new conversations' rows), then
    /// the receipt marks it moved — after, so the marks of a conversation
    /// whose row is in this very batch find that row.
    fn write(&self, batch: &[Job], fates: &mut [Fate]) {
        self.append_all(batch, fates);
        self.save_marks(batch, fates);
    }

    /// The batch's events in one transaction; if that fails, job by job,
    /// and a conversation whose job failed writes nothing more.
    fn append_all(&self, batch: &[Job], fates: &mut [Fate]) {
        let appends: Vec<(
            &ConversationId,
            Option<&ClientMsgId>,
            &[baton_protocol::ConversationEvent],
        )> = batch
            .iter()
            .zip(fates.iter())
            .filter(|(job, fate)| matches!(fate, Fate::Stored) && !job.outcome.events.is_empty())
            .map(|(job, _)| {
                (
                    &job.conversation,
                    job.outcome.client_msg_id.as_ref(),
                    job.outcome.events.as_slice(),
                )
            })
            .collect();
        if appends.is_empty() {
            return;
        }
        let created: Vec<crate::store::NewConversation> = batch
            .iter()
            .zip(fates.iter())
            .filter(|(_, fate)| matches!(fate, Fate::Stored))
            .filter_map(|(job, _)| job.create.clone())
            .collect();
        let timers: Vec<Timer> = batch
            .iter()
            .zip(fates.iter())
            .filter(|(_, fate)| matches!(fate, Fate::Stored))
            .flat_map(|(job, _)| timers_of(job))
            .collect();
        let started = std::time::Instant::now();
        let stored = self.store.create_and_append(&created, &appends, &timers);
        self.metrics.store_latency.observe(started.elapsed().as_secs_f64());
        self.metrics.store_batch.observe(appends.len() as f64);
        if stored.is_ok() {
            return;
        }
        let mut failed: HashSet<&ConversationId> = HashSet::new();
        for (job, fate) in batch.iter().zip(fates.iter_mut()) {
            if !matches!(fate, Fate::Stored) || job.outcome.events.is_empty() {
                continue;
            }
            if failed.contains(&job.conversation) {
                *fate = Fate::Stale;
                continue;
            }
            let single = [(
                &job.conversation,
                job.outcome.client_msg_id.as_ref(),
                job.outcome.events.as_slice(),
            )];
            let timers: Vec<Timer> = timers_of(job).collect();
            if let Err(err) = self.store.create_and_append(job.create.as_slice(), &single, &timers) {
                failed.insert(&job.conversation);
                *fate = match err {
                    StoreError::SeqTaken { .. } | StoreError::Duplicate => {
                        tracing::debug!(%err, conversation = %job.conversation, "the conversation moved on");
                        Fate::Taken
                    }
                    err => Fate::Failed(err.into()),
                };
            }
        }
    }

    /// A conversation's row and first events are committed: from now on
    /// operators see it, and observers hear of a new conversation.
    fn stored_new(&self, live: &mut Live, created: &crate::store::NewConversation) {
        let conversation = &created.row.id;
        let Some(conv) = live.conversations.get_mut(conversation) else {
            return;
        };
        conv.row = RowState::Stored;
        // The host page named the visitor while the row was on its way.
        if conv.visitor_name != created.row.visitor_name || conv.visitor_email != created.email {
            let (name, email) = (conv.visitor_name.as_deref(), conv.visitor_email.as_deref());
            if let Err(err) = self.store.identify(conversation, name, email) {
                tracing::error!(%err, %conversation, "could not store the visitor's name");
            }
        }
        let bot = conv.bot.clone();
        // Operators learn its presence now that they may see it.
        live.announce_presence(conversation);
        self.publish(HubEvent::NewConversation {
            conversation: conversation.clone(),
            bot,
        });
    }

    /// Saves the marks the batch moved (the latest per conversation). A
    /// failure is logged, not refused: the marks are published anyway and
    /// the next receipt saves them again.
    fn save_marks(&self, batch: &[Job], fates: &[Fate]) {
        let mut latest: Vec<(&ConversationId, crate::store::Marks)> = Vec::new();
        for (job, fate) in batch.iter().zip(fates) {
            if let (Fate::Stored, Some(marks)) = (fate, job.marks) {
                match latest.iter_mut().find(|(c, _)| *c == &job.conversation) {
                    Some(entry) => entry.1 = marks,
                    None => latest.push((&job.conversation, marks)),
                }
            }
        }
        if !latest.is_empty() {
            if let Err(err) = self.store.save_marks(&latest) {
                tracing::error!(%err, "could not save receipt marks");
            }
        }
    }

    /// A refused conversation the store could not be read back for: its
    /// epoch is bumped all the same, so what its core produced since is
    /// refused unwritten (and run again) rather than stored on a stale state.
    fn mark_stale(&self, conversation: &ConversationId) {
        if let Some(conv) = self.lock().conversations.get_mut(conversation) {
            conv.epoch = super::state::next_epoch();
            self.retired.retire(conversation, conv.epoch);
            if conv.row == RowState::Queued {
                conv.row = RowState::Pending;
            }
        }
    }
}
