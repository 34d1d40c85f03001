//! What both clients' connection machines share: when to try again after a
//! socket ends, and when a socket counts as dead. Pure, like the rest of the
//! crate: time and randomness are arguments.
//!
//! The widget's machine (visitor) and the inbox's (operator) each keep their
//! own outbox and cursors, because what they resend differs; the timing of
//! the link itself is one rule, here.
//!
//! - Reconnect delays follow [`backoff`]: exponential, capped, with jitter,
//!   counted from the last welcome.
//! - A new socket must be welcomed within [`WELCOME_TIMEOUT`]; a hung connect
//!   (or a server that accepts and never answers) is dropped.
//! - Browsers cannot send WebSocket pings, so a welcomed link is probed with
//!   an app-level `ping` after [`HEARTBEAT_INTERVAL`] of silence; no frame at
//!   all within [`HEARTBEAT_TIMEOUT`] of it means the link is dead, even if
//!   the browser has not noticed.

use crate::presence::{HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT};
use crate::{Millis, Timestamp};

/// The first reconnect step: about the pause of a server restart.
pub const BACKOFF_BASE: Millis = Millis(500);
/// The longest wait between two attempts, however many failed.
pub const BACKOFF_MAX: Millis = Millis(15_000);

/// How long a new socket may take to open and be welcomed.
pub const WELCOME_TIMEOUT: Millis = HEARTBEAT_TIMEOUT;

/// The delay before reconnect attempt `attempt` (0 after a welcome):
/// exponential from [`BACKOFF_BASE`], capped at [`BACKOFF_MAX`], with "equal
/// jitter" — between half and all of the step, by `jitter` in 0..=1 — so a
/// server restart is not met by every client at the same instant.
pub fn backoff(attempt: u32, jitter: f64) -> Millis {
    let step = BACKOFF_BASE
        .0
        .saturating_mul(1u64 << attempt.min(16))
        .min(BACKOFF_MAX.0);
    let jitter = jitter.clamp(0.0, 1.0);
    Millis(step / 2 + ((step / 2) as f64 * jitter) as u64)
}

/// What the link's clock asks for now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    Nothing,
    /// Send a `ping`.
    Ping,
    /// Drop the socket: not welcomed in time, or silent past the heartbeat.
    Drop,
}

/// One client's link timing: the attempt count for the backoff, the welcome
/// deadline of the current socket, and the heartbeat of a welcomed one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Liveness {
    /// Failed attempts since the last welcome.
    attempt: u32,
    welcomed: bool,
    /// The current socket must be welcomed by then.
    welcome_due: Option<Timestamp>,
    /// When anything was last heard, and when a still-unanswered ping left.
    last_heard: Timestamp,
    ping_sent: Option<Timestamp>,
}

impl Liveness {
    /// A new socket is being opened, as of `now`.
    #[inline]
    pub fn connecting(&mut self, now: Timestamp) {
        self.welcome_due = Some(now + WELCOME_TIMEOUT);
    }

    /// The current socket was welcomed: the backoff starts over.
    #[inline]
    pub fn welcomed(&mut self) {
        self.welcomed = true;
        self.attempt = 0;
        self.welcome_due = None;
    }

    #[inline]
    pub fn is_welcomed(&self) -> bool {
        self.welcomed
    }

    /// A frame arrived at `now`: anything heard proves the link alive.
    #[inline]
    pub fn heard(&mut self, now: Timestamp) {
        self.last_heard = now;
        self.ping_sent = None;
    }

    /// When the last frame arrived.
    #[inline]
    pub fn last_heard(&self) -> Timestamp {
        self.last_heard
    }

    /// The socket ended (or never opened). Returns how long to wait before
    /// the next attempt.
    #[inline]
    pub fn closed(&mut self, jitter: f64) -> Millis {
        self.welcomed = false;
        self.welcome_due = None;
        self.ping_sent = None;
        let delay = backoff(self.attempt, jitter);
        self.attempt = self.attempt.saturating_add(1);
        delay
    }

    /// Time passes. A `Ping` is recorded as sent.
    #[inline]
    pub fn check(&mut self, now: Timestamp) -> Due {
        if !self.welcomed {
            if self.welcome_due.is_some_and(|due| now >= due) {
                self.welcome_due = None;
                return Due::Drop;
            }
            return Due::Nothing;
        }
        match self.ping_sent {
            Some(sent) if now.0 >= sent.0 + HEARTBEAT_TIMEOUT.0 => Due::Drop,
            None if now.0 >= self.last_heard.0 + HEARTBEAT_INTERVAL.0 => {
                self.ping_sent = Some(now);
                Due::Ping
            }
            _ => Due::Nothing,
        }
    }

    /// Ping now, out of turn (the tab came back, the network changed), unless
    /// a ping is already out: a link that died meanwhile is found within
    /// [`HEARTBEAT_TIMEOUT`] instead of a whole interval later.
    #[inline]
    pub fn probe(&mut self, now: Timestamp) -> bool {
        if !self.welcomed || self.ping_sent.is_some() {
            return false;
        }
        self.ping_sent = Some(now);
        true
    }

    /// When [`Liveness::check`] next has something to do.
    #[inline]
    pub fn next_check(&self) -> Option<Timestamp> {
        if !self.welcomed {
            return self.welcome_due;
        }
        Some(self.heartbeat_due())
    }

    /// When a welcomed link next pings, or gives up on the ping it sent.
    #[inline]
    pub fn heartbeat_due(&self) -> Timestamp {
        match self.ping_sent {
            Some(sent) => sent + HEARTBEAT_TIMEOUT,
            None => self.last_heard + HEARTBEAT_INTERVAL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_jitter_to_a_cap() {
        assert_eq!(backoff(0, 0.0), Millis(250));
        assert_eq!(backoff(0, 1.0), Millis(500));
        assert_eq!(backoff(3, 1.0), Millis(4_000));
        assert_eq!(backoff(30, 1.0), BACKOFF_MAX);
        assert_eq!(backoff(30, 0.0), Millis(BACKOFF_MAX.0 / 2));
        // Out-of-range jitter is clamped, not trusted.
        assert_eq!(backoff(0, 7.0), Millis(500));
        assert_eq!(backoff(0, -1.0), Millis(250));
    }

    #[test]
    fn closing_counts_attempts_until_a_welcome() {
        let mut link = Liveness::default();
        let delays: Vec<_> = (0..3).map(|_| link.closed(1.0)).collect();
        assert_eq!(delays, [Millis(500), Millis(1_000), Millis(2_000)]);
        link.welcomed();
        assert_eq!(link.closed(1.0), Millis(500));
    }

    #[test]
    fn a_welcomed_link_pings_when_idle_and_drops_when_unanswered() {
        let mut link = Liveness::default();
        link.connecting(Timestamp(0));
        link.welcomed();
        link.heard(Timestamp(0));
        let ping_at = Timestamp(HEARTBEAT_INTERVAL.0);
        assert_eq!(link.next_check(), Some(ping_at));
        assert_eq!(link.check(Timestamp(ping_at.0 - 1)), Due::Nothing);
        assert_eq!(link.check(ping_at), Due::Ping);
        assert!(!link.probe(ping_at), "one ping at a time");
        assert_eq!(link.check(ping_at + HEARTBEAT_TIMEOUT), Due::Drop);
        // Anything heard in time counts as the answer.
        link.heard(Timestamp(ping_at.0 + 5));
        assert_eq!(link.check(ping_at + HEARTBEAT_TIMEOUT), Due::Nothing);
    }

    #[test]
    fn an_unwelcomed_socket_is_dropped_once_at_its_deadline() {
        let mut link = Liveness::default();
        link.connecting(Timestamp(1_000));
        assert!(!link.probe(Timestamp(1_000)), "nothing to probe before a welcome");
        let due = Timestamp(1_000) + WELCOME_TIMEOUT;
        assert_eq!(link.next_check(), Some(due));
        assert_eq!(link.check(Timestamp(due.0 - 1)), Due::Nothing);
        assert_eq!(link.check(due), Due::Drop);
        assert_eq!(link.check(due), Due::Nothing);
        assert_eq!(link.next_check(), None);
    }
}
