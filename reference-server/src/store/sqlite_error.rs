//! rusqlite's errors as [`StoreError`]s: the only place the SQLite driver's
//! error type is looked at, so nothing above the store sees it.

use super::StoreError;
use baton_protocol::{ConversationId, Seq};
use rusqlite::ffi;

/// The extended result code of a failed statement, if SQLite gave one.
fn extended_code(err: &rusqlite::Error) -> Option<i32> {
    match err {
        rusqlite::Error::SqliteFailure(e, _) => Some(e.extended_code),
        _ => None,
    }
}

/// Any constraint (unique, primary key, foreign key, check) refused the write.
pub(super) fn is_constraint(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::ConstraintViolation)
}

/// A row with this primary key or unique key exists already.
fn is_key_clash(err: &rusqlite::Error) -> bool {
    matches!(
        extended_code(err),
        Some(ffi::SQLITE_CONSTRAINT_PRIMARYKEY | ffi::SQLITE_CONSTRAINT_UNIQUE)
    )
}

/// A uniqueness rule (a primary key or a unique index) was broken:
/// [`StoreError::Duplicate`]; anything else is the backend's failure.
impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> StoreError {
        match extended_code(&err) {
            Some(ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY) => StoreError::Duplicate,
            _ => StoreError::Backend(err.to_string()),
        }
    }
}

/// The error of a failed event insert: a clash is [`StoreError::SeqTaken`],
/// as the only key of an event is `(conversation, seq)` (a clash on a
/// database from before `EVENTS_IN_APPEND_ORDER` cannot be met: migrations
/// run when the store opens).
pub(super) fn event_insert(err: rusqlite::Error, conversation: &ConversationId, seq: Seq) -> StoreError {
    if is_key_clash(&err) {
        StoreError::SeqTaken {
            conversation: conversation.clone(),
            seq,
        }
    } else {
        err.into()
    }
}
