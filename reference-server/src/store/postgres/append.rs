//! The hot path: new conversations' rows and a batch of events, in ONE
//! transaction, the events in one statement (arrays unnested into rows),
//! so a group commit of the store writer costs a few round trips and one
//! commit, however many events it carries.

use super::PgStore;
use crate::store::{Append, NewConversation, Result, StoreError, Timer};
use baton_protocol::{ConversationId, Seq};
use deadpool_postgres::Object;
use tokio_postgres::error::SqlState;

const INSERT_EVENTS: &str = "INSERT INTO events (conversation_id, seq, at, client_msg_id, body)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[])";

/// The batch's events as columns, in the order they were given.
#[derive(Default)]
struct Columns<'a> {
    conversations: Vec<&'a ConversationId>,
    ids: Vec<&'a str>,
    seqs: Vec<i64>,
    ats: Vec<i64>,
    client_msg_ids: Vec<Option<&'a str>>,
    bodies: Vec<String>,
}

impl<'a> Columns<'a> {
    fn of(appends: &[Append<'a>]) -> Result<Columns<'a>> {
        let mut columns = Columns::default();
        for (conversation, client_msg_id, events) in appends {
            for (i, event) in events.iter().enumerate() {
                columns.conversations.push(conversation);
                columns.ids.push(conversation.as_str());
                columns.seqs.push(event.seq.0 as i64);
                columns.ats.push(event.at.0 as i64);
                // Recorded on the first event only (a retry finds its seq).
                columns.client_msg_ids.push(if i == 0 {
                    client_msg_id.map(|c| c.as_str())
                } else {
                    None
                });
                columns.bodies.push(serde_json::to_string(&event.body)?);
            }
        }
        Ok(columns)
    }
}

impl PgStore {
    /// Stores `created`'s rows, then every event of `appends`, then the
    /// `timers` they armed, all or none.
    pub(super) fn write(&self, created: &[NewConversation], appends: &[Append<'_>], timers: &[Timer]) -> Result<()> {
        let columns = Columns::of(appends)?;
        self.block(async {
            let mut client = self.client().await?;
            let failed = {
                let tx = client.transaction().await?;
                for new in created {
                    let row = &new.row;
                    tx.execute(
                        "INSERT INTO conversations (id, bot_id, token_hash, created_at, locale, visitor_name,
                         visitor_email, country, country_hint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        &[
                            &row.id.as_str(),
                            &row.bot.as_str(),
                            &row.token_hash,
                            &(row.created_at.0 as i64),
                            &new.locale,
                            &row.visitor_name,
                            &new.email,
                            &row.country.as_ref().map(|c| c.code.as_str()),
                            &row.country.as_ref().is_some_and(|c| c.hint),
                        ],
                    )
                    .await?;
                }
                let insert = tx.prepare_cached(INSERT_EVENTS).await?;
                let params = (
                    &columns.ids,
                    &columns.seqs,
                    &columns.ats,
                    &columns.client_msg_ids,
                    &columns.bodies,
                );
                match tx
                    .execute(&insert, &[params.0, params.1, params.2, params.3, params.4])
                    .await
                {
                    Ok(_) => {
                        for timer in timers {
                            let arm = tx.prepare_cached(super::timers::ARM).await?;
                            tx.execute(&arm, &[&timer.kind, &timer.key, &super::timers::millis(timer.due_at)])
                                .await?;
                        }
                        return Ok(tx.commit().await?);
                    }
                    Err(err) => err,
                }
                // The transaction rolls back as it is dropped here.
            };
            Err(taken_or(&client, failed, &columns).await)
        })
    }
}

/// `err` of the events' insert: when a `(conversation, seq)` of the batch
/// was already stored (the `events_pkey` constraint), [`StoreError::SeqTaken`]
/// naming the first such event, looked up once the batch rolled back.
async fn taken_or(client: &Object, err: tokio_postgres::Error, columns: &Columns<'_>) -> StoreError {
    let seq_clash = err
        .as_db_error()
        .is_some_and(|db| *db.code() == SqlState::UNIQUE_VIOLATION && db.constraint() == Some("events_pkey"));
    if !seq_clash {
        return err.into();
    }
    let first = client
        .query_opt(
            "SELECT n.i FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS n(c, s, i)
             JOIN events e ON e.conversation_id = n.c AND e.seq = n.s
             ORDER BY n.i LIMIT 1",
            &[&columns.ids, &columns.seqs],
        )
        .await;
    let index = match first {
        Ok(Some(row)) => row.try_get::<_, i64>(0).ok().map(|i| i as usize - 1),
        _ => None,
    };
    // Not found: the batch repeated a seq of its own.
    let index = index.or_else(|| {
        (1..columns.seqs.len())
            .find(|&j| (0..j).any(|i| columns.ids[i] == columns.ids[j] && columns.seqs[i] == columns.seqs[j]))
    });
    match index {
        Some(i) => StoreError::SeqTaken {
            conversation: columns.conversations[i].clone(),
            seq: Seq(columns.seqs[i] as u64),
        },
        None => err.into(),
    }
}
