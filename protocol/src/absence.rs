//! When the owner of a chat no longer counts as there, pure.
//!
//! A visitor chatting with a person must never be left talking to nobody
//! while the bot stays muted. The owner is *gone* when:
//! - they are Offline (they set it, or an admin did) — at once;
//! - their account was deactivated — at once;
//! - no inbox of theirs has been connected for the bot's grace period
//!   *while the visitor waits for a reply* (a visitor message not yet
//!   answered): a closed laptop lid, a crashed tab. An owner whose inbox is
//!   closed while the visitor has nothing pending is not gone: nobody waits.
//!
//! The driver asks [`owner_verdict`] whenever one of these facts changes and
//! at the [`Verdict::CheckAt`] time it returns, and feeds a
//! [`Verdict::Gone`] to the conversation as
//! [`crate::conversation::Input::OwnerGone`]; the handover rules turn that
//! into an `owner_gone` event that puts the chat back in Waiting with a
//! new response window.

use crate::event::OwnerGoneReason;
use crate::operator::OperatorStatus;
use crate::{Millis, Timestamp};

/// What the driver knows about the owner of one chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnerFacts {
    pub status: OperatorStatus,
    /// False once the account is deactivated.
    pub active: bool,
    /// Since when no inbox of the owner has been connected; `None` while at
    /// least one is.
    pub inbox_closed_since: Option<Timestamp>,
}

/// The answer for one chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The owner is there (or nobody is waiting on them).
    Present,
    /// Not yet, but ask again at this time if nothing changes.
    CheckAt(Timestamp),
    /// The chat must go back to the team.
    Gone(OwnerGoneReason),
}

/// Judges whether the owner is gone. `awaiting_reply_since` is when the
/// visitor's oldest unanswered message arrived
/// ([`crate::conversation::ConversationCore::awaiting_reply_since`]);
/// `grace` is the bot's setting.
pub fn owner_verdict(
    owner: OwnerFacts,
    awaiting_reply_since: Option<Timestamp>,
    grace: Millis,
    now: Timestamp,
) -> Verdict {
    if !owner.active {
        return Verdict::Gone(OwnerGoneReason::Deactivated);
    }
    if owner.status == OperatorStatus::Offline {
        return Verdict::Gone(OwnerGoneReason::Offline);
    }
    match (owner.inbox_closed_since, awaiting_reply_since) {
        (Some(closed), Some(waiting)) => {
            let due = closed.max(waiting) + grace;
            if now >= due {
                Verdict::Gone(OwnerGoneReason::Disconnected)
            } else {
                Verdict::CheckAt(due)
            }
        }
        _ => Verdict::Present,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Millis = Millis(180_000);

    fn owner(status: OperatorStatus, closed: Option<u64>) -> OwnerFacts {
        OwnerFacts {
            status,
            active: true,
            inbox_closed_since: closed.map(Timestamp),
        }
    }

    #[test]
    fn offline_or_deactivated_owners_are_gone_at_once() {
        let now = Timestamp(10);
        assert_eq!(
            owner_verdict(owner(OperatorStatus::Offline, None), None, GRACE, now),
            Verdict::Gone(OwnerGoneReason::Offline)
        );
        let deactivated = OwnerFacts {
            active: false,
            ..owner(OperatorStatus::Available, None)
        };
        assert_eq!(
            owner_verdict(deactivated, None, GRACE, now),
            Verdict::Gone(OwnerGoneReason::Deactivated)
        );
    }

    #[test]
    fn a_closed_inbox_matters_only_while_the_visitor_waits() {
        let away = owner(OperatorStatus::Away, Some(1_000));
        assert_eq!(owner_verdict(away, None, GRACE, Timestamp(1_000_000)), Verdict::Present);
        let open = owner(OperatorStatus::Available, None);
        assert_eq!(
            owner_verdict(open, Some(Timestamp(5)), GRACE, Timestamp(1_000_000)),
            Verdict::Present
        );
    }

    #[test]
    fn the_grace_period_runs_from_the_later_of_closing_and_waiting() {
        let closed = owner(OperatorStatus::Available, Some(1_000));
        // The visitor wrote after the inbox closed: the grace runs from then.
        assert_eq!(
            owner_verdict(closed, Some(Timestamp(5_000)), GRACE, Timestamp(6_000)),
            Verdict::CheckAt(Timestamp(185_000))
        );
        assert_eq!(
            owner_verdict(closed, Some(Timestamp(5_000)), GRACE, Timestamp(185_000)),
            Verdict::Gone(OwnerGoneReason::Disconnected)
        );
        // The visitor was already waiting when the inbox closed.
        assert_eq!(
            owner_verdict(closed, Some(Timestamp(10)), GRACE, Timestamp(2_000)),
            Verdict::CheckAt(Timestamp(181_000))
        );
    }
}
