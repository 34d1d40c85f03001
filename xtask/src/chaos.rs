//! `cargo xtask chaos`: the fault drill (README, "Fault drill"). Starts the
//! release server on a fresh data dir, runs the drill's load client
//! (reference-server/examples/chaos_client/), SIGKILLs the server `--kills`
//! times at seeded random moments and restarts it on the same data and port,
//! kills it once more when the load is done, then lets the client check
//! every conversation and run the reconnect storm. Fails when the client
//! found anything lost or duplicated (or a chat that changed owner).

use crate::bench::{Killed, LIFTED_LIMITS, ORIGIN, baton_server, wait_for_port, with_files};
use crate::services::Services;
use crate::{Result, free_port, root, run, target_dir};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub visitors: u64,
    pub messages: u64,
    pub kills: u64,
    pub storm: u64,
    pub seed: u64,
    /// 0: one process on SQLite. N ≥ 2: N processes on one PostgreSQL
    /// database and a NATS bus, killed one at a time; the bus restarted
    /// once half way.
    pub cluster: u64,
}

impl Options {
    pub fn parse(args: &[String], default_seed: u64) -> Result<Options> {
        let mut o = Options {
            visitors: 50,
            messages: 20,
            kills: 5,
            storm: 2000,
            seed: default_seed,
            cluster: 0,
        };
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let value: u64 = it
                .next()
                .ok_or(format!("{flag} needs a value"))?
                .parse()
                .map_err(|_| format!("{flag}: not a number"))?;
            match flag.as_str() {
                "--visitors" => o.visitors = value,
                "--messages" => o.messages = value,
                "--kills" => o.kills = value,
                "--storm" => o.storm = value,
                "--seed" => o.seed = value,
                "--cluster" if value == 1 => {
                    return Err("--cluster takes 2 or more processes (0: one on SQLite)".into());
                }
                "--cluster" => o.cluster = value,
                other => return Err(format!("unknown flag {other} (see README, Fault drill)")),
            }
        }
        Ok(o)
    }
}

/// The demo configuration with every per-address and rate limit lifted:
/// all the drill's clients are one address.
fn write_config(data: &Path) -> Result<PathBuf> {
    let demo = root().join("demo");
    let text = std::fs::read_to_string(demo.join("baton.toml")).map_err(|e| e.to_string())?;
    let text = text.split("[limits.per_ip]").next().unwrap_or_default();
    let text = text.replace("knowledge = \"", &format!("knowledge = \"{}/", demo.display()));
    let config = data.join("chaos.toml");
    std::fs::write(&config, format!("{text}\n{LIFTED_LIMITS}")).map_err(|e| e.to_string())?;
    Ok(config)
}

/// The processes under test and what they share.
struct Fleet {
    data: PathBuf,
    config: PathBuf,
    /// `--store` and `--bus` of a cluster run (empty: SQLite in `data`).
    shared: Vec<String>,
    /// Each process's port, and the process while it runs.
    processes: Vec<(u16, Option<Killed>)>,
}

impl Fleet {
    fn start(&mut self, port: u16) -> Result<Killed> {
        // `BATON_CHAOS_LOG` (a `RUST_LOG` filter) keeps the servers' logs,
        // one file per port (appended across restarts) in target/chaos-logs/.
        let log = std::env::var("BATON_CHAOS_LOG").ok();
        let mut cmd = baton_server(port, &self.data, &self.config, log.as_deref().unwrap_or("error"));
        cmd.args(&self.shared);
        let out = match log {
            Some(_) => {
                let dir = target_dir().join("chaos-logs");
                std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(dir.join(format!("{port}.log")))
                    .map_err(|e| e.to_string())?;
                Stdio::from(file)
            }
            None => Stdio::null(),
        };
        let server = Killed(cmd.stdout(out).spawn().map_err(|e| e.to_string())?);
        wait_for_port(port)?;
        Ok(server)
    }

    /// SIGKILLs process `i` and starts it again on the same port.
    fn kill_and_restart(&mut self, i: usize) -> Result {
        let port = self.processes[i].0;
        drop(self.processes[i].1.take());
        self.processes[i].1 = Some(self.start(port)?);
        Ok(())
    }

    fn addrs(&self) -> String {
        let addrs: Vec<String> = self.processes.iter().map(|(p, _)| format!("127.0.0.1:{p}")).collect();
        addrs.join(",")
    }
}

/// SplitMix64, the same generator as the client's.
pub fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Echoes the client's lines for `wait`; true once its `loaded` line came.
fn relay(lines: &Receiver<String>, wait: Duration, loaded: &mut bool) -> Result<bool> {
    let until = Instant::now() + wait;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                println!("  {line}");
                *loaded |= line.starts_with("loaded");
            }
            Err(RecvTimeoutError::Timeout) => return Ok(*loaded),
            Err(RecvTimeoutError::Disconnected) => return Err("the chaos client ended early".into()),
        }
        if left.is_zero() {
            return Ok(*loaded);
        }
    }
}

pub fn chaos(args: &[String]) -> Result {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_secs());
    let o = Options::parse(args, now)?;
    run(&mut crate::bench::server_build(&["chaos_client"]))?;
    let port = free_port()?;
    let data = std::env::temp_dir().join(format!("baton-chaos-{port}"));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    let config = write_config(&data)?;
    println!(
        "\ncargo xtask chaos --visitors {} --messages {} --kills {} --storm {} --seed {} --cluster {}",
        o.visitors, o.messages, o.kills, o.storm, o.seed, o.cluster
    );
    let mut services = match o.cluster {
        0 => None,
        _ => Some(Services::start("nats-chaos")?),
    };
    let mut fleet = Fleet {
        data: data.clone(),
        config,
        shared: services.as_ref().map(Services::args).unwrap_or_default(),
        processes: Vec::new(),
    };
    for i in 0..o.cluster.max(1) {
        let port = if i == 0 { port } else { free_port()? };
        let server = fleet.start(port)?;
        fleet.processes.push((port, Some(server)));
    }
    let db = match &services {
        Some(services) => services.postgres.url.clone(),
        None => data.join("baton.sqlite3").display().to_string(),
    };
    let client_args = [
        ("--addr", fleet.addrs()),
        ("--origin", ORIGIN.into()),
        ("--visitors", o.visitors.to_string()),
        ("--messages", o.messages.to_string()),
        ("--storm", o.storm.to_string()),
        ("--seed", o.seed.to_string()),
        ("--db", db),
    ]
    .into_iter()
    .flat_map(|(k, v)| [k.to_owned(), v])
    .collect::<Vec<_>>();
    let mut client = Killed(
        with_files(&target_dir().join("server/examples/chaos_client"), &client_args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?,
    );
    let mut stdin = client.0.stdin.take().ok_or("no client stdin")?;
    let stdout = client.0.stdout.take().ok_or("no client stdout")?;
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut rng = o.seed;
    let mut loaded = false;
    let mut during_load = 0;
    let started = Instant::now();
    let processes = fleet.processes.len() as u64;
    for k in 1..=o.kills {
        let wait = Duration::from_millis(150 + splitmix(&mut rng) % 550);
        relay(&lines, wait, &mut loaded)?;
        during_load += u64::from(!loaded);
        let victim = (splitmix(&mut rng) % processes) as usize;
        println!(
            "  SIGKILL {k}/{}{} at {:.1} s{}",
            o.kills,
            if processes > 1 {
                format!(" of process {}", victim + 1)
            } else {
                String::new()
            },
            started.elapsed().as_secs_f64(),
            if loaded { " (load already done)" } else { "" }
        );
        fleet.kill_and_restart(victim)?;
        if let Some(services) = services.as_mut().filter(|_| k == o.kills.div_ceil(2)) {
            println!("  the bus (nats-server) stopped and started again");
            services.restart_bus()?;
        }
    }
    while !relay(&lines, Duration::from_secs(1), &mut loaded)? {
        if started.elapsed() > Duration::from_secs(600) {
            return Err("the load did not finish in 10 minutes".into());
        }
    }
    println!("  SIGKILL before the check, restart on the same data");
    for i in 0..fleet.processes.len() {
        fleet.kill_and_restart(i)?;
    }
    stdin.write_all(b"check\n").map_err(|e| e.to_string())?;
    stdin.flush().map_err(|e| e.to_string())?;
    let mut ignored = loaded;
    while relay(&lines, Duration::from_secs(600), &mut ignored).is_ok() {}
    let status = client.0.wait().map_err(|e| e.to_string())?;
    println!(
        "  {} SIGKILLs during the load, {} after it, 1 before the check; {:.0} s in all",
        during_load,
        o.kills - during_load,
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&data);
    match status.code() {
        Some(0) => Ok(()),
        Some(1) => Err("the drill found lost or duplicated messages, or a chat that changed owner".into()),
        _ => Err("the chaos client failed (see above)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_defaults() {
        let o = Options::parse(&[], 7).unwrap();
        assert_eq!((o.visitors, o.messages, o.kills, o.storm, o.seed), (50, 20, 5, 2000, 7));
        let args: Vec<String> = ["--kills", "2", "--seed", "9"].map(String::from).into();
        let o = Options::parse(&args, 7).unwrap();
        assert_eq!((o.kills, o.seed), (2, 9));
        assert!(Options::parse(&["--kills".into()], 7).is_err());
        assert!(Options::parse(&["--nope".into(), "1".into()], 7).is_err());
    }
}
