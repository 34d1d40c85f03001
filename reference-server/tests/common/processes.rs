//! Real `baton-server` processes on a fresh PostgreSQL database (and, for
//! several processes, a real nats-server): the databases of the server in
//! `BATON_TEST_POSTGRES`, the bus in `BATON_TEST_NATS`. A test without
//! them is skipped, unless `BATON_REQUIRE_POSTGRES=1` (the test command
//! sets it, having started both).

use super::Ws;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_postgres::NoTls;

/// The environment variable's value, or `None` when the test is to be
/// skipped (a panic when `BATON_REQUIRE_POSTGRES=1`).
fn required(var: &str) -> Option<String> {
    let value = std::env::var(var).ok().filter(|u| !u.is_empty());
    if value.is_none() {
        if std::env::var("BATON_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("BATON_REQUIRE_POSTGRES=1 but {var} is unset");
        }
        eprintln!("skipped: {var} unset");
    }
    value
}

/// The PostgreSQL server's URL, or `None` when the test is to be skipped.
pub fn postgres_url() -> Option<String> {
    required("BATON_TEST_POSTGRES")
}

/// The NATS server's URL, or `None` when the test is to be skipped.
pub fn nats_url() -> Option<String> {
    required("BATON_TEST_NATS")
}

/// A fresh database on the test server, dropped by [`Database::drop_now`].
pub struct Database {
    admin: tokio_postgres::Config,
    name: String,
    /// Its own connection settings.
    pub config: tokio_postgres::Config,
}

impl Database {
    pub async fn create(url: &str) -> Database {
        let admin: tokio_postgres::Config = url.parse().expect("BATON_TEST_POSTGRES is a URL");
        let name = format!("baton_t_{}", &baton_server::auth::new_id()[..16]);
        run(&admin, &format!("CREATE DATABASE {name}")).await;
        let mut config = admin.clone();
        config.dbname(&name);
        Database { admin, name, config }
    }

    /// The database as the URL `--store` takes.
    pub fn url(&self) -> String {
        let config = &self.config;
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

    /// A connection to this database.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, connection) = self.config.connect(NoTls).await.expect("connect to the test database");
        tokio::spawn(connection);
        client
    }

    pub async fn drop_now(self) {
        run(&self.admin, &format!("DROP DATABASE {} WITH (FORCE)", self.name)).await;
    }
}

/// Runs `sql` as the test server's administrator.
async fn run(config: &tokio_postgres::Config, sql: &str) {
    let (client, connection) = config.connect(NoTls).await.expect("connect to BATON_TEST_POSTGRES");
    tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A free loopback port (free when asked; the process binds it next).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One `baton-server` process; killed (SIGKILL) when dropped.
pub struct Process {
    child: Child,
    pub port: u16,
}

impl Process {
    /// Starts the binary on `port` with the store `store` and `extra`
    /// arguments, and waits until it listens.
    pub async fn start(store: &str, port: u16, extra: &[&str]) -> Process {
        let dir = std::env::temp_dir().join(format!("baton-pg-{port}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton-server"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--allowed-origins", super::ORIGIN])
            .args(["--store", store])
            .args(extra)
            // Nothing may be written here: the data is in PostgreSQL.
            .arg("--data-dir")
            .arg(&dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        for _ in 0..400 {
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

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// SIGKILL: no shutdown, no `going_away`.
    pub fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    pub async fn visitor(&self) -> Ws {
        super::visitor_socket(&self.addr(), super::ORIGIN)
            .await
            .expect("visitor connects")
    }

    /// Signs `email` in here (`POST /api/login`): the bearer token.
    pub async fn sign_in(&self, email: &str, password: &str) -> String {
        let response = reqwest::Client::new()
            .post(format!("http://{}/api/login", self.addr()))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("HTTP");
        assert!(response.status().is_success(), "sign-in: {}", response.status());
        let body: serde_json::Value = response.json().await.expect("JSON");
        body["token"].as_str().expect("a token").to_owned()
    }

    /// `/healthz`'s status line and body.
    pub async fn health(&self) -> (String, serde_json::Value) {
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
