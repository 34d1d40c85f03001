//! SQLite connections beside the writer's: read-only ones for reading
//! events, and a thread that checkpoints the WAL.
//!
//! In WAL mode a commit appends pages to the `-wal` file; a checkpoint
//! copies them into the database and syncs it. SQLite runs that inside the
//! commit that crosses `wal_autocheckpoint` pages — on the store writer's
//! thread, where every queued ack waits for it. Here a thread of its own
//! checkpoints (PASSIVE: it never blocks the writer or a reader), and the
//! writer's own threshold is only a backstop.

use super::Result;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The writer checkpoints by itself only past this many WAL pages (about
/// 40 MB at 4 KiB): if the checkpointer has fallen that far behind.
pub const WRITER_CHECKPOINT_PAGES: i64 = 10_000;

/// How often the checkpointer looks at the WAL while commits keep coming.
/// Under steady load the WAL only restarts at the writer's threshold (a
/// restart needs every frame copied when a transaction begins), and the
/// writer then copies and syncs what no pass has copied yet, while every
/// queued ack waits: passes this close together leave it at most this much
/// of writing. Measured with the bench client's closed loop (32 in flight,
/// 1,000 idle visitors): ack p99 12 ms instead of 19-20 ms with passes
/// every 200 ms.
const CHECKPOINT_BUSY: Duration = Duration::from_millis(20);

/// How often it looks while the WAL is not growing.
const CHECKPOINT_IDLE: Duration = Duration::from_millis(200);

/// Idle read connections kept; more are opened under load, closed after.
const KEPT_READERS: usize = 4;

/// A pool of read-only connections. A read-only connection sees every
/// committed transaction and never waits for the writer, so a bot reading
/// its history or a visitor's resume does not queue behind a commit.
#[derive(Debug)]
pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    pub fn new(path: &Path) -> Readers {
        Readers {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An idle connection, or a new one; given back when dropped.
    pub fn get(&self) -> Result<Reader<'_>> {
        let idle = self.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => Connection::open_with_flags(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?,
        };
        Ok(Reader {
            conn: Some(conn),
            pool: self,
        })
    }
}

/// A read connection on loan from [`Readers`].
pub struct Reader<'a> {
    conn: Option<Connection>,
    pool: &'a Readers,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("held until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let mut idle = self.pool.idle();
        if idle.len() < KEPT_READERS {
            idle.extend(self.conn.take());
        }
    }
}

/// The checkpointing thread; stops when dropped (with the store).
#[derive(Debug)]
pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Checkpointer {
    pub fn start(path: &Path) -> Result<Checkpointer> {
        let conn = Connection::open(path)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::Builder::new()
            .name("baton-checkpoint".into())
            .spawn(move || {
                let (mut every, mut last_frames) = (CHECKPOINT_IDLE, 0);
                while !stopped.load(Ordering::Relaxed) {
                    std::thread::sleep(every);
                    // (busy, WAL frames, frames checkpointed); a busy or
                    // failed pass is tried again next time, and the writer's
                    // own threshold stays as the backstop.
                    let pass = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
                    });
                    match pass {
                        Ok((_, frames, _)) => {
                            // The WAL grew or restarted: commits are coming.
                            every = if frames != last_frames {
                                CHECKPOINT_BUSY
                            } else {
                                CHECKPOINT_IDLE
                            };
                            last_frames = frames;
                        }
                        Err(err) => tracing::warn!(%err, "WAL checkpoint failed; retrying"),
                    }
                }
            })
            .expect("the checkpoint thread starts");
        Ok(Checkpointer { stop })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
