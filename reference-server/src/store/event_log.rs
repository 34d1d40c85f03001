//! How SQLite keeps the event log: migration 10, which rebuilt it in the
//! order events are appended.

/// The event log rebuilt as a rowid table, in the order events were
/// appended, found by a unique `(conversation_id, seq)` index; the unique
/// index of client message ids is gone.
///
/// Why: a commit of the store writer carries the appends of many
/// conversations. Clustered by conversation (the first schema's `WITHOUT
/// ROWID` table), each append dirtied its own conversation's table leaf and
/// its own leaf of the client-id index, and every dirty page is a 4 KiB
/// frame written to the WAL: 27.5 frames for a commit of ~13 appends in the
/// closed-loop benchmark, and writing them was about half the writer's CPU. Appended in rowid
/// order, a commit's rows share the table's last leaf; only the small
/// `(conversation_id, seq)` entries still land one per conversation.
///
/// Why the client-id index can go: it never decided anything. A
/// conversation's core remembers every client message id it stored
/// (`ConversationCore::seen`, rebuilt from this column) and answers a retry
/// with the first ack. A core that is behind the log — another process
/// appended meanwhile — proposes a seq that is already taken, so the
/// `(conversation_id, seq)` index refuses its append before a duplicate
/// could be stored (`StoreError::SeqTaken`), and the core is rebuilt.
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE events_in_order (
        id              INTEGER PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        seq             INTEGER NOT NULL,
        at              INTEGER NOT NULL,
        client_msg_id   TEXT,
        body            TEXT NOT NULL
    );
    INSERT INTO events_in_order (conversation_id, seq, at, client_msg_id, body)
        SELECT conversation_id, seq, at, client_msg_id, body FROM events ORDER BY conversation_id, seq;
    DROP TABLE events;
    ALTER TABLE events_in_order RENAME TO events;
    CREATE UNIQUE INDEX events_by_conversation ON events (conversation_id, seq);
"#;

#[cfg(test)]
mod tests {
    use super::super::sqlite::SqliteStore;
    use super::super::{Store, StoreError};
    use baton_protocol::{ClientMsgId, ConversationEvent, ConversationId, Seq, Timestamp};

    fn event(seq: u64, text: &str) -> ConversationEvent {
        ConversationEvent {
            seq: Seq(seq),
            at: Timestamp(seq * 1000),
            body: serde_json::from_value(serde_json::json!({
                "type": "message", "author": {"role": "visitor"}, "text": text
            }))
            .expect("a message body"),
        }
    }

    /// A database from before the migration keeps every event, in `seq`
    /// order with its client message id; afterwards appends go on from its
    /// last seq, and a taken seq is still refused as taken.
    #[test]
    fn events_survive_the_rebuild_and_a_taken_seq_is_still_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.sqlite3");
        {
            let conn = super::super::sqlite::database_before(&path, |sql| sql == super::MIGRATION);
            conn.execute_batch(
                "INSERT INTO conversations (id, bot_id, token_hash, created_at) VALUES ('c-a', 'demo', x'00', 1), ('c-b', 'demo', x'00', 1);",
            )
            .expect("old conversations");
            let mut insert = conn
                .prepare(
                    "INSERT INTO events (conversation_id, seq, at, client_msg_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .expect("insert");
            // Interleaved, as two live chats append.
            for (conversation, seq, id) in [
                ("c-b", 1, Some("b1")),
                ("c-a", 1, Some("a1")),
                ("c-a", 2, None),
                ("c-b", 2, None),
            ] {
                let e = event(seq, &format!("{conversation} {seq}"));
                insert
                    .execute(rusqlite::params![
                        conversation,
                        seq as i64,
                        e.at.0 as i64,
                        id,
                        serde_json::to_string(&e.body).expect("json")
                    ])
                    .expect("old event");
            }
        }
        let store = SqliteStore::open(&path).expect("migrate");
        let a = ConversationId("c-a".into());
        let log = store.log(&a).expect("log");
        assert_eq!(
            log.iter()
                .map(|(e, id)| (e.seq.0, id.as_ref().map(|i| i.0.as_str())))
                .collect::<Vec<_>>(),
            vec![(1, Some("a1")), (2, None)]
        );
        assert_eq!(log[1].0, event(2, "c-a 2"));
        let next = [event(3, "c-a 3")];
        let id = ClientMsgId("a3".into());
        store
            .create_and_append(&[], &[(&a, Some(&id), &next)], &[])
            .expect("append after the rebuild");
        let taken = [event(3, "again")];
        assert!(matches!(
            store.create_and_append(&[], &[(&a, None, &taken)], &[]),
            Err(StoreError::SeqTaken { seq: Seq(3), .. })
        ));
        let b = ConversationId("c-b".into());
        assert_eq!(store.log(&b).expect("log").len(), 2, "the other chat is untouched");
    }
}
