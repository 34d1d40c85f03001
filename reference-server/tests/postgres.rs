//! The real server binary on PostgreSQL (`--store postgres://…`): a
//! visitor's message is stored there, survives a SIGKILL, and is replayed
//! when the visitor resumes on the restarted process; `/healthz` names the
//! store. Runs on a fresh database of the server in `BATON_TEST_POSTGRES`
//! (skipped without it, unless `BATON_REQUIRE_POSTGRES=1`).

mod common;

use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use common::{Ws, recv, recv_until, send};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_postgres::NoTls;

/// The test server's URL, or `None` when the test is to be skipped.
fn server_url() -> Option<String> {
    let url = std::env::var("BATON_TEST_POSTGRES").ok().filter(|u| !u.is_empty());
    if url.is_none() {
        if std::env::var("BATON_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("BATON_REQUIRE_POSTGRES=1 but BATON_TEST_POSTGRES is unset");
        }
        eprintln!("skipped: BATON_TEST_POSTGRES unset");
    }
    url
}

/// Runs `sql` on the server's own database.
async fn admin(config: &tokio_postgres::Config, sql: &str) {
    let (client, connection) = config.connect(NoTls).await.expect("connect to BATON_TEST_POSTGRES");
    tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A new database on the test server: the server's settings, the new
/// database's name and its settings. `None` when the test is to be skipped.
async fn fresh_database() -> Option<(tokio_postgres::Config, String, tokio_postgres::Config)> {
    let url = server_url()?;
    let admin_config: tokio_postgres::Config = url.parse().expect("BATON_TEST_POSTGRES is a URL");
    let name = format!("baton_t_{}", &baton_server::auth::new_id()[..16]);
    admin(&admin_config, &format!("CREATE DATABASE {name}")).await;
    let mut config = admin_config.clone();
    config.dbname(&name);
    Some((admin_config, name, config))
}

/// `config` as the URL `--store` takes.
fn url_of(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        _ => "127.0.0.1".into(),
    };
    let password = config
        .get_password()
        .map(|p| format!(":{}", String::from_utf8_lossy(p)))
        .unwrap_or_default();
    format!(
        "postgres://{}{password}@{host}:{}/{}",
        config.get_user().unwrap_or("postgres"),
        config.get_ports().first().copied().unwrap_or(5432),
        config.get_dbname().unwrap_or_default()
    )
}

struct Process {
    child: Child,
    port: u16,
}

impl Process {
    async fn start(store: &str, port: u16) -> Process {
        let dir = std::env::temp_dir().join(format!("baton-pg-{port}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton-server"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--allowed-origins", common::ORIGIN])
            .args(["--store", store])
            // Nothing may be written here: the data is in PostgreSQL.
            .arg("--data-dir")
            .arg(&dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                assert!(!dir.exists(), "no SQLite file beside a PostgreSQL store");
                return Process { child, port };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the server exited at start ({status})");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not start listening");
    }

    fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    async fn visitor(&self) -> Ws {
        common::visitor_socket(&format!("127.0.0.1:{}", self.port), common::ORIGIN)
            .await
            .expect("visitor connects")
    }

    /// `/healthz`'s status line and body.
    async fn health(&self) -> (String, serde_json::Value) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", self.port))
            .await
            .expect("connect");
        tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: shop.test\r\nConnection: close\r\n\r\n")
            .await
            .expect("request");
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).await.expect("answer");
        let (head, body) = answer.split_once("\r\n\r\n").expect("a response");
        let status = head.lines().next().unwrap_or_default().to_owned();
        (status, serde_json::from_str(body).expect("JSON"))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn hello(resume: Option<Resume>) -> VisitorToServer {
    VisitorToServer::Hello(VisitorHello {
        protocol: PROTOCOL_VERSION,
        features: common::all_features(),
        bot: BotId("demo".into()),
        resume,
        locale: None,
        page: None,
    })
}

#[tokio::test]
async fn a_visitor_message_on_postgres_survives_a_killed_server() {
    let Some((admin_config, name, config)) = fresh_database().await else {
        return;
    };
    let store = url_of(&config);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let server = Process::start(&store, port).await;
    let (status, health) = server.health().await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(health["store"]["backend"], "postgres", "{health}");
    assert_eq!(health["store"]["status"], "ok", "{health}");

    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello(None)).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    let m1 = send_m1(&mut visitor).await;

    // The acknowledged row is in the database, written by the server.
    let (client, connection) = config.connect(NoTls).await.expect("connect to the test database");
    tokio::spawn(connection);
    let stored: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE conversation_id = $1 AND seq = $2",
            &[&conversation.as_str(), &(m1.0 as i64)],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(stored, 1, "the acked message is a row in PostgreSQL");
    drop(client);

    server.kill();
    drop(visitor);
    let server = Process::start(&store, port).await;
    let mut visitor = server.visitor().await;
    send(
        &mut visitor,
        &hello(Some(Resume {
            conversation: conversation.clone(),
            token,
            last_seq: Seq(0),
        })),
    )
    .await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome after the restart")
    };
    assert_eq!(welcome.conversation, conversation, "the same conversation resumed");
    let texts: Vec<_> = welcome.replay.iter().filter_map(|e| e.body.message_text()).collect();
    assert!(texts.contains(&"stored in postgres"), "replayed: {texts:?}");
    assert!(welcome.replay.iter().any(|e| e.seq == m1));
    // A retry of the acked message gets its original seq back.
    let again = send_m1(&mut visitor).await;
    assert_eq!(again, m1);
    server.kill();
    drop(visitor);
    admin(&admin_config, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
}

/// Sends the visitor's message `m1` (again, on a retry) and returns the seq
/// its ack names.
async fn send_m1(visitor: &mut Ws) -> Seq {
    send(
        visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "stored in postgres".into(),
        },
    )
    .await;
    recv_until(visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Ack { seq, .. } => Some(*seq),
        ServerToVisitor::Error(e) => panic!("refused: {e:?}"),
        _ => None,
    })
    .await
}

/// Timers as data (`store::timers`): process A arms a help request's
/// response window and goes away before it lapses; process B, on the same
/// database, fires it — once: the log holds one `request_lapsed`, and the
/// timer's row is gone. (B holds the conversation because it loads every
/// stored one at start.)
#[tokio::test]
async fn a_window_armed_by_a_process_that_went_away_lapses_once_on_another() {
    use baton_server::store::PgStore;
    use std::sync::Arc;
    // Long enough for A to be gone before it, even on a loaded machine.
    const WINDOW_MS: u64 = 6_000;
    const POLL: Duration = Duration::from_millis(100);
    let Some((admin_config, name, config)) = fresh_database().await else {
        return;
    };
    let open = || PgStore::with_config(config.clone()).expect("open the test database");
    let (client, connection) = config.connect(NoTls).await.expect("connect to the test database");
    tokio::spawn(connection);

    let a = common::Server::start_store(open(), vec![common::bot(WINDOW_MS)]).await;
    a.state.hub.set_timer_poll(POLL);
    let ben = a.available_operator("op-b").await;
    let mut visitor = a.visitor().await;
    send(&mut visitor, &common::hello()).await;
    let conversation = recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Welcome(w) => Some(w.conversation.clone()),
        _ => None,
    })
    .await;
    send(
        &mut visitor,
        &VisitorToServer::Send {
            client_msg_id: ClientMsgId("m1".into()),
            text: "Where is my parcel?".into(),
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| {
        matches!(f, ServerToVisitor::Ack { .. }).then_some(())
    })
    .await;
    send(
        &mut visitor,
        &VisitorToServer::RequestHuman {
            client_msg_id: ClientMsgId("r1".into()),
        },
    )
    .await;
    recv_until(&mut visitor, |f: &ServerToVisitor| match f {
        ServerToVisitor::Event(e) if matches!(e.body, EventBody::HelpRequested { .. }) => Some(()),
        _ => None,
    })
    .await;
    let timers = "SELECT count(*) FROM timers WHERE kind = 'window' AND key = $1";
    let count = |sql: &'static str| {
        let (client, conversation) = (&client, conversation.clone());
        async move {
            let n: i64 = client
                .query_one(sql, &[&conversation.as_str()])
                .await
                .expect("count")
                .get(0);
            n
        }
    };
    let lapses = "SELECT count(*) FROM events WHERE conversation_id = $1 AND body::jsonb->>'type' = 'request_lapsed'";
    wait_for("A to store the window's timer", || async { count(timers).await == 1 }).await;

    // A goes away (its hub dropped, so no task of it is left) before the
    // window lapses.
    let gone = Arc::downgrade(&a.state.hub);
    drop((ben, visitor));
    a.stop().await;
    wait_for("A's hub to be dropped", || async { gone.upgrade().is_none() }).await;
    assert_eq!(count(lapses).await, 0, "A went before the window lapsed");

    let b = common::Server::start_store(open(), vec![common::bot(WINDOW_MS)]).await;
    b.state.hub.set_timer_poll(POLL);
    wait_for("B to lapse the request", || async { count(lapses).await > 0 }).await;
    wait_for("B to complete the timer", || async { count(timers).await == 0 }).await;
    assert_eq!(count(lapses).await, 1, "the window lapsed once");
    b.stop().await;
    drop(client);
    admin(&admin_config, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
}

/// Polls `done` every 50 ms until it holds; fails after 30 s.
async fn wait_for<F: std::future::Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("waited 30 s for {what}");
}
