//! The single-process bus: a tokio broadcast channel. With one process
//! nobody else publishes, so its subscribers see nothing but what another
//! handle ([`InProcessBus::handle`], a second "process" in tests) sends.

use super::{Bus, BusError, BusHealth, Envelope, Hint, Hints, ProcessId, Topic};
use futures::future::BoxFuture;
use tokio::sync::broadcast;

/// How many hints a slow subscriber may fall behind before it skips some
/// (a skipped hint is healed by the next one).
const CAPACITY: usize = 4096;

#[derive(Debug, Clone)]
pub struct InProcessBus {
    process: ProcessId,
    sender: broadcast::Sender<Envelope>,
}

impl InProcessBus {
    pub fn new(process: ProcessId) -> InProcessBus {
        InProcessBus {
            process,
            sender: broadcast::channel(CAPACITY).0,
        }
    }

    /// Another handle on the same channel, publishing as `process`.
    pub fn handle(&self, process: ProcessId) -> InProcessBus {
        InProcessBus {
            process,
            sender: self.sender.clone(),
        }
    }
}

impl Bus for InProcessBus {
    fn process(&self) -> &ProcessId {
        &self.process
    }

    fn publish(&self, hint: Hint) -> BoxFuture<'_, Result<(), BusError>> {
        // Done here, not in the future (`publishes_at_once`). No subscriber
        // is fine: nobody is listening, and the envelope is not even made.
        if self.sender.receiver_count() > 0 {
            let _ = self.sender.send(Envelope::new(self.process.clone(), hint));
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn subscribe(&self, topic: Topic) -> BoxFuture<'_, Result<Hints, BusError>> {
        let receiver = self.sender.subscribe();
        let own = self.process.clone();
        let stream = futures::stream::unfold(receiver, move |mut receiver| {
            let (own, topic) = (own.clone(), topic.clone());
            async move {
                loop {
                    match receiver.recv().await {
                        Ok(envelope) if envelope.from != own && topic.matches(&envelope.hint) => {
                            return Some((envelope, receiver));
                        }
                        Ok(_) => {}
                        Err(broadcast::error::RecvError::Lagged(missed)) => {
                            tracing::debug!(missed, "in-process bus: a slow subscriber skipped hints");
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        });
        Box::pin(async move { Ok(Box::pin(stream) as Hints) })
    }

    fn health(&self) -> BusHealth {
        BusHealth {
            backend: "in-process",
            connected: true,
        }
    }

    fn publishes_at_once(&self) -> bool {
        true
    }
}
