//! Load client for `cargo xtask chaos`, the fault drill (README, "Fault
//! drill"). The xtask owns the server and SIGKILLs it while this runs:
//!
//! 1. `--visitors` visitors send `--messages` numbered messages each, with
//!    retry under the same `client_msg_id` and resume after every drop; every
//!    fifth asks for a person half way, and two operators join those chats
//!    and answer. Prints `loaded …` when every message is acked.
//! 2. On a `check` line on stdin (the xtask has killed and restarted the
//!    server once more), it resumes every conversation from `seq` 0 and reads
//!    the database file, and prints the verdict: acked / lost / duplicated /
//!    reordered / gaps per view, receipts and owners.
//! 3. The reconnect storm: `--storm` stored conversations all resume at once.
//!
//! Exits 1 when anything was lost or duplicated, or a chat changed owner.

mod check;
mod operator;
mod visitor;
mod wire;

use check::{Logged, Tally, check};
use serde_json::json;
use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wire::{Result, Rng, Server, Stored};

struct Args {
    server: Server,
    visitors: usize,
    messages: usize,
    storm: usize,
    seed: u64,
    db: String,
}

fn args() -> Result<Args> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let num = |name: &str, default: u64| -> Result<u64> {
        arg(name).map_or(Ok(default), |v| v.parse().map_err(|_| format!("{name}: not a number")))
    };
    Ok(Args {
        server: Server::new(
            arg("--addr")
                .ok_or("--addr host:port[,host:port…]")?
                .split(',')
                .map(str::to_owned)
                .collect(),
            arg("--origin").unwrap_or_else(|| "http://chaos.local".into()),
        ),
        visitors: num("--visitors", 50)? as usize,
        messages: num("--messages", 20)? as usize,
        storm: num("--storm", 2000)? as usize,
        seed: num("--seed", 1)?,
        db: arg("--db").ok_or("--db path to baton.sqlite3, or a postgres:// URL")?,
    })
}

#[tokio::main]
async fn main() {
    match run().await {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(err) => {
            eprintln!("chaos_client: {err}");
            std::process::exit(2);
        }
    }
}

async fn run() -> Result<bool> {
    let a = args()?;
    let mut rng = Rng(a.seed);
    let queue = Arc::new(Mutex::new(VecDeque::new()));
    let done = Arc::new(AtomicBool::new(false));
    let owners = operator::Owners::default();
    let started = Instant::now();
    let ops: Vec<_> = operator::SEATS
        .iter()
        .map(|seat| {
            let work = operator::work(
                a.server.clone(),
                seat,
                queue.clone(),
                done.clone(),
                owners.clone(),
                Rng(rng.next()),
            );
            tokio::spawn(work)
        })
        .collect();
    let visitors: Vec<_> = (0..a.visitors)
        .map(|i| {
            let plan = visitor::Plan {
                messages: a.messages,
                handover: i % 5 == 0,
                queue: queue.clone(),
            };
            tokio::spawn(visitor::load(a.server.clone(), i, plan, Rng(rng.next())))
        })
        .collect();
    let mut runs = Vec::new();
    for v in visitors {
        runs.push(v.await.map_err(|e| e.to_string())?);
    }
    done.store(true, Ordering::SeqCst);
    let mut op_reconnects = 0;
    for o in ops {
        op_reconnects += o.await.map_err(|e| e.to_string())?;
    }
    let reconnects: u64 = runs.iter().map(|r| r.reconnects).sum();
    let refused: u64 = runs.iter().map(|r| r.refused).sum();
    println!(
        "loaded secs={:.1} visitor_reconnects={reconnects} operator_reconnects={op_reconnects} refused={refused}",
        started.elapsed().as_secs_f64()
    );
    if !go().await {
        return Err("stdin closed before `check`".into());
    }
    let owners = owners.lock().expect("owners").clone();
    let verdict = verify(&a, &runs, &owners).await?;
    let ok = verdict;
    storm(&a.server, a.storm).await?;
    Ok(ok)
}

/// Waits for a line on stdin; false when it closed.
async fn go() -> bool {
    tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        matches!(std::io::stdin().lock().read_line(&mut line), Ok(n) if n > 0)
    })
    .await
    .unwrap_or(false)
}

fn line(name: &str, t: Tally) -> String {
    format!(
        "{name:<28} acked {:>5}  lost {}  duplicated {}  reordered {}  gaps {}",
        t.acked, t.lost, t.duplicated, t.reordered, t.gaps
    )
}

/// Every conversation from three views; prints the verdict block.
async fn verify(a: &Args, runs: &[visitor::Run], owners: &std::collections::BTreeMap<String, String>) -> Result<bool> {
    let db = Db::open(&a.db).await?;
    let (mut live, mut resumed, mut stored) = (Tally::default(), Tally::default(), Tally::default());
    let (mut marks_kept, mut marks_reset, mut owners_kept, mut owners_lost) = (0, 0, 0, 0);
    let (mut limited, mut marks_other) = (0, 0);
    for r in runs {
        let Some(s) = &r.stored else { continue };
        live.add(check(&r.acked, &r.view));
        let (_ws, welcome) = resume(&a.server, s).await?;
        if welcome["replay_limited"] == true {
            limited += 1;
        }
        let replay: Vec<Logged> = welcome["replay"]
            .as_array()
            .into_iter()
            .flatten()
            .map(visitor::logged)
            .collect();
        resumed.add(check(&r.acked, &replay));
        stored.add(check(&r.acked, &db.log(&s.conversation).await?));
        let snap = &welcome["snapshot"];
        let marks = &snap["visitor_marks"];
        if marks["delivered"].as_u64() == Some(r.marks) && marks["read"].as_u64() == Some(r.marks) {
            marks_kept += 1;
        } else if marks["delivered"].as_u64() == Some(0) && marks["read"].as_u64() == Some(0) {
            marks_reset += 1;
        } else {
            marks_other += 1;
        }
        if let Some(owner) = owners.get(&s.conversation) {
            if snap["state"]["operator"]["id"].as_str() == Some(owner) {
                owners_kept += 1;
            } else {
                owners_lost += 1;
                eprintln!("owner of {}: {} (joined by {owner})", s.conversation, snap["state"]);
            }
        }
    }
    let handed: usize = runs.iter().filter(|r| r.handed_over).count();
    println!("verdict");
    println!("  {}", line("visitors' live view", live));
    println!("  {}", line("resume from 0 after restart", resumed));
    println!("  {}", line("database rows", stored));
    if limited > 0 {
        println!("  ({limited} resumes were cut to the newest 500 events; lower --messages)");
    }
    println!(
        "  receipts: {marks_kept} conversations kept the visitor's last marks, {marks_reset} came back as 0, {marks_other} as other marks{}",
        if marks_other > 0 {
            " (older marks: a receipt is not acknowledged, so one sent just before a kill may be lost)"
        } else {
            ""
        }
    );
    println!(
        "  owners: {handed} asked for a person, {} joined; {owners_kept} still theirs after restart, {owners_lost} not",
        owners.len()
    );
    let bad = [live, resumed, stored].iter().any(|t| t.lost > 0 || t.duplicated > 0);
    // Marks persist (PROTOCOL.md §4.1): none may come back as 0.
    Ok(!bad && owners_lost == 0 && marks_reset == 0)
}

/// A resume from `seq` 0, retried while the restarted server comes up.
async fn resume(server: &Server, s: &Stored) -> Result<(wire::Ws, serde_json::Value)> {
    let mut last = String::new();
    for _ in 0..20 {
        match server.visitor(Some(s), 0).await {
            Ok(w) => return Ok(w),
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Err(format!("resume of {} failed: {last}", s.conversation))
}

/// The database the server writes: its SQLite file, or PostgreSQL.
enum Db {
    Sqlite(rusqlite::Connection),
    Postgres(tokio_postgres::Client),
}

impl Db {
    async fn open(db: &str) -> Result<Db> {
        if db.starts_with("postgres://") || db.starts_with("postgresql://") {
            let (client, connection) = tokio_postgres::connect(db, tokio_postgres::NoTls)
                .await
                .map_err(|e| format!("connect to {db}: {e}"))?;
            tokio::spawn(connection);
            return Ok(Db::Postgres(client));
        }
        let file = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("open {db}: {e}"))?;
        Ok(Db::Sqlite(file))
    }

    /// The conversation's rows, in `seq` order.
    async fn log(&self, conversation: &str) -> Result<Vec<Logged>> {
        let rows: Vec<(i64, Option<String>, String)> = match self {
            Db::Sqlite(db) => {
                let mut q = db
                    .prepare("SELECT seq, client_msg_id, body FROM events WHERE conversation_id = ?1 ORDER BY seq")
                    .map_err(|e| e.to_string())?;
                let rows = q
                    .query_map([conversation], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                    .map_err(|e| e.to_string())?;
                rows.collect::<rusqlite::Result<_>>().map_err(|e| e.to_string())?
            }
            Db::Postgres(db) => db
                .query(
                    "SELECT seq, client_msg_id, body FROM events WHERE conversation_id = $1 ORDER BY seq",
                    &[&conversation],
                )
                .await
                .map_err(|e| e.to_string())?
                .iter()
                .map(|row| (row.get(0), row.get(1), row.get(2)))
                .collect(),
        };
        let mut log = Vec::new();
        for (seq, id, body) in rows {
            let body: serde_json::Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
            let mut l = visitor::logged(&json!({"seq": seq, "body": body}));
            if l.id.is_some() {
                l.id = id.or(l.id);
            }
            log.push(l);
        }
        Ok(log)
    }
}

/// `count` stored conversations, then all of them resume at once: the time
/// until every one is welcomed.
async fn storm(server: &Server, count: usize) -> Result<()> {
    if count == 0 {
        return Ok(());
    }
    let made = Instant::now();
    let mut stored = Vec::with_capacity(count);
    let ids: Vec<usize> = (0..count).collect();
    for batch in ids.chunks(200) {
        let made = batch.iter().map(|&k| {
            let server = server.clone();
            tokio::spawn(async move {
                let (mut ws, welcome) = server.visitor(None, 0).await?;
                let id = format!("s{k}");
                wire::send(
                    &mut ws,
                    &json!({"type": "send", "client_msg_id": id, "text": format!("storm {k}")}),
                )
                .await?;
                let ack = wire::until(&mut ws, |f| wire::answers(f, &id)).await?;
                let s = Stored {
                    conversation: welcome["conversation"].as_str().unwrap_or("").to_owned(),
                    token: welcome["token"].as_str().unwrap_or("").to_owned(),
                };
                Ok::<_, String>((s, ack["seq"].as_u64().unwrap_or(0)))
            })
        });
        for r in futures::future::join_all(made).await {
            stored.push(r.map_err(|e| e.to_string())??);
        }
    }
    let setup = made.elapsed().as_secs_f64();
    // Every socket above is closed; now all reconnect at the same moment.
    let start = Arc::new(tokio::sync::Barrier::new(count + 1));
    let tasks: Vec<_> = stored
        .into_iter()
        .map(|(s, seq)| {
            let server = server.clone();
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                let t = Instant::now();
                let mut tries = 0u32;
                loop {
                    tries += 1;
                    match server.visitor(Some(&s), seq).await {
                        Ok((ws, _)) => return Ok((t.elapsed(), tries, ws)),
                        Err(e) if t.elapsed() > Duration::from_secs(60) => return Err(e),
                        Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                    }
                }
            })
        })
        .collect();
    let t = Instant::now();
    start.wait().await;
    let mut times = Vec::with_capacity(count);
    let mut retried = 0;
    let mut failed = 0;
    let mut held = Vec::with_capacity(count);
    for task in tasks {
        match task.await.map_err(|e| e.to_string())? {
            Ok((took, tries, ws)) => {
                times.push(took);
                retried += u64::from(tries > 1);
                held.push(ws);
            }
            Err(_) => failed += 1,
        }
    }
    let all = t.elapsed();
    times.sort();
    let pct = |p: f64| {
        times
            .get(((times.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "storm: {count} stored conversations (made in {setup:.1} s) resumed at once: all welcomed in {:.2} s; p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; {retried} retried, {failed} failed",
        all.as_secs_f64(),
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    drop(held);
    Ok(())
}
