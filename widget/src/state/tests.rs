use super::*;
use baton_protocol::{OperatorId, OperatorProfile, Seq, Timestamp};

fn availability(human_available: bool) -> Availability {
    Availability {
        human_available,
        button_label: "Talk to a human".into(),
        offline_message: "Offline".into(),
        show_button: true,
    }
}

fn event(seq: u64, body: EventBody) -> ConversationEvent {
    ConversationEvent {
        seq: Seq(seq),
        at: Timestamp(seq),
        body,
    }
}

fn dana() -> OperatorProfile {
    OperatorProfile {
        id: OperatorId("d".into()),
        name: "Dana".into(),
        avatar_url: None,
        colour: None,
    }
}

#[test]
fn the_human_button_follows_availability_and_handover_state() {
    let mut s = ChatState::default();
    s.apply(Update::Snapshot {
        state: HandoverState::Bot,
        availability: availability(false),
        team_marks: Default::default(),
    });
    assert!(!s.can_request_human());
    s.apply(Update::Availability(availability(true)));
    assert!(s.can_request_human());
    s.apply(Update::Events(vec![event(
        1,
        EventBody::HelpRequested { deadline: Timestamp(9) },
    )]));
    assert!(!s.can_request_human(), "already waiting");
    s.apply(Update::Events(vec![event(
        2,
        EventBody::OperatorJoined { operator: dana() },
    )]));
    assert_eq!(s.handover.state(), &HandoverState::Human { operator: dana() });
}

#[test]
fn a_pending_message_is_replaced_by_its_event() {
    let mut s = ChatState::default();
    s.apply(Update::Pending {
        id: ClientMsgId("m1".into()),
        text: "hi".into(),
    });
    s.apply(Update::Acked {
        id: ClientMsgId("m1".into()),
    });
    assert!(s.pending[0].acked);
    s.apply(Update::Events(vec![event(
        1,
        EventBody::Message {
            author: Author::Visitor,
            text: "hi".into(),
            client_msg_id: Some(ClientMsgId("m1".into())),
            offer_human: false,
        },
    )]));
    assert!(s.pending.is_empty());
    assert_eq!(s.events.len(), 1);
}

#[test]
fn unread_counts_live_replies_while_closed_but_not_history() {
    let mut s = ChatState::default();
    let reply = |seq| {
        event(
            seq,
            EventBody::Message {
                author: Author::Bot,
                text: "x".into(),
                client_msg_id: None,
                offer_human: false,
            },
        )
    };
    s.apply(Update::Events(vec![reply(1)]));
    s.apply(Update::Snapshot {
        state: HandoverState::Bot,
        availability: availability(true),
        team_marks: Default::default(),
    });
    assert_eq!(s.unread, 0, "history is not unread");
    s.apply(Update::Events(vec![reply(2), reply(3)]));
    assert_eq!(s.unread, 2);
    s.apply(Update::SetOpen(true));
    assert_eq!(s.unread, 0);
    s.apply(Update::Events(vec![reply(4)]));
    assert_eq!(s.unread, 0, "seen while open");
}
