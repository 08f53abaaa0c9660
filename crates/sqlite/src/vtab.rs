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
//! Writes are transactional, through the engine's one write queue (`github_sql_engine::write`),
//! kept per connection: `xUpdate` queues the matched rows (a DELETE's row is identified through
//! the rowid map `xRowid` fills: the method the statement reaches and the row's arguments), the
//! savepoint callbacks mark and take back, and the first `xSync` of a COMMIT checks the bulk rule
//! over every table and sends everything under one run id. A scan never sees pages shift under
//! its own deletes, a later statement of the transaction never sees the rows queued for deletion,
//! ROLLBACK sends nothing, and a failure reaches the user as the COMMIT's error.

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
    Context, CreateVTab, Filters, IndexConstraintOp, IndexInfo, Inserts, TransactionVTab,
    UpdateVTab, Updates, VTab, VTabConfig, VTabConnection, VTabCursor, VTabKind,
};

use github_sql_engine::aggregate::MultiScan;
use github_sql_engine::plan::{self, Constraint, Op, PlanError, Verdict};
use github_sql_engine::rows::Row;
use github_sql_engine::scan::{RowWriteError, Scan, ScanArgs, Table};
use github_sql_engine::spec::ColumnSource;
use github_sql_engine::write::{self, Target, Verb};

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
    /// An aggregator's table: its members (one table each) and the extra `_connection` column.
    pub aggregate: Option<AggregateSpec>,
    /// A bare name's table: it follows the connection `github_sql_connect()` chose.
    pub follows_default: bool,
    /// Tables of the connections `github_sql_connect()` chose, made on first use.
    by_connection: Mutex<HashMap<String, Arc<Table>>>,
}

/// An aggregator's members, for one resource.
#[derive(Debug)]
pub struct AggregateSpec {
    /// The aggregator's name.
    pub name: String,
    /// Its members' tables.
    pub members: Vec<github_sql_engine::aggregate::Member>,
    /// Leave out failing members (reported) instead of failing the statement.
    pub skip_failures: bool,
}

impl TableSpec {
    /// A table of one connection.
    pub fn new(
        table: Arc<Table>,
        allow_in_views: bool,
        state: Arc<crate::session::ConnState>,
    ) -> TableSpec {
        TableSpec {
            table,
            allow_in_views,
            state,
            aggregate: None,
            follows_default: false,
            by_connection: Mutex::default(),
        }
    }

    /// The table a statement reads now: for a bare name, the connection chosen with
    /// `github_sql_connect()` if any.
    pub fn current_table(&self) -> Arc<Table> {
        if !self.follows_default {
            return self.table.clone();
        }
        match self.state.chosen_connection() {
            None => self.table.clone(),
            Some((name, client)) => {
                let mut m = self.by_connection.lock().unwrap_or_else(|e| e.into_inner());
                m.entry(name)
                    .or_insert_with(|| Arc::new(Table::new(self.table.resource.clone(), client)))
                    .clone()
            }
        }
    }

    /// The index of `_connection` (after the resource's columns), for an aggregator.
    fn connection_column(&self) -> Option<usize> {
        self.aggregate
            .as_ref()
            .map(|_| self.table.resource.columns.len())
    }
}

/// What a cursor handed out for a row SQLite asked the rowid of: what `xUpdate` receives.
#[derive(Debug)]
struct RowInfo {
    /// The row's DELETE (the method the statement reaches and its arguments), or why it has
    /// none; `None` when the table has no delete method.
    target: Option<Result<Target, RowWriteError>>,
    /// Parameter values of the row (the WHERE's), for UPDATE; empty when the table has no
    /// update methods.
    params: Vec<(String, github_sql_engine::Value)>,
    /// The scan that read it.
    scan: u64,
    /// The table (connection) the row came from: its DELETE goes there.
    table: Arc<Table>,
    /// Read with `_connection` pinned by equality (an aggregator's DELETE needs it).
    pinned: bool,
}

/// Rowid state of one table in one connection, shared with its cursors. What is queued lives in
/// the connection's transaction ([`crate::session::ConnState`]), across tables.
#[derive(Debug, Default)]
struct Writes {
    /// Every row whose rowid SQLite asked for, by rowid.
    rows: HashMap<i64, RowInfo>,
    next_rowid: i64,
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
            let mut sql = crate::ddl::create_table_sql(&spec.table.resource);
            if spec.aggregate.is_some() {
                sql.pop();
                sql.push_str(&format!(
                    ", \"{}\" TEXT)",
                    github_sql_engine::aggregate::CONNECTION_COLUMN
                ));
            }
            let sql = CString::new(sql)?;
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
            let conn_col = self.spec.connection_column();
            // `_connection = 'x'` pins an aggregator's scan to one member; the planner never
            // sees that column (it is not the resource's).
            let pin = conn_col.and_then(|cc| {
                ops.iter().position(|(column, op, usable)| {
                    usize::try_from(*column).ok() == Some(cc)
                        && *usable
                        && *op == IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ
                })
            });
            let constraints: Vec<Constraint> = ops
                .iter()
                .enumerate()
                .map(|(i, (column, op, usable))| Constraint {
                    column: match usize::try_from(*column) {
                        Ok(c) if Some(c) == conn_col => 0,
                        Ok(c) => c,
                        Err(_) => usize::MAX,
                    },
                    op: match op {
                        IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ => Op::Eq,
                        IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_LIMIT => Op::Limit,
                        IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_OFFSET => Op::Offset,
                        _ => Op::Other,
                    },
                    usable: *usable && usize::try_from(ops[i].0).ok() != conn_col,
                    in_list: usize::try_from(ops[i].0).ok() != conn_col
                        && info.is_in_constraint(i).unwrap_or(false),
                })
                .map(|mut c| {
                    if !c.usable && conn_col.is_some() && c.column == 0 {
                        c.op = Op::Other;
                    }
                    c
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
            let (idx_num, mut idx_str) = plan.encode();
            if let Some(ci) = pin {
                // The member's name comes last; `@` marks it for `filter`.
                let mut usage = info.constraint_usage(ci);
                usage.set_argv_index(c_int::try_from(plan.args.len() + 1).unwrap_or(c_int::MAX));
                usage.set_omit(true);
                idx_str.insert(0, '@');
            }
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
            pinned: false,
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

    /// COMMIT: the connection's queue is checked and sent (by the first table whose `xSync`
    /// runs; the others find it empty).
    fn flush(&mut self) -> crate::Result<()> {
        self.spec
            .state
            .commit(self.spec.table.client.config().bounds.deadline)
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
        if let Some(agg) = &self.spec.aggregate {
            return Err(crate::Error::Usage(format!(
                "{verb} through the aggregator {} is not available: name the member's table ({}{}{}); nothing was sent",
                agg.name,
                agg.members.first().map_or("member", |m| m.name.as_str()),
                github_sql_engine::connections::SEPARATOR,
                self.spec.table.resource.name
            )));
        }
        let verb = match verb {
            "INSERT" => Verb::Insert,
            "UPDATE" => Verb::Update,
            _ => Verb::Replace,
        };
        // An UPDATE's columns its SET leaves alone carry no value (SQLite's no-change flag).
        let values: Vec<Option<github_sql_engine::Value>> = values
            .iter()
            .map(|(v, unchanged)| (!*unchanged).then(|| v.clone()))
            .collect();
        let write = write::write_row(&self.spec.table.resource, verb, &values, base)
            .map_err(github_sql_engine::Error::from)?;
        self.spec
            .state
            .with_txn(|t| t.queue.push_write(self.spec.current_table(), write));
        Ok(())
    }

    /// The transaction ended: the rowid map is no longer needed, and nothing stays queued.
    fn reset(&self) {
        lock(&self.writes).rows.clear();
        self.spec.state.end_transaction();
    }
}

impl UpdateVTab<'_> for ResourceTable {
    fn delete(&mut self, rowid: ValueRef<'_>) -> rusqlite::Result<()> {
        guard(|| {
            if self.spec.table.resource.delete.is_empty() {
                return Err(self.refuse("DELETE"));
            }
            let id = rowid.as_i64()?;
            let (target, scan, table, pinned) = {
                let w = lock(&self.writes);
                let info = w.rows.get(&id).ok_or_else(|| {
                    rusqlite::Error::ModuleError(format!("github-sql: DELETE of unknown row {id}"))
                })?;
                (
                    info.target.clone(),
                    info.scan,
                    info.table.clone(),
                    info.pinned,
                )
            };
            // Through an aggregator, a DELETE must say which member it means: refused before
            // anything is queued.
            if let (Some(agg), false) = (&self.spec.aggregate, pinned) {
                return Err(crate::Error::Usage(format!(
                    "DELETE through the aggregator {} must pin {} by equality (… WHERE {} = '{}' AND …), or use the member's table {}{}{}; nothing was queued",
                    agg.name,
                    github_sql_engine::aggregate::CONNECTION_COLUMN,
                    github_sql_engine::aggregate::CONNECTION_COLUMN,
                    agg.members.first().map_or("member", |m| m.name.as_str()),
                    agg.members.first().map_or("member", |m| m.name.as_str()),
                    github_sql_engine::connections::SEPARATOR,
                    self.spec.table.resource.name,
                ))
                .into());
            }
            // A row whose DELETE cannot be planned fails the statement: nothing is queued.
            let target = match target {
                Some(Ok(t)) => t,
                Some(Err(e)) => return Err(crate::Error::from(e).into()),
                None => return Err(self.refuse("DELETE")),
            };
            self.spec
                .state
                .with_txn(|t| t.queue.push_delete(table, target, Some(scan)));
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
                .rows
                .get(&old)
                .map(|r| r.params.clone())
                .unwrap_or_default();
            self.queue("UPDATE", &values, base).map_err(Into::into)
        })
    }
}

impl TransactionVTab<'_> for ResourceTable {
    fn begin(&mut self) -> rusqlite::Result<()> {
        // The queue is the connection's: a table joining a transaction others began must not
        // clear it (it is empty at a transaction's start: COMMIT and ROLLBACK empty it).
        Ok(())
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

// SAFETY: `#[repr(C)]` with the `sqlite3_vtab` first.
unsafe impl crate::savepoints::QueueOwner for ResourceTable {
    fn state(&self) -> &crate::session::ConnState {
        &self.spec.state
    }
}

/// A cursor (SQLite's `sqlite3_vtab_cursor`): scan state only.
#[repr(C)]
pub struct ResourceCursor<'vtab> {
    /// Base class. Must be first.
    base: ffi::sqlite3_vtab_cursor,
    spec: Arc<TableSpec>,
    writes: Arc<Mutex<Writes>>,
    scan: Option<MultiScan>,
    /// The scan was started with `_connection` pinned by equality.
    pinned: bool,
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
        let pinned = idx_str.is_some_and(|s| s.starts_with('@'));
        let idx_str = idx_str.map(|s| s.strip_prefix('@').unwrap_or(s));
        self.pinned = pinned;
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
        // Rows this transaction queued for deletion are gone for every later statement.
        let hidden = self
            .spec
            .state
            .with_txn(|t| t.queue.hidden(&self.spec.table.resource.id));
        self.scan = Some(match &self.spec.aggregate {
            None => MultiScan::single(Scan::start_hiding(
                self.spec.current_table(),
                &scan_args,
                stop,
                hidden,
            )?),
            Some(agg) => {
                let pin = if pinned {
                    match args.get::<Value>(decoded.params.len())? {
                        Value::Text(t) => Some(t),
                        _ => Some(String::new()),
                    }
                } else {
                    None
                };
                let members: Vec<_> = agg
                    .members
                    .iter()
                    .filter(|m| pin.as_ref().is_none_or(|p| *p == m.name))
                    .cloned()
                    .collect();
                let skip = self.spec.state.skip_failures(agg.skip_failures);
                let m = MultiScan::start(
                    &agg.name,
                    &members,
                    &scan_args,
                    &stop,
                    |_| hidden.clone(),
                    skip,
                )?;
                self.spec.state.note_skipped(m.skipped());
                m
            }
        });
        self.record_totals();
        Ok(())
    }

    /// At the end of a complete scan, remembers what it read per group (the bulk-delete rule
    /// compares a DELETE's rows with its own scan's listing).
    fn record_totals(&self) {
        let Some(scan) = self
            .scan
            .as_ref()
            .filter(|s| s.eof())
            .and_then(|m| m.scan())
        else {
            return;
        };
        if self.spec.table.resource.delete.is_empty() {
            return;
        }
        if let Some(totals) = scan.totals() {
            let id = scan.id();
            self.spec
                .state
                .with_txn(|t| t.queue.record_totals(id, totals));
        }
    }

    fn current(&self) -> Option<&Row> {
        self.one().and_then(|s| s.current())
    }

    /// The (member) scan the current row comes from.
    fn one(&self) -> Option<&Scan> {
        self.scan.as_ref().and_then(|m| m.scan())
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
            if Some(i) == self.spec.connection_column() {
                return match self.scan.as_ref() {
                    Some(m) => ctx.set_result(m.connection()),
                    None => ctx.set_result(&Value::Null),
                };
            }
            let source = self.spec.table.resource.columns.get(i).map(|c| &c.source);
            if ctx.no_change() && !matches!(source, Some(ColumnSource::Param(_))) {
                // An UPDATE's column its SET leaves alone: no value, so `update` can tell a
                // response field the user set (refused) from one merely read back. Its
                // parameters come from the row's scan (`row_params`).
                return Ok(());
            }
            // Field values are handed to SQLite by reference (it copies them once).
            // A parameter column (or one named like a field this method's rows lack) echoes.
            let echoed = self.one().is_none_or(|s| s.echoed_param(i).is_some());
            match (echoed, self.current()) {
                (false, Some(row)) => match row.get(i) {
                    Some(v) => ctx.set_result(SqlRef(v)),
                    None => ctx.set_result(&Value::Null),
                },
                _ => match self.one() {
                    Some(scan) => ctx.set_result(to_sql(scan.value(i))),
                    None => ctx.set_result(&Value::Null),
                },
            }
        })
    }

    /// Rowids are handed out per table and remember the row's DELETE (the method the statement
    /// reaches, the WHERE's values and the row's mapped fields), because `xUpdate` receives
    /// nothing but the rowid.
    fn rowid(&self) -> rusqlite::Result<i64> {
        guard(|| {
            if let Some(id) = self.rowid.get() {
                return Ok(id);
            }
            let mut w = lock(&self.writes);
            w.next_rowid += 1;
            let id = w.next_rowid;
            if let Some(scan) = self.one() {
                let params = if self.spec.table.resource.update.is_empty() {
                    Vec::new()
                } else {
                    scan.row_params()
                };
                w.rows.insert(
                    id,
                    RowInfo {
                        target: scan.delete_target(),
                        params,
                        scan: scan.id(),
                        table: scan.table().clone(),
                        pinned: self.pinned,
                    },
                );
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
