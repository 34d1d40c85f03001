use super::*;
use baton_protocol::{OperatorId, OperatorProfile, Seq, Timestamp};

fn availability(human_available: bool) -> Availability {
    Availability {
        human_available,
        button_label: "Talk to a human".into(),
        offline_message: "Offline".into(),
        show_button: true,
        after_lapse: Default::default(),
        rating: true,
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
    s.apply(Update::Events(vec![event(1, EventBody::help(Timestamp(9)))]));
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
            original: None,
        },
    )]));
    assert!(s.pending.is_empty());
    assert_eq!(s.events.len(), 1);
}

#[test]
fn unread_counts_live_replies_while_closed_but_not_history() {
    let mut s = ChatState::default();
    let reply = |seq| bot_says(seq, false);
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

fn bot_says(seq: u64, offer_human: bool) -> ConversationEvent {
    event(
        seq,
        EventBody::Message {
            author: Author::Bot,
            text: "x".into(),
            client_msg_id: None,
            offer_human,
            original: None,
        },
    )
}

fn visitor_says(seq: u64) -> ConversationEvent {
    event(
        seq,
        EventBody::Message {
            author: Author::Visitor,
            text: "y".into(),
            client_msg_id: None,
            offer_human: false,
            original: None,
        },
    )
}

fn in_bot_state(available: bool) -> ChatState {
    let mut s = ChatState::default();
    s.apply(Update::Snapshot {
        state: HandoverState::Bot,
        availability: availability(available),
        team_marks: Default::default(),
    });
    s
}

#[test]
fn the_owner_gone_puts_the_chat_back_to_waiting_with_the_new_window() {
    let mut s = in_bot_state(true);
    s.apply(Update::Events(vec![
        event(1, EventBody::help(Timestamp(50))),
        event(2, EventBody::OperatorJoined { operator: dana() }),
    ]));
    assert!(!s.wants_clock(), "a person has the chat: nothing counts down");
    s.apply(Update::Events(vec![event(
        3,
        EventBody::OwnerGone {
            operator: dana(),
            deadline: Timestamp(900),
            reason: baton_protocol::OwnerGoneReason::Offline,
        },
    )]));
    assert_eq!(
        s.handover.state(),
        &HandoverState::Waiting {
            deadline: Timestamp(900)
        }
    );
    assert!(s.wants_clock(), "the waiting countdown moves");
    assert!(!s.can_request_human(), "already asking the team");
    assert!(!s.bar_offers_human());
}

#[test]
fn one_talk_to_a_human_at_a_time_the_inline_offer_wins() {
    let mut s = in_bot_state(true);
    assert!(s.bar_offers_human(), "no inline offer yet: the bar offers");
    s.apply(Update::Events(vec![bot_says(1, true)]));
    assert_eq!(s.current_offer(), Some(Seq(1)));
    assert!(!s.bar_offers_human(), "the inline offer is current: the bar hides");
    s.apply(Update::Events(vec![visitor_says(2)]));
    assert_eq!(
        s.current_offer(),
        Some(Seq(1)),
        "the visitor's own turn leaves it standing"
    );
    s.apply(Update::Events(vec![bot_says(3, false)]));
    assert_eq!(s.current_offer(), None, "a newer bot turn without an offer");
    assert!(s.bar_offers_human(), "the bar offers again");
}

#[test]
fn the_bar_stays_hidden_when_the_bot_hides_the_button() {
    let mut s = in_bot_state(true);
    s.apply(Update::Availability(Availability {
        show_button: false,
        ..availability(true)
    }));
    assert!(!s.bar_offers_human());
    s.apply(Update::Events(vec![bot_says(1, true)]));
    assert_eq!(s.current_offer(), Some(Seq(1)), "the bot can still offer inline");
}

#[test]
fn a_stale_inline_offer_is_not_actionable() {
    let mut s = in_bot_state(true);
    s.apply(Update::Events(vec![bot_says(1, true)]));
    assert_eq!(s.current_offer(), Some(Seq(1)));
    s.apply(Update::Events(vec![event(2, EventBody::help(Timestamp(9)))]));
    assert_eq!(s.current_offer(), None, "waiting: nothing to offer");
    s.apply(Update::Events(vec![event(3, EventBody::RequestLapsed)]));
    assert!(s.can_request_human(), "the visitor may ask again");
    assert_eq!(s.current_offer(), None, "but the lapsed offer is history");
    assert!(s.bar_offers_human(), "the bar is the way to ask again");
    s.apply(Update::Events(vec![bot_says(4, true)]));
    assert_eq!(s.current_offer(), Some(Seq(4)), "a new offer is current");
    s.apply(Update::Availability(availability(false)));
    assert_eq!(s.current_offer(), None, "nobody available: no offer");
}

#[test]
fn operator_colours_are_hex_colours_or_nothing() {
    for good in ["#0b7a75", "#abc", "#0B7A75cc"] {
        assert_eq!(operator_colour(Some(good)), good);
    }
    for bad in [
        "",
        "red",
        "#0b7a7",
        "#0b7a75;x",
        "url(https://e.example/x)",
        "#ggg",
        "var(--x)",
        "#0b7a75\u{7f}",
    ] {
        assert_eq!(operator_colour(Some(bad)), "", "{bad:?}");
    }
    assert_eq!(operator_colour(None), "");
}
