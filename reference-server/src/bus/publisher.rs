//! Publishing without waiting: the hub's store writer is a plain thread
//! that must never block on the bus, so it queues hints here and one task
//! publishes them in order. A full queue (the bus is stuck) drops the hint:
//! the next one for the conversation supersedes it. The in-process bus
//! never waits, so its hints are published on the writer's thread at once,
//! with no task to wake.

use super::{Bus, Hint};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Hints waiting for the bus before new ones are dropped.
const QUEUE: usize = 4096;

/// The hub's end of the bus.
#[derive(Debug, Clone)]
pub struct HintSender {
    bus: Arc<dyn Bus>,
    /// `None` without a tokio runtime (nothing to publish on).
    queue: Option<mpsc::Sender<Hint>>,
}

impl HintSender {
    /// Starts the publishing task on the current runtime, if any. It ends
    /// when every `HintSender` clone is dropped.
    pub fn start(bus: Arc<dyn Bus>) -> HintSender {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return HintSender { bus, queue: None };
        };
        if bus.publishes_at_once() {
            return HintSender { bus, queue: None };
        }
        let (queue, mut hints) = mpsc::channel::<Hint>(QUEUE);
        let publisher = bus.clone();
        runtime.spawn(async move {
            while let Some(hint) = hints.recv().await {
                if let Err(err) = publisher.publish(hint).await {
                    tracing::warn!(%err, "bus: a hint was not published");
                }
            }
        });
        HintSender {
            bus,
            queue: Some(queue),
        }
    }

    /// Queues `hint` for publishing, or publishes it here on a bus that
    /// never waits ([`Bus::publishes_at_once`]); never blocks.
    pub fn send(&self, hint: Hint) {
        match &self.queue {
            Some(queue) => {
                if let Err(mpsc::error::TrySendError::Full(_)) = queue.try_send(hint) {
                    tracing::debug!("bus: publish queue full; a hint was dropped");
                }
            }
            None if self.bus.publishes_at_once() => drop(self.bus.publish(hint)),
            None => {}
        }
    }

    pub fn bus(&self) -> &Arc<dyn Bus> {
        &self.bus
    }
}
