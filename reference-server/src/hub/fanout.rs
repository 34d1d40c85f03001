//! Fan-out: who gets which frame. Visitors get their own conversation's
//! frames; operators get full events only for conversations they have open
//! or own (`baton_protocol::fanout`), coalesced list rows for the rest, and
//! every frame is serialised once however many sockets get it.

use super::*;
use crate::outbox::{Shared, encode, send_text};

impl Live {
    pub(super) fn next_peer(&mut self) -> PeerId {
        self.next_peer += 1;
        self.next_peer
    }

    pub(super) fn availability(&self, bot: &BotSettings) -> Availability {
        Availability {
            human_available: bot.handover_enabled && self.team.human_available(&bot.id),
            button_label: bot.button_label.clone(),
            offline_message: bot.offline_message.clone(),
            show_button: bot.show_button,
            after_lapse: bot.after_lapse,
            rating: bot.rating,
        }
    }

    /// Applies a bot's stored editable settings and sends its connected
    /// visitors a fresh `availability` frame. Returns the settings as they
    /// now stand (`None`: no such bot here).
    pub(super) fn apply_bot_settings(&mut self, bot: &BotId, row: crate::store::BotSettingsRow) -> Option<BotSettings> {
        let updated = self.bots.get_mut(bot)?;
        updated.apply(row);
        let updated = updated.clone();
        let frame = ServerToVisitor::Availability(self.availability(&updated));
        let ids: Vec<_> = self
            .visitors
            .keys()
            .filter(|id| self.conversations.get(*id).is_some_and(|c| &c.bot == bot))
            .cloned()
            .collect();
        for id in ids {
            self.broadcast_visitors(&id, &frame);
        }
        Some(updated)
    }

    pub(super) fn roster(&self) -> Roster {
        let mut bots: Vec<BotId> = self.team.members.iter().flat_map(|m| m.bots.iter().cloned()).collect();
        bots.sort();
        bots.dedup();
        Roster {
            operators: self
                .team
                .members
                .iter()
                .filter_map(|m| {
                    Some(RosterEntry {
                        profile: self.profiles.get(&m.id)?.clone(),
                        status: m.status,
                        role: m.role,
                        bots: m.bots.clone(),
                        connected: self.connected(&m.id),
                    })
                })
                .collect(),
            bots: bots
                .into_iter()
                .map(|bot| {
                    let (available, total) = self.team.counts(&bot);
                    BotCount { bot, available, total }
                })
                .collect(),
        }
    }

    pub(super) fn summary(&self, id: &ConversationId, operator: &OperatorId) -> ConversationSummary {
        let conv = &self.conversations[id];
        let read = conv.read_by.get(operator).copied().unwrap_or_default();
        let followup = conv.core.followup();
        let waiting = matches!(conv.core.handover().state(), HandoverState::Waiting { .. });
        ConversationSummary {
            id: id.clone(),
            bot: conv.bot.clone(),
            visitor: conv.label(id),
            state: conv.core.handover().state().clone(),
            last_message: conv.last_message.clone(),
            last_activity: conv.last_activity,
            help_requested_at: conv.help_requested_at,
            unread: conv.visitor_messages.iter().filter(|s| **s > read).count() as u32,
            presence: conv.presence.presence(now()),
            country: conv.country.clone(),
            email: conv.visitor_email.clone(),
            locale: conv.locale.clone(),
            page: conv.page.clone(),
            reason: waiting.then(|| followup.reason.clone()).flatten(),
            priority: if waiting { followup.priority } else { Default::default() },
            left_message: followup.awaiting_email_reply,
            rating: followup.rating,
        }
    }

    /// Sends each operator its own version of a conversation's row (unread
    /// counts are per operator). Rows differ only by what each operator has
    /// read, so each distinct row is serialised once and shared. Rows go
    /// through each connection's row queue: coalesced to one per
    /// `ROW_INTERVAL`, and never the reason an operator is disconnected.
    pub(super) fn publish_row(&mut self, conversation: &ConversationId) {
        let Some(conv) = self.conversations.get(conversation).filter(|c| c.listed()) else {
            return;
        };
        if conv.core.handover().state() == &HandoverState::Resolved {
            // It left the live lists (`remove_resolved`); an `open` still
            // answers with its row.
            return;
        }
        let bot = &conv.bot;
        let mut rows: HashMap<Seq, Text> = HashMap::new();
        // `None`: this operator does not serve the bot and gets nothing.
        let texts: Vec<Option<Text>> = self
            .operators
            .iter()
            .map(|(_, op, _)| {
                self.serves(op, bot).then(|| {
                    let read = conv.read_by.get(op).copied().unwrap_or_default();
                    rows.entry(read)
                        .or_insert_with(|| encode(&ServerToOperator::Conversation(self.summary(conversation, op))))
                        .clone()
                })
            })
            .collect();
        let mut i = 0;
        let queues = &self.rows;
        self.operators.retain(|(peer, _, outbox)| {
            let ok = texts[i].as_ref().is_none_or(|text| match queues.get(peer) {
                // Coalesced: the writer sends the latest state when it may.
                Some(rows) => {
                    rows.push(conversation.clone(), text.clone());
                    !outbox.is_closed()
                }
                None => send_text(outbox, text),
            });
            i += 1;
            ok
        });
    }

    pub(super) fn broadcast_visitors(&mut self, conversation: &ConversationId, frame: &ServerToVisitor) {
        // Operators-only fields never reach a visitor.
        let frame = &frame.clone().for_visitor();
        let feature = frame.feature();
        let features = &self.features;
        if let Some(peers) = self.visitors.get_mut(conversation) {
            // A peer whose queue is full is dropped; its socket closes and
            // the widget resumes from its cursor, losing nothing.
            let mut frame = Shared::new(frame);
            peers.retain(|(peer, outbox)| !wants(features, *peer, feature) || frame.send(outbox));
        }
    }

    pub(super) fn broadcast_operators(&mut self, frame: &ServerToOperator) {
        let (feature, features) = (frame.feature(), &self.features);
        let mut frame = Shared::new(frame);
        self.operators
            .retain(|(peer, _, outbox)| !wants(features, *peer, feature) || frame.send(outbox));
    }

    /// A conversation's `event` frame, to the operator connections that get
    /// events for it (`baton_protocol::fanout::gets_events`: it is open there,
    /// or they own it); the others see the change in its row.
    pub(super) fn broadcast_event(&mut self, conversation: &ConversationId, event: &baton_protocol::ConversationEvent) {
        let Some(conv) = self.conversations.get(conversation) else {
            return;
        };
        let (team, opened, bot, state) = (&self.team, &self.opened, &conv.bot, conv.core.handover().state());
        let frame = ServerToOperator::Event {
            conversation: conversation.clone(),
            event: event.clone(),
        };
        let mut frame = Shared::new(&frame);
        self.operators.retain(|(peer, op, outbox)| {
            let wanted = team::serves(team, op, bot)
                && baton_protocol::fanout::gets_events(op, opened.get(peer), conversation, state, &event.body);
            !wanted || frame.send(outbox)
        });
    }

    pub(super) fn prefs_of(&self, operator: &OperatorId) -> baton_protocol::operator::AlertPrefs {
        self.alert_prefs.get(operator).copied().unwrap_or_default()
    }

    /// A frame about one conversation, to the operators who serve its bot.
    pub(super) fn broadcast_operators_of(&mut self, conversation: &ConversationId, frame: &ServerToOperator) {
        let Some(conv) = self.conversations.get(conversation).filter(|c| c.listed()) else {
            return;
        };
        let (team, bot) = (&self.team, &conv.bot);
        let (feature, features) = (frame.feature(), &self.features);
        let mut frame = Shared::new(frame);
        self.operators.retain(|(peer, op, outbox)| {
            !(team::serves(team, op, bot) && wants(features, *peer, feature)) || frame.send(outbox)
        });
    }
}
