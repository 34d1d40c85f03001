use super::*;
use baton_protocol::operator::{OperatorWelcome, RosterEntry};
use baton_protocol::receipts::DeliveryStatus;
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
        email: None,
        locale: None,
        page: None,
        reason: None,
        priority: Default::default(),
        left_message: false,
        rating: None,
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
                bots: vec![BotId("demo".into())],
                connected: true,
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
        alert_prefs: Default::default(),
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
            original: None,
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
        row("c", 20, HandoverState::Bot),
        row("b", 30, HandoverState::Resolved),
    ]));
    assert_eq!(
        ids(&state),
        ["c", "a"],
        "sorted newest first; resolved chats are not live"
    );
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
    state.apply(Action::View(View::Mine));
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
        original: None,
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
        original: None,
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

fn operator_message(seq: u64, text: &str, operator: &str) -> ConversationEvent {
    ConversationEvent {
        seq: Seq(seq),
        at: Timestamp(seq * 1000),
        body: EventBody::Message {
            author: Author::Operator {
                operator: op(operator, operator),
            },
            text: text.into(),
            client_msg_id: None,
            offer_human: false,
            original: None,
        },
    }
}

fn history(conversation: &str, events: Vec<ConversationEvent>) -> Action {
    Action::Frame(ServerToOperator::History {
        conversation: conversation.into(),
        page: baton_protocol::visitor::HistoryPage {
            events,
            has_more: false,
        },
        notes: vec![],
    })
}

fn marks(delivered: u64, read: u64) -> ReceiptMarks {
    ReceiptMarks {
        delivered: Seq(delivered),
        read: Seq(read),
    }
}

fn receipts(conversation: &str, visitor: ReceiptMarks, team: ReceiptMarks) -> Action {
    Action::Frame(ServerToOperator::Receipts {
        conversation: conversation.into(),
        visitor,
        team,
    })
}

fn read(conversation: &str, seq: u64) -> ReceiptReport {
    ReceiptReport {
        conversation: conversation.into(),
        delivered: None,
        read: Some(Seq(seq)),
    }
}

#[test]
fn receipts_frames_keep_both_sides_marks_per_conversation() {
    let mut state = signed_in();
    state.apply(welcome(vec![
        row("a", 10, HandoverState::Bot),
        row("b", 20, HandoverState::Bot),
    ]));
    assert_eq!(state.marks_of(&"a".into()), Marks::default(), "zero until told");
    state.apply(receipts("a", marks(4, 2), marks(3, 3)));
    state.apply(receipts("b", marks(9, 9), marks(0, 0)));
    assert_eq!(state.marks_of(&"a".into()).visitor, marks(4, 2));
    assert_eq!(state.marks_of(&"a".into()).team, marks(3, 3));
    assert_eq!(state.marks_of(&"b".into()).visitor, marks(9, 9));
    state.apply(receipts("a", marks(5, 5), marks(3, 3)));
    assert_eq!(
        state.marks_of(&"a".into()).visitor,
        marks(5, 5),
        "the latest frame wins"
    );
    state.apply(Action::Frame(ServerToOperator::ConversationRemoved {
        conversation: "b".into(),
    }));
    assert_eq!(state.marks_of(&"b".into()), Marks::default());
}

#[test]
fn operator_messages_show_sent_delivered_and_read_from_the_visitors_marks() {
    let mine = operator_message(3, "on it", "op-dana");
    let theirs = operator_message(4, "me too", "op-eli");
    let visitor = message(5, "thanks", None);
    let visitor_marks = marks(4, 3);
    assert_eq!(receipt_of(&mine, visitor_marks), Some(DeliveryStatus::Read));
    assert_eq!(receipt_of(&theirs, visitor_marks), Some(DeliveryStatus::Delivered));
    assert_eq!(receipt_of(&theirs, marks(3, 3)), Some(DeliveryStatus::Sent));
    assert_eq!(receipt_of(&visitor, visitor_marks), None, "the visitor's own messages");
    let labels: Vec<_> = [
        DeliveryStatus::Sending,
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
        DeliveryStatus::Read,
        DeliveryStatus::Failed,
    ]
    .into_iter()
    .map(crate::format::receipt_label)
    .collect();
    assert_eq!(labels, ["Sending…", "Sent", "Delivered", "Read", "Not sent"]);
}

#[test]
fn the_open_conversation_is_reported_read_when_shown_and_only_when_it_moves() {
    let mut state = signed_in();
    state.apply(welcome(vec![row("a", 10, HandoverState::Bot)]));
    state.apply(Action::Select("a".into()));
    state.apply(event("a", message(1, "hi", None)));
    assert_eq!(state.receipt_due(true), None, "not before history has loaded");
    state.apply(history("a", vec![message(1, "hi", None), message(2, "anyone?", None)]));
    state.apply(receipts("a", marks(0, 0), marks(0, 0)));
    assert_eq!(state.receipt_due(true), Some(read("a", 2)));

    state.apply(Action::Reported(read("a", 2)));
    assert_eq!(state.receipt_due(true), None, "nothing moved");
    // My own message does not need a receipt…
    state.apply(event("a", operator_message(3, "hello", "op-dana")));
    assert_eq!(state.receipt_due(true), None);
    // …a visitor's does, and the mark covers everything shown.
    state.apply(event("a", message(4, "my order", None)));
    assert_eq!(state.receipt_due(true), Some(read("a", 4)));
    // The server's team marks count too (another operator, another tab).
    state.apply(receipts("a", marks(3, 3), marks(4, 4)));
    assert_eq!(state.receipt_due(true), None);
}

#[test]
fn an_unfocused_inbox_reports_delivered_but_not_read() {
    let mut state = signed_in();
    state.apply(welcome(vec![row("a", 10, HandoverState::Bot)]));
    state.apply(Action::Select("a".into()));
    state.apply(history("a", vec![message(1, "hi", None)]));
    let delivered = ReceiptReport {
        conversation: "a".into(),
        delivered: Some(Seq(1)),
        read: None,
    };
    assert_eq!(state.receipt_due(false), Some(delivered.clone()));
    state.apply(Action::Reported(delivered));
    assert_eq!(state.receipt_due(false), None);
    assert_eq!(state.receipt_due(true), Some(read("a", 1)), "focus makes it read");
    state.apply(Action::Reported(read("a", 1)));
    assert_eq!(state.receipt_due(true), None);
    assert_eq!(state.receipt_due(false), None, "read implies delivered");
}

#[test]
fn a_new_connection_reports_again() {
    let mut state = signed_in();
    state.apply(welcome(vec![row("a", 10, HandoverState::Bot)]));
    state.apply(Action::Select("a".into()));
    state.apply(history("a", vec![message(1, "hi", None)]));
    state.apply(Action::Reported(read("a", 1)));
    assert_eq!(state.receipt_due(true), None);
    // The server restarted and lost its marks: after the welcome and the
    // re-open's `receipts`, the inbox reports read again.
    state.apply(welcome(vec![row("a", 10, HandoverState::Bot)]));
    state.apply(history("a", vec![message(1, "hi", None)]));
    state.apply(receipts("a", marks(0, 0), marks(0, 0)));
    assert_eq!(state.receipt_due(true), Some(read("a", 1)));
    // Nothing is due with no conversation open.
    state.apply(Action::Deselect);
    assert_eq!(state.receipt_due(true), None);
}

fn waiting(id: &str, at: u64) -> ConversationSummary {
    let mut r = row(
        id,
        at,
        HandoverState::Waiting {
            deadline: Timestamp(at + 120_000),
        },
    );
    r.help_requested_at = Some(Timestamp(at));
    r
}

fn visible(state: &InboxState) -> Vec<&str> {
    state.visible().iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn views_put_help_requests_first_oldest_first_and_hide_resolved_chats() {
    let mut state = signed_in();
    state.apply(welcome(vec![
        row("bot-new", 90, HandoverState::Bot),
        waiting("wait-late", 50),
        waiting("wait-early", 20),
        row(
            "mine",
            80,
            HandoverState::Human {
                operator: op("op-dana", "Dana"),
            },
        ),
        row(
            "theirs",
            70,
            HandoverState::Human {
                operator: op("op-eli", "Eli"),
            },
        ),
    ]));
    assert_eq!(state.view, View::Open);
    assert_eq!(
        visible(&state),
        ["wait-early", "wait-late", "bot-new", "mine", "theirs"]
    );
    state.apply(Action::View(View::Waiting));
    assert_eq!(visible(&state), ["wait-early", "wait-late"]);
    assert_eq!(
        (
            state.count(View::Waiting),
            state.count(View::Mine),
            state.count(View::Open)
        ),
        (2, 1, 5)
    );
    assert_eq!(state.waiting_count(), 2);

    // Resolved: the row leaves the live views for the Resolved view.
    state.apply(Action::Frame(ServerToOperator::Conversation(row(
        "wait-early",
        95,
        HandoverState::Resolved,
    ))));
    assert_eq!(visible(&state), ["wait-late"]);
    state.apply(Action::View(View::Resolved));
    assert_eq!(visible(&state), ["wait-early"]);
}

#[test]
fn the_bot_filter_narrows_every_view() {
    let mut state = signed_in();
    let mut other = waiting("help-1", 10);
    other.bot = BotId("help".into());
    state.apply(welcome(vec![waiting("demo-1", 20), other]));
    state.apply(Action::BotFilter(Some(BotId("help".into()))));
    assert_eq!(visible(&state), ["help-1"]);
    assert_eq!(state.count(View::Waiting), 1);
    assert_eq!(state.waiting_count(), 2, "the tab title counts every bot");
}

#[test]
fn actions_come_from_the_handover_rules() {
    let mut state = signed_in();
    state.apply(welcome(vec![
        waiting("w", 10),
        row(
            "theirs",
            20,
            HandoverState::Human {
                operator: op("op-eli", "Eli"),
            },
        ),
        row(
            "mine",
            30,
            HandoverState::Human {
                operator: op("op-dana", "Dana"),
            },
        ),
    ]));
    let find = |id: &str| {
        state
            .conversations
            .iter()
            .find(|c| c.id.as_str() == id)
            .unwrap()
            .clone()
    };
    let w = state.actions(&find("w"));
    assert!(w.join && w.resolve && !w.leave && !w.transfer && !w.reply && w.take_over.is_none());
    let theirs = state.actions(&find("theirs"));
    assert!(!theirs.join && !theirs.resolve && !theirs.reply);
    assert_eq!(theirs.take_over.map(|o| o.name), Some("Eli".to_owned()));
    let mine = state.actions(&find("mine"));
    assert!(mine.leave && mine.transfer && mine.resolve && mine.reply && !mine.join && mine.take_over.is_none());
}

#[test]
fn transfer_targets_are_available_teammates_serving_the_bot() {
    let mut state = signed_in();
    state.apply(welcome(vec![row(
        "mine",
        30,
        HandoverState::Human {
            operator: op("op-dana", "Dana"),
        },
    )]));
    let mut roster = roster(&[
        ("op-dana", OperatorStatus::Available),
        ("op-eli", OperatorStatus::Available),
        ("op-away", OperatorStatus::Away),
        ("op-busy", OperatorStatus::Busy),
        ("op-other-bot", OperatorStatus::Available),
    ]);
    roster.operators[4].bots = vec![BotId("help".into())];
    state.apply(Action::Frame(ServerToOperator::Roster(roster)));
    let row = state.conversations[0].clone();
    let targets: Vec<_> = state
        .transfer_targets(&row)
        .into_iter()
        .map(|e| e.profile.id.0)
        .collect();
    assert_eq!(
        targets,
        ["op-eli"],
        "not me, not Away/Busy, not someone who does not serve the bot"
    );
}

#[test]
fn typing_shows_until_stopped_or_expired() {
    let mut state = signed_in();
    state.apply(Action::Tick(Timestamp(1_000)));
    let typing = |on| {
        Action::Frame(ServerToOperator::Typing {
            conversation: "a".into(),
            typing: on,
        })
    };
    state.apply(typing(true));
    assert!(state.is_typing(&"a".into()));
    state.apply(typing(false));
    assert!(!state.is_typing(&"a".into()));
    state.apply(typing(true));
    state.apply(Action::Tick(Timestamp(1_000) + baton_protocol::TYPING_TTL));
    assert!(!state.is_typing(&"a".into()), "a lost stop expires");
}

#[test]
fn alerts_stack_newest_first_one_per_chat_and_auto_away_is_remembered() {
    use baton_protocol::operator::{Alert, AlertKind};
    let alert = |kind, conversation: Option<&str>| {
        Action::Frame(ServerToOperator::Alert(Alert {
            kind,
            conversation: conversation.map(ConversationId::from),
            bot: None,
            visitor: None,
            by: None,
            text: None,
        }))
    };
    let mut state = signed_in();
    state.apply(alert(AlertKind::HelpRequested, Some("a")));
    state.apply(alert(AlertKind::HelpRequested, Some("b")));
    state.apply(alert(AlertKind::Unclaimed, Some("a")));
    let kinds: Vec<_> = state
        .alerts
        .iter()
        .map(|a| (a.alert.kind, a.alert.conversation.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (AlertKind::Unclaimed, Some("a".into())),
            (AlertKind::HelpRequested, Some("b".into()))
        ]
    );
    for i in 0..10 {
        state.apply(alert(AlertKind::NewChat, Some(&format!("n{i}"))));
    }
    assert_eq!(state.alerts.len(), MAX_ALERTS);
    assert_eq!(state.alerts_seen, 13);
    let id = state.alerts[0].id;
    state.apply(Action::DismissAlert(id));
    assert!(state.alerts.iter().all(|a| a.id != id));

    state.apply(Action::Tick(Timestamp(5_000)));
    state.apply(alert(AlertKind::AutoAway, None));
    assert_eq!(state.auto_away_at, Some(Timestamp(5_000)));
    state.apply(Action::Frame(ServerToOperator::Roster(roster(&[(
        "op-dana",
        OperatorStatus::Available,
    )]))));
    assert_eq!(state.auto_away_at, None, "cleared once I pick a status");
}

#[test]
fn a_request_alert_goes_once_the_chat_is_picked_up_or_opened() {
    use baton_protocol::operator::{Alert, AlertKind};
    let alert = |conversation: &str| {
        Action::Frame(ServerToOperator::Alert(Alert {
            kind: AlertKind::HelpRequested,
            conversation: Some(conversation.into()),
            bot: None,
            visitor: None,
            by: None,
            text: None,
        }))
    };
    let mut state = signed_in();
    state.apply(welcome(vec![waiting("a", 10), waiting("b", 20)]));
    state.apply(alert("a"));
    state.apply(alert("b"));
    // Still waiting: the alert stays.
    state.apply(Action::Frame(ServerToOperator::Conversation(waiting("a", 30))));
    assert_eq!(state.alerts.len(), 2);
    // Eli joined "a": its alert is stale.
    let taken = row(
        "a",
        40,
        HandoverState::Human {
            operator: op("op-eli", "Eli"),
        },
    );
    state.apply(Action::Frame(ServerToOperator::Conversation(taken)));
    let left: Vec<_> = state
        .alerts
        .iter()
        .filter_map(|a| a.alert.conversation.clone())
        .collect();
    assert_eq!(left, [ConversationId::from("b")]);
    // Opening "b" answers its alert.
    state.apply(Action::Select("b".into()));
    assert!(state.alerts.is_empty());
}

mod notes;

#[test]
fn a_resolved_search_shows_the_answer_to_the_latest_query_only() {
    let mut state = signed_in();
    let answer = |query: &str, ids: &[&str]| Action::Resolved {
        query: query.into(),
        rows: ids.iter().map(|id| row(id, 1, HandoverState::Resolved)).collect(),
    };
    state.apply(Action::SearchResolved(String::new()));
    state.apply(answer("", &["a", "b"]));
    assert_eq!(state.resolved.len(), 2);
    // A new search while rows are shown: its text sticks, its answer lands.
    state.apply(Action::SearchResolved("sa".into()));
    assert_eq!(state.resolved_query, "sa");
    state.apply(Action::SearchResolved("sam".into()));
    state.apply(answer("sam", &["b"]));
    // The slower answer to "sa" arrives last and is dropped.
    state.apply(answer("sa", &["a", "b"]));
    let ids: Vec<_> = state.resolved.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["b"]);
}

#[test]
fn the_list_keys_step_through_the_view_and_find_the_longest_wait() {
    let mut state = signed_in();
    assert_eq!(state.neighbour(1), None);
    assert_eq!(state.next_waiting(), None);
    state.apply(welcome(vec![
        row("bot-new", 90, HandoverState::Bot),
        waiting("wait-late", 50),
        waiting("wait-early", 20),
    ]));
    let id = |s: &str| Some(ConversationId::from(s));
    // Nothing open: j starts at the top, k at the bottom.
    assert_eq!(state.neighbour(1), id("wait-early"));
    assert_eq!(state.neighbour(-1), id("bot-new"));
    assert_eq!(state.next_waiting(), id("wait-early"));
    state.apply(Action::Select(ConversationId::from("wait-early")));
    assert_eq!(state.neighbour(1), id("wait-late"));
    assert_eq!(state.neighbour(-1), None);
    // The open one is not "next": the one after it in waiting order is.
    assert_eq!(state.next_waiting(), id("wait-late"));
    state.apply(Action::Select(ConversationId::from("bot-new")));
    assert_eq!(state.neighbour(1), None);
    assert_eq!(state.neighbour(-1), id("wait-late"));
    assert_eq!(state.next_waiting(), id("wait-early"));
}

#[test]
fn a_resolved_chats_removal_after_its_last_row_keeps_the_resolved_view_and_the_open_chat() {
    let mut state = signed_in();
    state.apply(welcome(vec![
        row("a", 10, HandoverState::Bot),
        row("b", 20, HandoverState::Bot),
    ]));
    state.apply(Action::Select("a".into()));
    state.apply(receipts("a", marks(4, 4), marks(3, 3)));
    // What the server sends when a chat resolves: its last row, then the removal.
    for id in ["a", "b"] {
        state.apply(Action::Frame(ServerToOperator::Conversation(row(
            id,
            50,
            HandoverState::Resolved,
        ))));
        state.apply(Action::Frame(ServerToOperator::ConversationRemoved {
            conversation: id.into(),
        }));
    }
    assert!(ids(&state).is_empty(), "both left the live list");
    let resolved: Vec<_> = state.resolved.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(resolved, ["b", "a"], "both are in the Resolved view");
    assert_eq!(state.open.as_ref().map(|o| o.id.as_str()), Some("a"));
    assert_eq!(
        state.marks_of(&"a".into()).visitor,
        marks(4, 4),
        "the open chat keeps its marks"
    );
}
