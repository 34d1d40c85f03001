//! The bus between server processes: hints, never data. The database is
//! the source of truth; a hint only says "look again" — "conversation C
//! has events up to seq N", "the team changed", "process P holds this
//! many of C's visitor sockets". A process that misses one is healed by
//! the next, or by a client that notices a gap and resumes from its cursor
//! (issue 13). So the bus may drop, repeat or delay a hint; it must never
//! be read as the event itself.
//!
//! Two buses: [`InProcessBus`] (a tokio broadcast channel, the
//! single-process default, nothing to install) and [`NatsBus`] (NATS
//! core pub/sub, for several processes). Every hint travels in an
//! [`Envelope`] that names the process that sent it; a subscription never
//! yields its own process's hints.
//!
//! Why the trait's methods return futures: publishing on NATS hands the
//! message to the client's bounded queue (back-pressure while it
//! reconnects) and subscribing waits for the server to register the
//! subscription. They are boxed, not `async fn`, so the hub can hold an
//! `Arc<dyn Bus>` chosen at start-up.
//!
//! Wire format (the NATS payload; the in-process bus passes the value):
//! one JSON object, `{"v":1,"from":"<process id>","kind":…,…}` — see
//! [`Envelope`] and ARCHITECTURE.md. A receiver drops, with a debug log, a
//! payload of another version or an unknown kind: it is only a hint.

use baton_protocol::{BotId, ConversationId, OperatorId, Seq};
use futures::future::BoxFuture;
use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

mod memory;
mod nats;
mod publisher;
pub use memory::InProcessBus;
pub use nats::NatsBus;
pub use publisher::HintSender;

/// The wire format's version, `"v"` in every payload.
pub const WIRE_VERSION: u32 = 1;

/// Which process sent a hint: random per process start (16 random bytes,
/// hex), so a restarted process is a new sender.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProcessId(pub String);

impl ProcessId {
    pub fn random() -> ProcessId {
        ProcessId(crate::auth::new_id())
    }
}

impl std::fmt::Display for ProcessId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What changed, for other processes to re-read from the store.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Hint {
    /// `conversation`'s log holds events up to `seq` (committed).
    Conversation { conversation: ConversationId, seq: Seq },
    /// The team changed: re-read `operator`'s row (status, role, bots) when
    /// named, `bot`'s settings when named, and the team settings when
    /// neither is.
    Team {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        operator: Option<OperatorId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bot: Option<BotId>,
        /// The operator just went Away by auto-away: each process alerts
        /// the inboxes of theirs it holds (absent: false).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        auto_away: bool,
    },
    /// The sending process now holds `visitors` sockets of `conversation`'s
    /// visitor (0: none). A state, not a toggle, so a repeat is harmless
    /// and the latest per process wins.
    Presence {
        conversation: ConversationId,
        visitors: u32,
    },
    /// `conversation`'s receipt marks moved: re-read them from the store.
    Marks { conversation: ConversationId },
}

/// A hint and who sent it: the unit on the wire,
/// `{"v":1,"from":"…","at_us":1796644221209123,"kind":"conversation","conversation":"…","seq":7}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub v: u32,
    pub from: ProcessId,
    /// When the sender published it (its wall clock, µs since the epoch):
    /// the receiver's `baton_bus_hop_seconds`. Absent from older senders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_us: Option<u64>,
    #[serde(flatten)]
    pub hint: Hint,
}

/// The wall clock in µs since the epoch (not the hub's clock, which tests
/// may pause): how long a hint took between two processes.
pub fn wall_clock_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

impl Envelope {
    pub fn new(from: ProcessId, hint: Hint) -> Envelope {
        Envelope {
            v: WIRE_VERSION,
            from,
            at_us: Some(wall_clock_us()),
            hint,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a hint serialises")
    }

    /// Reads a payload; `Err` says why it is not a hint of this version.
    pub fn decode(payload: &[u8]) -> Result<Envelope, String> {
        #[derive(Deserialize)]
        struct Version {
            v: u32,
        }
        let version: Version = serde_json::from_slice(payload).map_err(|e| format!("not a hint: {e}"))?;
        if version.v != WIRE_VERSION {
            return Err(format!(
                "hint version {} (this process reads {WIRE_VERSION})",
                version.v
            ));
        }
        serde_json::from_slice(payload).map_err(|e| format!("not a hint: {e}"))
    }
}

/// What a subscription receives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topic {
    /// Every hint.
    All,
    /// Team hints.
    Team,
    /// Conversation and presence hints of every conversation (an inbox).
    Conversations,
    /// Conversation and presence hints of one conversation (a visitor's
    /// socket, an open chat).
    Conversation(ConversationId),
}

impl Topic {
    /// Whether `hint` belongs to this topic.
    pub fn matches(&self, hint: &Hint) -> bool {
        match (self, hint) {
            (Topic::All, _) => true,
            (Topic::Team, Hint::Team { .. }) => true,
            (Topic::Conversations, Hint::Conversation { .. } | Hint::Presence { .. } | Hint::Marks { .. }) => true,
            (
                Topic::Conversation(id),
                Hint::Conversation { conversation, .. }
                | Hint::Presence { conversation, .. }
                | Hint::Marks { conversation },
            ) => id == conversation,
            _ => false,
        }
    }
}

/// A stream of other processes' hints. It ends only when the bus is gone.
pub type Hints = BoxStream<'static, Envelope>;

#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// An id that cannot be part of a subject (NATS tokens exclude `.`,
    /// `*`, `>` and whitespace; Baton's ids are hex).
    #[error("{0:?} cannot be part of a bus subject")]
    BadName(String),
    /// The bus could not take the hint or subscription.
    #[error("bus: {0}")]
    Backend(String),
}

/// Whether the bus is usable, for `/healthz`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BusHealth {
    /// `"in-process"` or `"nats"`.
    pub backend: &'static str,
    /// Connected to its server (always true in-process).
    pub connected: bool,
}

/// Carries hints between processes (see the module docs).
pub trait Bus: Send + Sync + std::fmt::Debug {
    /// This process's id, the `from` of what it publishes.
    fn process(&self) -> &ProcessId;
    /// Sends `hint` to every other process subscribed to it. `Ok` means
    /// handed to the bus, not delivered: hints may be lost.
    fn publish(&self, hint: Hint) -> BoxFuture<'_, Result<(), BusError>>;
    /// Other processes' hints on `topic` from now on (the subscription is
    /// registered when this resolves, while the bus is connected).
    fn subscribe(&self, topic: Topic) -> BoxFuture<'_, Result<Hints, BusError>>;
    fn health(&self) -> BusHealth;
    /// Whether `publish` has done its work when it returns, the future
    /// left only to say so (the in-process bus): the hub then publishes
    /// from the store writer's thread itself, rather than waking a task
    /// for each hint — a cost per commit a single process would pay for
    /// nothing.
    fn publishes_at_once(&self) -> bool {
        false
    }
}

/// A subject token: Baton's ids are hex, so anything else is refused
/// rather than escaped.
fn token(name: &str) -> Result<&str, BusError> {
    let ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(name)
    } else {
        Err(BusError::BadName(name.to_owned()))
    }
}

/// Checks a cluster name (`bus_cluster`): one subject token.
pub fn check_cluster(cluster: &str) -> Result<(), BusError> {
    token(cluster).map(|_| ())
}

/// The bus the configuration names: NATS for a `nats://` URL, else the
/// in-process bus.
pub async fn connect(url: Option<&str>, cluster: &str) -> Result<Arc<dyn Bus>, BusError> {
    let process = ProcessId::random();
    match url {
        Some(url) => Ok(Arc::new(NatsBus::connect(url, cluster, process).await?)),
        None => Ok(Arc::new(InProcessBus::new(process))),
    }
}

#[cfg(test)]
mod tests;
