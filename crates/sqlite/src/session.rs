//! Per-connection settings and state shared by the tables and functions of one connection: the
//! interrupt check, the transaction's write queue (the engine's, one per connection, whatever
//! tables the transaction touches), the bulk-delete confirmation, and what the last COMMIT did
//! (for the shell).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use github_sql_engine::write::WriteResult;
use github_sql_engine::write::{
    CommitError, CommitOptions, CommitReport, Committed, Confirmation, Transaction,
};
use std::time::{Duration, Instant};

use github_sql_engine::http::pages::InterruptCheck;
use github_sql_engine::http::{Deadline, Stats, Stop, Tally};

/// One connection's github-sql state.
#[derive(Default)]
pub struct ConnState {
    /// Asked while scans wait for GitHub and between a DELETE's requests.
    pub interrupt: Mutex<Option<InterruptCheck>>,
    /// Rows the transaction may delete without the bulk rule refusing (`github_sql_confirm_deletes`,
    /// the shell's y): used up when the next write transaction of the connection ends, whatever
    /// its outcome.
    pub confirmed: AtomicU64,
    /// The transaction's queued writes, for every table of the connection.
    txn: Mutex<Transaction>,
    /// Where a COMMIT's progress goes (the shell's bar); none in the extension.
    progress: Mutex<Option<Arc<dyn github_sql_engine::write::Progress>>>,
    /// What the last COMMIT did (sent, refused, or a dry run's listing), until the front end
    /// takes it.
    last_commit: Mutex<Option<CommitNote>>,
    /// Every DELETE is confirmed (the shell's `--yes`).
    pub always_confirm: AtomicBool,
    /// Threshold of the bulk rule (`GITHUB_SQL_CONFIRM_OVER`).
    pub confirm_over: AtomicU64,
    /// Check DELETEs and refuse to send them, keeping what would be done (`--dry-run`).
    pub dry_run: AtomicBool,
    /// What the INSERT, UPDATE and REPLACE rows sent by the last COMMITs answered (at most
    /// [`MAX_WRITE_RESULTS`], newest last): `github_sql_last_writes()`, and the shell's output.
    last_writes: Mutex<Vec<WriteResult>>,
    /// When the running statement started, for its `GITHUB_SQL_DEADLINE`.
    clock: Mutex<Clock>,
    /// The connection bare table names use, chosen with `github_sql_connect()` (`None`: the
    /// one they were registered with).
    chosen: Mutex<Option<(String, github_sql_engine::http::GitHubClient)>>,
    /// Aggregators skip failing members: 0 = as each is configured, 1 = always, 2 = never
    /// (`github_sql_skip_failures()`).
    skip: std::sync::atomic::AtomicU8,
    /// Members aggregators left out because they failed, until the front end takes them.
    skipped: Mutex<Vec<github_sql_engine::aggregate::Skipped>>,
    /// What this connection's requests cost: its tables and functions count here.
    tally: Arc<Tally>,
    /// The counters when the running (or last) statement started.
    stats_mark: Mutex<Stats>,
    /// Cursors of github-sql tables open now: where the extension sees statements start.
    open_cursors: AtomicUsize,
}

/// Held by an open cursor ([`ConnState::cursor_opened`]).
pub struct CursorMark(Arc<ConnState>);

impl Drop for CursorMark {
    fn drop(&mut self) {
        // The statement's last cursor: what it stored in the shared cache in the background
        // is committed before the statement ends (the next process reads it).
        if self.0.open_cursors.fetch_sub(1, Ordering::Relaxed) == 1 {
            github_sql_engine::http::disk::flush(std::time::Duration::from_secs(5));
        }
    }
}

/// Write results kept per connection.
pub const MAX_WRITE_RESULTS: usize = 100;

/// What a COMMIT of the connection did, for the front end to show at that COMMIT.
#[derive(Debug, Clone)]
pub enum CommitNote {
    /// Sent (possibly partly: the failure is the COMMIT's error, and this is what was done).
    Sent(CommitReport),
    /// Refused by the bulk rule: nothing was sent.
    Refused(Confirmation),
    /// A dry run's EXEC function: what it would have sent (the statement fails, sending
    /// nothing).
    DryCall(String),
    /// A dry run: what it would have sent (table, method, request per row) and the confirmation
    /// a real COMMIT would need.
    DryRun {
        /// One per row.
        requests: Vec<github_sql_engine::write::Described>,
        /// The confirmation it would need.
        confirmation: Option<Confirmation>,
    },
}

/// The running statement's start, when the front end says when statements start
/// ([`ConnState::begin_statement`], the shell).
#[derive(Debug, Default)]
struct Clock {
    start: Option<Instant>,
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
            github_sql_engine::write::confirm_over_from_env() as u64,
            Ordering::Relaxed,
        );
        Arc::new(s)
    }

    /// The connection bare table names use now, when `github_sql_connect()` chose one.
    pub fn chosen_connection(&self) -> Option<(String, github_sql_engine::http::GitHubClient)> {
        lock(&self.chosen).clone()
    }

    /// Makes bare table names use `client` (the connection `name`).
    pub fn choose_connection(&self, name: String, client: github_sql_engine::http::GitHubClient) {
        *lock(&self.chosen) = Some((name, client));
    }

    /// Whether an aggregator configured with `configured` skips failing members now.
    pub fn skip_failures(&self, configured: bool) -> bool {
        match self.skip.load(Ordering::Relaxed) {
            1 => true,
            2 => false,
            _ => configured,
        }
    }

    /// Overrides every aggregator's `skip_failures` (`None`: back to each one's setting).
    pub fn set_skip_failures(&self, skip: Option<bool>) {
        self.skip.store(
            match skip {
                None => 0,
                Some(true) => 1,
                Some(false) => 2,
            },
            Ordering::Relaxed,
        );
    }

    /// Records members an aggregator left out.
    pub fn note_skipped(&self, skipped: &[github_sql_engine::aggregate::Skipped]) {
        if !skipped.is_empty() {
            let mut s = lock(&self.skipped);
            for k in skipped {
                if !s.contains(k) {
                    s.push(k.clone());
                }
            }
        }
    }

    /// The members aggregators left out since this was last called.
    pub fn take_skipped(&self) -> Vec<github_sql_engine::aggregate::Skipped> {
        std::mem::take(&mut *lock(&self.skipped))
    }

    /// The members left out, without taking them.
    pub fn skipped(&self) -> Vec<github_sql_engine::aggregate::Skipped> {
        lock(&self.skipped).clone()
    }

    /// The interrupt check in use.
    pub fn interrupt(&self) -> Option<InterruptCheck> {
        lock(&self.interrupt).clone()
    }

    /// Replaces the interrupt check.
    pub fn set_interrupt(&self, check: Option<InterruptCheck>) {
        *lock(&self.interrupt) = check;
    }

    /// Sets where a COMMIT's progress goes (the shell's progress bar).
    pub fn set_progress(&self, p: Option<Arc<dyn github_sql_engine::write::Progress>>) {
        *lock(&self.progress) = p;
    }

    /// Runs `f` on the connection's transaction (its write queue).
    pub fn with_txn<R>(&self, f: impl FnOnce(&mut Transaction) -> R) -> R {
        f(&mut lock(&self.txn))
    }

    /// Rows queued for the next COMMIT.
    pub fn queued(&self) -> usize {
        lock(&self.txn).queue.len()
    }

    /// Takes what the last COMMIT did.
    pub fn take_commit(&self) -> Option<CommitNote> {
        lock(&self.last_commit).take()
    }

    /// Commits the queue (SQLite's `xSync` of any table in the transaction: the first sends
    /// everything, the others find it empty). A refusal, a dry run or a failure is an error,
    /// which makes SQLite roll the transaction back; what was done is kept for the front end.
    pub fn commit(&self, deadline: Duration) -> crate::Result<()> {
        let options = CommitOptions {
            threshold: usize::try_from(self.confirm_over.load(Ordering::Relaxed))
                .unwrap_or(usize::MAX),
            confirmed: self.confirmed.load(Ordering::Relaxed),
            always: self.always_confirm.load(Ordering::Relaxed),
            dry_run: self.dry_run.load(Ordering::Relaxed),
            progress: lock(&self.progress).clone(),
        };
        let stop = self.stop(deadline);
        let result = lock(&self.txn).commit(&options, &stop);
        let (note, outcome) = match result {
            Ok(Committed::Nothing) => return Ok(()),
            Ok(Committed::Sent(report)) => {
                self.add_writes(report.writes.clone());
                (CommitNote::Sent(report), Ok(()))
            }
            Ok(Committed::DryRun {
                requests,
                confirmation,
            }) => (
                CommitNote::DryRun {
                    requests,
                    confirmation,
                },
                Err(crate::Error::DryRun),
            ),
            Err(CommitError::NeedsConfirmation(c)) => {
                let msg = format!(
                    "{c}. Nothing was sent: confirm with --yes (or answer y) in the shell, or run SELECT github_sql_confirm_deletes({}) before the COMMIT (or the DELETE)",
                    c.count
                );
                (CommitNote::Refused(c), Err(crate::Error::Usage(msg)))
            }
            // Nothing was sent: the error says what the COMMIT needs and when it could run.
            Err(e @ CommitError::OverBudget(_)) => {
                return Err(github_sql_engine::Error::from(e).into());
            }
            Err(CommitError::Failed(f)) => {
                self.add_writes(f.report.writes.clone());
                (
                    CommitNote::Sent((*f.report).clone()),
                    Err(github_sql_engine::Error::from(CommitError::Failed(f)).into()),
                )
            }
        };
        *lock(&self.last_commit) = Some(note);
        outcome
    }

    /// An EXEC function refused to send in a dry run; what it would have sent.
    pub fn note_dry_call(&self, note: String) {
        *lock(&self.last_commit) = Some(CommitNote::DryCall(note));
    }

    /// The transaction ended (committed or rolled back): nothing stays queued, and the
    /// confirmation given for it is used up.
    pub fn end_transaction(&self) {
        lock(&self.txn).queue.clear();
        self.confirmed.store(0, Ordering::Relaxed);
    }

    /// Starts a statement's clock (its deadline counts from now); from then on the front end,
    /// not the opening of cursors, says when statements start.
    pub fn begin_statement(&self) {
        lock(&self.clock).start = Some(Instant::now());
        *lock(&self.stats_mark) = self.tally.stats();
    }

    /// The counters this connection's requests go to.
    pub fn tally(&self) -> Arc<Tally> {
        Arc::clone(&self.tally)
    }

    /// A cursor of a github-sql table opened. Without a front end saying when statements
    /// start ([`ConnState::begin_statement`]), the first cursor opened while none is open
    /// starts a statement's figures (a COMMIT's writes and EXEC calls count into the statement
    /// that ran last).
    pub fn cursor_opened(self: &Arc<Self>) -> CursorMark {
        if self.open_cursors.fetch_add(1, Ordering::Relaxed) == 0
            && lock(&self.clock).start.is_none()
        {
            *lock(&self.stats_mark) = self.tally.stats();
        }
        CursorMark(Arc::clone(self))
    }

    /// What the running (or last) statement's requests cost: `github_sql_last_stats()`, the
    /// shell's `.stats on`.
    pub fn last_stats(&self) -> Stats {
        self.tally.stats().since(&lock(&self.stats_mark))
    }

    /// The running statement's deadline: from the start the front end gave, else from
    /// `fallback` (the extension, which does not see statement boundaries, passes the time the
    /// scanning cursor opened: SQLite opens a statement's cursors as it starts, and a join's
    /// inner cursor stays open across its many scans).
    pub fn deadline(&self, limit: Duration, fallback: Instant) -> Deadline {
        Deadline::new(lock(&self.clock).start.unwrap_or(fallback), limit)
    }

    /// What may stop the running statement: the interrupt check and the deadline (counted from
    /// `fallback` when the front end gave no start).
    pub fn stop_from(&self, limit: Duration, fallback: Instant) -> Stop {
        Stop {
            interrupt: self.interrupt(),
            deadline: Some(self.deadline(limit, fallback)),
        }
    }

    /// [`ConnState::stop_from`] now: for a COMMIT's deletes and EXEC functions.
    pub fn stop(&self, limit: Duration) -> Stop {
        self.stop_from(limit, Instant::now())
    }

    pub(crate) fn add_writes(&self, done: Vec<WriteResult>) {
        let mut w = lock(&self.last_writes);
        w.extend(done);
        let over = w.len().saturating_sub(MAX_WRITE_RESULTS);
        w.drain(..over);
    }

    /// The results of the writes sent since they were last taken (the shell shows them).
    pub fn take_writes(&self) -> Vec<WriteResult> {
        std::mem::take(&mut *lock(&self.last_writes))
    }

    /// The results kept, without taking them (`github_sql_last_writes()`).
    pub fn writes(&self) -> Vec<WriteResult> {
        lock(&self.last_writes).clone()
    }
}

/// Whether `sqlite3_interrupt` was called for the running statement of `db`, asked while a scan
/// waits for GitHub. With SQLite 3.41+ this is `sqlite3_is_interrupted`, looked up at run time
/// so the extension still loads into older hosts. Older SQLite (Debian bookworm has 3.40) has
/// no such call, so the check prepares a lone space on the connection: SQLite's tokenizer asks
/// the connection's interrupt flag at every whitespace token and fails with SQLITE_INTERRUPT
/// when it is set (and preparing nothing else has no effect, the flag is left as it was).
pub fn sqlite_interrupt_check(db: *mut rusqlite::ffi::sqlite3) -> Option<InterruptCheck> {
    type IsInterrupted = unsafe extern "C" fn(*mut rusqlite::ffi::sqlite3) -> std::ffi::c_int;
    // SAFETY: dlsym with a NUL-terminated name; a null answer means the symbol is absent.
    let sym = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"sqlite3_is_interrupted".as_ptr()) };
    let db = db as usize;
    if sym.is_null() {
        // SAFETY: the check runs only inside a statement of this connection, on its thread,
        // while it is open.
        return Some(Arc::new(move || unsafe {
            interrupted_by_prepare(db as *mut rusqlite::ffi::sqlite3)
        }));
    }
    // SAFETY: the symbol is SQLite's `int sqlite3_is_interrupted(sqlite3*)`.
    let f: IsInterrupted = unsafe { std::mem::transmute(sym) };
    // SAFETY: as above.
    Some(Arc::new(move || unsafe {
        f(db as *mut rusqlite::ffi::sqlite3) != 0
    }))
}

/// Prepares `" "` (no statement) on `db`: SQLITE_INTERRUPT means the interrupt flag is set.
///
/// # Safety
/// `db` must be an open connection, used from the thread running its statement.
unsafe fn interrupted_by_prepare(db: *mut rusqlite::ffi::sqlite3) -> bool {
    use rusqlite::ffi;
    let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
    // SAFETY: a valid connection, a NUL-terminated SQL text, an out pointer for the statement.
    let rc =
        unsafe { ffi::sqlite3_prepare_v2(db, c" ".as_ptr(), -1, &mut stmt, std::ptr::null_mut()) };
    if !stmt.is_null() {
        // SAFETY: a statement prepared just now (a lone space prepares none, but be safe).
        unsafe { ffi::sqlite3_finalize(stmt) };
    }
    rc == ffi::SQLITE_INTERRUPT
}
