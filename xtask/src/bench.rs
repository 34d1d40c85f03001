//! `cargo xtask bench-conns [--count N]`: resident memory per idle visitor
//! connection. The server and the load client run as separate processes
//! (each may hold at most 20,000 open files here); RSS is read from
//! /proc/<pid>/status before and after N visitors connect and say hello.

use crate::{Result, cargo, free_port, run, target_dir};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS".into())
}

/// Runs `program args` with the open-file limit raised to the hard limit.
fn with_files(program: &std::path::Path, args: &[String]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -n \"$(ulimit -Hn)\" && exec \"$0\" \"$@\"")
        .arg(program)
        .args(args);
    cmd
}

pub fn conns(args: &[String]) -> Result {
    let count: usize = args
        .iter()
        .position(|a| a == "--count")
        .and_then(|i| args.get(i + 1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(10_000);
    run(cargo().args([
        "build",
        "--profile",
        "server",
        "-p",
        "baton-server",
        "--bin",
        "baton-server",
        "--example",
        "idle_visitors",
    ]))?;
    let port = free_port()?;
    let data = std::env::temp_dir().join(format!("baton-bench-{port}"));
    let _ = std::fs::remove_dir_all(&data);
    let origin = "http://bench.local";
    let server_bin = target_dir().join("server/baton-server");
    let server = Killed(
        with_files(
            &server_bin,
            &[
                "--listen".into(),
                format!("127.0.0.1:{port}"),
                "--allowed-origins".into(),
                origin.into(),
                "--data-dir".into(),
                data.display().to_string(),
            ],
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?,
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if started.elapsed() > Duration::from_secs(20) {
            return Err("the server did not start".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let pid = server.0.id();
    let before = rss_kib(pid)?;
    let t = Instant::now();
    let mut client = Killed(
        with_files(
            &target_dir().join("server/examples/idle_visitors"),
            &[
                "--url".into(),
                format!("ws://127.0.0.1:{port}/ws/visitor?bot=demo"),
                "--origin".into(),
                origin.into(),
                "--count".into(),
                count.to_string(),
            ],
        )
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?,
    );
    let stdout = client.0.stdout.take().ok_or("no client stdout")?;
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(|l| l.ok())
        .find(|l| l.starts_with("ready"));
    let ready = ready.ok_or("the load client ended before all visitors were connected")?;
    let connect_secs = t.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_secs(2));
    let after = rss_kib(pid)?;
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / count as f64;
    println!("\nIdle visitor connections ({ready}, connected and welcomed in {connect_secs:.1}s):");
    println!("  server RSS before: {:>8.1} MiB", before as f64 / 1024.0);
    println!("  server RSS after:  {:>8.1} MiB", after as f64 / 1024.0);
    println!(
        "  per connection:    {:>8.0} bytes (socket, buffers, task, and the new conversation's state)",
        per
    );
    drop(client);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}
