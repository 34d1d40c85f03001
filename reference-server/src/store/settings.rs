//! Settings admins and operators change while the server runs: each bot's
//! editable settings, the team's settings, the Notification center's
//! channels and each operator's alert preferences. A separate trait (a
//! supertrait of [`super::Store`]) so this part of storage reads on its own.

use super::{MemoryStore, Result, SqliteStore};
use crate::notify::channel::NotifyChannel;
use baton_protocol::followup::AfterLapse;
use baton_protocol::operator::AlertPrefs;
use baton_protocol::{BotId, BotMode, Millis, OperatorId};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The part of a bot's settings an admin edits in the inbox. Which bots
/// exist, their allowed origins and their engine come from the config file
/// only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotSettingsRow {
    pub name: String,
    pub handover_enabled: bool,
    pub show_button: bool,
    pub button_label: String,
    pub offline_message: String,
    pub response_window: Millis,
    pub mode: BotMode,
    pub operator_colour: Option<String>,
    pub operator_avatar_url: Option<String>,
    pub owner_gone: Millis,
    /// The choices a lapse offers (PROTOCOL.md §7.15).
    pub after_lapse: AfterLapse,
    /// Whether the widget asks for a rating after a person resolves.
    pub rating: bool,
}

/// The follow-up settings of a bot, kept as JSON in `server_settings`
/// under `followup:<bot>` (no migration of `bot_settings`; absent: the
/// defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct FollowupSettings {
    pub(super) after_lapse: AfterLapse,
    pub(super) rating: bool,
}

impl Default for FollowupSettings {
    fn default() -> Self {
        FollowupSettings {
            after_lapse: AfterLapse::default(),
            rating: true,
        }
    }
}

pub(super) fn followup_key(bot: &BotId) -> String {
    format!("followup:{}", bot.as_str())
}

/// Settings of the whole team.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamSettings {
    /// Available operators idle this long become Away; `None`: never.
    pub auto_away_minutes: Option<u32>,
}

impl TeamSettings {
    pub fn auto_away(&self) -> Option<Millis> {
        self.auto_away_minutes.map(|m| Millis(u64::from(m) * 60_000))
    }
}

pub trait SettingsStore {
    fn bot_settings_row(&self, bot: &BotId) -> Result<Option<BotSettingsRow>>;
    fn save_bot_settings(&self, bot: &BotId, row: &BotSettingsRow) -> Result<()>;
    /// `None` until the team's settings were first saved (or seeded).
    fn team_settings(&self) -> Result<Option<TeamSettings>>;
    fn save_team_settings(&self, settings: &TeamSettings) -> Result<()>;

    /// Every channel, oldest first.
    fn notify_channels(&self) -> Result<Vec<NotifyChannel>>;
    /// Creates or replaces the channel with this id.
    fn save_notify_channel(&self, channel: &NotifyChannel) -> Result<()>;
    fn delete_notify_channel(&self, id: &str) -> Result<bool>;
    /// Stores `channels` if channels were never seeded on this database, in
    /// one step with the mark that they were; `Ok(false)` if they had been
    /// (even if an admin deleted them all since).
    fn seed_notify_channels(&self, channels: &[NotifyChannel]) -> Result<bool>;

    /// Every operator who saved preferences (the others have the defaults).
    fn alert_prefs(&self) -> Result<Vec<(OperatorId, AlertPrefs)>>;
    fn save_alert_prefs(&self, operator: &OperatorId, prefs: &AlertPrefs) -> Result<()>;
}

/// The schema, appended to `sqlite::MIGRATIONS`.
pub(super) const MIGRATION: &str = r#"
    CREATE TABLE bot_settings (
        bot_id              TEXT PRIMARY KEY,
        name                TEXT NOT NULL,
        handover_enabled    INTEGER NOT NULL,
        show_button         INTEGER NOT NULL,
        button_label        TEXT NOT NULL,
        offline_message     TEXT NOT NULL,
        response_window_ms  INTEGER NOT NULL,
        mode                TEXT NOT NULL,
        operator_colour     TEXT,
        operator_avatar_url TEXT,
        owner_gone_ms       INTEGER NOT NULL
    );
    CREATE TABLE server_settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE notify_channels (
        id   TEXT PRIMARY KEY,
        body TEXT NOT NULL
    );
    CREATE TABLE operator_alerts (
        operator_id TEXT PRIMARY KEY REFERENCES operators(id),
        prefs       TEXT NOT NULL
    );
"#;

pub(super) const TEAM_KEY: &str = "team";
pub(super) const SEEDED_KEY: &str = "notify_channels_seeded";

impl SqliteStore {
    fn server_setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM server_settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }
}

impl SettingsStore for SqliteStore {
    fn bot_settings_row(&self, bot: &BotId) -> Result<Option<BotSettingsRow>> {
        let row = self
            .conn()
            .query_row(
                "SELECT name, handover_enabled, show_button, button_label, offline_message, response_window_ms,
                        mode, operator_colour, operator_avatar_url, owner_gone_ms
                 FROM bot_settings WHERE bot_id = ?1",
                [bot.as_str()],
                |r| {
                    Ok(BotSettingsRow {
                        name: r.get(0)?,
                        handover_enabled: r.get(1)?,
                        show_button: r.get(2)?,
                        button_label: r.get(3)?,
                        offline_message: r.get(4)?,
                        response_window: Millis(r.get::<_, i64>(5)? as u64),
                        mode: serde_json::from_value(serde_json::Value::String(r.get(6)?)).unwrap_or_default(),
                        operator_colour: r.get(7)?,
                        operator_avatar_url: r.get(8)?,
                        owner_gone: Millis(r.get::<_, i64>(9)? as u64),
                        after_lapse: AfterLapse::default(),
                        rating: true,
                    })
                },
            )
            .optional()?;
        let Some(mut row) = row else { return Ok(None) };
        let followup: FollowupSettings = match self.server_setting(&followup_key(bot))? {
            Some(text) => serde_json::from_str(&text)?,
            None => FollowupSettings::default(),
        };
        row.after_lapse = followup.after_lapse;
        row.rating = followup.rating;
        Ok(Some(row))
    }

    fn save_bot_settings(&self, bot: &BotId, row: &BotSettingsRow) -> Result<()> {
        let mode = serde_json::to_value(row.mode)?;
        self.conn().execute(
            "INSERT INTO bot_settings (bot_id, name, handover_enabled, show_button, button_label, offline_message,
                 response_window_ms, mode, operator_colour, operator_avatar_url, owner_gone_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (bot_id) DO UPDATE SET name = ?2, handover_enabled = ?3, show_button = ?4,
                 button_label = ?5, offline_message = ?6, response_window_ms = ?7, mode = ?8,
                 operator_colour = ?9, operator_avatar_url = ?10, owner_gone_ms = ?11",
            params![
                bot.as_str(),
                row.name,
                row.handover_enabled,
                row.show_button,
                row.button_label,
                row.offline_message,
                row.response_window.0 as i64,
                mode.as_str(),
                row.operator_colour,
                row.operator_avatar_url,
                row.owner_gone.0 as i64
            ],
        )?;
        let followup = FollowupSettings {
            after_lapse: row.after_lapse,
            rating: row.rating,
        };
        self.conn().execute(
            "INSERT INTO server_settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![followup_key(bot), serde_json::to_string(&followup)?],
        )?;
        Ok(())
    }

    fn team_settings(&self) -> Result<Option<TeamSettings>> {
        match self.server_setting(TEAM_KEY)? {
            Some(text) => Ok(Some(serde_json::from_str(&text)?)),
            None => Ok(None),
        }
    }

    fn save_team_settings(&self, settings: &TeamSettings) -> Result<()> {
        self.conn().execute(
            "INSERT INTO server_settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![TEAM_KEY, serde_json::to_string(settings)?],
        )?;
        Ok(())
    }

    fn notify_channels(&self) -> Result<Vec<NotifyChannel>> {
        let conn = self.conn();
        // rowid: the order they were created in (an update keeps it).
        let mut stmt = conn.prepare_cached("SELECT body FROM notify_channels ORDER BY rowid")?;
        let bodies = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let mut channels = Vec::new();
        for body in bodies {
            channels.push(serde_json::from_str(&body?)?);
        }
        Ok(channels)
    }

    fn save_notify_channel(&self, channel: &NotifyChannel) -> Result<()> {
        self.conn().execute(
            "INSERT INTO notify_channels (id, body) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET body = ?2",
            params![channel.id, serde_json::to_string(channel)?],
        )?;
        Ok(())
    }

    fn delete_notify_channel(&self, id: &str) -> Result<bool> {
        Ok(self.conn().execute("DELETE FROM notify_channels WHERE id = ?1", [id])? > 0)
    }

    fn seed_notify_channels(&self, channels: &[NotifyChannel]) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let marked = tx.execute(
            "INSERT INTO server_settings (key, value) VALUES (?1, 'true') ON CONFLICT (key) DO NOTHING",
            [SEEDED_KEY],
        )?;
        if marked == 0 {
            return Ok(false);
        }
        for channel in channels {
            tx.execute(
                "INSERT INTO notify_channels (id, body) VALUES (?1, ?2)",
                params![channel.id, serde_json::to_string(channel)?],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    fn alert_prefs(&self) -> Result<Vec<(OperatorId, AlertPrefs)>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached("SELECT operator_id, prefs FROM operator_alerts ORDER BY operator_id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut all = Vec::new();
        for row in rows {
            let (id, prefs) = row?;
            all.push((OperatorId(id), serde_json::from_str(&prefs)?));
        }
        Ok(all)
    }

    fn save_alert_prefs(&self, operator: &OperatorId, prefs: &AlertPrefs) -> Result<()> {
        self.conn().execute(
            "INSERT INTO operator_alerts (operator_id, prefs) VALUES (?1, ?2)
             ON CONFLICT (operator_id) DO UPDATE SET prefs = ?2",
            params![operator.as_str(), serde_json::to_string(prefs)?],
        )?;
        Ok(())
    }
}

/// The memory store's share: the same behaviour as the tables above.
#[derive(Debug, Default)]
pub(super) struct MemorySettings {
    bots: BTreeMap<BotId, BotSettingsRow>,
    team: Option<TeamSettings>,
    channels: Vec<NotifyChannel>,
    seeded: bool,
    alerts: BTreeMap<OperatorId, AlertPrefs>,
}

impl SettingsStore for MemoryStore {
    fn bot_settings_row(&self, bot: &BotId) -> Result<Option<BotSettingsRow>> {
        Ok(self.settings().bots.get(bot).cloned())
    }

    fn save_bot_settings(&self, bot: &BotId, row: &BotSettingsRow) -> Result<()> {
        self.settings().bots.insert(bot.clone(), row.clone());
        Ok(())
    }

    fn team_settings(&self) -> Result<Option<TeamSettings>> {
        Ok(self.settings().team)
    }

    fn save_team_settings(&self, settings: &TeamSettings) -> Result<()> {
        self.settings().team = Some(*settings);
        Ok(())
    }

    fn notify_channels(&self) -> Result<Vec<NotifyChannel>> {
        Ok(self.settings().channels.clone())
    }

    fn save_notify_channel(&self, channel: &NotifyChannel) -> Result<()> {
        let mut settings = self.settings();
        match settings.channels.iter_mut().find(|c| c.id == channel.id) {
            Some(stored) => *stored = channel.clone(),
            None => settings.channels.push(channel.clone()),
        }
        Ok(())
    }

    fn delete_notify_channel(&self, id: &str) -> Result<bool> {
        let mut settings = self.settings();
        let before = settings.channels.len();
        settings.channels.retain(|c| c.id != id);
        Ok(settings.channels.len() < before)
    }

    fn seed_notify_channels(&self, channels: &[NotifyChannel]) -> Result<bool> {
        let mut settings = self.settings();
        if std::mem::replace(&mut settings.seeded, true) {
            return Ok(false);
        }
        settings.channels.extend(channels.iter().cloned());
        Ok(true)
    }

    fn alert_prefs(&self) -> Result<Vec<(OperatorId, AlertPrefs)>> {
        Ok(self.settings().alerts.iter().map(|(k, v)| (k.clone(), *v)).collect())
    }

    fn save_alert_prefs(&self, operator: &OperatorId, prefs: &AlertPrefs) -> Result<()> {
        self.settings().alerts.insert(operator.clone(), *prefs);
        Ok(())
    }
}
