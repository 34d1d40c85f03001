//! `cargo xtask bench-compare <rev>`: this checkout's server beside the one
//! built from an earlier commit, on the same machine in the same run, so a
//! claim like "one process is no slower than before the redesign" has a
//! command behind it (issue 13).
//!
//! Both servers run one process on SQLite, each driven by the same load
//! client (this checkout's `bench_client`) through the same phases: a
//! closed loop (`--inflight` sends in flight for `--closed-secs`), then an
//! open loop at a fixed `--rate` for `--phase-secs` to `--targets`
//! visitors, with `--idle` idle visitors connected throughout. A fixed rate
//! is the fairer figure of cost: in the closed loop both servers saturate a
//! core shared with the client, and CPU per message then moves with the
//! machine's noise as much as with the code. Runs alternate between the
//! two builds (the first one swaps each round), and the report gives each
//! build's median and the ratio of the medians.
//!
//! The earlier commit is exported with `git archive` into
//! `target/compare/<commit>` and built there with its own `server` profile
//! (target dir `target/compare/target`, shared between commits).

use super::{Killed, LIFTED_LIMITS, ORIGIN, next_line, step, with_files};
use crate::bench::procfs;
use crate::bench::summary::{fields, num};
use crate::{Result, free_port, root, run, target_dir};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

struct Options {
    rev: String,
    rounds: usize,
    rate: u64,
    idle: usize,
    inflight: usize,
    closed_secs: f64,
    phase_secs: f64,
    targets: usize,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut o = Options {
            rev: String::new(),
            rounds: 6,
            rate: 3000,
            idle: 500,
            inflight: 32,
            closed_secs: 8.0,
            phase_secs: 10.0,
            targets: 100,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            let bad = |e: std::num::ParseIntError| e.to_string();
            let badf = |e: std::num::ParseFloatError| e.to_string();
            match arg.as_str() {
                "--rounds" => o.rounds = value()?.parse().map_err(bad)?,
                "--rate" => o.rate = value()?.parse().map_err(bad)?,
                "--idle" => o.idle = value()?.parse().map_err(bad)?,
                "--inflight" => o.inflight = value()?.parse().map_err(bad)?,
                "--closed-secs" => o.closed_secs = value()?.parse().map_err(badf)?,
                "--phase-secs" => o.phase_secs = value()?.parse().map_err(badf)?,
                "--targets" => o.targets = value()?.parse().map_err(bad)?,
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
                rev if o.rev.is_empty() => o.rev = rev.to_owned(),
                extra => return Err(format!("one commit to compare with, not also {extra}")),
            }
        }
        if o.rev.is_empty() {
            return Err(
                "usage: cargo xtask bench-compare <commit> [--rounds N] [--rate R] [--idle N] \
                        [--inflight N] [--closed-secs S] [--phase-secs S] [--targets N]"
                    .into(),
            );
        }
        o.rounds = o.rounds.max(1);
        Ok(o)
    }
}

/// One run's figures.
#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    closed_per_sec: f64,
    closed_cpu_us: f64,
    open_cpu_us: f64,
    open_p99_ms: f64,
    open_lost: f64,
}

pub fn compare(args: &[String]) -> Result {
    let o = Options::parse(args)?;
    let commit = git(&["rev-parse", "--verify", &format!("{}^{{commit}}", o.rev)])?;
    let before = build_commit(&commit)?;
    run(&mut super::server_build(&super::BENCH_EXAMPLES))?;
    let now = target_dir().join("server/baton-server");
    let short = &commit[..10];
    let builds = [(format!("{short} (before)"), before), ("this checkout".to_owned(), now)];
    let mut runs: Vec<Vec<Figures>> = vec![Vec::new(), Vec::new()];
    for round in 0..o.rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let (name, bin) = &builds[i];
            let f = measure(bin, &o)?;
            println!(
                "  round {}/{} {name}: closed {:.0} msg/s, {:.1} µs CPU/msg; open at {}/s {:.1} µs CPU/msg, p99 {:.2} ms, lost {}",
                round + 1,
                o.rounds,
                f.closed_per_sec,
                f.closed_cpu_us,
                o.rate,
                f.open_cpu_us,
                f.open_p99_ms,
                f.open_lost
            );
            runs[i].push(f);
        }
    }
    println!("\n{}", report(&o, short, &runs));
    Ok(())
}

/// A line of the report: its label, its figure, and its decimals.
type Line = (&'static str, fn(&Figures) -> f64, usize);

fn report(o: &Options, short: &str, runs: &[Vec<Figures>]) -> String {
    let rows: [Line; 5] = [
        ("closed loop: acked msg/s", |f| f.closed_per_sec, 0),
        ("closed loop: server CPU per acked msg (µs)", |f| f.closed_cpu_us, 1),
        ("open loop: server CPU per msg (µs)", |f| f.open_cpu_us, 1),
        ("open loop: operator→visitor p99 (ms)", |f| f.open_p99_ms, 2),
        ("open loop: lost", |f| f.open_lost, 0),
    ];
    let mut text = format!(
        "cargo xtask bench-compare {short} --rounds {} --rate {} --idle {} (medians of {} runs each)\n",
        o.rounds, o.rate, o.idle, o.rounds
    );
    text.push_str(&format!(
        "{:<46} {:>12} {:>14} {:>8}\n",
        "figure", "before", "this checkout", "ratio"
    ));
    for (label, pick, digits) in rows {
        let before = median(runs[0].iter().map(pick).collect());
        let now = median(runs[1].iter().map(pick).collect());
        let ratio = if before > 0.0 {
            format!("{:.3}×", now / before)
        } else {
            "–".to_owned()
        };
        text.push_str(&format!(
            "{label:<46} {before:>12.digits$} {now:>14.digits$} {ratio:>8}\n"
        ));
    }
    text
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The earlier commit's server, built once into `target/compare/`.
fn build_commit(commit: &str) -> Result<PathBuf> {
    let base = target_dir().join("compare");
    let source = base.join(commit);
    if !source.join("Cargo.toml").exists() {
        std::fs::create_dir_all(&source).map_err(|e| e.to_string())?;
        let archive = Command::new("git")
            .current_dir(root())
            .args(["archive", "--format=tar", commit])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("git archive: {e}"))?;
        let stdout = archive.stdout.ok_or("git archive gave no output")?;
        let unpacked = Command::new("tar")
            .args(["-x", "-C"])
            .arg(&source)
            .stdin(stdout)
            .status()
            .map_err(|e| format!("tar: {e}"))?;
        if !unpacked.success() {
            let _ = std::fs::remove_dir_all(&source);
            return Err(format!("could not unpack {commit}"));
        }
    }
    let targets = base.join("target");
    // `run` starts commands in this checkout: the manifest names the commit's.
    run(super::server_build(&[])
        .env("CARGO_TARGET_DIR", &targets)
        .arg("--manifest-path")
        .arg(source.join("Cargo.toml")))
    .map_err(|e| format!("{commit} does not build with a `server` profile: {e}"))?;
    // Each commit keeps its own binary: the target dir is shared.
    let bin = base.join(format!("baton-server-{commit}"));
    std::fs::copy(targets.join("server/baton-server"), &bin).map_err(|e| e.to_string())?;
    Ok(bin)
}

fn git(args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .current_dir(root())
        .args(args)
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// One run of `bin`: a fresh data directory, the client's closed loop and
/// one open-loop phase, the server's CPU counted around each.
fn measure(bin: &Path, o: &Options) -> Result<Figures> {
    let data = std::env::temp_dir().join(format!("baton-compare-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let config = data.join("bench.toml");
    std::fs::write(&config, LIFTED_LIMITS).map_err(|e| e.to_string())?;
    let port = free_port()?;
    let args = [
        "--demo".to_owned(),
        "--config".to_owned(),
        config.display().to_string(),
        "--listen".to_owned(),
        format!("127.0.0.1:{port}"),
        "--allowed-origins".to_owned(),
        ORIGIN.to_owned(),
        "--data-dir".to_owned(),
        data.display().to_string(),
    ];
    let server = Killed(
        with_files(bin, &args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?,
    );
    super::wait_for_port(port)?;
    let pid = server.0.id();
    let client_args: Vec<String> = [
        ("--kind", "baton".to_owned()),
        ("--addr", format!("127.0.0.1:{port}")),
        ("--origin", ORIGIN.to_owned()),
        ("--idle", o.idle.to_string()),
        ("--inflight", o.inflight.to_string()),
        ("--closed-secs", o.closed_secs.to_string()),
        ("--rates", o.rate.to_string()),
        ("--phase-secs", o.phase_secs.to_string()),
        ("--targets", o.targets.to_string()),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_owned(), v])
    .collect();
    let mut client = Killed(
        with_files(&target_dir().join("server/examples/bench_client"), &client_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?,
    );
    let mut stdin = client.0.stdin.take().ok_or("no client stdin")?;
    let mut lines = std::io::BufRead::lines(BufReader::new(client.0.stdout.take().ok_or("no client stdout")?));
    next_line(&mut lines, "ready")?;
    let cpu_secs = |from: u64| -> Result<f64> { Ok((procfs::cpu_ticks(pid)? - from) as f64 / procfs::ticks_per_sec()) };

    let ticks = procfs::cpu_ticks(pid)?;
    let closed = fields(&step(&mut stdin, &mut lines)?);
    let closed_secs = cpu_secs(ticks)?;
    let acked = num(&closed, "acked").unwrap_or(0.0).max(1.0);

    // The open loop's line comes after the client waited for what was in
    // flight (at most 3 s): the server is idle but for the idle visitors then.
    let ticks = procfs::cpu_ticks(pid)?;
    let open = fields(&step(&mut stdin, &mut lines)?);
    let open_secs = cpu_secs(ticks)?;
    let sent = num(&open, "sent").unwrap_or(0.0).max(1.0);
    drop((client, server));
    let _ = std::fs::remove_dir_all(&data);
    Ok(Figures {
        closed_per_sec: num(&closed, "per_sec").unwrap_or(0.0),
        closed_cpu_us: closed_secs * 1e6 / acked,
        open_cpu_us: open_secs * 1e6 / sent,
        open_p99_ms: num(&open, "lat_p99_us").unwrap_or(0.0) / 1000.0,
        open_lost: num(&open, "lost").unwrap_or(0.0),
    })
}
