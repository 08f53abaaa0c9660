//! Per-connection settings and state shared by the tables and functions of one connection: the
//! interrupt check, the bulk-delete confirmation, and what the last DELETE did (for the shell).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use github_sql_engine::exec::{Confirmation, DeleteReport};
use github_sql_engine::http::pages::InterruptCheck;

/// One connection's github-sql state.
#[derive(Default)]
pub struct ConnState {
    /// Asked while scans wait for GitHub and between a DELETE's requests.
    pub interrupt: Mutex<Option<InterruptCheck>>,
    /// Rows the next COMMIT may delete without the bulk rule refusing (`github_sql_confirm_deletes`).
    pub confirmed: AtomicU64,
    /// Every DELETE is confirmed (the shell's `--yes`).
    pub always_confirm: AtomicBool,
    /// Threshold of the bulk rule (`GITHUB_SQL_CONFIRM_OVER`).
    pub confirm_over: AtomicU64,
    /// Check DELETEs and refuse to send them, keeping what would be done (`--dry-run`).
    pub dry_run: AtomicBool,
    /// The confirmation the last refused (or dry-run) DELETE needed, and its row count.
    pub last_check: Mutex<Option<(usize, Option<Confirmation>)>>,
    /// What the last DELETE did.
    pub last_report: Mutex<Option<DeleteReport>>,
}

impl std::fmt::Debug for ConnState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnState").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl ConnState {
    /// A state with the threshold from the environment.
    pub fn new() -> Arc<Self> {
        let s = ConnState::default();
        s.confirm_over.store(
            github_sql_engine::exec::confirm_over_from_env() as u64,
            Ordering::Relaxed,
        );
        Arc::new(s)
    }

    /// The interrupt check in use.
    pub fn interrupt(&self) -> Option<InterruptCheck> {
        lock(&self.interrupt).clone()
    }

    /// Replaces the interrupt check.
    pub fn set_interrupt(&self, check: Option<InterruptCheck>) {
        *lock(&self.interrupt) = check;
    }

    /// Takes what the last refused or dry-run DELETE would have removed.
    pub fn take_last_check(&self) -> Option<(usize, Option<Confirmation>)> {
        lock(&self.last_check).take()
    }

    pub(crate) fn set_last_check(&self, v: (usize, Option<Confirmation>)) {
        *lock(&self.last_check) = Some(v);
    }

    /// Takes the last DELETE's report.
    pub fn take_report(&self) -> Option<DeleteReport> {
        lock(&self.last_report).take()
    }

    pub(crate) fn set_report(&self, r: DeleteReport) {
        *lock(&self.last_report) = Some(r);
    }
}

/// `sqlite3_is_interrupted(db)` when the SQLite library in the process has it (3.41+), looked up
/// at run time so the extension still loads into older hosts (Debian bookworm has 3.40), where
/// the check is `None` and `sqlite3_interrupt` stops a scan only between rows.
pub fn sqlite_interrupt_check(db: *mut rusqlite::ffi::sqlite3) -> Option<InterruptCheck> {
    type IsInterrupted = unsafe extern "C" fn(*mut rusqlite::ffi::sqlite3) -> std::ffi::c_int;
    // SAFETY: dlsym with a NUL-terminated name; a null answer means the symbol is absent.
    let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"sqlite3_is_interrupted".as_ptr()) };
    if sym.is_null() {
        return None;
    }
    // SAFETY: the symbol is SQLite's `int sqlite3_is_interrupted(sqlite3*)`.
    let f: IsInterrupted = unsafe { std::mem::transmute(sym) };
    let db = db as usize;
    // SAFETY: the check runs only inside a statement of this connection, while it is open.
    Some(Arc::new(move || unsafe {
        f(db as *mut rusqlite::ffi::sqlite3) != 0
    }))
}
