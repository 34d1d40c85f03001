//! Issue 14 in the hub: the waiting line each waiting visitor is told about
//! (`queue` frames, PROTOCOL.md §7.14), the time-to-join samples behind its
//! estimate, and what the team reads of the follow-up (left messages,
//! ratings). The rules are `baton_protocol::queue` and `::followup`; this
//! module only gathers their inputs and sends their answers.

use super::{Hub, Live, now};
use baton_protocol::queue::{self, JoinTimes, WaitingChat};
use baton_protocol::visitor::ServerToVisitor;
use baton_protocol::{BotId, ConversationId, HandoverState, OperatorProfile, Timestamp};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::Ordering;

/// The waiting chats of each bot, and each bot's recent time-to-join.
#[derive(Debug, Default)]
pub(super) struct Line {
    waiting: HashMap<BotId, HashSet<ConversationId>>,
    join_times: HashMap<BotId, JoinTimes>,
}

impl Line {
    /// At start-up: a chat the log leaves waiting is in its bot's line.
    pub(super) fn restore(&mut self, bot: &BotId, conversation: &ConversationId) {
        self.waiting
            .entry(bot.clone())
            .or_default()
            .insert(conversation.clone());
    }

    /// An operator joined, at `joined`, a request made at `requested`.
    pub(super) fn joined(&mut self, bot: &BotId, requested: Timestamp, joined: Timestamp) {
        self.join_times
            .entry(bot.clone())
            .or_default()
            .record(requested, joined);
    }
}

impl Live {
    /// After `conversation`'s events were published: keep the bot's line in
    /// step and tell each waiting visitor of that bot whose place (or
    /// estimate) changed. `force`: tell this conversation's visitors even if
    /// nothing changed (a visitor just connected).
    pub(super) fn update_line(&mut self, conversation: &ConversationId, force: bool) {
        let Some(conv) = self.conversations.get_mut(conversation) else {
            return;
        };
        let bot = conv.bot.clone();
        let waits = matches!(conv.core.handover().state(), HandoverState::Waiting { .. });
        if force {
            conv.place = None;
        }
        let set = self.line.waiting.entry(bot.clone()).or_default();
        let changed = if waits {
            set.insert(conversation.clone())
        } else {
            conv.place = None;
            set.remove(conversation)
        };
        if changed || force {
            self.announce_line(&bot);
        }
    }

    /// Sends `queue` to the visitors of `bot`'s waiting chats whose place
    /// changed (feature `queue` only: `broadcast_visitors` filters).
    fn announce_line(&mut self, bot: &BotId) {
        let Some(ids) = self.line.waiting.get(bot) else {
            return;
        };
        let chats: Vec<WaitingChat> = ids
            .iter()
            .filter_map(|id| {
                let conv = self.conversations.get(id)?;
                Some(WaitingChat {
                    conversation: id.clone(),
                    priority: conv.core.followup().priority,
                    since: conv.waiting_since.unwrap_or(conv.last_activity),
                })
            })
            .collect();
        let at = now();
        for (id, position) in queue::places(chats) {
            let estimate = self
                .line
                .join_times
                .get(bot)
                .and_then(|times| times.estimate_minutes(at, position));
            let Some(conv) = self.conversations.get_mut(&id) else {
                continue;
            };
            if conv.place == Some((position, estimate)) {
                continue;
            }
            conv.place = Some((position, estimate));
            if self.visitors.contains_key(&id) {
                self.broadcast_visitors(
                    &id,
                    &ServerToVisitor::Queue {
                        position,
                        estimate_minutes: estimate,
                    },
                );
            }
        }
    }
}

/// One row of the ratings summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OperatorRating {
    pub operator: OperatorProfile,
    pub count: u32,
    pub average: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BotRating {
    pub bot: BotId,
    pub count: u32,
    pub average: f64,
}

/// Ratings averaged per operator (who resolved the chat) and per bot.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Ratings {
    pub operators: Vec<OperatorRating>,
    pub bots: Vec<BotRating>,
}

/// An average with one decimal.
fn average(sum: u32, count: u32) -> f64 {
    (f64::from(sum) * 10.0 / f64::from(count.max(1))).round() / 10.0
}

impl Hub {
    /// The ratings of the conversations of `bots` (PROTOCOL.md §3.7,
    /// `GET /api/ratings`).
    pub fn ratings(&self, bots: &[BotId]) -> Ratings {
        let live = self.lock();
        let mut by_operator: BTreeMap<String, (OperatorProfile, u32, u32)> = BTreeMap::new();
        let mut by_bot: BTreeMap<BotId, (u32, u32)> = BTreeMap::new();
        for conv in live.conversations.values().filter(|c| bots.contains(&c.bot)) {
            let followup = conv.core.followup();
            let Some(score) = followup.rating else { continue };
            let score = u32::from(score);
            let bot = by_bot.entry(conv.bot.clone()).or_default();
            *bot = (bot.0 + score, bot.1 + 1);
            if let Some(operator) = &followup.resolved_by_person {
                // The operator's current profile (name) where known.
                let profile = live
                    .profiles
                    .get(&operator.id)
                    .cloned()
                    .unwrap_or_else(|| operator.clone());
                let row = by_operator.entry(operator.id.0.clone()).or_insert((profile, 0, 0));
                row.1 += score;
                row.2 += 1;
            }
        }
        Ratings {
            operators: by_operator
                .into_values()
                .map(|(operator, sum, count)| OperatorRating {
                    operator,
                    count,
                    average: average(sum, count),
                })
                .collect(),
            bots: by_bot
                .into_iter()
                .map(|(bot, (sum, count))| BotRating {
                    bot,
                    count,
                    average: average(sum, count),
                })
                .collect(),
        }
    }

    /// Whether an email sender is configured (the notifier says so when it
    /// starts): `reply_by_email` is refused without one.
    pub fn can_email(&self) -> bool {
        self.email_ready.load(Ordering::Relaxed)
    }

    pub fn set_email_ready(&self, ready: bool) {
        self.email_ready.store(ready, Ordering::Relaxed);
    }

    /// The address of the conversation's latest left message.
    pub fn left_email(&self, conversation: &ConversationId) -> Option<String> {
        let live = self.lock();
        live.conversations.get(conversation)?.core.followup().left_email.clone()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn averages_have_one_decimal() {
        assert_eq!(super::average(14, 3), 4.7);
        assert_eq!(super::average(0, 0), 0.0);
    }
}
