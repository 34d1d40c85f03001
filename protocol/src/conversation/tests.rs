//! The conversation core: seq, dedup, limits, muting, human-only mode,
//! receipts. (The scripted vectors in `vectors/scenarios/` replay the same
//! rules from JSON, for other implementations.)

use super::*;
use crate::{Millis, OperatorProfile};

fn facts(now: u64) -> Facts {
    Facts::at(Timestamp(now), Millis(60_000))
}

fn id(s: &str) -> ClientMsgId {
    ClientMsgId(s.into())
}

fn op(name: &str) -> OperatorProfile {
    OperatorProfile {
        id: OperatorId(name.into()),
        name: name.into(),
        avatar_url: None,
        colour: None,
    }
}

fn say(core: &mut ConversationCore, i: &str, text: &str) -> Outcome {
    core.handle(
        Input::VisitorMessage {
            id: id(i),
            text: text.into(),
        },
        facts(1),
    )
}

#[test]
fn a_visitor_message_is_numbered_acked_and_asks_the_bot() {
    let mut core = ConversationCore::default();
    let out = say(&mut core, "m1", "  hello  ");
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.events[0].seq, Seq(1));
    assert_eq!(out.events[0].body.message_text(), Some("hello"), "text is trimmed");
    assert_eq!(out.client_msg_id, Some(id("m1")));
    assert_eq!(
        out.reply,
        Some(Reply::Ack {
            id: id("m1"),
            seq: Seq(1)
        })
    );
    assert!(out.ask_bot);
}

#[test]
fn a_retried_message_is_stored_once_and_gets_the_original_ack() {
    let mut core = ConversationCore::default();
    say(&mut core, "m1", "hello");
    say(&mut core, "m2", "again");
    let retry = say(&mut core, "m1", "hello");
    assert!(retry.events.is_empty());
    assert_eq!(
        retry.reply,
        Some(Reply::Ack {
            id: id("m1"),
            seq: Seq(1)
        })
    );
    assert!(!retry.ask_bot, "a retry does not ask the bot twice");
}

#[test]
fn empty_and_overlong_messages_are_refused_with_their_id() {
    let mut core = ConversationCore::default();
    for (i, text, code) in [
        ("e", "   ", ErrorCode::BadFrame),
        ("l", &"x".repeat(MAX_MESSAGE_CHARS + 1), ErrorCode::TooLarge),
    ] {
        let out = say(&mut core, i, text);
        assert!(out.events.is_empty());
        match out.reply {
            Some(Reply::Error(e)) => assert_eq!((e.code, e.client_msg_id), (code, Some(id(i)))),
            other => panic!("expected an error, got {other:?}"),
        }
    }
    assert_eq!(core.last_seq(), Seq(0));
}

#[test]
fn the_bot_reply_is_dropped_once_a_person_owns_the_chat() {
    let mut core = ConversationCore::default();
    say(&mut core, "m1", "hi");
    core.handle(
        Input::OperatorIntent {
            id: id("j"),
            intent: Intent::Join { operator: op("a") },
        },
        facts(2),
    );
    let late = core.handle(
        Input::BotReply {
            text: "too late".into(),
            offer_human: false,
            handover: None,
        },
        facts(3),
    );
    assert!(late.events.is_empty());
    let next = say(&mut core, "m2", "are you there?");
    assert!(!next.ask_bot, "the bot is muted while a person owns the chat");
}

#[test]
fn the_inline_offer_needs_someone_available() {
    let mut core = ConversationCore::default();
    let nobody = Facts {
        human_available: false,
        ..facts(1)
    };
    let out = core.handle(
        Input::BotReply {
            text: "maybe".into(),
            offer_human: true,
            handover: None,
        },
        nobody,
    );
    assert!(matches!(
        out.events[0].body,
        EventBody::Message { offer_human: false, .. }
    ));
}

#[test]
fn operators_message_the_visitor_only_as_owner_under_their_chosen_name() {
    let mut core = ConversationCore::default();
    let early = core.handle(
        Input::OperatorMessage {
            operator: op("a").id,
            id: id("o1"),
            text: "hi".into(),
            original: None,
        },
        facts(1),
    );
    assert!(matches!(early.reply, Some(Reply::Error(ref e)) if e.code == ErrorCode::Conflict));
    let alias = OperatorProfile {
        name: "Ana S.".into(),
        ..op("a")
    };
    core.handle(
        Input::OperatorIntent {
            id: id("j"),
            intent: Intent::Join {
                operator: alias.clone(),
            },
        },
        facts(2),
    );
    let out = core.handle(
        Input::OperatorMessage {
            operator: op("a").id,
            id: id("o2"),
            text: "hi".into(),
            original: None,
        },
        facts(3),
    );
    assert!(
        matches!(&out.events[0].body, EventBody::Message { author: Author::Operator { operator }, .. } if *operator == alias)
    );
}

#[test]
fn a_translated_reply_keeps_its_original_for_operators_only() {
    let mut core = ConversationCore::default();
    core.handle(
        Input::OperatorIntent {
            id: id("j"),
            intent: Intent::Join { operator: op("a") },
        },
        facts(1),
    );
    let send = |core: &mut ConversationCore, msg: &str, original: Option<&str>| {
        core.handle(
            Input::OperatorMessage {
                operator: op("a").id,
                id: id(msg),
                text: "[de] Hallo".into(),
                original: original.map(Into::into),
            },
            facts(2),
        )
    };
    let out = send(&mut core, "o1", Some("  Hello "));
    let event = out.events[0].clone();
    assert!(matches!(&event.body, EventBody::Message { original: Some(o), .. } if o == "Hello"));
    // What a visitor may see has no trace of it.
    let visitor = serde_json::to_string(&event.for_visitor()).unwrap();
    assert!(
        !visitor.contains("original") && !visitor.contains("Hello\""),
        "{visitor}"
    );
    // An original equal to the text, or blank, says nothing and is dropped.
    for (msg, original) in [("o2", "[de] Hallo"), ("o3", "   ")] {
        let out = send(&mut core, msg, Some(original));
        assert!(matches!(&out.events[0].body, EventBody::Message { original: None, .. }));
    }
    let long = "x".repeat(crate::MAX_MESSAGE_CHARS + 1);
    let out = send(&mut core, "o4", Some(&long));
    assert!(matches!(out.reply, Some(Reply::Error(ref e)) if e.code == ErrorCode::TooLarge));
}

#[test]
fn human_only_mode_routes_the_first_message_to_the_team() {
    let mut core = ConversationCore::default();
    let f = Facts {
        mode: BotMode::HumanOnly,
        human_available: false,
        ..facts(10)
    };
    let out = core.handle(
        Input::VisitorMessage {
            id: id("m1"),
            text: "hello?".into(),
        },
        f,
    );
    assert_eq!(out.events.len(), 2);
    assert_eq!(out.events[1].body, EventBody::help(Timestamp(60_010)));
    assert_eq!(out.deadline, Some(Timestamp(60_010)));
    assert!(!out.ask_bot);
    assert_eq!(
        out.reply,
        Some(Reply::Ack {
            id: id("m1"),
            seq: Seq(1)
        }),
        "the ack names the message"
    );
    let second = core.handle(
        Input::VisitorMessage {
            id: id("m2"),
            text: "still there?".into(),
        },
        f,
    );
    assert_eq!(second.events.len(), 1, "already waiting: no second request");
}

#[test]
fn a_timeout_lapses_the_window_once() {
    let mut core = ConversationCore::default();
    let out = core.handle(
        Input::VisitorIntent {
            id: id("r"),
            intent: Intent::RequestHuman,
        },
        facts(0),
    );
    assert_eq!(out.deadline, Some(Timestamp(60_000)));
    assert!(core.handle(Input::Timeout, facts(59_999)).events.is_empty());
    assert_eq!(
        core.handle(Input::Timeout, facts(60_000)).events[0].body,
        EventBody::RequestLapsed
    );
    assert!(core.handle(Input::Timeout, facts(70_000)).events.is_empty());
}

#[test]
fn receipts_move_forward_and_report_only_changes() {
    let mut core = ConversationCore::default();
    say(&mut core, "m1", "a");
    say(&mut core, "m2", "b");
    let out = core.handle(
        Input::TeamReceipt {
            delivered: None,
            read: Some(Seq(2)),
        },
        facts(5),
    );
    assert_eq!(
        out.team_marks,
        Some(ReceiptMarks {
            delivered: Seq(2),
            read: Seq(2)
        })
    );
    let stale = core.handle(
        Input::TeamReceipt {
            delivered: Some(Seq(1)),
            read: Some(Seq(1)),
        },
        facts(6),
    );
    assert_eq!(stale.team_marks, None);
}

#[test]
fn the_core_rebuilt_from_its_log_answers_retries_the_same() {
    let mut core = ConversationCore::default();
    let mut log = Vec::new();
    for (i, text) in [("m1", "a"), ("m2", "b")] {
        let out = say(&mut core, i, text);
        log.push((out.events[0].clone(), out.client_msg_id.clone()));
    }
    let mut rebuilt = ConversationCore::from_log(log.iter().map(|(e, id)| (e, id.as_ref())));
    assert_eq!(
        say(&mut rebuilt, "m1", "a").reply,
        Some(Reply::Ack {
            id: id("m1"),
            seq: Seq(1)
        })
    );
    assert_eq!(say(&mut rebuilt, "m3", "c").events[0].seq, Seq(3));
}

#[test]
fn after_a_restart_a_bot_turn_is_owed_only_for_an_unanswered_visitor_message() {
    let mut core = ConversationCore::default();
    let mut log = Vec::new();
    log.extend(say(&mut core, "m1", "where is my parcel?").events);
    let owed =
        |core: &ConversationCore, log: &[ConversationEvent], mode| core.owed_bot_turn(log, mode).map(str::to_owned);
    assert_eq!(
        owed(&core, &log, BotMode::Assisted).as_deref(),
        Some("where is my parcel?")
    );
    assert_eq!(
        owed(&core, &log, BotMode::HumanOnly),
        None,
        "a bot that may not speak is owed nothing"
    );
    // Once the bot's answer is stored, nothing is owed: it answers once.
    log.extend(
        core.handle(
            Input::BotReply {
                text: "It left today.".into(),
                offer_human: false,
                handover: None,
            },
            facts(2),
        )
        .events,
    );
    assert_eq!(owed(&core, &log, BotMode::Assisted), None);
    log.extend(say(&mut core, "m2", "thanks").events);
    assert_eq!(owed(&core, &log, BotMode::Assisted).as_deref(), Some("thanks"));
    // Asking for a person: the bot no longer speaks, so nothing is owed.
    log.extend(
        core.handle(
            Input::VisitorIntent {
                id: id("r1"),
                intent: Intent::RequestHuman,
            },
            facts(3),
        )
        .events,
    );
    assert_eq!(owed(&core, &log, BotMode::Assisted), None);
}
