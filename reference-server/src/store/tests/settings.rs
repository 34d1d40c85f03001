//! The conformance suite's settings, channels, alert preferences and
//! marks, and what deleting a conversation takes with it (the macro in
//! `store/tests.rs` runs each against every store).

use super::*;

pub(super) fn bot_and_team_settings(store: &dyn Store) {
    let bot = BotId("demo".into());
    assert_eq!(store.bot_settings_row(&bot).expect("read"), None);
    let mut row = BotSettingsRow {
        name: "Demo".into(),
        handover_enabled: true,
        show_button: false,
        button_label: "Ask us".into(),
        offline_message: "Back at 9".into(),
        response_window: baton_protocol::Millis(90_000),
        mode: baton_protocol::BotMode::HumanOnly,
        operator_colour: Some("#112233".into()),
        operator_avatar_url: None,
        owner_gone: baton_protocol::Millis(60_000),
        after_lapse: baton_protocol::followup::AfterLapse {
            keep_waiting: false,
            leave_message: true,
            back_to_bot: true,
        },
        rating: false,
    };
    store.save_bot_settings(&bot, &row).expect("save");
    assert_eq!(store.bot_settings_row(&bot).expect("read"), Some(row.clone()));
    row.button_label = "Changed".into();
    row.operator_colour = None;
    row.rating = true;
    row.after_lapse = Default::default();
    store.save_bot_settings(&bot, &row).expect("update");
    assert_eq!(store.bot_settings_row(&bot).expect("read"), Some(row));
    assert_eq!(store.bot_settings_row(&BotId("other".into())).expect("read"), None);

    assert_eq!(store.team_settings().expect("team"), None);
    let team = TeamSettings {
        auto_away_minutes: Some(15),
    };
    store.save_team_settings(&team).expect("save");
    store.save_team_settings(&TeamSettings::default()).expect("turn off");
    assert_eq!(store.team_settings().expect("team"), Some(TeamSettings::default()));
}

fn channel(id: &str, name: &str) -> crate::notify::NotifyChannel {
    crate::notify::NotifyChannel {
        id: id.into(),
        kind: crate::notify::ChannelKind::Telegram,
        name: name.into(),
        url: None,
        chat_id: Some("-100".into()),
        bot_token: Some("1:secret".into()),
        recipients: Vec::new(),
        events: vec![crate::notify::Trigger::HelpRequested],
        enabled: true,
        delivery: Default::default(),
    }
}

pub(super) fn notify_channels_keep_their_order_and_seed_once(store: &dyn Store) {
    assert!(store.notify_channels().expect("list").is_empty());
    assert!(store.seed_notify_channels(&[channel("ch-b", "seeded")]).expect("seed"));
    store.save_notify_channel(&channel("ch-a", "added")).expect("add");
    store.save_notify_channel(&channel("ch-b", "edited")).expect("edit");
    let names = |store: &dyn Store| -> Vec<String> {
        store
            .notify_channels()
            .expect("list")
            .into_iter()
            .map(|c| c.name)
            .collect()
    };
    assert_eq!(
        names(store),
        ["edited", "added"],
        "oldest first; an edit keeps the place"
    );
    assert_eq!(
        store.notify_channels().expect("list")[0].bot_token.as_deref(),
        Some("1:secret")
    );
    assert!(store.delete_notify_channel("ch-b").expect("delete"));
    assert!(!store.delete_notify_channel("ch-b").expect("gone"));
    assert!(store.delete_notify_channel("ch-a").expect("delete"));
    assert!(
        !store.seed_notify_channels(&[channel("ch-c", "again")]).expect("seed"),
        "seeded once, even after every channel was deleted"
    );
    assert!(names(store).is_empty());
}

pub(super) fn alert_prefs_per_operator(store: &dyn Store) {
    store.upsert_operator(&operator("op-a", "a@x")).expect("upsert");
    let a = OperatorId("op-a".into());
    assert!(store.alert_prefs().expect("prefs").is_empty());
    let prefs = baton_protocol::operator::AlertPrefs {
        new_chat: true,
        sound: true,
        ..Default::default()
    };
    store.save_alert_prefs(&a, &prefs).expect("save");
    store.save_alert_prefs(&a, &prefs).expect("save again");
    assert_eq!(store.alert_prefs().expect("prefs"), vec![(a, prefs)]);
}

pub(super) fn receipt_marks_are_saved_and_only_move_forward(store: &dyn Store) {
    use baton_protocol::receipts::ReceiptMarks;
    let (a, b) = (conversation(store, "a"), conversation(store, "b"));
    let marks = |d: u64, r: u64| ReceiptMarks {
        delivered: Seq(d),
        read: Seq(r),
    };
    assert!(store.all_marks().expect("marks").is_empty());
    store
        .save_marks(&[(&a, (marks(2, 1), marks(0, 0))), (&b, (marks(1, 1), marks(3, 3)))])
        .expect("save");
    store
        .save_marks(&[(&a, (marks(4, 4), marks(1, 0)))])
        .expect("save again");
    let mut all = store.all_marks().expect("marks");
    all.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(
        all,
        vec![
            (a.clone(), (marks(4, 4), marks(1, 0))),
            (b.clone(), (marks(1, 1), marks(3, 3)))
        ]
    );
    // A process whose view of one side is older saves the other side's
    // move: nothing goes back (marks only move forward).
    store
        .save_marks(&[(&b, (marks(0, 0), marks(5, 4)))])
        .expect("save an older view");
    assert_eq!(store.marks_of(&b).expect("marks"), Some((marks(1, 1), marks(5, 4))));
    assert_eq!(store.marks_of(&a).expect("marks"), Some((marks(4, 4), marks(1, 0))));
    let never = ConversationId("never-marked".into());
    assert_eq!(store.marks_of(&never).expect("marks"), None);
    // The unread-reply email is claimed once per mark: the process that
    // moves it sends; the others, asking for as much or less, do not.
    assert!(store.claim_emailed(&a, Seq(3)).expect("claim"));
    assert!(!store.claim_emailed(&a, Seq(3)).expect("claim again"));
    assert!(!store.claim_emailed(&a, Seq(2)).expect("claim an older one"));
    assert!(store.claim_emailed(&a, Seq(4)).expect("claim a newer one"));
    assert_eq!(store.all_emailed().expect("emailed"), vec![(a.clone(), Seq(4))]);
    // Not sent: given back, and owed again; a stale give-back moves nothing.
    store.release_emailed(&a, Seq(3), Seq(0)).expect("stale release");
    store.release_emailed(&a, Seq(4), Seq(3)).expect("release");
    assert_eq!(store.all_emailed().expect("emailed"), vec![(a.clone(), Seq(3))]);
    assert!(store.claim_emailed(&a, Seq(4)).expect("claim it again"));
}

/// Retention deletes a conversation with everything that refers to it —
/// its events, notes, receipt and email marks — and nothing else.
pub(super) fn a_deleted_conversation_leaves_nothing_behind(store: &dyn Store) {
    use baton_protocol::receipts::ReceiptMarks;
    store.upsert_operator(&operator("op-a", "a@x")).expect("upsert");
    let (gone, kept) = (conversation(store, "gone"), conversation(store, "kept"));
    for c in [&gone, &kept] {
        store
            .append(c, Some(&ClientMsgId("m1".into())), &[message(1, "hello")])
            .expect("append");
        let note = Note {
            id: format!("note-{c}"),
            author: baton_protocol::OperatorProfile {
                id: OperatorId("op-a".into()),
                name: "A".into(),
                avatar_url: None,
                colour: None,
            },
            text: "VIP".into(),
            at: Timestamp(5),
        };
        store.add_note(c, &ClientMsgId("n1".into()), &note).expect("note");
        let marks = ReceiptMarks {
            delivered: Seq(1),
            read: Seq(1),
        };
        store.save_marks(&[(c, (marks, marks))]).expect("marks");
        assert!(store.claim_emailed(c, Seq(1)).expect("emailed"));
    }
    store.delete_conversation(&gone).expect("delete");
    let ids = |rows: Vec<ConversationId>| rows.into_iter().map(|c| c.0).collect::<Vec<_>>();
    assert_eq!(
        ids(store.conversations().expect("rows").into_iter().map(|r| r.id).collect()),
        ["kept"]
    );
    assert!(store.log(&gone).expect("log").is_empty());
    assert!(store.notes(&gone).expect("notes").is_empty());
    assert_eq!(
        ids(store.all_marks().expect("marks").into_iter().map(|(c, _)| c).collect()),
        ["kept"]
    );
    assert_eq!(
        ids(store
            .all_emailed()
            .expect("emailed")
            .into_iter()
            .map(|(c, _)| c)
            .collect()),
        ["kept"]
    );
    assert_eq!(store.log(&kept).expect("log").len(), 1);
    assert_eq!(store.notes(&kept).expect("notes").len(), 1);
    // The id may come back (it is derived from the visitor's token).
    let again = conversation(store, "gone");
    store.append(&again, None, &[message(1, "anew")]).expect("append anew");
}
