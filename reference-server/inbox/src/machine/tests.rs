//! Scripted tests of the inbox's connection machine: inputs in, actions out,
//! fake time and fixed jitter.

use super::*;
use baton_protocol::link::{BACKOFF_BASE, WELCOME_TIMEOUT, backoff};
use baton_protocol::operator::{OperatorStatus, OperatorWelcome, Role, Roster};
use baton_protocol::presence::{HEARTBEAT_INTERVAL, HEARTBEAT_TIMEOUT};
use baton_protocol::visitor::HistoryPage;
use baton_protocol::{
    Author, BotId, ConversationEvent, ErrorCode, EventBody, HandoverState, OperatorId, OperatorProfile,
};

fn at(ms: u64) -> Timestamp {
    Timestamp(ms)
}

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

fn conv(s: &str) -> ConversationId {
    ConversationId(s.into())
}

fn me() -> OperatorProfile {
    OperatorProfile {
        id: OperatorId("op-1".into()),
        name: "Dana".into(),
        avatar_url: None,
        colour: None,
    }
}

fn row(conversation: &str) -> baton_protocol::operator::ConversationSummary {
    baton_protocol::operator::ConversationSummary {
        id: conv(conversation),
        bot: BotId("demo".into()),
        visitor: "Visitor 3f9a".into(),
        state: HandoverState::Bot,
        last_message: None,
        last_activity: at(0),
        help_requested_at: None,
        unread: 0,
        presence: Default::default(),
        country: None,
        email: None,
        locale: None,
        page: None,
        reason: None,
        priority: Default::default(),
        left_message: false,
        rating: None,
    }
}

/// A welcome listing these live conversations.
fn welcome(live: &[&str]) -> ServerToOperator {
    ServerToOperator::Welcome(OperatorWelcome {
        protocol: PROTOCOL_VERSION,
        features: vec![],
        me: me(),
        role: Role::Agent,
        status: OperatorStatus::Available,
        bots: vec![],
        conversations: live.iter().map(|c| row(c)).collect(),
        roster: Roster::default(),
        shortcuts: vec![],
        alert_prefs: Default::default(),
    })
}

fn event(conversation: &str, seq: u64) -> ServerToOperator {
    ServerToOperator::Event {
        conversation: conv(conversation),
        event: ConversationEvent {
            seq: Seq(seq),
            at: at(seq),
            body: EventBody::Message {
                author: Author::Visitor,
                text: format!("message {seq}"),
                client_msg_id: None,
                offer_human: false,
                original: None,
            },
        },
    }
}

/// The newest page of `conversation`, events 1..=last.
fn history(conversation: &str, last: u64) -> ServerToOperator {
    let events = (1..=last)
        .map(|seq| match event(conversation, seq) {
            ServerToOperator::Event { event, .. } => event,
            _ => unreachable!(),
        })
        .collect();
    ServerToOperator::History {
        conversation: conv(conversation),
        page: HistoryPage {
            events,
            has_more: false,
        },
        notes: vec![],
    }
}

fn reply(conversation: &str, client_msg_id: &str, text: &str) -> OperatorToServer {
    OperatorToServer::Send {
        conversation: conv(conversation),
        client_msg_id: id(client_msg_id),
        text: text.into(),
        original: None,
    }
}

fn join(conversation: &str, client_msg_id: &str) -> OperatorToServer {
    OperatorToServer::Join {
        conversation: conv(conversation),
        client_msg_id: id(client_msg_id),
        display_name: "Dana".into(),
    }
}

fn sent(actions: &[Action]) -> Vec<OperatorToServer> {
    actions
        .iter()
        .filter_map(|a| if let Action::Send(f) = a { Some(f.clone()) } else { None })
        .collect()
}

fn delivered_seqs(actions: &[Action]) -> Vec<u64> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Deliver(ServerToOperator::Event { event, .. }) => Some(event.seq.0),
            _ => None,
        })
        .collect()
}

fn open(conversation: &str) -> OperatorToServer {
    OperatorToServer::Open {
        conversation: conv(conversation),
    }
}

fn connect_in(actions: &[Action]) -> Option<Millis> {
    actions.iter().find_map(|a| match a {
        Action::ConnectIn(d) => Some(*d),
        _ => None,
    })
}

/// A machine whose socket opened at `now` and was welcomed.
fn welcomed(now: u64, live: &[&str]) -> Machine {
    let mut m = Machine::new();
    m.on_connecting(at(now));
    m.on_open();
    m.on_frame(welcome(live), at(now));
    m
}

#[test]
fn a_new_socket_says_hello_and_the_welcome_brings_the_link_online() {
    let mut m = Machine::new();
    m.on_connecting(at(0));
    assert!(matches!(
        sent(&m.on_open())[..],
        [OperatorToServer::Hello {
            protocol: PROTOCOL_VERSION,
            ..
        }]
    ));
    let actions = m.on_frame(welcome(&[]), at(10));
    assert!(matches!(actions[0], Action::Deliver(ServerToOperator::Welcome(_))));
    assert!(actions.contains(&Action::Link(Link::Online)));
    assert!(m.is_welcomed());
}

#[test]
fn backoff_grows_with_jitter_and_resets_after_a_welcome() {
    let mut m = Machine::new();
    let mut delays = Vec::new();
    for (n, jitter) in [0.0, 1.0, 0.5, 1.0].into_iter().enumerate() {
        m.on_connecting(at(n as u64));
        let actions = m.on_closed(jitter);
        assert!(actions.contains(&Action::Link(Link::Reconnecting)));
        assert!(
            actions.contains(&Action::CheckSession),
            "never welcomed: is the session still there?"
        );
        delays.push(connect_in(&actions).expect("a retry is scheduled"));
    }
    assert_eq!(
        delays,
        [backoff(0, 0.0), backoff(1, 1.0), backoff(2, 0.5), backoff(3, 1.0)]
    );
    assert_eq!(delays[0], Millis(BACKOFF_BASE.0 / 2));
    assert_eq!(delays[3], Millis(BACKOFF_BASE.0 * 8));
    // A report for a socket already closed changes nothing.
    assert!(m.on_closed(1.0).is_empty());

    m.on_connecting(at(100));
    m.on_open();
    m.on_frame(welcome(&[]), at(150));
    let actions = m.on_closed(1.0);
    assert_eq!(connect_in(&actions), Some(BACKOFF_BASE), "the schedule starts over");
    assert!(
        !actions.contains(&Action::CheckSession),
        "it was welcomed: the session holds"
    );
}

#[test]
fn coming_back_online_cuts_the_wait_short_and_a_live_link_is_probed() {
    let mut m = welcomed(0, &[]);
    m.on_closed(0.5);
    assert_eq!(m.wake(at(10)), vec![Action::ConnectIn(Millis(0))]);

    let mut m = welcomed(0, &[]);
    assert_eq!(sent(&m.wake(at(1_000))), [OperatorToServer::Ping]);
    assert!(m.wake(at(1_001)).is_empty(), "one ping at a time");
    assert_eq!(m.on_timer(at(1_000 + HEARTBEAT_TIMEOUT.0)), vec![Action::Close]);

    let mut m = welcomed(0, &[]);
    assert_eq!(m.offline(), vec![Action::Close]);
    m.on_closed(0.5);
    assert!(m.offline().is_empty());
}

#[test]
fn requests_wait_offline_and_are_replayed_with_the_same_ids_until_answered() {
    let mut m = Machine::new();
    // Before any welcome: kept, not sent.
    assert!(m.submit(join("c1", "j1")).is_empty());
    assert!(m.submit(reply("c1", "s1", "hello")).is_empty());
    m.on_connecting(at(0));
    m.on_open();
    let first = sent(&m.on_frame(welcome(&["c1"]), at(10)));
    assert_eq!(first, [join("c1", "j1"), reply("c1", "s1", "hello")]);

    // Sent at once while welcomed.
    assert_eq!(
        sent(&m.submit(reply("c1", "s2", "again"))),
        [reply("c1", "s2", "again")]
    );
    // Submitting the same id twice keeps it once.
    assert!(m.submit(reply("c1", "s2", "again")).is_empty());

    // The join is answered; then the socket drops before the rest are.
    let actions = m.on_frame(
        ServerToOperator::Ack {
            client_msg_id: id("j1"),
            seq: Seq(4),
        },
        at(20),
    );
    assert!(actions.contains(&Action::Settled {
        client_msg_id: id("j1"),
        seq: Some(Seq(4))
    }));
    m.on_closed(0.5);
    m.on_connecting(at(1_000));
    m.on_open();
    let replayed = sent(&m.on_frame(welcome(&["c1"]), at(1_010)));
    assert_eq!(replayed, [reply("c1", "s1", "hello"), reply("c1", "s2", "again")]);

    // And again after the next reconnect, until the server answers.
    m.on_closed(0.5);
    m.on_connecting(at(2_000));
    m.on_open();
    assert_eq!(sent(&m.on_frame(welcome(&["c1"]), at(2_010))).len(), 2);
    for (n, msg) in ["s1", "s2"].into_iter().enumerate() {
        m.on_frame(
            ServerToOperator::Ack {
                client_msg_id: id(msg),
                seq: Seq(5 + n as u64),
            },
            at(2_020),
        );
    }
    assert!(m.outbox().is_empty());
    m.on_closed(0.5);
    m.on_connecting(at(3_000));
    m.on_open();
    assert!(sent(&m.on_frame(welcome(&["c1"]), at(3_010))).is_empty());
}

#[test]
fn a_duplicate_ack_is_ignored() {
    let mut m = welcomed(0, &["c1"]);
    m.submit(reply("c1", "s1", "hi"));
    let ack = ServerToOperator::Ack {
        client_msg_id: id("s1"),
        seq: Seq(3),
    };
    let first = m.on_frame(ack.clone(), at(10));
    assert_eq!(
        first,
        vec![
            Action::Settled {
                client_msg_id: id("s1"),
                seq: Some(Seq(3))
            },
            Action::Deliver(ack.clone()),
        ]
    );
    assert!(
        m.on_frame(ack, at(11)).is_empty(),
        "the answer to a retry, already settled"
    );

    // `done` (notes, shortcuts) settles the same way.
    m.submit(OperatorToServer::AddNote {
        conversation: conv("c1"),
        client_msg_id: id("n1"),
        text: "VIP".into(),
    });
    let done = ServerToOperator::Done {
        client_msg_id: id("n1"),
    };
    assert!(m.on_frame(done.clone(), at(12)).contains(&Action::Settled {
        client_msg_id: id("n1"),
        seq: None
    }));
    assert!(m.on_frame(done, at(13)).is_empty());
}

#[test]
fn a_refused_request_is_reported_failed_and_never_retried() {
    let mut m = welcomed(0, &["c1"]);
    m.submit(join("c1", "j1"));
    let refusal =
        baton_protocol::ErrorBody::new(ErrorCode::Conflict, "someone else joined first").for_msg(Some(id("j1")));
    let actions = m.on_frame(ServerToOperator::Error(refusal.clone()), at(10));
    assert_eq!(
        actions,
        vec![
            Action::Failed {
                client_msg_id: id("j1"),
                error: refusal.clone()
            },
            Action::Deliver(ServerToOperator::Error(refusal)),
        ]
    );
    assert!(m.outbox().is_empty());
    m.on_closed(0.5);
    m.on_connecting(at(1_000));
    m.on_open();
    assert!(
        !sent(&m.on_frame(welcome(&["c1"]), at(1_010))).contains(&join("c1", "j1")),
        "not retried"
    );
    // An error naming no request is shown, and settles nothing.
    m.submit(reply("c1", "s1", "x"));
    let other = baton_protocol::ErrorBody::new(ErrorCode::RateLimited, "slow down");
    let actions = m.on_frame(ServerToOperator::Error(other.clone()), at(1_020));
    assert_eq!(actions, vec![Action::Deliver(ServerToOperator::Error(other))]);
    assert_eq!(m.outbox().len(), 1);
}

#[test]
fn events_of_the_shown_conversation_are_delivered_once_and_in_order() {
    let mut m = welcomed(0, &["c1", "c2"]);
    assert_eq!(sent(&m.send(open("c1"))), [open("c1")]);
    // Until the page arrives its events are in the page, not delivered alone.
    assert!(m.on_frame(event("c1", 3), at(5)).is_empty());
    m.on_frame(history("c1", 3), at(6));
    assert_eq!(m.cursor(&conv("c1")), Some(Seq(3)));

    assert_eq!(delivered_seqs(&m.on_frame(event("c1", 3), at(7))), [] as [u64; 0]);
    assert_eq!(delivered_seqs(&m.on_frame(event("c1", 4), at(8))), [4]);
    assert!(m.on_frame(event("c1", 4), at(9)).is_empty(), "a duplicate is dropped");
    // Conversations not shown pass through unchecked.
    assert_eq!(delivered_seqs(&m.on_frame(event("c2", 40), at(10))), [40]);
}

#[test]
fn a_gap_opens_the_conversation_again_and_nothing_is_delivered_out_of_order() {
    let mut m = welcomed(0, &["c1"]);
    m.send(open("c1"));
    m.on_frame(history("c1", 2), at(5));
    // Event 3 was lost on the way.
    let actions = m.on_frame(event("c1", 4), at(10));
    assert_eq!(delivered_seqs(&actions), [] as [u64; 0]);
    assert_eq!(sent(&actions), [open("c1")]);
    // Whatever arrives before the page is in the page.
    assert!(m.on_frame(event("c1", 5), at(11)).is_empty());
    assert_eq!(m.cursor(&conv("c1")), None);
    // The page resets the cursor; live events carry on from it.
    let actions = m.on_frame(history("c1", 5), at(12));
    assert!(matches!(
        actions[..],
        [Action::Deliver(ServerToOperator::History { .. })]
    ));
    assert_eq!(m.cursor(&conv("c1")), Some(Seq(5)));
    assert_eq!(delivered_seqs(&m.on_frame(event("c1", 6), at(13))), [6]);
    // An older page (`history` request) does not move the cursor back.
    m.on_frame(history("c1", 1), at(14));
    assert_eq!(m.cursor(&conv("c1")), Some(Seq(6)));
}

#[test]
fn shown_conversations_are_opened_again_after_every_welcome() {
    let mut m = Machine::new();
    // Opened while offline: remembered, sent after the welcome.
    assert!(m.send(open("c1")).is_empty());
    m.on_connecting(at(0));
    m.on_open();
    assert_eq!(sent(&m.on_frame(welcome(&["c1"]), at(1))), [open("c1")]);
    m.on_frame(history("c1", 2), at(2));
    // Opening another shows that one instead.
    m.send(open("c2"));
    assert_eq!(m.cursor(&conv("c1")), None);
    m.on_closed(0.5);
    m.on_connecting(at(1_000));
    m.on_open();
    assert_eq!(sent(&m.on_frame(welcome(&["c1", "c2"]), at(1_001))), [open("c2")]);
    // One that is no longer live is not opened again.
    m.on_closed(0.5);
    m.on_connecting(at(2_000));
    m.on_open();
    assert!(sent(&m.on_frame(welcome(&["c1"]), at(2_001))).is_empty());
    // Nor one the UI stopped showing.
    m.watch(conv("c1"));
    m.unwatch(&conv("c1"));
    m.on_closed(0.5);
    m.on_connecting(at(3_000));
    m.on_open();
    assert!(sent(&m.on_frame(welcome(&["c1"]), at(3_001))).is_empty());
}

#[test]
fn a_silent_link_is_pinged_then_closed_and_reconnected() {
    let mut m = welcomed(0, &[]);
    assert_eq!(m.next_timer(), Some(at(HEARTBEAT_INTERVAL.0)));
    assert!(m.on_timer(at(HEARTBEAT_INTERVAL.0 - 1)).is_empty());
    assert_eq!(sent(&m.on_timer(at(HEARTBEAT_INTERVAL.0))), [OperatorToServer::Ping]);
    let dead = HEARTBEAT_INTERVAL.0 + HEARTBEAT_TIMEOUT.0;
    assert_eq!(m.next_timer(), Some(at(dead)));
    assert_eq!(m.on_timer(at(dead)), vec![Action::Close]);
    let actions = m.on_closed(0.0);
    assert_eq!(connect_in(&actions), Some(backoff(0, 0.0)));
    assert_eq!(m.next_timer(), None, "no socket, nothing to time");

    // Any frame counts as the answer: a pong, or anything else.
    let mut m = welcomed(0, &[]);
    m.on_timer(at(HEARTBEAT_INTERVAL.0));
    assert!(
        m.on_frame(ServerToOperator::Pong, at(HEARTBEAT_INTERVAL.0 + 10))
            .is_empty()
    );
    assert!(!m.on_timer(at(dead)).contains(&Action::Close));
}

#[test]
fn a_socket_not_welcomed_in_time_is_abandoned_and_retried() {
    let mut m = Machine::new();
    m.on_connecting(at(1_000));
    let due = 1_000 + WELCOME_TIMEOUT.0;
    assert_eq!(m.next_timer(), Some(at(due)));
    m.on_open(); // opened, but the server never answers
    assert!(m.on_timer(at(due - 1)).is_empty());
    assert_eq!(m.on_timer(at(due)), vec![Action::Close]);
    let actions = m.on_closed(1.0);
    assert_eq!(connect_in(&actions), Some(backoff(0, 1.0)));
    // The next socket gets its own deadline; a welcome in time ends it.
    m.on_connecting(at(50_000));
    m.on_open();
    m.on_frame(welcome(&[]), at(50_100));
    assert!(!m.on_timer(at(50_000 + WELCOME_TIMEOUT.0)).contains(&Action::Close));
}

#[test]
fn going_away_closes_now_and_status_is_never_resent() {
    let mut m = welcomed(0, &[]);
    assert_eq!(
        sent(&m.send(OperatorToServer::SetStatus {
            status: OperatorStatus::Busy
        })),
        [OperatorToServer::SetStatus {
            status: OperatorStatus::Busy
        }]
    );
    let actions = m.on_frame(
        ServerToOperator::GoingAway {
            retry_after: Millis(500),
        },
        at(10),
    );
    assert_eq!(actions.last(), Some(&Action::Close));
    m.on_closed(0.5);
    // Offline, an ephemeral frame is dropped rather than queued…
    assert!(
        m.send(OperatorToServer::Typing {
            conversation: conv("c1"),
            typing: true
        })
        .is_empty()
    );
    m.on_connecting(at(1_000));
    m.on_open();
    // …and the welcome resends nothing but the outbox (empty here).
    assert!(sent(&m.on_frame(welcome(&[]), at(1_001))).is_empty());
}

#[test]
fn an_email_answer_is_kept_until_its_ack_and_the_ack_reaches_the_view() {
    let mut m = Machine::new();
    m.on_connecting(at(0));
    m.on_open();
    m.on_frame(welcome(&["c1"]), at(10));
    let answer = OperatorToServer::ReplyByEmail {
        conversation: conv("c1"),
        client_msg_id: id("e1"),
        text: "Your order ships tomorrow.".into(),
    };
    assert_eq!(sent(&m.submit(answer.clone())), std::slice::from_ref(&answer));
    // Unanswered, it goes again after a reconnect, with the same id.
    m.on_closed(0.5);
    m.on_connecting(at(1_000));
    m.on_open();
    assert_eq!(sent(&m.on_frame(welcome(&["c1"]), at(1_010))), [answer]);
    let ack = ServerToOperator::Ack {
        client_msg_id: id("e1"),
        seq: Seq(9),
    };
    assert!(m.on_frame(ack.clone(), at(1_020)).contains(&Action::Deliver(ack)));
}
