//! One scan of one resource: the bound sources of a plan (an IN list fans out to several), the
//! page stream that fetches them, and the row being read — the state every front end's cursor
//! holds (SQLite's `xFilter`/`xNext`, Postgres's `begin_scan`/`iter_scan`).
//!
//! A front end decodes its own plan encoding into [`ScanArgs`] (a parameter name and its values
//! per pushed constraint, plus the LIMIT hint) and reads rows with [`Scan::current`],
//! [`Scan::value`] and [`Scan::advance`]. Parameter columns echo the value their source was
//! bound with; response columns read the decoded page.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::exec;
use crate::http::pages::{Batch, Fetch, InterruptCheck, PageStream, Start};
use crate::http::{Deadline, HttpError, Stop};
use crate::plan::{self, Bound};
use crate::rows::{Row, RowDecoder};
use crate::spec::{ColumnSource, Method, Resource, Returns};
use crate::value::Value;
use crate::write::{self, Choice, ChooseError, Hidden, Rows, Target, Verb};

pub use crate::table::Table;

/// Why a scan could not start or go on. The engine's [`crate::Error`] takes each as it is.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The arguments cannot be bound to the method.
    #[error(transparent)]
    Plan(#[from] crate::plan::PlanError),
    /// GitHub or the network failed, or the statement was stopped.
    #[error(transparent)]
    Http(#[from] crate::http::HttpError),
    /// IN lists that multiply into more requests than a scan sends.
    #[error("the IN lists ask for more than {0} separate requests; narrow them")]
    FanOut(usize),
}

/// A scan's result.
pub type Result<T, E = ScanError> = std::result::Result<T, E>;

/// Most sources one scan may fan out to (IN lists multiply).
pub const MAX_SOURCES: usize = 1000;

/// What a front end's plan gives a scan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScanArgs {
    /// Index into `resource.methods`.
    pub method: usize,
    /// Each pushed parameter with its values: one, or the whole IN list.
    pub params: Vec<(String, Vec<Value>)>,
    /// Rows wanted (LIMIT + OFFSET), when a LIMIT was pushed down.
    pub want: Option<u64>,
}

/// A group key ([`write::confirm::group_key`]) and the rows a complete scan read for it.
pub type GroupTotal = (Vec<(String, String)>, u64);

/// Why a scanned row cannot be written (deleted, updated): nothing is queued or sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowWriteError {
    /// The statement reaches no method, or several.
    #[error(transparent)]
    Choose(#[from] ChooseError),
    /// The row lacks a value the chosen method needs.
    #[error("{verb} on {table} ({method}): a row has no value for {param}{how}; nothing was sent")]
    Unmapped {
        /// The verb.
        verb: &'static str,
        /// Table name.
        table: String,
        /// Method name.
        method: String,
        /// The parameter.
        param: String,
        /// Where it was looked for.
        how: String,
    },
}

static SCAN_IDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A running scan.
pub struct Scan {
    table: Arc<Table>,
    method: usize,
    /// One binding per source; rows echo their source's values.
    sources: Vec<Bound>,
    source: usize,
    stream: PageStream,
    /// Rows of the current page; the front is the current row.
    rows: VecDeque<Row>,
    interrupt: Option<InterruptCheck>,
    /// Rows read per source, and whether every page of every source was read without a LIMIT
    /// (what the bulk-delete rule needs to know a package's total).
    read: Vec<u64>,
    complete: bool,
    limited: bool,
    /// Per column, the parameter it echoes ([`Scan::echoed_param`]), decided once per scan: the
    /// vtab asks for every cell.
    echoes: Vec<Option<String>>,
    /// This scan's id, unique in the process (the bulk rule compares a DELETE's rows with what
    /// its own scan read).
    id: u64,
    /// Rows of this transaction queued for deletion: never returned.
    hidden: Hidden,
    /// The delete method the statement reaches, decided on the first row asked for.
    delete_choice: std::cell::OnceCell<Result<Choice, ChooseError>>,
}

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("resource", &self.table.resource.name)
            .field("method", &self.method)
            .field("sources", &self.sources.len())
            .finish_non_exhaustive()
    }
}

/// The requests a scan starts with, one per source, with what each binds: what EXPLAIN shows.
/// A source with a NULL argument is left out (`x = NULL` matches nothing), so nothing is sent
/// for it. Nothing is sent here at all.
pub fn requests(table: &Table, args: &ScanArgs) -> Result<Vec<(Bound, Start)>> {
    let resource = &table.resource;
    let method = resource
        .methods
        .get(args.method)
        .ok_or_else(|| plan::PlanError::Internal(format!("bad method index {}", args.method)))?;
    let names: Vec<String> = args.params.iter().map(|(n, _)| n.clone()).collect();
    let lists: Vec<Vec<Value>> = args.params.iter().map(|(_, v)| v.clone()).collect();
    let mut out = Vec::new();
    for combo in combinations(&lists)? {
        let Some(bound) = plan::bind_select(resource, method, &names, combo)? else {
            continue;
        };
        let start = match method.returns {
            Returns::Array => {
                // The page size is the REST API's; a service with its own server has its own.
                let page_size = method
                    .page_size
                    .as_ref()
                    .filter(|_| resource.server.is_none())
                    .map(|(k, size)| {
                        let size = args.want.map_or(*size as u64, |w| w.clamp(1, *size as u64));
                        (k.as_str(), size.to_string())
                    });
                Start::List(exec::url_with(&table.client, method, &bound, page_size)?)
            }
            _ => Start::Object(exec::url_with(&table.client, method, &bound, None)?),
        };
        out.push((bound, start));
    }
    Ok(out)
}

/// The parameter column `i` of `resource` echoes when scanned with `method` (see
/// [`Scan::echoed_param`]).
fn echo_of<'r>(resource: &'r Resource, method: &Method, i: usize) -> Option<&'r str> {
    let col = resource.columns.get(i)?;
    match &col.source {
        ColumnSource::Param(p) => Some(p),
        // A parameter the method does not take either: the plan echoes it when the WHERE
        // gives it ([`plan::bind_select`]).
        ColumnSource::ParamField { param, field }
            if !method.fields.contains(field)
                && method
                    .param(param)
                    .or_else(|| resource.param(param))
                    .is_some_and(|p| p.sql_type == col.sql_type) =>
        {
            Some(param)
        }
        _ => None,
    }
}

impl Scan {
    /// Binds the arguments (nothing is sent if any is invalid) and starts fetching. While it
    /// waits for GitHub the scan asks `interrupt` at least every 100 ms, and stops with
    /// [`HttpError::Interrupted`] when it says so.
    pub fn start(
        table: Arc<Table>,
        args: &ScanArgs,
        interrupt: Option<InterruptCheck>,
    ) -> Result<Scan> {
        Scan::start_with(table, args, Stop::interrupt(interrupt))
    }

    /// [`Scan::start`] under a statement's [`Stop`]: with a deadline, the scan fails when the
    /// statement's `GITHUB_SQL_DEADLINE` passes (every scan of a join or IN fan-out shares it);
    /// without one, the deadline counts from this scan's start.
    pub fn start_with(table: Arc<Table>, args: &ScanArgs, stop: Stop) -> Result<Scan> {
        Scan::start_hiding(table, args, stop, Hidden::default())
    }

    /// [`Scan::start_with`] skipping `hidden`: the rows the transaction has queued for deletion
    /// (so a later statement never sees them, as it would not had each statement committed).
    pub fn start_hiding(
        table: Arc<Table>,
        args: &ScanArgs,
        stop: Stop,
        hidden: Hidden,
    ) -> Result<Scan> {
        let mut scan = Scan::start_deferred(table, args, stop, hidden)?;
        scan.ready()?;
        Ok(scan)
    }

    /// [`Scan::start_hiding`] without waiting for the first page: the pages are being fetched
    /// when it returns, and [`Scan::ready`] waits for the first. An aggregator starts every
    /// member this way, so they fetch at once.
    pub fn start_deferred(
        table: Arc<Table>,
        args: &ScanArgs,
        stop: Stop,
        hidden: Hidden,
    ) -> Result<Scan> {
        let planned = requests(&table, args)?;
        stop.check("starting a scan")?;
        let resource = &table.resource;
        let method = &resource.methods[args.method];
        let (sources, starts): (Vec<Bound>, Vec<Start>) = planned.into_iter().unzip();
        let scopes = sources
            .first()
            .map(|b| exec::scopes_for(resource, method, b))
            .unwrap_or_default();
        let deadline = stop
            .deadline
            .unwrap_or_else(|| Deadline::from_now(table.client.config().bounds.deadline));
        let fetch = Fetch {
            client: table.client.clone(),
            object_key: method.object_key.clone(),
            scopes,
            max_rows: args.want,
            headers: method.headers.clone(),
            server_auth: resource.server.as_ref().map(|s| s.auth),
            not_found_is_error: method.not_found_is_error,
            deadline: Some(deadline),
        };
        let echoes = (0..resource.columns.len())
            .map(|i| echo_of(resource, method, i).map(String::from))
            .collect();
        let mut scan = Scan {
            method: args.method,
            sources,
            source: 0,
            stream: PageStream::start_until(fetch, starts, deadline),
            rows: VecDeque::new(),
            table,
            interrupt: stop.interrupt,
            read: Vec::new(),
            complete: false,
            limited: args.want.is_some(),
            echoes,
            id: SCAN_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            hidden,
            delete_choice: std::cell::OnceCell::new(),
        };
        scan.read = vec![0; scan.sources.len()];
        Ok(scan)
    }

    /// Waits for the first row (or the end) of a scan started with [`Scan::start_deferred`].
    pub fn ready(&mut self) -> Result<()> {
        self.refill()
    }

    /// The table this scan reads (its resource and client).
    pub fn table(&self) -> &Arc<Table> {
        &self.table
    }

    /// Takes batches until a row is available or every source is exhausted.
    fn refill(&mut self) -> Result<()> {
        while self.rows.is_empty() {
            match self.stream.next_batch(self.interrupt.as_ref()) {
                None => {
                    self.complete = true;
                    return Ok(());
                }
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(batch)) => {
                    let object_key = self.table.resource.methods[self.method]
                        .object_key
                        .as_deref();
                    self.source = batch.source;
                    self.rows = decode(&self.table.decoder, &batch, object_key)?.into();
                    if !self.hidden.is_empty() {
                        self.drop_hidden();
                    }
                    if let Some(n) = self.read.get_mut(batch.source) {
                        *n += self.rows.len() as u64;
                    }
                }
            }
        }
        Ok(())
    }

    /// Moves to the next row (fetching the next page when this one is used up).
    pub fn advance(&mut self) -> Result<()> {
        self.rows.pop_front();
        self.refill()
    }

    /// The current row's decoded response columns; `None` at the end.
    pub fn current(&self) -> Option<&Row> {
        self.rows.front()
    }

    /// Whether every row has been read.
    pub fn eof(&self) -> bool {
        self.rows.is_empty()
    }

    /// Column `i` of the current row: a response field, or the parameter value its source was
    /// bound with (else the parameter's declared default, the value the API used).
    pub fn value(&self, i: usize) -> Value {
        let resource = &self.table.resource;
        let Some(p) = self.echoed_param(i) else {
            return self
                .current()
                .and_then(|r| r.get(i))
                .cloned()
                .unwrap_or(Value::Null);
        };
        match self.sources.get(self.source).and_then(|b| b.echo.get(p)) {
            Some(v) => v.clone(),
            None => resource
                .param(p)
                .and_then(|p| p.default.clone())
                .map(Value::Text)
                .unwrap_or(Value::Null),
        }
    }

    /// The parameter column `i` echoes (rather than reading the row): a parameter column, or a
    /// parameter named like a field this scan's method's rows lack, when the column has the
    /// parameter's type (a JSON `owner` column stays NULL rather than holding a login).
    pub fn echoed_param(&self, i: usize) -> Option<&str> {
        self.echoes.get(i)?.as_deref()
    }

    /// The current row's parameter values, what an UPDATE sends it with: for each parameter
    /// column, the value its source was bound with (the WHERE's), else the row's field through
    /// a declared mapping ([`Resource::row_params`]) — never a field that merely shares the
    /// parameter's name (`owner` is an object in a repository, a ref's `ref` says `refs/heads/x`);
    /// NULLs left out.
    pub fn row_params(&self) -> Vec<(String, Value)> {
        let resource = &self.table.resource;
        let echo = self.sources.get(self.source).map(|b| &b.echo);
        let row = self.current();
        let mut out: Vec<(String, Value)> = Vec::new();
        for col in &resource.columns {
            let Some(p) = col.param() else { continue };
            if out.iter().any(|(q, _)| q == p) {
                continue;
            }
            let mapped = || {
                let i = field_column(resource, resource.row_param(p)?)?;
                row?.get(i).cloned()
            };
            let v = echo
                .and_then(|e| e.get(p).cloned())
                .or_else(mapped)
                .unwrap_or(Value::Null);
            if v != Value::Null {
                out.push((p.to_string(), v));
            }
        }
        out
    }

    /// This scan's id ([`write::Queued::scan`]).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// After the last row: rows read per group ([`write::confirm::group_key`] of the delete
    /// method the statement reaches) when the scan read whole, unfiltered lists: no LIMIT, and
    /// every parameter bound is a group parameter or has its declared default (`state = 'active'`
    /// lists what `state` defaults to; `state = 'deleted'` lists something else). Rows the
    /// transaction already queued are not counted: they are not in the listing. Else `None`.
    pub fn totals(&self) -> Option<Vec<GroupTotal>> {
        let resource = &self.table.resource;
        // Only lists count: a get reads one row whatever the package holds.
        let listed = matches!(resource.methods[self.method].returns, Returns::Array);
        if !self.complete || self.limited || !listed {
            return None;
        }
        let choice = self.delete_choice().ok()?;
        let method = &resource.methods[choice.method];
        let groups = write::confirm::group_params(resource, method);
        let mut out = Vec::new();
        for (i, b) in self.sources.iter().enumerate() {
            let filtered = b.echo.iter().any(|(name, v)| {
                !groups.contains(name)
                    && resource
                        .param(name)
                        .and_then(|p| p.default.as_ref())
                        .is_none_or(|d| write::queue::render(v) != *d)
            });
            if filtered {
                return None;
            }
            let pairs: Vec<(String, Value)> = groups
                .iter()
                .filter_map(|g| {
                    let v = b.echo.get(g).cloned().or_else(|| {
                        resource
                            .param(g)
                            .and_then(|p| p.default.clone())
                            .map(Value::Text)
                    })?;
                    Some((g.clone(), v))
                })
                .collect();
            let key = write::confirm::group_key(&groups, &pairs);
            out.push((key, self.read.get(i).copied().unwrap_or(0)));
        }
        Some(out)
    }

    /// The delete method the statement reaches when its rows come from this scan: the WHERE
    /// gives the parameters this scan was bound with ([`write::choose`]).
    pub fn delete_choice(&self) -> Result<&Choice, &ChooseError> {
        self.delete_choice
            .get_or_init(|| {
                let given: Vec<&str> = self
                    .sources
                    .first()
                    .map(|b| b.echo.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                write::choose(&self.table.resource, Verb::Delete, &given, Rows::Scanned)
            })
            .as_ref()
    }

    /// The arguments `method` takes from the current row: each parameter the WHERE gave (this
    /// source's value), else the row's field through a declared mapping. `Err(param)` names a
    /// required one neither gives.
    fn args_for(&self, method: &Method, row: &Row) -> Result<Vec<(String, Value)>, String> {
        let resource = &self.table.resource;
        let echo = self.sources.get(self.source).map(|b| &b.echo);
        let mut args = Vec::new();
        for p in &method.params {
            if p.location == crate::spec::ParamLocation::Body {
                continue;
            }
            let given = echo.and_then(|e| e.get(&p.name)).cloned();
            let from_row = || {
                let field = resource.row_param(&p.name)?;
                let i = field_column(resource, field)?;
                row.get(i).cloned().filter(|v| *v != Value::Null)
            };
            match given.or_else(from_row) {
                Some(v) => args.push((p.name.clone(), v)),
                None if p.required => return Err(p.name.clone()),
                None => {}
            }
        }
        Ok(args)
    }

    /// Drops the page's rows the transaction has queued for deletion.
    fn drop_hidden(&mut self) {
        let resource = self.table.resource.clone();
        let hidden = std::mem::take(&mut self.hidden);
        let rows = std::mem::take(&mut self.rows);
        self.rows = rows
            .into_iter()
            .filter(|row| {
                !hidden.by_method.iter().any(|(m, keys)| {
                    let Some(method) = resource.methods.get(*m) else {
                        return false;
                    };
                    match self.args_for(method, row) {
                        Ok(args) => keys.contains(&Target { method: *m, args }.key(&resource)),
                        Err(_) => false,
                    }
                })
            })
            .collect();
        self.hidden = hidden;
    }

    /// The current row's DELETE: the method the statement reaches and its arguments, the WHERE's
    /// values and the row's mapped fields. `None` when the resource has no delete method.
    pub fn delete_target(&self) -> Option<Result<Target, RowWriteError>> {
        let resource = &self.table.resource;
        if resource.delete.is_empty() {
            return None;
        }
        let row = self.current()?;
        let choice = match self.delete_choice() {
            Ok(c) => c,
            Err(e) => return Some(Err(e.clone().into())),
        };
        let method = &resource.methods[choice.method];
        Some(
            self.args_for(method, row)
                .map(|args| Target {
                    method: choice.method,
                    args,
                })
                .map_err(|param| RowWriteError::Unmapped {
                    verb: "DELETE",
                    table: resource.name.clone(),
                    method: method.name.clone(),
                    how: match resource.row_param(&param) {
                        Some(f) => format!(" (its {f} is empty)"),
                        None => format!(
                            " (give {param} in WHERE; the document maps no row field to it)"
                        ),
                    },
                    param,
                }),
        )
    }
}

/// The column that reads a response field (`id` for `package_version_id` ← `id`).
fn field_column(resource: &Resource, field: &str) -> Option<usize> {
    resource.columns.iter().position(|c| match &c.source {
        ColumnSource::Field(f) => f == field,
        ColumnSource::ParamField { field: f, .. } => f == field,
        _ => false,
    })
}

/// Every combination of the arguments' values (one per source), refusing absurd fan-outs.
pub fn combinations(lists: &[Vec<Value>]) -> Result<Vec<Vec<Value>>> {
    let total = lists
        .iter()
        .try_fold(1usize, |acc, l| acc.checked_mul(l.len()));
    if total.is_none_or(|t| t > MAX_SOURCES) {
        return Err(ScanError::FanOut(MAX_SOURCES));
    }
    let mut out: Vec<Vec<Value>> = vec![Vec::new()];
    for list in lists {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                list.iter().map(move |v| {
                    let mut c = prefix.clone();
                    c.push(v.clone());
                    c
                })
            })
            .collect();
    }
    Ok(out)
}

/// A page's rows, decoded straight into column values where the reader is.
fn decode(decoder: &RowDecoder, batch: &Batch, object_key: Option<&str>) -> Result<Vec<Row>> {
    let page = &batch.page;
    let resp = crate::rows::Response {
        body: &page.body,
        headers: &page.headers,
    };
    let rows = if object_key.is_some() {
        // A wrapped array (`objectKey`), of a list page or of a single object. An object
        // without the key (an image manifest has no `manifests`) has no rows.
        let whole = serde_json::from_slice::<serde_json::Value>(&page.body).ok();
        let absent = whole.as_ref().zip(object_key).is_some_and(|(v, k)| {
            k.split('.')
                .filter(|p| !p.is_empty())
                .try_fold(v, |v, p| v.get(p))
                .is_none_or(serde_json::Value::is_null)
        });
        if absent {
            return Ok(Vec::new());
        }
        let mut rows: Vec<Row> = page
            .items(object_key)?
            .iter()
            .map(|i| decoder.from_value(i))
            .collect();
        decoder.fill_computed(&mut rows, resp);
        if let Some(envelope) = &whole {
            // `total_count`, `incomplete_results`: the object around the rows, on every row.
            decoder.fill_envelope(&mut rows, envelope);
        }
        return Ok(rows);
    } else if batch.single {
        decoder.object_or_items(&page.body)
    } else {
        decoder.page(&page.body)
    };
    rows.map(|mut rows| {
        decoder.fill_computed(&mut rows, resp);
        rows
    })
    .map_err(|e| {
        let path = match page.url.query() {
            Some(q) => format!("{}?{q}", page.url.path()),
            None => page.url.path().to_string(),
        };
        HttpError::BadJson {
            path,
            detail: e.to_string(),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_multiply_and_are_bounded() {
        let a = vec![Value::Integer(1), Value::Integer(2)];
        let b = vec![
            Value::Text("x".into()),
            Value::Text("y".into()),
            Value::Text("z".into()),
        ];
        let c = combinations(&[a.clone(), b]).expect("small");
        assert_eq!(c.len(), 6);
        assert_eq!(c[0], vec![Value::Integer(1), Value::Text("x".into())]);
        let big: Vec<Value> = (0..40).map(Value::Integer).collect();
        assert!(
            combinations(&[big.clone(), big]).is_err(),
            "1600 sources is too many"
        );
        assert_eq!(combinations(&[]).expect("none"), vec![Vec::<Value>::new()]);
    }
}

#[cfg(test)]
mod echo_tests {
    use super::*;
    use crate::http::{ClientConfig, RetryPolicy, Token};
    use crate::plan::{plan_select, Constraint, Op, Verdict};
    use serde_json::json;

    /// A resource whose columns are the union of two row shapes: a run (with `run_id` and an
    /// `owner` object) and a run's groups (with neither).
    fn doc() -> serde_json::Value {
        let p = |name: &str, t: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": t}});
        let ok = |schema: serde_json::Value| json!({"200": {"content": {"application/json": {"schema": schema}}}});
        json!({
            "paths": {
                "/r/{owner}/runs/{run_id}": {"get": {
                    "parameters": [p("owner", "string"), p("run_id", "integer")],
                    "responses": ok(json!({"type": "object", "properties": {
                        "run_id": {"type": "integer"},
                        "owner": {"type": "object", "properties": {"login": {"type": "string"}}}
                    }}))
                }},
                "/r/{owner}/runs/{run_id}/groups/{kind}": {"get": {
                    "parameters": [p("owner", "string"), p("run_id", "integer"), p("kind", "string")],
                    "responses": ok(json!({"type": "array", "items": {
                        "type": "object", "properties": {"name": {"type": "string"}}
                    }}))
                }}
            },
            "components": {"x-stackQL-resources": {"runs": {
                "methods": {
                    "get_run": {"operation": {"$ref": "#/paths/~1r~1{owner}~1runs~1{run_id}/get"}},
                    "list_groups": {"operation": {"$ref": "#/paths/~1r~1{owner}~1runs~1{run_id}~1groups~1{kind}/get"}}
                },
                "sqlVerbs": {"select": [
                    {"$ref": "#/components/x-stackQL-resources/runs/methods/get_run"},
                    {"$ref": "#/components/x-stackQL-resources/runs/methods/list_groups"}
                ]}
            }}}
        })
    }

    #[test]
    fn a_parameter_named_like_a_field_the_rows_lack_is_echoed_when_its_type_fits() {
        let dir = std::env::temp_dir().join(format!("ghsql-echo-{}", std::process::id()));
        let v = dir.join("github/v1");
        std::fs::create_dir_all(v.join("services")).expect("mkdir");
        std::fs::write(
            v.join("provider.yaml"),
            "name: github\nversion: v1\nproviderServices:\n  s:\n    service:\n      $ref: github/v1/services/s.yaml\n",
        )
        .expect("write");
        // JSON is YAML: the same text is the loader's document and the fake's.
        std::fs::write(v.join("services/s.yaml"), doc().to_string()).expect("write");
        let provider = crate::spec::load_dir(&dir).expect("loads");
        let _ = std::fs::remove_dir_all(&dir);
        let r = provider.resource_by_name("runs").expect("runs").clone();

        let fake = github_sql_fake::FakeGitHub::with_schema_routes(
            github_sql_fake::Store::new(),
            vec![doc()],
        )
        .expect("fake");
        let client = crate::http::GitHubClient::new(ClientConfig {
            retry: RetryPolicy::fast(),
            ..ClientConfig::new(fake.base_url(), Some(Token::new("t")))
        });
        let col = |n: &str| r.column_index(n).expect(n);
        let eq = |n: &str| Constraint {
            column: col(n),
            op: Op::Eq,
            usable: true,
            in_list: false,
        };
        let cons = [eq("owner"), eq("run_id"), eq("kind")];
        let plan = plan_select(&r, &cons, false)
            .expect("plans")
            .expect("usable");
        assert_eq!(r.methods[plan.method].name, "list_groups");
        assert_eq!(
            plan.verdicts,
            [Verdict::Exact; 3],
            "SQLite must not re-check"
        );
        let values = [
            Value::Text("octo".into()),
            Value::Integer(7),
            Value::Text("k".into()),
        ];
        let args = ScanArgs {
            method: plan.method,
            params: plan
                .args
                .iter()
                .map(|(i, n)| (n.clone(), vec![values[*i].clone()]))
                .collect(),
            want: None,
        };
        let table = Arc::new(Table::new(r.clone(), client));
        let scan = Scan::start(table, &args, None).expect("scan");
        assert!(scan.current().is_some(), "rows");
        assert_eq!(scan.value(col("run_id")), Value::Integer(7), "echoed");
        // The object field named like the parameter is `owner_object`; `owner` is the
        // parameter, a text column holding the login given.
        assert_eq!(r.columns[col("owner")].sql_type, crate::spec::SqlType::Text);
        assert_eq!(scan.value(col("owner")), Value::Text("octo".into()));
        assert_eq!(scan.echoed_param(col("owner")), Some("owner"));
        assert_eq!(
            scan.value(col("owner_object")),
            Value::Null,
            "the groups lack it"
        );
        assert_eq!(scan.echoed_param(col("run_id")), Some("run_id"));
        assert!(matches!(scan.value(col("name")), Value::Text(_)));
    }
}

#[cfg(test)]
mod choice_tests {
    use super::*;
    use crate::http::{ClientConfig, RetryPolicy, Token};
    use crate::plan::{plan_select, Constraint, Op, Verdict};
    use serde_json::json;

    /// Issues: a list (filters `state` and `sort`) and a get (`issue_number`), whose rows have
    /// `number` and `state`; with or without the row → parameter mapping `issue_number: number`.
    fn doc(mapped: bool) -> serde_json::Value {
        let p = |name: &str, t: &str| json!({"name": name, "in": "path", "required": true, "schema": {"type": t}});
        let q = |name: &str| json!({"name": name, "in": "query", "schema": {"type": "string"}});
        let issue = json!({"type": "object", "properties": {
            "number": {"type": "integer"}, "state": {"type": "string"}, "title": {"type": "string"}}});
        let ok = |schema: serde_json::Value| json!({"200": {"content": {"application/json": {"schema": schema}}}});
        let mut d = json!({
            "paths": {
                "/repos/{owner}/{repo}/issues": {"get": {
                    "parameters": [p("owner", "string"), p("repo", "string"), q("state"), q("sort")],
                    "responses": ok(json!({"type": "array", "items": issue.clone()}))
                }},
                "/repos/{owner}/{repo}/issues/{issue_number}": {"get": {
                    "parameters": [p("owner", "string"), p("repo", "string"), p("issue_number", "integer")],
                    "responses": ok(issue)
                }}
            },
            "components": {"x-stackQL-resources": {"issues": {
                "methods": {
                    "list": {"operation": {"$ref": "#/paths/~1repos~1{owner}~1{repo}~1issues/get"}},
                    "get": {"operation": {"$ref": "#/paths/~1repos~1{owner}~1{repo}~1issues~1{issue_number}/get"}}
                },
                "sqlVerbs": {"select": [
                    {"$ref": "#/components/x-stackQL-resources/issues/methods/list"},
                    {"$ref": "#/components/x-stackQL-resources/issues/methods/get"}
                ]}
            }}}
        });
        if mapped {
            d["components"]["x-stackQL-resources"]["issues"]["x-github-sql"] =
                json!({"paramFields": {"issue_number": "number"}});
        }
        d
    }

    fn resource(mapped: bool) -> Arc<crate::spec::Resource> {
        let dir =
            std::env::temp_dir().join(format!("ghsql-choice-{mapped}-{}", std::process::id()));
        let v = dir.join("github/v1");
        std::fs::create_dir_all(v.join("services")).expect("mkdir");
        std::fs::write(
            v.join("provider.yaml"),
            "name: github\nversion: v1\nproviderServices:\n  s:\n    service:\n      $ref: github/v1/services/s.yaml\n",
        )
        .expect("write");
        std::fs::write(v.join("services/s.yaml"), doc(mapped).to_string()).expect("write");
        let provider = crate::spec::load_dir(&dir).expect("loads");
        let _ = std::fs::remove_dir_all(&dir);
        provider.resource_by_name("issues").expect("issues").clone()
    }

    #[test]
    fn the_get_wins_and_list_only_filters_are_checked_on_its_row() {
        // (mapped, WHERE columns, method, verdicts, parameters the scan is given)
        use Verdict::{Exact as E, Inexact as I, Unsupported as U};
        type Case<'a> = (bool, Vec<&'a str>, &'a str, Vec<Verdict>, Vec<&'a str>);
        let cases: Vec<Case> = vec![
            // The get's parameters: the get.
            (
                true,
                vec!["owner", "repo", "issue_number"],
                "get",
                vec![E, E, I],
                vec!["owner", "repo", "issue_number"],
            ),
            // Its key under the row's name: the get, through the mapping.
            (
                true,
                vec!["owner", "repo", "number"],
                "get",
                vec![E, E, I],
                vec!["owner", "repo", "issue_number"],
            ),
            // A list-only filter the get's row shows: the get; SQLite checks `state` on its row.
            (
                true,
                vec!["owner", "repo", "issue_number", "state"],
                "get",
                vec![E, E, I, U],
                vec!["owner", "repo", "issue_number"],
            ),
            // One it cannot show: the list sends it and reads the key back from `number`.
            (
                true,
                vec!["owner", "repo", "issue_number", "sort"],
                "list",
                vec![E, E, U, E],
                vec!["owner", "repo", "sort"],
            ),
            // Without the mapping the list cannot show the key: the get, `sort` only echoed.
            (
                false,
                vec!["owner", "repo", "issue_number", "sort"],
                "get",
                vec![E, E, E, E],
                vec!["owner", "repo", "issue_number", "sort"],
            ),
        ];
        for (mapped, cols, want, verdicts, args) in cases {
            let r = resource(mapped);
            let cons: Vec<Constraint> = cols
                .iter()
                .map(|c| Constraint {
                    column: r.column_index(c).expect(c),
                    op: Op::Eq,
                    usable: true,
                    in_list: false,
                })
                .collect();
            let plan = plan_select(&r, &cons, false)
                .expect("plans")
                .expect("usable");
            assert_eq!(r.methods[plan.method].name, want, "{cols:?}");
            assert_eq!(plan.verdicts, verdicts, "{cols:?}");
            let names: Vec<&str> = plan.args.iter().map(|(_, n)| n.as_str()).collect();
            assert_eq!(names, args, "{cols:?}");
            let (n, s) = plan.encode();
            assert_eq!(
                crate::plan::decode(&r, n, Some(&s))
                    .expect("decodes")
                    .params
                    .len(),
                args.len()
            );
        }
    }

    #[test]
    fn a_parameter_the_method_does_not_take_is_echoed_never_sent() {
        let r = resource(false);
        let fake = github_sql_fake::FakeGitHub::with_schema_routes(
            github_sql_fake::Store::new(),
            vec![doc(false)],
        )
        .expect("fake");
        let client = crate::http::GitHubClient::new(ClientConfig {
            retry: RetryPolicy::fast(),
            ..ClientConfig::new(fake.base_url(), Some(Token::new("t")))
        });
        let get = r.methods.iter().position(|m| m.name == "get").expect("get");
        let args = ScanArgs {
            method: get,
            params: vec![
                ("owner".into(), vec![Value::Text("o".into())]),
                ("repo".into(), vec![Value::Text("r".into())]),
                ("issue_number".into(), vec![Value::Integer(5)]),
                ("sort".into(), vec![Value::Text("created".into())]),
            ],
            want: None,
        };
        let table = Arc::new(Table::new(r.clone(), client));
        let scan = Scan::start(table, &args, None).expect("scan");
        assert!(scan.current().is_some(), "the get's row");
        let sort = r.column_index("sort").expect("sort");
        assert_eq!(scan.value(sort), Value::Text("created".into()));
        let log = fake.requests();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].path, "/repos/o/r/issues/5");
        assert_eq!(log[0].query, None, "sort is not sent to the get");
    }
}
