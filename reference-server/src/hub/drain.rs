//! A planned shutdown, the hub's part: every client is told to come back
//! (`going_away`), their return spread out, and the store writer is given
//! the time to commit what it already took (`Hub::drained`). The accept
//! loop (`crate::conn::serve`) does the rest: it stops accepting, answers
//! `/healthz` with `503 draining`, and waits, bounded, for both.

use super::*;
use crate::outbox::Shared;
use writer::Job;

/// `going_away`'s `retry_after` comes in this many steps, from the given
/// pause up to (not including) twice it, so that a process holding
/// thousands of sockets does not send them all back at the same instant.
/// The clients add their own jitter on top (PROTOCOL.md §2.8); this one
/// also covers clients that do not. A few distinct frames, each serialised
/// once.
pub const GOING_AWAY_STEPS: u64 = 8;
const STEPS: usize = GOING_AWAY_STEPS as usize;

/// The `retry_after` the `n`-th connection told to go away gets: round
/// robin over [`GOING_AWAY_STEPS`] steps from `base`, so the spread is
/// even however the connections happen to be ordered.
pub fn spread(base: Millis, n: usize) -> Millis {
    let step = (n as u64) % GOING_AWAY_STEPS;
    Millis(base.0 + base.0 * step / GOING_AWAY_STEPS)
}

impl Hub {
    /// Tells every connected client to reconnect after about `retry_after`
    /// (spread up to twice it, see [`spread`]): the server is shutting down.
    /// Then lets go of their outboxes: each socket's writer drains what is
    /// queued, sends Close (1001), and ends.
    pub fn going_away(&self, retry_after: Millis) {
        let mut live = self.lock();
        live.features.clear();
        let visitor_frames: Vec<ServerToVisitor> = (0..STEPS)
            .map(|n| ServerToVisitor::GoingAway {
                retry_after: spread(retry_after, n),
            })
            .collect();
        let operator_frames: Vec<ServerToOperator> = (0..STEPS)
            .map(|n| ServerToOperator::GoingAway {
                retry_after: spread(retry_after, n),
            })
            .collect();
        let mut to_visitors: Vec<_> = visitor_frames.iter().map(Shared::new).collect();
        let mut to_operators: Vec<_> = operator_frames.iter().map(Shared::new).collect();
        let outboxes = live
            .visitors
            .drain()
            .flat_map(|(_, peers)| peers.into_iter().map(|(_, o)| o));
        for (n, outbox) in outboxes.enumerate() {
            to_visitors[n % STEPS].send(&outbox);
        }
        let operators: Vec<_> = live.operators.drain(..).collect();
        for (n, (_, operator, outbox)) in operators.into_iter().enumerate() {
            to_operators[n % STEPS].send(&outbox);
            // Other processes stop counting these inboxes now, if the
            // team task writes before the process ends (else at expiry).
            live.inboxes_changed(&operator);
        }
    }

    /// Resolves once everything queued to the store writer before this call
    /// is committed, published and answered: the writer takes its queue in
    /// order, so a marker job queued now comes out after all of them. (It
    /// names no conversation, so the writer stores nothing for it.)
    pub async fn drained(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        {
            // Under the lock, as every job is queued: nothing an input
            // queued before this point can come after the marker.
            let _live = self.lock();
            self.writer.queue(Job {
                conversation: ConversationId(String::new()),
                outcome: Outcome::default(),
                epoch: 0,
                create: None,
                marks: None,
                answer: Box::new(move |_| {
                    let _ = done.send(());
                }),
                input: None,
                tries: 0,
                here: true,
            });
        }
        let _ = wait.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn going_away_is_spread_evenly_from_the_pause_to_twice_it() {
        let base = Millis(1_000);
        let got: Vec<u64> = (0..9).map(|n| spread(base, n).0).collect();
        assert_eq!(got, [1000, 1125, 1250, 1375, 1500, 1625, 1750, 1875, 1000]);
        assert_eq!(spread(Millis(0), 3), Millis(0));
    }
}
