//! What the hub keeps beside the log: the visitor's name and email from
//! the host page, internal notes and saved replies.

use super::*;
use baton_protocol::operator::{Role, Shortcut, ShortcutDraft, ShortcutId, ShortcutScope};
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
        self.store.identify(conversation, name.as_deref(), email.as_deref())?;
        self.publish(HubEvent::Identified {
            conversation: conversation.clone(),
            name: name.clone(),
            email: email.clone(),
        });
        let mut live = self.lock();
        if let Some(conv) = live.conversations.get_mut(conversation) {
            conv.visitor_name = name.or(conv.visitor_name.take());
            conv.visitor_email = email.or(conv.visitor_email.take());
            live.publish_row(conversation);
        }
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
        let text = text.trim();
        if text.is_empty() || text.chars().count() > baton_protocol::MAX_MESSAGE_CHARS {
            return Err(
                ErrorBody::new(ErrorCode::BadFrame, "a note needs 1 to 4000 characters").for_msg(Some(id.clone()))
            );
        }
        let mut live = self.lock();
        if !live.conversations.contains_key(conversation) {
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
    pub fn save_shortcut(&self, operator: &OperatorId, draft: ShortcutDraft) -> Result<ShortcutScope, ErrorBody> {
        let trigger = draft.trigger.trim().trim_start_matches('/').to_owned();
        let text = draft.text.trim().to_owned();
        if trigger.is_empty() || trigger.len() > 40 || trigger.contains(char::is_whitespace) {
            return Err(ErrorBody::new(
                ErrorCode::BadFrame,
                "a shortcut needs a one-word trigger of up to 40 characters",
            ));
        }
        if text.is_empty() || text.chars().count() > baton_protocol::MAX_MESSAGE_CHARS {
            return Err(ErrorBody::new(
                ErrorCode::BadFrame,
                "a shortcut needs 1 to 4000 characters of text",
            ));
        }
        let scope = match &draft.id {
            Some(id) if self.store.is_team_shortcut(id)? => ShortcutScope::Team,
            Some(_) => ShortcutScope::Mine,
            None => draft.scope,
        };
        self.check_may_change(operator, scope)?;
        let id = draft.id.unwrap_or_else(|| ShortcutId(auth::new_id()));
        let shortcut = Shortcut {
            id,
            trigger,
            text,
            scope,
        };
        let saved = match scope {
            ShortcutScope::Team => self.store.save_team_shortcut(operator, &shortcut),
            ShortcutScope::Mine => self.store.save_shortcut(operator, &shortcut),
        };
        match saved {
            Ok(true) => Ok(scope),
            Ok(false) => Err(ErrorBody::new(ErrorCode::NotFound, "no such shortcut")),
            Err(StoreError::Duplicate) => Err(ErrorBody::new(
                ErrorCode::Conflict,
                match scope {
                    ShortcutScope::Team => "the team already has a shortcut with that trigger",
                    ShortcutScope::Mine => "you already have a shortcut with that trigger",
                },
            )),
            Err(err) => Err(err.into()),
        }
    }

    pub fn delete_shortcut(&self, operator: &OperatorId, id: &ShortcutId) -> Result<ShortcutScope, ErrorBody> {
        if self.store.is_team_shortcut(id)? {
            self.check_may_change(operator, ShortcutScope::Team)?;
            self.store.delete_team_shortcut(id)?;
            return Ok(ShortcutScope::Team);
        }
        if self.store.delete_shortcut(operator, id)? {
            Ok(ShortcutScope::Mine)
        } else {
            Err(ErrorBody::new(ErrorCode::NotFound, "no such shortcut"))
        }
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
        live.operators.retain(|(_, op, outbox)| {
            let frame = lists.entry(op.clone()).or_insert_with(|| {
                let mut shortcuts = self.store.shortcuts(op).unwrap_or_default();
                shortcuts.extend(team.iter().cloned());
                super::encode(&ServerToOperator::Shortcuts { shortcuts })
            });
            super::send_text(outbox, frame)
        });
    }
}
