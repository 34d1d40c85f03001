//! What the list and the conversation pane show: the views and their
//! order, the bot filter, and what the rules let me do — asked of the
//! protocol crate, never re-derived here.

use super::{InboxState, View};
use baton_protocol::handover::OperatorActions;
use baton_protocol::operator::{ConversationSummary, Role, RosterEntry};
use baton_protocol::queue::{self, WaitingChat};
use baton_protocol::{BotId, ConversationId, Handover, HandoverState, Timestamp};

impl InboxState {
    /// The rows the current view shows, in its order: Waiting by priority,
    /// then oldest request first (the line visitors are told their place
    /// in, `queue::order`); Mine, Open and Left with requests first in that
    /// order, then newest activity; Resolved newest first.
    pub fn visible(&self) -> Vec<&ConversationSummary> {
        if self.view == View::Resolved {
            return self.resolved.iter().filter(|c| self.passes_filter(c)).collect();
        }
        let mut rows: Vec<&ConversationSummary> = self
            .conversations
            .iter()
            .filter(|c| self.passes_filter(c) && self.in_view(self.view, c))
            .collect();
        let line: std::collections::HashMap<ConversationId, usize> =
            waiting_line(rows.iter().copied()).into_iter().zip(0..).collect();
        let place = |c: &ConversationSummary| line.get(&c.id).copied();
        rows.sort_by(|a, b| {
            match (place(a), place(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => b.last_activity.cmp(&a.last_activity),
            }
            .then_with(|| a.id.cmp(&b.id))
        });
        rows
    }

    /// How many rows a live view holds (under the bot filter).
    pub fn count(&self, view: View) -> usize {
        self.conversations
            .iter()
            .filter(|c| self.passes_filter(c) && self.in_view(view, c))
            .count()
    }

    /// Help requests nobody has claimed, across every bot: the tab title's count.
    pub fn waiting_count(&self) -> usize {
        self.conversations
            .iter()
            .filter(|c| matches!(c.state, HandoverState::Waiting { .. }))
            .count()
    }

    fn passes_filter(&self, c: &ConversationSummary) -> bool {
        self.bot_filter.as_ref().is_none_or(|b| b == &c.bot)
    }

    fn in_view(&self, view: View, c: &ConversationSummary) -> bool {
        match view {
            View::Waiting => matches!(c.state, HandoverState::Waiting { .. }),
            View::Mine => self.is_mine(c),
            View::Open => c.state != HandoverState::Resolved,
            View::Left => c.left_message,
            View::Resolved => c.state == HandoverState::Resolved,
        }
    }

    /// The row `step` places from the open one in the current view (the
    /// first or last row when none is open, or the open one is not listed);
    /// `None` at either end of the list: the `j` / `k` keys.
    pub fn neighbour(&self, step: isize) -> Option<ConversationId> {
        let rows = self.visible();
        let open = self.open.as_ref().map(|o| &o.id);
        let at = rows.iter().position(|r| Some(&r.id) == open);
        let index = match at {
            Some(i) => i.checked_add_signed(step)?,
            None if step >= 0 => 0,
            None => rows.len().checked_sub(1)?,
        };
        rows.get(index).map(|r| r.id.clone())
    }

    /// The first help request in line (priority, then longest waiting)
    /// other than the open chat, under the bot filter: the `n` key.
    pub fn next_waiting(&self) -> Option<ConversationId> {
        let open = self.open.as_ref().map(|o| &o.id);
        waiting_line(
            self.conversations
                .iter()
                .filter(|c| self.passes_filter(c) && Some(&c.id) != open),
        )
        .into_iter()
        .next()
    }

    /// How many conversations I own.
    pub fn assigned_count(&self) -> usize {
        self.count(View::Mine)
    }

    /// What I may do in a conversation, as the handover rules say
    /// (`Handover::operator_actions`): the UI never re-derives a rule.
    pub fn actions(&self, row: &ConversationSummary) -> OperatorActions {
        match &self.me {
            Some(me) => Handover::from_state(row.state.clone()).operator_actions(me, self.now),
            None => OperatorActions::default(),
        }
    }

    /// Teammates I may transfer this chat to (Available, serving its bot).
    pub fn transfer_targets(&self, row: &ConversationSummary) -> Vec<RosterEntry> {
        match self.me_id() {
            Some(me) => self
                .roster
                .transfer_targets(&row.bot, me)
                .into_iter()
                .cloned()
                .collect(),
            None => Vec::new(),
        }
    }

    /// The visitor of this conversation is typing now.
    pub fn is_typing(&self, conversation: &ConversationId) -> bool {
        self.typing.get(conversation).is_some_and(|until| *until > self.now)
    }

    /// A bot's display name (its id when the welcome did not name it).
    pub fn bot_name(&self, bot: &BotId) -> String {
        self.bots
            .iter()
            .find(|b| &b.id == bot)
            .map_or_else(|| bot.to_string(), |b| b.name.clone())
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// The waiting rows among `rows`, in the line's order as the protocol
/// sets it (`queue::order`: priority, then who asked first, then id).
fn waiting_line<'a>(rows: impl Iterator<Item = &'a ConversationSummary>) -> Vec<ConversationId> {
    let mut line: Vec<WaitingChat> = rows
        .filter_map(|c| {
            waiting_since(c).map(|since| WaitingChat {
                conversation: c.id.clone(),
                priority: c.priority,
                since,
            })
        })
        .collect();
    queue::order(&mut line);
    line.into_iter().map(|w| w.conversation).collect()
}

/// Since when a row has waited for a person, if it does.
pub fn waiting_since(row: &ConversationSummary) -> Option<Timestamp> {
    match row.state {
        HandoverState::Waiting { .. } => Some(row.help_requested_at.unwrap_or(row.last_activity)),
        _ => None,
    }
}
