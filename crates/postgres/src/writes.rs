//! Writes, transactionally, through the engine's one write queue (`github_sql_engine::write`),
//! kept per backend: the scan under a DELETE or UPDATE remembers each row's DELETE (the method
//! the statement reaches and its arguments) and parameters by its rowid, `delete()` queues the
//! DELETE, `insert()` and `update()` plan their row with the engine's row planner (the same
//! `write_row` the SQLite extension uses: the same method choice and refusals), PostgreSQL's
//! subtransaction callbacks mark and take back (SAVEPOINT / ROLLBACK TO, a PL/pgSQL exception
//! handler, psql's `ON_ERROR_ROLLBACK`), and pre-commit checks the bulk rule over every table and
//! sends everything under one run id — exactly as the SQLite front end does. ROLLBACK (or any
//! error before COMMIT) sends nothing; a failed write at commit fails the COMMIT with the
//! engine's report, which names every row not sent. Later statements of the transaction never see
//! the rows queued for deletion.
//!
//! Bulk deletes need intent, by the engine's rule (more than `GITHUB_SQL_CONFIRM_OVER` rows, 100
//! by default, every row of a package its listing showed, or a package itself): such a COMMIT
//! sends nothing and fails until the transaction says how many rows it means:
//! `SET LOCAL github_sql.confirm_deletes = 250`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use github_sql_engine::scan::{RowWriteError, Table};
use github_sql_engine::write::{
    self, CommitError, CommitOptions, Committed, Hidden, RowError, Target, Transaction, Verb,
};
use github_sql_engine::Value;
use pgrx::pg_sys;
use pgrx::{PgLogLevel, PgSqlErrorCode};

/// What a scan under a write remembered of one row, by its rowid: the row's DELETE (the method
/// the statement reaches and its arguments), its parameters (an UPDATE's base: the WHERE's
/// values and the row's mapped fields) and the scan that read it.
#[derive(Clone)]
pub struct Remembered {
    /// The row's DELETE, when the table takes DELETE.
    pub delete: Option<Result<Target, RowWriteError>>,
    /// The row's parameters, when the table takes UPDATE.
    pub params: Vec<(String, Value)>,
    /// The scan's id.
    pub scan: u64,
    /// Another row of the scan had the same rowid (set by [`remember`]).
    pub shared: bool,
}

#[derive(Default)]
struct State {
    /// The transaction's queue.
    txn: Transaction,
    /// Resources written in this statement (set by begin_modify).
    modifying: HashMap<String, Arc<Table>>,
    /// (resource id, rowid text) → what the scan under the write read of that row.
    targets: HashMap<(String, String), Remembered>,
    /// Open subtransactions, innermost last: the queue's savepoint levels.
    subs: Vec<pg_sys::SubTransactionId>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// A write on this resource begins: its scan should remember rows.
pub fn begin_modify(table: Arc<Table>) {
    STATE.with(|s| {
        s.borrow_mut()
            .modifying
            .insert(table.resource.id.clone(), table)
    });
}

/// Whether scans of this resource feed a write.
pub fn is_modifying(resource_id: &str) -> bool {
    STATE.with(|s| s.borrow().modifying.contains_key(resource_id))
}

/// Remembers what a scan under a write read of a row, under its rowid. Two different rows under
/// one rowid (a `rowid_column` that is not unique for this resource) cannot be told apart later:
/// the rowid is marked, and a write to it is refused rather than sent with the other row's values.
pub fn remember(resource_id: &str, rowid: String, row: Remembered) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        match s.targets.entry((resource_id.to_string(), rowid)) {
            std::collections::hash_map::Entry::Occupied(mut seen) => {
                let same = seen.get().params == row.params && seen.get().delete == row.delete;
                seen.get_mut().shared |= !same;
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(row);
            }
        }
    });
}

/// Records what a complete scan under a DELETE read per package (the bulk rule compares the
/// DELETE's rows with its own listing).
pub fn record_totals(scan: u64, totals: Vec<github_sql_engine::scan::GroupTotal>) {
    STATE.with(|s| s.borrow_mut().txn.queue.record_totals(scan, totals));
}

/// The rows a scan of this resource must not return: those the transaction queued for deletion.
pub fn hidden(resource_id: &str) -> Hidden {
    STATE.with(|s| s.borrow().txn.queue.hidden(resource_id))
}

/// The transaction's `github_sql.confirm_deletes` setting: how many rows its COMMIT may delete.
fn confirmed_rows() -> u64 {
    // Read straight from the GUC table: SPI is not available at pre-commit.
    // SAFETY: a NUL-terminated name; missing_ok, so NULL means "not set".
    let value = unsafe {
        let p = pg_sys::GetConfigOption(c"github_sql.confirm_deletes".as_ptr(), true, false);
        if p.is_null() {
            return 0;
        }
        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
    };
    value.trim().parse().unwrap_or(0)
}

/// Why a row cannot be queued: nothing is.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// No scan of this statement read the row.
    #[error("{0} of row {1}, which this statement's scan did not read; nothing was sent")]
    Unknown(&'static str, String),
    /// Several rows the scan read share the rowid: which one is meant cannot be told.
    #[error("{0} of row {1}: several rows this statement read have {1} in the table's rowid_column, so which one is meant cannot be told; nothing was sent. Name the row by its parameters in the WHERE")]
    SharedRowid(&'static str, String),
    /// The statement reaches no delete method (or several), or the row lacks a parameter.
    #[error(transparent)]
    Row(#[from] RowWriteError),
    /// An INSERT or UPDATE row reaches no method (or several), or lacks a value.
    #[error(transparent)]
    Write(#[from] RowError),
}

/// The table a write of this statement modifies.
fn modifying(
    s: &State,
    resource_id: &str,
    verb: &'static str,
    rowid: &str,
) -> Result<Arc<Table>, QueueError> {
    s.modifying
        .get(resource_id)
        .cloned()
        .ok_or_else(|| QueueError::Unknown(verb, rowid.to_string()))
}

/// Queues the delete of the row with this rowid.
pub fn queue(resource_id: &str, rowid: &str) -> Result<(), QueueError> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let remembered = s
            .targets
            .get(&(resource_id.to_string(), rowid.to_string()))
            .cloned()
            .ok_or_else(|| QueueError::Unknown("DELETE", rowid.to_string()))?;
        if remembered.shared {
            return Err(QueueError::SharedRowid("DELETE", rowid.to_string()));
        }
        let table = modifying(&s, resource_id, "DELETE", rowid)?;
        let Some(target) = remembered.delete else {
            return Err(QueueError::Write(RowError::Unsupported(
                github_sql_engine::plan::PlanError::Unsupported {
                    table: table.resource.name.clone(),
                    verb: "DELETE".into(),
                    supported: table.resource.supported_statements(),
                },
            )));
        };
        s.txn
            .queue
            .push_delete(table, target?, Some(remembered.scan));
        Ok(())
    })
}

/// Plans one INSERT or UPDATE row with the engine's row planner and queues it for the commit.
/// `values` are the statement's values by resource column (`None`: not given); an UPDATE's
/// `rowid` names the scanned row whose parameters the values complete.
pub fn queue_write(
    resource_id: &str,
    verb: Verb,
    values: &[Option<Value>],
    rowid: Option<&str>,
) -> Result<(), QueueError> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let keyword = verb.keyword();
        let table = modifying(&s, resource_id, keyword, rowid.unwrap_or_default())?;
        let base = match rowid {
            Some(id) => {
                let row = s
                    .targets
                    .get(&(resource_id.to_string(), id.to_string()))
                    .ok_or_else(|| QueueError::Unknown(keyword, id.to_string()))?;
                if row.shared {
                    return Err(QueueError::SharedRowid(keyword, id.to_string()));
                }
                row.params.clone()
            }
            None => Vec::new(),
        };
        let write = write::write_row(&table.resource, verb, values, base)?;
        s.txn.queue.push_write(table, write);
        Ok(())
    })
}

/// The write statement ended: its rows stay queued, the rowid map is no longer needed.
pub fn end_modify(resource_id: &str) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.modifying.remove(resource_id);
        s.targets.retain(|(r, _), _| r != resource_id);
    });
}

/// Registers the transaction and subtransaction callbacks, once per backend (`_PG_init`).
pub fn init() {
    // SAFETY: registering static callbacks with no argument, as any extension does at load.
    unsafe {
        pg_sys::RegisterXactCallback(Some(on_xact), std::ptr::null_mut());
        pg_sys::RegisterSubXactCallback(Some(on_subxact), std::ptr::null_mut());
    }
}

#[pgrx::pg_guard]
unsafe extern "C-unwind" fn on_xact(event: pg_sys::XactEvent::Type, _arg: *mut std::ffi::c_void) {
    use pg_sys::XactEvent::*;
    match event {
        XACT_EVENT_PRE_COMMIT | XACT_EVENT_PARALLEL_PRE_COMMIT => send_pending(),
        XACT_EVENT_PRE_PREPARE => {
            let queued = STATE.with(|s| s.borrow().txn.queue.len());
            if queued > 0 {
                pgrx::ereport!(
                    PgLogLevel::ERROR,
                    PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
                    format!("github-sql cannot PREPARE TRANSACTION with {queued} queued writes: they are sent at COMMIT; COMMIT or ROLLBACK instead")
                );
            }
        }
        // No ERROR may be raised while a transaction aborts (it would become a PANIC): only
        // clear. After a commit everything was sent (or the commit failed and aborts).
        XACT_EVENT_ABORT
        | XACT_EVENT_PARALLEL_ABORT
        | XACT_EVENT_COMMIT
        | XACT_EVENT_PARALLEL_COMMIT
        | XACT_EVENT_PREPARE => STATE.with(|s| {
            let mut s = s.borrow_mut();
            s.txn.queue.clear();
            s.targets.clear();
            s.modifying.clear();
            s.subs.clear();
        }),
        _ => {}
    }
}

#[pgrx::pg_guard]
unsafe extern "C-unwind" fn on_subxact(
    event: pg_sys::SubXactEvent::Type,
    my_subid: pg_sys::SubTransactionId,
    _parent: pg_sys::SubTransactionId,
    _arg: *mut std::ffi::c_void,
) {
    use pg_sys::SubXactEvent::*;
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        match event {
            SUBXACT_EVENT_START_SUB => {
                let level = s.subs.len();
                s.subs.push(my_subid);
                s.txn.queue.savepoint(level);
            }
            SUBXACT_EVENT_ABORT_SUB => {
                if let Some(level) = s.subs.iter().position(|&id| id == my_subid) {
                    // What was queued after the subtransaction began is taken back.
                    s.txn.queue.rollback_to(level);
                    s.txn.queue.release(level);
                    s.subs.truncate(level);
                }
            }
            SUBXACT_EVENT_COMMIT_SUB => {
                if let Some(level) = s.subs.iter().position(|&id| id == my_subid) {
                    s.txn.queue.release(level);
                    s.subs.truncate(level);
                }
            }
            _ => {}
        }
    });
}

fn requests(n: usize) -> String {
    if n == 1 {
        "1 request".into()
    } else {
        format!("{n} requests")
    }
}

/// Pre-commit: check the bulk rule over every table, then send every queued write; a refusal
/// or a failure fails the COMMIT (a refusal sends nothing).
fn send_pending() {
    let batch = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.targets.clear();
        s.txn.queue.take()
    });
    if batch.is_empty() {
        return;
    }
    let options = CommitOptions {
        threshold: write::confirm_over_from_env(),
        confirmed: confirmed_rows(),
        always: false,
        dry_run: false,
        progress: None,
    };
    let deadline = batch
        .entries
        .first()
        .map(|q| q.table.client.config().bounds.deadline)
        .unwrap_or_else(|| github_sql_engine::http::Bounds::default().deadline);
    let stop = github_sql_engine::http::Stop {
        interrupt: Some(crate::interrupt::interrupt_check()),
        deadline: Some(github_sql_engine::http::Deadline::from_now(deadline)),
    };
    // The queue is empty now: the commit decides what happens to the batch.
    let mut unused = write::WriteQueue::default();
    match write::commit_batch(&mut unused, batch, &options, &stop) {
        Ok(Committed::Sent(report)) => {
            let n = report.deleted_count() + report.writes.len();
            let what = if report.writes.is_empty() {
                let tables: Vec<&str> = report.deleted.iter().map(|(t, _)| t.as_str()).collect();
                format!("DELETE sent {} to GitHub for {}", requests(n), tables.join(" and "))
            } else {
                format!(
                    "COMMIT sent {} to GitHub ({})",
                    requests(n),
                    report.headline().replace('\n', "; ")
                )
            };
            pgrx::ereport!(
                PgLogLevel::NOTICE,
                PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
                format!("github-sql: {what}\n{}", report.tail())
            )
        }
        Ok(_) => {}
        Err(CommitError::NeedsConfirmation(c)) => pgrx::ereport!(
            PgLogLevel::ERROR,
            PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
            format!(
                "{c}. Nothing was sent: to delete them, run SET LOCAL github_sql.confirm_deletes = {} in the transaction before COMMIT",
                c.count
            )
        ),
        Err(e @ CommitError::OverBudget(_)) => pgrx::ereport!(
            PgLogLevel::ERROR,
            PgSqlErrorCode::ERRCODE_CONFIGURATION_LIMIT_EXCEEDED,
            e.to_string()
        ),
        Err(CommitError::Failed(mut failure)) => {
            // The restore hint in PostgreSQL's SQL (the function, named arguments).
            let pg_hint = failure.restore_hint.take().map(|h| {
                let call = crate::error::postgres_call(&h.exec).unwrap_or(h.exec);
                format!(
                    "\nGitHub keeps what it deleted restorable for {} days: {call}",
                    h.days
                )
            });
            let mut msg = failure.to_string();
            if let (Some(hint), true) = (pg_hint, failure.report.deleted_count() > 0) {
                msg.push_str(&hint);
            }
            pgrx::ereport!(
                PgLogLevel::ERROR,
                PgSqlErrorCode::ERRCODE_FDW_ERROR,
                github_sql_engine::http::redact(&msg)
            )
        }
    }
}
