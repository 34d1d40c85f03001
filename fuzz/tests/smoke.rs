//! The fuzz targets on stable, in seconds: each body over its seed corpus
//! and a few thousand deterministic mutations of it. The real, coverage-
//! guided run is `cargo xtask fuzz`; this keeps the bodies compiling and
//! catches the shallow findings in every test run.

use baton_fuzz::{Mutator, TARGETS, seeds};
use std::time::Instant;

/// Mutations per target: ~4,000 inputs in all.
const MUTATIONS: usize = 600;

#[test]
fn every_target_survives_its_seeds_and_their_mutations() {
    for target in TARGETS {
        let started = Instant::now();
        let corpus = seeds(target.name);
        assert!(!corpus.is_empty(), "{}: no seeds", target.name);
        for input in &corpus {
            (target.body)(input);
        }
        let mut rng = Mutator::new(0xBA70_u64 ^ target.name.len() as u64);
        for i in 0..MUTATIONS {
            let input = rng.mutate(&corpus[i % corpus.len()], &corpus);
            let run = std::panic::catch_unwind(|| (target.body)(&input));
            assert!(
                run.is_ok(),
                "{}: mutation {i} fails; input: {:?}",
                target.name,
                String::from_utf8_lossy(&input)
            );
        }
        eprintln!(
            "{}: {} seeds + {MUTATIONS} mutations in {:?}",
            target.name,
            corpus.len(),
            started.elapsed()
        );
    }
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
