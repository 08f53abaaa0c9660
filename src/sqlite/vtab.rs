//! One generic virtual table serving every resource of the provider document.
//!
//! The module is registered once per resource with the resource as aux data (the same type under
//! several names, as sqlite-xsv does). Tables are eponymous: `auth_user_versions` exists as soon as
//! the module is registered. `best_index` delegates to [`crate::plan`]; the cursor holds only scan
//! state (the current page, the next page's URL, the parameter values to echo).
//!
//! Trust level: the tables are left at SQLite's default (usable from views), because analysts and
//! BI tools build views over them. The consequence is documented in docs/extension.md: do not load
//! the extension while opening a database file you do not trust.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use rusqlite::ffi;
use rusqlite::types::Value;
use rusqlite::vtab::{
    Context, CreateVTab, Filters, IndexConstraintOp, IndexInfo, VTab, VTabConnection, VTabCursor,
    VTabKind,
};
use serde_json::Value as Json;
use url::Url;

use crate::http::GitHubClient;
use crate::plan::{self, Constraint, Op, Verdict};
use crate::rows::field_value;
use crate::spec::{ColumnSource, Method, Resource, Returns};

/// Aux data of a registered module: the resource and the client that serves it.
#[derive(Debug)]
pub struct TableSpec {
    /// The resource this table serves.
    pub resource: Arc<Resource>,
    /// The GitHub client.
    pub client: GitHubClient,
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
}

unsafe impl<'vtab> VTab<'vtab> for ResourceTable {
    type Aux = Arc<TableSpec>;
    type Cursor = ResourceCursor<'vtab>;

    fn connect(
        _db: &mut VTabConnection,
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
            let sql = CString::new(spec.resource.create_table_sql())?;
            Ok((
                Cow::Owned(sql),
                ResourceTable {
                    base: ffi::sqlite3_vtab::default(),
                    spec,
                },
            ))
        })
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        guard(|| {
            let constraints: Vec<Constraint> = info
                .constraints()
                .map(|c| Constraint {
                    column: usize::try_from(c.column()).unwrap_or(usize::MAX),
                    op: if c.operator() == IndexConstraintOp::SQLITE_INDEX_CONSTRAINT_EQ {
                        Op::Eq
                    } else {
                        Op::Other
                    },
                    usable: c.is_usable(),
                })
                .collect();
            let plan = match plan::plan_select(&self.spec.resource, &constraints) {
                Ok(Some(p)) => p,
                Ok(None) => return Ok(false),
                Err(e) => return Err(crate::Error::from(e).into()),
            };
            for (argv, (ci, _)) in plan.args.iter().enumerate() {
                let mut usage = info.constraint_usage(*ci);
                usage.set_argv_index(c_int::try_from(argv + 1).unwrap_or(c_int::MAX));
                usage.set_omit(plan.verdicts[*ci] == Verdict::Exact);
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
            base: ffi::sqlite3_vtab_cursor::default(),
            spec: self.spec.clone(),
            scan: None,
            rowid: 0,
            phantom: PhantomData,
        })
    }
}

impl CreateVTab<'_> for ResourceTable {
    const KIND: VTabKind = VTabKind::Eponymous;
}

/// What one scan is reading.
struct Scan {
    method: usize,
    echo: std::collections::HashMap<String, Value>,
    /// Rows fetched but not yet read; the front is the current row.
    rows: VecDeque<Json>,
    next: Option<Url>,
    scopes: Vec<String>,
}

/// A cursor (SQLite's `sqlite3_vtab_cursor`): scan state only.
#[repr(C)]
pub struct ResourceCursor<'vtab> {
    /// Base class. Must be first.
    base: ffi::sqlite3_vtab_cursor,
    spec: Arc<TableSpec>,
    scan: Option<Scan>,
    rowid: i64,
    phantom: PhantomData<&'vtab ResourceTable>,
}

/// Scopes to name in a 403: the method's, plus `repo` for repository-scoped package types.
fn scopes_for(resource: &Resource, method: &Method, bound: &plan::Bound) -> Vec<String> {
    let mut scopes = method.scopes.clone();
    let repo_scoped = bound
        .path
        .iter()
        .chain(bound.query.iter())
        .any(|(k, v)| k == "package_type" && resource.repo_scoped_types.contains(v));
    if repo_scoped && !scopes.iter().any(|s| s == "repo") {
        scopes.push("repo".into());
    }
    scopes
}

impl ResourceCursor<'_> {
    fn start(
        &mut self,
        idx_num: c_int,
        idx_str: Option<&str>,
        args: &Filters<'_>,
    ) -> crate::Result<()> {
        self.scan = None;
        self.rowid = 0;
        let resource = &self.spec.resource;
        let decoded = plan::decode(resource, idx_num, idx_str)?;
        let values = (0..args.len())
            .map(|i| args.get::<Value>(i))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let method = &resource.methods[decoded.method];
        let Some(bound) = plan::bind(method, &decoded.params, values)? else {
            return Ok(()); // `= NULL` matches nothing
        };
        let scopes = scopes_for(resource, method, &bound);
        let path: Vec<(&str, &str)> = bound
            .path
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut query: Vec<(&str, String)> = bound
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let client = &self.spec.client;
        let mut scan = Scan {
            method: decoded.method,
            echo: bound.echo.clone(),
            rows: VecDeque::new(),
            next: None,
            scopes,
        };
        match method.returns {
            Returns::Array => {
                if let Some((k, v)) = &resource.pagination.page_size {
                    query.push((k.as_str(), v.to_string()));
                }
                let url = client.url_for(&method.path, &path, &query)?;
                match client.get_page(&url, method.object_key.as_deref(), &scan.scopes) {
                    Ok(page) => {
                        scan.rows = page.items.into();
                        scan.next = page.next;
                    }
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Returns::Object => {
                let url = client.url_for(&method.path, &path, &query)?;
                match client.get_object(&url, &scan.scopes) {
                    Ok(obj) => scan.rows.push_back(obj),
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Returns::Nothing => {}
        }
        self.scan = Some(scan);
        self.refill()
    }

    /// Fetches following pages until a row is available or the list ends (pages may be empty).
    fn refill(&mut self) -> crate::Result<()> {
        let Some(scan) = self.scan.as_mut() else {
            return Ok(());
        };
        while scan.rows.is_empty() {
            let Some(next) = scan.next.take() else {
                return Ok(());
            };
            let object_key = self.spec.resource.methods[scan.method]
                .object_key
                .as_deref();
            let page = self.spec.client.get_page(&next, object_key, &scan.scopes)?;
            scan.rows = page.items.into();
            scan.next = page.next;
        }
        Ok(())
    }

    fn current(&self) -> Option<&Json> {
        self.scan.as_ref().and_then(|s| s.rows.front())
    }

    fn value(&self, i: usize) -> Value {
        let Some(col) = self.spec.resource.columns.get(i) else {
            return Value::Null;
        };
        let row = self.current();
        match &col.source {
            ColumnSource::Field(f) | ColumnSource::ParamField { field: f, .. } => {
                field_value(col.sql_type, row.and_then(|r| r.get(f)))
            }
            ColumnSource::Param(p) => match self.scan.as_ref().and_then(|s| s.echo.get(p)) {
                Some(v) => v.clone(),
                // Not given: the value the API used, its declared default.
                None => self
                    .spec
                    .resource
                    .param(p)
                    .and_then(|p| p.default.clone())
                    .map(Value::Text)
                    .unwrap_or(Value::Null),
            },
        }
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
            if let Some(scan) = self.scan.as_mut() {
                scan.rows.pop_front();
                self.rowid += 1;
            }
            self.refill().map_err(Into::into)
        })
    }

    fn eof(&self) -> bool {
        self.current().is_none()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        guard(|| ctx.set_result(self.value(usize::try_from(i).unwrap_or(usize::MAX))))
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(self.rowid)
    }
}
