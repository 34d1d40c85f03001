//! The server's clock seam (`baton_server::clock`): on a paused tokio
//! clock the hub's timestamps and its timers move together, so a response
//! window lapses on `advance`, at the right stamped time, without waiting
//! the window out. The hub runs on a real store; frames come out of the
//! outbox a socket would drain.

mod common;

use baton_protocol::conversation::Input;
use baton_protocol::handover::Intent;
use baton_protocol::operator::{OperatorStatus, Role};
use baton_protocol::visitor::{ServerToVisitor, VisitorHello};
use baton_protocol::{BotId, ClientMsgId, EventBody, OperatorId, PROTOCOL_VERSION};
use baton_server::hub::Hub;
use baton_server::store::{MemoryStore, OperatorRow, Store};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const WINDOW_MS: u64 = 120_000;

/// The next event the visitor's outbox receives that `pick` wants, within
/// `real` seconds of real time. It polls and yields rather than awaiting:
/// an idle paused runtime would auto-advance its clock while the store
/// writer (a real thread) commits.
async fn event(
    outbox: &mut mpsc::Receiver<baton_server::hub::Text>,
    pick: fn(&EventBody) -> bool,
    real: Duration,
) -> Option<baton_protocol::ConversationEvent> {
    let until = Instant::now() + real;
    while Instant::now() < until {
        match outbox.try_recv() {
            Ok(text) => {
                if let ServerToVisitor::Event(event) = serde_json::from_str(text.as_str()).expect("a visitor frame") {
                    if pick(&event.body) {
                        return Some(event);
                    }
                }
            }
            Err(mpsc::error::TryRecvError::Empty) => tokio::task::yield_now().await,
            Err(mpsc::error::TryRecvError::Disconnected) => panic!("the hub let go of the outbox"),
        }
    }
    None
}

#[tokio::test(start_paused = true)]
async fn a_response_window_lapses_on_paused_time() {
    let store = MemoryStore::new();
    let operator = OperatorId("eli".into());
    store
        .upsert_operator(&OperatorRow {
            id: operator.clone(),
            email: "eli@example.test".into(),
            name: "Eli".into(),
            password_hash: "unused".into(),
            role: Role::Agent,
            status: OperatorStatus::Available,
            active: true,
            colour: None,
            avatar_url: None,
            bots: vec![BotId("demo".into())],
        })
        .expect("operator stored");
    store
        .set_operator_status(&operator, OperatorStatus::Available)
        .expect("status");
    let hub = Hub::start(store, vec![(common::bot(WINDOW_MS), None)]).expect("hub starts");

    let (tx, mut rx) = mpsc::channel(256);
    let hello = VisitorHello {
        protocol: PROTOCOL_VERSION,
        features: common::all_features(),
        bot: BotId("demo".into()),
        resume: None,
        locale: None,
        page: None,
    };
    let (conversation, _peer) = hub
        .visitor_hello(&BotId("demo".into()), hello, None, &tx)
        .expect("welcome");
    let real = Instant::now();
    hub.input(
        &conversation,
        Input::VisitorIntent {
            id: ClientMsgId("ask".into()),
            intent: Intent::RequestHuman,
        },
    );
    let asked = event(
        &mut rx,
        |b| matches!(b, EventBody::HelpRequested { .. }),
        Duration::from_secs(10),
    )
    .await
    .expect("the request is published");
    tokio::time::advance(Duration::from_millis(WINDOW_MS + 1_000)).await;
    // A clock that did not move with paused time would only re-arm the
    // window: no lapse comes.
    let lapsed = event(
        &mut rx,
        |b| matches!(b, EventBody::RequestLapsed),
        Duration::from_secs(10),
    )
    .await
    .expect("the request lapses once the window has passed in paused time");

    let stamped = lapsed.at.0 - asked.at.0;
    assert!(
        (WINDOW_MS..WINDOW_MS + 2_000).contains(&stamped),
        "lapsed {stamped} ms after the request, by the hub's own stamps"
    );
    assert!(
        real.elapsed() < Duration::from_secs(30),
        "the window was not waited out in real time"
    );
}
