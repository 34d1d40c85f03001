//! Everything in memory, behind one mutex: for tests, and for trying Baton
//! without a disk. Same behaviour as [`super::SqliteStore`] (the conformance
//! tests run against both); nothing survives the process.

use super::{ConversationRow, OperatorRow, Result, Store, StoreError};
use baton_protocol::operator::{Country, Note, OperatorStatus, Shortcut, ShortcutId};
use baton_protocol::{ClientMsgId, ConversationEvent, ConversationId, OperatorId, Seq, Timestamp};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

#[derive(Debug, Default)]
pub struct MemoryStore {
    data: Mutex<Data>,
    settings: Mutex<super::settings::MemorySettings>,
    /// Receipt marks by conversation (`super::marks`).
    pub(super) marks: Mutex<HashMap<ConversationId, super::marks::Marks>>,
    /// How far each visitor was emailed (`super::marks`).
    pub(super) emailed: Mutex<HashMap<ConversationId, Seq>>,
    /// Timers by kind and key (`super::timers`).
    pub(super) timers: Mutex<HashMap<(String, String), super::timers::Held>>,
    /// Process heartbeats and inbox counts (`super::presence`).
    pub(super) presence: Mutex<super::presence::MemoryPresence>,
}

#[derive(Debug, Default)]
pub(super) struct Data {
    pub(super) operators: BTreeMap<OperatorId, OperatorRow>,
    pub(super) sessions: HashMap<Vec<u8>, (OperatorId, Timestamp)>,
    conversations: BTreeMap<ConversationId, Conversation>,
    shortcuts: BTreeMap<ShortcutId, (OperatorId, Shortcut)>,
    pub(super) team_shortcuts: BTreeMap<ShortcutId, Shortcut>,
}

impl Data {
    pub(super) fn is_personal_shortcut(&self, id: &ShortcutId) -> bool {
        self.shortcuts.contains_key(id)
    }
}

#[derive(Debug)]
struct Conversation {
    row: ConversationRow,
    email: Option<String>,
    events: Vec<(ConversationEvent, Option<ClientMsgId>)>,
    notes: Vec<(ClientMsgId, Note)>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    pub(super) fn data(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn settings(&self) -> MutexGuard<'_, super::settings::MemorySettings> {
        self.settings.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn missing() -> StoreError {
    StoreError::Backend("no such conversation".into())
}

impl Data {
    fn conversation(&mut self, id: &ConversationId) -> Result<&mut Conversation> {
        self.conversations.get_mut(id).ok_or_else(missing)
    }
}

impl Store for MemoryStore {
    fn upsert_operator(&self, op: &OperatorRow) -> Result<()> {
        let mut data = self.data();
        let status = data.operators.get(&op.id).map(|o| o.status).unwrap_or_default();
        let mut bots = op.bots.clone();
        bots.sort();
        bots.dedup();
        data.operators.insert(
            op.id.clone(),
            OperatorRow {
                status,
                bots,
                ..op.clone()
            },
        );
        Ok(())
    }

    fn operators(&self) -> Result<Vec<OperatorRow>> {
        let mut ops: Vec<_> = self.data().operators.values().cloned().collect();
        ops.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(ops)
    }

    fn operator_by_email(&self, email: &str) -> Result<Option<OperatorRow>> {
        Ok(self
            .data()
            .operators
            .values()
            .find(|o| o.email.eq_ignore_ascii_case(email))
            .cloned())
    }

    fn set_operator_status(&self, id: &OperatorId, status: OperatorStatus) -> Result<()> {
        if let Some(op) = self.data().operators.get_mut(id) {
            op.status = status;
        }
        Ok(())
    }

    fn change_operator_status(&self, id: &OperatorId, from: OperatorStatus, to: OperatorStatus) -> Result<bool> {
        Ok(match self.data().operators.get_mut(id) {
            Some(op) if op.status == from => {
                op.status = to;
                true
            }
            _ => false,
        })
    }

    fn insert_session(&self, token_hash: &[u8], operator: &OperatorId, expires_at: Timestamp) -> Result<()> {
        self.data()
            .sessions
            .insert(token_hash.to_vec(), (operator.clone(), expires_at));
        Ok(())
    }

    fn session_operator(&self, token_hash: &[u8], now: Timestamp) -> Result<Option<OperatorId>> {
        let data = self.data();
        Ok(data
            .sessions
            .get(token_hash)
            .filter(|(op, expires)| *expires > now && data.operators.get(op).is_some_and(|o| o.active))
            .map(|(op, _)| op.clone()))
    }

    fn delete_session(&self, token_hash: &[u8]) -> Result<()> {
        self.data().sessions.remove(token_hash);
        Ok(())
    }

    fn insert_conversation(&self, row: &ConversationRow, _locale: Option<&str>) -> Result<()> {
        let conversation = Conversation {
            row: row.clone(),
            email: None,
            events: Vec::new(),
            notes: Vec::new(),
        };
        self.data().conversations.insert(row.id.clone(), conversation);
        Ok(())
    }

    fn conversations(&self) -> Result<Vec<ConversationRow>> {
        Ok(self.data().conversations.values().map(|c| c.row.clone()).collect())
    }

    fn append(
        &self,
        conversation: &ConversationId,
        id: Option<&ClientMsgId>,
        events: &[ConversationEvent],
    ) -> Result<()> {
        let mut data = self.data();
        let conv = data.conversation(conversation)?;
        // The same rule as the SQL schema: `(conversation, seq)` unique.
        // (A client message id stored twice is the core's to prevent, as
        // there: `event_log::MIGRATION` says why.)
        let last = conv.events.last().map(|(e, _)| e.seq).unwrap_or_default();
        if let Some(event) = events.iter().find(|e| e.seq <= last) {
            return Err(StoreError::SeqTaken {
                conversation: conversation.clone(),
                seq: event.seq,
            });
        }
        for (i, event) in events.iter().enumerate() {
            conv.events
                .push((event.clone(), if i == 0 { id.cloned() } else { None }));
        }
        Ok(())
    }

    fn log(&self, conversation: &ConversationId) -> Result<Vec<(ConversationEvent, Option<ClientMsgId>)>> {
        Ok(self
            .data()
            .conversations
            .get(conversation)
            .map(|c| c.events.clone())
            .unwrap_or_default())
    }

    fn events_after(&self, conversation: &ConversationId, after: Seq, limit: usize) -> Result<Vec<ConversationEvent>> {
        let data = self.data();
        let Some(conv) = data.conversations.get(conversation) else {
            return Ok(Vec::new());
        };
        let newer: Vec<_> = conv.events.iter().map(|(e, _)| e).filter(|e| e.seq > after).collect();
        Ok(newer[newer.len().saturating_sub(limit)..]
            .iter()
            .map(|e| (*e).clone())
            .collect())
    }

    fn events_before(&self, conversation: &ConversationId, before: Seq, limit: u32) -> Result<Vec<ConversationEvent>> {
        let data = self.data();
        let Some(conv) = data.conversations.get(conversation) else {
            return Ok(Vec::new());
        };
        let older: Vec<_> = conv.events.iter().map(|(e, _)| e).filter(|e| e.seq < before).collect();
        Ok(older[older.len().saturating_sub(limit as usize)..]
            .iter()
            .map(|e| (*e).clone())
            .collect())
    }

    fn delete_conversation(&self, conversation: &ConversationId) -> Result<()> {
        self.data().conversations.remove(conversation);
        self.marks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(conversation);
        self.emailed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(conversation);
        self.timers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(_, key), _| key != conversation.as_str());
        Ok(())
    }

    fn identify(&self, conversation: &ConversationId, name: Option<&str>, email: Option<&str>) -> Result<()> {
        let mut data = self.data();
        let conv = data.conversation(conversation)?;
        if let Some(name) = name {
            conv.row.visitor_name = Some(name.to_owned());
        }
        if let Some(email) = email {
            conv.email = Some(email.to_owned());
        }
        Ok(())
    }

    fn visitor_email(&self, conversation: &ConversationId) -> Result<Option<String>> {
        Ok(self
            .data()
            .conversations
            .get(conversation)
            .and_then(|c| c.email.clone()))
    }

    fn set_country(&self, conversation: &ConversationId, country: &Country) -> Result<()> {
        self.data().conversation(conversation)?.row.country = Some(country.clone());
        Ok(())
    }

    fn add_note(&self, conversation: &ConversationId, client_msg_id: &ClientMsgId, note: &Note) -> Result<Note> {
        let mut data = self.data();
        let conv = data.conversation(conversation)?;
        if let Some((_, stored)) = conv.notes.iter().find(|(id, _)| id == client_msg_id) {
            return Ok(stored.clone());
        }
        conv.notes.push((client_msg_id.clone(), note.clone()));
        Ok(note.clone())
    }

    fn notes(&self, conversation: &ConversationId) -> Result<Vec<Note>> {
        let data = self.data();
        let mut notes: Vec<Note> = data
            .conversations
            .get(conversation)
            .map(|c| c.notes.iter().map(|(_, n)| n.clone()).collect())
            .unwrap_or_default();
        notes.sort_by(|a, b| (a.at, &a.id).cmp(&(b.at, &b.id)));
        Ok(notes)
    }

    fn shortcuts(&self, operator: &OperatorId) -> Result<Vec<Shortcut>> {
        let mut mine: Vec<Shortcut> = self
            .data()
            .shortcuts
            .values()
            .filter(|(op, _)| op == operator)
            .map(|(_, s)| s.clone())
            .collect();
        mine.sort_by(|a, b| a.trigger.cmp(&b.trigger));
        Ok(mine)
    }

    fn save_shortcut(&self, operator: &OperatorId, shortcut: &Shortcut) -> Result<bool> {
        let mut data = self.data();
        if data
            .shortcuts
            .get(&shortcut.id)
            .is_some_and(|(owner, _)| owner != operator)
        {
            return Ok(false);
        }
        let clash = data
            .shortcuts
            .values()
            .any(|(owner, s)| owner == operator && s.trigger == shortcut.trigger && s.id != shortcut.id);
        if clash {
            return Err(StoreError::Duplicate);
        }
        data.shortcuts
            .insert(shortcut.id.clone(), (operator.clone(), shortcut.clone()));
        Ok(true)
    }

    fn delete_shortcut(&self, operator: &OperatorId, id: &ShortcutId) -> Result<bool> {
        let mut data = self.data();
        if data.shortcuts.get(id).is_some_and(|(owner, _)| owner == operator) {
            data.shortcuts.remove(id);
            return Ok(true);
        }
        Ok(false)
    }
}
