//! The waiting line (PROTOCOL.md §7.14): the order of the chats waiting for
//! a person, a visitor's place in it, the honest estimate of their wait,
//! and when an unclaimed request is escalated.
//!
//! - Order: higher [`Priority`] first, then who asked first, then the
//!   conversation id (so two servers agree on a tie).
//! - Place: the 1-based position among the waiting chats *of the same bot*.
//! - Estimate ([`JoinTimes`]): from the bot's recent time-to-join — how long
//!   a request waited before an operator joined it. Only joins in the last
//!   [`ESTIMATE_WINDOW`] count, at most the newest [`ESTIMATE_SAMPLES`] of
//!   them; with fewer than [`MIN_SAMPLES`] there is no figure (the widget
//!   says "a few minutes"). With enough: the median wait times the position,
//!   rounded up to whole minutes, at least one. Lapsed and cancelled
//!   requests are not samples (nobody joined them).
//! - Escalation ([`unclaimed_alert_at`]): a request nobody claimed is
//!   re-alerted, and sent to the outside channels, at half its window.

use crate::{ConversationId, Millis, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// How urgently a request needs a person. A bot may set it when it hands
/// over; a visitor's own request is `normal`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    #[default]
    Normal,
    High,
    Urgent,
    /// A priority this build does not know (a newer peer): ordered as normal.
    #[serde(other)]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[cfg_attr(feature = "ts", ts(skip))]
    Unknown,
}

impl Priority {
    pub fn is_normal(&self) -> bool {
        *self == Priority::Normal
    }

    /// Rank for ordering: higher first; unknown counts as normal.
    pub fn rank(self) -> u8 {
        match self {
            Priority::Normal | Priority::Unknown => 0,
            Priority::High => 1,
            Priority::Urgent => 2,
        }
    }
}

/// One chat waiting for a person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitingChat {
    pub conversation: ConversationId,
    pub priority: Priority,
    /// When its current request was made (help requested, or owner gone).
    pub since: Timestamp,
}

/// Sorts waiting chats into the order the team sees them and the visitors
/// are told: priority, then who asked first, then id.
pub fn order(chats: &mut [WaitingChat]) {
    chats.sort_by(|a, b| {
        b.priority
            .rank()
            .cmp(&a.priority.rank())
            .then(a.since.cmp(&b.since))
            .then_with(|| a.conversation.cmp(&b.conversation))
    });
}

/// Each waiting chat of one bot with its 1-based place in the line.
pub fn places(mut chats: Vec<WaitingChat>) -> Vec<(ConversationId, u32)> {
    order(&mut chats);
    chats
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c.conversation, u32::try_from(i + 1).unwrap_or(u32::MAX)))
        .collect()
}

/// Only joins this recent are samples for the estimate.
pub const ESTIMATE_WINDOW: Millis = Millis::from_secs(60 * 60);
/// At most this many (the newest) samples are used.
pub const ESTIMATE_SAMPLES: usize = 20;
/// Fewer samples than this: no figure ("a few minutes").
pub const MIN_SAMPLES: usize = 3;

/// One bot's recent time-to-join samples, newest last.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JoinTimes {
    samples: VecDeque<(Timestamp, Millis)>,
}

impl JoinTimes {
    /// An operator joined at `joined` a request made at `requested`.
    pub fn record(&mut self, requested: Timestamp, joined: Timestamp) {
        self.samples
            .push_back((joined, Millis(joined.0.saturating_sub(requested.0))));
        while self.samples.len() > ESTIMATE_SAMPLES {
            self.samples.pop_front();
        }
    }

    /// The estimated wait, in whole minutes, for the chat at `position`;
    /// `None` while there are too few recent samples to say.
    pub fn estimate_minutes(&self, now: Timestamp, position: u32) -> Option<u32> {
        let since = Timestamp(now.0.saturating_sub(ESTIMATE_WINDOW.0));
        let mut waits: Vec<u64> = self
            .samples
            .iter()
            .filter(|(at, _)| *at >= since && *at <= now)
            .map(|(_, wait)| wait.0)
            .collect();
        if waits.len() < MIN_SAMPLES {
            return None;
        }
        waits.sort_unstable();
        let n = waits.len();
        let median = if n % 2 == 1 {
            waits[n / 2]
        } else {
            (waits[n / 2 - 1] + waits[n / 2]) / 2
        };
        let total = median.saturating_mul(u64::from(position.max(1)));
        let minutes = total.div_ceil(60_000).max(1);
        Some(u32::try_from(minutes).unwrap_or(u32::MAX))
    }
}

/// When a request made at `requested` with `deadline` is escalated if
/// nobody claimed it: half way through its window.
pub fn unclaimed_alert_at(requested: Timestamp, deadline: Timestamp) -> Timestamp {
    Timestamp(requested.0 + deadline.0.saturating_sub(requested.0) / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(id: &str, priority: Priority, since: u64) -> WaitingChat {
        WaitingChat {
            conversation: ConversationId(id.into()),
            priority,
            since: Timestamp(since),
        }
    }

    #[test]
    fn the_line_is_priority_then_first_come() {
        let places = places(vec![
            chat("c", Priority::Normal, 30),
            chat("a", Priority::Normal, 10),
            chat("u", Priority::Urgent, 50),
            chat("h", Priority::High, 40),
            chat("b", Priority::Normal, 10),
        ]);
        let ids: Vec<_> = places.iter().map(|(c, p)| (c.0.as_str(), *p)).collect();
        assert_eq!(ids, [("u", 1), ("h", 2), ("a", 3), ("b", 4), ("c", 5)]);
    }

    #[test]
    fn an_unknown_priority_waits_like_a_normal_one() {
        let places = places(vec![chat("x", Priority::Unknown, 20), chat("y", Priority::Normal, 10)]);
        assert_eq!(places[0].0.0, "y");
    }

    #[test]
    fn no_figure_until_three_recent_joins() {
        let mut times = JoinTimes::default();
        let now = Timestamp(10_000_000);
        assert_eq!(times.estimate_minutes(now, 1), None);
        times.record(Timestamp(9_000_000), Timestamp(9_060_000));
        times.record(Timestamp(9_100_000), Timestamp(9_220_000));
        assert_eq!(times.estimate_minutes(now, 1), None, "two samples say nothing");
        times.record(Timestamp(9_300_000), Timestamp(9_480_000));
        // Waits 60 s, 120 s, 180 s: median 2 min.
        assert_eq!(times.estimate_minutes(now, 1), Some(2));
        assert_eq!(times.estimate_minutes(now, 2), Some(4));
    }

    #[test]
    fn old_joins_stop_counting_after_the_window() {
        let mut times = JoinTimes::default();
        for i in 0..3 {
            times.record(Timestamp(i * 1000), Timestamp(i * 1000 + 30_000));
        }
        assert_eq!(
            times.estimate_minutes(Timestamp(40_000), 1),
            Some(1),
            "30 s rounds up to a minute"
        );
        let later = Timestamp(32_000 + ESTIMATE_WINDOW.0 + 1);
        assert_eq!(times.estimate_minutes(later, 1), None);
    }

    #[test]
    fn only_the_newest_samples_are_kept() {
        let mut times = JoinTimes::default();
        for i in 0..ESTIMATE_SAMPLES as u64 {
            times.record(Timestamp(i), Timestamp(i + 600_000)); // 10 min waits
        }
        for i in 0..ESTIMATE_SAMPLES as u64 {
            times.record(Timestamp(1_000 + i), Timestamp(1_000 + i + 60_000)); // then 1 min
        }
        assert_eq!(times.estimate_minutes(Timestamp(700_000), 1), Some(1));
    }

    #[test]
    fn escalation_comes_at_half_the_window() {
        assert_eq!(
            unclaimed_alert_at(Timestamp(1_000), Timestamp(181_000)),
            Timestamp(91_000)
        );
        assert_eq!(unclaimed_alert_at(Timestamp(5), Timestamp(5)), Timestamp(5));
    }
}
