//! A drill operator: takes conversations whose visitor asked for a person
//! off the shared queue, joins each and answers once, reconnecting (and
//! retrying under the same ids) whenever the server dies.

use crate::wire::{Result, Rng, Server, Ws, answers, next, send};
use serde_json::json;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Seat {
    pub id: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

/// Two of the demo team (`baton-server --demo`).
pub const SEATS: [Seat; 2] = [
    Seat {
        id: "op-eli",
        email: "eli@demo.baton",
        password: "eli-demo-pass",
    },
    Seat {
        id: "op-noor",
        email: "noor@demo.baton",
        password: "noor-demo-pass",
    },
];

/// Conversation → the operator whose join was acked.
pub type Owners = Arc<Mutex<BTreeMap<String, String>>>;

pub async fn work(
    server: Server,
    seat: &'static Seat,
    queue: Arc<Mutex<VecDeque<String>>>,
    done: Arc<AtomicBool>,
    owners: Owners,
    mut rng: Rng,
) -> u64 {
    let mut reconnects = 0;
    let mut ws: Option<Ws> = None;
    loop {
        let Some(socket) = ws.as_mut() else {
            match server.operator(seat.email, seat.password).await {
                Ok(s) => ws = Some(s),
                Err(_) => {
                    reconnects += 1;
                    tokio::time::sleep(rng.millis(100, 600)).await;
                }
            }
            continue;
        };
        let taken = queue.lock().expect("queue").pop_front();
        let Some(conversation) = taken else {
            if done.load(Ordering::SeqCst) {
                return reconnects;
            }
            // Read what the team is sent meanwhile (the server drops peers
            // that do not read); a dead socket shows here.
            if let Ok(read) = tokio::time::timeout(Duration::from_millis(50), next(socket)).await
                && read.is_err()
            {
                ws = None;
                reconnects += 1;
            }
            continue;
        };
        match handle(socket, seat, &conversation).await {
            Ok(()) => {
                owners.lock().expect("owners").insert(conversation, seat.id.to_owned());
            }
            Err(e) if e.starts_with("refused") => eprintln!("{}: {e}", seat.id),
            Err(_) => {
                queue.lock().expect("queue").push_front(conversation);
                ws = None;
                reconnects += 1;
            }
        }
    }
}

/// Joins and answers; the same ids on every retry.
async fn handle(ws: &mut Ws, seat: &Seat, conversation: &str) -> Result<()> {
    let id = format!("j-{conversation}");
    let join = json!({"type": "join", "conversation": conversation, "client_msg_id": id, "display_name": seat.id});
    send(ws, &join).await?;
    let a = until_answer(ws, &id).await?;
    if a["type"] != "ack" {
        return Err(format!("refused join of {conversation}: {a}"));
    }
    let id = format!("o-{conversation}");
    let text = format!("{} here, taking over {conversation}", seat.id);
    send(
        ws,
        &json!({"type": "send", "conversation": conversation, "client_msg_id": id, "text": text}),
    )
    .await?;
    let a = until_answer(ws, &id).await?;
    if a["type"] != "ack" {
        return Err(format!("refused reply in {conversation}: {a}"));
    }
    Ok(())
}

async fn until_answer(ws: &mut Ws, id: &str) -> Result<serde_json::Value> {
    loop {
        let f = next(ws).await?;
        if answers(&f, id) {
            return Ok(f);
        }
    }
}
