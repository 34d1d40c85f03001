//! `cargo xtask bench`: Baton beside a raw axum/tokio WebSocket echo server
//! (reference-server/examples/raw_echo.rs), driven by the same load client
//! (examples/bench_client/) in one run, plus the widget's figures in Chrome.
//! Servers and client are separate processes, each with its open-file limit
//! raised to the hard limit. See README, "Benchmarks".
//!
//! `cargo xtask bench-conns [--count N]` is the memory-only part (an alias
//! of `bench --idle N --memory-only --no-widget`); `cargo xtask
//! bench-compare <commit>` sets this checkout's server beside an earlier
//! commit's (`compare.rs`).

mod cluster;
mod compare;
mod metrics;
mod procfs;
mod summary;
mod widget;

use crate::{Result, cargo, free_port, run, target_dir};
pub use compare::compare;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};
use summary::{Row, fields, num};

/// Sizes: the defaults are issue 11's figures; `--quick` is a small run to
/// check that everything works.
#[derive(Debug, Clone)]
pub struct Options {
    pub(crate) idle: usize,
    pub(crate) inflight: usize,
    closed_secs: f64,
    pub(crate) rates: Vec<u64>,
    phase_secs: f64,
    targets: usize,
    idle_window_secs: f64,
    widget_runs: usize,
    widget: bool,
    widget_only: bool,
    memory_only: bool,
    /// Also two Baton processes on PostgreSQL + NATS (issue 13).
    cluster: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options> {
        let mut o = Options {
            idle: 15_000,
            inflight: 32,
            closed_secs: 10.0,
            rates: vec![2_000, 5_000, 10_000],
            phase_secs: 10.0,
            targets: 100,
            idle_window_secs: 5.0,
            widget_runs: 5,
            widget: true,
            widget_only: false,
            memory_only: false,
            cluster: true,
        };
        if args.iter().any(|a| a == "--quick") {
            o = Options {
                idle: 500,
                closed_secs: 2.0,
                rates: vec![2_000],
                phase_secs: 2.0,
                targets: 20,
                idle_window_secs: 2.0,
                widget_runs: 3,
                ..o
            };
        }
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or(format!("{flag} needs a value"));
            let bad = |_| format!("{flag}: not a number");
            let badf = |_| format!("{flag}: not a number");
            match flag.as_str() {
                "--quick" => {}
                "--no-widget" => o.widget = false,
                "--widget-only" => o.widget_only = true,
                "--memory-only" => o.memory_only = true,
                "--no-cluster" => o.cluster = false,
                "--idle" | "--count" => o.idle = value()?.parse().map_err(bad)?,
                "--inflight" => o.inflight = value()?.parse().map_err(bad)?,
                "--closed-secs" => o.closed_secs = value()?.parse().map_err(badf)?,
                "--phase-secs" => o.phase_secs = value()?.parse().map_err(badf)?,
                "--targets" => o.targets = value()?.parse().map_err(bad)?,
                "--idle-window-secs" => o.idle_window_secs = value()?.parse().map_err(badf)?,
                "--widget-runs" => o.widget_runs = value()?.parse().map_err(bad)?,
                "--rates" => {
                    o.rates = value()?
                        .split(',')
                        .map(|r| r.trim().parse().map_err(bad))
                        .collect::<Result<_>>()?
                }
                other => return Err(format!("unknown flag {other} (see README, Benchmarks)")),
            }
        }
        Ok(o)
    }
}

/// Everything measured of one server.
#[derive(Debug, Default)]
struct Measured {
    /// Idle visitors already connected when `rss_before_kib` was read.
    warm: usize,
    rss_before_kib: u64,
    rss_after_kib: u64,
    idle_cpu_percent: f64,
    connect_secs: f64,
    /// The server's CPU time (user + system) per acked message in the
    /// closed loop: steadier than msg/s on a shared machine, where the
    /// server may not get both cores.
    pub(crate) closed_cpu_us_per_msg: Option<f64>,
    /// The load client's result lines, in phase order.
    pub(crate) results: Vec<BTreeMap<String, String>>,
    /// Baton only: where the time goes, per phase.
    pub(crate) time: Vec<(String, Vec<String>)>,
}

pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `program args` with the open-file limit raised to the hard limit.
/// Config lines lifting every rate and per-address limit: a load client is
/// one address, and the figures are the server's, not the limiter's.
pub const LIFTED_LIMITS: &str = "[limits.visitor]\nburst = 1000000\nper_sec = 1000000\n\
[limits.operator]\nburst = 1000000\nper_sec = 1000000\n\
[limits.per_ip]\nconnections = 1000000\nnew_conversations_per_minute = 1000000\n";

/// The release server in demo mode on `port`, with `config` and `data`.
pub fn baton_server(port: u16, data: &std::path::Path, config: &std::path::Path, log: &str) -> Command {
    let args = [
        "--demo",
        "--config",
        &config.display().to_string(),
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--allowed-origins",
        ORIGIN,
        "--data-dir",
        &data.display().to_string(),
    ]
    .map(String::from);
    let mut cmd = with_files(&target_dir().join("server/baton-server"), &args);
    cmd.env("RUST_LOG", log);
    cmd
}

pub fn with_files(program: &std::path::Path, args: &[String]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -n \"$(ulimit -Hn)\" && exec \"$0\" \"$@\"")
        .arg(program)
        .args(args);
    cmd
}

/// Waits until something listens on `port`.
pub fn wait_for_port(port: u16) -> Result {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            return Err("the server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    Ok(())
}

pub const ORIGIN: &str = "http://bench.local";

pub fn conns(args: &[String]) -> Result {
    let mut args = args.to_vec();
    args.extend(["--memory-only".into(), "--no-widget".into(), "--no-cluster".into()]);
    if !args.iter().any(|a| a == "--count") {
        args.extend(["--count".into(), "10000".into()]);
    }
    bench(&args)
}

/// `cargo build` of the server in its `server` profile, with `examples`.
pub fn server_build(examples: &[&str]) -> Command {
    let mut cmd = cargo();
    cmd.args([
        "build",
        "--profile",
        "server",
        "-p",
        "baton-server",
        "--bin",
        "baton-server",
    ]);
    for example in examples {
        cmd.args(["--example", example]);
    }
    cmd
}

/// The benchmark's build (the examples' dev-dependencies change tokio's
/// features, so building fewer of them would rebuild everything).
pub const BENCH_EXAMPLES: [&str; 2] = ["bench_client", "raw_echo"];

pub fn bench(args: &[String]) -> Result {
    let o = Options::parse(args)?;
    run(&mut server_build(&BENCH_EXAMPLES))?;
    if o.widget_only {
        let text = widget::measure(o.widget_runs)?.rows();
        let text = summary::table("cargo xtask bench --widget-only", &text, &[]);
        println!("\n{text}");
        return Ok(());
    }
    println!("\nBaton ({} idle visitors)…", o.idle);
    let baton = measure(Kind::Baton, &o)?;
    println!("\nRaw echo ({} idle visitors)…", o.idle);
    let raw = measure(Kind::Raw, &o)?;
    let cluster = if o.cluster && !o.memory_only {
        println!(
            "\nBaton, two processes on PostgreSQL + NATS ({} idle visitors)…",
            o.idle
        );
        Some(measure(Kind::Cluster, &o)?)
    } else {
        None
    };
    let widget = if o.widget {
        Some(widget::measure(o.widget_runs)?)
    } else {
        None
    };
    let mut text = report(&o, &baton, &raw, widget.as_ref());
    if let Some(cluster) = &cluster {
        text.push_str(&cluster::report(&o, &baton, cluster, &raw));
    }
    println!("\n{text}");
    let dir = target_dir().join("bench");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("summary.txt"), &text).map_err(|e| e.to_string())?;
    println!("(also in {})", dir.join("summary.txt").display());
    Ok(())
}

/// Which server a measurement runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// One Baton process on SQLite.
    Baton,
    /// The raw echo baseline.
    Raw,
    /// Two Baton processes on one PostgreSQL database and a NATS bus: the
    /// visitors on the first, the operator on the second, so every
    /// operator message crosses processes (commit, hint, read back).
    Cluster,
}

/// Starts the server(s), connects the idle visitors, reads /proc, then runs
/// the client's phases one at a time with /metrics scraped around each.
fn measure(kind: Kind, o: &Options) -> Result<Measured> {
    let baton = kind != Kind::Raw;
    let port = free_port()?;
    let data = std::env::temp_dir().join(format!("baton-bench-{port}"));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    // The benchmark measures the server, not its rate limiter; all its
    // visitors come from one address.
    let config = data.join("bench.toml");
    std::fs::write(&config, LIFTED_LIMITS).map_err(|e| e.to_string())?;
    let services = match kind {
        Kind::Cluster => Some(crate::services::Services::start("nats-bench")?),
        _ => None,
    };
    let shared = services.as_ref().map(|s| s.args()).unwrap_or_default();
    let start = |port: u16| -> Result<Killed> {
        let mut cmd = if baton {
            let mut cmd = baton_server(port, &data, &config, "warn");
            cmd.args(&shared);
            cmd
        } else {
            let args = ["--listen".to_owned(), format!("127.0.0.1:{port}")];
            with_files(&target_dir().join("server/examples/raw_echo"), &args)
        };
        let server = Killed(cmd.stdout(Stdio::null()).spawn().map_err(|e| e.to_string())?);
        wait_for_port(port)?;
        Ok(server)
    };
    let server = start(port)?;
    // The operator's process, in a cluster run.
    let operator = match kind {
        Kind::Cluster => {
            let port = free_port()?;
            Some((port, start(port)?))
        }
        _ => None,
    };
    let pid = server.0.id();
    // CPU is counted over every process of the run.
    let pids: Vec<u32> = std::iter::once(pid)
        .chain(operator.as_ref().map(|(_, p)| p.0.id()))
        .collect();
    let cpu = || -> Result<u64> { pids.iter().map(|&p| procfs::cpu_ticks(p)).sum() };
    let mut m = Measured {
        rss_before_kib: procfs::rss_kib(pid)?,
        ..Measured::default()
    };
    let rates: Vec<String> = o.rates.iter().map(u64::to_string).collect();
    // RSS per visitor is measured from a warm server: after the first tenth
    // of the idle visitors (whole batches of 250), not from the empty process.
    let warm = (o.idle / 10 / 250 * 250).max(250);
    let warm = if warm < o.idle { warm } else { 0 };
    let client_args = [
        ("--kind", if baton { "baton".into() } else { "raw".into() }),
        ("--addr", format!("127.0.0.1:{port}")),
        (
            "--operator-addr",
            format!("127.0.0.1:{}", operator.as_ref().map_or(port, |(p, _)| *p)),
        ),
        ("--origin", ORIGIN.into()),
        ("--idle", o.idle.to_string()),
        ("--warm", warm.to_string()),
        ("--inflight", o.inflight.to_string()),
        ("--closed-secs", o.closed_secs.to_string()),
        ("--rates", rates.join(",")),
        ("--phase-secs", o.phase_secs.to_string()),
        ("--targets", o.targets.to_string()),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_owned(), v])
    .collect::<Vec<_>>();
    let started = Instant::now();
    let mut client = Killed(
        with_files(&target_dir().join("server/examples/bench_client"), &client_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?,
    );
    let mut stdin = client.0.stdin.take().ok_or("no client stdin")?;
    let mut lines = BufReader::new(client.0.stdout.take().ok_or("no client stdout")?).lines();
    m.warm = warm;
    let mut paused = Duration::ZERO;
    if warm > 0 {
        next_line(&mut lines, "warm")?;
        let pause = Instant::now();
        std::thread::sleep(Duration::from_secs(1));
        m.rss_before_kib = procfs::rss_kib(pid)?;
        stdin.write_all(b"go\n").map_err(|e| e.to_string())?;
        stdin.flush().map_err(|e| e.to_string())?;
        paused = pause.elapsed();
    }
    next_line(&mut lines, "ready")?;
    m.connect_secs = (started.elapsed() - paused).as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));
    m.rss_after_kib = procfs::rss_kib(pid)?;
    let ticks = cpu()?;
    std::thread::sleep(Duration::from_secs_f64(o.idle_window_secs));
    let used = (cpu()? - ticks) as f64 / procfs::ticks_per_sec();
    m.idle_cpu_percent = used / o.idle_window_secs * 100.0;
    if o.memory_only {
        return Ok(m);
    }
    for phase in 0..1 + o.rates.len() {
        let before = baton.then(|| metrics::scrape(port)).flatten();
        let ticks = cpu()?;
        let line = step(&mut stdin, &mut lines)?;
        let f = fields(&line);
        if phase == 0
            && let Some(acked) = num(&f, "acked").filter(|&n| n > 0.0)
        {
            let secs = (cpu()? - ticks) as f64 / procfs::ticks_per_sec();
            m.closed_cpu_us_per_msg = Some(secs * 1e6 / acked);
        }
        if let Some(before) = before
            && let Some(after) = metrics::scrape(port)
        {
            let secs = num(&f, "secs").unwrap_or(1.0);
            let name = match f.get("rate") {
                Some(rate) => format!("open loop at {rate} msg/s"),
                None => format!("closed loop, {} in flight", o.inflight),
            };
            m.time.push((name, metrics::where_time_goes(&before, &after, secs)));
        }
        println!("  {line}");
        m.results.push(f);
    }
    let _ = std::fs::remove_dir_all(&data);
    Ok(m)
}

/// Lets the client run its next phase; its result line.
fn step(stdin: &mut ChildStdin, lines: &mut Lines<BufReader<ChildStdout>>) -> Result<String> {
    stdin.write_all(b"go\n").map_err(|e| e.to_string())?;
    stdin.flush().map_err(|e| e.to_string())?;
    next_line(lines, "result")
}

fn next_line(lines: &mut Lines<BufReader<ChildStdout>>, prefix: &str) -> Result<String> {
    lines
        .map_while(|l| l.ok())
        .find(|l| l.starts_with(prefix))
        .ok_or_else(|| format!("the load client ended before its `{prefix}` line"))
}

fn report(o: &Options, b: &Measured, r: &Measured, widget: Option<&widget::Figures>) -> String {
    let per_visitor = |m: &Measured| {
        (m.rss_after_kib.saturating_sub(m.rss_before_kib)) as f64 * 1024.0 / (o.idle - m.warm).max(1) as f64
    };
    let mut rows = vec![
        Row::new(
            "RSS per idle visitor (bytes)",
            Some(per_visitor(b)),
            Some(per_visitor(r)),
            0,
        ),
        Row::new(
            format!("CPU at idle with {} visitors (% of a core)", o.idle),
            Some(b.idle_cpu_percent),
            Some(r.idle_cpu_percent),
            2,
        ),
        Row::new(
            format!("connect+welcome {} visitors (s)", o.idle),
            Some(b.connect_secs),
            Some(r.connect_secs),
            1,
        ),
    ];
    let get = |m: &Measured, phase: usize, key: &str| m.results.get(phase).and_then(|f| num(f, key));
    let ms = |v: Option<f64>| v.map(|us| us / 1000.0);
    if !o.memory_only {
        let label = format!("closed loop ({} in flight)", o.inflight);
        rows.push(Row::new(
            format!("{label}: acked msg/s"),
            get(b, 0, "per_sec"),
            get(r, 0, "per_sec"),
            0,
        ));
        rows.push(Row::new(
            format!("{label}: server CPU per acked msg (µs)"),
            b.closed_cpu_us_per_msg,
            r.closed_cpu_us_per_msg,
            1,
        ));
        for (key, name) in [("ack_p50_us", "p50"), ("ack_p99_us", "p99")] {
            rows.push(Row::new(
                format!("{label}: ack {name} (ms)"),
                ms(get(b, 0, key)),
                ms(get(r, 0, key)),
                2,
            ));
        }
        rows.push(Row::new(
            format!("{label}: refused"),
            get(b, 0, "refused"),
            get(r, 0, "refused"),
            0,
        ));
        for (i, rate) in o.rates.iter().enumerate() {
            let label = format!("operator→visitor at {rate}/s");
            for (key, name) in [("lat_p50_us", "p50"), ("lat_p99_us", "p99"), ("lat_max_us", "max")] {
                rows.push(Row::new(
                    format!("{label}: {name} (ms)"),
                    ms(get(b, i + 1, key)),
                    ms(get(r, i + 1, key)),
                    2,
                ));
            }
            for key in ["lost", "disconnected"] {
                rows.push(Row::new(
                    format!("{label}: {key}"),
                    get(b, i + 1, key),
                    get(r, i + 1, key),
                    0,
                ));
            }
        }
    }
    if let Some(w) = widget {
        rows.extend(w.rows());
    }
    let title = format!(
        "cargo xtask bench: Baton vs raw axum/tokio echo, same load client, one run\n\
         ({} idle visitors, RSS per visitor counted after the first 10%; closed loop {} s; open loop {} s per rate to {} visitors; idle CPU over {} s)",
        o.idle, o.closed_secs, o.phase_secs, o.targets, o.idle_window_secs
    );
    let mut sections: Vec<(String, Vec<String>)> = b
        .time
        .iter()
        .map(|(phase, lines)| (format!("Where the time goes (Baton /metrics), {phase}"), lines.clone()))
        .collect();
    let lock_exposed = b.time.iter().flat_map(|(_, lines)| lines).any(|l| l.contains("lock"));
    if !b.time.is_empty() && !lock_exposed {
        sections.push((
            "Lock wait".into(),
            vec![
                "/metrics exposes no lock-wait figure. Store appends run on the store writer's".into(),
                "thread, off the hub lock: each commit (store_append, above) holds many appends".into(),
                "(baton_store_batch_appends), and the lock is taken once per commit to publish.".into(),
            ],
        ));
    }
    summary::table(&title, &rows, &sections)
}
