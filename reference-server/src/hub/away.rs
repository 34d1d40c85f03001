//! Auto-away as a stored timer (issue 13): an Available operator idle for
//! the team's auto-away time becomes Away once, whichever processes their
//! inboxes are on, and even if the process that saw them last is gone.
//!
//! The timer is `("away", operator)`, due when they become Away if they
//! stay idle. Each process pushes it past the activity it sees
//! ([`Hub::keep_away_timer`]: on each inbox frame, on becoming Available,
//! at start and when the setting changes) with
//! [`crate::store::TimerStore::arm_timer_later`], so an earlier due time
//! from a process that saw less never pulls it back. So that an operator
//! typing all day does not cost a write per keystroke, a process stores
//! the due time plus a slack ([`slack`]) and stores again only once its
//! activity runs past what it stored: the timer is never early, and at
//! most one slack late.
//!
//! Whichever process claims it (`hub/timers.rs`) judges it
//! ([`Hub::away_due`]): with the rule of `baton_protocol::availability`
//! on its own view of the operator's last activity, and the status as
//! stored; the change is a compare-and-set in the store (Available →
//! Away), so an operator who just chose Busy elsewhere stays Busy. The
//! process alerts the operator's inboxes it holds and hints the others to
//! do the same with theirs (`Hint::Team { auto_away: true }`).

use super::*;
use crate::bus::Hint;
use crate::store::{AWAY, Timer};
use baton_protocol::operator::OperatorStatus;

/// How much later than due a process stores an away timer, so that it
/// stores again only every so often: a tenth of the idle time, from
/// 1 s to 1 minute.
pub(super) fn slack(after: Millis) -> u64 {
    (after.0 / 10).clamp(1_000, 60_000)
}

impl Hub {
    /// Makes sure `operator`'s stored away timer is due no earlier than
    /// their activity seen here allows (module doc). Cheap when it is.
    pub(super) fn keep_away_timer(&self, live: &mut Live, operator: &OperatorId) {
        let Some(due) = live.team.auto_away_at(operator) else {
            return;
        };
        if live.away_armed.get(operator).is_some_and(|armed| *armed >= due) {
            return;
        }
        let Some(after) = live.team.auto_away_after else {
            return;
        };
        let at = Timestamp(due.0 + slack(after));
        live.away_armed.insert(operator.clone(), at);
        self.timers.arm_later(Timer::new(AWAY, operator.as_str(), at));
    }

    /// Switches auto-away on (`Some`), changes its delay, or turns it off
    /// (`None`), at once and without a restart. A shorter delay applies
    /// from each operator's next activity; a timer already stored for the
    /// longer one still fires (and finds them idle or not).
    pub fn set_auto_away(&self, after: Option<Millis>) {
        let mut live = self.lock();
        live.team.auto_away_after = after;
        live.away_armed.clear();
        let members: Vec<OperatorId> = live.team.members.iter().map(|m| m.id.clone()).collect();
        for operator in members {
            self.keep_away_timer(&mut live, &operator);
        }
    }

    /// Turns on auto-away: Available operators idle for `after` become Away.
    /// Off (the default), status never changes by itself.
    pub fn enable_auto_away(&self, after: Millis) {
        self.set_auto_away(Some(after));
    }

    /// After how long idle operators become Away, if auto-away is on.
    pub fn auto_away(&self) -> Option<Millis> {
        self.lock().team.auto_away_after
    }

    /// The operator did something in the inbox (resets auto-away).
    pub fn touch(&self, operator: &OperatorId) {
        let mut live = self.lock();
        live.team.touch(operator, now());
        self.keep_away_timer(&mut live, operator);
    }

    /// `operator`'s away timer is due (claimed by this process): Away if
    /// still Available and idle as far as this process saw.
    pub(super) fn away_due(&self, operator: &OperatorId) {
        let mut live = self.lock();
        live.away_armed.remove(operator);
        let at = now();
        let Some(after) = live.team.auto_away_after else {
            return;
        };
        // The stored due time stands for activity elsewhere; this
        // process's own may be newer (then it arms again).
        if !live.team.auto_away_due(operator, at) {
            self.keep_away_timer(&mut live, operator);
            return;
        }
        drop(live);
        // Not under the lock: the store decides whether it is still theirs
        // to lose (another process may have changed it).
        let changed = match self
            .store
            .change_operator_status(operator, OperatorStatus::Available, OperatorStatus::Away)
        {
            Ok(changed) => changed,
            Err(err) => return tracing::error!(%err, "could not store an auto-away status"),
        };
        let mut live = self.lock();
        if !changed {
            // Their status changed elsewhere; the team hint brings it.
            return;
        }
        let before = self.availability_by_bot(&live);
        // Stored as Away now, whatever this process saw meanwhile.
        if let Some(member) = live.team.members.iter_mut().find(|m| &m.id == operator) {
            member.status = OperatorStatus::Away;
        }
        tracing::info!(%operator, idle_ms = after.0, "auto-away");
        live.alert_operator(operator, &alerts::about_you(AlertKind::AutoAway, None));
        if live.shared.is_some() {
            self.bus.send(Hint::Team {
                operator: Some(operator.clone()),
                bot: None,
                auto_away: true,
            });
        }
        self.after_status_change(&mut live, before);
    }
}
