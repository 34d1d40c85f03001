//! Prometheus metrics, served at `/metrics` in the OpenMetrics text format.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub kind: &'static str,
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Open sockets by `kind` (visitor / operator).
    pub connections: Family<KindLabel, Gauge>,
    /// Chat messages stored, by author `kind` (visitor / bot / operator).
    pub messages: Family<KindLabel, Counter>,
    /// Conversations by handover state; set when scraped.
    pub conversations: Family<KindLabel, Gauge>,
    /// Frames refused, by error code.
    pub refused: Family<KindLabel, Counter>,
    /// Time to commit one batch of appends (the store writer), seconds.
    pub store_latency: Histogram,
    /// Appends committed together, per commit.
    pub store_batch: Histogram,
    /// From another process's publishing of a conversation hint to its
    /// arrival here, seconds (both processes' clocks).
    pub bus_hop: Histogram,
    /// Connections, sign-ins and conversations refused by a limit, and
    /// sockets closed for silence, by `kind`: `connections_per_ip`,
    /// `conversations_per_ip`, `sign_in`, `idle_closed`.
    pub limited: Family<KindLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("baton");
        let connections = Family::<KindLabel, Gauge>::default();
        registry.register("connections", "Open WebSocket connections", connections.clone());
        let messages = Family::<KindLabel, Counter>::default();
        registry.register("messages", "Chat messages stored", messages.clone());
        let conversations = Family::<KindLabel, Gauge>::default();
        registry.register(
            "conversations",
            "Conversations by handover state",
            conversations.clone(),
        );
        let refused = Family::<KindLabel, Counter>::default();
        registry.register(
            "frames_refused",
            "Frames answered with an error, by code",
            refused.clone(),
        );
        // 50 µs … ~0.4 s.
        let store_latency = Histogram::new(exponential_buckets(0.000_05, 2.0, 14));
        registry.register(
            "store_append_seconds",
            "Time to commit one batch of appends (group commit)",
            store_latency.clone(),
        );
        // 1 … 256 (`hub::writer::MAX_BATCH`).
        let store_batch = Histogram::new(exponential_buckets(1.0, 2.0, 9));
        registry.register(
            "store_batch_appends",
            "Appends committed together in one transaction",
            store_batch.clone(),
        );
        // 50 µs … ~0.4 s, as the store's.
        let bus_hop = Histogram::new(exponential_buckets(0.000_05, 2.0, 14));
        registry.register(
            "bus_hop_seconds",
            "From another process publishing a conversation hint to its arrival here",
            bus_hop.clone(),
        );
        let limited = Family::<KindLabel, Counter>::default();
        registry.register(
            "limited",
            "Connections, sign-ins and new conversations refused by a per-address limit, and sockets closed for silence",
            limited.clone(),
        );
        Metrics {
            registry,
            limited,
            connections,
            messages,
            conversations,
            refused,
            store_latency,
            store_batch,
            bus_hop,
        }
    }
}

impl Metrics {
    /// Counts one refusal (or idle close) of `kind`.
    pub fn count_limited(&self, kind: &'static str) {
        self.limited.get_or_create(&KindLabel { kind }).inc();
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry).expect("writing to a String cannot fail");
        out
    }
}

/// Increments a gauge for as long as it lives: one per open socket.
#[derive(Debug)]
pub struct ConnectionGuard(Gauge);

impl ConnectionGuard {
    pub fn new(metrics: &Metrics, kind: &'static str) -> Self {
        let gauge = metrics.connections.get_or_create(&KindLabel { kind }).clone();
        gauge.inc();
        ConnectionGuard(gauge)
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}
