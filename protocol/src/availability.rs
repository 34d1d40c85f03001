//! Operator availability rules, pure.
//!
//! - Every operator starts Offline. Only the operator can make themselves
//!   Available (or Away, Busy); closing the inbox changes nothing.
//! - An admin can set a teammate Offline — and nothing else, so nobody is
//!   ever made Available behind their back.
//! - Auto-away is a per-team setting: when on, an Available operator idle for
//!   the configured time becomes Away; when off, status never changes by
//!   itself.
//! - A visitor may ask for a person only while at least one operator with
//!   access to that bot is Available; transfers go only to such an operator.

use crate::error::ErrorCode;
use crate::operator::{OperatorStatus, Role};
use crate::{BotId, Millis, OperatorId, Timestamp};

/// The transfer rule: only an Available operator who serves the chat's bot
/// may receive it (Away and Busy teammates are never handed chats).
pub fn may_receive_transfer(status: OperatorStatus, serves_bot: bool) -> bool {
    status == OperatorStatus::Available && serves_bot
}

/// What the rules need to know about one operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: OperatorId,
    pub role: Role,
    pub status: OperatorStatus,
    /// Bots whose conversations this operator may see and take.
    pub bots: Vec<BotId>,
    /// Last time the operator did something in the inbox.
    pub last_active: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatusChange {
    /// The operator sets their own status.
    Own {
        operator: OperatorId,
        status: OperatorStatus,
    },
    /// An admin sets a teammate's status (Offline only).
    ByAdmin {
        admin: OperatorId,
        target: OperatorId,
        status: OperatorStatus,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusRefusal {
    pub code: ErrorCode,
    pub reason: &'static str,
}

/// The team of operators and its rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Team {
    pub members: Vec<Member>,
    /// Idle time after which Available becomes Away; `None`: never.
    pub auto_away_after: Option<Millis>,
}

impl Team {
    pub fn member(&self, id: &OperatorId) -> Option<&Member> {
        self.members.iter().find(|m| &m.id == id)
    }

    /// Applies a status change, or says why not. Returns the operator whose
    /// status changed.
    pub fn change(&mut self, change: StatusChange, now: Timestamp) -> Result<OperatorId, StatusRefusal> {
        let refuse = |code, reason| Err(StatusRefusal { code, reason });
        let (StatusChange::Own { status, .. } | StatusChange::ByAdmin { status, .. }) = &change;
        if *status == OperatorStatus::Unknown {
            return refuse(ErrorCode::BadFrame, "unknown status");
        }
        let (target, status) = match change {
            StatusChange::Own { operator, status } => (operator, status),
            StatusChange::ByAdmin { admin, target, status } => {
                let is_admin = self.member(&admin).is_some_and(|m| m.role == Role::Admin);
                if !is_admin {
                    return refuse(ErrorCode::Forbidden, "only an admin can change a teammate's status");
                }
                if status != OperatorStatus::Offline && admin != target {
                    return refuse(ErrorCode::Forbidden, "an admin can only set a teammate Offline");
                }
                (target, status)
            }
        };
        let Some(member) = self.members.iter_mut().find(|m| m.id == target) else {
            return refuse(ErrorCode::NotFound, "no such operator");
        };
        member.status = status;
        member.last_active = member.last_active.max(now);
        Ok(target)
    }

    /// The operator did something: resets the auto-away clock.
    pub fn touch(&mut self, id: &OperatorId, now: Timestamp) {
        if let Some(m) = self.members.iter_mut().find(|m| &m.id == id) {
            m.last_active = m.last_active.max(now);
        }
    }

    /// When auto-away is due for `id` if they stay idle: `None` when it is
    /// off, or they are not Available (or not on the team).
    pub fn auto_away_at(&self, id: &OperatorId) -> Option<Timestamp> {
        let after = self.auto_away_after?;
        self.member(id)
            .filter(|m| m.status == OperatorStatus::Available)
            .map(|m| m.last_active + after)
    }

    /// Whether auto-away applies to `id` at `now` (without applying it).
    pub fn auto_away_due(&self, id: &OperatorId, now: Timestamp) -> bool {
        self.auto_away_at(id).is_some_and(|at| now >= at)
    }

    /// Applies auto-away to `id`: an Available operator idle for the
    /// configured time becomes Away. Whether they did.
    pub fn auto_away(&mut self, id: &OperatorId, now: Timestamp) -> bool {
        let due = self.auto_away_due(id, now);
        if due {
            if let Some(m) = self.members.iter_mut().find(|m| &m.id == id) {
                m.status = OperatorStatus::Away;
            }
        }
        due
    }

    fn serves(m: &Member, bot: &BotId) -> bool {
        m.bots.iter().any(|b| b == bot)
    }

    /// "Talk to a human" may be offered for this bot.
    pub fn human_available(&self, bot: &BotId) -> bool {
        self.members
            .iter()
            .any(|m| m.status == OperatorStatus::Available && Team::serves(m, bot))
    }

    /// `to` may receive a transfer of a conversation of this bot.
    pub fn can_receive_transfer(&self, to: &OperatorId, bot: &BotId) -> bool {
        self.member(to)
            .is_some_and(|m| may_receive_transfer(m.status, Team::serves(m, bot)))
    }

    /// (Available, total) operators for this bot: "2/3 online".
    pub fn counts(&self, bot: &BotId) -> (u32, u32) {
        let serving = self.members.iter().filter(|m| Team::serves(m, bot));
        let (mut available, mut total) = (0, 0);
        for m in serving {
            total += 1;
            if m.status == OperatorStatus::Available {
                available += 1;
            }
        }
        (available, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, role: Role, status: OperatorStatus) -> Member {
        Member {
            id: OperatorId(id.into()),
            role,
            status,
            bots: vec![BotId("shop".into())],
            last_active: Timestamp(0),
        }
    }

    fn team() -> Team {
        Team {
            members: vec![
                member("admin", Role::Admin, OperatorStatus::Available),
                member("agent", Role::Agent, OperatorStatus::Offline),
            ],
            auto_away_after: None,
        }
    }

    fn id(s: &str) -> OperatorId {
        OperatorId(s.into())
    }

    #[test]
    fn only_the_operator_can_make_themselves_available() {
        let mut t = team();
        let by_admin = StatusChange::ByAdmin {
            admin: id("admin"),
            target: id("agent"),
            status: OperatorStatus::Available,
        };
        assert_eq!(t.change(by_admin, Timestamp(1)).unwrap_err().code, ErrorCode::Forbidden);
        let own = StatusChange::Own {
            operator: id("agent"),
            status: OperatorStatus::Available,
        };
        assert_eq!(t.change(own, Timestamp(1)), Ok(id("agent")));
    }

    #[test]
    fn an_admin_can_set_a_teammate_offline_but_an_agent_cannot() {
        let mut t = team();
        t.change(
            StatusChange::Own {
                operator: id("agent"),
                status: OperatorStatus::Available,
            },
            Timestamp(0),
        )
        .unwrap();
        let by_agent = StatusChange::ByAdmin {
            admin: id("agent"),
            target: id("admin"),
            status: OperatorStatus::Offline,
        };
        assert_eq!(t.change(by_agent, Timestamp(1)).unwrap_err().code, ErrorCode::Forbidden);
        let by_admin = StatusChange::ByAdmin {
            admin: id("admin"),
            target: id("agent"),
            status: OperatorStatus::Offline,
        };
        assert!(t.change(by_admin, Timestamp(1)).is_ok());
        assert_eq!(t.member(&id("agent")).unwrap().status, OperatorStatus::Offline);
    }

    #[test]
    fn human_available_needs_an_available_operator_for_that_bot() {
        let mut t = team();
        let shop = BotId("shop".into());
        assert!(t.human_available(&shop));
        assert!(!t.human_available(&BotId("other".into())), "nobody serves this bot");
        t.change(
            StatusChange::Own {
                operator: id("admin"),
                status: OperatorStatus::Busy,
            },
            Timestamp(0),
        )
        .unwrap();
        assert!(!t.human_available(&shop), "Busy does not count");
        assert_eq!(t.counts(&shop), (0, 2));
    }

    #[test]
    fn transfers_go_only_to_available_operators() {
        let mut t = team();
        let shop = BotId("shop".into());
        assert!(!t.can_receive_transfer(&id("agent"), &shop), "Offline");
        for status in [OperatorStatus::Away, OperatorStatus::Busy] {
            t.change(
                StatusChange::Own {
                    operator: id("agent"),
                    status,
                },
                Timestamp(0),
            )
            .unwrap();
            assert!(!t.can_receive_transfer(&id("agent"), &shop));
        }
        t.change(
            StatusChange::Own {
                operator: id("agent"),
                status: OperatorStatus::Available,
            },
            Timestamp(0),
        )
        .unwrap();
        assert!(t.can_receive_transfer(&id("agent"), &shop));
    }

    #[test]
    fn auto_away_only_when_enabled() {
        let mut t = team();
        assert_eq!(t.auto_away_at(&id("admin")), None);
        assert!(
            !t.auto_away(&id("admin"), Timestamp(u64::MAX / 2)),
            "off: status never changes by itself"
        );
        t.auto_away_after = Some(Millis(1_000));
        assert_eq!(t.auto_away_at(&id("admin")), Some(Timestamp(1_000)));
        t.touch(&id("admin"), Timestamp(500));
        assert_eq!(t.auto_away_at(&id("admin")), Some(Timestamp(1_500)));
        assert!(!t.auto_away(&id("admin"), Timestamp(1_000)));
        assert!(t.auto_away_due(&id("admin"), Timestamp(1_500)));
        assert_eq!(
            t.member(&id("admin")).unwrap().status,
            OperatorStatus::Available,
            "only asked"
        );
        assert!(t.auto_away(&id("admin"), Timestamp(1_500)));
        assert_eq!(t.member(&id("admin")).unwrap().status, OperatorStatus::Away);
        assert_eq!(t.auto_away_at(&id("admin")), None, "only Available operators go Away");
        assert!(!t.auto_away(&id("admin"), Timestamp(9_000)), "and only once");
        assert!(!t.auto_away(&id("nobody"), Timestamp(9_000)));
    }
}
