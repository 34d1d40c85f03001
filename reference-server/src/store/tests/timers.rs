//! The conformance suite's timers (`store::timers`): due timers are
//! claimed once, a lease keeps others off until it runs out, and two
//! claimers at once never get the same timer. The macro in
//! `store/tests.rs` runs each against every store.

use super::*;
use std::collections::HashSet;

fn window(key: &str, due: u64) -> Timer {
    Timer::new(WINDOW, key, Timestamp(due))
}

/// Only due timers are claimed, earliest first; a claimed one is not
/// claimed again while its lease runs; only its claimer completes it.
pub(super) fn due_timers_are_claimed_once(store: &dyn Store) {
    for (key, due) in [("c", 300), ("a", 100), ("b", 200)] {
        store.arm_timer(&window(key, due)).expect("arm");
    }
    assert!(
        store
            .claim_due_timers(Timestamp(99), "p1", Timestamp(10_000), 10)
            .expect("claim")
            .is_empty()
    );
    let claimed = store
        .claim_due_timers(Timestamp(250), "p1", Timestamp(10_000), 10)
        .expect("claim");
    assert_eq!(
        claimed,
        [window("a", 100), window("b", 200)],
        "the due ones, earliest first"
    );
    assert!(
        store
            .claim_due_timers(Timestamp(250), "p2", Timestamp(10_000), 10)
            .expect("claim")
            .is_empty(),
        "leased to p1"
    );
    assert!(
        !store.complete_timer(&window("a", 100), "p2").expect("complete"),
        "p2 holds no claim"
    );
    assert!(store.complete_timer(&window("a", 100), "p1").expect("complete"));
    assert!(
        !store.complete_timer(&window("a", 100), "p1").expect("complete"),
        "already gone"
    );
    // Armed again with the same due time: the claim stands. With a new
    // one: the claim is dropped, and the old firing cannot complete it.
    store.arm_timer(&window("b", 200)).expect("re-arm");
    assert!(
        store
            .claim_due_timers(Timestamp(250), "p2", Timestamp(10_000), 10)
            .expect("claim")
            .is_empty()
    );
    store.arm_timer(&window("b", 240)).expect("re-arm later");
    assert!(
        !store.complete_timer(&window("b", 200), "p1").expect("complete"),
        "re-armed meanwhile"
    );
    let limited = store
        .claim_due_timers(Timestamp(400), "p2", Timestamp(10_000), 1)
        .expect("claim");
    assert_eq!(limited, [window("b", 240)], "at most `limit`");
    assert_eq!(
        store
            .claim_due_timers(Timestamp(400), "p2", Timestamp(10_000), 5)
            .expect("claim"),
        [window("c", 300)]
    );
}

/// A claimer that died leaves its lease behind; when the lease has run
/// out another process claims the timer, and only that one completes it.
pub(super) fn an_expired_lease_is_claimable_again(store: &dyn Store) {
    store.arm_timer(&window("a", 100)).expect("arm");
    assert_eq!(
        store
            .claim_due_timers(Timestamp(100), "dead", Timestamp(1_000), 10)
            .expect("claim"),
        [window("a", 100)]
    );
    assert!(
        store
            .claim_due_timers(Timestamp(999), "p2", Timestamp(2_000), 10)
            .expect("claim")
            .is_empty()
    );
    assert_eq!(
        store
            .claim_due_timers(Timestamp(1_000), "p2", Timestamp(2_000), 10)
            .expect("claim"),
        [window("a", 100)]
    );
    assert!(!store.complete_timer(&window("a", 100), "dead").expect("complete"));
    assert!(store.complete_timer(&window("a", 100), "p2").expect("complete"));
    assert!(
        store
            .claim_due_timers(Timestamp(5_000), "p3", Timestamp(6_000), 10)
            .expect("claim")
            .is_empty()
    );
}

/// Two processes claiming at once split the due timers: none is given
/// to both, none is left out.
pub(super) fn concurrent_claimers_never_share_a_timer(store: &dyn Store) {
    let all: HashSet<String> = (0..120).map(|i| format!("c{i:03}")).collect();
    for key in &all {
        store.arm_timer(&window(key, 10)).expect("arm");
    }
    let claim_all = |process: &str| {
        let mut mine = Vec::new();
        // Bounded: a store that hands out claimed timers again would loop.
        for _ in 0..all.len() {
            let got = store
                .claim_due_timers(Timestamp(50), process, Timestamp(100_000), 7)
                .expect("claim");
            if got.is_empty() {
                break;
            }
            mine.extend(got.into_iter().map(|t| t.key));
        }
        mine
    };
    let (one, two) = std::thread::scope(|s| {
        let one = s.spawn(|| claim_all("p1"));
        let two = s.spawn(|| claim_all("p2"));
        (one.join().expect("p1"), two.join().expect("p2"))
    });
    let (first, second): (HashSet<_>, HashSet<_>) = (one.iter().cloned().collect(), two.iter().cloned().collect());
    assert_eq!(
        first.len() + second.len(),
        one.len() + two.len(),
        "a claimer got one twice"
    );
    assert!(
        first.is_disjoint(&second),
        "both got {:?}",
        first.intersection(&second).collect::<Vec<_>>()
    );
    assert_eq!(&first | &second, all, "every due timer claimed");
}

/// Cancelling removes a timer; deleting a conversation removes its
/// timers and no one else's.
pub(super) fn timers_are_cancelled_and_deleted_with_their_conversation(store: &dyn Store) {
    let (gone, kept) = (conversation(store, "gone"), conversation(store, "kept"));
    store.arm_timer(&window(gone.as_str(), 10)).expect("arm");
    store.arm_timer(&window(kept.as_str(), 10)).expect("arm");
    store.arm_timer(&window("other", 10)).expect("arm");
    store.cancel_timer(WINDOW, "other").expect("cancel");
    store.delete_conversation(&gone).expect("delete");
    let left = store
        .claim_due_timers(Timestamp(50), "p", Timestamp(100), 10)
        .expect("claim");
    assert_eq!(left, [window(kept.as_str(), 10)]);
}

/// `arm_timer_later`: processes each push an auto-away timer past the
/// activity they saw; an earlier due time from one that saw less never
/// pulls it back, and a later one frees a claim.
pub(super) fn a_timer_armed_later_never_moves_earlier(store: &dyn Store) {
    let away = |due| Timer::new(AWAY, "op-a", Timestamp(due));
    store.arm_timer_later(&away(500)).expect("arm");
    store.arm_timer_later(&away(300)).expect("arm earlier");
    assert!(
        store
            .claim_due_timers(Timestamp(400), "p1", Timestamp(10_000), 10)
            .expect("claim")
            .is_empty()
    );
    assert_eq!(
        store
            .claim_due_timers(Timestamp(500), "p1", Timestamp(10_000), 10)
            .expect("claim"),
        [away(500)]
    );
    store.arm_timer_later(&away(900)).expect("arm later");
    assert!(!store.complete_timer(&away(500), "p1").expect("complete"), "moved on");
    assert_eq!(
        store
            .claim_due_timers(Timestamp(900), "p2", Timestamp(10_000), 10)
            .expect("claim"),
        [away(900)],
        "the later due time dropped p1's claim"
    );
    assert!(store.complete_timer(&away(900), "p2").expect("complete"));
}
