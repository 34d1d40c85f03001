//! Retention: which stored conversations are due for deletion. A resolved
//! conversation is deleted once nothing has happened in it for the kept
//! period; open ones (bot, waiting, with a person) are never due, however
//! old. Time is an input: the server asks with its clock, tests with any.

use crate::{HandoverState, Millis, Timestamp};

/// Whether a conversation in `state`, last active at `last_activity`, is
/// due for deletion at `now` when resolved chats are kept for `keep`.
pub fn due(state: &HandoverState, last_activity: Timestamp, now: Timestamp, keep: Millis) -> bool {
    state == &HandoverState::Resolved && now.0.saturating_sub(last_activity.0) >= keep.0
}

/// `days` as a period (a day is 86,400,000 ms; no calendar).
pub fn days(days: u64) -> Millis {
    Millis(days.saturating_mul(86_400_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400_000;

    #[test]
    fn only_resolved_chats_past_the_period_are_due() {
        let keep = days(30);
        let at = Timestamp(1_000 * DAY);
        let later = |d: u64| Timestamp(at.0 + d * DAY);
        assert!(!due(&HandoverState::Resolved, at, later(29), keep));
        assert!(due(&HandoverState::Resolved, at, later(30), keep));
        assert!(due(&HandoverState::Resolved, at, later(400), keep));
        for open in [
            HandoverState::Bot,
            HandoverState::Waiting { deadline: later(1) },
            HandoverState::Unknown,
        ] {
            assert!(!due(&open, at, later(400), keep), "{open:?} is never due");
        }
        // A clock behind the last activity is not past the period.
        assert!(!due(&HandoverState::Resolved, later(1), at, keep));
    }
}
