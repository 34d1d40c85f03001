//! A fresh PostgreSQL database per test, for the conformance suite
//! (`store/tests.rs`). The server comes from `BATON_TEST_POSTGRES` (a URL
//! whose user may create databases); `cargo xtask test` sets it, starting
//! a private cluster when none is given.

use super::PgStore;
use tokio_postgres::NoTls;

/// A database made for one test, dropped (with its connections) after it.
pub struct TestDb {
    store: Option<PgStore>,
    name: String,
    admin: tokio_postgres::Config,
}

impl TestDb {
    pub fn store(&self) -> &PgStore {
        self.store.as_ref().expect("until dropped")
    }

    /// Connection settings of this test's database (to open it again).
    pub fn config(&self) -> tokio_postgres::Config {
        let mut config = self.admin.clone();
        config.dbname(&self.name);
        config
    }
}

/// A new, empty, migrated database; `None` (after saying so) when
/// `BATON_TEST_POSTGRES` is unset, unless `BATON_REQUIRE_POSTGRES=1`
/// makes that a failure.
pub fn database() -> Option<TestDb> {
    let Some(url) = std::env::var("BATON_TEST_POSTGRES").ok().filter(|u| !u.is_empty()) else {
        if std::env::var("BATON_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("BATON_REQUIRE_POSTGRES=1 but BATON_TEST_POSTGRES is unset: no PostgreSQL to test against");
        }
        eprintln!("skipped: BATON_TEST_POSTGRES unset");
        return None;
    };
    let admin: tokio_postgres::Config = url
        .parse()
        .unwrap_or_else(|e| panic!("BATON_TEST_POSTGRES is not a PostgreSQL URL: {e}"));
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).expect("random bytes");
    let name = format!(
        "baton_t_{}",
        random.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    admin_sql(&admin, &format!("CREATE DATABASE {name}")).unwrap_or_else(|e| panic!("{e}"));
    let mut db = TestDb {
        store: None,
        name,
        admin,
    };
    db.store = Some(PgStore::with_config(db.config()).expect("connect to the test database"));
    Some(db)
}

impl Drop for TestDb {
    fn drop(&mut self) {
        drop(self.store.take());
        // FORCE: ends connections the store's pool has not closed yet.
        // Not a panic: this may run while a failed test unwinds.
        if let Err(err) = admin_sql(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("left the test database behind: {err}");
        }
    }
}

/// Runs `sql` on the server's own database (the URL's).
fn admin_sql(admin: &tokio_postgres::Config, sql: &str) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let (client, connection) = admin
            .connect(NoTls)
            .await
            .map_err(|e| format!("connect to BATON_TEST_POSTGRES: {e}"))?;
        tokio::spawn(connection);
        client.batch_execute(sql).await.map_err(|e| format!("{sql}: {e}"))
    })
}
