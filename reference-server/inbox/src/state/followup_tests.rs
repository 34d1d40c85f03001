//! Issue 14 in the inbox's reducer: the "Left a message" view, Waiting
//! ordered by priority, and the toast when an email answer went out.

use super::*;
use baton_protocol::operator::OperatorWelcome;
use baton_protocol::queue::Priority;
use baton_protocol::{BotId, ErrorBody, ErrorCode};

fn me() -> OperatorProfile {
    OperatorProfile {
        id: "op-dana".into(),
        name: "Dana".into(),
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
        last_message: None,
        last_activity: Timestamp(at),
        help_requested_at: Some(Timestamp(at)),
        unread: 0,
        presence: Default::default(),
        country: None,
        email: None,
        locale: None,
        page: None,
        reason: None,
        priority: Priority::Normal,
        left_message: false,
        rating: None,
    }
}

fn waiting(id: &str, at: u64, priority: Priority) -> ConversationSummary {
    ConversationSummary {
        priority,
        ..row(
            id,
            at,
            HandoverState::Waiting {
                deadline: Timestamp(99_999),
            },
        )
    }
}

fn inbox(conversations: Vec<ConversationSummary>) -> InboxState {
    let mut state = InboxState::new(me());
    state.apply(Action::Frame(ServerToOperator::Welcome(OperatorWelcome {
        protocol: 1,
        features: vec![],
        role: Default::default(),
        bots: vec![],
        shortcuts: vec![],
        me: me(),
        status: OperatorStatus::Available,
        conversations,
        roster: Default::default(),
        alert_prefs: Default::default(),
    })));
    state
}

fn ids(state: &InboxState) -> Vec<&str> {
    state.visible().iter().map(|c| c.id.as_str()).collect()
}

#[test]
fn waiting_is_ordered_by_priority_then_by_who_asked_first() {
    let mut state = inbox(vec![
        waiting("old", 10, Priority::Normal),
        waiting("new-urgent", 40, Priority::Urgent),
        waiting("high", 30, Priority::High),
        waiting("newer", 20, Priority::Normal),
    ]);
    state.apply(Action::View(View::Waiting));
    assert_eq!(ids(&state), ["new-urgent", "high", "old", "newer"]);
    assert_eq!(
        state.next_waiting().map(|c| c.0),
        Some("new-urgent".into()),
        "the n key takes the first in line"
    );
}

#[test]
fn left_messages_have_their_own_view_until_answered() {
    let left = ConversationSummary {
        left_message: true,
        ..row("left", 10, HandoverState::Bot)
    };
    let mut state = inbox(vec![left.clone(), row("other", 20, HandoverState::Bot)]);
    state.apply(Action::View(View::Left));
    assert_eq!(ids(&state), ["left"]);
    assert_eq!(state.count(View::Left), 1);
    // Answered by email: the row's next version has no left message.
    state.apply(Action::Frame(ServerToOperator::Conversation(ConversationSummary {
        left_message: false,
        ..left
    })));
    assert!(ids(&state).is_empty());
}

#[test]
fn an_email_answer_names_its_address_once_the_server_took_it() {
    let mut state = inbox(vec![]);
    state.apply(Action::EmailReply("e1".into(), "ana@example.com".into()));
    state.apply(Action::Frame(ServerToOperator::Done {
        client_msg_id: "other".into(),
    }));
    assert_eq!(state.toast, None, "another request's answer");
    state.apply(Action::Frame(ServerToOperator::Done {
        client_msg_id: "e1".into(),
    }));
    assert_eq!(
        state.toast.as_ref().map(|t| t.message.as_str()),
        Some("Email sent to ana@example.com.")
    );
    // A refusal says why instead.
    state.apply(Action::EmailReply("e2".into(), "sam@example.com".into()));
    let mut error = ErrorBody::new(ErrorCode::Conflict, "This message was already answered.");
    error.client_msg_id = Some("e2".into());
    state.apply(Action::Frame(ServerToOperator::Error(error)));
    assert_eq!(
        state.toast.as_ref().map(|t| t.message.as_str()),
        Some("This message was already answered.")
    );
    assert!(state.email_replies.is_empty());
}
