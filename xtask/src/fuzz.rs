//! `cargo xtask fuzz [--secs N] [--target NAME]`: every fuzz target of
//! `fuzz/` under real libFuzzer (cargo-fuzz, nightly), N seconds each,
//! seeded from the golden vectors. Prints per target the executions, the
//! corpus size and the crashes; fails if any target crashed. The inputs
//! that crashed are in `fuzz/libfuzzer/artifacts/<target>/`; rerun one with
//! `cargo +nightly fuzz run --fuzz-dir fuzz/libfuzzer -s none <target> <file>`.

use crate::{Result, cargo, root, run};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The targets, as `fuzz/src/lib.rs`'s `TARGETS` names them (its smoke test
/// checks each has a binary in `fuzz/libfuzzer/fuzz_targets/`).
fn targets() -> Result<Vec<String>> {
    let dir = root().join("fuzz/libfuzzer/fuzz_targets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(str::to_owned))
        .collect();
    names.sort();
    Ok(names)
}

struct Outcome {
    name: String,
    execs: u64,
    corpus: usize,
    crashes: usize,
}

pub fn fuzz(args: &[String]) -> Result {
    let mut secs = 60u64;
    let mut only = None;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--secs" => {
                secs = iter
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or("--secs takes a number")?
            }
            "--target" => only = Some(iter.next().ok_or("--target takes a name")?.clone()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let mut names = targets()?;
    if let Some(only) = only {
        if !names.contains(&only) {
            return Err(format!("no target {only}; there are {}", names.join(", ")));
        }
        names = vec![only];
    }
    crate::tools::ensure_fuzz_tools()?;
    let dir = root().join("fuzz/libfuzzer");
    run(cargo()
        .args(["run", "-q", "-p", "baton-fuzz", "--bin", "fuzz-seeds", "--"])
        .arg(dir.join("corpus")))?;
    // One build for every target. No sanitizer: the code under test has no
    // `unsafe` (the workspace forbids it), so AddressSanitizer would only
    // slow each execution; panics and failed assertions are the findings.
    run(nightly_fuzz("build").args(["-s", "none"]))?;
    let mut outcomes = Vec::new();
    for name in &names {
        outcomes.push(fuzz_one(&dir, name, secs)?);
    }
    println!("\n==== cargo xtask fuzz: {secs} s per target ====");
    println!(
        "  {:<20} {:>12} {:>8} {:>8}",
        "target", "executions", "corpus", "crashes"
    );
    for o in &outcomes {
        println!("  {:<20} {:>12} {:>8} {:>8}", o.name, o.execs, o.corpus, o.crashes);
    }
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.crashes > 0)
        .map(|o| o.name.as_str())
        .collect();
    if crashed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "crashes in {}: inputs in fuzz/libfuzzer/artifacts/",
            crashed.join(", ")
        ))
    }
}

/// `cargo +nightly fuzz <command> --fuzz-dir fuzz/libfuzzer`.
fn nightly_fuzz(command: &str) -> Command {
    let mut cmd = Command::new("rustup");
    cmd.args(["run", "nightly", "cargo", "fuzz", command, "--fuzz-dir"])
        .arg(root().join("fuzz/libfuzzer"))
        // Cargo's variables from the stable run of xtask would pin the
        // stable toolchain's tools.
        .env_remove("RUSTC")
        .env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN");
    cmd
}

fn fuzz_one(dir: &Path, name: &str, secs: u64) -> Result<Outcome> {
    let artifacts = dir.join("artifacts").join(name);
    let before = count(&artifacts);
    println!("\n$ fuzz {name} for {secs} s");
    let mut cmd = nightly_fuzz("run");
    cmd.args(["-s", "none", name, "--"])
        .arg(format!("-max_total_time={secs}"))
        .args(["-print_final_stats=1", "-timeout=10", "-rss_limit_mb=2048"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let out = cmd.output().map_err(|e| format!("cargo fuzz: {e}"))?;
    let log = String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    let execs = log
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let crashes = count(&artifacts).saturating_sub(before);
    if crashes > 0 || !out.status.success() {
        // What libFuzzer said about the failure, without the progress lines.
        for line in log.lines().filter(|l| !l.starts_with('#')).take(60) {
            println!("  | {line}");
        }
    }
    if !out.status.success() && crashes == 0 {
        return Err(format!("fuzzing {name} failed ({}) without an artifact", out.status));
    }
    let outcome = Outcome {
        name: name.to_owned(),
        execs,
        corpus: count(&dir.join("corpus").join(name)),
        crashes,
    };
    println!(
        "  {name}: {execs} executions, corpus {}, {crashes} crashes",
        outcome.corpus
    );
    Ok(outcome)
}

fn count(dir: &PathBuf) -> usize {
    std::fs::read_dir(dir).map_or(0, |d| d.filter(|e| e.is_ok()).count())
}
