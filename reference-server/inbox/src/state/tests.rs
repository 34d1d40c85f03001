use super::*;
use baton_protocol::operator::{OperatorWelcome, RosterEntry};
use baton_protocol::{Author, BotId, ErrorBody, ErrorCode};

fn op(id: &str, name: &str) -> OperatorProfile {
    OperatorProfile {
        id: id.into(),
        name: name.into(),
        avatar_url: None,
        colour: None,
    }
}

fn row(id: &str, at: u64, state: HandoverState) -> ConversationSummary {
    ConversationSummary {
        id: id.into(),
        bot: BotId("demo".into()),
        visitor: format!("Visitor {id}"),
        state,
        last_message: Some(format!("hello from {id}")),
        last_activity: Timestamp(at),
        help_requested_at: None,
        unread: 0,
        presence: Default::default(),
        country: None,
    }
}

fn roster(entries: &[(&str, OperatorStatus)]) -> Roster {
    Roster {
        operators: entries
            .iter()
            .map(|(id, status)| RosterEntry {
                profile: op(id, id),
                status: *status,
                role: Default::default(),
            })
            .collect(),
        bots: vec![],
    }
}

fn welcome(conversations: Vec<ConversationSummary>) -> Action {
    Action::Frame(ServerToOperator::Welcome(OperatorWelcome {
        protocol: 1,
        features: vec![],
        role: Default::default(),
        bots: vec![],
        shortcuts: vec![],
        me: op("op-dana", "Dana"),
        status: OperatorStatus::Away,
        conversations,
        roster: roster(&[("op-dana", OperatorStatus::Away), ("op-eli", OperatorStatus::Available)]),
    }))
}

fn message(seq: u64, text: &str, client_msg_id: Option<&str>) -> ConversationEvent {
    ConversationEvent {
        seq: Seq(seq),
        at: Timestamp(seq * 1000),
        body: EventBody::Message {
            author: Author::Visitor,
            text: text.into(),
            client_msg_id: client_msg_id.map(ClientMsgId::from),
            offer_human: false,
        },
    }
}

fn event(conversation: &str, event: ConversationEvent) -> Action {
    Action::Frame(ServerToOperator::Event {
        conversation: conversation.into(),
        event,
    })
}

fn ids(state: &InboxState) -> Vec<&str> {
    state.conversations.iter().map(|c| c.id.as_str()).collect()
}

fn signed_in() -> InboxState {
    InboxState::new(op("op-dana", "Dana"))
}

#[test]
fn welcome_populates_the_list() {
    let mut state = signed_in();
    assert_eq!(state.link, Link::Connecting);
    state.apply(welcome(vec![
        row("a", 10, HandoverState::Bot),
        row("b", 30, HandoverState::Resolved),
    ]));
    assert_eq!(ids(&state), ["b", "a"], "sorted newest first");
    assert_eq!(state.status, OperatorStatus::Away);
    assert_eq!(state.roster.operators.len(), 2);
    assert_eq!(state.link, Link::Online);
    assert_eq!(state.welcomes, 1);
}

#[test]
fn a_fresh_welcome_replaces_the_state_and_keeps_a_selection_that_still_exists() {
    let mut state = signed_in();
    state.apply(welcome(vec![
        row("a", 10, HandoverState::Bot),
        row("b", 20, HandoverState::Bot),
    ]));
    state.apply(Action::Select("a".into()));
    state.apply(Action::Link(Link::Reconnecting));
    state.apply(welcome(vec![
        row("a", 40, HandoverState::Bot),
        row("c", 30, HandoverState::Bot),
    ]));
    assert_eq!(ids(&state), ["a", "c"]);
    assert_eq!(state.open.as_ref().map(|o| o.id.as_str()), Some("a"));
    assert_eq!(state.link, Link::Online);
    assert_eq!(state.welcomes, 2);

    state.apply(Action::Select("c".into()));
    state.apply(welcome(vec![row("a", 40, HandoverState::Bot)]));
    assert_eq!(state.open, None, "the selected conversation is gone");
}

#[test]
fn conversation_upsert_replaces_the_row_and_resorts() {
    let mut state = signed_in();
    state.apply(welcome(vec![
        row("a", 30, HandoverState::Bot),
        row("b", 20, HandoverState::Bot),
    ]));
    let waiting = HandoverState::Waiting {
        deadline: Timestamp(99_000),
    };
    state.apply(Action::Frame(ServerToOperator::Conversation(row(
        "b",
        50,
        waiting.clone(),
    ))));
    assert_eq!(ids(&state), ["b", "a"]);
    assert_eq!(state.conversations[0].state, waiting);
    assert_eq!(state.conversations.len(), 2, "replaced, not added");

    state.apply(Action::Frame(ServerToOperator::Conversation(row(
        "c",
        40,
        HandoverState::Bot,
    ))));
    assert_eq!(ids(&state), ["b", "c", "a"], "a new conversation is inserted in order");
}

#[test]
fn events_reach_the_open_conversation_once() {
    let mut state = signed_in();
    state.apply(welcome(vec![
        row("a", 10, HandoverState::Bot),
        row("b", 10, HandoverState::Bot),
    ]));
    state.apply(Action::Select("a".into()));
    state.apply(event("a", message(1, "hi", None)));
    state.apply(event("a", message(1, "hi", None)));
    state.apply(event("b", message(1, "elsewhere", None)));
    // `history` overlaps with what already arrived live.
    state.apply(Action::Frame(ServerToOperator::History {
        conversation: "a".into(),
        page: baton_protocol::visitor::HistoryPage {
            events: vec![message(1, "hi", None), message(2, "there", None)],
            has_more: false,
        },
        notes: vec![],
    }));
    state.apply(event("a", message(2, "there", None)));
    let open = state.open.as_ref().expect("a is open");
    assert!(open.loaded);
    let texts: Vec<_> = open.events.values().filter_map(|e| e.body.message_text()).collect();
    assert_eq!(texts, ["hi", "there"]);
}

#[test]
fn history_for_another_conversation_is_ignored() {
    let mut state = signed_in();
    state.apply(welcome(vec![row("a", 10, HandoverState::Bot)]));
    state.apply(Action::Select("a".into()));
    state.apply(Action::Frame(ServerToOperator::History {
        conversation: "b".into(),
        page: baton_protocol::visitor::HistoryPage {
            events: vec![message(1, "not here", None)],
            has_more: false,
        },
        notes: vec![],
    }));
    let open = state.open.as_ref().expect("a is open");
    assert!(!open.loaded);
    assert!(open.events.is_empty());
}

#[test]
fn roster_updates_the_count_and_my_status() {
    let mut state = signed_in();
    state.apply(welcome(vec![]));
    assert_eq!(state.roster.available(), 1);
    state.apply(Action::Frame(ServerToOperator::Roster(roster(&[
        ("op-dana", OperatorStatus::Available),
        ("op-eli", OperatorStatus::Available),
        ("op-fay", OperatorStatus::Offline),
    ]))));
    assert_eq!(state.roster.available(), 2);
    assert_eq!(crate::format::roster_count(&state.roster), "2/3 online");
    assert_eq!(state.status, OperatorStatus::Available);
}

#[test]
fn assigned_to_me_shows_only_chats_i_own() {
    let mut state = signed_in();
    state.apply(welcome(vec![
        row(
            "a",
            10,
            HandoverState::Human {
                operator: op("op-dana", "Dana D."),
            },
        ),
        row(
            "b",
            20,
            HandoverState::Human {
                operator: op("op-eli", "Eli"),
            },
        ),
        row("c", 30, HandoverState::Waiting { deadline: Timestamp(1) }),
    ]));
    assert_eq!(state.visible().len(), 3);
    state.apply(Action::Tab(Tab::Mine));
    let mine: Vec<_> = state.visible().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(mine, ["a"]);
    assert_eq!(state.assigned_count(), 1);
}

#[test]
fn a_pending_reply_settles_when_its_event_arrives() {
    let mut state = signed_in();
    state.apply(welcome(vec![row("a", 10, HandoverState::Bot)]));
    state.apply(Action::Select("a".into()));
    state.apply(Action::Sending(PendingMessage {
        client_msg_id: "op-1".into(),
        conversation: "a".into(),
        text: "on it".into(),
        failed: None,
    }));
    assert_eq!(state.pending_here().len(), 1);
    state.apply(event("a", message(3, "on it", Some("op-1"))));
    assert!(state.pending.is_empty());
}

#[test]
fn an_error_marks_its_reply_failed_and_shows_a_toast() {
    let mut state = signed_in();
    state.apply(welcome(vec![row("a", 10, HandoverState::Bot)]));
    state.apply(Action::Sending(PendingMessage {
        client_msg_id: "op-2".into(),
        conversation: "a".into(),
        text: "hello?".into(),
        failed: None,
    }));
    let error = ErrorBody::new(ErrorCode::Conflict, "join the chat before replying").for_msg(Some("op-2".into()));
    state.apply(Action::Frame(ServerToOperator::Error(error)));
    assert_eq!(
        state.pending[0].failed.as_deref(),
        Some("Join the chat before replying")
    );
    let toast = state.toast.clone().expect("a toast");
    assert_eq!(toast.message, "Join the chat before replying");

    state.apply(Action::DismissToast(toast.id + 1));
    assert!(state.toast.is_some(), "an older timer does not dismiss a newer toast");
    state.apply(Action::DismissToast(toast.id));
    assert!(state.toast.is_none());
    state.apply(Action::Discard("op-2".into()));
    assert!(state.pending.is_empty());
}

#[test]
fn ownership_from_my_point_of_view() {
    let me = OperatorId::from("op-dana");
    let mine = HandoverState::Human {
        operator: op("op-dana", "Dana"),
    };
    let theirs = HandoverState::Human {
        operator: op("op-eli", "Eli"),
    };
    assert!(matches!(ownership(&mine, Some(&me)), Ownership::Mine(_)));
    assert!(matches!(ownership(&theirs, Some(&me)), Ownership::Theirs(p) if p.name == "Eli"));
    assert!(ownership(&HandoverState::Bot, Some(&me)).joinable());
    assert!(ownership(&HandoverState::Waiting { deadline: Timestamp(0) }, Some(&me)).joinable());
    assert!(!ownership(&HandoverState::Resolved, Some(&me)).joinable());
}
