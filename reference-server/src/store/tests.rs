//! One suite, two stores: whatever the SQLite store does, the memory store
//! must do too.

use super::*;
use baton_protocol::{Author, EventBody};

fn conversation(store: &dyn Store, id: &str) -> ConversationId {
    let row = ConversationRow {
        id: ConversationId(id.into()),
        bot: BotId("demo".into()),
        token_hash: vec![1, 2, 3],
        created_at: Timestamp(10),
        visitor_name: None,
        country: None,
    };
    store.insert_conversation(&row, Some("en-GB")).expect("insert");
    row.id
}

fn message(seq: u64, text: &str) -> ConversationEvent {
    ConversationEvent {
        seq: Seq(seq),
        at: Timestamp(seq * 100),
        body: EventBody::Message {
            author: Author::Visitor,
            text: text.into(),
            client_msg_id: None,
            offer_human: false,
            original: None,
        },
    }
}

fn operator(id: &str, email: &str) -> OperatorRow {
    OperatorRow {
        id: OperatorId(id.into()),
        email: email.into(),
        name: id.to_uppercase(),
        password_hash: "hash".into(),
        role: Role::Agent,
        status: OperatorStatus::Offline,
        active: true,
        colour: None,
        avatar_url: None,
        bots: vec![BotId("demo".into())],
    }
}

fn log_pages_and_client_ids(store: &dyn Store) {
    let c = conversation(store, "c1");
    let id = ClientMsgId("m1".into());
    store
        .append(&c, Some(&id), &[message(1, "a"), message(2, "b")])
        .expect("append");
    store.append(&c, None, &[message(3, "c")]).expect("append");
    let log = store.log(&c).expect("log");
    assert_eq!(
        log.iter().map(|(e, id)| (e.seq.0, id.clone())).collect::<Vec<_>>(),
        [(1, Some(id)), (2, None), (3, None)]
    );
    let seqs = |events: Vec<ConversationEvent>| events.iter().map(|e| e.seq.0).collect::<Vec<_>>();
    assert_eq!(seqs(store.events_after(&c, Seq(1), 10).expect("after")), [2, 3]);
    assert_eq!(seqs(store.events_after(&c, Seq(0), 2).expect("newest two")), [2, 3]);
    assert_eq!(seqs(store.events_before(&c, Seq(3), 1).expect("before")), [2]);
    assert_eq!(seqs(store.recent(&c, 5).expect("recent")), [1, 2, 3]);
    assert!(
        store
            .events_after(&ConversationId("nope".into()), Seq(0), 5)
            .expect("unknown")
            .is_empty()
    );
}

fn a_client_id_or_seq_cannot_be_stored_twice(store: &dyn Store) {
    let c = conversation(store, "c1");
    let id = ClientMsgId("m1".into());
    store.append(&c, Some(&id), &[message(1, "a")]).expect("append");
    assert!(
        store.append(&c, Some(&id), &[message(2, "again")]).is_err(),
        "client id reused"
    );
    assert!(store.append(&c, None, &[message(1, "same seq")]).is_err(), "seq reused");
    assert_eq!(store.log(&c).expect("log").len(), 1, "a failed append stores nothing");
}

fn operators_and_sessions(store: &dyn Store) {
    store.upsert_operator(&operator("op-a", "a@x")).expect("upsert");
    store
        .set_operator_status(&OperatorId("op-a".into()), OperatorStatus::Busy)
        .expect("status");
    // Re-seeding an account keeps its status: statuses are the operator's.
    store.upsert_operator(&operator("op-a", "a@x")).expect("upsert again");
    let found = store.operator_by_email("a@x").expect("lookup").expect("found");
    assert_eq!(found.status, OperatorStatus::Busy);
    assert!(store.operator_by_email("b@x").expect("lookup").is_none());
    store
        .insert_session(b"hash", &found.id, Timestamp(100))
        .expect("session");
    assert_eq!(
        store.session_operator(b"hash", Timestamp(99)).expect("live"),
        Some(found.id.clone())
    );
    assert_eq!(store.session_operator(b"hash", Timestamp(100)).expect("expired"), None);
    store.delete_session(b"hash").expect("delete");
    assert_eq!(store.session_operator(b"hash", Timestamp(1)).expect("gone"), None);
}

fn visitor_details(store: &dyn Store) {
    let c = conversation(store, "c1");
    store.identify(&c, Some("Sam"), None).expect("identify");
    store.identify(&c, None, Some("sam@example.com")).expect("identify");
    store
        .set_country(
            &c,
            &Country {
                code: "IE".into(),
                hint: true,
            },
        )
        .expect("country");
    assert_eq!(
        store.visitor_email(&c).expect("email").as_deref(),
        Some("sam@example.com")
    );
    let row = store
        .conversations()
        .expect("rows")
        .into_iter()
        .find(|r| r.id == c)
        .expect("row");
    assert_eq!(
        row.visitor_name.as_deref(),
        Some("Sam"),
        "a later identify without a name keeps it"
    );
    assert_eq!(
        row.country,
        Some(Country {
            code: "IE".into(),
            hint: true
        })
    );
}

fn notes_are_stored_once_per_client_id(store: &dyn Store) {
    store.upsert_operator(&operator("op-a", "a@x")).expect("upsert");
    let c = conversation(store, "c1");
    let author = baton_protocol::OperatorProfile {
        id: OperatorId("op-a".into()),
        name: "A".into(),
        avatar_url: None,
        colour: None,
    };
    let note = Note {
        id: "n1".into(),
        author: author.clone(),
        text: "VIP".into(),
        at: Timestamp(5),
    };
    let id = ClientMsgId("x".into());
    assert_eq!(store.add_note(&c, &id, &note).expect("add"), note);
    let retry = Note {
        id: "n2".into(),
        ..note.clone()
    };
    assert_eq!(
        store.add_note(&c, &id, &retry).expect("retry"),
        note,
        "a retry returns the stored note"
    );
    assert_eq!(store.notes(&c).expect("notes"), vec![note]);
}

fn team_shortcuts_have_unique_triggers_and_stay_apart_from_personal_ones(store: &dyn Store) {
    use baton_protocol::operator::ShortcutScope;
    store.upsert_operator(&operator("op-a", "a@x")).expect("upsert");
    let a = OperatorId("op-a".into());
    let team = Shortcut {
        id: ShortcutId("t1".into()),
        trigger: "hours".into(),
        text: "9 to 5".into(),
        scope: ShortcutScope::Team,
    };
    assert!(store.save_team_shortcut(&a, &team).expect("save"));
    assert!(store.is_team_shortcut(&team.id).expect("is team"));
    let clash = Shortcut {
        id: ShortcutId("t2".into()),
        ..team.clone()
    };
    assert!(matches!(
        store.save_team_shortcut(&a, &clash),
        Err(StoreError::Duplicate)
    ));
    // A personal reply may share the trigger.
    let mine = Shortcut {
        id: ShortcutId("m1".into()),
        scope: ShortcutScope::Mine,
        ..team.clone()
    };
    assert!(store.save_shortcut(&a, &mine).expect("personal"));
    assert_eq!(store.shortcuts(&a).expect("mine"), vec![mine.clone()]);
    assert_eq!(store.team_shortcuts().expect("team"), vec![team.clone()]);
    assert!(!store.is_team_shortcut(&mine.id).expect("personal is not team"));
    assert!(
        !store.save_team_shortcut(&a, &mine).expect("a personal id"),
        "not a team reply's id"
    );
    assert!(store.delete_team_shortcut(&team.id).expect("delete"));
    assert!(store.team_shortcuts().expect("team").is_empty());
}

fn shortcuts_belong_to_their_operator(store: &dyn Store) {
    store.upsert_operator(&operator("op-a", "a@x")).expect("upsert");
    store.upsert_operator(&operator("op-b", "b@x")).expect("upsert");
    let (a, b) = (OperatorId("op-a".into()), OperatorId("op-b".into()));
    let s1 = Shortcut {
        id: ShortcutId("s1".into()),
        trigger: "returns".into(),
        text: "30 days".into(),
        scope: baton_protocol::operator::ShortcutScope::Mine,
    };
    assert!(store.save_shortcut(&a, &s1).expect("save"));
    assert!(
        !store
            .save_shortcut(
                &b,
                &Shortcut {
                    text: "hijack".into(),
                    ..s1.clone()
                }
            )
            .expect("other's id")
    );
    let clash = Shortcut {
        id: ShortcutId("s2".into()),
        ..s1.clone()
    };
    assert!(
        matches!(store.save_shortcut(&a, &clash), Err(StoreError::Duplicate)),
        "a trigger is unique per operator"
    );
    assert!(store.save_shortcut(&b, &clash).expect("b may use the same trigger"));
    assert!(
        store
            .save_shortcut(
                &a,
                &Shortcut {
                    text: "edited".into(),
                    ..s1.clone()
                }
            )
            .expect("edit")
    );
    assert_eq!(store.shortcuts(&a).expect("list")[0].text, "edited");
    assert!(!store.delete_shortcut(&b, &s1.id).expect("not b's"));
    assert!(store.delete_shortcut(&a, &s1.id).expect("a's"));
    assert!(store.shortcuts(&a).expect("list").is_empty());
}

fn team_members_are_added_edited_and_deactivated(store: &dyn Store) {
    let mut ana = operator("op-a", "ana@x");
    ana.bots = vec![BotId("help".into()), BotId("demo".into())];
    store.add_operator(&ana).expect("add");
    let again = operator("op-z", "ANA@x");
    assert!(
        matches!(store.add_operator(&again), Err(StoreError::Duplicate)),
        "an email is taken whatever its case"
    );
    assert!(matches!(
        store.add_operator(&operator("op-a", "other@x")),
        Err(StoreError::Duplicate)
    ));
    let found = store.operator_by_email("Ana@X").expect("lookup").expect("any case");
    assert_eq!(found.bots, [BotId("demo".into()), BotId("help".into())], "sorted");
    let a = found.id.clone();
    let update = OperatorUpdate {
        name: Some("Ana B".into()),
        role: Some(Role::Admin),
        bots: Some(vec![BotId("help".into())]),
        colour: Some(Some("#112233".into())),
    };
    assert!(store.update_operator(&a, &update).expect("update"));
    let row = store.operator(&a).expect("read").expect("found");
    assert_eq!(
        (row.name.as_str(), row.role, row.bots.clone(), row.colour.as_deref()),
        ("Ana B", Role::Admin, vec![BotId("help".into())], Some("#112233"))
    );
    // Only what an update names changes; `Some(None)` clears the colour.
    let clear = OperatorUpdate {
        colour: Some(None),
        ..OperatorUpdate::default()
    };
    assert!(store.update_operator(&a, &clear).expect("clear"));
    let row = store.operator(&a).expect("read").expect("found");
    assert_eq!((row.name.as_str(), row.colour), ("Ana B", None));
    assert_eq!(row.bots, [BotId("help".into())]);
    let nobody = OperatorId("op-nobody".into());
    assert!(!store.update_operator(&nobody, &update).expect("unknown"));
    assert!(!store.set_password_hash(&nobody, "h").expect("unknown"));
    assert!(!store.set_operator_active(&nobody, false).expect("unknown"));
    assert!(store.set_password_hash(&a, "new-hash").expect("password"));
    assert_eq!(
        store.operator(&a).expect("read").expect("found").password_hash,
        "new-hash"
    );

    // Deactivation: sessions count for nothing, and come back only if kept.
    store.insert_session(b"s1", &a, Timestamp(100)).expect("session");
    store.insert_session(b"s2", &a, Timestamp(100)).expect("session");
    assert!(store.set_operator_active(&a, false).expect("deactivate"));
    assert_eq!(store.session_operator(b"s1", Timestamp(1)).expect("ignored"), None);
    assert!(!store.operators().expect("list")[0].active);
    assert!(store.set_operator_active(&a, true).expect("activate"));
    assert_eq!(
        store.session_operator(b"s1", Timestamp(1)).expect("back"),
        Some(a.clone())
    );
    store.delete_operator_sessions(&a, Some(b"s2")).expect("end others");
    assert_eq!(store.session_operator(b"s1", Timestamp(1)).expect("ended"), None);
    assert_eq!(
        store.session_operator(b"s2", Timestamp(1)).expect("kept"),
        Some(a.clone())
    );
    store.delete_operator_sessions(&a, None).expect("end all");
    assert_eq!(store.session_operator(b"s2", Timestamp(1)).expect("ended"), None);
    // Nothing is pending on a fresh store.
    store.grant_pending_bots(&[BotId("x".into())]).expect("grant");
    assert_eq!(
        store.operator(&a).expect("read").expect("found").bots,
        [BotId("help".into())]
    );
}

fn bot_and_team_settings(store: &dyn Store) {
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

fn notify_channels_keep_their_order_and_seed_once(store: &dyn Store) {
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

fn alert_prefs_per_operator(store: &dyn Store) {
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

fn receipt_marks_are_saved_and_overwritten(store: &dyn Store) {
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
        vec![(a, (marks(4, 4), marks(1, 0))), (b, (marks(1, 1), marks(3, 3)))]
    );
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&super::SqliteStore::in_memory().expect("sqlite")) })*
        }
        mod memory {
            $(#[test] fn $name() { super::$name(&super::MemoryStore::new()) })*
        }
    };
}

conformance!(
    log_pages_and_client_ids,
    a_client_id_or_seq_cannot_be_stored_twice,
    operators_and_sessions,
    visitor_details,
    notes_are_stored_once_per_client_id,
    shortcuts_belong_to_their_operator,
    team_shortcuts_have_unique_triggers_and_stay_apart_from_personal_ones,
    team_members_are_added_edited_and_deactivated,
    bot_and_team_settings,
    notify_channels_keep_their_order_and_seed_once,
    alert_prefs_per_operator,
    receipt_marks_are_saved_and_overwritten,
);
