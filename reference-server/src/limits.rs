//! Sign-in attempt limiting: after too many failures for one email, or from
//! one address, further attempts are refused for a while — slow enough to
//! make guessing a password hopeless, short enough not to lock a person out
//! for long.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed per key within [`WINDOW`].
pub const MAX_FAILURES: u32 = 5;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    /// `Err(retry_after)` while any of `keys` is locked out.
    pub fn check(&self, keys: &[String], now: Instant) -> Result<(), Duration> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.retain(|_, (_, since)| now.duration_since(*since) < WINDOW);
        let locked = keys
            .iter()
            .filter_map(|k| failures.get(k))
            .filter(|(count, _)| *count >= MAX_FAILURES)
            .map(|(_, since)| WINDOW.saturating_sub(now.duration_since(*since)))
            .max();
        match locked {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn failed(&self, keys: &[String], now: Instant) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            let entry = failures.entry(key.clone()).or_insert((0, now));
            entry.0 += 1;
        }
    }

    pub fn succeeded(&self, keys: &[String]) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in keys {
            failures.remove(key);
        }
    }
}

/// At most `max` requests per key in any `window` (a sliding window): the
/// Suggest button's limit per operator, so one inbox cannot keep the
/// server busy drafting.
#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    recent: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> RateLimiter {
        RateLimiter {
            max,
            window,
            recent: Mutex::default(),
        }
    }

    /// Counts a request for `key`; `Err(retry_after)` when it is over the
    /// limit (a refused request does not count).
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < self.window);
            !times.is_empty()
        });
        let times = recent.entry(key.to_owned()).or_default();
        if times.len() >= self.max {
            let oldest = times[0];
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        times.push(now);
        Ok(())
    }
}

/// Suggest: ten drafts per operator per minute.
pub fn suggest_limiter() -> RateLimiter {
    RateLimiter::new(10, Duration::from_secs(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_refuses_the_eleventh_in_a_minute_and_frees_up_as_it_slides() {
        let limiter = suggest_limiter();
        let t0 = Instant::now();
        for i in 0..10 {
            assert!(
                limiter.check("op-a", t0 + Duration::from_secs(i)).is_ok(),
                "request {i}"
            );
        }
        let wait = limiter
            .check("op-a", t0 + Duration::from_secs(10))
            .expect_err("the 11th");
        assert_eq!(wait, Duration::from_secs(50));
        assert!(
            limiter.check("op-b", t0 + Duration::from_secs(10)).is_ok(),
            "per operator"
        );
        assert!(
            limiter.check("op-a", t0 + Duration::from_secs(60)).is_ok(),
            "the first left the window"
        );
        assert!(
            limiter.check("op-a", t0 + Duration::from_secs(60)).is_err(),
            "but only the first"
        );
    }

    #[test]
    fn locks_after_max_failures_and_unlocks_after_the_window() {
        let limiter = LoginLimiter::default();
        let keys = vec!["email:a@b".to_owned()];
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(limiter.check(&keys, t0).is_ok());
            limiter.failed(&keys, t0);
        }
        assert!(limiter.check(&keys, t0).is_err());
        assert!(
            limiter.check(&["email:other".to_owned()], t0).is_ok(),
            "other accounts are unaffected"
        );
        assert!(limiter.check(&keys, t0 + WINDOW).is_ok());
    }

    #[test]
    fn success_clears_the_count() {
        let limiter = LoginLimiter::default();
        let keys = vec!["ip:1".to_owned()];
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            limiter.failed(&keys, t0);
        }
        limiter.succeeded(&keys);
        limiter.failed(&keys, t0);
        assert!(limiter.check(&keys, t0).is_ok());
    }
}
