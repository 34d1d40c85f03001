//! A visitor's presence across server processes (issue 13): the visitor's
//! socket may be on process A while the operator watching the chat is on
//! B. While the team is shared (`shared_team`), each process hints how many
//! of a conversation's visitor sockets it holds whenever that changes
//! (`Hint::Presence`, a state); another process that has the conversation
//! feeds the difference into its `PresenceTracker` as if those sockets
//! were its own, so Online / Reconnecting / Lost, its timers and the
//! `presence` frames work as for one process. A process that stops
//! beating (`shared_team::MISSED_BEATS`) has its counts dropped at the
//! next beat: its visitors' sockets closed with it.

use super::*;
use crate::bus::Hint;
use std::collections::HashSet;

/// Visitor sockets other processes hold, per conversation and process.
pub(super) type VisitorsElsewhere = HashMap<ConversationId, HashMap<String, u32>>;

impl Hub {
    /// Tells other processes how many of `conversation`'s visitor sockets
    /// this process now holds (when the team is shared).
    pub(super) fn hint_presence(&self, live: &Live, conversation: &ConversationId) {
        if live.shared.is_some() {
            let visitors = live.visitors.get(conversation).map_or(0, |peers| peers.len() as u32);
            self.bus.send(Hint::Presence {
                conversation: conversation.clone(),
                visitors,
            });
        }
    }

    /// `process` holds `visitors` of `conversation`'s visitor sockets.
    pub(super) fn presence_elsewhere(self: &Arc<Self>, process: &str, conversation: &ConversationId, visitors: u32) {
        let at = now();
        let next = {
            let mut live = self.lock();
            let Live {
                shared, conversations, ..
            } = &mut *live;
            let (Some(shared), Some(conv)) = (shared.as_mut(), conversations.get_mut(conversation)) else {
                return;
            };
            let counts = shared.visitors_elsewhere.entry(conversation.clone()).or_default();
            let before = counts.get(process).copied().unwrap_or(0);
            if visitors == 0 {
                counts.remove(process);
                if counts.is_empty() {
                    shared.visitors_elsewhere.remove(conversation);
                }
            } else {
                counts.insert(process.to_owned(), visitors);
            }
            let was = conv.presence.presence(at);
            for _ in visitors..before {
                conv.presence.disconnected(at);
            }
            for _ in before..visitors {
                conv.presence.connected();
            }
            let (is, next) = (conv.presence.presence(at), conv.presence.next_change(at));
            if is != was {
                live.publish_row(conversation);
            }
            live.announce_presence(conversation);
            next
        };
        if let Some(next) = next {
            self.arm_presence_timer(conversation.clone(), next);
        }
    }

    /// At each beat, with the processes now `alive`: a process that just
    /// appeared missed every count sent before it started, so this one
    /// sends its own again; the counts of processes no longer alive go.
    /// When one went away, the owner-gone rule's next looks it was keeping
    /// (in its memory) went with it: this process judges every owned chat
    /// again and keeps its own.
    pub(super) fn presence_beat(self: &Arc<Self>, alive: HashSet<String>) {
        let went_away;
        let dead: Vec<(String, ConversationId)> = {
            let mut live = self.lock();
            let Some(shared) = &mut live.shared else { return };
            let me = self.bus().process().0.as_str();
            if alive.iter().any(|p| p != me && !shared.processes.contains(p)) {
                let held: Vec<ConversationId> = live
                    .visitors
                    .keys()
                    .filter(|c| live.conversations.get(*c).is_some_and(|c| c.listed()))
                    .cloned()
                    .collect();
                for conversation in &held {
                    self.hint_presence(&live, conversation);
                }
            }
            let Some(shared) = &mut live.shared else { return };
            went_away = shared.processes.iter().any(|p| p != me && !alive.contains(p));
            shared.processes = alive;
            shared
                .visitors_elsewhere
                .iter()
                .flat_map(|(conversation, counts)| {
                    counts
                        .keys()
                        .filter(|process| !shared.processes.contains(*process))
                        .map(|process| (process.clone(), conversation.clone()))
                })
                .collect()
        };
        for (process, conversation) in dead {
            self.presence_elsewhere(&process, &conversation, 0);
        }
        if went_away {
            self.check_all_owners();
        }
    }
}
