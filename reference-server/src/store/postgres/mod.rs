//! The PostgreSQL store: the same [`Store`] as SQLite's, on a database
//! several server processes can share (issue 13), through tokio-postgres
//! and a deadpool connection pool.
//!
//! The bridge. [`Store`] is synchronous: the store writer calls it from a
//! plain thread (`hub/writer.rs`) and request handlers from tokio's worker
//! threads. tokio-postgres is async, and the blocking `postgres` crate
//! panics on a runtime's thread. So the store owns a small runtime of its
//! own (one worker thread), which drives the connections; each method
//! enters that runtime and blocks the calling thread on its query
//! ([`PgStore::block`]), as a SQLite call blocks it on the disk. This is a
//! bridge until the async event log lands, whose callers will await the
//! queries instead.
//!
//! Files: `schema.rs` the migrations (SQLite's, in PostgreSQL's dialect,
//! same numbering), `store.rs` the [`Store`] methods, `append.rs` the
//! events' one-transaction write, `team.rs`
//! [`super::TeamStore`], `settings.rs` the settings, team shortcuts and
//! marks, `timers.rs` the timers' claims, `presence.rs` the processes'
//! heartbeats and inbox counts.

mod append;
mod presence;
mod schema;
mod settings;
mod store;
mod team;
#[cfg(test)]
pub(super) mod testing;
#[cfg(test)]
mod tests;
mod timers;

pub(super) use schema::MIGRATIONS;

use super::{Result, StoreError};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime};
use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

/// Connections kept open at most. The store writer uses one at a time;
/// the rest serve reads (a resume, a bot's history, the inbox's pages)
/// from request handlers, which may run on every core at once.
const POOL_SIZE: usize = 8;

/// How long a query waits for a free connection, or for a new one to open,
/// before the call fails (and `/healthz` says so) rather than hanging.
const POOL_WAIT: Duration = Duration::from_secs(10);

/// How long `/healthz` waits for the database.
const HEALTH_WAIT: Duration = Duration::from_secs(2);

/// Serialises migrations of processes starting at once (any fixed key).
const MIGRATION_LOCK: i64 = 0x0062_6174_6f6e; // "baton"

/// The PostgreSQL store. Cheap to share: the pool hands each call its own
/// connection.
pub struct PgStore {
    pool: Pool,
    /// Drives the pool's connections; `Some` until dropped.
    runtime: Option<tokio::runtime::Runtime>,
    /// The URL without its password, for logs.
    shown: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("database", &self.shown).finish()
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`,
    /// or libpq's `key=value` form) and brings its schema up to date.
    pub fn connect(url: &str) -> Result<PgStore> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Backend(format!("not a PostgreSQL URL ({e})")))?;
        PgStore::with_config(config)
    }

    /// [`PgStore::connect`] with the connection settings already parsed.
    pub fn with_config(config: tokio_postgres::Config) -> Result<PgStore> {
        let shown = shown(&config);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("baton-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Backend(format!("could not start the PostgreSQL runtime: {e}")))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                // A connection the server closed is noticed on use (and
                // replaced); no extra round trip per checkout.
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _in = runtime.enter();
            Pool::builder(manager)
                .max_size(POOL_SIZE)
                .runtime(Runtime::Tokio1)
                .wait_timeout(Some(POOL_WAIT))
                .create_timeout(Some(POOL_WAIT))
                .recycle_timeout(Some(POOL_WAIT))
                .build()
                .map_err(|e| StoreError::Backend(format!("connection pool: {e}")))?
        };
        let store = PgStore {
            pool,
            runtime: Some(runtime),
            shown,
        };
        store.migrate().map_err(|e| match e {
            StoreError::Backend(why) => StoreError::Backend(format!("{}: {why}", store.shown)),
            other => other,
        })?;
        Ok(store)
    }

    /// Runs `work` to its end on the calling thread, inside the store's
    /// runtime (where the connections live and its timers run): the bridge
    /// from the synchronous [`super::Store`] to tokio-postgres.
    pub(super) fn block<T>(&self, work: impl Future<Output = Result<T>>) -> Result<T> {
        let runtime = self.runtime.as_ref().expect("the runtime lives as long as the store");
        let _in = runtime.enter();
        block_on(work)
    }

    /// Where the data is: `postgres://user@host:port/database`, without
    /// the password.
    pub fn database(&self) -> &str {
        &self.shown
    }

    /// A connection from the pool, given back when dropped.
    pub(super) async fn client(&self) -> Result<Object> {
        self.pool.get().await.map_err(pool_error)
    }

    /// Applies the migrations this database has not had, each in its own
    /// transaction with its number recorded in `schema_migrations`, under
    /// an advisory lock so that processes starting together migrate once.
    fn migrate(&self) -> Result<()> {
        self.block(async {
            let mut client = self.client().await?;
            loop {
                let tx = client.transaction().await?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
                    .await?;
                // No "already exists, skipping" notice in the log at every start.
                tx.batch_execute("SET LOCAL client_min_messages = warning").await?;
                tx.batch_execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (
                         version    BIGINT PRIMARY KEY,
                         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                     )",
                )
                .await?;
                let done: i64 = tx
                    .query_one("SELECT COALESCE(max(version), 0) FROM schema_migrations", &[])
                    .await?
                    .try_get(0)?;
                let known = MIGRATIONS.len() as i64;
                if done > known {
                    return Err(StoreError::Backend(format!(
                        "the database's schema is at migration {done}, newer than this server's {known}: \
                         run the newer server"
                    )));
                }
                let Some(sql) = MIGRATIONS.get(done as usize) else {
                    tx.commit().await?;
                    return Ok(());
                };
                tx.batch_execute(sql).await?;
                tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[&(done + 1)])
                    .await?;
                tx.commit().await?;
            }
        })
    }

    /// Whether the database answers, within [`HEALTH_WAIT`].
    pub(super) fn ping(&self) -> Result<()> {
        self.block(async {
            let ping = async {
                let client = self.client().await?;
                client.simple_query("SELECT 1").await?;
                Ok(())
            };
            tokio::time::timeout(HEALTH_WAIT, ping)
                .await
                .map_err(|_| StoreError::Backend("no answer within 2 s".into()))?
        })
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its tasks end, which tokio refuses
        // on another runtime's thread (where a test or the server may drop
        // the store): let its thread wind down by itself instead.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// Host, port, database and user of a config, never its password.
fn shown(config: &tokio_postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(tokio_postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgres://{}@{host}:{port}/{}",
        config.get_user().unwrap_or(""),
        config.get_dbname().unwrap_or("")
    )
}

/// Polls `work` on this thread until it is ready, parking in between (the
/// connection task on the store's runtime wakes it when an answer comes).
fn block_on<F: Future>(work: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let mut work = std::pin::pin!(work);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(out) = work.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

// ------------------------------------------------------------------ errors

/// The one place tokio-postgres's errors become [`StoreError`]s: a broken
/// uniqueness rule is [`StoreError::Duplicate`], anything else the
/// backend's failure, in the server's words.
impl From<tokio_postgres::Error> for StoreError {
    fn from(err: tokio_postgres::Error) -> StoreError {
        if err.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            return StoreError::Duplicate;
        }
        match err.as_db_error() {
            Some(db) => StoreError::Backend(db.to_string()),
            None => {
                // "error connecting to server" alone does not say why.
                let mut text = err.to_string();
                let mut source = std::error::Error::source(&err);
                while let Some(cause) = source {
                    let cause_text = cause.to_string();
                    if !text.contains(&cause_text) {
                        text = format!("{text}: {cause_text}");
                    }
                    source = cause.source();
                }
                StoreError::Backend(text)
            }
        }
    }
}

fn pool_error(err: PoolError) -> StoreError {
    match err {
        PoolError::Backend(err) => err.into(),
        other => StoreError::Backend(format!("connection pool: {other}")),
    }
}
