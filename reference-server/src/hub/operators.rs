//! The operator side of the hub: the welcome, who is connected, status
//! changes (auto-away is `hub/away.rs`), profiles as visitors see them, opening a
//! conversation and the operator's read marks and typing.

use super::*;

impl Hub {
    /// Answers an operator's `hello` with the welcome, and registers the peer.
    pub fn operator_hello(
        &self,
        operator: &OperatorId,
        protocol: u32,
        features: &[String],
        outbox: &Outbox,
        rows: Arc<crate::rows::RowQueue>,
    ) -> Result<PeerId, ErrorBody> {
        if !SUPPORTED_VERSIONS.contains(&protocol) {
            return Err(unsupported_version());
        }
        let mut live = self.lock();
        if live.team.member(operator).is_none() {
            // Added by the command line while the server runs.
            if let Some(row) = self.store.operator(operator)? {
                live.load_member(&row);
            }
        }
        let member = live
            .team
            .member(operator)
            .cloned()
            .ok_or_else(|| ErrorBody::new(ErrorCode::Unauthorized, "unknown operator"))?;
        let me = live
            .profiles
            .get(operator)
            .cloned()
            .ok_or_else(|| ErrorBody::new(ErrorCode::Unauthorized, "unknown operator"))?;
        // Only the conversations of the bots this operator serves; resolved
        // chats have left the live list (PROTOCOL.md `conversation`).
        let mut conversations: Vec<_> = live
            .conversations
            .iter()
            .filter(|(_, c)| {
                c.listed() && member.bots.contains(&c.bot) && c.core.handover().state() != &HandoverState::Resolved
            })
            .map(|(id, _)| live.summary(id, operator))
            .collect();
        conversations.sort_by_key(|c| std::cmp::Reverse(c.last_activity));
        let welcome = OperatorWelcome {
            protocol: PROTOCOL_VERSION,
            features: common_features(features),
            me,
            role: member.role,
            status: member.status,
            bots: live
                .bots
                .values()
                .filter(|bot| member.bots.contains(&bot.id))
                .map(|bot| BotInfo {
                    id: bot.id.clone(),
                    name: bot.name.clone(),
                })
                .collect(),
            conversations,
            roster: live.roster(),
            shortcuts: self.shortcuts(operator)?,
            alert_prefs: live.alert_prefs.get(operator).copied().unwrap_or_default(),
        };
        send(outbox, &ServerToOperator::Welcome(welcome));
        let peer = live.next_peer();
        let first = !live.operators.iter().any(|(_, op, _)| op == operator);
        live.operators.push((peer, operator.clone(), outbox.clone()));
        live.inboxes_changed(operator);
        live.features.insert(peer, Features::of(features));
        live.rows.insert(peer, rows);
        if first {
            // Teammates see them connected.
            let roster = ServerToOperator::Roster(live.roster());
            live.broadcast_operators(&roster);
        }
        Ok(peer)
    }

    pub fn operator_gone(self: &Arc<Self>, peer: PeerId) {
        // Closing the inbox does not change the operator's status: it is
        // theirs to set, and visitors keep seeing them as they left it. But
        // a visitor waiting on them is not left writing to nobody: the
        // owner-gone rule starts counting.
        let gone = {
            let mut live = self.lock();
            // Also when the hub already let go of the peer (a full outbox).
            live.opened.remove(&peer);
            live.rows.remove(&peer);
            live.features.remove(&peer);
            let Some(operator) = live
                .operators
                .iter()
                .find(|(p, _, _)| *p == peer)
                .map(|(_, op, _)| op.clone())
            else {
                return;
            };
            live.operators.retain(|(p, _, _)| *p != peer);
            live.inboxes_changed(&operator);
            if live.operators.iter().any(|(_, op, _)| op == &operator) {
                return;
            }
            live.inbox_closed_since.insert(operator.clone(), now());
            let roster = ServerToOperator::Roster(live.roster());
            live.broadcast_operators(&roster);
            operator
        };
        self.check_owner_of_all(&gone);
    }

    pub fn change_status(self: &Arc<Self>, change: StatusChange) -> Result<(), ErrorBody> {
        let by_admin = match &change {
            StatusChange::ByAdmin { admin, target, .. } if admin != target => Some(admin.clone()),
            _ => None,
        };
        let mut live = self.lock();
        let before = self.availability_by_bot(&live);
        let changed = live
            .team
            .change(change, now())
            .map_err(|r| ErrorBody::new(r.code, r.reason))?;
        let status = live.team.member(&changed).map(|m| m.status).unwrap_or_default();
        self.store.set_operator_status(&changed, status)?;
        self.keep_away_timer(&mut live, &changed);
        self.after_status_change(&mut live, before);
        self.hint_team(&live, &changed);
        if let Some(admin) = by_admin {
            let by = live.profiles.get(&admin).cloned();
            live.alert_operator(&changed, &alerts::about_you(AlertKind::SetOffline, by));
        }
        drop(live);
        if status == baton_protocol::operator::OperatorStatus::Offline {
            self.check_owner_of_all(&changed);
        }
        Ok(())
    }

    pub(super) fn availability_by_bot(&self, live: &Live) -> Vec<bool> {
        live.bots.keys().map(|b| live.team.human_available(b)).collect()
    }

    /// Tells operators the new roster, and visitors of any bot whose
    /// "Talk to a human" availability flipped.
    pub(super) fn after_status_change(&self, live: &mut Live, before: Vec<bool>) {
        live.team_changed_here();
        let roster = ServerToOperator::Roster(live.roster());
        live.broadcast_operators(&roster);
        let bots: Vec<BotSettings> = live.bots.values().cloned().collect();
        for (settings, was) in bots.iter().zip(before) {
            if live.team.human_available(&settings.id) != was {
                let frame = ServerToVisitor::Availability(live.availability(settings));
                let ids: Vec<_> = live
                    .visitors
                    .keys()
                    .filter(|id| live.conversations[*id].bot == settings.id)
                    .cloned()
                    .collect();
                for id in ids {
                    live.broadcast_visitors(&id, &frame);
                }
            }
        }
    }

    /// Stores the team's settings and applies them at once.
    pub fn update_team_settings(self: &Arc<Self>, settings: crate::store::TeamSettings) -> Result<(), StoreError> {
        self.store.save_team_settings(&settings)?;
        self.set_auto_away(settings.auto_away());
        let mut live = self.lock();
        live.team_changed_here();
        self.hint_settings(&live, None);
        Ok(())
    }

    /// The profile a visitor sees for `operator` in `conversation`: theirs,
    /// with the bot's default avatar and colour where they set none.
    pub fn profile_for(&self, operator: &OperatorId, conversation: &ConversationId) -> Option<OperatorProfile> {
        let live = self.lock();
        let mut profile = live.profiles.get(operator)?.clone();
        if let Some(settings) = live.conversations.get(conversation).and_then(|c| live.bots.get(&c.bot)) {
            profile.avatar_url = profile.avatar_url.or_else(|| settings.operator_avatar_url.clone());
            profile.colour = profile.colour.or_else(|| settings.operator_colour.clone());
        }
        Some(profile)
    }

    /// The bot a conversation belongs to.
    pub fn bot_of(&self, conversation: &ConversationId) -> Option<BotId> {
        self.lock().conversations.get(conversation).map(|c| c.bot.clone())
    }

    pub fn can_receive_transfer(&self, to: &OperatorId, conversation: &ConversationId) -> bool {
        let live = self.lock();
        live.conversations
            .get(conversation)
            .is_some_and(|c| live.team.can_receive_transfer(to, &c.bot))
    }

    /// Queues the newest page of a conversation to one operator, marks it
    /// read for them, and refreshes their row. Read and queued under the
    /// lock, so no live event can overtake it.
    pub fn open(&self, operator: &OperatorId, conversation: &ConversationId, outbox: &Outbox) -> Result<(), ErrorBody> {
        let mut live = self.lock();
        if !live.conversations.get(conversation).is_some_and(|c| c.listed()) {
            return Err(not_found());
        }
        // From now on this connection gets the conversation's events (and
        // no longer those of the one it had open before).
        let peer = live
            .operators
            .iter()
            .find(|(_, _, o)| o.same_channel(outbox))
            .map(|(p, _, _)| *p);
        if let Some(peer) = peer {
            live.opened.insert(peer, conversation.clone());
        }
        let conv = live.conversations.get_mut(conversation).ok_or_else(not_found)?;
        let last = conv.core.last_seq();
        conv.read_by.insert(operator.clone(), last);
        let mut events = self
            .store
            .events_after(conversation, Seq(0), MAX_HISTORY_PAGE as usize + 1)?;
        let has_more = events.len() > MAX_HISTORY_PAGE as usize;
        if has_more {
            events.remove(0);
        }
        let page = HistoryPage { events, has_more };
        let notes = self.store.notes(conversation)?;
        let (visitor, team) = (conv.core.visitor_marks, conv.core.team_marks);
        send(
            outbox,
            &ServerToOperator::History {
                conversation: conversation.clone(),
                page,
                notes,
            },
        );
        // The marks as they stand, so the view shows delivered/read at once
        // (feature `receipts`).
        if peer.is_some_and(|p| wants(&live.features, p, Some("receipts"))) {
            send(
                outbox,
                &ServerToOperator::Receipts {
                    conversation: conversation.clone(),
                    visitor,
                    team,
                },
            );
        }
        // The fresh row goes now, in order after the history; an older
        // copy still waiting in the row queue must not follow it.
        if let Some(rows) = peer.and_then(|p| live.rows.get(&p)) {
            rows.forget(conversation);
        }
        send(
            outbox,
            &ServerToOperator::Conversation(live.summary(conversation, operator)),
        );
        live.team.touch(operator, now());
        Ok(())
    }

    /// Resolved conversations of the bots `operator` serves whose visitor
    /// name or email contains `query` (any, when empty), newest first (ties
    /// by id), one page of `limit`: those after `after` (the last row of the
    /// previous page, as last activity and id). The second value is the
    /// cursor of the next page, if there is one.
    pub fn resolved(
        &self,
        operator: &OperatorId,
        query: &str,
        after: Option<(Timestamp, &ConversationId)>,
        limit: usize,
    ) -> (Vec<ConversationSummary>, Option<(Timestamp, ConversationId)>) {
        let live = self.lock();
        let query = query.to_lowercase();
        let matches = |c: &Conversation, id: &ConversationId| {
            query.is_empty()
                || c.label(id).to_lowercase().contains(&query)
                || c.visitor_email
                    .as_deref()
                    .is_some_and(|e| e.to_lowercase().contains(&query))
        };
        // Newest first: the larger (last activity, id) comes first.
        let before_cursor =
            |c: &Conversation, id: &ConversationId| after.is_none_or(|(at, last)| (c.last_activity, id) < (at, last));
        let mut keys: Vec<(Timestamp, &ConversationId)> = live
            .conversations
            .iter()
            .filter(|(id, c)| {
                c.listed()
                    && c.core.handover().state() == &HandoverState::Resolved
                    && live.serves(operator, &c.bot)
                    && before_cursor(c, id)
                    && matches(c, id)
            })
            .map(|(id, c)| (c.last_activity, id))
            .collect();
        keys.sort_unstable_by(|a, b| b.cmp(a));
        let next = (keys.len() > limit).then(|| (keys[limit - 1].0, keys[limit - 1].1.clone()));
        keys.truncate(limit);
        let rows = keys.into_iter().map(|(_, id)| live.summary(id, operator)).collect();
        (rows, next)
    }

    /// An operator read up to `seq`: their unread count drops.
    pub fn operator_read(&self, operator: &OperatorId, conversation: &ConversationId, seq: Seq) {
        let mut live = self.lock();
        if let Some(conv) = live.conversations.get_mut(conversation) {
            let mark = conv.read_by.entry(operator.clone()).or_default();
            *mark = (*mark).max(seq.min(conv.core.last_seq()));
        }
    }

    /// The owner is typing: tell the visitor (nobody else may speak to them).
    pub fn operator_typing(&self, operator: &OperatorId, conversation: &ConversationId, typing: bool) {
        let mut live = self.lock();
        let Some(conv) = live.conversations.get(conversation) else {
            return;
        };
        if let HandoverState::Human { operator: owner } = conv.core.handover().state() {
            if &owner.id == operator {
                let frame = ServerToVisitor::Typing {
                    author: Author::Operator {
                        operator: owner.clone(),
                    },
                    typing,
                };
                live.broadcast_visitors(conversation, &frame);
            }
        }
    }
}
