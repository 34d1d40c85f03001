//! What the hub keeps beside the log: the visitor's name and email from
//! the host page, internal notes and saved replies.

use super::*;

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

    pub fn shortcuts(&self, operator: &OperatorId) -> Result<Vec<baton_protocol::operator::Shortcut>, ErrorBody> {
        Ok(self.store.shortcuts(operator)?)
    }

    pub fn save_shortcut(
        &self,
        operator: &OperatorId,
        draft: baton_protocol::operator::ShortcutDraft,
    ) -> Result<(), ErrorBody> {
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
        let id = draft
            .id
            .unwrap_or_else(|| baton_protocol::operator::ShortcutId(auth::new_id()));
        let shortcut = baton_protocol::operator::Shortcut { id, trigger, text };
        match self.store.save_shortcut(operator, &shortcut) {
            Ok(true) => Ok(()),
            Ok(false) => Err(ErrorBody::new(ErrorCode::NotFound, "no such shortcut")),
            Err(StoreError::Duplicate) => Err(ErrorBody::new(
                ErrorCode::Conflict,
                "you already have a shortcut with that trigger",
            )),
            Err(err) => Err(err.into()),
        }
    }

    pub fn delete_shortcut(
        &self,
        operator: &OperatorId,
        id: &baton_protocol::operator::ShortcutId,
    ) -> Result<(), ErrorBody> {
        if self.store.delete_shortcut(operator, id)? {
            Ok(())
        } else {
            Err(ErrorBody::new(ErrorCode::NotFound, "no such shortcut"))
        }
    }
}
