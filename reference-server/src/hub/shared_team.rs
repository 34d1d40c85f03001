//! The team across server processes (issue 13). Each process keeps its
//! `Team` in memory; with several processes on one database, an operator
//! whose inbox is on process B must still show connected on A, and a
//! status set on B must reach A's visitors (`availability`) and operators
//! (`roster`), and a bot's settings changed on B must reach A's visitors.
//! The database is the truth: operator rows (status, role, bots), bot and
//! team settings as ever, plus each process's heartbeat and how many
//! inboxes of each operator it holds (`store::PresenceStore`). The bus
//! only says "look again" (`Hint::Team { operator }`, `{ bot }`, or with
//! neither the team's settings).
//!
//! One task per process does all of it, in order: it writes this
//! process's inbox counts when they change (the hub's lock only queues
//! the operator, the store is written outside it), then hints; it beats,
//! sweeps processes that stopped beating, and re-reads the team every
//! [`BEAT`]; and it re-reads an operator when another process hints. A
//! process whose beat is older than [`MISSED_BEATS`] beats counts for
//! nothing, so inboxes of a process killed with SIGKILL stop counting
//! within seconds (those operators show disconnected, and the owner-gone
//! rule starts counting for their chats). Their status stays what it was:
//! losing the connection changes nothing (PROTOCOL.md §7.11).
//!
//! The same task carries visitors' presence between processes
//! (`shared_presence`).
//!
//! Off by default: a single process (SQLite, in-process bus) starts no task
//! and writes nothing; `main` turns it on for a PostgreSQL store or a NATS bus.

use super::*;
use crate::bus::{Hint, Hints, Topic};
use futures::StreamExt;
use std::collections::HashSet;
use std::sync::Weak;
use std::time::Duration;
use tokio::sync::mpsc;

/// How often a process beats and re-reads the team.
pub const BEAT: Duration = Duration::from_secs(2);

/// Beats a process may miss before its inboxes stop counting.
pub const MISSED_BEATS: u32 = 3;

/// What `Live` keeps while the team is shared.
#[derive(Debug)]
pub(super) struct Shared {
    /// Operators whose inbox count here changed, for the task to write.
    changed: mpsc::UnboundedSender<OperatorId>,
    /// Inboxes other live processes hold, per operator (none: absent).
    elsewhere: HashMap<OperatorId, u32>,
    /// Visitor sockets other live processes hold (`shared_presence`).
    pub(super) visitors_elsewhere: super::shared_presence::VisitorsElsewhere,
    /// The processes alive at the last beat (this one too).
    pub(super) processes: HashSet<String>,
    /// Bumped by every team change made here: a re-read that began before
    /// one may be older than memory, and is read again.
    epoch: u64,
}

impl Live {
    fn inboxes_here(&self, operator: &OperatorId) -> u32 {
        self.operators.iter().filter(|(_, op, _)| op == operator).count() as u32
    }

    /// At least one inbox of `operator` is connected, to this process or
    /// (when shared) another live one.
    pub(super) fn connected(&self, operator: &OperatorId) -> bool {
        self.inboxes_here(operator) > 0
            || self
                .shared
                .as_ref()
                .is_some_and(|s| s.elsewhere.get(operator).is_some_and(|n| *n > 0))
    }

    /// This process's count of `operator`'s inboxes changed.
    pub(super) fn inboxes_changed(&self, operator: &OperatorId) {
        if let Some(shared) = &self.shared {
            let _ = shared.changed.send(operator.clone());
        }
    }

    /// A team change was made here (and stored).
    pub(super) fn team_changed_here(&mut self) {
        if let Some(shared) = &mut self.shared {
            shared.epoch += 1;
        }
    }
}

impl Hub {
    /// Shares the team with the other processes on this database and bus,
    /// beating every `beat` (see the module docs). Call once, at start.
    pub fn share_team(self: &Arc<Self>, beat: Duration) {
        let (changed, queue) = mpsc::unbounded_channel();
        self.lock().shared = Some(Shared {
            changed,
            elsewhere: HashMap::new(),
            visitors_elsewhere: HashMap::new(),
            processes: HashSet::new(),
            epoch: 0,
        });
        tokio::spawn(run(Arc::downgrade(self), queue, beat));
    }

    /// Tells other processes to re-read `bot`'s settings, or with `None`
    /// the team's (when shared).
    pub(super) fn hint_settings(&self, live: &Live, bot: Option<&BotId>) {
        if live.shared.is_some() {
            self.bus.send(Hint::Team {
                operator: None,
                bot: bot.cloned(),
                auto_away: false,
            });
        }
    }

    /// Tells other processes to re-read `operator` (when shared).
    pub(super) fn hint_team(&self, live: &Live, operator: &OperatorId) {
        if live.shared.is_some() {
            self.bus.send(Hint::Team {
                operator: Some(operator.clone()),
                bot: None,
                auto_away: false,
            });
        }
    }

    fn process(&self) -> &str {
        &self.bus().process().0
    }

    /// Writes this process's inbox count of each of `operators` as it
    /// stands now.
    fn write_inboxes(&self, operators: &HashSet<OperatorId>) {
        for operator in operators {
            let n = self.lock().inboxes_here(operator);
            if let Err(err) = self.store.set_inboxes(self.process(), operator, n) {
                tracing::warn!(%err, %operator, "could not share an inbox count");
            }
        }
    }

    /// One beat: this process is alive; dead ones are forgotten; the team
    /// is read again.
    fn team_beat(self: &Arc<Self>, beat: Duration) {
        let now = now();
        match self.store.beat(self.process(), now) {
            // New, or swept while it was slow: its rows may be gone.
            Ok(false) => {
                let here: HashSet<OperatorId> = self.lock().operators.iter().map(|(_, op, _)| op.clone()).collect();
                self.write_inboxes(&here);
            }
            Ok(true) => {}
            Err(err) => tracing::warn!(%err, "could not store this process's heartbeat"),
        }
        if let Err(err) = self.store.sweep_processes(alive_since(now, beat)) {
            tracing::warn!(%err, "could not sweep stopped processes");
        }
        match self.store.live_processes(alive_since(now, beat)) {
            Ok(alive) => self.presence_beat(alive.into_iter().collect()),
            Err(err) => tracing::warn!(%err, "could not read the live processes"),
        }
        self.refresh_team(None, beat);
    }

    /// Every bot's editable settings and the team's, as stored.
    fn read_settings(&self, live_bots: Vec<BotId>) -> Result<Settings, StoreError> {
        let mut bots = Vec::new();
        for bot in live_bots {
            if let Some(row) = self.store.bot_settings_row(&bot)? {
                bots.push((bot, row));
            }
        }
        Ok(Settings {
            bots,
            team: self.store.team_settings()?,
        })
    }

    /// Reads `operator` (every operator, and every bot's and the team's
    /// settings: `None`) and the other processes' inbox counts from the
    /// store, and applies what changed.
    fn refresh_team(self: &Arc<Self>, operator: Option<&OperatorId>, beat: Duration) {
        for _ in 0..3 {
            let (epoch, bots) = {
                let live = self.lock();
                let Some(shared) = &live.shared else { return };
                (shared.epoch, live.bots.keys().cloned().collect())
            };
            let read = || -> Result<_, StoreError> {
                let (rows, settings) = match operator {
                    Some(id) => (self.store.operator(id)?.into_iter().collect(), None),
                    None => (self.store.operators()?, Some(self.read_settings(bots)?)),
                };
                let elsewhere = self.store.inboxes_elsewhere(self.process(), alive_since(now(), beat))?;
                Ok((rows, settings, elsewhere))
            };
            let (rows, settings, elsewhere) = match read() {
                Ok(read) => read,
                Err(err) => return tracing::warn!(%err, "could not read the shared team"),
            };
            let mut live = self.lock();
            if live.shared.as_ref().is_none_or(|s| s.epoch != epoch) {
                continue;
            }
            let gone = self.apply_team(&mut live, &rows, elsewhere);
            let mut auto_away = None;
            if let Some(Settings { bots, team }) = settings {
                for (bot, row) in bots {
                    if live.bots.get(&bot).is_some_and(|b| b.editable() != row) {
                        live.apply_bot_settings(&bot, row);
                    }
                }
                auto_away = team.map(|t| t.auto_away()).filter(|a| *a != live.team.auto_away_after);
            }
            drop(live);
            if let Some(after) = auto_away {
                self.set_auto_away(after);
            }
            for operator in gone {
                self.check_owner_of_all(&operator);
            }
            return;
        }
    }

    /// Puts stored rows and others' inbox counts into the live team; sends
    /// the roster and `availability` frames a local change would. Returns
    /// the operators now connected nowhere who were connected before.
    fn apply_team(&self, live: &mut Live, rows: &[OperatorRow], elsewhere: Vec<(OperatorId, u32)>) -> Vec<OperatorId> {
        let before = self.availability_by_bot(live);
        let roster = live.roster();
        let connected: Vec<OperatorId> = live
            .team
            .members
            .iter()
            .map(|m| m.id.clone())
            .filter(|op| live.connected(op))
            .collect();
        for row in rows {
            let old = live.team.member(&row.id).cloned();
            live.load_member(row);
            if let Some(member) = live.team.members.iter_mut().find(|m| m.id == row.id) {
                member.status = row.status;
            }
            // Access changed elsewhere: this process's inboxes of theirs
            // get a fresh welcome, or end.
            match old {
                Some(_) if !row.active => live.close_sockets(&row.id, &team::signed_out()),
                Some(old) if old.role != row.role || old.bots != row.bots => live.close_sockets(
                    &row.id,
                    &ServerToOperator::GoingAway {
                        retry_after: team::RECONNECT_AFTER,
                    },
                ),
                _ => {}
            }
        }
        if let Some(shared) = &mut live.shared {
            shared.elsewhere = elsewhere.into_iter().collect();
        }
        let gone: Vec<OperatorId> = connected.into_iter().filter(|op| !live.connected(op)).collect();
        for operator in &gone {
            live.inbox_closed_since.insert(operator.clone(), now());
        }
        if live.roster() != roster {
            self.after_status_change(live, before);
        }
        gone
    }
}

/// Settings as stored: each bot's editable part, and the team's.
struct Settings {
    bots: Vec<(BotId, crate::store::BotSettingsRow)>,
    team: Option<crate::store::TeamSettings>,
}

/// The oldest heartbeat that still counts at `now`.
fn alive_since(now: Timestamp, beat: Duration) -> Timestamp {
    Timestamp(now.0.saturating_sub(beat.as_millis() as u64 * u64::from(MISSED_BEATS)))
}

/// Runs `work` on the hub off the runtime's workers (store calls block),
/// unless the hub is gone; `false` then.
async fn blocking(hub: &Weak<Hub>, work: impl FnOnce(&Arc<Hub>) + Send + 'static) -> bool {
    let Some(hub) = hub.upgrade() else { return false };
    if let Err(err) = tokio::task::spawn_blocking(move || work(&hub)).await {
        tracing::error!(%err, "a shared team step failed");
    }
    true
}

/// The next hint, or never while there is no subscription.
async fn next(hints: &mut Option<Hints>) -> Option<crate::bus::Envelope> {
    match hints {
        Some(hints) => hints.next().await,
        None => std::future::pending().await,
    }
}

/// The process's one team task (see the module docs).
async fn run(hub: Weak<Hub>, mut changed: mpsc::UnboundedReceiver<OperatorId>, beat: Duration) {
    let mut hints: Option<Hints> = None;
    let mut tick = tokio::time::interval(beat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if hints.is_none() {
                    let Some(strong) = hub.upgrade() else { return };
                    let bus = strong.bus().clone();
                    drop(strong);
                    match bus.subscribe(Topic::All).await {
                        Ok(stream) => hints = Some(stream),
                        Err(err) => tracing::warn!(%err, "bus: no team hints yet; the beat re-reads the team"),
                    }
                }
                if !blocking(&hub, move |hub| hub.team_beat(beat)).await {
                    return;
                }
            }
            first = changed.recv() => {
                let Some(first) = first else { return };
                let mut operators = HashSet::from([first]);
                while let Ok(more) = changed.try_recv() {
                    operators.insert(more);
                }
                let written = operators.clone();
                if !blocking(&hub, move |hub| hub.write_inboxes(&written)).await {
                    return;
                }
                let Some(strong) = hub.upgrade() else { return };
                for operator in operators {
                    strong.bus.send(Hint::Team {
                        operator: Some(operator),
                        bot: None,
                        auto_away: false,
                    });
                }
            }
            hint = next(&mut hints) => {
                let Some(envelope) = hint else {
                    hints = None;
                    continue;
                };
                match envelope.hint {
                    // An operator's row, or (naming none) the settings too.
                    Hint::Team { operator, auto_away, .. } => {
                        let refreshed = blocking(&hub, move |hub| {
                            hub.refresh_team(operator.as_ref(), beat);
                            if let (true, Some(operator)) = (auto_away, &operator) {
                                hub.lock()
                                    .alert_operator(operator, &alerts::about_you(AlertKind::AutoAway, None));
                            }
                        });
                        if !refreshed.await {
                            return;
                        }
                    }
                    Hint::Presence { conversation, visitors } => {
                        let Some(hub) = hub.upgrade() else { return };
                        hub.presence_elsewhere(&envelope.from.0, &conversation, visitors);
                    }
                    Hint::Conversation { .. } | Hint::Marks { .. } => {}
                }
            }
        }
    }
}
