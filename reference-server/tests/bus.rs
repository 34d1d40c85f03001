//! The bus between processes (`baton_server::bus`), on a real NATS server
//! and in-process: one suite, two buses. Two bus instances stand for two
//! processes: each sees the other's hints, on the topics it subscribed to,
//! and never its own. On NATS, the server is also killed and restarted on
//! the same port: health says disconnected while it is down, and hints
//! flow again afterwards.
//!
//! NATS from `BATON_TEST_NATS` (`nats://host:port`); unset, the NATS tests
//! print "skipped: BATON_TEST_NATS unset" and pass, unless
//! `BATON_REQUIRE_NATS=1`. The restart test starts its own nats-server
//! (`BATON_NATS_SERVER`, else `nats-server` on PATH) on a free port.
//!
//! And the hub: a real server publishes a `Conversation` hint for what it
//! commits.

mod common;

use baton_protocol::{ConversationId, OperatorId, Seq};
use baton_server::bus::{Bus, Envelope, Hint, Hints, InProcessBus, NatsBus, ProcessId, Topic};
use common::postgres::nats_url;
use common::process::free_port;
use futures::StreamExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A cluster name of its own, so runs sharing a NATS server never mix.
fn new_cluster() -> String {
    format!("test-{}", ProcessId::random())
}

fn conv(id: &str, seq: u64) -> Hint {
    Hint::Conversation {
        conversation: ConversationId(id.into()),
        seq: Seq(seq),
    }
}

async fn next(hints: &mut Hints, within: Duration) -> Option<Envelope> {
    tokio::time::timeout(within, hints.next()).await.ok().flatten()
}

async fn expect(hints: &mut Hints, from: &ProcessId, hint: Hint, what: &str) {
    let got = next(hints, Duration::from_secs(5))
        .await
        .unwrap_or_else(|| panic!("{what}: no hint within 5 s (wanted {hint:?})"));
    assert_eq!((&got.from, &got.hint), (from, &hint), "{what}");
}

async fn expect_nothing(hints: &mut Hints, what: &str) {
    if let Some(extra) = next(hints, Duration::from_millis(300)).await {
        panic!("{what}: unexpected {extra:?}");
    }
}

/// `a` and `b` are two processes on one bus.
async fn two_processes(a: &dyn Bus, b: &dyn Bus) {
    assert_ne!(a.process(), b.process());
    assert!(a.health().connected && b.health().connected);
    let mut a_all = a.subscribe(Topic::All).await.expect("subscribe");
    let mut b_all = b.subscribe(Topic::All).await.expect("subscribe");
    let mut b_c1 = b
        .subscribe(Topic::Conversation(ConversationId("c1".into())))
        .await
        .expect("subscribe");
    let mut b_convs = b.subscribe(Topic::Conversations).await.expect("subscribe");
    let mut b_team = b.subscribe(Topic::Team).await.expect("subscribe");
    let team = Hint::Team {
        operator: Some(OperatorId("o1".into())),
        bot: None,
        auto_away: false,
    };
    let presence = Hint::Presence {
        conversation: ConversationId("c1".into()),
        visitors: 1,
    };
    for hint in [conv("c1", 1), conv("c2", 1), team.clone(), presence.clone()] {
        a.publish(hint).await.expect("publish");
    }
    b.publish(conv("c1", 2)).await.expect("publish");

    let pa = a.process();
    // A sent four: B sees them all, in order, and not its own.
    expect(&mut b_all, pa, conv("c1", 1), "b, all").await;
    expect(&mut b_all, pa, conv("c2", 1), "b, all").await;
    expect(&mut b_all, pa, team.clone(), "b, all").await;
    expect(&mut b_all, pa, presence.clone(), "b, all").await;
    expect_nothing(&mut b_all, "b, all: its own hint").await;
    // Per topic.
    expect(&mut b_c1, pa, conv("c1", 1), "b, c1").await;
    expect(&mut b_c1, pa, presence.clone(), "b, c1").await;
    expect_nothing(&mut b_c1, "b, c1").await;
    expect(&mut b_convs, pa, conv("c1", 1), "b, conversations").await;
    expect(&mut b_convs, pa, conv("c2", 1), "b, conversations").await;
    expect(&mut b_convs, pa, presence, "b, conversations").await;
    expect_nothing(&mut b_convs, "b, conversations").await;
    expect(&mut b_team, pa, team, "b, team").await;
    expect_nothing(&mut b_team, "b, team").await;
    // A sees B's one hint first, none of its own.
    expect(&mut a_all, b.process(), conv("c1", 2), "a, all").await;
    expect_nothing(&mut a_all, "a, all: its own hints").await;
}

#[tokio::test]
async fn in_process_two_processes_see_each_others_hints_not_their_own() {
    let a = InProcessBus::new(ProcessId::random());
    let b = a.handle(ProcessId::random());
    two_processes(&a, &b).await;
}

#[tokio::test]
async fn nats_two_processes_see_each_others_hints_not_their_own() {
    let Some(url) = nats_url() else { return };
    let cluster = new_cluster();
    let a = NatsBus::connect(&url, &cluster, ProcessId::random())
        .await
        .expect("bus call");
    let b = NatsBus::connect(&url, &cluster, ProcessId::random())
        .await
        .expect("bus call");
    assert_eq!(a.health().backend, "nats");
    two_processes(&a, &b).await;
    // Another cluster on the same server hears none of it.
    let other = NatsBus::connect(&url, &new_cluster(), ProcessId::random())
        .await
        .expect("connect");
    let mut elsewhere = other.subscribe(Topic::All).await.expect("subscribe");
    a.publish(conv("c1", 3)).await.expect("publish");
    expect_nothing(&mut elsewhere, "another cluster").await;
}

#[tokio::test]
async fn nats_refuses_a_server_that_does_not_answer() {
    let Some(_) = nats_url() else { return };
    let port = free_port();
    let err = NatsBus::connect(&format!("nats://127.0.0.1:{port}"), "t", ProcessId::random())
        .await
        .expect_err("nothing listens there");
    assert!(err.to_string().contains("cannot reach NATS"), "{err}");
}

/// A nats-server this test started; killed when dropped.
struct Server {
    child: Child,
}

impl Server {
    fn start(port: u16) -> Server {
        let bin = std::env::var("BATON_NATS_SERVER")
            .ok()
            .filter(|b| !b.is_empty())
            .unwrap_or_else(|| "nats-server".into());
        let child = Command::new(&bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {bin} (set BATON_NATS_SERVER to its path): {e}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "{bin} did not listen on port {port} within 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Server { child }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_for(what: &str, within: Duration, check: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !check() {
        assert!(Instant::now() < deadline, "{what} within {within:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn nats_hints_flow_again_after_the_server_restarts() {
    let Some(_) = nats_url() else { return };
    let port = free_port();
    let url = format!("nats://127.0.0.1:{port}");
    let server = Server::start(port);
    let a = NatsBus::connect(&url, "restart", ProcessId::random())
        .await
        .expect("bus call");
    let b = NatsBus::connect(&url, "restart", ProcessId::random())
        .await
        .expect("bus call");
    let mut hints = b.subscribe(Topic::All).await.expect("subscribe");
    a.publish(conv("c1", 1)).await.expect("publish");
    expect(&mut hints, a.process(), conv("c1", 1), "before the restart").await;

    drop(server);
    wait_for("health reports disconnected", Duration::from_secs(10), || {
        !a.health().connected && !b.health().connected
    })
    .await;
    let _server = Server::start(port);
    wait_for("both reconnect", Duration::from_secs(20), || {
        a.health().connected && b.health().connected
    })
    .await;
    // B subscribes again as it reconnects; a hint sent before that is
    // lost (as any may be), so A keeps sending until one arrives.
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seq = 100;
    let got = loop {
        assert!(
            Instant::now() < deadline,
            "no hint crossed the restarted server within 15 s"
        );
        a.publish(conv("c1", seq)).await.expect("publish");
        seq += 1;
        if let Some(got) = next(&mut hints, Duration::from_millis(200)).await {
            break got;
        }
    };
    assert_eq!(&got.from, a.process());
    assert!(
        matches!(got.hint, Hint::Conversation { seq: Seq(s), .. } if s >= 100),
        "a hint sent after the restart, not {got:?}"
    );
}

#[tokio::test]
async fn the_hub_hints_each_commit_to_other_processes() {
    use baton_protocol::visitor::{ServerToVisitor, VisitorToServer};
    let bus = InProcessBus::new(ProcessId::random());
    let other = bus.handle(ProcessId::random());
    let mut hints = other.subscribe(Topic::All).await.expect("subscribe");
    let server = common::Server::start_on_bus(std::sync::Arc::new(bus.clone())).await;
    let mut visitor = server.visitor().await;
    common::send(&mut visitor, &common::hello()).await;
    let conversation = common::recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        _ => None,
    })
    .await;
    let send = VisitorToServer::Send {
        client_msg_id: baton_protocol::ClientMsgId("m1".into()),
        text: "hello".into(),
    };
    common::send(&mut visitor, &send).await;
    let acked = common::recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        _ => None,
    })
    .await;
    // Hints for this conversation, from the hub's process, seqs rising,
    // up to (at least) the acked message.
    let mut last = Seq(0);
    while last < acked {
        let got = next(&mut hints, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("no hint up to seq {acked:?} (last {last:?})"));
        assert_eq!(&got.from, bus.process());
        match got.hint {
            Hint::Conversation { conversation: c, seq } if c == conversation && seq > last => last = seq,
            other => panic!("unexpected {other:?}"),
        }
    }
}
