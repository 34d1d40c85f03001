//! Notes and saved replies in the state (state/notes.rs).

use super::*;
use baton_protocol::operator::{Note, Shortcut, ShortcutId};

fn note(id: &str, at: u64, author: &str, text: &str) -> Note {
    Note {
        id: id.into(),
        author: op(author, author),
        text: text.into(),
        at: Timestamp(at),
    }
}

fn shortcut(id: &str, trigger: &str) -> Shortcut {
    Shortcut {
        id: ShortcutId(id.into()),
        trigger: trigger.into(),
        text: format!("text of {trigger}"),
        scope: Default::default(),
    }
}

fn live_note(conversation: &str, note: Note) -> Action {
    Action::Frame(ServerToOperator::Note {
        conversation: conversation.into(),
        note,
    })
}

fn history_with_notes(conversation: &str, notes: Vec<Note>) -> Action {
    Action::Frame(ServerToOperator::History {
        conversation: conversation.into(),
        page: baton_protocol::visitor::HistoryPage {
            events: vec![message(1, "hi", None)],
            has_more: false,
        },
        notes,
    })
}

fn done(id: &str) -> Action {
    Action::Frame(ServerToOperator::Done {
        client_msg_id: id.into(),
    })
}

fn open_a() -> InboxState {
    let mut state = signed_in();
    state.apply(welcome(vec![
        row("a", 10, HandoverState::Bot),
        row("b", 10, HandoverState::Bot),
    ]));
    state.apply(Action::Select("a".into()));
    state
}

fn note_ids(state: &InboxState) -> Vec<&str> {
    state
        .open
        .as_ref()
        .map_or(vec![], |o| o.notes.iter().map(|n| n.id.as_str()).collect())
}

#[test]
fn notes_come_from_history_and_live_frames_once_each_oldest_first() {
    let mut state = open_a();
    state.apply(live_note("a", note("n3", 300, "op-eli", "live")));
    state.apply(history_with_notes(
        "a",
        vec![
            note("n2", 200, "op-eli", "second"),
            note("n1", 100, "op-dana", "first"),
            note("n3", 300, "op-eli", "live"),
        ],
    ));
    state.apply(live_note("a", note("n3", 300, "op-eli", "live")));
    // Another conversation's note is not this one's.
    state.apply(live_note("b", note("n9", 50, "op-eli", "elsewhere")));
    assert_eq!(note_ids(&state), ["n1", "n2", "n3"]);
    // A note never enters the log the visitor shares.
    let open = state.open.as_ref().expect("a is open");
    assert_eq!(open.events.len(), 1);

    // Opening another conversation starts from its own notes.
    state.apply(Action::Select("b".into()));
    assert!(note_ids(&state).is_empty());
}

#[test]
fn my_note_is_pending_until_done_and_a_refusal_stays_on_the_note_not_a_toast() {
    let mut state = open_a();
    let pending = |id: &str, conversation: &str| PendingNote {
        client_msg_id: id.into(),
        conversation: conversation.into(),
        text: "VIP customer".into(),
        failed: None,
    };
    state.apply(Action::AddingNote(pending("n-1", "a")));
    state.apply(Action::AddingNote(pending("n-1", "a")));
    state.apply(Action::AddingNote(pending("n-2", "b")));
    assert_eq!(
        state.pending_notes_here().len(),
        1,
        "once, and only this conversation's"
    );

    state.apply(live_note("a", note("x", 5, "op-dana", "VIP customer")));
    state.apply(done("n-1"));
    assert!(state.pending_notes_here().is_empty());
    assert_eq!(note_ids(&state), ["x"]);

    state.apply(Action::Select("b".into()));
    let error = ErrorBody::new(ErrorCode::NotFound, "no such conversation").for_msg(Some("n-2".into()));
    state.apply(Action::Frame(ServerToOperator::Error(error)));
    assert_eq!(
        state.pending_notes_here()[0].failed.as_deref(),
        Some("No such conversation")
    );
    assert!(state.toast.is_none());
    state.apply(Action::DiscardNote("n-2".into()));
    assert!(state.pending_notes.is_empty());
}

#[test]
fn shortcuts_come_from_the_welcome_and_every_shortcuts_frame_in_trigger_order() {
    let mut state = signed_in();
    let Action::Frame(ServerToOperator::Welcome(mut w)) = welcome(vec![]) else {
        unreachable!()
    };
    w.shortcuts = vec![shortcut("2", "thanks"), shortcut("1", "returns")];
    state.apply(Action::Frame(ServerToOperator::Welcome(w)));
    let triggers = |s: &InboxState| s.shortcuts.iter().map(|s| s.trigger.clone()).collect::<Vec<_>>();
    assert_eq!(triggers(&state), ["returns", "thanks"]);
    state.apply(Action::Frame(ServerToOperator::Shortcuts {
        shortcuts: vec![shortcut("3", "hello")],
    }));
    assert_eq!(triggers(&state), ["hello"]);
}

#[test]
fn a_shortcut_request_is_busy_until_done_and_a_conflict_is_kept_for_the_panel() {
    let mut state = signed_in();
    state.apply(Action::ShortcutRequest("s-1".into()));
    assert!(state.shortcut_busy());
    // Someone else's answer does not settle mine.
    state.apply(done("other"));
    assert!(state.shortcut_busy());
    state.apply(done("s-1"));
    assert!(!state.shortcut_busy());
    assert_eq!(state.shortcut_error(), None);

    state.apply(Action::ShortcutRequest("s-2".into()));
    let error = ErrorBody::new(ErrorCode::Conflict, "you already have a shortcut with that trigger")
        .for_msg(Some("s-2".into()));
    state.apply(Action::Frame(ServerToOperator::Error(error)));
    assert!(!state.shortcut_busy());
    assert_eq!(
        state.shortcut_error(),
        Some("You already have a shortcut with that trigger")
    );
    assert!(state.toast.is_none(), "the panel says it, not a toast");
    state.apply(Action::ClearShortcutRequest);
    assert_eq!(state.shortcut_error(), None);

    // An error about something else still toasts.
    let error = ErrorBody::new(ErrorCode::Conflict, "elsewhere").for_msg(Some("s-9".into()));
    state.apply(Action::Frame(ServerToOperator::Error(error)));
    assert!(state.toast.is_some());
}
