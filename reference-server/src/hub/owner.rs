//! The owner-gone rule, performed. `baton_protocol::absence::owner_verdict`
//! decides whether a chat's owner still counts as there; this module feeds it
//! the facts (status, account, whether an inbox of theirs is connected and
//! since when it is not, whether the visitor waits for a reply), re-asks at
//! the time it names, and turns a "gone" into `Input::OwnerGone` — which the
//! handover rules make an `owner_gone` event (the chat back in Waiting).

use super::{Hub, Live, now};
use baton_protocol::absence::{OwnerFacts, Verdict, owner_verdict};
use baton_protocol::conversation::Input;
use baton_protocol::operator::AlertKind;
use baton_protocol::{ConversationId, EventBody, HandoverState, OperatorId, Timestamp};
use std::sync::Arc;

impl Live {
    /// The owner-gone grace period of a bot (PROTOCOL.md §7.12).
    fn owner_grace(&self, bot: &baton_protocol::BotId) -> baton_protocol::Millis {
        self.bots.get(bot).map_or(
            baton_protocol::Millis::from_secs(crate::config::DEFAULT_OWNER_GONE_SECS),
            |b| b.owner_gone,
        )
    }

    /// What the absence rule needs to know about `owner`.
    fn owner_facts(&self, owner: &OperatorId) -> OwnerFacts {
        match self.team.member(owner) {
            Some(member) => OwnerFacts {
                status: member.status,
                active: true,
                inbox_closed_since: if self.connected(owner) {
                    None
                } else {
                    Some(self.inbox_closed_since.get(owner).copied().unwrap_or(Timestamp(0)))
                },
            },
            // No longer on the team: deactivated.
            None => OwnerFacts {
                status: Default::default(),
                active: false,
                inbox_closed_since: None,
            },
        }
    }

    /// Conversations `operator` owns.
    pub(super) fn owned_by(&self, operator: &OperatorId) -> Vec<ConversationId> {
        self.conversations
            .iter()
            .filter(
                |(_, c)| matches!(c.core.handover().state(), HandoverState::Human { operator: o } if &o.id == operator),
            )
            .map(|(id, _)| id.clone())
            .collect()
    }
}

impl Hub {
    /// Judges the owner of one conversation now; hands the chat back to the
    /// team if they are gone, or arms a re-check.
    pub(crate) fn check_owner(self: &Arc<Self>, conversation: &ConversationId) {
        let (owner, verdict) = {
            let mut live = self.lock();
            let Some(conv) = live.conversations.get(conversation) else {
                return;
            };
            let HandoverState::Human { operator } = conv.core.handover().state() else {
                return;
            };
            let grace = live.owner_grace(&conv.bot);
            let owner = operator.id.clone();
            let verdict = owner_verdict(live.owner_facts(&owner), conv.core.awaiting_reply_since(), grace, now());
            if let Verdict::CheckAt(at) = verdict {
                // One pending re-check per conversation is enough: an earlier
                // one re-judges (and re-arms) anyway.
                let conv = live.conversations.get_mut(conversation).expect("looked up above");
                if conv.owner_check.is_some_and(|armed| armed <= at) {
                    return;
                }
                conv.owner_check = Some(at);
            }
            (owner, verdict)
        };
        match verdict {
            Verdict::Present => {}
            Verdict::CheckAt(at) => {
                let hub = Arc::downgrade(self);
                let conversation = conversation.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_millis(at.0.saturating_sub(now().0))).await;
                    if let Some(hub) = hub.upgrade() {
                        if let Some(conv) = hub.lock().conversations.get_mut(&conversation) {
                            conv.owner_check = None;
                        }
                        hub.check_owner(&conversation);
                    }
                });
            }
            Verdict::Gone(reason) => {
                tracing::info!(%conversation, operator = %owner, ?reason, "owner gone; the chat is back with the team");
                self.input(
                    conversation,
                    Input::OwnerGone {
                        operator: owner,
                        reason,
                    },
                );
            }
        }
    }

    /// Judges every chat `operator` owns (their status or connection changed).
    pub(crate) fn check_owner_of_all(self: &Arc<Self>, operator: &OperatorId) {
        let owned = self.lock().owned_by(operator);
        for conversation in owned {
            self.check_owner(&conversation);
        }
    }

    /// After a restart nobody's inbox is connected: judge every owned chat.
    pub(crate) fn check_all_owners(self: &Arc<Self>) {
        let owned: Vec<ConversationId> = {
            let live = self.lock();
            live.conversations
                .iter()
                .filter(|(_, c)| matches!(c.core.handover().state(), HandoverState::Human { .. }))
                .map(|(id, _)| id.clone())
                .collect()
        };
        for conversation in owned {
            self.check_owner(&conversation);
        }
    }

    /// Outside channels hear about an owner who is gone, like a lapsing request.
    pub(super) fn escalate_owner_gone(
        &self,
        conversation: &ConversationId,
        bot: &baton_protocol::BotId,
        events: &[baton_protocol::ConversationEvent],
    ) {
        if events.iter().any(|e| matches!(e.body, EventBody::OwnerGone { .. })) {
            self.escalate(conversation, bot, AlertKind::OwnerGone);
        }
    }
}
