//! One suite, every store: whatever the SQLite store does (in memory and
//! on a file), the memory store and the PostgreSQL store must do too. The
//! PostgreSQL runs need `BATON_TEST_POSTGRES` (`postgres::testing`).

use super::*;
use baton_protocol::{Author, EventBody};

mod presence;
mod settings;
use presence::*;
use settings::*;
mod timers;
use timers::*;

pub(super) fn conversation(store: &dyn Store, id: &str) -> ConversationId {
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

pub(super) fn message(seq: u64, text: &str) -> ConversationEvent {
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

pub(super) fn operator(id: &str, email: &str) -> OperatorRow {
    OperatorRow::new(
        id,
        email,
        &id.to_uppercase(),
        "hash",
        Role::Agent,
        vec![BotId("demo".into())],
    )
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

fn a_seq_cannot_be_stored_twice(store: &dyn Store) {
    let c = conversation(store, "c1");
    let id = ClientMsgId("m1".into());
    store.append(&c, Some(&id), &[message(1, "a")]).expect("append");
    assert!(store.append(&c, None, &[message(1, "same seq")]).is_err(), "seq reused");
    // The same seq in another conversation is no clash.
    let other = conversation(store, "c2");
    store
        .append(&other, None, &[message(1, "b")])
        .expect("append elsewhere");
    assert_eq!(store.log(&c).expect("log").len(), 1, "a failed append stores nothing");
    // A client id is not a key of the log: a retry is the core's to
    // recognise (`ConversationCore::seen`, rebuilt from this column), and a
    // core that is behind the log proposes a seq already taken (above).
    assert_eq!(store.log(&c).expect("log")[0].1, Some(id));
}

/// A seq already stored is `SeqTaken` (another process appended first),
/// and the refused append leaves nothing behind — not even its client id.
fn a_taken_seq_is_reported_and_nothing_of_the_append_is_stored(store: &dyn Store) {
    let c = conversation(store, "c1");
    store
        .append(&c, None, &[message(1, "a"), message(2, "b")])
        .expect("append");
    let late = ClientMsgId("late".into());
    match store.append(&c, Some(&late), &[message(2, "raced"), message(3, "after")]) {
        Err(StoreError::SeqTaken { conversation, seq }) => assert_eq!((conversation, seq), (c.clone(), Seq(2))),
        other => panic!("expected SeqTaken for seq 2, got {other:?}"),
    }
    let log = store.log(&c).expect("log");
    assert_eq!(
        log.iter().map(|(e, id)| (e.seq.0, id.clone())).collect::<Vec<_>>(),
        [(1, None), (2, None)],
        "nothing of the refused append is stored"
    );
    let EventBody::Message { text, .. } = &log[1].0.body else {
        panic!("a message")
    };
    assert_eq!(text, "b", "the first writer's event stays");
    // In a batch too: the batch is refused with the clash named.
    let d = conversation(store, "d1");
    let clash = store.append_batch(&[
        (&d, None, &[message(1, "d")][..]),
        (&c, None, &[message(1, "again")][..]),
    ]);
    assert!(
        matches!(&clash, Err(StoreError::SeqTaken { conversation, seq: Seq(1) }) if *conversation == c),
        "{clash:?}"
    );
    // The client id was not kept: the same input at the next free seq is stored.
    store
        .append(&c, Some(&late), &[message(3, "retried")])
        .expect("the retry at seq 3");
    assert_eq!(store.log(&c).expect("log").len(), 3);
}

fn operators_and_sessions(store: &dyn Store) {
    store.upsert_operator(&operator("op-a", "a@x")).expect("upsert");
    store
        .set_operator_status(&OperatorId("op-a".into()), OperatorStatus::Busy)
        .expect("status");
    // A change from a status it no longer has changes nothing.
    let a = OperatorId("op-a".into());
    assert!(
        !store
            .change_operator_status(&a, OperatorStatus::Available, OperatorStatus::Away)
            .expect("change")
    );
    assert!(
        store
            .change_operator_status(&a, OperatorStatus::Busy, OperatorStatus::Available)
            .expect("change")
    );
    assert!(
        !store
            .change_operator_status(
                &OperatorId("nobody".into()),
                OperatorStatus::Available,
                OperatorStatus::Away
            )
            .expect("change")
    );
    store.set_operator_status(&a, OperatorStatus::Busy).expect("status");
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

/// The checkpointer copies committed events from the WAL into the database
/// file by itself: a copy of the file alone, without its `-wal`, has them.
#[test]
fn the_wal_is_checkpointed_off_the_writer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("baton.db");
    let store = SqliteStore::open(&path).expect("sqlite");
    let c = conversation(&store, "c1");
    store.append(&c, None, &[message(1, "kept")]).expect("append");
    let copy = dir.path().join("copy.db");
    let mut found = 0;
    for _ in 0..50 {
        std::thread::sleep(std::time::Duration::from_millis(100));
        std::fs::copy(&path, &copy).expect("copy");
        let conn = rusqlite::Connection::open(&copy).expect("open copy");
        found = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
            .unwrap_or(0);
        if found == 1 {
            break;
        }
    }
    assert_eq!(found, 1, "the event never reached the database file");
    // Reads go through a read-only connection and see the commit.
    assert_eq!(store.log(&c).expect("log").len(), 1);
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { super::$name(&super::SqliteStore::in_memory().expect("sqlite")) })*
        }
        /// On a file: events are read through the read-only connections,
        /// and the checkpointer runs beside the writer.
        mod sqlite_file {
            $(#[test] fn $name() {
                let dir = tempfile::tempdir().expect("temp dir");
                super::$name(&super::SqliteStore::open(&dir.path().join("baton.db")).expect("sqlite"))
            })*
        }
        mod memory {
            $(#[test] fn $name() { super::$name(&super::MemoryStore::new()) })*
        }
        /// Each test on a database of its own, created and dropped.
        mod postgres {
            $(#[test] fn $name() {
                let Some(db) = crate::store::postgres::testing::database() else { return };
                super::$name(db.store())
            })*
        }
    };
}

conformance!(
    log_pages_and_client_ids,
    a_seq_cannot_be_stored_twice,
    a_taken_seq_is_reported_and_nothing_of_the_append_is_stored,
    operators_and_sessions,
    visitor_details,
    notes_are_stored_once_per_client_id,
    shortcuts_belong_to_their_operator,
    team_shortcuts_have_unique_triggers_and_stay_apart_from_personal_ones,
    team_members_are_added_edited_and_deactivated,
    bot_and_team_settings,
    notify_channels_keep_their_order_and_seed_once,
    alert_prefs_per_operator,
    receipt_marks_are_saved_and_only_move_forward,
    a_deleted_conversation_leaves_nothing_behind,
    due_timers_are_claimed_once,
    an_expired_lease_is_claimable_again,
    concurrent_claimers_never_share_a_timer,
    timers_are_cancelled_and_deleted_with_their_conversation,
    a_timer_armed_later_never_moves_earlier,
    inbox_counts_expire_with_their_process,
);
