//! Writes each target's seed corpus (the golden vectors and the demo's
//! files) into `<dir>/<target>/`, for libFuzzer: `cargo xtask fuzz` runs it.
//! Files are named by content, so running it again adds nothing twice.

use baton_fuzz::{TARGETS, seeds};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/libfuzzer/corpus".into()),
    );
    for target in TARGETS {
        let out = dir.join(target.name);
        std::fs::create_dir_all(&out)?;
        for seed in seeds(target.name) {
            let mut hash = DefaultHasher::new();
            seed.hash(&mut hash);
            std::fs::write(out.join(format!("seed-{:016x}", hash.finish())), seed)?;
        }
    }
    Ok(())
}
