//! Visitor presence as operators see it, and the heartbeat that feeds it.
//!
//! Browsers cannot send WebSocket pings, so clients send an app-level `ping`
//! every [`HEARTBEAT_INTERVAL`] and expect `pong` within
//! [`HEARTBEAT_TIMEOUT`]; the server treats a socket silent for
//! `HEARTBEAT_INTERVAL + HEARTBEAT_TIMEOUT` as dead. The values follow
//! Socket.IO's defaults (pingInterval 25 s, pingTimeout 20 s), which are
//! chosen to stay under the 30–60 s idle timeouts of common proxies and load
//! balancers while costing one small frame per 25 s per visitor; Phoenix
//! channels use a similar 30 s heartbeat.
//!
//! Presence: `online` while a socket is open. When the last one closes the
//! visitor stays `online` for [`RECONNECT_GRACE`] — long enough for a page
//! reload or a network hand-over, so operators see no flicker — then shows
//! `reconnecting`. After [`LOST_AFTER`] without a socket the visitor is
//! `lost` (most likely the tab is closed). Like XMPP stream resumption
//! windows (minutes, not seconds), nothing is discarded at that point:
//! messages sent meanwhile are stored and delivered whenever the visitor
//! returns, and presence goes back to `online`.

use crate::{Millis, Timestamp};
use serde::{Deserialize, Serialize};

/// How often a client sends `ping`.
pub const HEARTBEAT_INTERVAL: Millis = Millis::from_secs(25);
/// How long a client waits for `pong` before it reconnects.
pub const HEARTBEAT_TIMEOUT: Millis = Millis::from_secs(20);
/// Silence after which the server closes a socket.
pub const SERVER_IDLE_LIMIT: Millis = Millis(HEARTBEAT_INTERVAL.0 + HEARTBEAT_TIMEOUT.0);
/// The WebSocket close code a server uses when it closes a connection
/// silent for [`SERVER_IDLE_LIMIT`] (in the application range, like HTTP's
/// 408 Request Timeout). Informative: clients simply reconnect.
pub const CLOSE_IDLE: u16 = 4008;
/// How long a visitor without a socket still shows `online`.
pub const RECONNECT_GRACE: Millis = Millis::from_secs(5);
/// How long without a socket before a visitor shows `lost`.
pub const LOST_AFTER: Millis = Millis::from_secs(120);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum VisitorPresence {
    Online,
    Reconnecting,
    #[default]
    Lost,
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

/// Tracks one visitor's sockets; pure, time is an argument.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PresenceTracker {
    sockets: u32,
    /// When the last socket closed (meaningful while `sockets == 0`).
    gone_since: Option<Timestamp>,
}

impl PresenceTracker {
    pub fn connected(&mut self) {
        self.sockets += 1;
        self.gone_since = None;
    }

    pub fn disconnected(&mut self, now: Timestamp) {
        self.sockets = self.sockets.saturating_sub(1);
        if self.sockets == 0 {
            self.gone_since = Some(now);
        }
    }

    pub fn presence(&self, now: Timestamp) -> VisitorPresence {
        match self.gone_since {
            _ if self.sockets > 0 => VisitorPresence::Online,
            None => VisitorPresence::Lost,
            Some(since) if now.0 < since.0 + RECONNECT_GRACE.0 => VisitorPresence::Online,
            Some(since) if now.0 < since.0 + LOST_AFTER.0 => VisitorPresence::Reconnecting,
            Some(_) => VisitorPresence::Lost,
        }
    }

    /// When `presence` will next change on its own; the driver re-evaluates
    /// then.
    pub fn next_change(&self, now: Timestamp) -> Option<Timestamp> {
        let since = self.gone_since.filter(|_| self.sockets == 0)?;
        [since + RECONNECT_GRACE, since + LOST_AFTER]
            .into_iter()
            .find(|t| *t > now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_reconnect_never_leaves_online() {
        let mut p = PresenceTracker::default();
        p.connected();
        p.disconnected(Timestamp(1_000));
        assert_eq!(
            p.presence(Timestamp(1_000 + RECONNECT_GRACE.0 - 1)),
            VisitorPresence::Online
        );
        p.connected();
        assert_eq!(p.presence(Timestamp(100_000)), VisitorPresence::Online);
    }

    #[test]
    fn online_then_reconnecting_then_lost() {
        let mut p = PresenceTracker::default();
        p.connected();
        p.disconnected(Timestamp(0));
        assert_eq!(p.next_change(Timestamp(0)), Some(Timestamp(RECONNECT_GRACE.0)));
        assert_eq!(p.presence(Timestamp(RECONNECT_GRACE.0)), VisitorPresence::Reconnecting);
        assert_eq!(
            p.next_change(Timestamp(RECONNECT_GRACE.0)),
            Some(Timestamp(LOST_AFTER.0))
        );
        assert_eq!(p.presence(Timestamp(LOST_AFTER.0)), VisitorPresence::Lost);
        assert_eq!(p.next_change(Timestamp(LOST_AFTER.0)), None);
    }

    #[test]
    fn two_tabs_count_as_online_until_both_close() {
        let mut p = PresenceTracker::default();
        p.connected();
        p.connected();
        p.disconnected(Timestamp(0));
        assert_eq!(p.presence(Timestamp(LOST_AFTER.0 * 2)), VisitorPresence::Online);
    }
}
