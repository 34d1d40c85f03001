//! The documented deployment, for real: two `baton-server` processes on one
//! PostgreSQL database and one NATS bus, behind HAProxy running
//! `deploy/haproxy.cfg` itself. `/healthz` answers through the proxy; a
//! visitor connects through it, is acknowledged, an operator signs in and
//! opens the inbox through it (landing on the other process) and answers
//! the visitor across processes, and — as in a rolling
//! restart — when its process gets SIGTERM it is told `going_away`, the
//! proxy sends nobody to that process any more, and the visitor resumes
//! through the proxy on the other process with its history.
//!
//! Needs `BATON_TEST_POSTGRES`, `BATON_TEST_NATS` and `BATON_TEST_HAPROXY`
//! (the haproxy program; `cargo xtask test` sets all three). Skipped
//! without them, unless `BATON_REQUIRE_POSTGRES=1` or
//! `BATON_REQUIRE_HAPROXY=1`.

mod common;

use baton_protocol::ClientMsgId;
use baton_protocol::operator::OperatorToServer;
use baton_protocol::visitor::ServerToVisitor;
use common::postgres::Database;
use common::process::{Baton, free_port, get, going_away_then_close, operator_via, sign_in_at, visitor_via};
use common::{recv, recv_until, send, send_acked};
use futures::StreamExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// What the test needs from outside, or `None` to skip.
struct Services {
    postgres: String,
    nats: String,
    haproxy: String,
}

fn services() -> Option<Services> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (postgres, nats, haproxy) = (
        var("BATON_TEST_POSTGRES"),
        var("BATON_TEST_NATS"),
        var("BATON_TEST_HAPROXY"),
    );
    match (postgres, nats, haproxy) {
        (Some(postgres), Some(nats), Some(haproxy)) => Some(Services {
            postgres,
            nats,
            haproxy,
        }),
        missing => {
            let required = ["BATON_REQUIRE_POSTGRES", "BATON_REQUIRE_HAPROXY"]
                .iter()
                .any(|name| var(name).as_deref() == Some("1"));
            if required {
                panic!("BATON_TEST_POSTGRES, BATON_TEST_NATS and BATON_TEST_HAPROXY are required: {missing:?}");
            }
            eprintln!("skipped: BATON_TEST_POSTGRES, BATON_TEST_NATS or BATON_TEST_HAPROXY unset");
            None
        }
    }
}

/// HAProxy on `deploy/haproxy.cfg`, in front of two processes' ports.
struct Proxy {
    child: Child,
    addr: String,
}

impl Proxy {
    async fn start(haproxy: &str, first: u16, second: u16) -> Proxy {
        let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/haproxy.cfg");
        let addr = format!("127.0.0.1:{}", free_port());
        let mut child = Command::new(haproxy)
            // Foreground, no daemon; its alerts go to this test's stderr.
            .args(["-db", "-f", config])
            .env("BATON_LB_BIND", &addr)
            .env("BATON_1", format!("127.0.0.1:{first}"))
            .env("BATON_2", format!("127.0.0.1:{second}"))
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{haproxy} starts: {e}"));
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(&addr).await.is_ok() {
                return Proxy { child, addr };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("haproxy exited at start ({status})");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("haproxy did not start listening on {addr}");
    }

    /// `/healthz` through the proxy: status, which process answered, and
    /// the body's `status`.
    async fn health(&self) -> (u16, String, String) {
        let (code, headers, body) = get(&self.addr, "/healthz").await.expect("an answer through the proxy");
        let process = headers
            .iter()
            .find(|(name, _)| name == "x-baton-process")
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        let body: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        (code, process, body["status"].as_str().unwrap_or_default().to_owned())
    }

    /// Asks `/healthz` until `process` answers (the proxy's checks found it
    /// up); panics after 30 s.
    async fn until_served_by(&self, process: &str) {
        for _ in 0..300 {
            if self.health().await.1 == process {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the proxy never sent a request to {process}");
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn two_processes_behind_haproxy_hand_a_visitor_over_on_sigterm() {
    let Some(services) = services() else { return };
    let database = Database::create(&services.postgres).await;
    let store = database.url();
    let dir = tempfile::tempdir().expect("a temporary directory");
    // The proxy is on loopback: its X-Forwarded-For names the visitor.
    let config = dir.path().join("baton.toml");
    std::fs::write(&config, "trusted_proxies = [\"127.0.0.1\"]\n").expect("config");
    let cluster = format!("lb{}", &baton_server::auth::new_id()[..12]);
    let args = |name: &str| -> Vec<String> {
        let data = dir.path().join(name);
        vec![
            "--config".into(),
            config.display().to_string(),
            "--store".into(),
            store.clone(),
            "--bus".into(),
            services.nats.clone(),
            "--bus-cluster".into(),
            cluster.clone(),
            "--data-dir".into(),
            data.display().to_string(),
            // The demo team: Dana signs in through the proxy.
            "--demo".into(),
        ]
    };
    let (port1, port2) = (free_port(), free_port());

    // One process up; the proxy finds it.
    let mut first = Baton::start(port1, &args("first")).await;
    let proxy = Proxy::start(&services.haproxy, port1, port2).await;
    proxy.until_served_by("baton1").await;
    let (code, _, status) = proxy.health().await;
    assert_eq!((code, status.as_str()), (200, "ok"), "healthz through the proxy");

    // A visitor through the proxy, on the first process (the only one up).
    let (mut visitor, process) = visitor_via(&proxy.addr).await;
    assert_eq!(process.as_deref(), Some("baton1"));
    send(&mut visitor, &common::hello()).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    let m1 = send_acked(&mut visitor, "m1", "through the proxy").await;

    // The second process joins, on the same database and bus.
    let second = Baton::start(port2, &args("second")).await;
    proxy.until_served_by("baton2").await;

    // An operator signs in and opens the inbox through the proxy. It
    // balances by least connections and the first process holds the
    // visitor's socket, so the inbox lands on the second: Dana joins and
    // answers across processes.
    let session = sign_in_at(&proxy.addr, "dana@demo.baton", "handover-demo").await;
    let (mut dana, process) = operator_via(&proxy.addr, &session).await;
    assert_eq!(process.as_deref(), Some("baton2"), "the inbox on the other process");
    common::welcomed_and_available(&mut dana, "op-dana").await;
    let join = OperatorToServer::Join {
        conversation: conversation.clone(),
        client_msg_id: ClientMsgId("j1".into()),
        display_name: String::new(),
    };
    send(&mut dana, &join).await;
    let reply = OperatorToServer::Send {
        conversation: conversation.clone(),
        client_msg_id: ClientMsgId("o1".into()),
        text: "a person, through the proxy".into(),
        original: None,
    };
    send(&mut dana, &reply).await;
    let answered = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if e.body.message_text() == Some("a person, through the proxy") => Some(e.seq),
        _ => None,
    })
    .await;
    assert!(answered > m1);

    // A rolling restart's stop: the first process drains.
    first.terminate();
    let (retry_after, close) = going_away_then_close(&mut visitor).await;
    assert!(retry_after.0 >= 1_000, "{retry_after:?}");
    assert_eq!(close, Some(1001));
    assert!(visitor.next().await.is_none_or(|end| end.is_err()));
    drop(visitor);
    assert!(first.exited(Duration::from_secs(30)).await.success());

    // The proxy sends nobody to it any more: every request is answered, by
    // the second process.
    for _ in 0..10 {
        let (code, process, status) = proxy.health().await;
        assert_eq!((code, process.as_str(), status.as_str()), (200, "baton2", "ok"));
    }

    // The visitor comes back through the proxy and resumes there.
    let (mut visitor, process) = visitor_via(&proxy.addr).await;
    assert_eq!(process.as_deref(), Some("baton2"));
    // The history came along.
    common::resume_finds(&mut visitor, &conversation, &token, m1, "through the proxy").await;
    // And it goes on there: the retried message keeps its seq, a new one
    // comes after it.
    assert_eq!(send_acked(&mut visitor, "m1", "through the proxy").await, m1);
    assert!(send_acked(&mut visitor, "m2", "on the second process").await > m1);

    drop(visitor);
    drop(proxy);
    drop(second);
    database.drop_now().await;
}
