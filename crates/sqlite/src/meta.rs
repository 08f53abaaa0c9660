//! Metadata tables generated from the provider document, for StackQL's SHOW and DESCRIBE:
//! `github_sql_services`, `github_sql_resources`, `github_sql_columns`, `github_sql_methods`,
//! `github_sql_unserved` (what the documents declare but github-sql does not serve, with why).
//! Read-only, eponymous, materialised on first use: with the whole REST API they hold tens of
//! thousands of rows that most sessions never read, so `.load` does not build them.
//!
//! A bare resource name several services share is registered here too, as a table that cannot
//! be opened: using it fails with an error naming the qualified tables (SQLite would otherwise
//! say only "no such table").

use std::borrow::Cow;
use std::ffi::{c_int, CStr, CString};
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use rusqlite::ffi;
use rusqlite::types::Value;
use rusqlite::vtab::{
    Context, CreateVTab, Filters, IndexInfo, Module, VTab, VTabConfig, VTabConnection, VTabCursor,
    VTabKind,
};
use rusqlite::Connection;

use github_sql_engine::spec::Provider;

use super::vtab::guard;

/// How a metadata table's rows are made from the provider.
type Fill = fn(&Provider) -> Vec<Vec<Value>>;

/// A static table, filled from the provider the first time it is read.
pub struct StaticRows {
    columns: Vec<&'static str>,
    rows: OnceLock<Vec<Vec<Value>>>,
    fill: Option<(Arc<Provider>, Fill)>,
    /// Opening the table fails with this message (an ambiguous name).
    refuse: Option<String>,
}

impl StaticRows {
    fn new(columns: Vec<&'static str>, p: &Arc<Provider>, fill: Fill) -> Self {
        StaticRows {
            columns,
            rows: OnceLock::new(),
            fill: Some((p.clone(), fill)),
            refuse: None,
        }
    }

    fn rows(&self) -> &[Vec<Value>] {
        self.rows.get_or_init(|| match &self.fill {
            Some((p, fill)) => fill(p),
            None => Vec::new(),
        })
    }
}

#[repr(C)]
struct MetaTable {
    base: ffi::sqlite3_vtab,
    data: Arc<StaticRows>,
}

unsafe impl<'vtab> VTab<'vtab> for MetaTable {
    type Aux = Arc<StaticRows>;
    type Cursor = MetaCursor<'vtab>;

    fn connect(
        db: &mut VTabConnection,
        aux: Option<&Self::Aux>,
        _: &[u8],
        _: &[u8],
        _: &[u8],
        _: &[&[u8]],
    ) -> rusqlite::Result<(Cow<'static, CStr>, Self)> {
        let data = aux
            .cloned()
            .ok_or_else(|| rusqlite::Error::ModuleError("metadata table without data".into()))?;
        if let Some(msg) = &data.refuse {
            return Err(rusqlite::Error::ModuleError(msg.clone()));
        }
        db.config(VTabConfig::Innocuous)?;
        let sql = CString::new(format!("CREATE TABLE x({})", data.columns.join(", ")))?;
        Ok((
            Cow::Owned(sql),
            MetaTable {
                base: ffi::sqlite3_vtab::default(),
                data,
            },
        ))
    }

    fn best_index(&self, info: &mut IndexInfo) -> rusqlite::Result<bool> {
        // A guess that needs no rows: planning must not build them.
        info.set_estimated_cost(1000.0);
        info.set_estimated_rows(1000);
        Ok(true)
    }

    fn open(&'vtab mut self) -> rusqlite::Result<MetaCursor<'vtab>> {
        Ok(MetaCursor {
            base: ffi::sqlite3_vtab_cursor::default(),
            data: self.data.clone(),
            row: 0,
            phantom: PhantomData,
        })
    }
}

impl CreateVTab<'_> for MetaTable {
    const KIND: VTabKind = VTabKind::Eponymous;
}

#[repr(C)]
struct MetaCursor<'vtab> {
    base: ffi::sqlite3_vtab_cursor,
    data: Arc<StaticRows>,
    row: usize,
    phantom: PhantomData<&'vtab MetaTable>,
}

unsafe impl VTabCursor for MetaCursor<'_> {
    fn filter(&mut self, _: c_int, _: Option<&str>, _: &Filters<'_>) -> rusqlite::Result<()> {
        self.row = 0;
        Ok(())
    }

    fn next(&mut self) -> rusqlite::Result<()> {
        self.row += 1;
        Ok(())
    }

    fn eof(&self) -> bool {
        self.row >= self.data.rows().len()
    }

    fn column(&self, ctx: &mut Context, i: c_int) -> rusqlite::Result<()> {
        guard(|| {
            let v = usize::try_from(i)
                .ok()
                .and_then(|i| self.data.rows().get(self.row).and_then(|r| r.get(i)))
                .cloned()
                .unwrap_or(Value::Null);
            ctx.set_result(&v)
        })
    }

    fn rowid(&self) -> rusqlite::Result<i64> {
        Ok(i64::try_from(self.row).unwrap_or(i64::MAX))
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

/// The metadata tables' names and contents for a provider.
pub fn tables(p: &Arc<Provider>) -> Vec<(&'static str, StaticRows)> {
    let services = StaticRows::new(
        vec!["provider", "name", "id", "title", "description"],
        p,
        |p| {
            p.services
                .iter()
                .map(|s| {
                    vec![
                        text(&p.name),
                        text(&s.name),
                        text(&format!("{}.{}", p.name, s.name)),
                        text(&s.title),
                        text(&s.description),
                    ]
                })
                .collect()
        },
    );
    let resources = StaticRows::new(
        vec!["provider", "service", "name", "id", "title", "description"],
        p,
        |p| {
            p.resources()
                .map(|r| {
                    vec![
                        text(&p.name),
                        text(&r.service),
                        text(&r.name),
                        text(&r.id),
                        text(&r.title),
                        text(&r.description),
                    ]
                })
                .collect()
        },
    );
    let columns = StaticRows::new(
        vec![
            "resource_id",
            "resource",
            "position INTEGER",
            "name",
            "type",
            "description",
            "hidden INTEGER",
            "required_in_where INTEGER",
        ],
        p,
        column_rows,
    );
    let methods = StaticRows::new(
        vec![
            "resource_id",
            "resource",
            "method",
            "sql_verb",
            "required_params",
            "http_method",
            "path",
            "description",
            "function",
        ],
        p,
        method_rows,
    );
    let unserved = StaticRows::new(
        vec![
            "provider",
            "service",
            "resource",
            "resource_id",
            "method",
            "sql_verb",
            "reason",
        ],
        p,
        |p| {
            p.unserved
                .iter()
                .map(|u| {
                    vec![
                        text(&p.name),
                        text(&u.service),
                        text(&u.resource),
                        text(&format!("{}.{}.{}", p.name, u.service, u.resource)),
                        u.method.as_deref().map_or(Value::Null, text),
                        text(&u.verb.to_ascii_uppercase()),
                        text(&u.reason),
                    ]
                })
                .collect()
        },
    );
    vec![
        ("github_sql_unserved", unserved),
        ("github_sql_services", services),
        ("github_sql_resources", resources),
        ("github_sql_columns", columns),
        ("github_sql_methods", methods),
    ]
}

fn column_rows(p: &Provider) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    for r in p.resources() {
        let required: Vec<String> = r.select_required().iter().map(|p| p.name.clone()).collect();
        for (i, c) in r.columns.iter().enumerate() {
            rows.push(vec![
                text(&r.id),
                text(&r.name),
                Value::Integer(i as i64 + 1),
                text(&c.name),
                text(c.sql_type.openapi_name()),
                text(&c.description),
                Value::Integer(i64::from(c.hidden)),
                Value::Integer(i64::from(
                    c.param().is_some_and(|p| required.iter().any(|q| q == p)),
                )),
            ]);
        }
    }
    rows
}

fn method_rows(p: &Provider) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    for r in p.resources() {
        for (i, m) in r.methods.iter().enumerate() {
            let verb = if r.select.contains(&i) {
                "SELECT"
            } else if r.delete.contains(&i) {
                "DELETE"
            } else if r.insert.contains(&i) {
                "INSERT"
            } else if r.update.contains(&i) {
                "UPDATE"
            } else if r.replace.contains(&i) {
                "REPLACE"
            } else {
                "EXEC"
            };
            let req: Vec<&str> = r
                .call_order(m)
                .iter()
                .filter(|p| p.required)
                .map(|p| p.name.as_str())
                .collect();
            rows.push(vec![
                text(&r.id),
                text(&r.name),
                text(&m.name),
                text(verb),
                text(&req.join(", ")),
                text(&m.http_method),
                text(&m.path),
                text(&m.summary),
                // The SQL function the extension registers for it (methods reachable by EXEC).
                if r.exec.contains(&i) {
                    text(&m.function)
                } else {
                    Value::Null
                },
            ]);
        }
    }
    rows
}

/// Registers the metadata tables.
pub fn register(conn: &Connection, provider: &Arc<Provider>) -> rusqlite::Result<()> {
    const MODULE: &Module<'static, MetaTable> = &Module::read_only_module();
    for (name, data) in tables(provider) {
        conn.create_module(name, MODULE, Some(Arc::new(data)))?;
    }
    for name in provider.ambiguous.keys() {
        let refuse = provider.ambiguity(name);
        let data = StaticRows {
            columns: vec!["ambiguous"],
            rows: OnceLock::new(),
            fill: None,
            refuse,
        };
        conn.create_module(name.as_str(), MODULE, Some(Arc::new(data)))?;
    }
    Ok(())
}
