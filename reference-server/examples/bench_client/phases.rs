//! The two load phases: a closed loop of visitors each waiting for its ack,
//! and an operator sending to visitors at a fixed (open-loop) rate.

use crate::stats::Samples;
use crate::target::{Addressee, Answer, Result, Target, Ws, probe, probe_time};
use futures::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// Microseconds since the client started: probes carry it, visitors subtract.
pub fn now_us() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_micros() as u64
}

/// `inflight` visitors, each sending a message and waiting for its ack (raw:
/// its echo) before the next, for `secs`. One result line.
pub async fn closed_loop(target: &Target, inflight: usize, secs: f64, first_id: u64) -> Result<String> {
    let mut visitors = Vec::new();
    for i in 0..inflight {
        visitors.push(target.visitor(first_id + i as u64).await?);
    }
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let tasks = visitors.into_iter().enumerate().map(|(i, mut v)| {
        let target = target.clone();
        tokio::spawn(async move {
            let (mut samples, mut refused) = (Samples::default(), 0u64);
            let mut n = (i as u64) << 32;
            'sending: while Instant::now() < deadline {
                n += 1;
                let sent = Instant::now();
                if v.ws.send(Message::text(target.visitor_send(n))).await.is_err() {
                    break;
                }
                loop {
                    let Some(Ok(Message::Text(t))) = v.ws.next().await else {
                        break 'sending;
                    };
                    match target.answer(t.as_str()) {
                        Answer::Ack => break,
                        Answer::Refused => {
                            refused += 1;
                            continue 'sending;
                        }
                        Answer::Other => {}
                    }
                }
                samples.push(sent.elapsed().as_micros() as u64);
            }
            (samples, refused)
        })
    });
    let (mut samples, mut refused) = (Samples::default(), 0);
    for done in futures::future::join_all(tasks).await {
        let (s, r) = done.map_err(|e| e.to_string())?;
        samples.extend(s);
        refused += r;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let acked = samples.len();
    Ok(format!(
        "result phase=closed inflight={inflight} secs={elapsed:.2} acked={acked} per_sec={:.0} refused={refused} {}",
        acked as f64 / elapsed,
        samples.summary().fields("ack_")
    ))
}

/// The receiving side of the open-loop phase: visitors that record the
/// latency of every probe they get.
#[derive(Debug, Default)]
pub struct Receivers {
    samples: Mutex<Samples>,
    received: AtomicU64,
}

impl Receivers {
    pub fn listen(self: &Arc<Self>, mut ws: Ws) {
        let me = self.clone();
        tokio::spawn(async move {
            let mut beat = tokio::time::interval(HEARTBEAT);
            loop {
                let msg = tokio::select! {
                    msg = ws.next() => msg,
                    _ = beat.tick() => match ws.send(Message::text(PING)).await {
                        Ok(()) => continue,
                        Err(_) => break,
                    },
                };
                let Some(Ok(msg)) = msg else { break };
                if let Message::Text(t) = msg
                    && let Some(at) = probe_time(t.as_str())
                {
                    let latency = now_us().saturating_sub(at);
                    me.samples.lock().unwrap_or_else(|e| e.into_inner()).push(latency);
                    me.received.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }

    fn take(&self) -> (u64, Samples) {
        let samples = std::mem::take(&mut *self.samples.lock().unwrap_or_else(|e| e.into_inner()));
        (self.received.swap(0, Ordering::Relaxed), samples)
    }
}

/// The operator's socket, read in the background so the server never sees a
/// stalled reader; counts acks and errors and notices when it is closed.
pub struct Operator {
    sink: futures::stream::SplitSink<Ws, Message>,
    closed: Arc<AtomicBool>,
    acks: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
}

impl Operator {
    pub fn new(ws: Ws) -> Operator {
        let (sink, mut stream) = ws.split();
        let closed = Arc::new(AtomicBool::new(false));
        let acks = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let (c, a, e) = (closed.clone(), acks.clone(), errors.clone());
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Text(t) = msg {
                    if t.starts_with(r#"{"type":"ack""#) {
                        a.fetch_add(1, Ordering::Relaxed);
                    } else if t.starts_with(r#"{"type":"error""#) && e.fetch_add(1, Ordering::Relaxed) < 3 {
                        eprintln!("operator got: {t}");
                    }
                }
            }
            c.store(true, Ordering::Relaxed);
        });
        Operator {
            sink,
            closed,
            acks,
            errors,
        }
    }

    pub fn closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }
}

/// The operator sends `rate` messages a second for `secs`, round-robin to
/// `to`; each carries its *scheduled* send time, so a stalled sender shows
/// up as latency instead of hiding it (no coordinated omission). One result
/// line; `disconnected` says whether the operator socket was closed.
/// The next operator message id, across phases.
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

pub async fn open_loop(
    target: &Target,
    op: &mut Operator,
    to: &[Addressee],
    receivers: &Receivers,
    rate: u64,
    secs: f64,
) -> Result<String> {
    let _ = receivers.take();
    let (acks0, errors0) = (op.acks.load(Ordering::Relaxed), op.errors.load(Ordering::Relaxed));
    let total = (rate as f64 * secs) as u64;
    // Each phase's messages have ids of their own: a `client_msg_id` sent
    // again is a retry, which the server acks without storing anything new
    // (before, every phase after the first reused ids from 0 and the bench
    // counted the deduplicated messages as lost).
    let first_id = NEXT_ID.fetch_add(total, Ordering::Relaxed);
    let start_us = now_us();
    let started = Instant::now();
    let mut sent = 0u64;
    let mut send_failed = false;
    while sent < total && !send_failed {
        let due = ((started.elapsed().as_secs_f64() * rate as f64) as u64 + 1).min(total);
        while sent < due {
            let at = start_us + sent * 1_000_000 / rate;
            let frame = target.operator_send(&to[(sent % to.len() as u64) as usize], first_id + sent, &probe(at));
            if op.sink.feed(Message::text(frame)).await.is_err() {
                send_failed = true;
                break;
            }
            sent += 1;
        }
        if op.sink.flush().await.is_err() {
            send_failed = true;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let send_secs = started.elapsed().as_secs_f64();
    // Let what is in flight arrive (at most 3 s).
    let drain = Instant::now();
    while receivers.received.load(Ordering::Relaxed) < sent && drain.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (received, samples) = receivers.take();
    let disconnected = send_failed || op.closed();
    Ok(format!(
        "result phase=open rate={rate} secs={send_secs:.2} sent={sent} received={received} lost={} \
         op_acks={} op_errors={} disconnected={} {}",
        sent.saturating_sub(received),
        op.acks.load(Ordering::Relaxed) - acks0,
        op.errors.load(Ordering::Relaxed) - errors0,
        u8::from(disconnected),
        samples.summary().fields("lat_")
    ))
}

/// How often silent visitors ping (the protocol's `HEARTBEAT_INTERVAL`).
const HEARTBEAT: Duration = Duration::from_millis(baton_protocol::presence::HEARTBEAT_INTERVAL.0);
const PING: &str = r#"{"type":"ping"}"#;

/// Keeps idle visitors alive as a widget would: a `ping` every
/// `HEARTBEAT_INTERVAL` (their `pong`s are left unread; they are tiny),
/// spread over the interval as real visitors' are (each widget's timer
/// starts when it connects). Before, all 15,000 pinged at once every 25 s:
/// a burst no site sees, which stalled the open loop's messages for up to
/// 100 ms on both servers.
pub fn heartbeat(mut idle: Vec<Ws>) -> tokio::task::JoinHandle<()> {
    const SLICES: u32 = 100;
    tokio::spawn(async move {
        let per_slice = idle.len().div_ceil(SLICES as usize).max(1);
        let mut beat = tokio::time::interval(HEARTBEAT / SLICES);
        beat.tick().await;
        for slice in (0..idle.len()).step_by(per_slice).cycle() {
            beat.tick().await;
            for ws in idle.iter_mut().skip(slice).take(per_slice) {
                let _ = ws.send(Message::text(PING)).await;
            }
        }
    })
}
