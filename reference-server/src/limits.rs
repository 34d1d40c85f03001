//! Sign-in limits, and a sliding-window rate limiter.
//!
//! Sign-in policy ([`SignInLimits`]): failed sign-ins are counted in a
//! sliding window of [`SignInPolicy::window`] (15 minutes) three ways.
//!
//! - Per address: after 20 failures (any emails) that address is refused
//!   (`429`) until the oldest failure leaves the window.
//! - Per address and email: after 5 failures for one email from one
//!   address, that pair is refused the same way.
//! - Per email, from everywhere: never refused, only slowed. From the 5th
//!   recent failure on, every attempt at that email waits before its
//!   password is checked — 0.5 s, doubling with each further failure, at
//!   most 4 s. So a stranger guessing a teammate's password can make them
//!   wait a few seconds, but never lock them out.
//!
//! A success clears the failures of its address and email pair and of the
//! email; the address's own count stays, so signing in to one's own account
//! does not buy more guesses at someone else's. Everything here is pure:
//! time is an argument.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The numbers of the sign-in policy (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInPolicy {
    pub window: Duration,
    /// Failures per address before it is refused.
    pub per_ip: usize,
    /// Failures per address and email before the pair is refused.
    pub per_ip_email: usize,
    /// Failures per email (from anywhere) before attempts are slowed.
    pub slow_after: usize,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            window: Duration::from_secs(15 * 60),
            per_ip: 20,
            per_ip_email: 5,
            slow_after: 5,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(4),
        }
    }
}

/// What a sign-in attempt may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInGate {
    /// Check the password after waiting `delay` (zero: at once).
    Proceed { delay: Duration },
    /// Refused without checking: this address (or this address for this
    /// email) failed too often; try again after `retry_after`.
    Refused { retry_after: Duration },
}

#[derive(Debug, Default)]
struct Failures {
    by_ip: HashMap<IpAddr, Vec<Instant>>,
    by_ip_email: HashMap<(IpAddr, String), Vec<Instant>>,
    by_email: HashMap<String, Vec<Instant>>,
}

/// Failed sign-ins, and what the next attempt may do.
#[derive(Debug, Default)]
pub struct SignInLimits {
    policy: SignInPolicy,
    failures: Mutex<Failures>,
}

/// Emails are compared trimmed and lower-cased.
fn normal(email: &str) -> String {
    email.trim().to_lowercase()
}

fn prune<K: Eq + std::hash::Hash>(map: &mut HashMap<K, Vec<Instant>>, now: Instant, window: Duration) {
    map.retain(|_, times| {
        times.retain(|t| now.saturating_duration_since(*t) < window);
        !times.is_empty()
    });
}

impl SignInLimits {
    pub fn new(policy: SignInPolicy) -> SignInLimits {
        SignInLimits {
            policy,
            failures: Mutex::default(),
        }
    }

    pub fn policy(&self) -> SignInPolicy {
        self.policy
    }

    pub fn check(&self, ip: IpAddr, email: &str, now: Instant) -> SignInGate {
        let policy = self.policy;
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let f = &mut *failures;
        prune(&mut f.by_ip, now, policy.window);
        prune(&mut f.by_ip_email, now, policy.window);
        prune(&mut f.by_email, now, policy.window);
        let email = normal(email);
        // Refused while `limit` failures are in the window: until the one
        // that would bring the count under the limit leaves it.
        let refusal = |times: Option<&Vec<Instant>>, limit: usize| {
            let times = times.filter(|t| t.len() >= limit)?;
            let freeing = times[times.len() - limit];
            Some(policy.window.saturating_sub(now.saturating_duration_since(freeing)))
        };
        let refused = [
            refusal(f.by_ip.get(&ip), policy.per_ip),
            refusal(f.by_ip_email.get(&(ip, email.clone())), policy.per_ip_email),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(retry_after) = refused {
            return SignInGate::Refused { retry_after };
        }
        let recent = f.by_email.get(&email).map_or(0, Vec::len);
        let delay = match recent.checked_sub(policy.slow_after) {
            None => Duration::ZERO,
            Some(extra) => policy
                .first_delay
                .saturating_mul(1 << extra.min(16) as u32)
                .min(policy.max_delay),
        };
        SignInGate::Proceed { delay }
    }

    pub fn failed(&self, ip: IpAddr, email: &str, now: Instant) {
        let policy = self.policy;
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let email = normal(email);
        // Kept bounded: more failures than the limits look at change nothing.
        let record = |times: &mut Vec<Instant>, keep: usize| {
            times.push(now);
            if times.len() > keep {
                times.remove(0);
            }
        };
        record(failures.by_ip.entry(ip).or_default(), policy.per_ip);
        record(
            failures.by_ip_email.entry((ip, email.clone())).or_default(),
            policy.per_ip_email,
        );
        record(failures.by_email.entry(email).or_default(), policy.slow_after + 17);
    }

    pub fn succeeded(&self, ip: IpAddr, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let email = normal(email);
        failures.by_ip_email.remove(&(ip, email.clone()));
        failures.by_email.remove(&email);
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
        self.check_up_to(key, self.max, now)
    }

    /// [`RateLimiter::check`] with the bound given here rather than at
    /// construction (a configured one).
    pub fn check_up_to(&self, key: &str, max: usize, now: Instant) -> Result<(), Duration> {
        let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        recent.retain(|_, times| {
            times.retain(|t| now.duration_since(*t) < self.window);
            !times.is_empty()
        });
        let times = recent.entry(key.to_owned()).or_default();
        if times.len() >= max {
            let oldest = times[times.len() - max.max(1)];
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

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([127, 0, 0, last])
    }

    #[test]
    fn one_address_guessing_one_email_is_refused_while_another_address_is_only_slowed() {
        let limits = SignInLimits::default();
        let t0 = Instant::now();
        for i in 0..5 {
            assert_eq!(
                limits.check(ip(2), "Ana@shop.test", t0),
                SignInGate::Proceed { delay: Duration::ZERO },
                "attempt {i}"
            );
            limits.failed(ip(2), "ana@shop.test ", t0);
        }
        assert_eq!(
            limits.check(ip(2), "ana@shop.test", t0 + Duration::from_secs(60)),
            SignInGate::Refused {
                retry_after: Duration::from_secs(14 * 60)
            }
        );
        // Never a lock for the email: another address gets a short wait.
        assert_eq!(
            limits.check(ip(3), "ana@shop.test", t0),
            SignInGate::Proceed {
                delay: Duration::from_millis(500)
            }
        );
        // The guessing address may still try other emails.
        assert_eq!(
            limits.check(ip(2), "ben@shop.test", t0),
            SignInGate::Proceed { delay: Duration::ZERO }
        );
        // And after the window, the pair again.
        assert!(matches!(
            limits.check(ip(2), "ana@shop.test", t0 + Duration::from_secs(15 * 60)),
            SignInGate::Proceed { .. }
        ));
    }

    #[test]
    fn the_slow_down_grows_and_stops_at_its_maximum_and_a_success_ends_it() {
        let limits = SignInLimits::default();
        let t0 = Instant::now();
        let mut delays = Vec::new();
        for i in 0..12u8 {
            // A different address each time: no address is ever refused.
            match limits.check(ip(10 + i), "ana@shop.test", t0) {
                SignInGate::Proceed { delay } => delays.push(delay.as_millis()),
                refused => panic!("attempt {i}: {refused:?}"),
            }
            limits.failed(ip(10 + i), "ana@shop.test", t0);
        }
        assert_eq!(delays, [0, 0, 0, 0, 0, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
        limits.succeeded(ip(99), "ana@shop.test");
        assert_eq!(
            limits.check(ip(98), "ana@shop.test", t0),
            SignInGate::Proceed { delay: Duration::ZERO }
        );
    }

    #[test]
    fn an_address_failing_on_many_emails_is_refused_and_a_success_does_not_reset_it() {
        let limits = SignInLimits::default();
        let t0 = Instant::now();
        for i in 0..20 {
            limits.failed(ip(2), &format!("user{i}@shop.test"), t0 + Duration::from_secs(i));
        }
        limits.succeeded(ip(2), "mine@shop.test");
        assert_eq!(
            limits.check(ip(2), "mine@shop.test", t0 + Duration::from_secs(20)),
            SignInGate::Refused {
                retry_after: Duration::from_secs(15 * 60 - 20)
            }
        );
        assert!(matches!(
            limits.check(ip(3), "mine@shop.test", t0),
            SignInGate::Proceed { .. }
        ));
        // The first failure leaves the window: one more attempt.
        assert!(matches!(
            limits.check(ip(2), "mine@shop.test", t0 + Duration::from_secs(15 * 60)),
            SignInGate::Proceed { .. }
        ));
    }
}
