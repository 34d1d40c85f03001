//! The fuzz targets on stable, in seconds: each body over its seed corpus
//! and a few thousand deterministic mutations of it. The real, coverage-
//! guided run is `cargo xtask fuzz`; this keeps the bodies compiling and
//! catches the shallow findings in every test run.

use baton_fuzz::{Mutator, TARGETS, seeds};
use std::time::Instant;

/// Mutations per target: ~4,000 inputs in all.
const MUTATIONS: usize = 600;

/// Runs `body` over the seeds of `name` and [`MUTATIONS`] mutations of them.
fn smoke(name: &str, body: fn(&[u8])) {
    let started = Instant::now();
    let corpus = seeds(name);
    assert!(!corpus.is_empty(), "{name}: no seeds");
    for input in &corpus {
        body(input);
    }
    let mut rng = Mutator::new(0xBA70_u64 ^ name.len() as u64);
    for i in 0..MUTATIONS {
        let input = rng.mutate(&corpus[i % corpus.len()], &corpus);
        let run = std::panic::catch_unwind(|| body(&input));
        assert!(
            run.is_ok(),
            "{name}: mutation {i} fails; input: {:?}",
            String::from_utf8_lossy(&input)
        );
    }
    eprintln!(
        "{name}: {} seeds + {MUTATIONS} mutations in {:?}",
        corpus.len(),
        started.elapsed()
    );
}

#[test]
fn every_target_survives_its_seeds_and_their_mutations() {
    for target in TARGETS {
        smoke(target.name, target.body);
    }
}

#[test]
/// The harness can fail: a body whose property only mutated inputs break.
#[should_panic(expected = "mutation")]
fn a_property_broken_by_a_mutation_fails_the_run() {
    smoke("markup", |d| {
        baton_fuzz::markup(d);
        assert!(
            !String::from_utf8_lossy(d).contains("1e999"),
            "pretend a token the mutator inserts were fatal"
        );
    });
}

#[test]
fn every_target_has_a_libfuzzer_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("libfuzzer/fuzz_targets");
    for target in TARGETS {
        let path = dir.join(format!("{}.rs", target.name));
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            source.contains(&format!("baton_fuzz::{}(", target.name)),
            "{} calls its body",
            path.display()
        );
    }
}

/// The mutations are not all refused at the first byte: some still decode,
/// some no longer do, so the bodies' properties are exercised both ways.
#[test]
fn the_mutations_reach_accepted_and_refused_frames() {
    use baton_protocol::visitor::VisitorToServer;
    let corpus = seeds("visitor_frame");
    let mut rng = Mutator::new(7);
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..MUTATIONS {
        let input = rng.mutate(&corpus[i % corpus.len()], &corpus);
        match baton_server::socket::decode::<VisitorToServer>(&String::from_utf8_lossy(&input)) {
            Ok(_) => accepted += 1,
            Err(_) => refused += 1,
        }
    }
    assert!(accepted > MUTATIONS / 20, "{accepted} accepted");
    assert!(refused > MUTATIONS / 4, "{refused} refused");
}
