//! The server's clock seam: every timestamp the server stamps comes from
//! [`now`], never from the system clock directly.
//!
//! [`now`] is the wall clock read once, when the process first asks, plus
//! tokio's monotonic time since. So:
//! - the timestamps the server stamps never go backwards while it runs,
//!   even when the system clock is stepped back (a restart reads the wall
//!   clock again);
//! - a test on paused time (`#[tokio::test(start_paused = true)]`,
//!   `tokio::time::advance`) moves the server's clock and its timers
//!   together: a response window lapses on `advance`, with no real wait.

use baton_protocol::Timestamp;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The wall clock (ms since the epoch) and the monotonic instant at the
/// process's first read.
static ORIGIN: OnceLock<(u64, Instant)> = OnceLock::new();

/// The time now, in milliseconds since the Unix epoch.
pub fn now() -> Timestamp {
    let (wall, origin) = *ORIGIN.get_or_init(|| {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        // tokio's instant, as below: on a paused runtime the two differ by
        // however long the runtime ran before this first read.
        (wall.as_millis() as u64, tokio::time::Instant::now().into_std())
    });
    // Outside a runtime, or on a runtime whose clock runs, this is the
    // monotonic clock; on a paused runtime, its paused (and advanced) time.
    let since = tokio::time::Instant::now().into_std().saturating_duration_since(origin);
    Timestamp(wall + since.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_wall_clock_and_never_goes_back() {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let a = now();
        let b = now();
        assert!(a.0.abs_diff(wall) < 2_000, "{} vs the wall clock's {wall}", a.0);
        assert!(b >= a);
    }

    #[tokio::test(start_paused = true)]
    async fn paused_time_moves_it() {
        let before = now();
        tokio::time::advance(std::time::Duration::from_secs(90)).await;
        let after = now();
        assert!(
            (90_000..91_000).contains(&(after.0 - before.0)),
            "advanced by {} ms",
            after.0 - before.0
        );
    }
}
