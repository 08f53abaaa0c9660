//! DELETE, transactionally: the scan under a DELETE remembers each row's delete arguments by
//! its rowid, `delete()` queues them, and the queue is sent at pre-commit — paced and reported
//! by the engine exactly as the SQLite front end does. ROLLBACK (or any error before COMMIT)
//! sends nothing; a failed delete at commit fails the COMMIT with the engine's report.
//!
//! Bulk deletes need intent, by the engine's rule (more than `GITHUB_SQL_CONFIRM_OVER` rows, 100
//! by default, or every active version of a package): such a COMMIT sends nothing and fails
//! until the session says how many rows it means, e.g. `SET LOCAL github_sql.confirm_deletes = 250`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use github_sql_engine::exec::{self, Target};
use github_sql_engine::scan::Table;
use pgrx::{PgLogLevel, PgSqlErrorCode, PgXactCallbackEvent};

#[derive(Default)]
struct State {
    /// Resources whose scans run under a DELETE in this statement (set by begin_modify).
    modifying: HashMap<String, Arc<Table>>,
    /// (resource id, rowid text) → the row's delete arguments.
    targets: HashMap<(String, String), Target>,
    /// Queued deletes per resource, in order, sent at pre-commit.
    pending: Vec<(Arc<Table>, Vec<Target>)>,
    /// Rows each package's complete list scans saw (the "every version" rule).
    totals: exec::Totals,
    /// Whether this transaction's callbacks are registered.
    hooked: bool,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// A DELETE on this resource begins: its scan should remember targets.
pub fn begin_modify(table: Arc<Table>) {
    STATE.with(|s| {
        s.borrow_mut()
            .modifying
            .insert(table.resource.id.clone(), table)
    });
}

/// Whether scans of this resource feed a DELETE.
pub fn is_modifying(resource_id: &str) -> bool {
    STATE.with(|s| s.borrow().modifying.contains_key(resource_id))
}

/// Remembers a scanned row's delete arguments under its rowid.
pub fn remember(resource_id: &str, rowid: String, target: Target) {
    STATE.with(|s| {
        s.borrow_mut()
            .targets
            .insert((resource_id.to_string(), rowid), target)
    });
}

/// Records what a complete scan under a DELETE saw per package.
pub fn record_totals(totals: Vec<github_sql_engine::scan::GroupTotal>) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        for (k, n) in totals {
            let e = s.totals.entry(k).or_insert(0);
            *e = (*e).max(n);
        }
    });
}

/// The session's `github_sql.confirm_deletes` setting: how many rows a bulk DELETE may remove.
fn confirmed_rows() -> u64 {
    // Read straight from the GUC table: SPI is not available at pre-commit.
    // SAFETY: a NUL-terminated name; missing_ok, so NULL means "not set".
    let value = unsafe {
        let p = pgrx::pg_sys::GetConfigOption(c"github_sql.confirm_deletes".as_ptr(), true, false);
        if p.is_null() {
            return 0;
        }
        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
    };
    value.trim().parse().unwrap_or(0)
}

/// Queues the delete of the row with this rowid; false when no scan read it.
pub fn queue(resource_id: &str, rowid: &str) -> bool {
    let found = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(target) = s
            .targets
            .get(&(resource_id.to_string(), rowid.to_string()))
            .cloned()
        else {
            return false;
        };
        let Some(table) = s.modifying.get(resource_id).cloned() else {
            return false;
        };
        match s
            .pending
            .iter_mut()
            .find(|(t, _)| t.resource.id == resource_id)
        {
            Some((_, list)) => {
                if !list.contains(&target) {
                    list.push(target)
                }
            }
            None => s.pending.push((table, vec![target])),
        }
        true
    });
    if found {
        hook();
    }
    found
}

/// The DELETE statement ended: its rows stay queued, the rowid map is no longer needed.
pub fn end_modify(resource_id: &str) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.modifying.remove(resource_id);
        s.targets.retain(|(r, _), _| r != resource_id);
    });
}

fn hook() {
    let first = STATE.with(|s| !std::mem::replace(&mut s.borrow_mut().hooked, true));
    if !first {
        return;
    }
    // pgrx's callbacks last one transaction: register on the first queued delete of each.
    pgrx::register_xact_callback(PgXactCallbackEvent::PreCommit, send_pending);
    // No ERROR may be raised while a transaction aborts (it would become a PANIC): only clear.
    pgrx::register_xact_callback(PgXactCallbackEvent::Abort, || {
        STATE.with(|s| *s.borrow_mut() = State::default())
    });
}

/// Pre-commit: send every queued delete; a failure fails the COMMIT.
fn send_pending() {
    let (pending, totals) = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.hooked = false;
        s.targets.clear();
        (
            std::mem::take(&mut s.pending),
            std::mem::take(&mut s.totals),
        )
    });
    // Intent first, for every table, before anything is sent.
    let threshold = exec::confirm_over_from_env();
    let confirmed = confirmed_rows();
    for (table, targets) in &pending {
        let resource = &table.resource;
        let Some(&m) = resource.delete.first() else {
            continue;
        };
        if let Some(c) =
            exec::needs_confirmation(resource, &resource.methods[m], targets, &totals, threshold)
        {
            if confirmed < c.count as u64 {
                pgrx::ereport!(
                    PgLogLevel::ERROR,
                    PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
                    format!(
                        "{c}. Nothing was sent: to delete them, run SET LOCAL github_sql.confirm_deletes = {} in the transaction before COMMIT",
                        c.count
                    )
                );
            }
        }
    }
    let interrupt = crate::fdw::interrupt_check();
    for (table, targets) in pending {
        let resource = &table.resource;
        // Each row goes to the delete method its values (from the WHERE) choose.
        let (groups, _) = exec::split_by_method(resource, &targets);
        for (m, targets) in groups {
            match exec::delete_all(
                &table.client,
                resource,
                &resource.methods[m],
                &targets,
                Some(&interrupt),
            ) {
                Ok(report) => pgrx::ereport!(
                    PgLogLevel::NOTICE,
                    PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
                    format!(
                        "github-sql: DELETE sent {} request{} to GitHub for {}\n{}",
                        report.deleted.len(),
                        if report.deleted.len() == 1 { "" } else { "s" },
                        resource.name,
                        report.tail()
                    )
                ),
                Err(failure) => pgrx::ereport!(
                    PgLogLevel::ERROR,
                    PgSqlErrorCode::ERRCODE_FDW_ERROR,
                    failure.to_string()
                ),
            }
        }
    }
}
