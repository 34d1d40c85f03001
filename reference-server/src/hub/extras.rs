//! What the hub keeps beside the log: the visitor's name and email from
//! the host page, internal notes and saved replies.

use super::*;
use baton_protocol::operator::{Role, Shortcut, ShortcutDraft, ShortcutId, ShortcutScope};
use baton_protocol::shortcuts;
use std::collections::HashMap;

impl Hub {
    /// The host page named the visitor (name, email).
    pub fn identify(
        &self,
        conversation: &ConversationId,
        name: Option<String>,
        email: Option<String>,
    ) -> Result<(), ErrorBody> {
        let clean = |v: Option<String>, max: usize| {
            v.map(|s| s.trim().chars().take(max).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        let (name, email) = (clean(name, 80), clean(email, 254));
        if email.as_deref().is_some_and(|e| !e.contains('@')) {
            return Err(ErrorBody::new(
                ErrorCode::BadFrame,
                "that does not look like an email address",
            ));
        }
        {
            let mut live = self.lock();
            let Some(conv) = live.conversations.get_mut(conversation) else {
                return Err(not_found());
            };
            conv.visitor_name = name.clone().or(conv.visitor_name.take());
            conv.visitor_email = email.clone().or(conv.visitor_email.take());
            // Not stored yet: the row takes them when it is created (and the
            // writer catches a change made while the row was on its way).
            if conv.row == RowState::Stored {
                self.store.identify(conversation, name.as_deref(), email.as_deref())?;
            }
            live.publish_row(conversation);
        }
        self.publish(HubEvent::Identified {
            conversation: conversation.clone(),
            name,
            email,
        });
        Ok(())
    }

    /// Stores an internal note (once per client message id) and shows it to
    /// every operator. Never sent to the visitor.
    pub fn add_note(
        &self,
        operator: &OperatorId,
        conversation: &ConversationId,
        id: &baton_protocol::ClientMsgId,
        text: String,
    ) -> Result<(), ErrorBody> {
        // The same limits as a message's (PROTOCOL.md §2.6): empty is a
        // malformed request, too long is `too_large`.
        let text = text.trim();
        if text.is_empty() {
            return Err(ErrorBody::new(ErrorCode::BadFrame, "a note needs some text").for_msg(Some(id.clone())));
        }
        if text.chars().count() > baton_protocol::MAX_MESSAGE_CHARS {
            return Err(ErrorBody::new(
                ErrorCode::TooLarge,
                format!("notes are limited to {} characters", baton_protocol::MAX_MESSAGE_CHARS),
            )
            .for_msg(Some(id.clone())));
        }
        let mut live = self.lock();
        if !live.conversations.get(conversation).is_some_and(|c| c.listed()) {
            return Err(not_found());
        }
        let author = live
            .profiles
            .get(operator)
            .cloned()
            .ok_or_else(|| ErrorBody::new(ErrorCode::Unauthorized, "unknown operator"))?;
        let draft = baton_protocol::operator::Note {
            id: auth::new_id(),
            author,
            text: text.to_owned(),
            at: now(),
        };
        let note = self.store.add_note(conversation, id, &draft)?;
        if note.id == draft.id {
            live.broadcast_operators_of(
                conversation,
                &ServerToOperator::Note {
                    conversation: conversation.clone(),
                    note,
                },
            );
        }
        Ok(())
    }

    /// The operator's saved replies: their own, then the team's.
    pub fn shortcuts(&self, operator: &OperatorId) -> Result<Vec<Shortcut>, ErrorBody> {
        let mut all = self.store.shortcuts(operator)?;
        all.extend(self.store.team_shortcuts()?);
        Ok(all)
    }

    /// The operator's role now: asked on every frame that needs it, so a
    /// demotion counts at once.
    fn role_of(&self, operator: &OperatorId) -> Role {
        self.lock()
            .team
            .member(operator)
            .map(|m| m.role)
            .unwrap_or(Role::Unknown)
    }

    /// Creates or edits a saved reply. Team replies are for admins only
    /// (`baton_protocol::shortcuts::may_change`); an edit keeps the scope
    /// the reply has. Returns the scope changed, so the caller knows who
    /// needs the new list.
    ///
    /// Retries are idempotent without a table of request ids: a new reply's
    /// id is derived from the operator and the request's `client_msg_id`,
    /// so a retried create writes the same reply again and is `done`.
    pub fn save_shortcut(
        &self,
        operator: &OperatorId,
        client_msg_id: &baton_protocol::ClientMsgId,
        draft: ShortcutDraft,
    ) -> Result<ShortcutScope, ErrorBody> {
        let trigger =
            shortcuts::clean_trigger(&draft.trigger).map_err(|why| ErrorBody::new(ErrorCode::BadFrame, why))?;
        let text = draft.text.trim().to_owned();
        if text.is_empty() {
            return Err(ErrorBody::new(ErrorCode::BadFrame, "a shortcut needs some text"));
        }
        if text.chars().count() > baton_protocol::MAX_MESSAGE_CHARS {
            return Err(ErrorBody::new(
                ErrorCode::TooLarge,
                format!(
                    "a shortcut's text is limited to {} characters",
                    baton_protocol::MAX_MESSAGE_CHARS
                ),
            ));
        }
        let scope = match &draft.id {
            Some(id) if self.store.is_team_shortcut(id)? => ShortcutScope::Team,
            Some(_) => ShortcutScope::Mine,
            None => draft.scope,
        };
        self.check_may_change(operator, scope)?;
        let id = draft.id.unwrap_or_else(|| created_id(operator, client_msg_id));
        let shortcut = Shortcut {
            id,
            trigger,
            text,
            scope,
        };
        let taken = || {
            ErrorBody::new(
                ErrorCode::Conflict,
                match scope {
                    ShortcutScope::Team => "the team already has a shortcut with that trigger",
                    ShortcutScope::Mine => "you already have a shortcut with that trigger",
                },
            )
        };
        if shortcuts::trigger_taken(&self.shortcuts(operator)?, &shortcut) {
            return Err(taken());
        }
        let saved = match scope {
            ShortcutScope::Team => self.store.save_team_shortcut(operator, &shortcut),
            ShortcutScope::Mine => self.store.save_shortcut(operator, &shortcut),
        };
        match saved {
            Ok(true) => Ok(scope),
            Ok(false) => Err(ErrorBody::new(ErrorCode::NotFound, "no such shortcut")),
            Err(StoreError::Duplicate) => Err(taken()),
            Err(err) => Err(err.into()),
        }
    }

    /// Deletes a saved reply. Deleting is idempotent: an id that names no
    /// reply (any more) is `done` too, so a retried delete settles; another
    /// operator's personal reply is left alone either way.
    pub fn delete_shortcut(&self, operator: &OperatorId, id: &ShortcutId) -> Result<ShortcutScope, ErrorBody> {
        if self.store.is_team_shortcut(id)? {
            self.check_may_change(operator, ShortcutScope::Team)?;
            self.store.delete_team_shortcut(id)?;
            return Ok(ShortcutScope::Team);
        }
        self.store.delete_shortcut(operator, id)?;
        Ok(ShortcutScope::Mine)
    }

    fn check_may_change(&self, operator: &OperatorId, scope: ShortcutScope) -> Result<(), ErrorBody> {
        if baton_protocol::shortcuts::may_change(self.role_of(operator), scope) {
            Ok(())
        } else {
            Err(ErrorBody::new(
                ErrorCode::Forbidden,
                "only admins can change the team's saved replies",
            ))
        }
    }

    /// A team reply changed: every connected operator gets their new list
    /// (their own replies and the team's), live.
    pub fn publish_team_shortcuts(&self) {
        let mut live = self.lock();
        // One serialisation per operator, shared by all their inboxes.
        let mut lists: HashMap<OperatorId, super::Text> = HashMap::new();
        let team = match self.store.team_shortcuts() {
            Ok(team) => team,
            Err(err) => {
                tracing::error!(%err, "could not read the team's saved replies");
                return;
            }
        };
        let live = &mut *live;
        let features = &live.features;
        live.operators.retain(|(peer, op, outbox)| {
            if !super::wants(features, *peer, Some("shortcuts")) {
                return true;
            }
            let frame = lists.entry(op.clone()).or_insert_with(|| {
                let mut shortcuts = self.store.shortcuts(op).unwrap_or_default();
                shortcuts.extend(team.iter().cloned());
                super::encode(&ServerToOperator::Shortcuts { shortcuts })
            });
            super::send_text(outbox, frame)
        });
    }
}

/// The id of a reply created by `operator`'s request `client_msg_id`: the
/// same for every retry of that request.
fn created_id(operator: &OperatorId, client_msg_id: &baton_protocol::ClientMsgId) -> ShortcutId {
    let key = format!("shortcut\u{0}{}\u{0}{}", operator.as_str(), client_msg_id.0);
    let hash = auth::secret_hash(&key);
    ShortcutId(hash[..16].iter().map(|b| format!("{b:02x}")).collect())
}
