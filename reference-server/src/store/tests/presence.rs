//! The conformance tests of [`PresenceStore`]: heartbeats, inbox counts
//! per process, and the expiry of a process that stopped beating.

use super::*;

fn op(id: &str) -> OperatorId {
    OperatorId(id.into())
}

pub(super) fn inbox_counts_expire_with_their_process(store: &dyn Store) {
    assert!(
        !store.beat("pa", Timestamp(1_000)).expect("beat"),
        "a first beat is new"
    );
    assert!(!store.beat("pb", Timestamp(1_000)).expect("beat"));
    assert!(store.beat("pa", Timestamp(1_100)).expect("beat"), "then known");
    store.set_inboxes("pa", &op("o1"), 2).expect("set");
    store.set_inboxes("pb", &op("o1"), 1).expect("set");
    store.set_inboxes("pb", &op("o2"), 1).expect("set");
    // What other processes hold, never the asker's own.
    assert_eq!(
        store.inboxes_elsewhere("pc", Timestamp(900)).expect("read"),
        [(op("o1"), 3), (op("o2"), 1)]
    );
    assert_eq!(
        store.inboxes_elsewhere("pa", Timestamp(900)).expect("read"),
        [(op("o1"), 1), (op("o2"), 1)]
    );
    // A count of 0 removes the row; a new count replaces the old one.
    store.set_inboxes("pb", &op("o2"), 0).expect("set");
    store.set_inboxes("pa", &op("o1"), 1).expect("set");
    assert_eq!(
        store.inboxes_elsewhere("pc", Timestamp(900)).expect("read"),
        [(op("o1"), 2)]
    );
    // pb stopped beating at 1 000: past the cut-off it counts for nothing,
    // before any sweep.
    assert_eq!(store.live_processes(Timestamp(900)).expect("live"), ["pa", "pb"]);
    assert_eq!(store.live_processes(Timestamp(1_050)).expect("live"), ["pa"]);
    assert_eq!(
        store.inboxes_elsewhere("pc", Timestamp(1_050)).expect("read"),
        [(op("o1"), 1)]
    );
    assert_eq!(store.sweep_processes(Timestamp(1_050)).expect("sweep"), 1);
    assert_eq!(store.sweep_processes(Timestamp(1_050)).expect("sweep"), 0);
    // Swept: its next beat is new again, and its rows are gone (it writes
    // them again); pa's stay.
    assert!(!store.beat("pb", Timestamp(1_200)).expect("beat"));
    assert_eq!(
        store.inboxes_elsewhere("pc", Timestamp(1_050)).expect("read"),
        [(op("o1"), 1)]
    );
    // A row of a process with no heartbeat never counts, and is swept.
    store.set_inboxes("ghost", &op("o3"), 1).expect("set");
    assert_eq!(
        store.inboxes_elsewhere("pc", Timestamp(0)).expect("read"),
        [(op("o1"), 1)]
    );
    store.sweep_processes(Timestamp(1_050)).expect("sweep");
    assert!(!store.beat("ghost", Timestamp(1_300)).expect("beat"));
    assert_eq!(
        store.inboxes_elsewhere("pc", Timestamp(0)).expect("read"),
        [(op("o1"), 1)]
    );
}
