//! One drill visitor: numbered messages, each resent under the same
//! `client_msg_id` until acked, across reconnects that resume from the last
//! applied `seq`; receipts after every ack; some ask for a person half way.

use crate::check::{Acked, Logged};
use crate::wire::{Result, Rng, Server, Stored, Ws, answers, next, send};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Everything one visitor saw and was told.
#[derive(Debug, Default)]
pub struct Run {
    pub index: usize,
    pub stored: Option<Stored>,
    pub acked: Vec<Acked>,
    /// The log as this visitor applied it (replays and live events).
    pub view: Vec<Logged>,
    pub applied: u64,
    /// The last receipt marks sent (`delivered` = `read`).
    pub marks: u64,
    /// Its `request_human` was acked.
    pub handed_over: bool,
    pub reconnects: u64,
    pub refused: u64,
    /// `request_human` tries answered `no_operator_available`.
    pub asks: u64,
}

/// A `ConversationEvent` (or an `event` frame) as the checker sees it.
pub fn logged(e: &Value) -> Logged {
    let body = &e["body"];
    let visitor = body["type"] == "message" && body["author"]["role"] == "visitor";
    Logged {
        seq: e["seq"].as_u64().unwrap_or(0),
        id: visitor.then(|| body["client_msg_id"].as_str().unwrap_or("").to_owned()),
        text: visitor.then(|| body["text"].as_str().unwrap_or("").to_owned()),
    }
}

impl Run {
    fn apply(&mut self, e: &Value) {
        let l = logged(e);
        if l.seq <= self.applied {
            return; // delivered again (a replay overlapping a live event)
        }
        self.applied = l.seq;
        self.view.push(l);
    }

    /// Reads frames, applying events, until the answer to `id`.
    async fn answer(&mut self, ws: &mut Ws, id: &str) -> Result<Value> {
        loop {
            let f = next(ws).await?;
            if f["type"] == "event" {
                self.apply(&f);
            } else if answers(&f, id) {
                return Ok(f);
            }
        }
    }
}

pub struct Plan {
    pub messages: usize,
    pub handover: bool,
    /// Conversations waiting for an operator.
    pub queue: Arc<Mutex<VecDeque<String>>>,
}

pub async fn load(server: Server, index: usize, plan: Plan, mut rng: Rng) -> Run {
    let mut r = Run {
        index,
        ..Run::default()
    };
    let mut n = 0;
    let mut asked = !plan.handover;
    let mut backoff = 50;
    while n < plan.messages || !asked {
        match server.visitor(r.stored.as_ref(), r.applied).await {
            Ok((mut ws, welcome)) => {
                backoff = 50;
                if r.stored.is_none() {
                    r.stored = Some(Stored {
                        conversation: welcome["conversation"].as_str().unwrap_or("").to_owned(),
                        token: welcome["token"].as_str().unwrap_or("").to_owned(),
                    });
                }
                for e in welcome["replay"].as_array().into_iter().flatten() {
                    r.apply(e);
                }
                if session(&mut r, &mut ws, &plan, &mut n, &mut asked, &mut rng)
                    .await
                    .is_ok()
                {
                    continue;
                }
            }
            Err(e) if e.contains("unauthorized") => {
                eprintln!("visitor {index}: resume refused: {e}");
                r.refused += 1;
                return r;
            }
            Err(_) => {}
        }
        r.reconnects += 1;
        tokio::time::sleep(Duration::from_millis(backoff) + rng.millis(0, backoff)).await;
        backoff = (backoff * 2).min(1000);
    }
    r
}

/// One connection's worth of sending; an error means reconnect.
async fn session(r: &mut Run, ws: &mut Ws, plan: &Plan, n: &mut usize, asked: &mut bool, rng: &mut Rng) -> Result<()> {
    loop {
        if !*asked && *n >= plan.messages / 2 {
            let id = format!("h{}", r.index);
            send(ws, &json!({"type": "request_human", "client_msg_id": id})).await?;
            let a = r.answer(ws, &id).await?;
            if a["type"] == "ack" {
                r.handed_over = true;
                let conversation = r.stored.as_ref().map(|s| s.conversation.clone());
                plan.queue.lock().expect("queue").extend(conversation);
            } else if a["code"] == "no_operator_available" && r.asks < 40 {
                // The operators are still reconnecting after a restart.
                r.asks += 1;
                tokio::time::sleep(Duration::from_millis(250)).await;
                continue;
            } else {
                eprintln!("visitor {}: request_human answered {a}", r.index);
                r.refused += 1;
            }
            *asked = true;
        }
        if *n >= plan.messages {
            return Ok(());
        }
        let id = format!("v{}-{}", r.index, n);
        let text = format!("visitor {} message {}", r.index, n);
        send(ws, &json!({"type": "send", "client_msg_id": id, "text": text})).await?;
        let a = r.answer(ws, &id).await?;
        if a["type"] == "ack" {
            let seq = a["seq"].as_u64().unwrap_or(0);
            r.acked.push(Acked { id, text, seq });
            *n += 1;
        } else if a["code"] == "rate_limited" {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        } else {
            eprintln!("visitor {}: send answered {a}", r.index);
            r.refused += 1;
            *n += 1;
        }
        let marks = r.applied;
        send(ws, &json!({"type": "receipt", "delivered": marks, "read": marks})).await?;
        r.marks = marks;
        tokio::time::sleep(rng.millis(50, 400)).await;
    }
}
