//! [`TeamStore`] on PostgreSQL, and the operator rows the other files
//! share: writing one with its bots, reading them back.

use super::PgStore;
use crate::store::sqlite::{enum_text, text_enum};
use crate::store::{OperatorRow, OperatorUpdate, Result, StoreError, TeamStore};
use baton_protocol::{BotId, OperatorId};
use deadpool_postgres::GenericClient;
use std::collections::HashMap;
use tokio_postgres::Row;

/// The columns [`operator_row`] reads, in its order.
pub(super) const OPERATOR_COLUMNS: &str =
    "SELECT id, email, name, password_hash, role, status, active, colour, avatar_url FROM operators";

/// One operator without its bots (see [`fill_bots`]).
pub(super) fn operator_row(r: &Row) -> Result<OperatorRow> {
    Ok(OperatorRow {
        id: OperatorId(r.try_get(0)?),
        email: r.try_get(1)?,
        name: r.try_get(2)?,
        password_hash: r.try_get(3)?,
        role: text_enum(r.try_get(4)?),
        status: text_enum(r.try_get(5)?),
        active: r.try_get(6)?,
        colour: r.try_get(7)?,
        avatar_url: r.try_get(8)?,
        bots: Vec::new(),
    })
}

/// Reads the bots of each operator in `ops` (one query), sorted by id.
pub(super) async fn fill_bots(client: &impl GenericClient, ops: &mut [OperatorRow]) -> Result<()> {
    if ops.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = ops.iter().map(|op| op.id.as_str()).collect();
    let rows = client
        .query(
            "SELECT operator_id, bot_id FROM operator_bots WHERE operator_id = ANY($1)
             ORDER BY bot_id COLLATE \"C\"",
            &[&ids],
        )
        .await?;
    let mut bots: HashMap<String, Vec<BotId>> = HashMap::new();
    for row in rows {
        bots.entry(row.try_get(0)?).or_default().push(BotId(row.try_get(1)?));
    }
    for op in ops {
        op.bots = bots.remove(op.id.as_str()).unwrap_or_default();
    }
    Ok(())
}

/// Creates or replaces an operator and their bots; a stored status stays
/// (new ones start Offline).
pub(super) async fn write_operator(client: &impl GenericClient, op: &OperatorRow) -> Result<()> {
    client
        .execute(
            "INSERT INTO operators (id, email, name, password_hash, role, active, colour, avatar_url)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name,
                 password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, active = EXCLUDED.active,
                 colour = EXCLUDED.colour, avatar_url = EXCLUDED.avatar_url, all_bots_pending = FALSE",
            &[
                &op.id.as_str(),
                &op.email,
                &op.name,
                &op.password_hash,
                &enum_text(&op.role)?,
                &op.active,
                &op.colour,
                &op.avatar_url,
            ],
        )
        .await?;
    replace_bots(client, &op.id, &op.bots).await
}

/// Sets an operator's bots to exactly `bots`.
async fn replace_bots(client: &impl GenericClient, id: &OperatorId, bots: &[BotId]) -> Result<()> {
    client
        .execute("DELETE FROM operator_bots WHERE operator_id = $1", &[&id.as_str()])
        .await?;
    let bots: Vec<&str> = bots.iter().map(BotId::as_str).collect();
    client
        .execute(
            "INSERT INTO operator_bots (operator_id, bot_id) SELECT $1, unnest($2::text[])
             ON CONFLICT DO NOTHING",
            &[&id.as_str(), &bots],
        )
        .await?;
    Ok(())
}

impl TeamStore for PgStore {
    fn add_operator(&self, op: &OperatorRow) -> Result<()> {
        self.block(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            // The schema's UNIQUE is case-sensitive; sign-in is not.
            let taken: bool = tx
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM operators WHERE id = $1 OR lower(email) = lower($2))",
                    &[&op.id.as_str(), &op.email],
                )
                .await?
                .try_get(0)?;
            if taken {
                return Err(StoreError::Duplicate);
            }
            // A clash with a concurrent add is `Duplicate` too (`postgres/mod.rs`).
            write_operator(&tx, op).await?;
            Ok(tx.commit().await?)
        })
    }

    fn operator(&self, id: &OperatorId) -> Result<Option<OperatorRow>> {
        Ok(self.operators_where("WHERE id = $1", &[&id.as_str()])?.pop())
    }

    fn update_operator(&self, id: &OperatorId, update: &OperatorUpdate) -> Result<bool> {
        let role = update.role.as_ref().map(enum_text).transpose()?;
        let colour = update.colour.clone().flatten();
        self.block(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let changed = tx
                .execute(
                    "UPDATE operators SET name = COALESCE($2, name), role = COALESCE($3, role),
                         colour = CASE WHEN $4 THEN $5 ELSE colour END
                     WHERE id = $1",
                    &[&id.as_str(), &update.name, &role, &update.colour.is_some(), &colour],
                )
                .await?;
            if changed == 0 {
                return Ok(false);
            }
            if let Some(bots) = &update.bots {
                replace_bots(&tx, id, bots).await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    fn set_password_hash(&self, id: &OperatorId, hash: &str) -> Result<bool> {
        let changed = self.execute(
            "UPDATE operators SET password_hash = $2 WHERE id = $1",
            &[&id.as_str(), &hash],
        )?;
        Ok(changed > 0)
    }

    fn set_operator_active(&self, id: &OperatorId, active: bool) -> Result<bool> {
        let changed = self.execute(
            "UPDATE operators SET active = $2 WHERE id = $1",
            &[&id.as_str(), &active],
        )?;
        Ok(changed > 0)
    }

    fn delete_operator_sessions(&self, id: &OperatorId, keep: Option<&[u8]>) -> Result<()> {
        self.execute(
            "DELETE FROM sessions WHERE operator_id = $1 AND ($2::bytea IS NULL OR token_hash <> $2)",
            &[&id.as_str(), &keep],
        )?;
        Ok(())
    }

    fn grant_pending_bots(&self, bots: &[BotId]) -> Result<()> {
        let bots: Vec<&str> = bots.iter().map(BotId::as_str).collect();
        self.block(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            tx.execute(
                "INSERT INTO operator_bots (operator_id, bot_id)
                 SELECT o.id, b.bot FROM operators o, unnest($1::text[]) AS b(bot)
                 WHERE o.all_bots_pending
                 ON CONFLICT DO NOTHING",
                &[&bots],
            )
            .await?;
            tx.execute(
                "UPDATE operators SET all_bots_pending = FALSE WHERE all_bots_pending",
                &[],
            )
            .await?;
            Ok(tx.commit().await?)
        })
    }
}
