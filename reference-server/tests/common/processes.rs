//! Real `baton-server` processes on a fresh PostgreSQL database of the
//! server in `BATON_TEST_POSTGRES` (the tests that use them are skipped
//! without it, unless `BATON_REQUIRE_POSTGRES=1`), and the NATS server in
//! `BATON_TEST_NATS` (likewise with `BATON_REQUIRE_NATS=1`).

use super::Ws;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_postgres::NoTls;

/// The test PostgreSQL server's URL (`BATON_TEST_POSTGRES`), or `None`
/// when the test is to be skipped (a failure with `BATON_REQUIRE_POSTGRES=1`).
pub fn postgres_url() -> Option<String> {
    service_url("BATON_TEST_POSTGRES", "BATON_REQUIRE_POSTGRES")
}

/// The test NATS server's URL (`BATON_TEST_NATS`), or `None` when the test
/// is to be skipped (a failure with `BATON_REQUIRE_NATS=1`).
pub fn nats_url() -> Option<String> {
    service_url("BATON_TEST_NATS", "BATON_REQUIRE_NATS")
}

fn service_url(var: &str, require: &str) -> Option<String> {
    let url = std::env::var(var).ok().filter(|u| !u.is_empty());
    if url.is_none() {
        if std::env::var(require).is_ok_and(|v| v == "1") {
            panic!("{require}=1 but {var} is unset");
        }
        eprintln!("skipped: {var} unset");
    }
    url
}

/// Runs `sql` on the server's own database.
pub async fn admin(config: &tokio_postgres::Config, sql: &str) {
    let (client, connection) = config.connect(NoTls).await.expect("connect to BATON_TEST_POSTGRES");
    tokio::spawn(connection);
    client.batch_execute(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// `config` as the URL `--store` takes.
pub fn url_of(config: &tokio_postgres::Config) -> String {
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

/// A database made for one test on the server at `url`; dropped (with its
/// connections) by [`FreshDb::drop_now`].
pub struct FreshDb {
    pub admin: tokio_postgres::Config,
    pub name: String,
    /// Its own connection settings.
    pub config: tokio_postgres::Config,
    /// Its URL, for `--store`.
    pub url: String,
}

impl FreshDb {
    pub async fn create(url: &str) -> FreshDb {
        let admin_config: tokio_postgres::Config = url.parse().expect("BATON_TEST_POSTGRES is a URL");
        let name = format!("baton_t_{}", &baton_server::auth::new_id()[..16]);
        admin(&admin_config, &format!("CREATE DATABASE {name}")).await;
        let mut config = admin_config.clone();
        config.dbname(&name);
        let url = url_of(&config);
        FreshDb {
            admin: admin_config,
            name,
            config,
            url,
        }
    }

    pub async fn drop_now(self) {
        admin(&self.admin, &format!("DROP DATABASE {} WITH (FORCE)", self.name)).await;
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A `baton-server` child process; killed (SIGKILL) when dropped.
pub struct Process {
    pub child: Child,
    pub port: u16,
}

impl Process {
    /// Starts the binary on `store` and `port`, with `extra` arguments, and
    /// waits until it listens.
    pub async fn start(store: &str, port: u16, extra: &[&str]) -> Process {
        let dir = std::env::temp_dir().join(format!("baton-pg-{port}"));
        let mut args = vec!["--store", store];
        args.extend_from_slice(extra);
        // Nothing may be written here: the data is in PostgreSQL.
        let process = Process::spawn(port, &args, &dir).await;
        assert!(!dir.exists(), "no SQLite file beside a PostgreSQL store");
        process
    }

    /// Starts the binary listening on `port` with `args` and `--data-dir
    /// dir`, and waits until it listens.
    pub async fn spawn(port: u16, args: &[&str], dir: &Path) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_baton-server"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--allowed-origins", super::ORIGIN])
            .args(args)
            .arg("--data-dir")
            .arg(dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
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

    /// SIGKILL: no shutdown code runs.
    pub fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("reap");
    }

    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub async fn visitor(&self) -> Ws {
        super::visitor_socket(&self.addr(), super::ORIGIN)
            .await
            .expect("visitor connects")
    }

    pub async fn operator(&self, token: &str) -> Ws {
        super::operator_socket(&self.addr(), token).await
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
