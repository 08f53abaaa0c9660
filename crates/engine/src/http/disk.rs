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

/// One open database: a few connections, reused (each with the process that opened it: a
/// connection must not be used across `fork`, so a child opens its own).
#[derive(Debug)]
pub struct Db {
    path: PathBuf,
    pool: Mutex<Vec<(u32, Connection)>>,
}

/// How long a writer waits for another process's transaction, in milliseconds.
const BUSY_TIMEOUT_MS: i64 = 10_000;

/// Connections kept open per database (more are opened when needed, then dropped).
const POOL: usize = 4;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Db {
    /// The database in `dir`, opened once per process (created `0700`/`0600` when missing).
    pub fn open(dir: &Path) -> Result<Arc<Db>, DbError> {
        static OPEN: OnceLock<Mutex<HashMap<PathBuf, Arc<Db>>>> = OnceLock::new();
        let mut open = lock(OPEN.get_or_init(Mutex::default));
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
            pool: Mutex::new(Vec::new()),
        };
        let mut conn = db.connect()?;
        db.migrate(&mut conn)?;
        lock(&db.pool).push((std::process::id(), conn));
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
        // The pragma, not rusqlite's `busy_timeout`: that one needs SQLite 3.44's clientdata,
        // and the system library may be older (Debian 12 ships 3.40).
        conn.pragma_update(None, "busy_timeout", BUSY_TIMEOUT_MS)
            .map_err(|e| self.error(e))?;
        // WAL: readers never block the writer; NORMAL: a commit is atomic and survives a crash
        // of the process (only a power loss may lose the last commits, never corrupt).
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| self.error(e))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
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

    /// Runs `f` on a connection of the pool (blocking: call it off the async workers).
    pub fn with<R>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R>,
    ) -> Result<R, DbError> {
        let me = std::process::id();
        let taken = {
            let mut pool = lock(&self.pool);
            loop {
                match pool.pop() {
                    Some((pid, c)) if pid == me => break Some(c),
                    // Inherited through fork: closing it would drop the parent's locks.
                    Some((_, c)) => std::mem::forget(c),
                    None => break None,
                }
            }
        };
        let mut conn = match taken {
            Some(c) => c,
            None => self.connect()?,
        };
        let r = f(&mut conn).map_err(|e| self.error(e));
        let mut pool = lock(&self.pool);
        if pool.len() < POOL {
            pool.push((me, conn));
        }
        r
    }

    /// [`Db::with`] from async code: on the runtime's blocking pool, so a wait for SQLite's
    /// lock never holds an I/O worker.
    pub async fn run<R: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<R> + Send + 'static,
    ) -> Result<R, DbError> {
        let db = Arc::clone(self);
        match tokio::task::spawn_blocking(move || db.with(f)).await {
            Ok(r) => r,
            Err(e) => Err(self.error(rusqlite::Error::ModuleError(format!(
                "the cache task failed: {e}"
            )))),
        }
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
