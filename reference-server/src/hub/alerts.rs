//! Alerts: who hears about what. The hub stores events; this module turns
//! the ones people must notice into `alert` frames for the operators they
//! concern — everyone serving the bot for team-wide kinds, one operator for
//! personal ones — filtered by each operator's `AlertPrefs`, and re-alerts a
//! request nobody claimed at half its response window (PROTOCOL.md `alert`).
//!
//! The re-alert has two halves. The in-app alert goes to the operators
//! connected to this process, so every process arms it for the requests it
//! hears of. The escalation to the outside channels must happen once, even
//! if the process that took the request is gone: it is a stored timer
//! (`store::UNCLAIMED`), written with the request and fired by whichever
//! process claims it (`hub/timers.rs`).

use super::{Hub, Live, Shared, now};
use baton_protocol::operator::{Alert, AlertKind, ServerToOperator};
use baton_protocol::{
    Author, BotId, ConversationEvent, ConversationId, EventBody, HandoverState, OperatorId, Timestamp,
};
use std::sync::Arc;

/// An alert about the operator themselves (their status), not a chat.
pub(super) fn about_you(kind: AlertKind, by: Option<baton_protocol::OperatorProfile>) -> Alert {
    Alert {
        kind,
        conversation: None,
        bot: None,
        visitor: None,
        by,
        text: None,
    }
}

impl Live {
    /// An alert about `conversation` with its row's label and preview.
    fn conversation_alert(&self, kind: AlertKind, conversation: &ConversationId) -> Option<Alert> {
        let conv = self.conversations.get(conversation)?;
        Some(Alert {
            kind,
            conversation: Some(conversation.clone()),
            bot: Some(conv.bot.clone()),
            visitor: Some(conv.label(conversation)),
            by: None,
            text: conv.last_visitor_message.clone(),
        })
    }

    /// Sends `alert` to every connected operator who serves `bot` and wants
    /// this kind.
    pub(super) fn alert_team(&mut self, bot: &BotId, alert: &Alert) {
        let frame = ServerToOperator::Alert(alert.clone());
        let wanted: Vec<bool> = self
            .operators
            .iter()
            .map(|(_, op, _)| self.serves(op, bot) && self.prefs_of(op).wants(alert.kind))
            .collect();
        let mut i = 0;
        let mut frame = Shared::new(&frame);
        self.operators.retain(|(_, _, outbox)| {
            let keep = !wanted[i] || frame.send(outbox);
            i += 1;
            keep
        });
    }

    /// Sends `alert` to every inbox of one operator.
    pub(super) fn alert_operator(&mut self, operator: &OperatorId, alert: &Alert) {
        if !self.prefs_of(operator).wants(alert.kind) {
            return;
        }
        let frame = ServerToOperator::Alert(alert.clone());
        let mut frame = Shared::new(&frame);
        self.operators
            .retain(|(_, op, outbox)| op != operator || frame.send(outbox));
    }

    /// Alerts for events just stored in `conversation`.
    pub(super) fn alerts_for(&mut self, conversation: &ConversationId, events: &[ConversationEvent]) {
        let Some(bot) = self.conversations.get(conversation).map(|c| c.bot.clone()) else {
            return;
        };
        for event in events {
            let personal = |kind, to: &OperatorId, by| (kind, Some(to.clone()), by);
            let (kind, to, by) = match &event.body {
                EventBody::HelpRequested { .. } => (AlertKind::HelpRequested, None, None),
                EventBody::OwnerGone { .. } => (AlertKind::OwnerGone, None, None),
                EventBody::Message {
                    author: Author::Visitor,
                    ..
                } if self.conversations[conversation].visitor_messages.len() == 1 => (AlertKind::NewChat, None, None),
                EventBody::Transferred { from, to } => {
                    personal(AlertKind::TransferredToYou, &to.id, Some(from.clone()))
                }
                EventBody::OperatorTookOver { operator, previous } => {
                    personal(AlertKind::TakenOver, &previous.id, Some(operator.clone()))
                }
                EventBody::VisitorEndedHuman { operator } => personal(AlertKind::VisitorEnded, &operator.id, None),
                _ => continue,
            };
            let Some(mut alert) = self.conversation_alert(kind, conversation) else {
                continue;
            };
            alert.by = by;
            match to {
                Some(to) => self.alert_operator(&to, &alert),
                None => self.alert_team(&bot, &alert),
            }
        }
    }
}

impl Hub {
    /// Arms the half-window in-app re-alert for each request just stored
    /// or heard of; the escalation's stored timer is fired here on time.
    pub(super) fn arm_unclaimed_alerts(self: &Arc<Self>, conversation: &ConversationId, events: &[ConversationEvent]) {
        for event in events {
            let (EventBody::HelpRequested { deadline, .. } | EventBody::OwnerGone { deadline, .. }) = &event.body
            else {
                continue;
            };
            let deadline = *deadline;
            let half = baton_protocol::queue::unclaimed_alert_at(event.at, deadline);
            self.schedule_escalation(conversation, half);
            let hub = Arc::downgrade(self);
            let conversation = conversation.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(half.0.saturating_sub(now().0))).await;
                if let Some(hub) = hub.upgrade() {
                    hub.unclaimed(&conversation, deadline);
                }
            });
        }
    }

    /// Half the window has passed: if the same request still waits, alert
    /// this process's operators again.
    fn unclaimed(&self, conversation: &ConversationId, deadline: Timestamp) {
        let mut live = self.lock();
        let Some(conv) = live.conversations.get(conversation) else {
            return;
        };
        if conv.core.handover().state() != (&HandoverState::Waiting { deadline }) {
            return;
        }
        let bot = conv.bot.clone();
        if let Some(alert) = live.conversation_alert(AlertKind::Unclaimed, conversation) {
            live.alert_team(&bot, &alert);
        }
    }

    /// The escalation timer claimed by this process fired: if the request
    /// still waits, send it to the outside channels. A request answered
    /// meanwhile sends nothing; a newer one re-armed the timer for its own
    /// half window (one timer per conversation).
    pub(super) fn escalate_unclaimed(&self, conversation: &ConversationId) {
        let bot = {
            let live = self.lock();
            let Some(conv) = live.conversations.get(conversation) else {
                return;
            };
            if !matches!(conv.core.handover().state(), HandoverState::Waiting { .. }) {
                return;
            }
            conv.bot.clone()
        };
        self.escalate(conversation, &bot, AlertKind::Unclaimed);
    }
}
