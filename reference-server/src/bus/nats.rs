//! The bus over NATS core pub/sub (async-nats). At-most-once, which is all
//! a hint needs. Subjects, `<cluster>` being `bus_cluster`:
//! - `baton.<cluster>.conv.<conversation>.seq` — [`Hint::Conversation`]
//! - `baton.<cluster>.conv.<conversation>.presence` — [`Hint::Presence`]
//! - `baton.<cluster>.conv.<conversation>.marks` — [`Hint::Marks`]
//! - `baton.<cluster>.team` — [`Hint::Team`]
//!
//! so a topic is one subscription: `baton.<cluster>.>` (all),
//! `baton.<cluster>.conv.>` (every conversation),
//! `baton.<cluster>.conv.<id>.>` (one). The client reconnects by itself,
//! for ever, when the server goes away (and subscribes again); hints
//! published meanwhile may be lost.

use super::{Bus, BusError, BusHealth, Envelope, Hint, Hints, ProcessId, Topic, token};
use async_nats::connection::State;
use futures::StreamExt;
use futures::future::BoxFuture;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct NatsBus {
    client: async_nats::Client,
    /// `baton.<cluster>`
    prefix: String,
    process: ProcessId,
}

impl NatsBus {
    /// Connects to the NATS server at `url` (`nats://host:port`); fails if
    /// it does not answer within 5 s. After that, reconnects by itself.
    pub async fn connect(url: &str, cluster: &str, process: ProcessId) -> Result<NatsBus, BusError> {
        let prefix = format!("baton.{}", token(cluster)?);
        let client = async_nats::ConnectOptions::new()
            .name(format!("baton-server {process}"))
            .connection_timeout(Duration::from_secs(5))
            // Back soon after a restart: 0.1 s, 0.2 s, … at most 2 s apart.
            .reconnect_delay_callback(|attempts| Duration::from_millis(100 * attempts.min(20) as u64))
            .event_callback(|event| async move {
                match event {
                    async_nats::Event::Disconnected => tracing::warn!("bus: disconnected from NATS; reconnecting"),
                    async_nats::Event::Connected => tracing::info!("bus: connected to NATS"),
                    other => tracing::debug!(%other, "bus: NATS event"),
                }
            })
            .connect(url)
            .await
            .map_err(|e| BusError::Backend(format!("cannot reach NATS at {}: {e}", shown(url))))?;
        Ok(NatsBus {
            client,
            prefix,
            process,
        })
    }

    fn subject(&self, hint: &Hint) -> Result<String, BusError> {
        Ok(match hint {
            Hint::Conversation { conversation, .. } => {
                format!("{}.conv.{}.seq", self.prefix, token(conversation.as_str())?)
            }
            Hint::Presence { conversation, .. } => {
                format!("{}.conv.{}.presence", self.prefix, token(conversation.as_str())?)
            }
            Hint::Marks { conversation } => {
                format!("{}.conv.{}.marks", self.prefix, token(conversation.as_str())?)
            }
            Hint::Team { .. } => format!("{}.team", self.prefix),
        })
    }

    /// Waits (at most 2 s) until the server has processed what this
    /// connection sent so far — so a subscription is live when `subscribe`
    /// returns: a message to a fresh inbox comes back over the same
    /// connection only after it. (`Client::flush` only writes the buffer.)
    /// If NATS is away, the client subscribes again when it reconnects.
    async fn registered(&self) {
        let probe = self.client.new_inbox();
        let round_trip = async {
            let mut echo = self.client.subscribe(probe.clone()).await.ok()?;
            self.client.publish(probe, Vec::new().into()).await.ok()?;
            echo.next().await
        };
        if tokio::time::timeout(Duration::from_secs(2), round_trip)
            .await
            .ok()
            .flatten()
            .is_none()
        {
            tracing::debug!("bus: subscribed while NATS is away");
        }
    }

    fn filter(&self, topic: &Topic) -> Result<String, BusError> {
        Ok(match topic {
            Topic::All => format!("{}.>", self.prefix),
            Topic::Team => format!("{}.team", self.prefix),
            Topic::Conversations => format!("{}.conv.>", self.prefix),
            Topic::Conversation(id) => format!("{}.conv.{}.>", self.prefix, token(id.as_str())?),
        })
    }
}

/// The URL without a password, for messages.
fn shown(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => format!("{}{}", &url[..scheme + 3], &url[at + 1..]),
        _ => url.to_owned(),
    }
}

impl Bus for NatsBus {
    fn process(&self) -> &ProcessId {
        &self.process
    }

    fn publish(&self, hint: Hint) -> BoxFuture<'_, Result<(), BusError>> {
        Box::pin(async move {
            let subject = self.subject(&hint)?;
            let payload = Envelope::new(self.process.clone(), hint).encode();
            self.client
                .publish(subject, payload.into())
                .await
                .map_err(|e| BusError::Backend(e.to_string()))
        })
    }

    fn subscribe(&self, topic: Topic) -> BoxFuture<'_, Result<Hints, BusError>> {
        Box::pin(async move {
            let filter = self.filter(&topic)?;
            let subscriber = self
                .client
                .subscribe(filter)
                .await
                .map_err(|e| BusError::Backend(e.to_string()))?;
            self.registered().await;
            let own = self.process.clone();
            let hints = subscriber.filter_map(move |message| {
                let decoded = Envelope::decode(&message.payload);
                let own = own.clone();
                async move {
                    match decoded {
                        Ok(envelope) if envelope.from != own => Some(envelope),
                        Ok(_) => None,
                        Err(err) => {
                            tracing::debug!(%err, subject = %message.subject, "bus: ignored a message");
                            None
                        }
                    }
                }
            });
            Ok(Box::pin(hints) as Hints)
        })
    }

    fn health(&self) -> BusHealth {
        BusHealth {
            backend: "nats",
            connected: self.client.connection_state() == State::Connected,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_url_is_shown_without_its_password() {
        assert_eq!(super::shown("nats://baton:s3cret@bus:4222"), "nats://bus:4222");
        assert_eq!(super::shown("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
    }
}
