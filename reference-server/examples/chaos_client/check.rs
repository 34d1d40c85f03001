//! The drill's verdict, from observed data only (no I/O): what a visitor
//! was told was stored (its acks) against a conversation's log as someone
//! saw it — the visitor's own view, a full resume after the last restart,
//! or the rows in the database.

use std::collections::HashMap;

/// A visitor message the server acknowledged: its id, text and the `seq`
/// the `ack` named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acked {
    pub id: String,
    pub text: String,
    pub seq: u64,
}

/// One event of a conversation's log, in the order it was observed. `id`
/// and `text` are set for visitor messages only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logged {
    pub seq: u64,
    pub id: Option<String>,
    pub text: Option<String>,
}

/// Counts over one or many conversations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub acked: u64,
    /// Acked but absent from the log.
    pub lost: u64,
    /// Extra copies: the same `client_msg_id`, or the same numbered text,
    /// stored more than once.
    pub duplicated: u64,
    /// Log entries whose `seq` does not rise, acked messages stored in
    /// another order than they were acked, or stored at another `seq` than
    /// their ack said.
    pub reordered: u64,
    /// Places where the log's `seq` skips (or does not start at 1).
    pub gaps: u64,
}

impl Tally {
    pub fn add(&mut self, o: Tally) {
        self.acked += o.acked;
        self.lost += o.lost;
        self.duplicated += o.duplicated;
        self.reordered += o.reordered;
        self.gaps += o.gaps;
    }
}

/// Checks one conversation: `acked` in the order the acks arrived, `log` in
/// the order it was observed.
pub fn check(acked: &[Acked], log: &[Logged]) -> Tally {
    let mut t = Tally {
        acked: acked.len() as u64,
        ..Tally::default()
    };
    let mut prev = 0;
    for e in log {
        if e.seq <= prev {
            t.reordered += 1;
        } else if e.seq != prev + 1 {
            t.gaps += 1;
        }
        prev = prev.max(e.seq);
    }
    let mut by_id: HashMap<&str, Vec<(usize, u64)>> = HashMap::new();
    let mut by_text: HashMap<&str, u64> = HashMap::new();
    for (at, e) in log.iter().enumerate() {
        if let Some(id) = &e.id {
            by_id.entry(id).or_default().push((at, e.seq));
        }
        if let Some(text) = &e.text {
            *by_text.entry(text).or_default() += 1;
        }
    }
    t.duplicated += by_id.values().map(|v| v.len() as u64 - 1).sum::<u64>();
    // A text stored twice under two ids is a duplicate the id check misses.
    let texts_extra: u64 = by_text.values().map(|n| n - 1).sum();
    let ids_extra: u64 = by_id.values().map(|v| v.len() as u64 - 1).sum();
    t.duplicated += texts_extra.saturating_sub(ids_extra);
    let mut last_at = None;
    for a in acked {
        let Some(found) = by_id.get(a.id.as_str()) else {
            t.lost += 1;
            continue;
        };
        let (at, seq) = found[0];
        if seq != a.seq || last_at.is_some_and(|l| at < l) {
            t.reordered += 1;
        }
        last_at = Some(at);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acked(n: u64, seq: u64) -> Acked {
        Acked {
            id: format!("m-{n}"),
            text: format!("message {n}"),
            seq,
        }
    }

    fn visitor(n: u64, seq: u64) -> Logged {
        Logged {
            seq,
            id: Some(format!("m-{n}")),
            text: Some(format!("message {n}")),
        }
    }

    fn bot(seq: u64) -> Logged {
        Logged {
            seq,
            ..Logged::default()
        }
    }

    #[test]
    fn a_clean_log_is_all_zero_but_acked() {
        let log = [visitor(1, 1), bot(2), visitor(2, 3), bot(4)];
        let t = check(&[acked(1, 1), acked(2, 3)], &log);
        assert_eq!(
            t,
            Tally {
                acked: 2,
                ..Tally::default()
            }
        );
    }

    #[test]
    fn lost_duplicated_reordered_and_gaps_are_each_counted() {
        // m-2 acked but missing: lost (and its seq 3 is a gap).
        let t = check(&[acked(1, 1), acked(2, 3)], &[visitor(1, 1), bot(2), bot(4)]);
        assert_eq!((t.lost, t.gaps, t.duplicated, t.reordered), (1, 1, 0, 0));
        // The same id stored twice, and the same text under a second id.
        let mut again = visitor(1, 3);
        again.id = Some("m-1-retry".into());
        let t = check(&[acked(1, 1)], &[visitor(1, 1), visitor(1, 2), again]);
        assert_eq!((t.lost, t.duplicated, t.gaps), (0, 2, 0));
        // Stored in the other order than acked, and at other seqs.
        let t = check(&[acked(1, 1), acked(2, 2)], &[visitor(2, 1), visitor(1, 2)]);
        assert_eq!((t.lost, t.duplicated, t.reordered, t.gaps), (0, 0, 2, 0));
        // A log whose seq goes back.
        let t = check(&[], &[bot(1), bot(2), bot(2), bot(3)]);
        assert_eq!((t.reordered, t.gaps), (1, 0));
        // A log that does not start at 1.
        assert_eq!(check(&[], &[bot(2)]).gaps, 1);
    }
}
