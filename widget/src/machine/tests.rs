//! Scripted tests of the connection machine: frames in, actions out.

use super::*;
use baton_protocol::receipts::ReceiptMarks;
use baton_protocol::visitor::{Availability, VisitorSnapshot, VisitorWelcome};
use baton_protocol::{Author, EventBody, HandoverState, Timestamp};

fn availability() -> Availability {
    Availability {
        human_available: true,
        button_label: "Talk to a human".into(),
        offline_message: "Offline".into(),
        show_button: true,
        after_lapse: Default::default(),
        rating: true,
    }
}

fn welcome(conversation: &str, token: Option<&str>, replay: Vec<ConversationEvent>) -> ServerToVisitor {
    let last_seq = replay.last().map(|e| e.seq).unwrap_or_default();
    ServerToVisitor::Welcome(VisitorWelcome {
        protocol: PROTOCOL_VERSION,
        features: vec![],
        conversation: ConversationId(conversation.into()),
        token: token.map(|t| VisitorToken(t.into())),
        replay,
        replay_limited: false,
        snapshot: VisitorSnapshot {
            state: HandoverState::Bot,
            last_seq,
            availability: availability(),
            team_marks: ReceiptMarks::default(),
            visitor_marks: ReceiptMarks::default(),
        },
    })
}

fn bot_says(seq: u64, text: &str) -> ConversationEvent {
    ConversationEvent {
        seq: Seq(seq),
        at: Timestamp(seq),
        body: EventBody::Message {
            author: Author::Bot,
            text: text.into(),
            client_msg_id: None,
            offer_human: false,
            original: None,
        },
    }
}

fn sent(actions: &[Action]) -> Vec<VisitorToServer> {
    actions
        .iter()
        .filter_map(|a| if let Action::Send(f) = a { Some(f.clone()) } else { None })
        .collect()
}

fn applied(actions: &[Action]) -> Vec<Seq> {
    actions
        .iter()
        .filter_map(|a| {
            if let Action::Ui(Update::Events(e)) = a {
                Some(e.iter().map(|e| e.seq))
            } else {
                None
            }
        })
        .flatten()
        .collect()
}

fn connected_machine() -> Machine {
    let mut m = Machine::new(BotId("demo".into()), None, None, Stored::default());
    m.on_open();
    m.on_frame(welcome("c1", Some("t1"), vec![]));
    m
}

#[test]
fn first_hello_has_no_resume_and_the_welcome_token_is_persisted() {
    let mut m = Machine::new(BotId("demo".into()), Some("en".into()), None, Stored::default());
    let hello = sent(&m.on_open());
    assert!(matches!(&hello[0], VisitorToServer::Hello(h) if h.resume.is_none() && h.bot.as_str() == "demo"));
    let actions = m.on_frame(welcome("c1", Some("t1"), vec![]));
    assert!(actions.iter().any(|a| matches!(a, Action::Persist(s)
        if s.conversation == Some(ConversationId("c1".into())) && s.token == Some(VisitorToken("t1".into())))));
}

#[test]
fn reconnect_resumes_from_the_cursor() {
    let mut m = connected_machine();
    m.on_frame(ServerToVisitor::Event(bot_says(1, "hi")));
    m.on_frame(ServerToVisitor::Event(bot_says(2, "there")));
    m.on_closed(0.5);
    let hello = sent(&m.on_open());
    let VisitorToServer::Hello(hello) = &hello[0] else {
        panic!("expected hello")
    };
    let resume = hello.resume.as_ref().expect("resumes");
    assert_eq!(resume.last_seq, Seq(2));
    assert_eq!(resume.token, VisitorToken("t1".into()));
}

#[test]
fn outbox_is_replayed_with_the_same_ids_after_reconnect() {
    let mut m = connected_machine();
    m.on_closed(0.0);
    // Typed while offline: queued, not sent.
    let actions = m.submit(ClientMsgId("m1".into()), OutgoingKind::Message { text: "one".into() });
    assert!(sent(&actions).is_empty());
    m.submit(ClientMsgId("m2".into()), OutgoingKind::Message { text: "two".into() });
    m.on_open();
    let resent = sent(&m.on_frame(welcome("c1", None, vec![])));
    let ids: Vec<_> = resent
        .iter()
        .map(|f| match f {
            VisitorToServer::Send { client_msg_id, .. } => client_msg_id.as_str().to_owned(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(ids, ["m1", "m2"]);
    // Acked items leave the outbox; the rest would go again.
    m.on_frame(ServerToVisitor::Ack {
        client_msg_id: ClientMsgId("m1".into()),
        seq: Seq(1),
    });
    assert_eq!(m.outbox().len(), 1);
    assert_eq!(m.outbox()[0].id, ClientMsgId("m2".into()));
}

#[test]
fn duplicate_events_are_ignored_and_the_cursor_advances_once() {
    let mut m = connected_machine();
    assert_eq!(
        applied(&m.on_frame(ServerToVisitor::Event(bot_says(1, "hi")))),
        [Seq(1)]
    );
    assert_eq!(applied(&m.on_frame(ServerToVisitor::Event(bot_says(1, "hi")))), []);
    assert_eq!(m.cursor(), Seq(1));
    // A replay that overlaps what was applied delivers only the new part.
    let actions = m.on_frame(welcome("c1", None, vec![bot_says(1, "hi"), bot_says(2, "again")]));
    assert_eq!(applied(&actions), [Seq(2)]);
    assert_eq!(m.cursor(), Seq(2));
}

#[test]
fn a_gap_in_seq_forces_a_reconnect_instead_of_skipping() {
    let mut m = connected_machine();
    m.on_frame(ServerToVisitor::Event(bot_says(1, "hi")));
    let actions = m.on_frame(ServerToVisitor::Event(bot_says(3, "lost one")));
    assert!(actions.contains(&Action::Disconnect));
    assert_eq!(m.cursor(), Seq(1), "the cursor stays before the gap");
}

#[test]
fn backoff_grows_with_jitter_and_is_capped() {
    assert_eq!(backoff(0, 0.0), Millis(250));
    assert_eq!(backoff(0, 1.0), Millis(500));
    assert_eq!(backoff(3, 1.0), Millis(4_000));
    assert_eq!(backoff(30, 1.0), BACKOFF_MAX);
    assert_eq!(backoff(30, 0.0), Millis(BACKOFF_MAX.0 / 2));
    let mut m = connected_machine();
    let delays: Vec<_> = (0..4)
        .map(|_| {
            m.on_closed(1.0)
                .into_iter()
                .find_map(|a| if let Action::ReconnectIn(d) = a { Some(d) } else { None })
                .expect("schedules a reconnect")
        })
        .collect();
    assert_eq!(delays, [Millis(500), Millis(1_000), Millis(2_000), Millis(4_000)]);
    // A welcome resets the schedule.
    m.on_open();
    m.on_frame(welcome("c1", None, vec![]));
    assert!(m.on_closed(1.0).contains(&Action::ReconnectIn(Millis(500))));
}

#[test]
fn a_refused_token_starts_a_new_conversation() {
    let stored = Stored {
        conversation: Some(ConversationId("old".into())),
        token: Some(VisitorToken("forged".into())),
        outbox: vec![],
    };
    let mut m = Machine::new(BotId("demo".into()), None, None, stored);
    m.on_open();
    let actions = m.on_frame(ServerToVisitor::Error(baton_protocol::ErrorBody::new(
        ErrorCode::Unauthorized,
        "no",
    )));
    assert!(actions.contains(&Action::Persist(Stored::default())));
    let hello = sent(&m.on_open());
    assert!(matches!(&hello[0], VisitorToServer::Hello(h) if h.resume.is_none()));
}

#[test]
fn a_refused_message_leaves_the_outbox() {
    let mut m = connected_machine();
    m.submit(ClientMsgId("m1".into()), OutgoingKind::Message { text: "x".into() });
    let error = baton_protocol::ErrorBody::new(ErrorCode::TooLarge, "too long").for_msg(Some(ClientMsgId("m1".into())));
    m.on_frame(ServerToVisitor::Error(error));
    assert!(m.outbox().is_empty());
}

fn at(ms: u64) -> Timestamp {
    Timestamp(ms)
}

fn welcomed_at(now: u64) -> Machine {
    let mut m = Machine::new(BotId("demo".into()), None, None, Stored::default());
    m.on_open();
    m.on_frame_at(welcome("c1", Some("t1"), vec![]), at(now));
    m
}

#[test]
fn a_silent_link_is_pinged_and_dropped_when_the_pong_never_comes() {
    let mut m = welcomed_at(0);
    let interval = baton_protocol::presence::HEARTBEAT_INTERVAL.0;
    let timeout = baton_protocol::presence::HEARTBEAT_TIMEOUT.0;
    assert!(m.tick(at(interval - 1)).is_empty());
    assert_eq!(m.next_wakeup(), Some(at(interval)));
    assert_eq!(sent(&m.tick(at(interval))), [VisitorToServer::Ping]);
    assert!(m.tick(at(interval + 1)).is_empty(), "one ping at a time");
    assert_eq!(m.tick(at(interval + timeout)), vec![Action::Disconnect]);
}

#[test]
fn an_attempt_never_welcomed_is_abandoned() {
    let timeout = super::WELCOME_TIMEOUT.0;
    let mut m = Machine::new(BotId("demo".into()), None, None, Stored::default());
    m.on_connecting(at(1_000));
    assert_eq!(m.next_wakeup(), Some(at(1_000 + timeout)));
    assert!(m.tick(at(1_000 + timeout - 1)).is_empty());
    m.on_open(); // opened, but no welcome comes
    assert_eq!(m.tick(at(1_000 + timeout)), vec![Action::Disconnect]);
    assert!(m.tick(at(1_000 + timeout + 1)).is_empty(), "dropped once");

    // A welcome in time ends the deadline; so does a close.
    let mut m = Machine::new(BotId("demo".into()), None, None, Stored::default());
    m.on_connecting(at(0));
    m.on_open();
    m.on_frame_at(welcome("c1", Some("t1"), vec![]), at(500));
    assert!(!m.tick(at(timeout)).contains(&Action::Disconnect));
    let mut m = Machine::new(BotId("demo".into()), None, None, Stored::default());
    m.on_connecting(at(0));
    m.on_closed(0.5);
    assert_eq!(m.next_wakeup(), None);
    assert!(m.tick(at(timeout)).is_empty());
}

#[test]
fn any_frame_counts_as_a_pong() {
    let mut m = welcomed_at(0);
    let interval = baton_protocol::presence::HEARTBEAT_INTERVAL.0;
    m.tick(at(interval));
    m.on_frame_at(ServerToVisitor::Pong, at(interval + 10));
    let timeout = baton_protocol::presence::HEARTBEAT_TIMEOUT.0;
    assert!(!m.tick(at(interval + timeout)).contains(&Action::Disconnect));
}

#[test]
fn receipts_are_batched_and_only_move_forward() {
    let mut m = welcomed_at(0);
    // Three events arrive in a burst: no receipt yet…
    for seq in 1..=3 {
        let actions = m.on_frame_at(ServerToVisitor::Event(bot_says(seq, "x")), at(10 * seq));
        assert!(
            sent(&actions)
                .iter()
                .all(|f| !matches!(f, VisitorToServer::Receipt { .. }))
        );
    }
    // …then one receipt for all of them after the batch interval.
    let due = at(10 + RECEIPT_BATCH.0);
    assert_eq!(
        sent(&m.tick(due)),
        [VisitorToServer::Receipt {
            delivered: Some(Seq(3)),
            read: None
        }]
    );
    assert!(sent(&m.tick(at(due.0 + 1_000))).is_empty(), "nothing new: nothing sent");
    // Reading the panel reports read; read never goes past what arrived.
    m.mark_read(Seq(99), at(2_000));
    assert_eq!(
        sent(&m.tick(at(2_000 + RECEIPT_BATCH.0))),
        [VisitorToServer::Receipt {
            delivered: None,
            read: Some(Seq(3))
        }]
    );
    // After a reconnect the marks are reported again (the server may have lost them).
    m.on_closed(0.5);
    m.on_open();
    m.on_frame_at(welcome("c1", None, vec![]), at(5_000));
    m.mark_read(Seq(3), at(5_000));
    assert_eq!(
        sent(&m.tick(at(5_000 + RECEIPT_BATCH.0))),
        [VisitorToServer::Receipt {
            delivered: Some(Seq(3)),
            read: Some(Seq(3))
        }]
    );
}

#[test]
fn typing_is_throttled_and_stops_explicitly() {
    let mut m = welcomed_at(0);
    assert_eq!(sent(&m.typing(true, at(0))), [VisitorToServer::Typing { typing: true }]);
    assert!(
        m.typing(true, at(500)).is_empty(),
        "repeated at most every third of the TTL"
    );
    let renew = baton_protocol::TYPING_TTL.0 / 3;
    assert_eq!(
        sent(&m.typing(true, at(renew))),
        [VisitorToServer::Typing { typing: true }]
    );
    assert_eq!(
        sent(&m.typing(false, at(renew + 1))),
        [VisitorToServer::Typing { typing: false }]
    );
    assert!(m.typing(false, at(renew + 2)).is_empty());
}

#[test]
fn stored_state_round_trips_through_its_text_and_bad_text_starts_fresh() {
    let stored = Stored {
        conversation: Some(ConversationId("c1".into())),
        token: Some(VisitorToken("t\"1".into())),
        outbox: vec![
            Outgoing {
                id: ClientMsgId("m1".into()),
                kind: OutgoingKind::Message {
                    text: "hé \"there\"\n".into(),
                },
            },
            Outgoing {
                id: ClientMsgId("r1".into()),
                kind: OutgoingKind::RequestHuman,
            },
            Outgoing {
                id: ClientMsgId("e1".into()),
                kind: OutgoingKind::EndHuman,
            },
            Outgoing {
                id: ClientMsgId("k1".into()),
                kind: OutgoingKind::KeepWaiting,
            },
            Outgoing {
                id: ClientMsgId("l1".into()),
                kind: OutgoingKind::LeaveMessage {
                    email: "ana@example.com".into(),
                    text: "Call me \"soon\"".into(),
                },
            },
            Outgoing {
                id: ClientMsgId("s1".into()),
                kind: OutgoingKind::Rate {
                    score: 4,
                    comment: Some("Kind".into()),
                },
            },
            Outgoing {
                id: ClientMsgId("s2".into()),
                kind: OutgoingKind::Rate {
                    score: 5,
                    comment: None,
                },
            },
            Outgoing {
                id: ClientMsgId("t1".into()),
                kind: OutgoingKind::Transcript {
                    email: "ana@example.com".into(),
                },
            },
        ],
    };
    assert_eq!(Stored::from_json(&stored.to_json()), stored);
    assert_eq!(Stored::from_json("{not json"), Stored::default());
    assert_eq!(Stored::from_json("{}"), Stored::default());
}

#[test]
fn every_hello_carries_the_page() {
    let page = page_of("https://shop.example/pricing?plan=team#faq");
    assert_eq!(page.as_deref(), Some("https://shop.example/pricing?plan=team"));
    let mut m = Machine::new(BotId("demo".into()), None, page.clone(), Stored::default());
    let first = sent(&m.on_open());
    assert!(matches!(&first[0], VisitorToServer::Hello(h) if h.page == page));
    m.on_frame(welcome("c1", Some("t1"), vec![]));
    m.on_closed(0.5);
    let again = sent(&m.on_open());
    assert!(
        matches!(&again[0], VisitorToServer::Hello(h) if h.page == page && h.resume.is_some()),
        "the resuming hello too: {again:?}"
    );
    let wire = baton_protocol::lean::encode_visitor_to_server(&again[0]);
    assert!(
        wire.contains(r#""page":"https://shop.example/pricing?plan=team""#),
        "{wire}"
    );
}

#[test]
fn the_page_loses_its_fragment_and_is_trimmed_by_characters() {
    assert_eq!(page_of(""), None);
    assert_eq!(page_of("#only-a-fragment"), None);
    assert_eq!(page_of("https://a.example/#x#y").as_deref(), Some("https://a.example/"));
    // Multi-byte characters: trimmed on a character boundary, not a byte.
    let long = format!("https://a.example/{}", "é".repeat(600));
    let page = page_of(&long).expect("a page");
    assert_eq!(page.chars().count(), PAGE_MAX_CHARS);
    assert!(long.starts_with(&page));
}

#[test]
fn an_owner_gone_event_from_the_wire_shows_the_waiting_state_again() {
    let mut m = connected_machine();
    let mut state = crate::state::ChatState::default();
    let frames = [
        r##"{"type":"event","seq":1,"at":10,"body":{"type":"help_requested","deadline":100}}"##,
        r##"{"type":"event","seq":2,"at":20,"body":{"type":"operator_joined","operator":{"id":"op_dana","name":"Dana","colour":"#0b7a75"}}}"##,
        r##"{"type":"event","seq":3,"at":30,"body":{"type":"owner_gone","operator":{"id":"op_dana","name":"Dana"},"deadline":210,"reason":"disconnected"}}"##,
    ];
    for text in frames {
        let frame = baton_protocol::lean::decode_server_to_visitor(text).expect("decodes");
        for action in m.on_frame(frame) {
            if let Action::Ui(update) = action {
                state.apply(update);
            }
        }
    }
    assert_eq!(m.cursor(), Seq(3), "all three applied");
    assert_eq!(
        state.handover.state(),
        &HandoverState::Waiting {
            deadline: Timestamp(210)
        }
    );
    assert!(matches!(
        &state.events[2].body,
        EventBody::OwnerGone {
            reason: baton_protocol::OwnerGoneReason::Disconnected,
            ..
        }
    ));
}

#[test]
fn the_line_moves_the_view_and_the_follow_up_goes_through_the_outbox() {
    let mut m = welcomed_at(0);
    assert_eq!(
        m.on_frame(ServerToVisitor::Queue {
            position: 2,
            estimate_minutes: None,
        }),
        [Action::Ui(Update::Queue {
            position: 2,
            estimate_minutes: None,
        })]
    );
    let actions = m.submit(
        ClientMsgId("l1".into()),
        OutgoingKind::LeaveMessage {
            email: "ana@example.com".into(),
            text: "Call me".into(),
        },
    );
    assert_eq!(
        sent(&actions),
        [VisitorToServer::LeaveMessage {
            client_msg_id: ClientMsgId("l1".into()),
            email: "ana@example.com".into(),
            text: "Call me".into(),
        }]
    );
    assert_eq!(m.outbox().len(), 1, "kept until acked, resent after a reconnect");
}
