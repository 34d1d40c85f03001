//! What the team keeps beside the log: internal notes on the open
//! conversation (never the visitor's to see) and my saved replies. Both
//! travel outside the log, so a request of mine is settled by `done` or
//! `error` naming its client message id, not by an event.

use super::{InboxState, OpenConversation};
use baton_protocol::operator::{Note, Shortcut};
use baton_protocol::{ClientMsgId, ConversationId, ErrorBody};

/// A note I added that the server has not confirmed yet. Shown greyed in
/// the notes panel; re-sent with the same id after a reconnect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingNote {
    pub client_msg_id: ClientMsgId,
    pub conversation: ConversationId,
    pub text: String,
    /// Why the server refused it; a failed note is not re-sent.
    pub failed: Option<String>,
}

/// My last request to save or delete a shortcut, until it is done; a
/// refusal (say `conflict`, a trigger I already use) stays for the panel
/// to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShortcutRequest {
    pub client_msg_id: ClientMsgId,
    pub error: Option<String>,
}

impl OpenConversation {
    /// Adds notes, once each (a note can come live and again in `history`),
    /// oldest first.
    pub(super) fn merge_notes(&mut self, notes: impl IntoIterator<Item = Note>) {
        for note in notes {
            if !self.notes.iter().any(|n| n.id == note.id) {
                self.notes.push(note);
            }
        }
        self.notes.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    }
}

impl InboxState {
    /// My notes on the open conversation that are not stored yet.
    pub fn pending_notes_here(&self) -> Vec<PendingNote> {
        match &self.open {
            Some(open) => self
                .pending_notes
                .iter()
                .filter(|p| p.conversation == open.id)
                .cloned()
                .collect(),
            None => Vec::new(),
        }
    }

    /// The saved-replies panel's refusal to show, if the last request failed.
    pub fn shortcut_error(&self) -> Option<&str> {
        self.shortcut_request.as_ref()?.error.as_deref()
    }

    /// A save or delete is on its way.
    pub fn shortcut_busy(&self) -> bool {
        self.shortcut_request.as_ref().is_some_and(|r| r.error.is_none())
    }

    pub(super) fn adding_note(&mut self, note: PendingNote) {
        if !self.pending_notes.iter().any(|p| p.client_msg_id == note.client_msg_id) {
            self.pending_notes.push(note);
        }
    }

    pub(super) fn shortcut_requested(&mut self, client_msg_id: ClientMsgId) {
        self.shortcut_request = Some(ShortcutRequest {
            client_msg_id,
            error: None,
        });
    }

    pub(super) fn on_note(&mut self, conversation: ConversationId, note: Note) {
        if let Some(open) = self.open.as_mut().filter(|o| o.id == conversation) {
            open.merge_notes([note]);
        }
    }

    pub(super) fn on_shortcuts(&mut self, mut shortcuts: Vec<Shortcut>) {
        shortcuts.sort_by(|a, b| a.trigger.cmp(&b.trigger));
        self.shortcuts = shortcuts;
    }

    /// A note or shortcut request of mine is done. (The `note` frame, sent
    /// to every operator before this, has already shown a note.)
    pub(super) fn on_done(&mut self, id: &ClientMsgId) {
        self.pending_notes.retain(|p| &p.client_msg_id != id);
        if self.shortcut_request.as_ref().is_some_and(|r| &r.client_msg_id == id) {
            self.shortcut_request = None;
        }
    }

    /// An error answering one of my note or shortcut requests is shown
    /// where the request was made (the note, the panel), not as a toast.
    /// Returns whether it answered one.
    pub(super) fn on_side_error(&mut self, error: &ErrorBody) -> bool {
        let Some(id) = &error.client_msg_id else {
            return false;
        };
        let message = crate::format::sentence(&error.message);
        let mut answered = false;
        for note in self.pending_notes.iter_mut().filter(|p| &p.client_msg_id == id) {
            note.failed = Some(message.clone());
            answered = true;
        }
        if let Some(request) = self.shortcut_request.as_mut().filter(|r| &r.client_msg_id == id) {
            request.error = Some(message);
            answered = true;
        }
        answered
    }
}
