//! One generic virtual table serving every resource of the provider document.
//!
//! The module is registered once per resource with the resource as aux data (the same type under
//! several names, as sqlite-xsv does). Tables are eponymous: `auth_user_versions` exists as soon as
//! the module is registered. `best_index` delegates to the engine's `plan`; the cursor holds only scan
//! state (the current page, the next page's URL, the parameter values to echo).
//!
//! Trust level: DIRECTONLY by default. The tables send requests with the user's token and DELETE
//! removes packages, so a view or trigger stored in a database file (which anyone may have
//! written) must not reach them. TEMP views and triggers, which the session itself creates, still
//! work; `GITHUB_SQL_ALLOW_VIEWS=1` lifts the restriction for people who keep views in their own
//! files (docs/extension.md).
//!
//! DELETE is transactional: `xUpdate` only queues the matched rows (identified through the rowid
//! map filled by `xRowid`), and `xSync` sends the delete calls when the transaction commits. A
//! scan therefore never sees pages shift under its own deletes, ROLLBACK sends nothing, and a
//! failure reaches the user as the COMMIT's error.

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard};

use fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::ffi;
use rusqlite::types::{Value, ValueRef};
use rusqlite::vtab::{
    Context, CreateVTab, Filters, IndexConstraintOp, IndexInfo, Inserts, Module, TransactionVTab,
    UpdateVTab, Updates, VTab, VTabConfig, VTabConnection, VTabCursor, VTabKind,
};

use github_sql_engine::exec::{self, QueuedWrite, Target};
use github_sql_engine::plan::{self, Constraint, Op, PlanError, Verdict};
use github_sql_engine::rows::Row;
use github_sql_engine::scan::{Scan, ScanArgs, Table};
use github_sql_engine::spec::{ColumnSource, ParamLocation};

use crate::value::{from_sql, to_sql, SqlRef};

/// Aux data of a registered module: the engine's table (resource, decoder, client).
#[derive(Debug)]
pub struct TableSpec {
    /// The resource this table serves, with its decoder and client.
    pub table: Arc<Table>,
    /// Usable from views and triggers stored in database files (`GITHUB_SQL_ALLOW_VIEWS`).
    pub allow_in_views: bool,
    /// The connection's interrupt check, confirmation setting and last DELETE report.
    pub state: Arc<crate::session::ConnState>,
}

/// Write state of one table in one connection, shared with its cursors.
#[derive(Debug, Default)]
struct Writes {
    /// Delete arguments of every row whose rowid SQLite asked for, by rowid.
    rows: HashMap<i64, Target>,
    /// Parameter values of those rows (the WHERE's), for UPDATE; only when the table has
    /// update methods.
    params: HashMap<i64, Vec<(String, github_sql_engine::Value)>>,
    next_rowid: i64,
    /// Rows queued by DELETE, sent at commit.
    pending: Vec<Target>,
    /// Rows queued by INSERT, UPDATE and REPLACE, sent at commit (before the deletes), in order.
    writes: Vec<QueuedWrite>,
    /// `(pending.len(), writes.len())` when each open savepoint began (index = SQLite's
    /// savepoint number).
    savepoints: Vec<(usize, usize)>,
    /// Rows complete scans saw per package, for the bulk-delete rule.
    totals: exec::Totals,
}

fn lock(w: &Mutex<Writes>) -> MutexGuard<'_, Writes> {
    w.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs a callback body, turning a panic into an SQLite error: rusqlite does not catch panics in
/// vtab callbacks, and unwinding into SQLite would abort the host process.
pub(crate) fn guard<T>(f: impl FnOnce() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(rusqlite::Error::ModuleError(format!(
            "github-sql internal error: {what}"
        )))
    })
}

/// The table (SQLite's `sqlite3_vtab`).
#[repr(C)]
pub struct ResourceTable {
    /// Base class. Must be first.
    base: ffi::sqlite3_vtab,
    spec: Arc<TableSpec>,
    writes: Arc<Mutex<Writes>>,
    /// The connection (for `sqlite3_vtab_on_conflict`: `REPLACE INTO` is the replace method).
    db: *mut ffi::sqlite3,
}

unsafe impl<'vtab> VTab<'vtab> for ResourceTable {
    type Aux = Arc<TableSpec>;
    type Cursor = ResourceCursor<'vtab>;

    fn connect(
        db: &mut VTabConnection,
        aux: Option<&Self::Aux>,
        _module_name: &[u8],
        _database_name: &[u8],
        _table_name: &[u8],
        _args: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        guard(|| {
            let spec = aux.cloned().ok_or_else(|| {
                rusqlite::Error::ModuleError(
                    "github-sql module registered without its resource".into(),
                )
            })?;
            let sql = CString::new(spec.table.resource.create_table_sql())?;
            if !spec.allow_in_views {
                db.config(VTabConfig::DirectOnly)?;
            }
            // SAFETY: the handle of the connection creating this table, which outlives it.
            let handle = unsafe { db.handle() };
            Ok((
                Cow::Owned(sql),
                ResourceTable {
                    base: ffi::sqlite3_vtab::default(),
                    spec,
                    writes: Arc::default(),
                    db: handle,
                },
            ))
        })
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        guard(|| {
            let ops: Vec<(c_int, IndexConstraintOp, bool)> = info
                .constraints()
                .map(|c| (c.column(), c.operator(), c.is_usable()))
                .collect();
            let constraints: Vec<Constraint> = ops
                .iter()
                .enumerate()
                .map(|(i, (column, op, usable))| Constraint {
                    column: usize::try_from(*column).unwrap_or(usize::MAX),
                    op: match op {
                        IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ => Op::Eq,
                        IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_LIMIT => Op::Limit,
                        IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_OFFSET => Op::Offset,
                        _ => Op::Other,
                    },
                    usable: *usable,
                    in_list: info.is_in_constraint(i).unwrap_or(false),
                })
                .collect();
            let ordered = info.num_of_order_by() > 0;
            let plan = match plan::plan_select(&self.spec.table.resource, &constraints, ordered) {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(false),
                Err(e) => return Err(crate::Error::from(e).into()),
            };
            for (argv, (ci, _)) in plan.args.iter().enumerate() {
                let mut usage = info.constraint_usage(*ci);
                usage.set_argv_index(c_int::try_from(argv + 1).unwrap_or(c_int::MAX));
                usage.set_omit(plan.verdicts[*ci] == Verdict::Exact);
            }
            for &ci in &plan.in_lists {
                // The whole IN list arrives in one filter call (fetched concurrently).
                info.set_in_constraint(ci, true)?;
            }
            let (idx_num, idx_str) = plan.encode();
            info.set_idx_num(idx_num);
            info.set_idx_str(&idx_str);
            info.set_estimated_rows(plan.estimated_rows);
            info.set_estimated_cost(plan.estimated_cost);
            Ok(true)
        })
    }

    fn open(&'vtab mut self) -> rusqlite::Result<ResourceCursor<'vtab>> {
        Ok(ResourceCursor {
            _mark: self.spec.state.cursor_opened(),
            opened: std::time::Instant::now(),
            base: ffi::sqlite3_vtab_cursor::default(),
            spec: self.spec.clone(),
            writes: self.writes.clone(),
            scan: None,
            rowid: Cell::new(None),
            phantom: PhantomData,
        })
    }
}

impl CreateVTab<'_> for ResourceTable {
    const KIND: VTabKind = VTabKind::Eponymous;
}

impl ResourceTable {
    fn refuse(&self, verb: &str) -> rusqlite::Error {
        crate::Error::from(PlanError::Unsupported {
            table: self.spec.table.resource.name.clone(),
            verb: verb.into(),
            supported: self.spec.table.resource.supported_statements(),
        })
        .into()
    }

    /// Sends the queued deletes; the queue is emptied whatever happens. A bulk DELETE the user
    /// has not confirmed (and every DELETE in dry-run mode) sends nothing and fails the COMMIT.
    fn flush(&mut self) -> crate::Result<()> {
        use std::sync::atomic::Ordering;
        let (pending, totals, writes) = {
            let mut w = lock(&self.writes);
            (
                std::mem::take(&mut w.pending),
                std::mem::take(&mut w.totals),
                std::mem::take(&mut w.writes),
            )
        };
        if !writes.is_empty() {
            if let Err(e) = self.flush_writes(&writes) {
                if pending.is_empty() {
                    return Err(e);
                }
                return Err(crate::Error::Usage(format!(
                    "{e}\nThe {} DELETE rows of the same transaction were not sent.",
                    pending.len()
                )));
            }
        }
        if pending.is_empty() {
            return Ok(());
        }
        let resource = &self.spec.table.resource;
        // Each row goes to the delete method its values (the WHERE's) choose, as SELECT does.
        let (groups, orphans) = exec::split_by_method(resource, &pending);
        if !orphans.is_empty() {
            let needs: Vec<String> = resource
                .delete
                .iter()
                .map(|&m| {
                    let req: Vec<&str> = resource.methods[m]
                        .required()
                        .map(|p| p.name.as_str())
                        .collect();
                    format!("{} ({})", resource.methods[m].name, req.join(", "))
                })
                .collect();
            return Err(crate::Error::Usage(format!(
                "DELETE on {}: no delete method can take {} of the rows (values missing); each needs: {}. Give them in WHERE; nothing was sent",
                resource.name,
                orphans.len(),
                needs.join("; ")
            )));
        }
        let Some(&(m, _)) = groups.first() else {
            return Ok(());
        };
        let method = &resource.methods[m];
        let state = &self.spec.state;
        state.set_delete_methods(
            groups
                .iter()
                .map(|(m, _)| resource.methods[*m].name.clone())
                .collect(),
        );
        let threshold =
            usize::try_from(state.confirm_over.load(Ordering::Relaxed)).unwrap_or(usize::MAX);
        let check = exec::needs_confirmation(resource, method, &pending, &totals, threshold);
        if state.dry_run.load(Ordering::Relaxed) {
            state.set_last_check((pending.len(), check));
            return Err(crate::Error::Usage("dry run: nothing was sent".into()));
        }
        // One confirmation covers one COMMIT.
        let confirmed = state.confirmed.swap(0, Ordering::Relaxed);
        if let Some(c) = check {
            if !state.always_confirm.load(Ordering::Relaxed) && confirmed < c.count as u64 {
                let msg = format!(
                    "{c}. Nothing was sent: confirm with --yes (or answer y) in the shell, or run SELECT github_sql_confirm_deletes({}) before the DELETE",
                    c.count
                );
                state.set_last_check((pending.len(), Some(c)));
                return Err(crate::Error::Usage(msg));
            }
        }
        let stop = state.stop(self.spec.table.client.config().bounds.deadline);
        let mut total: Option<exec::DeleteReport> = None;
        for (m, targets) in &groups {
            let report = exec::delete_all_with(
                &self.spec.table.client,
                resource,
                &resource.methods[*m],
                targets,
                &stop,
            )?;
            match &mut total {
                Some(t) => t.deleted.extend(report.deleted),
                None => total = Some(report),
            }
        }
        if let Some(report) = total {
            state.set_report(report);
        }
        Ok(())
    }

    /// Checks one INSERT, UPDATE or REPLACE row and queues it for the commit. `values` are the
    /// row's column values and whether SQLite marked each unchanged (an UPDATE's untouched
    /// columns). Nothing is sent here; a row that cannot be sent is refused now.
    /// `base`: an UPDATE's row parameters as scanned (`Scan::row_params`); values the
    /// statement gives replace them.
    fn queue(
        &self,
        verb: &'static str,
        values: &[(github_sql_engine::Value, bool)],
        base: Vec<(String, github_sql_engine::Value)>,
    ) -> crate::Result<()> {
        use github_sql_engine::Value as V;
        let resource = &self.spec.table.resource;
        let candidates = match verb {
            "INSERT" => &resource.insert,
            "UPDATE" => &resource.update,
            _ => &resource.replace,
        };
        if candidates.is_empty() {
            return Err(PlanError::Unsupported {
                table: resource.name.clone(),
                verb: verb.into(),
                supported: resource.supported_statements(),
            }
            .into());
        }
        let mut args: Vec<(String, V)> = base;
        for (col, (v, unchanged)) in resource.columns.iter().zip(values) {
            if *unchanged || *v == V::Null {
                continue;
            }
            match col.param() {
                Some(p) => match args.iter_mut().find(|(q, _)| q == p) {
                    Some(a) => a.1 = v.clone(),
                    None => args.push((p.to_string(), v.clone())),
                },
                // An UPDATE's other columns carry the row as read; only a SET changes them,
                // and those are reported as changed.
                None => {
                    let body = format!("{}{}", github_sql_engine::spec::BODY_PREFIX, col.name);
                    let hint = if resource.column_index(&body).is_some() {
                        format!("to send it, use the body field {body}")
                    } else {
                        "the data__ columns (DESCRIBE EXTENDED lists them) are what it sends".into()
                    };
                    return Err(crate::Error::Usage(format!(
                        "{verb} on {}: {} is a column GitHub answers with, not one it takes; {hint}; nothing was sent",
                        resource.name, col.name
                    )));
                }
            }
        }
        let Some(m) = exec::method_for(resource, candidates, &args) else {
            let needs: Vec<String> = candidates
                .iter()
                .map(|&m| {
                    let req: Vec<&str> = resource.methods[m]
                        .required()
                        .filter(|p| p.location != ParamLocation::Body)
                        .map(|p| p.name.as_str())
                        .collect();
                    format!("{} ({})", resource.methods[m].name, req.join(", "))
                })
                .collect();
            return Err(crate::Error::Usage(format!(
                "{verb} on {}: no {} method can take the values given; each needs: {}; nothing was sent",
                resource.name,
                verb.to_ascii_lowercase(),
                needs.join("; ")
            )));
        };
        let method = &resource.methods[m];
        // Parameters the chosen method does not take: an UPDATE's row carries the WHERE's
        // (dropped); a body field, or a value an INSERT names, would be silently lost (refused).
        let mut kept = Vec::new();
        for (name, v) in args {
            if method.param(&name).is_some() {
                kept.push((name, v));
            } else if verb != "UPDATE" || name.starts_with(github_sql_engine::spec::BODY_PREFIX) {
                return Err(PlanError::UnknownArg {
                    method: method.name.clone(),
                    param: name,
                    known: method.params.iter().map(|p| p.name.clone()).collect(),
                }
                .into());
            }
        }
        match exec::bind_named(resource, method, &kept) {
            Ok(_) => {}
            Err(PlanError::MissingArgs { missing, .. }) => {
                return Err(crate::Error::Usage(format!(
                    "{verb} on {} ({}) needs {}: e.g. {}; nothing was sent",
                    resource.name,
                    method.name,
                    missing.join(", "),
                    exec::example_statement(resource, method, verb)
                )))
            }
            Err(e) => return Err(e.into()),
        }
        lock(&self.writes).writes.push(QueuedWrite {
            verb,
            method: m,
            args: kept,
        });
        Ok(())
    }

    /// Sends the queued INSERT, UPDATE and REPLACE rows (in dry-run mode: says what they would
    /// send, and sends nothing).
    fn flush_writes(&self, writes: &[QueuedWrite]) -> crate::Result<()> {
        use std::sync::atomic::Ordering;
        let resource = &self.spec.table.resource;
        let client = &self.spec.table.client;
        let state = &self.spec.state;
        if state.dry_run.load(Ordering::Relaxed) {
            let mut lines = Vec::new();
            for w in writes {
                let method = &resource.methods[w.method];
                let bound = exec::bind_named(resource, method, &w.args)?;
                let req = exec::describe_call(client, method, &bound)?;
                let body = bound
                    .body_json(method)
                    .map(|b| format!(" with body {b}"))
                    .unwrap_or_default();
                lines.push(format!("{} would send {req}{body}", w.verb));
            }
            return Err(crate::Error::Usage(format!(
                "dry run: {}; nothing was sent",
                lines.join("; ")
            )));
        }
        let stop = state.stop(client.config().bounds.deadline);
        match exec::write_all(client, resource, writes, &stop) {
            Ok(report) => {
                state.add_writes(report.done);
                Ok(())
            }
            Err(f) => {
                state.add_writes(f.report.done.clone());
                Err(crate::Error::Usage(f.to_string()))
            }
        }
    }

    fn reset(&self) {
        let mut w = lock(&self.writes);
        w.pending.clear();
        w.writes.clear();
        w.rows.clear();
        w.params.clear();
        w.savepoints.clear();
        w.totals.clear();
    }
}

impl UpdateVTab<'_> for ResourceTable {
    fn delete(&mut self, rowid: ValueRef<'_>) -> rusqlite::Result<()> {
        guard(|| {
            if self.spec.table.resource.delete.is_empty() {
                return Err(self.refuse("DELETE"));
            }
            let id = rowid.as_i64()?;
            let mut w = lock(&self.writes);
            let target = w.rows.get(&id).cloned().ok_or_else(|| {
                rusqlite::Error::ModuleError(format!("github-sql: DELETE of unknown row {id}"))
            })?;
            if !w.pending.contains(&target) {
                w.pending.push(target);
            }
            Ok(())
        })
    }

    fn insert(&mut self, args: &Inserts<'_>) -> rusqlite::Result<i64> {
        guard(|| {
            // SAFETY: called from xUpdate with this table's connection.
            let replace = matches!(
                unsafe { args.on_conflict(self.db) },
                rusqlite::vtab::ConflictMode::Replace
            );
            let verb = if replace { "REPLACE" } else { "INSERT" };
            let values = (2..args.len())
                .map(|i| Ok((from_sql(args.get::<Value>(i)?), false)))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            self.queue(verb, &values, Vec::new())
                .map_err(rusqlite::Error::from)?;
            let mut w = lock(&self.writes);
            w.next_rowid += 1;
            Ok(w.next_rowid)
        })
    }

    fn update(&mut self, args: &Updates<'_>) -> rusqlite::Result<()> {
        guard(|| {
            // Columns the SET leaves alone arrive as "no change" (see `column`) or as the row's
            // own values: only parameters are read from them.
            let values = (2..args.len())
                .map(|i| Ok((from_sql(args.get::<Value>(i)?), args.no_change(i))))
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let old = args.get::<i64>(0)?;
            let base = lock(&self.writes)
                .params
                .get(&old)
                .cloned()
                .unwrap_or_default();
            self.queue("UPDATE", &values, base).map_err(Into::into)
        })
    }
}

impl TransactionVTab<'_> for ResourceTable {
    fn begin(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            let mut w = lock(&self.writes);
            w.pending.clear();
            w.writes.clear();
            Ok(())
        })
    }

    /// The fallible part of COMMIT: an error here aborts the commit and reaches the user.
    fn sync(&mut self) -> rusqlite::Result<()> {
        guard(|| self.flush().map_err(Into::into))
    }

    fn commit(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            self.reset();
            Ok(())
        })
    }

    fn rollback(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            self.reset();
            Ok(())
        })
    }
}

/// Adds SQLite's savepoint callbacks (module version 2), which rusqlite's `Module` leaves unset,
/// so that `ROLLBACK TO` also takes back the deletes queued after that savepoint; without them a
/// later COMMIT would send deletes the user rolled back.
pub(crate) const fn with_savepoints(
    m: Module<'static, ResourceTable>,
) -> Module<'static, ResourceTable> {
    // SAFETY: `Module` is `#[repr(transparent)]` over `ffi::sqlite3_module`.
    let mut base: ffi::sqlite3_module = unsafe { std::mem::transmute(m) };
    base.iVersion = 2;
    base.xSavepoint = Some(x_savepoint);
    base.xRelease = Some(x_release);
    base.xRollbackTo = Some(x_rollback_to);
    // SAFETY: as above.
    unsafe { std::mem::transmute(base) }
}

/// Runs `f` on the table's write state; SQLite passes our own `sqlite3_vtab` (the first field of
/// `ResourceTable`). Panics become an error code.
unsafe fn with_writes(vtab: *mut ffi::sqlite3_vtab, f: impl FnOnce(&mut Writes)) -> c_int {
    if vtab.is_null() {
        return ffi::SQLITE_MISUSE;
    }
    // SAFETY: SQLite hands back the pointer our xConnect returned, a `#[repr(C)]` ResourceTable.
    let table = unsafe { &*(vtab as *const ResourceTable) };
    match catch_unwind(AssertUnwindSafe(|| f(&mut lock(&table.writes)))) {
        Ok(()) => ffi::SQLITE_OK,
        Err(_) => ffi::SQLITE_ERROR,
    }
}

unsafe extern "C" fn x_savepoint(vtab: *mut ffi::sqlite3_vtab, n: c_int) -> c_int {
    let n = usize::try_from(n).unwrap_or(0);
    // SAFETY: called by SQLite with our table.
    unsafe {
        with_writes(vtab, |w| {
            let at = (w.pending.len(), w.writes.len());
            w.savepoints.truncate(n);
            w.savepoints.resize(n, at);
            w.savepoints.push(at);
        })
    }
}

unsafe extern "C" fn x_release(vtab: *mut ffi::sqlite3_vtab, n: c_int) -> c_int {
    let n = usize::try_from(n).unwrap_or(0);
    // SAFETY: called by SQLite with our table.
    unsafe { with_writes(vtab, |w| w.savepoints.truncate(n)) }
}

unsafe extern "C" fn x_rollback_to(vtab: *mut ffi::sqlite3_vtab, n: c_int) -> c_int {
    // SAFETY: called by SQLite with our table.
    unsafe {
        with_writes(vtab, |w| match usize::try_from(n) {
            Ok(n) => {
                if let Some(&(deletes, writes)) = w.savepoints.get(n) {
                    w.pending.truncate(deletes);
                    w.writes.truncate(writes);
                    w.savepoints.truncate(n + 1);
                }
            }
            // -1: back to the start of the transaction (its outermost SAVEPOINT).
            Err(_) => {
                w.pending.clear();
                w.writes.clear();
                w.savepoints.clear();
            }
        })
    }
}

/// A cursor (SQLite's `sqlite3_vtab_cursor`): scan state only.
#[repr(C)]
pub struct ResourceCursor<'vtab> {
    /// Base class. Must be first.
    base: ffi::sqlite3_vtab_cursor,
    spec: Arc<TableSpec>,
    writes: Arc<Mutex<Writes>>,
    scan: Option<Scan>,
    /// The current row's rowid, once SQLite has asked for it.
    rowid: Cell<Option<i64>>,
    /// When SQLite opened the cursor: its statement's start, for `GITHUB_SQL_DEADLINE`.
    opened: std::time::Instant,
    /// Counts the cursor open (where a statement's request figures start).
    _mark: crate::session::CursorMark,
    phantom: PhantomData<&'vtab ResourceTable>,
}

impl ResourceCursor<'_> {
    /// Decodes the plan `best_index` encoded and starts the scan.
    fn start(
        &mut self,
        idx_num: c_int,
        idx_str: Option<&str>,
        args: &Filters<'_>,
    ) -> crate::Result<()> {
        self.scan = None;
        self.rowid.set(None);
        let decoded = plan::decode(&self.spec.table.resource, idx_num, idx_str)?;
        let mut scan_args = ScanArgs {
            method: decoded.method,
            ..ScanArgs::default()
        };
        for (i, (name, is_in)) in decoded.params.iter().enumerate() {
            if name == plan::LIMIT_ARG || name == plan::OFFSET_ARG {
                if let Value::Integer(n) = args.get::<Value>(i)? {
                    let n = u64::try_from(n).unwrap_or(0);
                    scan_args.want = Some(scan_args.want.unwrap_or(0) + n);
                }
                continue;
            }
            let values = if *is_in {
                let mut vs = Vec::new();
                let mut it = args.in_values(i)?;
                while let Some(v) = it.next()? {
                    vs.push(from_sql(v.get::<Value>(i)?));
                }
                vs
            } else {
                vec![from_sql(args.get::<Value>(i)?)]
            };
            scan_args.params.push((name.clone(), values));
        }
        // Every scan of the statement (a join's inner loop, each IN source) shares its deadline.
        let stop = self
            .spec
            .state
            .stop_from(self.spec.table.client.config().bounds.deadline, self.opened);
        self.scan = Some(Scan::start_with(self.spec.table.clone(), &scan_args, stop)?);
        self.record_totals();
        Ok(())
    }

    /// At the end of a complete scan, remembers each package's row count (bulk-delete rule).
    fn record_totals(&self) {
        let Some(totals) = self
            .scan
            .as_ref()
            .filter(|s| s.eof())
            .and_then(Scan::totals)
        else {
            return;
        };
        let mut w = lock(&self.writes);
        for (k, n) in totals {
            let e = w.totals.entry(k).or_insert(0);
            *e = (*e).max(n);
        }
    }

    fn current(&self) -> Option<&Row> {
        self.scan.as_ref().and_then(|s| s.current())
    }
}

unsafe impl VTabCursor for ResourceCursor<'_> {
    fn filter(
        &mut self,
        idx_num: c_int,
        idx_str: Option<&str>,
        args: &Filters<'_>,
    ) -> rusqlite::Result<()> {
        guard(|| self.start(idx_num, idx_str, args).map_err(Into::into))
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        guard(|| {
            self.rowid.set(None);
            match self.scan.as_mut() {
                Some(scan) => {
                    scan.advance().map_err(crate::Error::from)?;
                    self.record_totals();
                    Ok(())
                }
                None => Ok(()),
            }
        })
    }

    fn eof(&self) -> bool {
        self.current().is_none()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        guard(|| {
            let i = usize::try_from(i).unwrap_or(usize::MAX);
            let source = self.spec.table.resource.columns.get(i).map(|c| &c.source);
            if ctx.no_change() && !matches!(source, Some(ColumnSource::Param(_))) {
                // An UPDATE's column its SET leaves alone: no value, so `update` can tell a
                // response field the user set (refused) from one merely read back. Its
                // parameters come from the row's scan (`row_params`).
                return Ok(());
            }
            // Field values are handed to SQLite by reference (it copies them once).
            // A parameter column (or one named like a field this method's rows lack) echoes.
            let echoed = self
                .scan
                .as_ref()
                .is_none_or(|s| s.echoed_param(i).is_some());
            match (echoed, self.current()) {
                (false, Some(row)) => match row.get(i) {
                    Some(v) => ctx.set_result(SqlRef(v)),
                    None => ctx.set_result(&Value::Null),
                },
                _ => match self.scan.as_ref() {
                    Some(scan) => ctx.set_result(to_sql(scan.value(i))),
                    None => ctx.set_result(&Value::Null),
                },
            }
        })
    }

    /// Rowids are handed out per table and remember the row's delete arguments, because
    /// `xUpdate` receives nothing but the rowid.
    fn rowid(&self) -> rusqlite::Result<i64> {
        guard(|| {
            if let Some(id) = self.rowid.get() {
                return Ok(id);
            }
            let mut w = lock(&self.writes);
            w.next_rowid += 1;
            let id = w.next_rowid;
            if let Some(target) = self.scan.as_ref().and_then(Scan::target) {
                w.rows.insert(id, target);
            }
            if !self.spec.table.resource.update.is_empty() {
                if let Some(scan) = self.scan.as_ref() {
                    w.params.insert(id, scan.row_params());
                }
            }
            self.rowid.set(Some(id));
            Ok(id)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_a_callback_becomes_an_sqlite_error() {
        let r: rusqlite::Result<()> = guard(|| panic!("boom"));
        match r {
            Err(rusqlite::Error::ModuleError(m)) => {
                assert_eq!(m, "github-sql internal error: boom")
            }
            other => panic!("expected a module error, got {other:?}"),
        }
        let r: rusqlite::Result<()> = guard(|| panic!("{}", String::from("formatted")));
        assert!(matches!(r, Err(rusqlite::Error::ModuleError(m)) if m.ends_with("formatted")));
    }
}
