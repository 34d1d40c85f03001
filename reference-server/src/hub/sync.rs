//! Conversations kept current across server processes sharing one
//! database (issue 13). The log in the store is the truth; every process
//! keeps a core per conversation in memory, and a core may fall behind
//! when another process appends. Two things bring it back:
//! - a hint on the bus (`Hint::Conversation { conversation, seq }`) from
//!   the process that committed: if this process's `stored` mark is below
//!   `seq`, the store writer is asked to read the log past it;
//! - a refused append (`StoreError::SeqTaken`, or `Duplicate` when the
//!   other process created the same conversation): the writer reads the
//!   log at once, before it answers. (A client message the other process
//!   stored is met as a taken seq: the core here is behind, `event_log`.)
//!
//! Either way the reading happens on the writer thread, between two
//! commits, so this process's own events and those read back reach its
//! sockets through the one publisher, in `seq` order, never interleaved.
//! Events another process appended are published to this process's
//! sockets but not to its observers (`HubEvent::Stored`: webhooks, email,
//! metrics of stored messages), which the committing process served.
//!
//! A core with its own events still queued when others' arrive is rebuilt
//! from the whole log and its epoch bumped: those queued outcomes were
//! decided on a stale state, so the writer refuses them unwritten and their
//! inputs run again on the rebuilt core (`writer`, `MAX_TRIES`). A join
//! race between two processes ends with one join stored and the other
//! input judged again — and refused by the rules, as on one process.

use super::*;
use crate::bus::{Hint, Topic};
use futures::StreamExt;
use writer::Fate;

/// How long to wait before subscribing again after the bus refused.
const RESUBSCRIBE: std::time::Duration = std::time::Duration::from_secs(1);

impl Hub {
    /// Follows other processes' conversation hints for as long as the hub
    /// lives. Not on the in-process bus: a single process has no other to
    /// hear from, and a subscriber there would be woken by each of its own
    /// hints only to drop it (a measured cost per message).
    pub(super) fn follow_hints(self: &Arc<Self>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if self.bus().health().backend == "in-process" {
            return;
        }
        let hub = Arc::downgrade(self);
        let bus = self.bus().clone();
        runtime.spawn(async move {
            loop {
                match bus.subscribe(Topic::Conversations).await {
                    Ok(mut hints) => {
                        while let Some(envelope) = hints.next().await {
                            let Some(hub) = hub.upgrade() else { return };
                            if let (Some(at), Hint::Conversation { .. }) = (envelope.at_us, &envelope.hint) {
                                let hop = crate::bus::wall_clock_us().saturating_sub(at);
                                hub.metrics.bus_hop.observe(hop as f64 / 1e6);
                            }
                            match envelope.hint {
                                Hint::Conversation { conversation, seq } => hub.hinted(conversation, seq),
                                Hint::Marks { conversation } => hub.writer.marks(conversation),
                                Hint::Team { .. } | Hint::Presence { .. } => {}
                            }
                        }
                    }
                    Err(err) => tracing::warn!(%err, "bus: cannot follow other processes' conversations yet"),
                }
                if hub.strong_count() == 0 {
                    return;
                }
                tokio::time::sleep(RESUBSCRIBE).await;
            }
        });
    }

    /// Another process committed `conversation` up to `seq`.
    fn hinted(&self, conversation: ConversationId, seq: Seq) {
        let behind = self
            .lock()
            .conversations
            .get(&conversation)
            .is_none_or(|conv| conv.stored < seq);
        if behind {
            self.writer.sync(conversation);
        }
    }

    /// A conversation this process does not hold, read from the store (a
    /// visitor resuming here a conversation another process created since
    /// this one started). Reads outside the lock; a copy the writer or a
    /// concurrent `hello` inserted meanwhile is kept.
    pub(super) fn load(&self, conversation: &ConversationId) -> Result<(), StoreError> {
        let Some((row, email)) = self.created_elsewhere(conversation)? else {
            return Ok(());
        };
        let log = self.store.log(conversation)?;
        let mut live = self.lock();
        if !live.conversations.contains_key(conversation) {
            let conv = Conversation::from_store(row, email, &log, &mut live.line);
            if conv.core.handover().deadline().is_some() {
                live.line.restore(&conv.bot, conversation);
            }
            live.conversations.insert(conversation.clone(), Box::new(conv));
        }
        Ok(())
    }

    /// On the writer thread: reads what the store holds of `conversation`
    /// past this process's `stored` mark and brings the core up to it —
    /// folding the events in, or rebuilding the core from the whole log
    /// when its own events were still queued, or `refused` (a commit of
    /// this process was refused: the core is ahead of the store with events
    /// that will never be stored). Returns the events read as a job for the
    /// publisher, `Stored` and from elsewhere.
    pub(super) fn resync(
        &self,
        conversation: &ConversationId,
        refused: bool,
        book: &mut writer_book::WriterBook,
    ) -> Option<(Job, Fate)> {
        let known = {
            let mut live = self.lock();
            book.apply(&mut live);
            live.conversations.get(conversation).map(|c| c.stored)
        };
        let created = match known {
            Some(_) => None,
            None => match self.created_elsewhere(conversation) {
                Ok(Some(created)) => Some(created),
                Ok(None) => return None,
                Err(err) => {
                    tracing::error!(%err, %conversation, "could not read a conversation another process created");
                    return None;
                }
            },
        };
        let from = known.unwrap_or_default();
        let fetched = match self.store.log_after(conversation, from) {
            Ok(log) => log,
            Err(err) => {
                tracing::error!(%err, %conversation, "could not read a conversation's log");
                return None;
            }
        };
        let mut live = self.lock();
        if !live.conversations.contains_key(conversation) {
            // Known before but gone now (retention deleted it): nothing to do.
            // Its events follow below, through the publisher.
            let (row, email) = created?;
            let conv = Conversation::from_store(row, email, &[], &mut live.line);
            live.conversations.insert(conversation.clone(), Box::new(conv));
        }
        let conv = live.conversations.get_mut(conversation)?;
        let in_step = conv.core.last_seq() == conv.stored;
        let fresh: Vec<_> = fetched.into_iter().filter(|(e, _)| e.seq > conv.stored).collect();
        let follows = fresh.first().is_none_or(|(e, _)| e.seq.0 == conv.stored.0 + 1);
        if fresh.is_empty() && !refused {
            // A late or repeated hint: nothing new, and queued own events
            // are still good.
            return None;
        }
        let fresh = if in_step && follows {
            for (event, id) in &fresh {
                conv.core.absorb(event, id.as_ref());
            }
            fresh
        } else {
            drop(live);
            let log = match self.store.log(conversation) {
                Ok(log) => log,
                Err(err) => {
                    tracing::error!(%err, %conversation, "could not rebuild a conversation from the store");
                    return None;
                }
            };
            live = self.lock();
            let conv = live.conversations.get_mut(conversation)?;
            conv.rebuild_from(&log);
            self.retired.retire(conversation, conv.epoch);
            log.into_iter().filter(|(e, _)| e.seq > conv.stored).collect()
        };
        let conv = live.conversations.get_mut(conversation)?;
        let (events, _): (Vec<_>, Vec<_>) = fresh.into_iter().unzip();
        let last = events.last()?.seq;
        conv.stored = last;
        // Created by another process while this one had it pending.
        conv.row = RowState::Stored;
        let requested = events
            .iter()
            .any(|e| matches!(e.body, EventBody::HelpRequested { .. } | EventBody::OwnerGone { .. }));
        let outcome = Outcome {
            deadline: conv.core.handover().deadline().filter(|_| requested),
            events,
            ..Outcome::default()
        };
        let job = Job::elsewhere(conversation.clone(), outcome, conv.epoch);
        Some((job, Fate::Stored))
    }

    /// On the writer thread: the receipt marks another process saved for
    /// `conversation`, after its log (marks name seqs: the events come
    /// first), folded into the core. Marks only move forward, so an old or
    /// repeated hint changes nothing. What moved is published like a
    /// receipt of this process's own, as from elsewhere.
    pub(super) fn resync_marks(
        &self,
        conversation: &ConversationId,
        book: &mut writer_book::WriterBook,
    ) -> Vec<(Job, Fate)> {
        let mut read = Vec::new();
        read.extend(self.resync(conversation, false, book));
        let (visitor, team) = match self.store.marks_of(conversation) {
            Ok(Some(saved)) => saved,
            Ok(None) => return read,
            Err(err) => {
                tracing::error!(%err, %conversation, "could not read a conversation's receipt marks");
                return read;
            }
        };
        let mut live = self.lock();
        let Some(conv) = live.conversations.get_mut(conversation) else {
            return read;
        };
        let last = conv.core.last_seq();
        let core = &mut conv.core;
        let visitor_moved = core
            .visitor_marks
            .advance(Some(visitor.delivered), Some(visitor.read), last);
        let team_moved = core.team_marks.advance(Some(team.delivered), Some(team.read), last);
        if visitor_moved || team_moved {
            let outcome = Outcome {
                visitor_marks: visitor_moved.then_some(core.visitor_marks),
                team_marks: team_moved.then_some(core.team_marks),
                ..Outcome::default()
            };
            read.push((Job::elsewhere(conversation.clone(), outcome, conv.epoch), Fate::Stored));
        }
        read
    }

    /// The row and visitor email of a conversation another process created.
    fn created_elsewhere(
        &self,
        conversation: &ConversationId,
    ) -> Result<Option<(ConversationRow, Option<String>)>, StoreError> {
        let Some(row) = self.store.conversation(conversation)? else {
            return Ok(None);
        };
        Ok(Some((row, self.store.visitor_email(conversation)?)))
    }
}

impl Conversation {
    /// The core rebuilt from the whole stored log (the receipt marks, kept
    /// beside the log, stay); what it produced meanwhile is now stale.
    pub(super) fn rebuild_from(
        &mut self,
        log: &[(baton_protocol::ConversationEvent, Option<baton_protocol::ClientMsgId>)],
    ) {
        let (visitor, team) = (self.core.visitor_marks, self.core.team_marks);
        self.core = ConversationCore::from_log(log.iter().map(|(e, id)| (e, id.as_ref())));
        self.core.visitor_marks = visitor;
        self.core.team_marks = team;
        self.epoch = super::state::next_epoch();
        if self.row == RowState::Queued {
            // Its row was refused with its first events: the next input
            // carries it again.
            self.row = RowState::Pending;
        }
    }
}
