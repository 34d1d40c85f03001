//! The visitor side of the hub and the conversation's life: `hello` and
//! resume, every input through the conversation's core (`input_then`, `publish_outcome`),
//! the bot's turns, the response-window and presence timers, history pages.

use super::*;

impl Hub {
    /// Answers a visitor's `hello`: resumes the conversation its token proves,
    /// or starts a new one. The welcome (with the replay) is queued and the
    /// peer registered under the same lock, so no event is missed or doubled.
    /// `proxy_country` comes from the trusted proxy header, if configured.
    pub fn visitor_hello(
        &self,
        bot_id: &BotId,
        hello: VisitorHello,
        proxy_country: Option<String>,
        outbox: &Outbox,
    ) -> Result<(ConversationId, PeerId), ErrorBody> {
        let country = proxy_country.map(|code| Country { code, hint: false }).or_else(|| {
            hello
                .locale
                .as_deref()
                .and_then(country_from_locale)
                .map(|code| Country { code, hint: true })
        });
        if !SUPPORTED_VERSIONS.contains(&hello.protocol) {
            return Err(unsupported_version());
        }
        if &hello.bot != bot_id {
            return Err(ErrorBody::new(
                ErrorCode::Forbidden,
                "hello names a different bot than the socket URL",
            ));
        }
        // A conversation another process created since this one started:
        // read from the store first, outside the lock (only for an id its
        // token proves, so a stranger cannot make this process read).
        if let Some(resume) = &hello.resume {
            let held = self.lock().conversations.contains_key(&resume.conversation);
            if !held && resume.conversation.as_str() == auth::conversation_id_for(&resume.token.0) {
                self.load(&resume.conversation)?;
            }
        }
        let mut live = self.lock();
        let settings = live
            .bots
            .get(bot_id)
            .cloned()
            .ok_or_else(|| ErrorBody::new(ErrorCode::NotFound, "unknown bot"))?;
        // Nothing is stored here: a conversation gets its row with the
        // visitor's first input (`RowState`). Its id is derived from its
        // token, so the token alone proves a never-used id, even after a
        // restart; until the first input it lives in memory only while a
        // visitor socket holds it.
        let (conversation, token, after) = match hello.resume {
            Some(resume) => {
                let hash = auth::secret_hash(&resume.token.0);
                let known = match live.conversations.get(&resume.conversation) {
                    Some(c) => &c.bot == bot_id && auth::same_hash(&c.token_hash, &hash),
                    None => resume.conversation.as_str() == auth::conversation_id_for(&resume.token.0),
                };
                if !known {
                    // Same answer for "no such conversation" and "wrong token":
                    // a visitor learns nothing about conversations not theirs.
                    return Err(ErrorBody::new(
                        ErrorCode::Unauthorized,
                        "this conversation cannot be resumed",
                    ));
                }
                live.conversations
                    .entry(resume.conversation.clone())
                    .or_insert_with(|| Box::new(Conversation::new(bot_id.clone(), hash, now())));
                (resume.conversation, None, resume.last_seq)
            }
            None => {
                let token = auth::new_secret();
                let id = ConversationId(auth::conversation_id_for(&token));
                live.conversations.insert(
                    id.clone(),
                    Box::new(Conversation::new(bot_id.clone(), auth::secret_hash(&token), now())),
                );
                (id, Some(VisitorToken(token)), Seq(0))
            }
        };
        // Up to what has been published: later events are committed (or on
        // their way) and reach this visitor live, once, from the writer.
        let (published, stored) = live
            .conversations
            .get(&conversation)
            .map_or((Seq(0), false), |c| (c.published, c.listed()));
        let mut replay = if stored {
            self.store.events_after(&conversation, after, MAX_REPLAY + 1)?
        } else {
            Vec::new()
        };
        let replay_limited = replay.len() > MAX_REPLAY;
        replay.retain(|e| e.seq <= published);
        if replay.len() > MAX_REPLAY {
            replay.remove(0);
        }
        let availability = live.availability(&settings);
        let conv = live.conversations.get_mut(&conversation).ok_or_else(not_found)?;
        // A known country beats a hint; a fresh reading beats an old one.
        let better = country
            .as_ref()
            .is_some_and(|c| !c.hint || conv.country.as_ref().is_none_or(|old| old.hint));
        if better && conv.country != country {
            conv.country = country.clone();
            // Not stored yet: the row takes it when it is created.
            if let Some(country) = country.as_ref().filter(|_| conv.row == RowState::Stored) {
                self.store.set_country(&conversation, country)?;
            }
        }
        conv.locale = hello.locale.clone().filter(|l| l.len() <= 35);
        if let Some(page) = hello.page.as_deref() {
            conv.page = Some(page.chars().take(500).collect());
        }
        let presence_before = conv.presence.presence(now());
        conv.presence.connected();
        let snapshot = VisitorSnapshot {
            state: conv.core.handover().state().clone(),
            last_seq: conv.published,
            availability,
            team_marks: conv.core.team_marks,
            visitor_marks: conv.core.visitor_marks,
        };
        send(
            outbox,
            &ServerToVisitor::Welcome(VisitorWelcome {
                protocol: PROTOCOL_VERSION,
                features: common_features(&hello.features),
                conversation: conversation.clone(),
                token,
                replay,
                replay_limited,
                snapshot,
            })
            .for_visitor(),
        );
        let peer = live.next_peer();
        live.features.insert(peer, Features::of(&hello.features));
        live.visitors
            .entry(conversation.clone())
            .or_default()
            .push((peer, outbox.clone()));
        if presence_before != VisitorPresence::Online || after == Seq(0) {
            live.publish_row(&conversation);
        }
        // A waiting visitor learns their place at once (feature `queue`).
        if matches!(
            live.conversations.get(&conversation).map(|c| c.core.handover().state()),
            Some(HandoverState::Waiting { .. })
        ) {
            live.update_line(&conversation, true);
        }
        live.announce_presence(&conversation);
        self.hint_presence(&live, &conversation);
        Ok((conversation, peer))
    }

    pub fn visitor_gone(self: &Arc<Self>, conversation: &ConversationId, peer: PeerId) {
        let mut live = self.lock();
        live.features.remove(&peer);
        if let Some(peers) = live.visitors.get_mut(conversation) {
            peers.retain(|(p, _)| *p != peer);
            if peers.is_empty() {
                live.visitors.remove(conversation);
            }
        }
        // A visitor who left is not typing, whatever their last frame said.
        live.broadcast_operators_of(
            conversation,
            &ServerToOperator::Typing {
                conversation: conversation.clone(),
                typing: false,
            },
        );
        let at = now();
        let held = live.visitors.contains_key(conversation);
        let Some(conv) = live.conversations.get_mut(conversation) else {
            return;
        };
        if conv.row == RowState::Pending && !held {
            // Never used and nobody holds it: forget it (its token can
            // still resume it, as new). Nothing of its epoch is queued (its
            // first events would have made it `Queued`), so there is no
            // epoch to retire.
            live.conversations.remove(conversation);
            return;
        }
        conv.presence.disconnected(at);
        let next = conv.presence.next_change(at);
        self.hint_presence(&live, conversation);
        drop(live);
        if let Some(next) = next {
            self.arm_presence_timer(conversation.clone(), next);
        }
    }

    /// Runs one input through the conversation's core, for a caller that
    /// is owed no answer (a timer, the bot, a rule of the team).
    pub fn input(self: &Arc<Self>, conversation: &ConversationId, input: Input) {
        // Its kind, not the whole input: this runs for every bot reply,
        // and formatting its text cost a measurable share of each message.
        let kind = input.kind();
        self.input_then(
            conversation,
            input,
            Box::new(move |reply| {
                if let Some(Err(err)) = reply {
                    tracing::warn!(?err, input = kind, "an input of the server's own was refused");
                }
            }),
        );
    }

    /// Runs one input through the conversation's core and performs the
    /// outcome; `answer` gets what the sender is owed. Events are stored by
    /// the store writer (`writer`), which publishes them and answers after
    /// the commit; an outcome with nothing to store is performed at once.
    pub fn input_then(self: &Arc<Self>, conversation: &ConversationId, input: Input, answer: Answer) {
        self.run_input(conversation, input, answer, 1);
    }

    /// [`Hub::input_then`] for the `tries`-th time (the writer runs an
    /// input again when its outcome was decided on a stale core, `sync`).
    pub(super) fn run_input(self: &Arc<Self>, conversation: &ConversationId, input: Input, answer: Answer, tries: u8) {
        let mut live = self.lock();
        let bot = match live.conversations.get(conversation) {
            Some(c) => c.bot.clone(),
            None => return answer(Some(Err(not_found()))),
        };
        let facts = match self.facts(&live, &bot) {
            Ok(facts) => facts,
            Err(err) => return answer(Some(Err(err))),
        };
        let conv = live.conversations.get_mut(conversation).expect("checked above");
        let again = input.clone();
        let outcome = conv.core.handle(input, facts);
        // An ack of a seq not yet published (a retry that raced its own
        // commit) waits behind that commit in the writer's queue.
        let acks_unpublished = matches!(outcome.reply, Some(Reply::Ack { seq, .. }) if seq > conv.published);
        // The first events carry the conversation's row (`RowState`).
        let create = (conv.row == RowState::Pending && !outcome.events.is_empty()).then(|| {
            conv.row = RowState::Queued;
            conv.new_row(conversation)
        });
        // Moved receipt marks are saved before they are published (those of
        // a conversation not stored yet have no row to go with).
        let marks = (conv.row != RowState::Pending
            && (outcome.visitor_marks.is_some() || outcome.team_marks.is_some()))
        .then_some((conv.core.visitor_marks, conv.core.team_marks));
        if !outcome.events.is_empty() || acks_unpublished || marks.is_some() {
            let epoch = conv.epoch;
            self.writer.queue(Job {
                conversation: conversation.clone(),
                outcome,
                epoch,
                create,
                marks,
                answer,
                input: Some(again),
                tries,
                here: true,
            });
            return;
        }
        self.publish_outcome(&mut live, conversation, &outcome, true);
        drop(live);
        self.after_stored(conversation, &outcome, true);
        answer(outcome.reply.map(|reply| match reply {
            Reply::Ack { seq, .. } => Ok(seq),
            Reply::Error(err) => Err(err),
        }));
    }

    /// What follows a stored outcome outside the lock: timers, alerts, the
    /// owner check and the bot's turn.
    pub(super) fn after_stored(self: &Arc<Self>, conversation: &ConversationId, outcome: &Outcome, here: bool) {
        if let Some(deadline) = outcome.deadline {
            // Stored with the request by the writer (a deadline comes only
            // with events): here it is only fired on time.
            self.schedule_window(conversation, deadline);
        }
        if !outcome.events.is_empty() {
            self.arm_unclaimed_alerts(conversation, &outcome.events);
            // A visitor message may start a wait on an owner whose inbox is
            // closed. Judged where the events were appended: this process
            // knows its own inboxes.
            if here {
                self.check_owner(conversation);
            }
        }
        if outcome.ask_bot {
            if let Some(text) = outcome.events.iter().find_map(|e| e.body.message_text()) {
                self.spawn_bot_turn(conversation.clone(), text);
            }
        }
    }

    /// Publishes a stored outcome (under the lock, in `seq` order): its
    /// events to visitors and operators, the rows, alerts and marks. Events
    /// from another process (`here` false) reach this process's sockets
    /// only: observers and the message counts heard of them there.
    pub(super) fn publish_outcome(
        &self,
        live: &mut Live,
        conversation: &ConversationId,
        outcome: &Outcome,
        here: bool,
    ) {
        for event in outcome.events.iter().filter(|_| here) {
            if let EventBody::Message { author, .. } = &event.body {
                let kind = match author {
                    Author::Visitor => "visitor",
                    Author::Bot => "bot",
                    Author::Operator { .. } => "operator",
                    Author::Unknown => "unknown",
                };
                self.metrics
                    .messages
                    .get_or_create(&crate::metrics::KindLabel { kind })
                    .inc();
            }
        }
        let Some(conv) = live.conversations.get_mut(conversation) else {
            return;
        };
        let mut joins = Vec::new();
        for event in &outcome.events {
            if let Some(requested) = conv.note(event) {
                joins.push((requested, event.at));
            }
            conv.published = conv.published.max(event.seq);
        }
        let bot = conv.bot.clone();
        for (requested, joined) in joins {
            live.line.joined(&bot, requested, joined);
        }
        for event in &outcome.events {
            let (conversation, bot, event) = (conversation.clone(), bot.clone(), event.clone());
            self.publish(if here {
                HubEvent::Stored {
                    conversation,
                    bot,
                    event,
                }
            } else {
                HubEvent::StoredElsewhere {
                    conversation,
                    bot,
                    event,
                }
            });
        }
        for event in &outcome.events {
            live.broadcast_visitors(conversation, &ServerToVisitor::Event(event.clone()));
            live.broadcast_event(conversation, event);
        }
        if outcome
            .events
            .iter()
            .any(|e| matches!(e.body, EventBody::Resolved { .. }))
        {
            live.remove_resolved(conversation);
        } else if !outcome.events.is_empty() {
            live.publish_row(conversation);
        }
        if !outcome.events.is_empty() {
            live.update_line(conversation, false);
            live.alerts_for(conversation, &outcome.events);
            if here {
                // Once, by the process that stored it (as observers are).
                self.escalate_owner_gone(conversation, &bot, &outcome.events);
            }
        }
        if outcome.visitor_marks.is_some() || outcome.team_marks.is_some() {
            let conv = &live.conversations[conversation];
            let (visitor, team) = (conv.core.visitor_marks, conv.core.team_marks);
            if outcome.visitor_marks.is_some() {
                self.publish(HubEvent::VisitorMarks {
                    conversation: conversation.clone(),
                    marks: visitor,
                });
            }
            if outcome.team_marks.is_some() {
                live.broadcast_visitors(conversation, &ServerToVisitor::Receipts { team });
            }
            live.broadcast_operators_of(
                conversation,
                &ServerToOperator::Receipts {
                    conversation: conversation.clone(),
                    visitor,
                    team,
                },
            );
        }
    }

    /// Asks the bot to answer `text`, the visitor's latest message; its
    /// reply goes through the core like any input.
    pub(super) fn spawn_bot_turn(self: &Arc<Self>, conversation: ConversationId, text: &str) {
        let (bot, human_available, handover_enabled) = {
            let live = self.lock();
            let Some(conv) = live.conversations.get(&conversation) else {
                return;
            };
            let handover_enabled = live.bots.get(&conv.bot).is_some_and(|b| b.handover_enabled);
            (conv.bot.clone(), live.team.human_available(&conv.bot), handover_enabled)
        };
        let Some(engine) = self.engines.get(&bot).cloned() else {
            return;
        };
        let wanted = engine.history_wanted();
        let history = if wanted > 0 {
            self.store.recent(&conversation, wanted).unwrap_or_else(|err| {
                tracing::error!(%err, "could not read the history for the bot");
                Vec::new()
            })
        } else {
            Vec::new()
        };
        let turn = BotTurn {
            bot,
            conversation: conversation.clone(),
            text: text.to_owned(),
            history,
            human_available,
            handover_enabled,
        };
        let hub = Arc::clone(self);
        tokio::spawn(async move {
            let reply = engine.reply(turn).await;
            // The core drops the reply if a person took the chat meanwhile.
            hub.input(
                &conversation,
                Input::BotReply {
                    text: reply.text,
                    offer_human: reply.offer_human,
                    handover: reply.handover,
                },
            );
        });
    }

    pub(super) fn arm_presence_timer(self: &Arc<Self>, conversation: ConversationId, at: Timestamp) {
        let hub = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(at.0.saturating_sub(now().0))).await;
            let Some(hub) = hub.upgrade() else { return };
            let next = {
                let mut live = hub.lock();
                live.publish_row(&conversation);
                live.announce_presence(&conversation);
                live.conversations
                    .get(&conversation)
                    .and_then(|c| c.presence.next_change(now()))
            };
            if let Some(next) = next {
                hub.arm_presence_timer(conversation, next);
            }
        });
    }

    /// The visitor is typing: tell the operators.
    pub fn visitor_typing(&self, conversation: &ConversationId, typing: bool) {
        self.lock().broadcast_operators_of(
            conversation,
            &ServerToOperator::Typing {
                conversation: conversation.clone(),
                typing,
            },
        );
    }

    /// A page of older events.
    pub fn history_page(
        &self,
        conversation: &ConversationId,
        before: Seq,
        limit: u32,
    ) -> Result<HistoryPage, ErrorBody> {
        let limit = limit.clamp(1, MAX_HISTORY_PAGE);
        let mut events = self.store.events_before(conversation, before, limit + 1)?;
        let has_more = events.len() > limit as usize;
        if has_more {
            events.remove(0);
        }
        Ok(HistoryPage { events, has_more })
    }
}

impl Live {
    /// A resolved chat leaves every live list (PROTOCOL.md §3.5): each
    /// operator serving its bot gets its final row (state `resolved`, for a
    /// Resolved view) and then `conversation_removed`, in that order and at
    /// once — not through the coalesced row queue, which could reorder them.
    fn remove_resolved(&mut self, conversation: &ConversationId) {
        let Some(bot) = self.conversations.get(conversation).map(|c| c.bot.clone()) else {
            return;
        };
        let removed = encode(&ServerToOperator::ConversationRemoved {
            conversation: conversation.clone(),
        });
        let targets: Vec<(PeerId, OperatorId, Outbox)> = self
            .operators
            .iter()
            .filter(|(_, op, _)| self.serves(op, &bot))
            .cloned()
            .collect();
        for (peer, op, outbox) in targets {
            if let Some(rows) = self.rows.get(&peer) {
                rows.forget(conversation);
            }
            send(
                &outbox,
                &ServerToOperator::Conversation(self.summary(conversation, &op)),
            );
            send_text(&outbox, &removed);
        }
    }

    /// Tells operators the visitor's presence if it changed since they were
    /// last told (`presence`, feature `presence`); the row carries it too.
    pub(super) fn announce_presence(&mut self, conversation: &ConversationId) {
        let Some(conv) = self.conversations.get_mut(conversation) else {
            return;
        };
        let presence = conv.presence.presence(now());
        if !conv.listed() || presence == conv.announced || conv.core.handover().state() == &HandoverState::Resolved {
            return;
        }
        conv.announced = presence;
        self.broadcast_operators_of(
            conversation,
            &ServerToOperator::Presence {
                conversation: conversation.clone(),
                presence,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    /// What one unused `hello` costs while its socket is open (after it
    /// closes: nothing). `cargo test -p baton-server --lib pending -- --nocapture`.
    #[test]
    fn a_pending_conversation_is_small() {
        let inline = std::mem::size_of::<super::Conversation>();
        println!("a pending conversation: {inline} bytes inline (+ 32 B token hash, 32 B id)");
        assert!(inline < 4096, "{inline}");
    }
}
