use super::*;
use crate::OperatorId;

fn op(id: &str) -> OperatorProfile {
    OperatorProfile {
        id: OperatorId(id.into()),
        name: format!("Op {id}"),
        avatar_url: None,
        colour: None,
    }
}

fn facts(now: u64) -> Facts {
    Facts::at(Timestamp(now), Millis(60_000))
}

fn in_state(events: &[EventBody]) -> Handover {
    Handover::from_log(events)
}

#[test]
fn request_human_starts_the_response_window() {
    let mut h = Handover::default();
    let events = h.apply(Intent::RequestHuman, facts(1_000)).unwrap();
    assert_eq!(events, vec![EventBody::help(Timestamp(61_000))]);
    assert_eq!(h.deadline(), Some(Timestamp(61_000)));
    assert!(
        !h.bot_may_reply(BotMode::Assisted),
        "the bot stays quiet while a person is on the way"
    );
}

#[test]
fn request_human_without_available_operator_is_refused() {
    let mut h = Handover::default();
    let err = h
        .apply(
            Intent::RequestHuman,
            Facts {
                human_available: false,
                ..facts(0)
            },
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NoOperatorAvailable);
    assert_eq!(h.state(), &HandoverState::Bot);
}

#[test]
fn a_retried_request_is_answered_without_new_events() {
    let mut h = Handover::default();
    h.apply(Intent::RequestHuman, facts(0)).unwrap();
    assert_eq!(h.apply(Intent::RequestHuman, facts(5)).unwrap(), vec![]);
}

#[test]
fn first_join_wins_and_the_second_gets_conflict() {
    let mut h = Handover::default();
    h.apply(Intent::RequestHuman, facts(0)).unwrap();
    h.apply(Intent::Join { operator: op("a") }, facts(1)).unwrap();
    let err = h.apply(Intent::Join { operator: op("b") }, facts(2)).unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(err.current, HandoverState::Human { operator: op("a") });
}

#[test]
fn join_is_idempotent_for_the_owner() {
    let mut h = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    assert_eq!(h.apply(Intent::Join { operator: op("a") }, facts(0)).unwrap(), vec![]);
}

#[test]
fn an_operator_may_join_a_chat_the_bot_is_handling() {
    let mut h = Handover::default();
    let events = h.apply(Intent::Join { operator: op("a") }, facts(0)).unwrap();
    assert_eq!(events, vec![EventBody::OperatorJoined { operator: op("a") }]);
}

#[test]
fn take_over_replaces_the_owner_and_names_the_previous_one() {
    let mut h = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    let events = h
        .apply(
            Intent::TakeOver {
                operator: op("b"),
                replacing: op("a").id,
            },
            facts(0),
        )
        .unwrap();
    assert_eq!(
        events,
        vec![EventBody::OperatorTookOver {
            operator: op("b"),
            previous: op("a")
        }]
    );
    assert_eq!(h.state(), &HandoverState::Human { operator: op("b") });
}

#[test]
fn take_over_of_an_unowned_chat_is_a_conflict() {
    let mut h = Handover::default();
    assert_eq!(
        h.apply(
            Intent::TakeOver {
                operator: op("b"),
                replacing: op("a").id
            },
            facts(0)
        )
        .unwrap_err()
        .code,
        ErrorCode::Conflict
    );
}

#[test]
fn leave_returns_the_chat_to_the_bot() {
    let mut h = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    let events = h.apply(Intent::Leave { operator: op("a").id }, facts(0)).unwrap();
    assert_eq!(events, vec![EventBody::OperatorLeft { operator: op("a") }]);
    assert!(h.bot_may_reply(BotMode::Assisted));
}

#[test]
fn only_the_owner_may_leave() {
    let mut h = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    assert_eq!(
        h.apply(Intent::Leave { operator: op("b").id }, facts(0))
            .unwrap_err()
            .code,
        ErrorCode::Conflict
    );
}

#[test]
fn visitor_ending_the_human_chat_returns_it_to_the_bot() {
    let mut h = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    let events = h.apply(Intent::EndHuman, facts(0)).unwrap();
    assert_eq!(events, vec![EventBody::VisitorEndedHuman { operator: op("a") }]);
    assert!(h.bot_may_reply(BotMode::Assisted));
}

#[test]
fn cancel_request_returns_to_the_bot_and_is_a_conflict_otherwise() {
    let mut h = Handover::default();
    assert_eq!(
        h.apply(Intent::CancelRequest, facts(0)).unwrap_err().code,
        ErrorCode::Conflict
    );
    h.apply(Intent::RequestHuman, facts(0)).unwrap();
    assert_eq!(
        h.apply(Intent::CancelRequest, facts(1)).unwrap(),
        vec![EventBody::RequestCancelled]
    );
    assert_eq!(h.state(), &HandoverState::Bot);
}

#[test]
fn transfer_only_to_an_available_operator() {
    let mut h = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    let busy = Intent::Transfer {
        from: op("a").id,
        to: op("b"),
        to_available: false,
    };
    assert_eq!(h.apply(busy, facts(0)).unwrap_err().code, ErrorCode::Conflict);
    let ok = Intent::Transfer {
        from: op("a").id,
        to: op("b"),
        to_available: true,
    };
    assert_eq!(
        h.apply(ok, facts(0)).unwrap(),
        vec![EventBody::Transferred {
            from: op("a"),
            to: op("b")
        }]
    );
    assert_eq!(h.state(), &HandoverState::Human { operator: op("b") });
}

#[test]
fn response_window_lapses_only_at_the_deadline() {
    let mut h = Handover::default();
    h.apply(Intent::RequestHuman, facts(0)).unwrap();
    assert_eq!(h.on_timeout(Timestamp(59_999)), None);
    assert_eq!(h.on_timeout(Timestamp(60_000)), Some(EventBody::RequestLapsed));
    assert_eq!(h.state(), &HandoverState::Bot);
    assert_eq!(h.on_timeout(Timestamp(120_000)), None, "a stale timer does nothing");
}

#[test]
fn a_join_before_the_deadline_disarms_the_window() {
    let mut h = Handover::default();
    h.apply(Intent::RequestHuman, facts(0)).unwrap();
    h.apply(Intent::Join { operator: op("a") }, facts(10)).unwrap();
    assert_eq!(h.deadline(), None);
    assert_eq!(h.on_timeout(Timestamp(60_000)), None);
}

#[test]
fn only_the_owner_may_message_the_visitor() {
    let waiting = in_state(&[EventBody::help(Timestamp(9))]);
    assert!(
        waiting.check_operator_send(&op("a").id).is_err(),
        "waiting chats take no operator messages"
    );
    let owned = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    assert!(owned.check_operator_send(&op("a").id).is_ok());
    assert!(owned.check_operator_send(&op("b").id).is_err());
    assert!(!owned.bot_may_reply(BotMode::Assisted));
}

#[test]
fn resolve_closes_and_everything_after_is_a_conflict() {
    let mut h = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    assert_eq!(
        h.apply(Intent::Resolve { operator: op("b") }, facts(0))
            .unwrap_err()
            .code,
        ErrorCode::Conflict
    );
    h.apply(Intent::Resolve { operator: op("a") }, facts(0)).unwrap();
    assert_eq!(h.state(), &HandoverState::Resolved);
    assert!(h.check_visitor_send().is_err());
    assert_eq!(
        h.apply(Intent::RequestHuman, facts(0)).unwrap_err().code,
        ErrorCode::Conflict
    );
}

#[test]
fn state_is_the_fold_of_the_log() {
    let mut live = Handover::default();
    let mut log = Vec::new();
    log.extend(live.apply(Intent::RequestHuman, facts(0)).unwrap());
    log.extend(live.apply(Intent::Join { operator: op("a") }, facts(1)).unwrap());
    log.extend(
        live.apply(
            Intent::TakeOver {
                operator: op("b"),
                replacing: op("a").id,
            },
            facts(2),
        )
        .unwrap(),
    );
    assert_eq!(Handover::from_log(&log), live);
}

#[test]
fn a_stale_take_over_is_a_conflict() {
    // b saw a as the owner, but c took over meanwhile: b's intent is stale.
    let mut h = in_state(&[
        EventBody::OperatorJoined { operator: op("a") },
        EventBody::OperatorTookOver {
            operator: op("c"),
            previous: op("a"),
        },
    ]);
    let err = h
        .apply(
            Intent::TakeOver {
                operator: op("b"),
                replacing: op("a").id,
            },
            facts(0),
        )
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Conflict);
    assert_eq!(err.current, HandoverState::Human { operator: op("c") });
}

#[test]
fn taking_over_your_own_chat_changes_nothing() {
    let mut h = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    assert_eq!(
        h.apply(
            Intent::TakeOver {
                operator: op("a"),
                replacing: op("a").id
            },
            facts(0)
        )
        .unwrap(),
        vec![]
    );
}

#[test]
fn only_the_owner_transfers_and_never_to_themselves() {
    let mut h = in_state(&[EventBody::OperatorJoined { operator: op("a") }]);
    let by_other = Intent::Transfer {
        from: op("b").id,
        to: op("c"),
        to_available: true,
    };
    assert_eq!(h.apply(by_other, facts(0)).unwrap_err().code, ErrorCode::Conflict);
    let to_self = Intent::Transfer {
        from: op("a").id,
        to: op("a"),
        to_available: true,
    };
    assert_eq!(h.apply(to_self, facts(0)).unwrap_err().code, ErrorCode::Conflict);
    let waiting = in_state(&[EventBody::help(Timestamp(9))]);
    let unowned = Intent::Transfer {
        from: op("a").id,
        to: op("b"),
        to_available: true,
    };
    assert_eq!(
        waiting.clone().apply(unowned, facts(0)).unwrap_err().code,
        ErrorCode::Conflict
    );
}

#[test]
fn any_operator_may_resolve_a_chat_nobody_owns() {
    for log in [vec![], vec![EventBody::help(Timestamp(9))]] {
        let mut h = in_state(&log);
        let events = h.apply(Intent::Resolve { operator: op("b") }, facts(0)).unwrap();
        assert_eq!(events, vec![EventBody::Resolved { by: Some(op("b")) }]);
        assert_eq!(h.state(), &HandoverState::Resolved);
    }
}

#[test]
fn ending_a_human_chat_that_is_not_human_is_a_conflict() {
    for log in [vec![], vec![EventBody::help(Timestamp(9))]] {
        let mut h = in_state(&log);
        assert_eq!(
            h.apply(Intent::EndHuman, facts(0)).unwrap_err().code,
            ErrorCode::Conflict
        );
    }
}

#[test]
fn leaving_a_chat_nobody_owns_is_a_conflict() {
    let mut h = in_state(&[EventBody::help(Timestamp(9))]);
    assert_eq!(
        h.apply(Intent::Leave { operator: op("a").id }, facts(0))
            .unwrap_err()
            .code,
        ErrorCode::Conflict
    );
}

#[test]
fn requests_are_refused_when_handover_is_off() {
    let mut h = Handover::default();
    let off = Facts {
        handover_enabled: false,
        ..facts(0)
    };
    assert_eq!(
        h.apply(Intent::RequestHuman, off).unwrap_err().code,
        ErrorCode::HandoverDisabled
    );
}

#[test]
fn nothing_moves_a_resolved_chat() {
    let resolved = in_state(&[EventBody::Resolved { by: None }]);
    let intents = [
        Intent::RequestHuman,
        Intent::CancelRequest,
        Intent::EndHuman,
        Intent::Join { operator: op("a") },
        Intent::TakeOver {
            operator: op("a"),
            replacing: op("b").id,
        },
        Intent::Transfer {
            from: op("a").id,
            to: op("b"),
            to_available: true,
        },
        Intent::Leave { operator: op("a").id },
        Intent::Resolve { operator: op("a") },
    ];
    for intent in intents {
        let err = resolved.clone().apply(intent.clone(), facts(0)).unwrap_err();
        assert_eq!(
            (err.code, err.current),
            (ErrorCode::Conflict, HandoverState::Resolved),
            "{intent:?}"
        );
    }
}

#[test]
fn the_bot_is_silent_in_human_only_mode() {
    let h = Handover::default();
    assert!(h.bot_may_reply(BotMode::Assisted));
    assert!(!h.bot_may_reply(BotMode::HumanOnly));
}
