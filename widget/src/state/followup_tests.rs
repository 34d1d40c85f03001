//! The widget's view of issue 14: the place in line, the choices after a
//! lapse, the email form while nobody is online, the rating and the
//! transcript — as the reducer derives them from the log and the frames.

use super::*;
use baton_protocol::queue::Priority;
use baton_protocol::{OperatorId, OperatorProfile, Seq, Timestamp};

fn availability(human_available: bool, after_lapse: AfterLapse, rating: bool) -> Availability {
    Availability {
        human_available,
        button_label: "Talk to a human".into(),
        offline_message: "Offline".into(),
        show_button: true,
        after_lapse,
        rating,
    }
}

fn all_choices() -> AfterLapse {
    AfterLapse {
        keep_waiting: true,
        leave_message: true,
        back_to_bot: true,
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

fn help(seq: u64) -> ConversationEvent {
    event(
        seq,
        EventBody::HelpRequested {
            deadline: Timestamp(1_000),
            reason: None,
            priority: Priority::Normal,
        },
    )
}

fn chat(human_available: bool, after_lapse: AfterLapse, rating: bool) -> ChatState {
    let mut s = ChatState::default();
    s.apply(Update::Snapshot {
        state: HandoverState::Bot,
        availability: availability(human_available, after_lapse, rating),
        team_marks: Default::default(),
    });
    s
}

#[test]
fn the_place_in_line_lasts_as_long_as_the_wait() {
    let mut s = chat(true, all_choices(), true);
    s.apply(Update::Queue {
        position: 2,
        estimate_minutes: None,
    });
    assert_eq!(s.queue, None, "not waiting: a stray frame shows nothing");
    s.apply(Update::Events(vec![help(1)]));
    s.apply(Update::Queue {
        position: 2,
        estimate_minutes: Some(3),
    });
    assert_eq!(s.queue, Some((2, Some(3))));
    s.apply(Update::Queue {
        position: 1,
        estimate_minutes: Some(2),
    });
    assert_eq!(s.queue, Some((1, Some(2))), "moves up live");
    s.apply(Update::Events(vec![event(
        2,
        EventBody::OperatorJoined { operator: dana() },
    )]));
    assert_eq!(s.queue, None, "joined: no line any more");
}

#[test]
fn a_lapse_offers_the_bots_choices_until_one_is_taken() {
    let mut s = chat(true, all_choices(), true);
    s.apply(Update::Events(vec![help(1)]));
    assert_eq!(s.lapse_choices(), None, "still waiting");
    s.apply(Update::Events(vec![event(2, EventBody::RequestLapsed)]));
    assert_eq!(s.lapse_choices(), Some(all_choices()));
    // A bot reply leaves them standing; the visitor writing to the bot is a choice.
    s.apply(Update::Events(vec![event(
        3,
        EventBody::Message {
            author: Author::Bot,
            text: "Anything else?".into(),
            client_msg_id: None,
            offer_human: false,
            original: None,
        },
    )]));
    assert!(s.lapse_choices().is_some());
    s.apply(Update::DismissChoices);
    assert_eq!(s.lapse_choices(), None, "back to the assistant");

    // Keep waiting: the new request answers the lapse.
    s.apply(Update::Events(vec![help(4), event(5, EventBody::RequestLapsed)]));
    assert!(s.lapse_choices().is_some(), "a new lapse asks again");
    s.apply(Update::Events(vec![help(6)]));
    assert_eq!(s.lapse_choices(), None);

    // A left message answers it too, and closes the form.
    s.apply(Update::Events(vec![event(7, EventBody::RequestLapsed)]));
    s.apply(Update::Form(Some(Form::LeaveMessage)));
    s.apply(Update::Events(vec![event(
        8,
        EventBody::MessageLeft {
            email: "ana@example.com".into(),
            text: "Call me".into(),
        },
    )]));
    assert_eq!(s.lapse_choices(), None);
    assert_eq!(s.form, None);
}

#[test]
fn only_the_offered_choices_show_and_none_means_no_question() {
    let only_email = AfterLapse {
        keep_waiting: false,
        leave_message: true,
        back_to_bot: false,
    };
    let mut s = chat(true, only_email, true);
    s.apply(Update::Events(vec![help(1), event(2, EventBody::RequestLapsed)]));
    assert_eq!(s.lapse_choices(), Some(only_email));
    let none = AfterLapse {
        keep_waiting: false,
        leave_message: false,
        back_to_bot: false,
    };
    s.apply(Update::Availability(availability(true, none, true)));
    assert_eq!(
        s.lapse_choices(),
        None,
        "the bot offers nothing: the assistant carries on"
    );
}

#[test]
fn a_reload_after_a_lapse_still_offers_the_choices() {
    // The whole log replayed, then the snapshot (which cannot say "lapsed").
    let mut s = ChatState::default();
    s.apply(Update::Events(vec![help(1), event(2, EventBody::RequestLapsed)]));
    s.apply(Update::Snapshot {
        state: HandoverState::Bot,
        availability: availability(true, all_choices(), true),
        team_marks: Default::default(),
    });
    assert!(s.lapse_choices().is_some());
}

#[test]
fn nobody_online_offers_the_email_form_once_per_answer() {
    let mut s = chat(false, all_choices(), true);
    assert!(s.offline_form());
    s.apply(Update::Events(vec![event(
        1,
        EventBody::MessageLeft {
            email: "sam@example.com".into(),
            text: "Do you ship to Norway?".into(),
        },
    )]));
    assert!(!s.offline_form(), "one left message waits for its answer");
    s.apply(Update::Events(vec![event(
        2,
        EventBody::EmailReplied {
            operator: dana(),
            text: "We do.".into(),
        },
    )]));
    assert!(s.offline_form(), "answered: another may be left");
    s.apply(Update::Availability(availability(true, all_choices(), true)));
    assert!(!s.offline_form(), "someone is online: ask for them instead");
}

fn resolved_by(person: bool, rating: bool) -> ChatState {
    let mut s = chat(true, all_choices(), rating);
    let mut events = vec![help(1)];
    if person {
        events.push(event(2, EventBody::OperatorJoined { operator: dana() }));
    }
    events.push(event(3, EventBody::Resolved { by: Some(dana()) }));
    s.apply(Update::Events(events));
    s
}

#[test]
fn the_rating_is_asked_once_after_a_person_resolves_if_the_bot_asks() {
    let mut s = resolved_by(true, true);
    assert_eq!(s.rating_for(), Some("Dana"));
    s.apply(Update::Events(vec![event(
        4,
        EventBody::Rated {
            score: 4,
            comment: None,
        },
    )]));
    assert_eq!(s.rating_for(), None, "rated");
    assert_eq!(resolved_by(true, false).rating_for(), None, "the bot does not ask");
    assert_eq!(resolved_by(false, true).rating_for(), None, "no person had the chat");
}

#[test]
fn the_transcript_is_offered_until_asked_for() {
    let mut s = resolved_by(true, true);
    assert!(s.offers_transcript());
    s.apply(Update::Form(Some(Form::Transcript)));
    s.apply(Update::Events(vec![event(
        4,
        EventBody::TranscriptRequested {
            email: "ana@example.com".into(),
        },
    )]));
    assert!(!s.offers_transcript());
    assert_eq!(s.form, None);
    assert!(
        !chat(true, all_choices(), true).offers_transcript(),
        "not before the chat is closed"
    );
}

#[test]
fn the_widgets_email_check_agrees_with_the_servers_rule() {
    // The byte-scan pre-check must neither refuse an address the server
    // accepts nor let through one it refuses (`followup::valid_email`).
    let samples = [
        "sam@shop.example",
        "first.last+tag@mail.example.co.uk",
        "x@y.z",
        "",
        "plain",
        "@nobody.example",
        "trailing@",
        "sam@intranet",
        "two@@signs.example",
        "a b@spaces.example",
        "<angle@brackets.example>",
        "dot@end.example.",
        "dot@.start.example",
    ];
    for email in samples {
        assert_eq!(
            looks_like_email(email),
            baton_protocol::followup::valid_email(email),
            "{email:?}"
        );
    }
}
