//! The database in the cache directory: what every process of one user shares — shells,
//! extensions in any host, every Postgres backend. It holds the response cache
//! ([`super::cache`]), the last rate-limit figures per token and resource, and the pacing
//! windows (points spent, requests in flight; [`super::pace`]).
//!
//! It is a SQLite database (the system `libsqlite3` the SQLite front end links already) in WAL
//! mode: readers never wait for the writer, every change is one transaction (a crash mid-write
//! leaves the last committed state, never a torn entry), and concurrent writers from many
//! processes queue on SQLite's lock (`busy_timeout`). The directory is made `0700` and the
//! database `0600` before SQLite opens it; SQLite gives its `-wal` and `-shm` files the
//! database's permissions.
//!
//! The database is an optimisation: when it cannot be opened or written, the client logs a
//! warning once and carries on as if the entry were missing (and paces by this process's own
//! counts).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::{Connection, OpenFlags};

/// The file name in the cache directory.
pub const DB_FILE: &str = "github-sql.sqlite";

/// The schema's version (`PRAGMA user_version`): a database of another version is emptied.
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entry (
  key TEXT PRIMARY KEY,
  path TEXT NOT NULL,
  url TEXT NOT NULL,
  etag TEXT,
  last_modified TEXT,
  immutable INTEGER NOT NULL,
  link TEXT,
  headers TEXT NOT NULL,
  body BLOB NOT NULL,
  size INTEGER NOT NULL,
  stored_at INTEGER NOT NULL,
  validated_at INTEGER NOT NULL,
  used_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entry_used ON entry (used_at);
CREATE INDEX IF NOT EXISTS entry_path ON entry (path);
CREATE TABLE IF NOT EXISTS total (id INTEGER PRIMARY KEY CHECK (id = 0), bytes INTEGER NOT NULL);
INSERT OR IGNORE INTO total (id, bytes) VALUES (0, 0);
CREATE TABLE IF NOT EXISTS rate (
  identity TEXT NOT NULL,
  resource TEXT NOT NULL,
  lim INTEGER NOT NULL,
  remaining INTEGER NOT NULL,
  used INTEGER NOT NULL,
  reset INTEGER NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (identity, resource)
);
CREATE TABLE IF NOT EXISTS spend (
  identity TEXT NOT NULL,
  api TEXT NOT NULL,
  at INTEGER NOT NULL,
  points INTEGER NOT NULL,
  creates INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS spend_at ON spend (identity, api, at);
CREATE TABLE IF NOT EXISTS lease (
  id INTEGER PRIMARY KEY,
  identity TEXT NOT NULL,
  expires INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS lease_identity ON lease (identity, expires);
";

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The directory or file could not be made.
    #[error("cannot prepare the cache directory {path}: {source}; set GITHUB_SQL_CACHE_DIR to a writable directory or GITHUB_SQL_CACHE=memory")]
    Io {
        /// The path.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// SQLite refused.
    #[error("the cache database {path} failed: {source}; set GITHUB_SQL_CACHE_DIR to a writable directory or GITHUB_SQL_CACHE=memory")]
    Sqlite {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// One open database, with two connections per process: a reader (lookups; in WAL mode it
/// never waits for a writer) and a writer. Writes are group-committed: the changes that arrive
/// while a transaction runs (a burst of admissions, the answers of 19 pages) go together in the
/// next one, each in its own savepoint. One transaction costs far more than its statements, and
/// one writer per process keeps the process's own requests from meeting on SQLite's lock, whose
/// busy handler sleeps in steps of milliseconds (other processes still meet there). A connection
/// remembers the process that opened it: one must not be used across `fork`, so a child opens
/// its own.
pub struct Db {
    path: PathBuf,
    writer: Mutex<Option<(u32, Connection)>>,
    reader: Mutex<Option<(u32, Connection)>>,
    /// Checkpoints the WAL off the requests' path ([`Db::checkpoint_soon`]).
    checkpointer: Mutex<Option<(u32, Connection)>>,
    checkpointing: std::sync::atomic::AtomicBool,
    queue: Mutex<Queue>,
    /// Signalled when `pending` drops to zero.
    idle: std::sync::Condvar,
}

/// The WAL is checkpointed (in the background) once it holds this many bytes. Small: a process
/// that opens the database first reads the whole WAL to rebuild its index.
const CHECKPOINT_BYTES: u64 = 1 << 20;

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

/// What a change does once its transaction is over: reports the outcome to its caller.
type Deliver = Box<dyn FnOnce(Result<(), String>) + Send>;
/// A change waiting for the next transaction.
type Job = Box<dyn FnOnce(&rusqlite::Transaction<'_>) -> Deliver + Send>;

/// Changes waiting for the writer, and whether a writer is draining them.
#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    draining: bool,
    /// Changes queued or running, not yet committed ([`Db::flush`] waits for none).
    pending: usize,
}

/// How long a writer waits for another process's transaction, in milliseconds.
const BUSY_TIMEOUT_MS: i64 = 10_000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Db {
    /// The database in `dir`, opened once per process (created `0700`/`0600` when missing).
    pub fn open(dir: &Path) -> Result<Arc<Db>, DbError> {
        let mut open = lock(opened());
        if let Some(db) = open.get(dir) {
            return Ok(Arc::clone(db));
        }
        let db = Arc::new(Db::create(dir)?);
        open.insert(dir.to_path_buf(), Arc::clone(&db));
        Ok(db)
    }

    fn create(dir: &Path) -> Result<Db, DbError> {
        let io = |path: &Path, source| DbError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let path = dir.join(DB_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| io(dir, e))?;
            // Made 0600 before SQLite opens it; SQLite gives -wal and -shm the same mode.
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| io(&path, e))?;
        }
        let db = Db {
            path,
            writer: Mutex::new(None),
            reader: Mutex::new(None),
            checkpointer: Mutex::new(None),
            checkpointing: std::sync::atomic::AtomicBool::new(false),
            queue: Mutex::default(),
            idle: std::sync::Condvar::new(),
        };
        let mut conn = db.connect()?;
        db.migrate(&mut conn)?;
        *lock(&db.writer) = Some((std::process::id(), conn));
        Ok(db)
    }

    fn error(&self, source: rusqlite::Error) -> DbError {
        DbError::Sqlite {
            path: self.path.display().to_string(),
            source,
        }
    }

    fn connect(&self) -> Result<Connection, DbError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| self.error(e))?;
        conn.set_prepared_statement_cache_capacity(64);
        // The pragma, not rusqlite's `busy_timeout`: that one needs SQLite 3.44's clientdata,
        // and the system library may be older (Debian 12 ships 3.40).
        conn.pragma_update(None, "busy_timeout", BUSY_TIMEOUT_MS)
            .map_err(|e| self.error(e))?;
        // WAL: readers never block the writer; NORMAL: a commit is atomic and survives a crash
        // of the process (only a power loss may lose the last commits, never corrupt).
        // (NORMAL first: the switch to WAL on a new file then does not sync as FULL would.)
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| self.error(e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| self.error(e))?;
        // No checkpoint inside a commit (it copies the WAL and syncs, tens of milliseconds on
        // a request's path): [`Db::checkpoint_soon`] runs them in the background.
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(|e| self.error(e))?;
        // A WAL reused after a checkpoint is cut back to this size.
        conn.pragma_update(None, "journal_size_limit", 2 * CHECKPOINT_BYTES as i64)
            .map_err(|e| self.error(e))?;
        Ok(conn)
    }

    fn migrate(&self, conn: &mut Connection) -> Result<(), DbError> {
        let version = |c: &Connection| -> rusqlite::Result<i64> {
            c.pragma_query_value(None, "user_version", |r| r.get(0))
        };
        if version(conn).map_err(|e| self.error(e))? == SCHEMA_VERSION {
            return Ok(());
        }
        let mut run = || -> rusqlite::Result<()> {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // Another process may have made it while this one waited for the lock.
            if version(&tx)? != SCHEMA_VERSION {
                // Everything here can be fetched again: start over rather than convert.
                tx.execute_batch(&format!(
                    "DROP TABLE IF EXISTS entry; DROP TABLE IF EXISTS total; \
                     DROP TABLE IF EXISTS rate; DROP TABLE IF EXISTS spend; \
                     DROP TABLE IF EXISTS lease; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION};"
                ))?;
            }
            tx.commit()
        };
        run().map_err(|e| self.error(e))
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the process's writer connection, now (blocking: call it off the async
    /// workers).
    pub fn with<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>,
    ) -> Result<R, DbError> {
        self.on(&self.writer, f)
    }

    fn on<R>(
        &self,
        conn: &Mutex<Option<(u32, Connection)>>,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>,
    ) -> Result<R, DbError> {
        let me = std::process::id();
        let mut slot = lock(conn);
        if slot.as_ref().is_some_and(|(pid, _)| *pid != me) {
            // Inherited through fork: closing it would drop the parent's locks.
            if let Some((_, c)) = slot.take() {
                std::mem::forget(c);
            }
        }
        if slot.is_none() {
            *slot = Some((me, self.connect()?));
        }
        match slot.as_mut() {
            Some((_, c)) => f(c).map_err(|e| self.error(e)),
            None => Err(self.error(rusqlite::Error::InvalidQuery)),
        }
    }

    /// A read from async code, on the reader connection and the runtime's blocking pool.
    pub async fn read<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    ) -> Result<R, DbError> {
        let db = Arc::clone(self);
        match tokio::task::spawn_blocking(move || db.on(&db.reader, f)).await {
            Ok(r) => r,
            Err(e) => Err(self.error(rusqlite::Error::ModuleError(format!(
                "the cache task failed: {e}"
            )))),
        }
    }

    /// A change from async code: `f` runs in the next write transaction (in a savepoint of its
    /// own, so its failure takes back only its own statements), and its result comes back once
    /// that transaction committed.
    pub async fn write<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<R> + Send + 'static,
    ) -> Result<R, DbError> {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<R, DbError>>();
        let path = self.path.display().to_string();
        let job: Job = Box::new(move |t| {
            let r = in_savepoint(t, f);
            Box::new(move |committed: Result<(), String>| {
                let out = match (r, committed) {
                    (Ok(v), Ok(())) => Ok(v),
                    (Err(e), _) => Err(DbError::Sqlite { path, source: e }),
                    (Ok(_), Err(msg)) => Err(DbError::Sqlite {
                        path,
                        source: rusqlite::Error::ModuleError(msg),
                    }),
                };
                let _ = tx.send(out);
            })
        });
        self.enqueue(job);
        match rx.await {
            Ok(r) => r,
            Err(_) => Err(self.error(rusqlite::Error::ModuleError(
                "the cache's write was dropped".into(),
            ))),
        }
    }

    /// A change whose caller does not wait for it (a page's answer is delivered while it is
    /// stored): it commits with the next transaction. [`Db::flush`] waits for such changes
    /// before a statement ends or a process exits. A failure is logged once.
    pub fn write_detached(
        self: &Arc<Self>,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()> + Send + 'static,
    ) {
        let path = self.path.display().to_string();
        let job: Job = Box::new(move |t| {
            let r = in_savepoint(t, f);
            Box::new(move |committed: Result<(), String>| {
                let failed = match (r, committed) {
                    (Ok(()), Ok(())) => None,
                    (Err(e), _) => Some(e),
                    (Ok(()), Err(msg)) => Some(rusqlite::Error::ModuleError(msg)),
                };
                if let Some(source) = failed {
                    warn_once(&DbError::Sqlite { path, source });
                }
            })
        });
        self.enqueue(job);
    }

    fn enqueue(self: &Arc<Self>, job: Job) {
        let lead = {
            let mut q = lock(&self.queue);
            q.jobs.push(job);
            q.pending += 1;
            !std::mem::replace(&mut q.draining, true)
        };
        if lead {
            let db = Arc::clone(self);
            match tokio::runtime::Handle::try_current() {
                Ok(h) => {
                    h.spawn_blocking(move || db.drain());
                }
                Err(_) => {
                    if std::thread::Builder::new()
                        .name("github-sql-cache".into())
                        .spawn(move || db.drain())
                        .is_err()
                    {
                        // No thread to be had: run them here.
                        self.drain();
                    }
                }
            }
        }
    }

    /// Waits (at most `timeout`) until every change queued so far has committed.
    pub fn flush(&self, timeout: std::time::Duration) {
        let q = lock(&self.queue);
        let _ = self
            .idle
            .wait_timeout_while(q, timeout, |q| q.pending > 0)
            .map_err(|e| e.into_inner());
    }

    /// Runs the waiting changes, as many as have arrived, one transaction at a time.
    fn drain(self: &Arc<Self>) {
        loop {
            let jobs = {
                let mut q = lock(&self.queue);
                if q.jobs.is_empty() {
                    q.draining = false;
                    return;
                }
                std::mem::take(&mut q.jobs)
            };
            let n = jobs.len();
            let mut delivers: Vec<Deliver> = Vec::with_capacity(n);
            let r = self.with(|c| {
                let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                for job in jobs {
                    delivers.push(job(&tx));
                }
                tx.commit()
            });
            // Jobs never run (no connection, no lock) drop their sender: their callers see
            // an error.
            let status = r.map_err(|e| e.to_string());
            for d in delivers {
                d(status.clone());
            }
            {
                let mut q = lock(&self.queue);
                q.pending = q.pending.saturating_sub(n);
                if q.pending == 0 {
                    self.idle.notify_all();
                }
            }
            self.checkpoint_soon();
        }
    }

    /// Starts a checkpoint on a thread of its own when the WAL has grown past
    /// [`CHECKPOINT_BYTES`] (and none is running in this process). A passive checkpoint waits
    /// for no reader or writer, of any process.
    fn checkpoint_soon(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        let big = std::fs::metadata(&wal).is_ok_and(|m| m.len() > CHECKPOINT_BYTES);
        if !big || self.checkpointing.swap(true, Ordering::AcqRel) {
            return;
        }
        let db = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("github-sql-checkpoint".into())
            .spawn(move || {
                let r = db.on(&db.checkpointer, |c| {
                    c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                });
                if let Err(e) = r {
                    tracing::debug!("checkpoint of the cache database: {e}");
                }
                db.checkpointing.store(false, Ordering::Release);
            });
        if spawned.is_err() {
            self.checkpointing.store(false, Ordering::Release);
        }
    }
}

/// Runs `f` inside a savepoint of `t`: kept when it succeeds, taken back when it fails.
fn in_savepoint<R>(
    t: &rusqlite::Transaction<'_>,
    f: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<R>,
) -> rusqlite::Result<R> {
    t.execute_batch("SAVEPOINT job")?;
    match f(t) {
        Ok(v) => {
            t.execute_batch("RELEASE job")?;
            Ok(v)
        }
        Err(e) => {
            let _ = t.execute_batch("ROLLBACK TO job; RELEASE job");
            Err(e)
        }
    }
}

/// The databases this process opened, by directory.
fn opened() -> &'static Mutex<HashMap<PathBuf, Arc<Db>>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Arc<Db>>>> = OnceLock::new();
    OPEN.get_or_init(Mutex::default)
}

/// Waits (at most `timeout` each) until the changes every database of this process has queued
/// are committed: front ends call it when a statement ends and before the process exits, so
/// the answers a statement stored in the background are there for the next process.
pub fn flush(timeout: std::time::Duration) {
    let dbs: Vec<Arc<Db>> = lock(opened()).values().cloned().collect();
    for db in dbs {
        db.flush(timeout);
    }
}

/// Milliseconds since the epoch (the database's clock: every process reads the same one).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Logs a database failure once per process (the cache then acts as empty).
pub fn warn_once(e: &DbError) {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!("{e}; carrying on without the shared cache");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn temp_dir(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!(
            "github-sql-disk-{tag}-{}-{}",
            std::process::id(),
            now_ms()
        ))
    }

    #[test]
    fn the_directory_and_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = temp_dir("perm");
        let db = Db::open(&dir).expect("open");
        db.with(|c| c.execute("INSERT INTO total (id, bytes) VALUES (0, 1) ON CONFLICT (id) DO UPDATE SET bytes = 1", []))
            .expect("write");
        let mode = |p: &Path| {
            std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0)
        };
        assert_eq!(mode(&dir), 0o700);
        for f in [DB_FILE, "github-sql.sqlite-wal", "github-sql.sqlite-shm"] {
            assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    /// Not a test: what opening the database and its first operations cost
    /// (`cargo test --release -p github-sql-engine --lib disk::timing -- --ignored --nocapture`).
    #[test]
    #[ignore]
    fn timing() {
        let dir = std::env::temp_dir().join(format!("ghsql-open-{}", now_ms()));
        for round in 0..3 {
            let t = std::time::Instant::now();
            let db = Arc::new(Db::create(&dir).expect("db"));
            let opened = t.elapsed();
            let t = std::time::Instant::now();
            super::super::block_on(
                db.read(|c| c.query_row("SELECT count(*) FROM entry", [], |r| r.get::<_, i64>(0))),
            )
            .expect("read");
            let read = t.elapsed();
            let t = std::time::Instant::now();
            super::super::block_on(
                db.write(|t| {
                    t.execute("INSERT INTO lease (identity, expires) VALUES ('x', 1)", [])
                }),
            )
            .expect("write");
            let write = t.elapsed();
            let t = std::time::Instant::now();
            super::super::block_on(
                db.write(|t| {
                    t.execute("INSERT INTO lease (identity, expires) VALUES ('x', 1)", [])
                }),
            )
            .expect("write");
            eprintln!("round {round}: create {opened:?}, first read {read:?}, first write {write:?}, second write {:?}", t.elapsed());
            std::mem::forget(db);
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
