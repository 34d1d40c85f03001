//! Team changes, performed live: who is on the team, which bots each one
//! serves, and what happens to their sockets and chats when that changes.
//! The HTTP routes (`crate::team`) check who may ask; this performs.
//!
//! Everything runs under the hub's lock, so a check ("is this the last
//! active admin?") and the change it guards cannot be split by another.

use super::*;
use crate::store::{OperatorUpdate, is_last_active_admin};
use baton_protocol::OwnerGoneReason;
use baton_protocol::operator::{OperatorStatus, Role};

/// Why a team change was refused.
#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    #[error("no such operator")]
    NotFound,
    #[error("an operator with this email already exists")]
    EmailTaken,
    #[error("the team needs at least one active admin")]
    LastAdmin,
    #[error("you cannot deactivate yourself")]
    Yourself,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An operator as the team page shows them.
#[derive(Clone, Debug)]
pub struct TeamMember {
    pub row: OperatorRow,
    /// Offline for a deactivated operator.
    pub status: OperatorStatus,
}

/// How soon an operator whose access changed reconnects for a fresh welcome.
pub(super) const RECONNECT_AFTER: Millis = Millis(200);

/// `operator` is on the team and serves `bot`.
pub(super) fn serves(team: &Team, operator: &OperatorId, bot: &BotId) -> bool {
    team.member(operator).is_some_and(|m| m.bots.contains(bot))
}

impl Live {
    /// Puts an operator's stored row into the live team. Deactivated
    /// operators leave it (so they count nowhere); every profile stays, for
    /// the notes and events that name it.
    pub(super) fn load_member(&mut self, row: &OperatorRow) {
        self.profiles.insert(row.id.clone(), profile(row));
        let at = self.team.members.iter().position(|m| m.id == row.id);
        match (row.active, at) {
            (true, Some(i)) => {
                let member = &mut self.team.members[i];
                member.role = row.role;
                member.bots = row.bots.clone();
            }
            (true, None) => self.team.members.push(Member {
                id: row.id.clone(),
                role: row.role,
                status: row.status,
                bots: row.bots.clone(),
                last_active: now(),
            }),
            (false, Some(i)) => {
                self.team.members.remove(i);
            }
            (false, None) => {}
        }
    }

    pub(super) fn serves(&self, operator: &OperatorId, bot: &BotId) -> bool {
        serves(&self.team, operator, bot)
    }

    /// Sends `frame` to every socket of `operator` and lets go of them: each
    /// socket's writer sends what is queued, then closes.
    pub(super) fn close_sockets(&mut self, operator: &OperatorId, frame: &ServerToOperator) {
        self.operators.retain(|(_, op, outbox)| {
            if op != operator {
                return true;
            }
            send(outbox, frame);
            false
        });
        self.inboxes_changed(operator);
    }
}

impl Hub {
    /// Every operator, active or not, with their live status.
    pub fn team(&self) -> Result<Vec<TeamMember>, StoreError> {
        let live = self.lock();
        let rows = self.store.operators()?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let status = live.team.member(&row.id).map_or(OperatorStatus::Offline, |m| m.status);
                TeamMember { row, status }
            })
            .collect())
    }

    /// The operator's conversation exists and is of a bot they serve. Frames
    /// naming any other conversation get [`not_found`].
    pub fn may_access(&self, operator: &OperatorId, conversation: &ConversationId) -> bool {
        if !self.lock().conversations.contains_key(conversation) {
            // Created by another process, whose hint is not here yet: read
            // from the store (outside the lock; operators are signed in and
            // rate-limited, so this is no lever for strangers).
            if let Err(err) = self.load(conversation) {
                tracing::warn!(%err, %conversation, "could not read a conversation from the store");
            }
        }
        let live = self.lock();
        live.conversations
            .get(conversation)
            .is_some_and(|c| c.listed() && live.serves(operator, &c.bot))
    }

    /// Adds a teammate (Offline until they say otherwise) and shows them in
    /// everyone's roster.
    pub fn add_operator(&self, row: OperatorRow) -> Result<OperatorRow, TeamError> {
        let mut live = self.lock();
        match self.store.add_operator(&row) {
            Err(StoreError::Duplicate) => return Err(TeamError::EmailTaken),
            other => other?,
        }
        let before = self.availability_by_bot(&live);
        live.load_member(&row);
        self.after_status_change(&mut live, before);
        self.hint_team(&live, &row.id);
        Ok(row)
    }

    /// Edits a teammate (or one's own profile). A change of role or bots
    /// changes what they may see: their inbox is told to reconnect
    /// (`going_away`) and gets a fresh welcome.
    pub fn update_operator(&self, id: &OperatorId, update: OperatorUpdate) -> Result<OperatorRow, TeamError> {
        let mut live = self.lock();
        let row = self.store.operator(id)?.ok_or(TeamError::NotFound)?;
        let demoted = update.role.is_some_and(|r| r != Role::Admin);
        if demoted && is_last_active_admin(self.store(), &row)? {
            return Err(TeamError::LastAdmin);
        }
        if !self.store.update_operator(id, &update)? {
            return Err(TeamError::NotFound);
        }
        let updated = self.store.operator(id)?.ok_or(TeamError::NotFound)?;
        let before = self.availability_by_bot(&live);
        live.load_member(&updated);
        if updated.role != row.role || updated.bots != row.bots {
            live.close_sockets(
                id,
                &ServerToOperator::GoingAway {
                    retry_after: RECONNECT_AFTER,
                },
            );
        }
        self.after_status_change(&mut live, before);
        self.hint_team(&live, id);
        Ok(updated)
    }

    /// Sets a new password hash and ends the operator's sessions, all but
    /// `keep`. An admin's reset (`keep: None`) also closes their sockets.
    pub fn set_password(&self, id: &OperatorId, hash: &str, keep: Option<&[u8]>) -> Result<(), TeamError> {
        let mut live = self.lock();
        if !self.store.set_password_hash(id, hash)? {
            return Err(TeamError::NotFound);
        }
        self.store.delete_operator_sessions(id, keep)?;
        if keep.is_none() {
            live.close_sockets(id, &signed_out());
        }
        Ok(())
    }

    /// Deactivates a teammate at once: they leave the team's counts, their
    /// sessions end, their sockets close, and every chat they own goes back
    /// to Waiting through the owner-gone rule.
    pub fn deactivate(self: &Arc<Self>, id: &OperatorId, by: &OperatorId) -> Result<(), TeamError> {
        if id == by {
            return Err(TeamError::Yourself);
        }
        let owned: Vec<ConversationId> = {
            let mut live = self.lock();
            let row = self.store.operator(id)?.ok_or(TeamError::NotFound)?;
            if is_last_active_admin(self.store(), &row)? {
                return Err(TeamError::LastAdmin);
            }
            let before = self.availability_by_bot(&live);
            crate::store::deactivate(self.store(), id)?;
            live.load_member(&OperatorRow { active: false, ..row });
            live.close_sockets(id, &signed_out());
            self.after_status_change(&mut live, before);
            self.hint_team(&live, id);
            live.conversations
                .iter()
                .filter(|(_, c)| matches!(c.core.handover().state(), HandoverState::Human { operator } if &operator.id == id))
                .map(|(conversation, _)| conversation.clone())
                .collect()
        };
        for conversation in owned {
            let input = Input::OwnerGone {
                operator: id.clone(),
                reason: OwnerGoneReason::Deactivated,
            };
            self.input_then(
                &conversation,
                input,
                Box::new(|reply| {
                    if let Some(Err(err)) = reply {
                        tracing::error!(?err, "could not hand a deactivated operator's chat back");
                    }
                }),
            );
        }
        Ok(())
    }

    /// Lets a deactivated operator sign in again (Offline until they choose).
    pub fn activate(&self, id: &OperatorId) -> Result<(), TeamError> {
        let mut live = self.lock();
        if !self.store.set_operator_active(id, true)? {
            return Err(TeamError::NotFound);
        }
        let row = self.store.operator(id)?.ok_or(TeamError::NotFound)?;
        let before = self.availability_by_bot(&live);
        live.load_member(&row);
        self.after_status_change(&mut live, before);
        self.hint_team(&live, id);
        Ok(())
    }
}

/// What an operator's sockets get when their access ends.
pub(super) fn signed_out() -> ServerToOperator {
    ServerToOperator::Error(ErrorBody::new(
        ErrorCode::Unauthorized,
        "your access has ended; sign in again",
    ))
}
