//! The schema: SQLite's migrations (`sqlite.rs` and the files beside it)
//! in PostgreSQL's dialect, one for one and numbered alike, so both
//! databases hold the same tables. The differences are the dialect's:
//! BIGINT for SQLite's INTEGER, BYTEA for BLOB, BOOLEAN for flags stored
//! as 0/1, and an identity column where SQLite's order relied on `rowid`.
//! `schema_migrations` records each one applied (`PgStore::migrate`).

/// Ordered migrations; never edit one that shipped, add another.
pub const MIGRATIONS: &[&str] = &[
    // 1. Operators, sessions, conversations and their event logs.
    r#"
    CREATE TABLE operators (
        id            TEXT PRIMARY KEY,
        email         TEXT NOT NULL UNIQUE,
        name          TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
        status        TEXT NOT NULL DEFAULT 'offline'
    );
    CREATE TABLE sessions (
        token_hash  BYTEA PRIMARY KEY,
        operator_id TEXT NOT NULL REFERENCES operators(id),
        expires_at  BIGINT NOT NULL
    );
    CREATE TABLE conversations (
        id         TEXT PRIMARY KEY,
        bot_id     TEXT NOT NULL,
        token_hash BYTEA NOT NULL,
        created_at BIGINT NOT NULL,
        locale     TEXT
    );
    CREATE TABLE events (
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        seq             BIGINT NOT NULL,
        at              BIGINT NOT NULL,
        client_msg_id   TEXT,
        body            TEXT NOT NULL,
        -- Named: a clash on it is "seq taken" (`postgres::event_insert`).
        CONSTRAINT events_pkey PRIMARY KEY (conversation_id, seq)
    );
    CREATE UNIQUE INDEX events_client_msg_id ON events (conversation_id, client_msg_id)
        WHERE client_msg_id IS NOT NULL;
"#,
    // 2. Notes, personal shortcuts, the visitor's name and email.
    r#"
    CREATE TABLE notes (
        id              TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id),
        client_msg_id   TEXT NOT NULL,
        author          TEXT NOT NULL,
        text            TEXT NOT NULL,
        at              BIGINT NOT NULL,
        UNIQUE (conversation_id, client_msg_id)
    );
    CREATE TABLE shortcuts (
        id          TEXT PRIMARY KEY,
        operator_id TEXT NOT NULL REFERENCES operators(id),
        trigger     TEXT NOT NULL,
        text        TEXT NOT NULL,
        UNIQUE (operator_id, trigger)
    );
    ALTER TABLE conversations ADD COLUMN visitor_name TEXT;
    ALTER TABLE conversations ADD COLUMN visitor_email TEXT;
"#,
    // 3. The visitor's country.
    r#"
    ALTER TABLE conversations ADD COLUMN country TEXT;
    ALTER TABLE conversations ADD COLUMN country_hint BOOLEAN NOT NULL DEFAULT FALSE;
"#,
    // 4. Team management and per-bot access (see `sqlite.rs`: operators
    // from before it are granted every configured bot at the next start).
    r#"
    ALTER TABLE operators ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
    ALTER TABLE operators ADD COLUMN colour TEXT;
    ALTER TABLE operators ADD COLUMN avatar_url TEXT;
    ALTER TABLE operators ADD COLUMN all_bots_pending BOOLEAN NOT NULL DEFAULT FALSE;
    UPDATE operators SET all_bots_pending = TRUE;
    CREATE TABLE operator_bots (
        operator_id TEXT NOT NULL REFERENCES operators(id),
        bot_id      TEXT NOT NULL,
        PRIMARY KEY (operator_id, bot_id)
    );
"#,
    // 5. Bot and team settings, Notification center channels, alert
    // preferences (`store::settings`).
    r#"
    CREATE TABLE bot_settings (
        bot_id              TEXT PRIMARY KEY,
        name                TEXT NOT NULL,
        handover_enabled    BOOLEAN NOT NULL,
        show_button         BOOLEAN NOT NULL,
        button_label        TEXT NOT NULL,
        offline_message     TEXT NOT NULL,
        response_window_ms  BIGINT NOT NULL,
        mode                TEXT NOT NULL,
        operator_colour     TEXT,
        operator_avatar_url TEXT,
        owner_gone_ms       BIGINT NOT NULL
    );
    CREATE TABLE server_settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE notify_channels (
        id       TEXT PRIMARY KEY,
        body     TEXT NOT NULL,
        -- The order they were created in (SQLite's rowid); an upsert keeps it.
        position BIGINT GENERATED ALWAYS AS IDENTITY
    );
    CREATE TABLE operator_alerts (
        operator_id TEXT PRIMARY KEY REFERENCES operators(id),
        prefs       TEXT NOT NULL
    );
"#,
    // 6. Team-wide saved replies (`store::shortcuts`).
    r#"
    CREATE TABLE team_shortcuts (
        id         TEXT PRIMARY KEY,
        trigger    TEXT NOT NULL UNIQUE,
        text       TEXT NOT NULL,
        written_by TEXT NOT NULL REFERENCES operators(id)
    );
"#,
    // 7. Receipt and email marks (`store::marks`).
    r#"
    CREATE TABLE receipt_marks (
        conversation_id   TEXT PRIMARY KEY REFERENCES conversations(id),
        visitor_delivered BIGINT NOT NULL,
        visitor_read      BIGINT NOT NULL,
        team_delivered    BIGINT NOT NULL,
        team_read         BIGINT NOT NULL
    );
    CREATE TABLE email_marks (
        conversation_id TEXT PRIMARY KEY REFERENCES conversations(id),
        emailed_through BIGINT NOT NULL
    );
"#,
    // 8. Timers any process may fire (`store::timers`).
    r#"
    CREATE TABLE timers (
        kind          TEXT NOT NULL,
        key           TEXT NOT NULL,
        due_at        BIGINT NOT NULL,
        claimed_by    TEXT,
        claimed_until BIGINT,
        PRIMARY KEY (kind, key)
    );
    CREATE INDEX timers_due ON timers (due_at);
"#,
    // 9. Process heartbeats and who holds whose inbox (`store::presence`).
    r#"
    CREATE TABLE processes (
        id           TEXT PRIMARY KEY,
        heartbeat_at BIGINT NOT NULL
    );
    CREATE TABLE operator_inboxes (
        process_id  TEXT NOT NULL,
        operator_id TEXT NOT NULL,
        inboxes     INTEGER NOT NULL,
        PRIMARY KEY (process_id, operator_id)
    );
"#,
    // 10. No index of client message ids (SQLite's `EVENTS_IN_APPEND_ORDER`
    // says why). PostgreSQL's heap keeps rows in append order already, so
    // the table itself stays; `events_pkey` is its `(conversation, seq)` key.
    r#"
    DROP INDEX events_client_msg_id;
"#,
];

#[cfg(test)]
mod tests {
    /// One PostgreSQL migration per SQLite one: a database of either kind
    /// at migration N has the same tables.
    #[test]
    fn numbered_like_sqlite() {
        assert_eq!(super::MIGRATIONS.len(), crate::store::sqlite::MIGRATIONS.len());
    }
}
