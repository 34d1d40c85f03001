//! Who receives what about a conversation (PROTOCOL.md §3.5, "Delivery
//! scope"): the pure rules the server's fan-out asks.

use crate::{ConversationId, EventBody, HandoverState, Millis, OperatorId, Timestamp};
use std::collections::HashMap;
use std::hash::Hash;

/// True when an operator connection gets a conversation's `event` frame
/// for `event`: it has the conversation open (its latest `open` named it),
/// the operator owns the chat (`state`, as it stands after the event), or
/// the event is a handover step that names them — so an owner who is
/// replaced, transferred away, left or lost the chat hears of it too.
/// Every other connection that sees the conversation gets only its
/// `conversation` row.
pub fn gets_events(
    operator: &OperatorId,
    opened: Option<&ConversationId>,
    conversation: &ConversationId,
    state: &HandoverState,
    event: &EventBody,
) -> bool {
    opened == Some(conversation)
        || matches!(state, HandoverState::Human { operator: owner } if &owner.id == operator)
        || names(event, operator)
}

/// The event is a handover step with `operator` as one of its parties.
fn names(event: &EventBody, operator: &OperatorId) -> bool {
    let is = |p: &crate::OperatorProfile| &p.id == operator;
    match event {
        EventBody::OperatorJoined { operator: p }
        | EventBody::OperatorLeft { operator: p }
        | EventBody::VisitorEndedHuman { operator: p }
        | EventBody::OwnerGone { operator: p, .. } => is(p),
        EventBody::OperatorTookOver {
            operator: a,
            previous: b,
        }
        | EventBody::Transferred { from: b, to: a } => is(a) || is(b),
        EventBody::Resolved { by } => by.as_ref().is_some_and(is),
        _ => false,
    }
}

/// How often one conversation's row may go to one operator connection: a
/// row that changes again within this interval is sent once, with its
/// latest state, when the interval ends (PROTOCOL.md §3.5 `conversation`).
pub const ROW_INTERVAL: Millis = Millis(250);

/// Coalesces list-row updates for one connection: the latest value per row,
/// each row sent at most once per `interval`. Sans-io: time is an argument;
/// the caller sends what [`RowCoalescer::take_due`] returns and wakes up at
/// [`RowCoalescer::next_due`]. Memory is bounded by the rows that changed
/// within the last interval, whatever the rate of changes.
#[derive(Debug)]
pub struct RowCoalescer<K, V> {
    interval: u64,
    /// Rows waiting to go, latest value only.
    pending: HashMap<K, V>,
    /// When each recently sent row went (older entries are pruned).
    sent: HashMap<K, Timestamp>,
}

impl<K: Hash + Eq + Clone, V> RowCoalescer<K, V> {
    pub fn new(interval: Millis) -> Self {
        RowCoalescer {
            interval: interval.0,
            pending: HashMap::new(),
            sent: HashMap::new(),
        }
    }

    /// A row's new state; replaces any state of it still waiting.
    pub fn offer(&mut self, key: K, value: V) {
        self.pending.insert(key, value);
    }

    /// Drops a row's waiting state (a fresher copy went another way).
    pub fn forget(&mut self, key: &K) {
        self.pending.remove(key);
    }

    fn due_at(&self, key: &K) -> Timestamp {
        self.sent
            .get(key)
            .map_or(Timestamp(0), |at| Timestamp(at.0 + self.interval))
    }

    /// The rows that may go at `now`, each marked sent.
    pub fn take_due(&mut self, now: Timestamp) -> Vec<V> {
        self.sent.retain(|_, at| at.0 + self.interval > now.0);
        let due: Vec<K> = self.pending.keys().filter(|k| self.due_at(k) <= now).cloned().collect();
        due.into_iter()
            .filter_map(|key| {
                let value = self.pending.remove(&key)?;
                self.sent.insert(key, now);
                Some(value)
            })
            .collect()
    }

    /// When the earliest waiting row may go (`None`: nothing waits).
    pub fn next_due(&self) -> Option<Timestamp> {
        self.pending.keys().map(|k| self.due_at(k)).min()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OperatorProfile;

    fn op(id: &str) -> OperatorId {
        OperatorId::from(id)
    }

    fn conv(id: &str) -> ConversationId {
        ConversationId::from(id)
    }

    fn profile(id: &str) -> OperatorProfile {
        OperatorProfile {
            id: op(id),
            name: id.into(),
            avatar_url: None,
            colour: None,
        }
    }

    fn owned_by(id: &str) -> HandoverState {
        HandoverState::Human { operator: profile(id) }
    }

    fn message() -> EventBody {
        EventBody::Message {
            author: crate::Author::Visitor,
            text: "hi".into(),
            client_msg_id: None,
            offer_human: false,
            original: None,
        }
    }

    #[test]
    fn the_open_conversation_gets_events_whoever_owns_it() {
        let c = conv("c1");
        assert!(gets_events(&op("dana"), Some(&c), &c, &HandoverState::Bot, &message()));
        assert!(gets_events(&op("dana"), Some(&c), &c, &owned_by("eli"), &message()));
    }

    #[test]
    fn the_owner_gets_events_without_opening() {
        let c = conv("c1");
        assert!(gets_events(&op("eli"), None, &c, &owned_by("eli"), &message()));
        assert!(gets_events(
            &op("eli"),
            Some(&conv("c2")),
            &c,
            &owned_by("eli"),
            &message()
        ));
    }

    #[test]
    fn anyone_else_gets_only_rows() {
        let c = conv("c1");
        let waiting = HandoverState::Waiting { deadline: Timestamp(5) };
        assert!(!gets_events(&op("dana"), None, &c, &waiting, &message()));
        assert!(!gets_events(
            &op("dana"),
            Some(&conv("c2")),
            &c,
            &owned_by("eli"),
            &message()
        ));
        assert!(!gets_events(&op("dana"), None, &c, &HandoverState::Bot, &message()));
    }

    #[test]
    fn an_owner_losing_the_chat_hears_of_it() {
        let c = conv("c1");
        let took = EventBody::OperatorTookOver {
            operator: profile("noor"),
            previous: profile("eli"),
        };
        assert!(gets_events(&op("eli"), None, &c, &owned_by("noor"), &took));
        let ended = EventBody::VisitorEndedHuman {
            operator: profile("eli"),
        };
        assert!(gets_events(&op("eli"), None, &c, &HandoverState::Bot, &ended));
        assert!(!gets_events(&op("dana"), None, &c, &HandoverState::Bot, &ended));
        let moved = EventBody::Transferred {
            from: profile("eli"),
            to: profile("noor"),
        };
        assert!(gets_events(&op("eli"), None, &c, &owned_by("noor"), &moved));
    }

    fn coalescer() -> RowCoalescer<&'static str, u32> {
        RowCoalescer::new(Millis(250))
    }

    #[test]
    fn a_first_change_goes_at_once() {
        let mut rows = coalescer();
        rows.offer("c1", 1);
        assert_eq!(rows.next_due(), Some(Timestamp(0)));
        assert_eq!(rows.take_due(Timestamp(1_000)), [1]);
        assert!(rows.is_empty());
        assert_eq!(rows.next_due(), None);
    }

    #[test]
    fn changes_within_the_interval_go_once_with_the_latest_state_when_it_ends() {
        let mut rows = coalescer();
        rows.offer("c1", 1);
        assert_eq!(rows.take_due(Timestamp(1_000)), [1]);
        for v in 2..=9 {
            rows.offer("c1", v);
            assert!(
                rows.take_due(Timestamp(1_000 + v as u64 * 20)).is_empty(),
                "held at {v}"
            );
        }
        assert_eq!(rows.next_due(), Some(Timestamp(1_250)));
        assert!(rows.take_due(Timestamp(1_249)).is_empty());
        assert_eq!(rows.take_due(Timestamp(1_250)), [9]);
        // The next change waits for the interval after that send.
        rows.offer("c1", 10);
        assert_eq!(rows.next_due(), Some(Timestamp(1_500)));
    }

    #[test]
    fn rows_are_timed_independently() {
        let mut rows = coalescer();
        rows.offer("c1", 1);
        assert_eq!(rows.take_due(Timestamp(1_000)), [1]);
        rows.offer("c1", 2);
        rows.offer("c2", 20);
        assert_eq!(rows.take_due(Timestamp(1_100)), [20], "c2 was not sent lately");
        assert_eq!(rows.take_due(Timestamp(1_250)), [2]);
    }

    #[test]
    fn a_forgotten_row_does_not_go_and_memory_stays_bounded() {
        let mut rows = coalescer();
        rows.offer("c1", 1);
        rows.forget(&"c1");
        assert!(rows.take_due(Timestamp(1_000)).is_empty());
        for i in 0..1_000u32 {
            rows.offer("c1", i);
        }
        assert_eq!(rows.take_due(Timestamp(2_000)), [999]);
        rows.take_due(Timestamp(5_000));
        assert!(rows.sent.is_empty(), "old send times are pruned");
    }
}
