//! The wrapper: supabase-wrappers' callbacks, each handing over to the engine.
//!
//! Pushdown contract (the engine's `plan`, as in SQLite): `=`, `IN (…)` and `= ANY(…)` on a
//! parameter column choose the method and fill its parameters (an IN list fans out, fetched
//! concurrently); a get-by-id is one GET; everything else Postgres filters (it re-checks every
//! qual, so an Inexact verdict is safe). A constant LIMIT (+ OFFSET) is pushed down only when
//! every row of the scan is a row of the result (see [`crate::limit`]): then pages are sized
//! to it and no page past it is fetched. Otherwise Postgres simply stops reading, and the
//! bounded page stream stops fetching.

use std::collections::HashMap;
use std::sync::Arc;

use github_sql_engine::http::pages::InterruptCheck;
use github_sql_engine::http::{HttpError, Tally};
use github_sql_engine::plan::{self, Constraint, Op, PlanError, Verdict};
use github_sql_engine::scan::{self, Scan, ScanArgs, Table};
use github_sql_engine::spec::{Resource, Returns};
use github_sql_engine::Value;
use pgrx::pg_sys::{self, Oid};
use supabase_wrappers::prelude::*;

use crate::cells::{to_cell, to_value};
use crate::error::{raise, FdwError};
use crate::{ddl, explain, limit, servers, writes};

/// Rows the planner is told to expect when the WHERE lacks a required parameter: steers it
/// away from plans (generic plans of prepared statements) that cannot be run.
const UNPLANNABLE_ROWS: i64 = 1_000_000_000;

#[wrappers_fdw(
    version = "0.1.0",
    author = "github-sql",
    website = "https://github.com/github-sql/github-sql",
    error_type = "FdwError"
)]
pub(crate) struct GithubSqlFdw {
    server_name: String,
    server_oid: Oid,
    server_options: HashMap<String, String>,
    /// The running scan; dropped when its rows run out (that cancels what is in flight).
    scan: Option<Scan>,
    /// What the last scan was started with, for `re_scan`.
    last: Option<(Arc<Table>, ScanArgs)>,
    /// Requested columns: name, resource column index, declared type.
    columns: Vec<(String, Option<usize>, Oid)>,
    /// Move to the next row before reading (the current one was returned).
    advance: bool,
    /// Under a DELETE: the resource column that is the rowid (decided on the first row).
    recording: Option<Option<usize>>,
    /// The resource a DELETE modifies.
    modifying: Option<String>,
    /// Planning found the query's LIMIT safe to send to GitHub (see [`crate::limit`]).
    limit_ok: bool,
}

/// True while Postgres wants the statement to stop: a cancel (`pg_cancel_backend`, Ctrl-C in
/// psql, `statement_timeout`) or termination. Other interrupts (catalog catch-up, barriers) also
/// set `InterruptPending` but must not end a scan; Postgres serves them at its next check.
pub(crate) fn interrupt_check() -> InterruptCheck {
    // SAFETY: plain reads of sig_atomic_t flags that signal handlers set.
    Arc::new(|| unsafe {
        std::ptr::read_volatile(std::ptr::addr_of!(pg_sys::QueryCancelPending)) != 0
            || std::ptr::read_volatile(std::ptr::addr_of!(pg_sys::ProcDiePending)) != 0
    })
}

/// The engine's constraints and the values of each, from the quals.
fn constraints(resource: &Resource, quals: &[Qual]) -> (Vec<Constraint>, Vec<Vec<Value>>) {
    let mut cs = Vec::new();
    let mut values = Vec::new();
    for q in quals {
        let Some(column) = resource.column_index(&q.field) else {
            continue;
        };
        let (op, in_list, vs) = match (&q.operator[..], &q.value) {
            ("=", supabase_wrappers::prelude::Value::Cell(c)) => (Op::Eq, false, vec![to_value(c)]),
            // IN (…) and = ANY(…) arrive as an array with use_or.
            ("=", supabase_wrappers::prelude::Value::Array(a)) if q.use_or => {
                (Op::Eq, true, a.iter().map(to_value).collect())
            }
            _ => (Op::Other, false, Vec::new()),
        };
        cs.push(Constraint {
            column,
            op,
            usable: true,
            in_list,
        });
        values.push(vs);
    }
    (cs, values)
}

/// The plan for these quals: the scan's arguments and the verdict per constraint.
fn plan_scan(
    resource: &Resource,
    quals: &[Qual],
    ordered: bool,
) -> Result<(ScanArgs, Vec<(String, Verdict)>), PlanError> {
    let (cs, values) = constraints(resource, quals);
    let Some(plan) = plan::plan_select(resource, &cs, ordered)? else {
        // Every qual Postgres hands over is usable, so this means a required one is absent.
        return Err(PlanError::MissingParams {
            table: resource.name.clone(),
            missing: resource
                .select_required()
                .iter()
                .map(|p| p.name.clone())
                .collect(),
            example: plan::example_where(resource, &resource.select_required()),
        });
    };
    let params = plan
        .args
        .iter()
        .filter(|(_, p)| p != plan::LIMIT_ARG && p != plan::OFFSET_ARG)
        .map(|(ci, p)| (p.clone(), values[*ci].clone()))
        .collect();
    let verdicts = cs
        .iter()
        .zip(&plan.verdicts)
        .map(|(c, v)| (resource.columns[c.column].name.clone(), *v))
        .collect();
    Ok((
        ScanArgs {
            method: plan.method,
            params,
            want: None,
        },
        verdicts,
    ))
}

/// What EXPLAIN says about a plan: the requests, and what was pushed down.
fn describe(
    table: &Table,
    args: &ScanArgs,
    verdicts: &[(String, Verdict)],
    quals: &[Qual],
) -> String {
    let method = &table.resource.methods[args.method];
    let mut text = format!("{} via {}", method.http_method, method.name);
    let parameterised = quals.iter().any(|q| q.param.is_some());
    match scan::requests(table, args) {
        Ok(reqs) if !parameterised => {
            let urls: Vec<String> = reqs
                .iter()
                .map(|(_, s)| match s {
                    github_sql_engine::http::pages::Start::List(u)
                    | github_sql_engine::http::pages::Start::Object(u) => match u.query() {
                        Some(q) => format!("{} {}?{q}", method.http_method, u.path()),
                        None => format!("{} {}", method.http_method, u.path()),
                    },
                })
                .collect();
            text = format!("{}: {}", method.name, urls.join(", "));
            if method.returns == Returns::Array {
                text.push_str(" (then every page its Link header names)");
            }
        }
        _ => text.push_str(&format!(" {} (parameters bound at execution)", method.path)),
    }
    let pushed: Vec<String> = verdicts
        .iter()
        .filter(|(_, v)| *v != Verdict::Unsupported)
        .map(|(c, v)| {
            format!(
                "{c} ({})",
                if *v == Verdict::Exact {
                    "exact"
                } else {
                    "re-checked"
                }
            )
        })
        .collect();
    if !pushed.is_empty() {
        text.push_str(&format!("; pushed down: {}", pushed.join(", ")));
    }
    text
}

impl GithubSqlFdw {
    fn table(&self, options: &HashMap<String, String>) -> Result<Arc<Table>, FdwError> {
        let resource = servers::resource(options)?;
        let client = servers::client(&self.server_name, self.server_oid, &self.server_options)?;
        Ok(Arc::new(Table::new(resource, client)))
    }

    /// Rows the scan needs when its LIMIT may be pushed down (LIMIT + OFFSET, at least 1).
    fn wanted(&self, limit: &Option<Limit>) -> Option<u64> {
        let l = limit.as_ref().filter(|_| self.limit_ok)?;
        Some(l.count.saturating_add(l.offset).max(1) as u64)
    }

    fn start(&mut self, table: Arc<Table>, args: ScanArgs) {
        self.scan = None;
        self.advance = false;
        self.recording = None;
        // Rows this transaction queued for deletion are gone for every later statement.
        let hidden = writes::hidden(&table.resource.id);
        let stop = github_sql_engine::http::Stop::interrupt(Some(interrupt_check()));
        match Scan::start_hiding(table.clone(), &args, stop, hidden) {
            Ok(s) => self.scan = Some(s),
            Err(e) => fail(e.into()),
        }
        self.last = Some((table, args));
    }
}

/// Raises an error from a scan; an interruption raises Postgres's own cancel error.
fn fail(e: FdwError) -> ! {
    if let FdwError::Engine(github_sql_engine::Error::Http(HttpError::Interrupted)) = e {
        pgrx::check_for_interrupts!();
    }
    raise(e)
}

impl ForeignDataWrapper<FdwError> for GithubSqlFdw {
    fn fdw_routine_hook(routine: &mut supabase_wrappers::FdwRoutine<pgrx::AllocatedByRust>) {
        explain::install(routine);
        limit::install(routine);
    }

    fn validator(options: Vec<Option<String>>, catalog: Option<Oid>) -> Result<(), FdwError> {
        servers::validate_options(&options, catalog)
    }

    fn new(server: ForeignServer) -> Result<Self, FdwError> {
        Ok(GithubSqlFdw {
            server_name: server.server_name,
            server_oid: server.server_oid,
            server_options: server.options,
            scan: None,
            last: None,
            columns: Vec::new(),
            advance: false,
            recording: None,
            modifying: None,
            limit_ok: false,
        })
    }

    fn get_rel_size(
        &mut self,
        quals: &[Qual],
        _columns: &[Column],
        sorts: &[Sort],
        limit: &Option<Limit>,
        options: &HashMap<String, String>,
    ) -> Result<(i64, i32), FdwError> {
        let shape = limit::shape();
        self.limit_ok = false;
        let Ok(resource) = servers::resource(options) else {
            return Ok((1000, 200));
        };
        let table_oid = options
            .get("wrappers.ftable_oid")
            .and_then(|o| o.parse::<u32>().ok());
        // A generic plan (quals on $n parameters) is planned with placeholder values, and
        // supabase-wrappers 0.1.28 cannot read every parameter type at execution (varchar, as
        // pgjdbc sends): price it out so Postgres's plan cache keeps planning each execution
        // with its values (custom plans), as it does for the first five.
        let generic = quals.iter().any(|q| q.param.is_some());
        let (rows, text) = match plan_scan(&resource, quals, !sorts.is_empty()) {
            Ok(_) if generic => (
                UNPLANNABLE_ROWS,
                "decided at execution (parameterised plan)".to_string(),
            ),
            Ok((mut args, verdicts)) => {
                // Every restriction Postgres checks is one of the quals, pushed exactly.
                self.limit_ok = limit.is_some()
                    && shape.is_some_and(|s| s.simple && s.restrictions == quals.len())
                    && verdicts.len() == quals.len()
                    && verdicts.iter().all(|(_, v)| *v == Verdict::Exact);
                args.want = self.wanted(limit);
                let single = resource.methods[args.method].returns != Returns::Array;
                let sources: i64 = args
                    .params
                    .iter()
                    .map(|(_, v)| v.len().max(1) as i64)
                    .product();
                let text = match self.table(options) {
                    Ok(table) => describe(&table, &args, &verdicts, quals),
                    Err(e) => e.to_string(),
                };
                (if single { sources } else { 1000 * sources }, text)
            }
            Err(e) => (UNPLANNABLE_ROWS, format!("none: {e}")),
        };
        if let Some(oid) = table_oid {
            explain::describe(oid, text);
        }
        Ok((rows, 200))
    }

    fn begin_scan(
        &mut self,
        quals: &[Qual],
        columns: &[Column],
        sorts: &[Sort],
        limit: &Option<Limit>,
        options: &HashMap<String, String>,
    ) -> Result<(), FdwError> {
        // Errors are raised, never returned (see error::raise).
        if let Some(q) = quals.iter().find(|q| {
            q.param
                .as_ref()
                .is_some_and(|p| p.eval_value.lock().map(|v| v.is_none()).unwrap_or(true))
        }) {
            raise(FdwError::Value(format!(
                "the value for {} is a parameter of a generic plan that github-sql cannot read; \
                 SET plan_cache_mode = force_custom_plan (or cast the parameter to text)",
                q.field
            )));
        }
        let table = self.table(options).unwrap_or_else(|e| raise(e));
        // The node's own counters, for EXPLAIN ANALYZE.
        let tally = Arc::new(Tally::default());
        let table = Arc::new(Table::new(
            table.resource.clone(),
            table.client.with_tally(tally.clone()),
        ));
        if let Some(oid) = options
            .get("wrappers.ftable_oid")
            .and_then(|o| o.parse::<u32>().ok())
        {
            explain::track(oid, tally);
        }
        let (mut args, _) = plan_scan(&table.resource, quals, !sorts.is_empty())
            .unwrap_or_else(|e| raise(e.into()));
        args.want = self.wanted(limit);
        self.columns = columns
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    table.resource.column_index(&c.name),
                    c.type_oid,
                )
            })
            .collect();
        self.start(table, args);
        Ok(())
    }

    fn iter_scan(&mut self, row: &mut Row) -> Result<Option<()>, FdwError> {
        let Some(scan) = self.scan.as_mut() else {
            return Ok(None);
        };
        if std::mem::replace(&mut self.advance, true) {
            if let Err(e) = scan.advance() {
                self.scan = None;
                fail(e.into());
            }
        }
        if scan.eof() {
            // Under a DELETE, what the complete list held (the bulk-delete rule).
            if matches!(self.recording, Some(Some(_))) {
                if let Some(totals) = scan.totals() {
                    writes::record_totals(scan.id(), totals);
                }
            }
            // Done: release the stream now, not at end_scan.
            self.scan = None;
            return Ok(None);
        }
        for (name, idx, oid) in &self.columns {
            let v = idx.map(|i| scan.value(i)).unwrap_or_default();
            match to_cell(v, *oid, name) {
                Ok(cell) => row.push(name, cell),
                Err(e) => {
                    self.scan = None;
                    raise(e);
                }
            }
        }
        let Some(scan) = self.scan.as_ref() else {
            return Ok(None);
        };
        let resource_id = &self.last.as_ref().map(|(t, _)| t.resource.clone());
        if let Some(resource) = resource_id {
            let recording = *self.recording.get_or_insert_with(|| {
                writes::is_modifying(&resource.id)
                    .then(|| ddl::rowid_column(resource).and_then(|c| resource.column_index(c)))
                    .flatten()
            });
            if let (Some(rowid), Some(target)) = (recording, scan.delete_target()) {
                writes::remember(&resource.id, scan.value(rowid).render(), target, scan.id());
            }
        }
        Ok(Some(()))
    }

    fn re_scan(&mut self) -> Result<(), FdwError> {
        if let Some((table, args)) = self.last.take() {
            self.start(table, args);
        }
        Ok(())
    }

    fn end_scan(&mut self) -> Result<(), FdwError> {
        self.scan = None;
        // What the scan stored in the shared cache is there for the next backend.
        github_sql_engine::http::disk::flush(std::time::Duration::from_secs(5));
        Ok(())
    }

    fn begin_modify(&mut self, options: &HashMap<String, String>) -> Result<(), FdwError> {
        let table = self.table(options)?;
        if table.resource.delete.is_empty() {
            return Err(PlanError::Unsupported {
                table: table.resource.name.clone(),
                verb: "DELETE".into(),
                supported: table.resource.supported_statements(),
            }
            .into());
        }
        self.modifying = Some(table.resource.id.clone());
        writes::begin_modify(table);
        Ok(())
    }

    fn insert(&mut self, _row: &Row) -> Result<(), FdwError> {
        Err(FdwError::Setup(
            "github-sql foreign tables take SELECT and DELETE; INSERT is not supported here (EXEC methods, request bodies included, are SQL functions; `github-sql exec` and the SQLite extension run INSERT with data__ fields)".into(),
        ))
    }

    fn update(&mut self, _rowid: &Cell, _new_row: &Row) -> Result<(), FdwError> {
        Err(FdwError::Setup(
            "github-sql foreign tables take SELECT and DELETE; UPDATE is not supported here (EXEC methods, request bodies included, are SQL functions; `github-sql exec` and the SQLite extension run UPDATE with data__ fields)".into(),
        ))
    }

    fn delete(&mut self, rowid: &Cell) -> Result<(), FdwError> {
        let Some(resource) = self.modifying.as_deref() else {
            return Err(FdwError::Setup("DELETE outside a modify scan".into()));
        };
        let key = to_value(rowid).render();
        writes::queue(resource, &key).map_err(|e| match e {
            writes::QueueError::Row(r) => FdwError::Engine(match r {
                github_sql_engine::scan::RowWriteError::Choose(c) => c.into(),
                other => github_sql_engine::Error::Usage(other.to_string()),
            }),
            other => FdwError::Setup(other.to_string()),
        })
    }

    fn end_modify(&mut self) -> Result<(), FdwError> {
        if let Some(resource) = self.modifying.take() {
            writes::end_modify(&resource);
        }
        Ok(())
    }

    fn import_foreign_schema(
        &mut self,
        stmt: ImportForeignSchemaStmt,
    ) -> Result<Vec<String>, FdwError> {
        let provider = servers::provider()?;
        let service = provider
            .services
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(&stmt.remote_schema))
            .ok_or_else(|| {
                let names: Vec<&str> = provider.services.iter().map(|s| s.name.as_str()).collect();
                FdwError::Setup(format!(
                    "the provider has no service {:?}; import one of: {}",
                    stmt.remote_schema,
                    names.join(", ")
                ))
            })?;
        let wanted = |name: &str| {
            let listed = stmt.table_list.iter().any(|t| t.eq_ignore_ascii_case(name));
            match stmt.list_type {
                ImportSchemaType::FdwImportSchemaAll => true,
                ImportSchemaType::FdwImportSchemaLimitTo => listed,
                ImportSchemaType::FdwImportSchemaExcept => !listed,
            }
        };
        let exec_fn = pgrx::Spi::get_one::<String>(
            "SELECT quote_ident(n.nspname) || '.github_sql_exec' FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.proname = 'github_sql_exec' LIMIT 1",
        )
        .ok()
        .flatten()
        .unwrap_or_else(|| "github_sql_exec".to_string());
        let mut tables = Vec::new();
        for r in service
            .resources
            .iter()
            .filter(|r| wanted(&r.resource_name))
        {
            tables.push(ddl::create_table(&stmt.local_schema, &stmt.server_name, r));
            for &m in &r.exec {
                let sql = ddl::create_function(
                    &stmt.local_schema,
                    &exec_fn,
                    &stmt.server_name,
                    r,
                    &r.methods[m],
                );
                pgrx::Spi::run(&sql).map_err(|e| {
                    FdwError::Setup(format!("creating the function {}: {e}", r.methods[m].name))
                })?;
            }
        }
        Ok(tables)
    }
}
