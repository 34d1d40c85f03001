//! Load client for `cargo xtask bench`: the same code drives Baton and the
//! raw echo baseline (`examples/raw_echo.rs`), as a separate process from
//! the server (one process may hold at most 20,000 open files here).
//!
//! It connects `--idle` visitors (pausing after `--warm` of them with a
//! `warm …` line until a line arrives on stdin) and prints `ready …`; then, each time a
//! line arrives on stdin, it runs the next phase and prints one
//! `result key=value …` line: first the closed loop (`--inflight` visitors
//! each waiting for its ack, `--closed-secs`), then one open-loop phase per
//! `--rates` entry (an operator sending to `--targets` visitors at that many
//! messages a second for `--phase-secs`, the idle visitors still connected).
//! The xtask reads /proc and /metrics between phases. Then `done`.
//!
//!     bench_client --kind baton --addr 127.0.0.1:8080 --origin http://bench.local \
//!         --idle 15000 --inflight 32 --closed-secs 10 --rates 2000,5000,10000 --phase-secs 10 --targets 100

mod phases;
mod stats;
mod target;

use phases::{Operator, Receivers, closed_loop, open_loop};
use std::io::BufRead;
use std::sync::Arc;
use std::time::Instant;
use target::{Result, Target};

#[derive(Debug)]
struct Args {
    target: Target,
    idle: usize,
    /// Stop after this many idle visitors (a multiple of 250) until told to go on.
    warm: usize,
    inflight: usize,
    closed_secs: f64,
    rates: Vec<u64>,
    phase_secs: f64,
    targets: usize,
}

fn args() -> Result<Args> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |name: &str, default: f64| -> Result<f64> {
        arg(name).map_or(Ok(default), |v| v.parse().map_err(|_| format!("{name}: not a number")))
    };
    let rates = arg("--rates").unwrap_or_else(|| "2000".into());
    Ok(Args {
        target: Target {
            baton: match arg("--kind").as_deref() {
                Some("baton") | None => true,
                Some("raw") => false,
                Some(other) => return Err(format!("--kind baton|raw, not {other}")),
            },
            addr: arg("--addr").ok_or("--addr host:port")?,
            operator_addr: arg("--operator-addr")
                .or_else(|| arg("--addr"))
                .ok_or("--addr host:port")?,
            origin: arg("--origin").unwrap_or_else(|| "http://bench.local".into()),
            bot: arg("--bot").unwrap_or_else(|| "demo".into()),
        },
        idle: num("--idle", 15_000.0)? as usize,
        warm: num("--warm", 0.0)? as usize,
        inflight: num("--inflight", 32.0)? as usize,
        closed_secs: num("--closed-secs", 10.0)?,
        rates: rates
            .split(',')
            .map(|r| r.trim().parse().map_err(|_| format!("--rates: {r}")))
            .collect::<Result<_>>()?,
        phase_secs: num("--phase-secs", 10.0)?,
        targets: (num("--targets", 100.0)? as usize).max(1),
    })
}

/// Waits for the xtask's go-ahead (a line on stdin); false when stdin closed.
/// On a blocking thread, so no runtime worker (and no task parked in its
/// queue) stalls meanwhile.
async fn go() -> bool {
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        matches!(std::io::stdin().lock().read_line(&mut line), Ok(n) if n > 0)
    })
    .await
    .unwrap_or(false)
}

#[tokio::main]
async fn main() {
    if let Err(err) = run().await {
        eprintln!("bench_client: {err}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let args = args()?;
    let target = &args.target;
    phases::now_us();
    // Idle visitors, in batches so the server's accept queue is never flooded.
    let started = Instant::now();
    let mut idle = Vec::with_capacity(args.idle);
    let ids: Vec<u64> = (0..args.idle as u64).collect();
    for (i, batch) in ids.chunks(250).enumerate() {
        if args.warm > 0 && i * 250 == args.warm {
            // The xtask reads RSS here: what the first visitors cost once
            // (runtime threads' allocator arenas, buffers) is not per visitor.
            println!("warm idle={}", idle.len());
            if !go().await {
                return Ok(());
            }
        }
        let connects = batch.iter().map(|&id| target.visitor(id));
        for v in futures::future::join_all(connects).await {
            idle.push(v?.ws);
        }
    }
    println!("ready idle={} secs={:.1}", idle.len(), started.elapsed().as_secs_f64());
    // Idle like real visitors: they heartbeat, or the server closes them
    // after SERVER_IDLE_LIMIT.
    let idle = phases::heartbeat(idle);
    if !go().await {
        return Ok(());
    }
    let first = args.idle as u64;
    println!("{}", closed_loop(target, args.inflight, args.closed_secs, first).await?);
    // The operator's visitors, each read in the background.
    let receivers = Arc::new(Receivers::default());
    let first = first + args.inflight as u64;
    let mut to = Vec::with_capacity(args.targets);
    for i in 0..args.targets as u64 {
        let mut visitor = target.visitor(first + i).await?;
        target.first_message(&mut visitor).await?;
        to.push(visitor);
    }
    let mut ws = target.operator().await?;
    let to: Vec<_> = to
        .into_iter()
        .map(|v| {
            receivers.listen(v.ws);
            v.to
        })
        .collect();
    target.join(&mut ws, &to).await?;
    let mut op = Operator::new(ws);
    for &rate in &args.rates {
        if !go().await {
            return Ok(());
        }
        if op.closed() {
            op = Operator::new(target.operator().await?);
        }
        println!(
            "{}",
            open_loop(target, &mut op, &to, &receivers, rate, args.phase_secs).await?
        );
    }
    println!("done");
    idle.abort();
    Ok(())
}
