//! The timer task: fires the timers stored as data (`store::timers`), so
//! what one process armed happens even if that process died. Three kinds:
//! a request's response window (`window`: a `Timeout` input), its
//! escalation at half the window (`unclaimed`: `HubEvent::Escalation` if it
//! still waits), and an operator's auto-away (`away`, keyed by the
//! operator, pushed later by activity: `hub/away.rs`).
//!
//! A request's two timers are stored by the store writer in the very
//! commit that stores the request (`writer`), so an acked request's timers
//! outlive the process that took it; the task is only told when they are
//! due ([`Hub::schedule_window`], [`Hub::schedule_escalation`]). Windows
//! still waiting at start-up are armed through the task ([`Hub::arm_window`]),
//! which stores them — never a store call on the caller's path: the caller
//! may hold the hub's lock or be the publisher.
//! The task sleeps until the earliest of its own timers' due times or its
//! next look at the table (every [`TIMER_POLL`], settable), and claims what
//! is due. Before firing one, it has the writer read the conversation from
//! the store past this process's view (`Writer::sync_then`): a process
//! whose bus hint was lost (its sender killed just after the commit) would
//! otherwise judge the timer on a core that never saw the request, find
//! nothing due, and complete the timer unfired. Only once the firing's
//! outcome is stored (or it changed nothing) is the timer completed; a
//! refused input leaves the claim to run out, and the timer is fired
//! again, by this process or another. A second firing of a window is
//! harmless (the core ignores a `Timeout` that finds no window due); an
//! escalation is sent again only if its process died between sending and
//! completing.
//!
//! A process fires its own timers at their time. It takes other processes'
//! timers only once they are [`TAKEOVER`] polls overdue: while the arming
//! process lives it fires them itself, with a core that certainly saw the
//! request; the rest are the timers of a process that is gone.

use super::*;
use crate::store::{AWAY, Timer, UNCLAIMED, WINDOW};
use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// How often a process looks for due timers it did not arm.
pub const TIMER_POLL: Duration = Duration::from_millis(500);

/// How many polls overdue another process's timer is before this one
/// fires it.
const TAKEOVER: u64 = 2;

/// How long a claim keeps other processes off a timer being fired: far
/// more than a firing takes, so only a dead claimer's runs out.
const LEASE: Duration = Duration::from_secs(30);

/// The most timers claimed at one look.
const CLAIM_LIMIT: usize = 64;

/// A timer for the task, and what the task stores first.
type Arm = (Timer, Store);

/// What the timer task stores of a timer before waiting for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Store {
    /// Nothing: it is stored already.
    No,
    /// The timer, replacing its due time (`arm_timer`).
    Replace,
    /// The timer, unless it is due later already (`arm_timer_later`).
    Later,
}

/// The hub's end of the timer task.
#[derive(Debug)]
pub(super) struct Timers {
    /// Timers to wait for; `None` without a runtime to run the task on.
    arms: Option<mpsc::UnboundedSender<Arm>>,
    poll_ms: Arc<AtomicU64>,
}

impl Timers {
    /// Starts the timer task for `hub`, claiming as `process`. It ends
    /// when the hub is dropped.
    pub fn start(hub: Weak<Hub>, process: String) -> Timers {
        let poll_ms = Arc::new(AtomicU64::new(TIMER_POLL.as_millis() as u64));
        let arms = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let (tx, rx) = mpsc::unbounded_channel();
            runtime.spawn(run(hub, rx, process, poll_ms.clone()));
            tx
        });
        Timers { arms, poll_ms }
    }

    fn arm(&self, timer: Timer, store: Store) {
        match &self.arms {
            Some(arms) => {
                // Fails only when the task ended: the hub is going away.
                let _ = arms.send((timer, store));
            }
            None => tracing::warn!(?timer, "no runtime for the timer task: timer not armed"),
        }
    }

    /// Stores `timer` unless it is due later already, and fires it here
    /// on time (auto-away, `hub/away.rs`).
    pub(super) fn arm_later(&self, timer: Timer) {
        self.arm(timer, Store::Later);
    }
}

impl Hub {
    /// Arms `conversation`'s response window to lapse at `deadline`, on
    /// whichever process is alive then: stores it, and fires it here on time.
    pub(super) fn arm_window(&self, conversation: &ConversationId, deadline: Timestamp) {
        self.timers
            .arm(Timer::new(WINDOW, conversation.as_str(), deadline), Store::Replace);
    }

    /// A window already stored (with its request, by the store writer of
    /// this process or another) is fired here on time.
    pub(super) fn schedule_window(&self, conversation: &ConversationId, deadline: Timestamp) {
        self.timers
            .arm(Timer::new(WINDOW, conversation.as_str(), deadline), Store::No);
    }

    /// A request's escalation, stored with it, is fired here on time.
    pub(super) fn schedule_escalation(&self, conversation: &ConversationId, at: Timestamp) {
        self.timers
            .arm(Timer::new(UNCLAIMED, conversation.as_str(), at), Store::No);
    }

    /// How often this process looks for due timers armed elsewhere (tests
    /// shorten it; [`TIMER_POLL`] by default).
    pub fn set_timer_poll(&self, every: Duration) {
        let ms = u64::try_from(every.as_millis()).unwrap_or(u64::MAX).max(1);
        self.timers.poll_ms.store(ms, Ordering::Relaxed);
    }
}

async fn run(hub: Weak<Hub>, mut arms: mpsc::UnboundedReceiver<Arm>, process: String, poll_ms: Arc<AtomicU64>) {
    // Due times of the timers this process armed that have not come yet.
    let mut own: BTreeSet<Timestamp> = BTreeSet::new();
    let mut next_poll = now();
    loop {
        let poll = poll_ms.load(Ordering::Relaxed);
        let wake = own.first().map_or(next_poll, |due| (*due).min(next_poll));
        let sleep = tokio::time::sleep(Duration::from_millis(wake.0.saturating_sub(now().0)));
        tokio::select! {
            armed = arms.recv() => {
                let Some((timer, store)) = armed else { return };
                let Some(hub) = hub.upgrade() else { return };
                let stored = match store {
                    Store::No => Ok(()),
                    Store::Replace => hub.store.arm_timer(&timer),
                    Store::Later => hub.store.arm_timer_later(&timer),
                };
                match stored {
                    Ok(()) => {
                        own.insert(timer.due_at);
                    }
                    Err(err) => {
                        // Not stored: keep it in memory, as before timers
                        // were data (another process cannot take it over).
                        tracing::error!(%err, ?timer, "could not store a timer; it fires from memory");
                        fire_from_memory(&hub, timer);
                    }
                }
            }
            () = sleep => {
                let at = now();
                let own_due = own.first().is_some_and(|due| *due <= at);
                own = own.split_off(&Timestamp(at.0 + 1));
                if next_poll <= at {
                    next_poll = Timestamp(at.0 + poll);
                }
                // Others' timers only once they are overdue (module doc).
                let cutoff = if own_due { at } else { Timestamp(at.0.saturating_sub(TAKEOVER * poll)) };
                if fire_due(&hub, &process, cutoff).await.is_break() {
                    return;
                }
            }
        }
    }
}

/// Claims the timers due at `cutoff` and fires them; `Break` when the hub
/// is gone.
async fn fire_due(hub: &Weak<Hub>, process: &str, cutoff: Timestamp) -> ControlFlow<()> {
    let mut firing = Vec::new();
    {
        let Some(hub) = hub.upgrade() else {
            return ControlFlow::Break(());
        };
        let lease_until = Timestamp(now().0 + LEASE.as_millis() as u64);
        let claimed = match hub.store.claim_due_timers(cutoff, process, lease_until, CLAIM_LIMIT) {
            Ok(claimed) => claimed,
            Err(err) => {
                tracing::warn!(%err, "could not claim due timers; trying again at the next look");
                return ControlFlow::Continue(());
            }
        };
        for timer in claimed {
            if ![WINDOW, UNCLAIMED, AWAY].contains(&timer.kind.as_str()) {
                // A newer server's kind: its lease runs out for that one.
                tracing::debug!(?timer, "a timer of a kind this server does not fire");
                continue;
            }
            let synced = if timer.kind == AWAY {
                // An operator's, not a conversation's.
                let (done, synced) = oneshot::channel();
                let _ = done.send(());
                synced
            } else {
                hub.writer.sync_then(ConversationId(timer.key.clone()))
            };
            firing.push((timer, synced));
        }
    }
    // Each conversation read from the store first (module doc), then fired.
    let mut fired = Vec::new();
    for (timer, synced) in firing {
        if synced.await.is_err() {
            return ControlFlow::Break(());
        }
        let Some(hub) = hub.upgrade() else {
            return ControlFlow::Break(());
        };
        let stored = fire(&hub, &timer);
        fired.push((timer, stored));
    }
    for (timer, stored) in fired {
        match stored.await {
            Ok(None | Some(Ok(_))) => {
                let Some(hub) = hub.upgrade() else {
                    return ControlFlow::Break(());
                };
                if let Err(err) = hub.store.complete_timer(&timer, process) {
                    tracing::warn!(%err, ?timer, "a fired timer stays until its lease runs out");
                }
            }
            // Not stored, or a conversation this process does not hold:
            // the lease runs out and the timer is fired again.
            Ok(Some(Err(err))) => tracing::debug!(?err, ?timer, "a timer's input was refused"),
            Err(_) => return ControlFlow::Break(()),
        }
    }
    ControlFlow::Continue(())
}

/// Does what `timer` is for; its outcome, once stored (`None`: nothing to
/// store).
fn fire(hub: &Arc<Hub>, timer: &Timer) -> oneshot::Receiver<Option<Result<Seq, ErrorBody>>> {
    let conversation = ConversationId(timer.key.clone());
    let (answer, stored) = oneshot::channel();
    match timer.kind.as_str() {
        WINDOW => hub.input_then(
            &conversation,
            Input::Timeout,
            Box::new(move |reply| {
                let _ = answer.send(reply);
            }),
        ),
        UNCLAIMED => {
            hub.escalate_unclaimed(&conversation);
            let _ = answer.send(None);
        }
        _ => {
            hub.away_due(&OperatorId(timer.key.clone()));
            let _ = answer.send(None);
        }
    }
    stored
}

/// A timer as an in-memory sleep: only when the store refused it.
fn fire_from_memory(hub: &Arc<Hub>, timer: Timer) {
    let hub = Arc::downgrade(hub);
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(timer.due_at.0.saturating_sub(now().0))).await;
        if let Some(hub) = hub.upgrade() {
            drop(fire(&hub, &timer));
        }
    });
}
