//! What tests of several processes share: a fresh database on the
//! PostgreSQL server in `BATON_TEST_POSTGRES`, and the nats-server in
//! `BATON_TEST_NATS`. A test without them is skipped, unless
//! `BATON_REQUIRE_POSTGRES=1` (the test command sets it, having started
//! both). The processes themselves are `process::Baton`.

use tokio_postgres::NoTls;

/// The environment variable's value, or `None` when the test is to be
/// skipped (a panic when `require` is `1`).
fn required(var: &str, require: &str) -> Option<String> {
    let value = std::env::var(var).ok().filter(|u| !u.is_empty());
    if value.is_none() {
        if std::env::var(require).is_ok_and(|v| v == "1") {
            panic!("{require}=1 but {var} is unset");
        }
        eprintln!("skipped: {var} unset");
    }
    value
}

/// The PostgreSQL server's URL, or `None` when the test is to be skipped.
pub fn postgres_url() -> Option<String> {
    required("BATON_TEST_POSTGRES", "BATON_REQUIRE_POSTGRES")
}

/// The NATS server's URL, or `None` when the test is to be skipped.
pub fn nats_url() -> Option<String> {
    required("BATON_TEST_NATS", "BATON_REQUIRE_NATS")
}

/// The server binary on the PostgreSQL database `store`, listening on
/// `port`, with `extra` arguments; it must write nothing on disk.
pub async fn start_on(store: &str, port: u16, extra: &[&str]) -> super::process::Baton {
    let dir = std::env::temp_dir().join(format!("baton-pg-{port}"));
    let mut args = vec!["--store", store, "--data-dir", dir.to_str().expect("a UTF-8 path")];
    args.extend_from_slice(extra);
    let server = super::process::Baton::start(port, &args).await;
    assert!(!dir.exists(), "no SQLite file beside a PostgreSQL store");
    server
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
