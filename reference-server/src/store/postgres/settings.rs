//! The settings, team shortcuts and marks on PostgreSQL: what
//! `store::settings`, `store::shortcuts` and `store::marks` define, with
//! the same behaviour as their SQLite tables.

use super::PgStore;
use super::store::shortcut_row;
use crate::notify::channel::NotifyChannel;
use crate::store::settings::{FollowupSettings, SEEDED_KEY, TEAM_KEY, followup_key};
use crate::store::{
    BotSettingsRow, Marks, MarksStore, Result, SettingsStore, StoreError, TeamSettings, TeamShortcutStore,
};
use baton_protocol::operator::{AlertPrefs, Shortcut, ShortcutId, ShortcutScope};
use baton_protocol::receipts::ReceiptMarks;
use baton_protocol::{BotId, ConversationId, Millis, OperatorId, Seq};

const UPSERT_SETTING: &str = "INSERT INTO server_settings (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value";

impl PgStore {
    fn server_setting(&self, key: &str) -> Result<Option<String>> {
        let rows = self.query("SELECT value FROM server_settings WHERE key = $1", &[&key])?;
        Ok(rows.first().map(|r| r.try_get(0)).transpose()?)
    }
}

impl SettingsStore for PgStore {
    fn bot_settings_row(&self, bot: &BotId) -> Result<Option<BotSettingsRow>> {
        let rows = self.query(
            "SELECT name, handover_enabled, show_button, button_label, offline_message, response_window_ms,
                    mode, operator_colour, operator_avatar_url, owner_gone_ms
             FROM bot_settings WHERE bot_id = $1",
            &[&bot.as_str()],
        )?;
        let Some(r) = rows.first() else { return Ok(None) };
        let followup: FollowupSettings = match self.server_setting(&followup_key(bot))? {
            Some(text) => serde_json::from_str(&text)?,
            None => FollowupSettings::default(),
        };
        Ok(Some(BotSettingsRow {
            name: r.try_get(0)?,
            handover_enabled: r.try_get(1)?,
            show_button: r.try_get(2)?,
            button_label: r.try_get(3)?,
            offline_message: r.try_get(4)?,
            response_window: Millis(r.try_get::<_, i64>(5)? as u64),
            mode: crate::store::sqlite::text_enum(r.try_get(6)?),
            operator_colour: r.try_get(7)?,
            operator_avatar_url: r.try_get(8)?,
            owner_gone: Millis(r.try_get::<_, i64>(9)? as u64),
            after_lapse: followup.after_lapse,
            rating: followup.rating,
        }))
    }

    /// The row and its follow-up settings, in one transaction.
    fn save_bot_settings(&self, bot: &BotId, row: &BotSettingsRow) -> Result<()> {
        let mode = crate::store::sqlite::enum_text(&row.mode)?;
        let followup = serde_json::to_string(&FollowupSettings {
            after_lapse: row.after_lapse,
            rating: row.rating,
        })?;
        self.block(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            tx.execute(
                "INSERT INTO bot_settings (bot_id, name, handover_enabled, show_button, button_label,
                     offline_message, response_window_ms, mode, operator_colour, operator_avatar_url, owner_gone_ms)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (bot_id) DO UPDATE SET name = EXCLUDED.name,
                     handover_enabled = EXCLUDED.handover_enabled, show_button = EXCLUDED.show_button,
                     button_label = EXCLUDED.button_label, offline_message = EXCLUDED.offline_message,
                     response_window_ms = EXCLUDED.response_window_ms, mode = EXCLUDED.mode,
                     operator_colour = EXCLUDED.operator_colour, operator_avatar_url = EXCLUDED.operator_avatar_url,
                     owner_gone_ms = EXCLUDED.owner_gone_ms",
                &[
                    &bot.as_str(),
                    &row.name,
                    &row.handover_enabled,
                    &row.show_button,
                    &row.button_label,
                    &row.offline_message,
                    &(row.response_window.0 as i64),
                    &mode,
                    &row.operator_colour,
                    &row.operator_avatar_url,
                    &(row.owner_gone.0 as i64),
                ],
            )
            .await?;
            tx.execute(UPSERT_SETTING, &[&followup_key(bot), &followup]).await?;
            Ok(tx.commit().await?)
        })
    }

    fn team_settings(&self) -> Result<Option<TeamSettings>> {
        match self.server_setting(TEAM_KEY)? {
            Some(text) => Ok(Some(serde_json::from_str(&text)?)),
            None => Ok(None),
        }
    }

    fn save_team_settings(&self, settings: &TeamSettings) -> Result<()> {
        self.execute(UPSERT_SETTING, &[&TEAM_KEY, &serde_json::to_string(settings)?])?;
        Ok(())
    }

    fn notify_channels(&self) -> Result<Vec<NotifyChannel>> {
        self.query("SELECT body FROM notify_channels ORDER BY position", &[])?
            .iter()
            .map(|r| Ok(serde_json::from_str(&r.try_get::<_, String>(0)?)?))
            .collect()
    }

    fn save_notify_channel(&self, channel: &NotifyChannel) -> Result<()> {
        self.execute(
            "INSERT INTO notify_channels (id, body) VALUES ($1, $2)
             ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body",
            &[&channel.id, &serde_json::to_string(channel)?],
        )?;
        Ok(())
    }

    fn delete_notify_channel(&self, id: &str) -> Result<bool> {
        Ok(self.execute("DELETE FROM notify_channels WHERE id = $1", &[&id])? > 0)
    }

    fn seed_notify_channels(&self, channels: &[NotifyChannel]) -> Result<bool> {
        let bodies = channels
            .iter()
            .map(|c| Ok((c.id.as_str(), serde_json::to_string(c)?)))
            .collect::<Result<Vec<_>>>()?;
        self.block(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let marked = tx
                .execute(
                    "INSERT INTO server_settings (key, value) VALUES ($1, 'true') ON CONFLICT (key) DO NOTHING",
                    &[&SEEDED_KEY],
                )
                .await?;
            if marked == 0 {
                return Ok(false);
            }
            for (id, body) in &bodies {
                tx.execute("INSERT INTO notify_channels (id, body) VALUES ($1, $2)", &[id, body])
                    .await?;
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    fn alert_prefs(&self) -> Result<Vec<(OperatorId, AlertPrefs)>> {
        self.query(
            "SELECT operator_id, prefs FROM operator_alerts ORDER BY operator_id COLLATE \"C\"",
            &[],
        )?
        .iter()
        .map(|r| {
            let prefs: String = r.try_get(1)?;
            Ok((OperatorId(r.try_get(0)?), serde_json::from_str(&prefs)?))
        })
        .collect()
    }

    fn save_alert_prefs(&self, operator: &OperatorId, prefs: &AlertPrefs) -> Result<()> {
        self.execute(
            "INSERT INTO operator_alerts (operator_id, prefs) VALUES ($1, $2)
             ON CONFLICT (operator_id) DO UPDATE SET prefs = EXCLUDED.prefs",
            &[&operator.as_str(), &serde_json::to_string(prefs)?],
        )?;
        Ok(())
    }
}

impl TeamShortcutStore for PgStore {
    fn team_shortcuts(&self) -> Result<Vec<Shortcut>> {
        self.query(
            "SELECT id, trigger, text FROM team_shortcuts ORDER BY trigger COLLATE \"C\"",
            &[],
        )?
        .iter()
        .map(|r| shortcut_row(r, ShortcutScope::Team))
        .collect()
    }

    fn save_team_shortcut(&self, by: &OperatorId, shortcut: &Shortcut) -> Result<bool> {
        // An id of someone's personal reply is not a team reply's to edit.
        if self.is_personal_shortcut(&shortcut.id)? {
            return Ok(false);
        }
        let changed = self.execute(
            "INSERT INTO team_shortcuts (id, trigger, text, written_by) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET trigger = EXCLUDED.trigger, text = EXCLUDED.text,
                 written_by = EXCLUDED.written_by",
            &[&shortcut.id.0, &shortcut.trigger, &shortcut.text, &by.as_str()],
        )?;
        Ok(changed > 0)
    }

    fn delete_team_shortcut(&self, id: &ShortcutId) -> Result<bool> {
        Ok(self.execute("DELETE FROM team_shortcuts WHERE id = $1", &[&id.0])? > 0)
    }

    fn is_team_shortcut(&self, id: &ShortcutId) -> Result<bool> {
        self.exists("SELECT EXISTS (SELECT 1 FROM team_shortcuts WHERE id = $1)", &id.0)
    }
}

impl PgStore {
    fn is_personal_shortcut(&self, id: &ShortcutId) -> Result<bool> {
        self.exists("SELECT EXISTS (SELECT 1 FROM shortcuts WHERE id = $1)", &id.0)
    }

    /// The boolean a one-parameter `SELECT EXISTS (…)` answers.
    fn exists(&self, sql: &str, param: &str) -> Result<bool> {
        let rows = self.query(sql, &[&param])?;
        let row = rows
            .first()
            .ok_or_else(|| StoreError::Backend("EXISTS answered no row".into()))?;
        Ok(row.try_get(0)?)
    }

    /// The saved marks of the rows `filter` picks.
    fn marks_where(
        &self,
        filter: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<(ConversationId, Marks)>> {
        let seq = |r: &tokio_postgres::Row, i: usize| -> Result<Seq> { Ok(Seq(r.try_get::<_, i64>(i)? as u64)) };
        self.query(
            &format!(
                "SELECT conversation_id, visitor_delivered, visitor_read, team_delivered, team_read
                 FROM receipt_marks {filter}"
            ),
            params,
        )?
        .iter()
        .map(|r| {
            let visitor = ReceiptMarks {
                delivered: seq(r, 1)?,
                read: seq(r, 2)?,
            };
            let team = ReceiptMarks {
                delivered: seq(r, 3)?,
                read: seq(r, 4)?,
            };
            Ok((ConversationId(r.try_get(0)?), (visitor, team)))
        })
        .collect()
    }
}

impl MarksStore for PgStore {
    fn save_marks(&self, marks: &[(&ConversationId, Marks)]) -> Result<()> {
        self.block(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await?;
            let upsert = tx
                .prepare_cached(
                    "INSERT INTO receipt_marks (conversation_id, visitor_delivered, visitor_read, team_delivered,
                         team_read) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (conversation_id) DO UPDATE SET
                         visitor_delivered = GREATEST(receipt_marks.visitor_delivered, EXCLUDED.visitor_delivered),
                         visitor_read = GREATEST(receipt_marks.visitor_read, EXCLUDED.visitor_read),
                         team_delivered = GREATEST(receipt_marks.team_delivered, EXCLUDED.team_delivered),
                         team_read = GREATEST(receipt_marks.team_read, EXCLUDED.team_read)",
                )
                .await?;
            for (conversation, (visitor, team)) in marks {
                tx.execute(
                    &upsert,
                    &[
                        &conversation.as_str(),
                        &(visitor.delivered.0 as i64),
                        &(visitor.read.0 as i64),
                        &(team.delivered.0 as i64),
                        &(team.read.0 as i64),
                    ],
                )
                .await?;
            }
            Ok(tx.commit().await?)
        })
    }

    fn all_marks(&self) -> Result<Vec<(ConversationId, Marks)>> {
        self.marks_where("", &[])
    }

    fn marks_of(&self, conversation: &ConversationId) -> Result<Option<Marks>> {
        let found = self.marks_where("WHERE conversation_id = $1", &[&conversation.as_str()])?;
        Ok(found.into_iter().next().map(|(_, marks)| marks))
    }

    fn claim_emailed(&self, conversation: &ConversationId, through: Seq) -> Result<bool> {
        let moved = self.execute(
            "INSERT INTO email_marks (conversation_id, emailed_through) VALUES ($1, $2)
             ON CONFLICT (conversation_id) DO UPDATE SET emailed_through = EXCLUDED.emailed_through
                 WHERE email_marks.emailed_through < EXCLUDED.emailed_through",
            &[&conversation.as_str(), &(through.0 as i64)],
        )?;
        Ok(moved > 0)
    }

    fn release_emailed(&self, conversation: &ConversationId, through: Seq, back_to: Seq) -> Result<()> {
        self.execute(
            "UPDATE email_marks SET emailed_through = $3 WHERE conversation_id = $1 AND emailed_through = $2",
            &[&conversation.as_str(), &(through.0 as i64), &(back_to.0 as i64)],
        )?;
        Ok(())
    }

    fn all_emailed(&self) -> Result<Vec<(ConversationId, Seq)>> {
        self.query("SELECT conversation_id, emailed_through FROM email_marks", &[])?
            .iter()
            .map(|r| Ok((ConversationId(r.try_get(0)?), Seq(r.try_get::<_, i64>(1)? as u64))))
            .collect()
    }
}
