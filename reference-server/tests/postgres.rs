//! The real server binary on PostgreSQL (`--store postgres://…`): a
//! visitor's message is stored there, survives a SIGKILL, and is replayed
//! when the visitor resumes on the restarted process; `/healthz` names the
//! store. Runs on a fresh database of the server in `BATON_TEST_POSTGRES`
//! (skipped without it, unless `BATON_REQUIRE_POSTGRES=1`).

mod common;

use baton_protocol::visitor::{Resume, ServerToVisitor, VisitorHello, VisitorToServer};
use baton_protocol::*;
use common::process::Baton;
use common::{recv, send, send_acked};
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

/// The server binary on the PostgreSQL database `store`.
async fn start(store: &str, port: u16) -> Baton {
    let dir = std::env::temp_dir().join(format!("baton-pg-{port}"));
    // Nothing may be written there: the data is in PostgreSQL.
    let server = Baton::start(
        port,
        &["--store", store, "--data-dir", dir.to_str().expect("a UTF-8 path")],
    )
    .await;
    assert!(!dir.exists(), "no SQLite file beside a PostgreSQL store");
    server
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
    let Some(url) = server_url() else { return };
    let admin_config: tokio_postgres::Config = url.parse().expect("BATON_TEST_POSTGRES is a URL");
    let name = format!("baton_t_{}", &baton_server::auth::new_id()[..16]);
    admin(&admin_config, &format!("CREATE DATABASE {name}")).await;
    let mut config = admin_config.clone();
    config.dbname(&name);
    let store = url_of(&config);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let server = start(&store, port).await;
    let (status, health) = server.health().await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["store"]["backend"], "postgres", "{health}");
    assert_eq!(health["store"]["status"], "ok", "{health}");

    let mut visitor = server.visitor().await;
    send(&mut visitor, &hello(None)).await;
    let ServerToVisitor::Welcome(welcome) = recv(&mut visitor).await else {
        panic!("welcome")
    };
    let (conversation, token) = (welcome.conversation, welcome.token.expect("token"));
    let m1 = send_acked(&mut visitor, "m1", "stored in postgres").await;

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
    let server = start(&store, port).await;
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
    let again = send_acked(&mut visitor, "m1", "stored in postgres").await;
    assert_eq!(again, m1);
    server.kill();
    drop(visitor);
    admin(&admin_config, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
}
