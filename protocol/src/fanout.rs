//! Who receives what about a conversation (PROTOCOL.md §3.5, "Delivery
//! scope"): the pure rules the server's fan-out asks.

use crate::{ConversationId, EventBody, HandoverState, OperatorId};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OperatorProfile, Timestamp};

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
}
