//! Conformance of the generated provider (`provider-spec-generated/`, every GitHub REST
//! operation) with the engine: for EVERY SELECT method of every resource,
//!
//! (a) a WHERE giving that method's required parameters (plus, where a less demanding method
//!     would win, an optional parameter only it takes) makes the planner choose it;
//! (b) the request the fake receives has the operation's path with the values substituted, and
//!     exactly the query the method owes: its given query parameters, and `per_page` at its
//!     maximum when it is a paginated list;
//! (c) the rows decode: as many rows as the body holds (one for a get, every item of a list or
//!     of an `objectKey` array), each column holding the body's value for its field, of the
//!     column's declared type (INTEGER columns integers, JSON columns JSON text, …).
//!
//! The fake is the schema-driven one ([`github_sql_fake::schema::SchemaFake`]): it answers any
//! documented GET with JSON made from the response schema. Every method goes through the planner
//! and a [`Scan`], then the same WHERE through SQLite with the registered virtual tables (where
//! SQLite also checks the constraints the plan calls Inexact). Every optional boolean query
//! parameter is also given once, as SQL's `1`, and must go out as `true`. Methods that cannot be
//! checked are listed with the reason, and the counts are asserted exactly, so nothing is
//! skipped silently. Failures are collected and reported together.
//!
//! Run: `cargo test -p github-sql-shell --test conformance -- --nocapture` (prints the counts).

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::TOKEN;
use github_sql::http::{ClientConfig, RetryPolicy, Token};
use github_sql::plan::{plan_select, Constraint, Op};
use github_sql::scan::{Scan, ScanArgs, Table};
use github_sql::spec::{ColumnSource, Param, ParamLocation, Resource, Returns, SqlType};
use github_sql::{Engine, Value};
use github_sql_fake::{FakeGitHub, Store};
use serde_json::Value as Json;

/// SELECT methods the generated documents list under `sqlVerbs.select` (docs/generator.md:
/// 594 generated, 5 of them for the further arrays of envelopes; 12 in the curated `packages`
/// document, 3 in `registry`).
const DOC_SELECT_METHODS: usize = 609;
/// Of those, the ones the loader does not serve as SELECT (listed in `SHOW UNSERVED`).
const UNSERVED_SELECT_METHODS: usize = 0;
/// SELECT methods of the curated services, which the stateful fake serves (not the schema).
const CURATED_SELECT_METHODS: usize = 15;
/// Services whose documents are curated: `tests/packages.rs` and `tests/registry.rs` check them
/// against the stateful fake.
const CURATED: [&str; 2] = ["packages", "registry"];
/// (get, list-only filter) pairs of the generated provider: a get and a query parameter another
/// SELECT method of its resource takes (docs/generator.md, "Conformance").
const LIST_ONLY_PAIRS: usize = 188;
/// Lookups of a get by a row field named otherwise than its parameter (`id` for `comment_id`).
const ID_LOOKUPS: usize = 97;
/// Methods answering text (Markdown as HTML, zen, a commit's diff …) and downloads answering a
/// redirect, in the generated services.
const TEXT_ANSWERS: usize = 9;
const REDIRECT_ANSWERS: usize = 8;

fn generated_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../provider-spec-generated")
}

/// The service documents of the generated provider, as JSON, by service name.
fn service_docs(root: &Path) -> BTreeMap<String, Json> {
    let version = root.join("github/v00.00.00000");
    let provider: Json = serde_yaml_ng::from_str(
        &std::fs::read_to_string(version.join("provider.yaml")).expect("provider.yaml"),
    )
    .expect("provider.yaml parses");
    let mut docs = BTreeMap::new();
    for (name, entry) in provider["providerServices"]
        .as_object()
        .expect("providerServices")
    {
        let rel = entry["service"]["$ref"].as_str().expect("service $ref");
        let text = std::fs::read_to_string(root.join(rel)).expect("service document");
        let doc: Json = serde_yaml_ng::from_str(&text).expect("service document parses");
        docs.insert(name.clone(), doc);
    }
    docs
}

/// `(service, resource, method)` of every `sqlVerbs.select` entry of the documents.
fn doc_select_methods(docs: &BTreeMap<String, Json>) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (service, doc) in docs {
        for (resource, r) in doc["components"]["x-stackQL-resources"]
            .as_object()
            .into_iter()
            .flatten()
        {
            for m in r["sqlVerbs"]["select"].as_array().into_iter().flatten() {
                let name = m["$ref"].as_str().and_then(|r| r.rsplit('/').next());
                out.push((
                    service.clone(),
                    resource.clone(),
                    name.unwrap_or_default().to_string(),
                ));
            }
        }
    }
    out
}

/// The `per_page` a list method must send: the operation's `per_page` query parameter at its
/// maximum (the schema's `maximum`, else "(max N)" in its description, else GitHub's 100), or
/// `None` when the operation takes no `per_page` (GitHub does not page it).
fn doc_page_size(doc: &Json, path: &str) -> Option<u32> {
    let resolve = |v: &Json| -> Json {
        let mut v = v.clone();
        for _ in 0..8 {
            match v["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
                Some(p) => v = doc.pointer(p).cloned().unwrap_or(Json::Null),
                None => break,
            }
        }
        v
    };
    let item = &doc["paths"][path];
    let params = item["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(item["get"]["parameters"].as_array().into_iter().flatten())
        .map(resolve);
    for p in params {
        if p["name"] == "per_page" && p["in"] == "query" {
            let schema = resolve(&p["schema"]);
            if let Some(m) = schema["maximum"].as_u64() {
                return u32::try_from(m).ok();
            }
            let d = p["description"].as_str().unwrap_or("").to_ascii_lowercase();
            let max = d.find("max ").and_then(|i| {
                let n: String = d[i + 4..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                n.parse::<u32>().ok()
            });
            return Some(max.filter(|&n| n > 0).unwrap_or(100));
        }
    }
    None
}

/// The value a WHERE gives a parameter: an enum's first value, an integer, else a token.
fn value_for(p: &Param) -> Value {
    if p.is_boolean() {
        return Value::Integer(1);
    }
    if let Some(first) = p.allowed.as_ref().and_then(|a| a.first()) {
        return match (p.sql_type, first.parse::<i64>()) {
            (SqlType::Integer, Ok(i)) => Value::Integer(i),
            _ => Value::Text(first.clone()),
        };
    }
    match p.sql_type {
        SqlType::Integer => Value::Integer(42),
        _ => Value::Text(format!("v-{}", p.name.replace('_', "-"))),
    }
}

/// A parameter's value as it goes into a URL (a boolean as `true`, as GitHub reads it).
fn api_text_for(p: &Param) -> String {
    if p.is_boolean() {
        return "true".into();
    }
    api_text(&value_for(p))
}

fn api_text(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Text(t) => t.clone(),
        other => format!("{other:?}"),
    }
}

/// Plans a WHERE giving `params` (one `=` each); the chosen method's index and the scan args.
fn plan_for(resource: &Resource, params: &[&Param]) -> Result<(usize, ScanArgs), String> {
    let mut constraints = Vec::new();
    let mut values = Vec::new();
    for p in params {
        let column = resource
            .columns
            .iter()
            .position(|c| c.param() == Some(p.name.as_str()))
            .ok_or_else(|| format!("no column supplies parameter {}", p.name))?;
        constraints.push(Constraint {
            column,
            op: Op::Eq,
            usable: true,
            in_list: false,
        });
        values.push(value_for(p));
    }
    let plan = plan_select(resource, &constraints, false)
        .map_err(|e| format!("planning failed: {e}"))?
        .ok_or("planning said: not usable in this order")?;
    let args = ScanArgs {
        method: plan.method,
        params: plan
            .args
            .iter()
            .map(|(i, name)| (name.clone(), vec![values[*i].clone()]))
            .collect(),
        want: None,
    };
    Ok((plan.method, args))
}

/// The WHERE parameters that make the planner choose method `m`: its required ones, plus one
/// optional parameter when a less demanding method would win without it.
fn choose(resource: &Resource, m: usize) -> Result<(Vec<&Param>, ScanArgs), String> {
    let method = &resource.methods[m];
    let required: Vec<&Param> = method.required().collect();
    let (chosen, args) = plan_for(resource, &required)?;
    if chosen == m {
        return Ok((required, args));
    }
    for extra in method.params.iter().filter(|p| !p.required) {
        let mut given = required.clone();
        given.push(extra);
        if let Ok((c, args)) = plan_for(resource, &given) {
            if c == m {
                return Ok((given, args));
            }
        }
    }
    Err(format!(
        "(a) the planner never chooses it: its required parameters pick {}, and no optional \
         parameter of its own makes it win",
        resource.methods[chosen].name
    ))
}

/// The path a method's template gives with these values.
fn expected_path(template: &str, given: &[&Param]) -> String {
    let mut path = template.to_string();
    for p in given.iter().filter(|p| p.location == ParamLocation::Path) {
        path = path.replace(&format!("{{{}}}", p.name), &api_text_for(p));
    }
    path
}

fn sorted_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    v.sort();
    v
}

/// The rows a body holds for this method.
fn items_of(body: &Json, returns: &Returns, object_key: Option<&str>) -> Vec<Json> {
    let mut v = body;
    if let Some(k) = object_key {
        for part in k.split('.').filter(|p| !p.is_empty()) {
            v = &v[part];
        }
    }
    match (returns, v) {
        (_, Json::Array(items)) => items.clone(),
        (Returns::Object, v) if object_key.is_none() => vec![v.clone()],
        _ => Vec::new(),
    }
}

/// Whether a JSON value fits a declared column type.
fn fits(t: SqlType, v: &Json) -> bool {
    match (t, v) {
        (_, Json::Null) => true,
        (SqlType::Integer, Json::Bool(_)) => true,
        (SqlType::Integer, Json::Number(n)) => n.is_i64() || n.is_u64(),
        (SqlType::Real, Json::Number(_)) => true,
        (SqlType::Text, Json::String(_)) => true,
        (SqlType::Json, Json::Object(_) | Json::Array(_)) => true,
        _ => false,
    }
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_f64() => "a number",
        Json::Number(_) => "an integer",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Whether a SQL value is what a column reads from this JSON value.
fn same(actual: &Value, expected: &Json) -> bool {
    match (actual, expected) {
        (Value::Null, Json::Null) => true,
        (Value::Integer(i), Json::Bool(b)) => *i == i64::from(*b),
        (Value::Integer(i), Json::Number(n)) => n.as_i64() == Some(*i),
        (Value::Real(r), Json::Number(n)) => n.as_f64() == Some(*r),
        (Value::Text(t), Json::String(s)) => t == s,
        (Value::Text(t), Json::Object(_) | Json::Array(_)) => {
            serde_json::from_str::<Json>(t.as_str()).is_ok_and(|v| v == *expected)
        }
        _ => false,
    }
}

/// The JSON value a column reads from one row's item (or, for an envelope column, from the
/// object around the rows), or `None` for columns not read from it.
fn expected_field<'j>(source: &ColumnSource, item: &'j Json, body: &'j Json) -> Option<&'j Json> {
    static NULL: Json = Json::Null;
    match source {
        ColumnSource::Envelope(f) => Some(body.get(f).unwrap_or(&NULL)),
        ColumnSource::Field(f) | ColumnSource::ParamField { field: f, .. } => {
            Some(item.get(f).unwrap_or(&NULL))
        }
        ColumnSource::Path { field, rest } => {
            let mut v = item.get(field);
            for k in rest {
                v = v.and_then(|x| x.get(k));
            }
            Some(v.unwrap_or(&NULL))
        }
        ColumnSource::Param(_) | ColumnSource::Computed(_) => None,
    }
}

fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Integer(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(r) => rusqlite::types::Value::Real(*r),
        Value::Text(t) => rusqlite::types::Value::Text(t.clone()),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

/// A declared type that does not fit the value its schema gives: found once per column.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct TypeMismatch {
    table: String,
    column: String,
    declared: &'static str,
    got: &'static str,
}

struct Checker {
    docs: BTreeMap<String, Json>,
    fake: FakeGitHub,
    client: github_sql::http::GitHubClient,
    conn: rusqlite::Connection,
    types: Vec<TypeMismatch>,
    /// Methods checked: gets, gets answered with an array, lists, objectKey lists.
    kinds: [usize; 4],
    /// Methods the planner chose only with an optional parameter of their own added.
    disambiguated: usize,
    /// objectKey lists whose envelope fields are columns, checked on every row.
    envelope_lists: usize,
}

impl Checker {
    /// Checks one SELECT method; the problems found (empty: it conforms).
    fn check(&mut self, resource: &Arc<Resource>, m: usize) -> Vec<String> {
        let mut problems = Vec::new();
        let method = &resource.methods[m];
        let (given, args) = match choose(resource, m) {
            Ok(x) => x,
            Err(e) => return vec![e],
        };
        let table = Arc::new(Table::new(resource.clone(), self.client.clone()));
        self.fake.clear_requests();
        let mut rows: Vec<Vec<Value>> = Vec::new();
        match Scan::start(table, &args, None) {
            Err(e) => problems.push(format!("scan failed: {e}")),
            Ok(mut scan) => {
                while scan.current().is_some() {
                    rows.push((0..resource.columns.len()).map(|i| scan.value(i)).collect());
                    if let Err(e) = scan.advance() {
                        problems.push(format!("scan failed: {e}"));
                        break;
                    }
                }
            }
        }
        // (b) The request.
        let log = self.fake.requests();
        let [req] = log.as_slice() else {
            problems.push(format!(
                "(b) expected one request, the fake got {}: {:?}",
                log.len(),
                log.iter().map(common::describe).collect::<Vec<_>>()
            ));
            return problems;
        };
        let path = expected_path(&method.path, &given);
        if req.method != "GET" || req.path != path {
            problems.push(format!(
                "(b) request {} {}, expected GET {path}",
                req.method, req.path
            ));
        }
        let mut want_query: Vec<(String, String)> = given
            .iter()
            .filter(|p| p.location == ParamLocation::Query)
            .map(|p| (p.name.clone(), api_text_for(p)))
            .collect();
        if method.returns == Returns::Array {
            if let Some(n) = doc_page_size(&self.docs[&resource.service], &method.path) {
                want_query.push(("per_page".into(), n.to_string()));
            }
        }
        want_query.sort();
        let got_query = sorted_pairs(req.query.as_deref());
        if got_query != want_query {
            problems.push(format!(
                "(b) query {:?}, expected {want_query:?}",
                req.query.as_deref().unwrap_or("")
            ));
        }
        // (c) The rows.
        let Some(schema) = self.fake.schema_routes() else {
            problems.push("the fake has no schema routes".into());
            return problems;
        };
        let Some(answer) = schema.answer("GET", &req.path, req.query.as_deref()) else {
            problems.push(format!("(b) no documented operation matches {}", req.path));
            return problems;
        };
        if answer.operation.template != method.path {
            problems.push(format!(
                "(b) the fake matched {} for method path {}",
                answer.operation.template, method.path
            ));
        }
        let body = answer.body.unwrap_or(Json::Null);
        let items = items_of(&body, &method.returns, method.object_key.as_deref());
        // A get documented as `oneOf` an array and objects (a directory's contents) answers with
        // the array when its first member is the array.
        let want_rows = match method.returns {
            Returns::Object if method.object_key.is_none() && !body.is_array() => 1,
            _ => github_sql_fake::schema::LIST_LEN,
        };
        if items.len() != want_rows {
            problems.push(format!(
                "(c) the body holds {} rows, expected {want_rows} (objectKey {:?})",
                items.len(),
                method.object_key
            ));
        }
        if rows.len() != items.len() {
            problems.push(format!(
                "(c) {} rows decoded, the body holds {}",
                rows.len(),
                items.len()
            ));
        }
        for (r, (row, item)) in rows.iter().zip(&items).enumerate() {
            for (c, col) in resource.columns.iter().enumerate() {
                let actual = &row[c];
                // A parameter named like a field this method's rows lack echoes the parameter
                // when the column has its type (else the column is NULL).
                let echoed = match &col.source {
                    ColumnSource::Param(p) => Some(p),
                    ColumnSource::ParamField { param, field }
                        if item.get(field).is_none()
                            && method
                                .param(param)
                                .or_else(|| resource.param(param))
                                .is_some_and(|p| p.sql_type == col.sql_type) =>
                    {
                        Some(param)
                    }
                    _ => None,
                };
                if let Some(p) = echoed {
                    if let Some(g) = given.iter().find(|g| &g.name == p) {
                        let want = value_for(g);
                        if *actual != want {
                            problems.push(format!(
                                "(c) row {r} column {} echoes {actual:?}, expected {want:?}",
                                col.name
                            ));
                        }
                    }
                    continue;
                }
                let Some(expected) = expected_field(&col.source, item, &body) else {
                    continue;
                };
                if !same(actual, expected) {
                    problems.push(format!(
                        "(c) row {r} column {} holds {actual:?}, the body has {expected}",
                        col.name
                    ));
                }
                if !fits(col.sql_type, expected) {
                    let t = TypeMismatch {
                        table: resource.name.clone(),
                        column: col.name.clone(),
                        declared: col.sql_type.decl(),
                        got: kind(expected),
                    };
                    if !self.types.contains(&t) {
                        self.types.push(t);
                    }
                }
            }
        }
        problems.extend(self.check_sqlite(resource, &given, &rows, &req.path));
        if resource
            .columns
            .iter()
            .any(|c| matches!(c.source, ColumnSource::Envelope(_)))
            && method.object_key.is_some()
        {
            self.envelope_lists += 1;
        }
        self.kinds[match (&method.returns, &method.object_key) {
            (Returns::Object, None) if rows.len() == 1 => 0,
            (Returns::Object, None) => 1,
            (_, None) => 2,
            (_, Some(_)) => 3,
        }] += 1;
        if given.len() > method.required().count() {
            self.disambiguated += 1;
        }
        problems
    }

    /// Each optional boolean query parameter of the method, given as SQL's `1` beside the
    /// required ones, goes out as `name=true`. Returns how many were checked, and the problems.
    fn check_booleans(&self, resource: &Arc<Resource>, m: usize) -> (usize, Vec<String>) {
        let method = &resource.methods[m];
        let mut problems = Vec::new();
        let mut n = 0;
        let flags = method
            .params
            .iter()
            .filter(|p| p.is_boolean() && !p.required && p.location == ParamLocation::Query);
        for flag in flags {
            let mut given: Vec<&Param> = method.required().collect();
            given.push(flag);
            let args = match plan_for(resource, &given) {
                Ok((c, args)) if c == m => args,
                Ok((c, _)) => {
                    problems.push(format!(
                        "(a) adding {} = 1 chose {}",
                        flag.name, resource.methods[c].name
                    ));
                    continue;
                }
                Err(e) => {
                    problems.push(format!("{} = 1: {e}", flag.name));
                    continue;
                }
            };
            n += 1;
            let table = Arc::new(Table::new(resource.clone(), self.client.clone()));
            self.fake.clear_requests();
            if let Err(e) = Scan::start(table, &args, None) {
                problems.push(format!("{} = 1: scan failed: {e}", flag.name));
                continue;
            }
            let log = self.fake.requests();
            let sent = log
                .first()
                .map(|r| sorted_pairs(r.query.as_deref()))
                .unwrap_or_default();
            if !sent.contains(&(flag.name.clone(), "true".into())) {
                problems.push(format!(
                    "(b) {} = 1 sent as {:?}, expected {}=true",
                    flag.name,
                    log.first().and_then(|r| r.query.clone()),
                    flag.name
                ));
            }
        }
        (n, problems)
    }

    /// The same WHERE through SQLite: the same request, and the scan's rows (every visible
    /// column, of its declared type).
    fn check_sqlite(
        &self,
        resource: &Resource,
        given: &[&Param],
        scanned: &[Vec<Value>],
        want_path: &str,
    ) -> Vec<String> {
        let want_rows = scanned.len();
        let mut problems = Vec::new();
        let cols: Vec<String> = given
            .iter()
            .map(|p| {
                let c = resource
                    .columns
                    .iter()
                    .find(|c| c.param() == Some(p.name.as_str()))
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                format!("\"{}\" = ?", c.replace('"', "\"\""))
            })
            .collect();
        let sql = format!(
            "SELECT * FROM \"{}\"{}{}",
            resource.name,
            if cols.is_empty() { "" } else { " WHERE " },
            cols.join(" AND ")
        );
        let values: Vec<rusqlite::types::Value> = given
            .iter()
            .map(|p| match value_for(p) {
                Value::Integer(i) => rusqlite::types::Value::Integer(i),
                Value::Text(t) => rusqlite::types::Value::Text(t),
                _ => rusqlite::types::Value::Null,
            })
            .collect();
        self.fake.clear_requests();
        let result = self.conn.prepare(&sql).and_then(|mut stmt| {
            let decls: Vec<(String, Option<String>)> = stmt
                .columns()
                .map(|c| (c.name().to_string(), c.decl_type().map(String::from)))
                .collect();
            let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
            let mut count = 0;
            let mut bad = Vec::new();
            let mut differ = Vec::new();
            while let Some(row) = rows.next()? {
                for (i, (name, decl)) in decls.iter().enumerate() {
                    let v: rusqlite::types::Value = row.get(i)?;
                    let scan_value = resource
                        .column_index(name)
                        .and_then(|c| scanned.get(count).map(|r| to_sqlite(&r[c])));
                    if scan_value.as_ref() != Some(&v) && !differ.contains(name) {
                        differ.push(name.clone());
                    }
                    let ok = match (decl.as_deref(), &v) {
                        (_, rusqlite::types::Value::Null) => true,
                        (Some("INTEGER"), rusqlite::types::Value::Integer(_)) => true,
                        (Some("JSON"), rusqlite::types::Value::Text(t)) => {
                            serde_json::from_str::<Json>(t.as_str())
                                .is_ok_and(|j| j.is_object() || j.is_array())
                        }
                        (Some("INTEGER" | "JSON"), _) => false,
                        _ => true,
                    };
                    if !ok && !bad.contains(name) {
                        bad.push(name.clone());
                    }
                }
                count += 1;
            }
            Ok((count, bad, differ))
        });
        match result {
            Err(e) => problems.push(format!("(sqlite) {sql}: {}", common::error_text(&e))),
            Ok((count, bad, differ)) => {
                for name in differ {
                    problems.push(format!(
                        "(sqlite) column {name} differs from the scan's value"
                    ));
                }
                if count != want_rows {
                    problems.push(format!("(sqlite) {count} rows, the scan gave {want_rows}"));
                }
                for name in bad {
                    problems.push(format!(
                        "(sqlite) column {name} does not hold its declared type"
                    ));
                }
            }
        }
        let log = self.fake.requests();
        if log.len() != 1 || log[0].path != want_path {
            problems.push(format!(
                "(sqlite) requests {:?}, expected one GET {want_path}",
                log.iter().map(common::describe).collect::<Vec<_>>()
            ));
        }
        problems
    }
}

#[test]
fn every_select_method_of_the_generated_provider_conforms() {
    let root = generated_root();
    let docs = service_docs(&root);
    let doc_selects = doc_select_methods(&docs);
    let provider = Arc::new(github_sql::spec::load_dir(&root).expect("generated provider loads"));

    let fake = FakeGitHub::with_schema_routes(Store::new(), docs.values().cloned().collect())
        .expect("fake starts");
    let config = ClientConfig {
        retry: RetryPolicy::fast(),
        cache: false,
        // Hundreds of methods in one go: GitHub's 900 points a minute would pace this for minutes.
        pacing: github_sql::http::Pacing {
            points: 0,
            ..Default::default()
        },
        ..ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
    }
    .with_server("registry", fake.base_url());
    let engine = Engine::new(provider.clone(), config);
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    let mut checker = Checker {
        docs: docs.clone(),
        fake,
        client: engine.client.clone(),
        conn,
        types: Vec::new(),
        kinds: [0; 4],
        disambiguated: 0,
        envelope_lists: 0,
    };

    let unserved: Vec<String> = provider
        .unserved
        .iter()
        .filter(|u| u.verb == "select")
        .map(|u| {
            format!(
                "{}.{}.{}: {}",
                u.service,
                u.resource,
                u.method.as_deref().unwrap_or("*"),
                u.reason
            )
        })
        .collect();
    let mut skipped: Vec<String> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let (mut checked, mut booleans) = (0usize, 0usize);
    let mut served = 0usize;
    for resource in provider.resources() {
        for &m in &resource.select {
            served += 1;
            let id = format!("{}.{}", resource.id, resource.methods[m].name);
            if CURATED.contains(&resource.service.as_str()) {
                skipped.push(format!(
                    "{id}: curated service, served by the stateful fake (tests/packages.rs, tests/registry.rs)"
                ));
                continue;
            }
            let mut problems = checker.check(resource, m);
            let (n, more) = checker.check_booleans(resource, m);
            booleans += n;
            problems.extend(more);
            checked += 1;
            for p in problems {
                failures.push(format!("{id} ({}): {p}", resource.methods[m].path));
            }
        }
    }
    checker.types.sort();
    println!(
        "conformance: {} SELECT methods in the documents; {served} served, {} unserved; \
         {checked} checked through the planner and SQLite ({} gets, {} gets answered with an \
         array, {} lists, {} objectKey lists; {} needing an optional parameter to be chosen), \
         {booleans} optional boolean parameters sent as true; {} objectKey lists with envelope \
         columns checked on every row; {} curated skipped; {} failures; {} column type mismatches",
        doc_selects.len(),
        unserved.len(),
        checker.kinds[0],
        checker.kinds[1],
        checker.kinds[2],
        checker.kinds[3],
        checker.disambiguated,
        checker.envelope_lists,
        skipped.len(),
        failures.len(),
        checker.types.len()
    );
    for u in &unserved {
        println!("  unserved: {u}");
    }
    for s in &skipped {
        println!("  skipped: {s}");
    }
    for t in &checker.types {
        println!(
            "  type: {}.{} is {} but its schema gives {}",
            t.table, t.column, t.declared, t.got
        );
    }
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert_eq!(
        doc_selects.len(),
        DOC_SELECT_METHODS,
        "SELECT methods in the documents"
    );
    assert_eq!(
        unserved.len(),
        UNSERVED_SELECT_METHODS,
        "unserved: {unserved:#?}"
    );
    assert_eq!(
        skipped.len(),
        CURATED_SELECT_METHODS,
        "skipped: {skipped:#?}"
    );
    assert_eq!(
        served + unserved.len(),
        doc_selects.len(),
        "every SELECT method is served or listed as unserved"
    );
    assert_eq!(
        checked + skipped.len(),
        served,
        "no method skipped silently"
    );
    assert!(
        failures.is_empty() && checker.types.is_empty(),
        "{} of {checked} methods failed and {} columns have the wrong type (see the output above)",
        failures.len(),
        checker.types.len()
    );
}

/// The generated provider loaded, a schema fake answering its documents, and SQLite with the
/// registered tables.
struct Setup {
    provider: Arc<github_sql::spec::Provider>,
    fake: FakeGitHub,
    conn: rusqlite::Connection,
}

fn setup() -> Setup {
    let root = generated_root();
    let docs = service_docs(&root);
    let provider = Arc::new(github_sql::spec::load_dir(&root).expect("generated provider loads"));
    let fake = FakeGitHub::with_schema_routes(Store::new(), docs.values().cloned().collect())
        .expect("fake starts");
    let config = ClientConfig {
        retry: RetryPolicy::fast(),
        cache: false,
        ..ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
    }
    .with_server("registry", fake.base_url());
    let engine = Engine::new(provider.clone(), config);
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    Setup {
        provider,
        fake,
        conn,
    }
}

/// A SQL value for a JSON field value (what a WHERE gives to match it).
fn sql_of(v: &Json) -> Option<Value> {
    match v {
        Json::Bool(b) => Some(Value::Integer(i64::from(*b))),
        Json::Number(n) => n
            .as_i64()
            .map(Value::Integer)
            .or_else(|| n.as_f64().map(Value::Real)),
        Json::String(s) => Some(Value::Text(s.clone())),
        _ => None,
    }
}

/// Another value of a parameter than `v`, which a row holding `v` does not match.
fn other_value(p: &Param, v: &Value) -> Option<Value> {
    if let Some(allowed) = &p.allowed {
        return allowed
            .iter()
            .find(|a| {
                Value::Text((*a).clone()) != *v
                    && a.parse::<i64>().ok().map(Value::Integer) != Some(v.clone())
            })
            .map(|a| match (p.sql_type, a.parse::<i64>()) {
                (SqlType::Integer, Ok(i)) => Value::Integer(i),
                _ => Value::Text(a.clone()),
            });
    }
    if p.is_boolean() {
        return match v {
            Value::Integer(1) => Some(Value::Integer(0)),
            _ => Some(Value::Integer(1)),
        };
    }
    match v {
        Value::Integer(i) => Some(Value::Integer(i + 1)),
        Value::Text(t) => Some(Value::Text(format!("{t}-other"))),
        _ => None,
    }
}

impl Setup {
    /// Runs `SELECT * FROM table WHERE col = ? AND …` in SQLite; the rows (as SQL values by
    /// column name) and the requests the fake received.
    #[allow(clippy::type_complexity)]
    fn select(
        &self,
        resource: &Resource,
        where_: &[(usize, Value)],
    ) -> (
        Result<Vec<BTreeMap<String, rusqlite::types::Value>>, String>,
        Vec<github_sql_fake::LoggedRequest>,
    ) {
        let cols: Vec<String> = where_
            .iter()
            .map(|(c, _)| format!("\"{}\" = ?", resource.columns[*c].name.replace('"', "\"\"")))
            .collect();
        let sql = format!(
            "SELECT * FROM \"{}\"{}{}",
            resource.name,
            if cols.is_empty() { "" } else { " WHERE " },
            cols.join(" AND ")
        );
        self.fake.clear_requests();
        let result = self
            .conn
            .prepare(&sql)
            .and_then(|mut stmt| {
                let names: Vec<String> = stmt.column_names().map(String::from).collect();
                let mut rows = stmt.query(rusqlite::params_from_iter(
                    where_.iter().map(|(_, v)| to_sqlite(v)),
                ))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    let mut m = BTreeMap::new();
                    for (i, n) in names.iter().enumerate() {
                        m.insert(n.clone(), row.get::<_, rusqlite::types::Value>(i)?);
                    }
                    out.push(m);
                }
                Ok(out)
            })
            .map_err(|e| format!("{sql}: {}", common::error_text(&e)));
        (result, self.fake.requests())
    }

    /// The fake's answer to a GET of `path` (what a test compares rows with).
    fn answer(&self, path: &str) -> Option<Json> {
        self.fake.schema_routes()?.answer("GET", path, None)?.body
    }
}

/// Plans `=` constraints on these columns; the chosen method.
fn plan_columns(resource: &Resource, columns: &[usize]) -> Result<usize, String> {
    let constraints: Vec<Constraint> = columns
        .iter()
        .map(|&column| Constraint {
            column,
            op: Op::Eq,
            usable: true,
            in_list: false,
        })
        .collect();
    plan_select(resource, &constraints, false)
        .map_err(|e| format!("planning failed: {e}"))?
        .map(|p| p.method)
        .ok_or_else(|| "planning said: not usable in this order".into())
}

/// The column an `=` on parameter `p` is written against (the parameter's own column).
fn param_column(resource: &Resource, p: &str) -> Option<usize> {
    resource
        .columns
        .iter()
        .position(|c| c.name == p && c.param() == Some(p))
        .or_else(|| resource.columns.iter().position(|c| c.param() == Some(p)))
}

/// Whether a get's rows read parameter `p`'s column back from a field (a list-only filter
/// checked on the get's row).
fn row_shows(resource: &Resource, method: &github_sql::spec::Method, column: usize) -> bool {
    github_sql::plan::reads_back(resource, method, &resource.columns[column])
}

/// For EVERY get of the generated provider and EVERY list-only filter of its resource (a query
/// parameter another SELECT method takes and the get does not): the WHERE giving the get's
/// parameters plus the filter uses the get when its row shows the filter's field (the filter is
/// checked on the row: the row comes back when it matches, not when it differs), else a list
/// that sends the filter and reads the get's key back (its rows are checked against the key),
/// else the get with the filter's column echoing the value. Never a list whose key reads NULL.
#[test]
fn every_get_with_a_list_only_filter_answers_through_the_get() {
    let env = setup();
    let mut failures = Vec::new();
    let (mut pairs, mut checked_on_row, mut by_list, mut echoed) = (0, 0, 0, 0);
    let mut list_filters: BTreeMap<String, usize> = BTreeMap::new();
    let mut skipped: Vec<String> = Vec::new();
    for resource in env.provider.resources() {
        if CURATED.contains(&resource.service.as_str()) {
            continue;
        }
        for &g in &resource.select {
            let gm = &resource.methods[g];
            if gm.returns != Returns::Object || gm.object_key.is_some() {
                continue;
            }
            let (given, _) = match choose(resource, g) {
                Ok(x) => x,
                Err(e) => {
                    skipped.push(format!("{}.{}: {e}", resource.id, gm.name));
                    continue;
                }
            };
            let mut filters: Vec<&Param> = Vec::new();
            for &m in &resource.select {
                for p in &resource.methods[m].params {
                    if m != g
                        && gm.param(&p.name).is_none()
                        && p.location == ParamLocation::Query
                        && !filters.iter().any(|f| f.name == p.name)
                    {
                        filters.push(p);
                    }
                }
            }
            for f in filters {
                pairs += 1;
                let id = format!("{}.{} + {}", resource.id, gm.name, f.name);
                let Some(fcol) = param_column(resource, &f.name) else {
                    failures.push(format!("{id}: no column takes {}", f.name));
                    continue;
                };
                let mut where_: Vec<(usize, Value)> = given
                    .iter()
                    .filter_map(|p| Some((param_column(resource, &p.name)?, value_for(p))))
                    .collect();
                where_.push((fcol, value_for(f)));
                let cols: Vec<usize> = where_.iter().map(|(c, _)| *c).collect();
                let chosen = match plan_columns(resource, &cols) {
                    Ok(c) => c,
                    Err(e) => {
                        failures.push(format!("{id}: {e}"));
                        continue;
                    }
                };
                let shows = row_shows(resource, gm, fcol);
                if chosen != g {
                    // Only when the get's row cannot show the filter, and the list reads every
                    // parameter given (the get's key from a field of its rows) or sends it.
                    let cm = &resource.methods[chosen];
                    let honours = where_.iter().all(|(c, _)| {
                        let p = resource.columns[*c].param().unwrap_or_default();
                        cm.param(p).is_some() || row_shows(resource, cm, *c)
                    });
                    if shows || !honours {
                        failures.push(format!(
                            "{id}: chose {} (the get's row shows the filter: {shows}; the list honours every parameter: {honours})",
                            cm.name
                        ));
                        continue;
                    }
                    by_list += 1;
                    *list_filters.entry(f.name.clone()).or_insert(0) += 1;
                    // The request is the list's, with the filter sent.
                    let (rows, log) = env.select(resource, &where_);
                    if let Err(e) = rows {
                        failures.push(format!("{id}: {e}"));
                        continue;
                    }
                    let sent = log
                        .first()
                        .map(|r| sorted_pairs(r.query.as_deref()))
                        .unwrap_or_default();
                    if log.len() != 1
                        || !sent.iter().any(|(k, _)| *k == f.name)
                        || log[0].path.split('/').count() != cm.path.split('/').count()
                    {
                        failures.push(format!(
                            "{id}: expected one GET of {} sending {}, got {:?}",
                            cm.path,
                            f.name,
                            log.iter().map(common::describe).collect::<Vec<_>>()
                        ));
                    }
                    continue;
                }
                // The get: its path, nothing of the filter sent.
                let path = expected_path(&gm.path, &given);
                let Some(body) = env.answer(&path) else {
                    failures.push(format!("{id}: the fake has no answer for {path}"));
                    continue;
                };
                if shows {
                    // Give the value the row holds: the row comes back; another: no row.
                    let ColumnSource::ParamField { field, .. } = &resource.columns[fcol].source
                    else {
                        failures.push(format!("{id}: the filter's column reads no field"));
                        continue;
                    };
                    let Some(held) = body.get(field).and_then(sql_of) else {
                        skipped.push(format!(
                            "{id}: the fake's {field} is {} (no value an `=` could match)",
                            body.get(field)
                                .map(|v| v.to_string())
                                .unwrap_or_else(|| "absent".into())
                        ));
                        continue;
                    };
                    checked_on_row += 1;
                    if let Some(last) = where_.last_mut() {
                        last.1 = held.clone();
                    }
                    let (rows, log) = env.select(resource, &where_);
                    match rows {
                        Ok(rows) if rows.len() == 1 => {}
                        Ok(rows) => {
                            failures.push(format!("{id}: the matching row: {} rows", rows.len()))
                        }
                        Err(e) => failures.push(format!("{id}: {e}")),
                    }
                    let one_get = log.len() == 1
                        && log[0].method == "GET"
                        && log[0].path == path
                        && !sorted_pairs(log[0].query.as_deref())
                            .iter()
                            .any(|(k, _)| *k == f.name);
                    if !one_get {
                        failures.push(format!(
                            "{id}: expected one GET {path} without {}, got {:?}",
                            f.name,
                            log.iter().map(common::describe).collect::<Vec<_>>()
                        ));
                    }
                    if let Some(other) = other_value(f, &held) {
                        if let Some(last) = where_.last_mut() {
                            last.1 = other;
                        }
                        match env.select(resource, &where_).0 {
                            Ok(rows) if rows.is_empty() => {}
                            Ok(rows) => failures.push(format!(
                                "{id}: a value the row does not hold still gave {} rows",
                                rows.len()
                            )),
                            Err(e) => failures.push(format!("{id}: {e}")),
                        }
                    }
                } else {
                    echoed += 1;
                    let (rows, log) = env.select(resource, &where_);
                    let want = to_sqlite(&value_for(f));
                    // The column echoes the value, unless it reads a field of the get's rows
                    // (an `actor` object): then it shows the row's.
                    let echoes = match &resource.columns[fcol].source {
                        ColumnSource::Param(_) => true,
                        ColumnSource::ParamField { field, .. } => !gm.fields.contains(field),
                        _ => false,
                    };
                    match rows {
                        Ok(rows) if rows.len() == 1 => {
                            let got = rows[0].get(&resource.columns[fcol].name);
                            if echoes && !resource.columns[fcol].hidden && got != Some(&want) {
                                failures.push(format!(
                                    "{id}: the filter's column reads {got:?}, expected {want:?}"
                                ));
                            }
                        }
                        Ok(rows) => failures
                            .push(format!("{id}: {} rows, expected the get's one", rows.len())),
                        Err(e) => failures.push(format!("{id}: {e}")),
                    }
                    if log.len() != 1 || log[0].path != path {
                        failures.push(format!(
                            "{id}: expected one GET {path}, got {:?}",
                            log.iter().map(common::describe).collect::<Vec<_>>()
                        ));
                    }
                }
            }
        }
    }
    println!(
        "list-only filters: {pairs} (get, filter) pairs: {checked_on_row} checked on the get's row, \
         {by_list} sent by a list that reads the get's key back ({list_filters:?}), {echoed} echoed \
         by the get; {} skipped; {} failures",
        skipped.len(),
        failures.len()
    );
    for s in &skipped {
        println!("  skipped: {s}");
    }
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {pairs} pairs failed (see above)",
        failures.len()
    );
    assert_eq!(
        checked_on_row + by_list + echoed + skipped.len(),
        pairs,
        "every pair is checked or listed as skipped"
    );
    assert_eq!(pairs, LIST_ONLY_PAIRS, "(get, list-only filter) pairs");
}

/// For EVERY row → parameter mapping of the generated provider (`x-github-sql.paramFields`)
/// whose field has another name than the parameter (`comment_id` ← `id`), and every get that
/// requires the parameter: `field = N` with the get's other parameters is one GET of the get's
/// path with N, in the planner and in SQLite, and its row comes back with the field reading N.
#[test]
fn every_id_lookup_goes_to_the_get() {
    let env = setup();
    let mut failures = Vec::new();
    let mut lookups = 0;
    let mut mappings = 0;
    for resource in env.provider.resources() {
        if CURATED.contains(&resource.service.as_str()) {
            continue;
        }
        for (p, field) in &resource.row_params {
            mappings += 1;
            if p == field {
                continue;
            }
            let Some(fcol) = resource.column_index(field) else {
                failures.push(format!("{}: no column {field} for {p}", resource.id));
                continue;
            };
            for &g in &resource.select {
                let gm = &resource.methods[g];
                if !gm.param(p).is_some_and(|q| q.required) || gm.returns != Returns::Object {
                    continue;
                }
                let (given, _) = match choose(resource, g) {
                    Ok(x) => x,
                    Err(e) => {
                        failures.push(format!("{}.{}: {e}", resource.id, gm.name));
                        continue;
                    }
                };
                lookups += 1;
                let id = format!("{}.{} by {field}", resource.id, gm.name);
                let mut where_: Vec<(usize, Value)> = Vec::new();
                for q in &given {
                    let c = if q.name == *p {
                        Some(fcol)
                    } else {
                        param_column(resource, &q.name)
                    };
                    // The field's type: a workflow's `id` is its number, though
                    // `workflow_id` also takes its file name.
                    let v = match (c, value_for(q)) {
                        (Some(c), Value::Text(_))
                            if resource.columns[c].sql_type == SqlType::Integer =>
                        {
                            Value::Integer(42)
                        }
                        (_, v) => v,
                    };
                    match c {
                        Some(c) => where_.push((c, v)),
                        None => failures.push(format!("{id}: no column takes {}", q.name)),
                    }
                }
                let cols: Vec<usize> = where_.iter().map(|(c, _)| *c).collect();
                match plan_columns(resource, &cols) {
                    Ok(c) if c == g => {}
                    Ok(c) => {
                        failures.push(format!("{id}: chose {}", resource.methods[c].name));
                        continue;
                    }
                    Err(e) => {
                        failures.push(format!("{id}: {e}"));
                        continue;
                    }
                }
                let mut path = gm.path.clone();
                for ((_, v), q) in where_.iter().zip(&given) {
                    if q.location == ParamLocation::Path {
                        path = path.replace(&format!("{{{}}}", q.name), &api_text(v));
                    }
                }
                let (rows, log) = env.select(resource, &where_);
                let want = given
                    .iter()
                    .position(|q| q.name == *p)
                    .map(|i| to_sqlite(&where_[i].1));
                match rows {
                    Ok(rows) if rows.len() == 1 => {
                        if rows[0].get(field) != want.as_ref() {
                            failures.push(format!(
                                "{id}: {field} reads {:?}, expected {want:?}",
                                rows[0].get(field)
                            ));
                        }
                    }
                    Ok(rows) => failures.push(format!("{id}: {} rows, expected one", rows.len())),
                    Err(e) => failures.push(format!("{id}: {e}")),
                }
                if log.len() != 1 || log[0].method != "GET" || log[0].path != path {
                    failures.push(format!(
                        "{id}: expected one GET {path}, got {:?}",
                        log.iter().map(common::describe).collect::<Vec<_>>()
                    ));
                }
            }
        }
    }
    println!(
        "id lookups: {mappings} row → parameter mappings, {lookups} lookups by a field of another name; {} failures",
        failures.len()
    );
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert_eq!(lookups, ID_LOOKUPS, "id lookups");
    assert!(
        failures.is_empty(),
        "{} of {lookups} lookups failed (see above)",
        failures.len()
    );
}

/// The envelopes the issue names, through SQLite: their items are the rows, and the envelope's
/// other fields are columns on every row.
#[test]
fn envelopes_yield_their_items_and_keep_their_fields() {
    let env = setup();
    let query = |sql: &str| -> Vec<Vec<String>> {
        env.fake.clear_requests();
        let mut stmt = env
            .conn
            .prepare(sql)
            .unwrap_or_else(|e| panic!("{sql}: {}", common::error_text(&e)));
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                (0..n)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i).map(|v| match v {
                            rusqlite::types::Value::Integer(i) => i.to_string(),
                            rusqlite::types::Value::Text(t) => t,
                            rusqlite::types::Value::Null => "NULL".into(),
                            other => format!("{other:?}"),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<String>>>()
            })
            .and_then(|r| r.collect::<rusqlite::Result<Vec<_>>>())
            .unwrap_or_else(|e| panic!("{sql}: {}", common::error_text(&e)));
        rows
    };
    let body = |path: &str, query: Option<&str>| {
        env.fake
            .schema_routes()
            .and_then(|s| s.answer("GET", path, query).and_then(|a| a.body))
            .unwrap_or(Json::Null)
    };
    let table = |id: &str| {
        env.provider
            .resource_by_id(id)
            .unwrap_or_else(|| panic!("{id}"))
            .name
            .clone()
    };

    // Search: `items` are the rows; total_count and incomplete_results on each.
    let t = table("github.search.issues_and_pull_requests");
    let rows = query(&format!(
        "SELECT number, total_count, incomplete_results FROM {t} WHERE q = 'is:open repo:o/r'"
    ));
    let b = body("/search/issues", Some("per_page=100"));
    let items = b["items"].as_array().expect("items");
    assert_eq!(rows.len(), items.len());
    for (row, item) in rows.iter().zip(items) {
        assert_eq!(row[0], item["number"].to_string());
        assert_eq!(row[1], b["total_count"].to_string());
        assert_eq!(
            row[2],
            i64::from(b["incomplete_results"] == true).to_string()
        );
    }
    let log = env.fake.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].path, "/search/issues");
    assert!(
        sorted_pairs(log[0].query.as_deref()).contains(&("q".into(), "is:open repo:o/r".into()))
    );

    // Traffic: the days are the rows; the envelope's count is `envelope_count` (a day has its own).
    let t = table("github.repos.traffic");
    let rows = query(&format!(
        "SELECT timestamp, count, envelope_count, envelope_uniques FROM {t} WHERE owner = 'o' AND repo = 'r'"
    ));
    let b = body("/repos/o/r/traffic/clones", None);
    assert_eq!(
        rows.len(),
        b["clones"].as_array().map(Vec::len).unwrap_or(0)
    );
    assert_eq!(rows[0][1], b["clones"][0]["count"].to_string());
    assert_eq!(rows[0][2], b["count"].to_string());
    assert_eq!(rows[1][3], b["uniques"].to_string());

    // A comparison: its commits in one table, its files in another, the envelope on both.
    let commits = table("github.repos.commit_comparison");
    let files = table("github.repos.compare_commits_files");
    for (t, key) in [(commits, "commits"), (files, "files")] {
        let rows = query(&format!(
            "SELECT ahead_by FROM {t} WHERE owner = 'o' AND repo = 'r' AND base = 'main' AND head = 'dev'"
        ));
        let b = body("/repos/o/r/compare/main...dev", None);
        assert_eq!(
            rows.len(),
            b[key].as_array().map(Vec::len).unwrap_or(0),
            "{t}"
        );
        assert!(
            rows.iter()
                .all(|r| r[0] == b["ahead_by"].to_string().as_str()),
            "{t}"
        );
    }

    // Requested reviewers: users and teams, each a table.
    for (id, key, col) in [
        ("github.pulls.review_requests", "users", "login"),
        ("github.pulls.requested_reviewers_teams", "teams", "slug"),
    ] {
        let t = table(id);
        let rows = query(&format!(
            "SELECT {col} FROM {t} WHERE owner = 'o' AND repo = 'r' AND pull_number = 1"
        ));
        let b = body("/repos/o/r/pulls/1/requested_reviewers", None);
        let want: Vec<Vec<String>> = b[key]
            .as_array()
            .expect("array")
            .iter()
            .map(|i| vec![i[col].as_str().unwrap_or_default().to_string()])
            .collect();
        assert_eq!(rows, want, "{id}");
    }
}

/// The same through the `github-sql` binary (the shell): a get with a list-only filter its row
/// shows, a lookup by `id`, and search's envelope; one request each.
#[test]
fn the_shell_uses_the_get_and_reads_envelopes() {
    let env = setup();
    let run = |sql: &str| -> String {
        env.fake.clear_requests();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_github-sql"))
            .args(["exec", "-o", "csv", sql])
            .env("GITHUB_SQL_PROVIDER_DIR", generated_root())
            .env("GITHUB_API_URL", env.fake.base_url())
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_SQL_JOURNAL", "off")
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let gets = || -> Vec<String> {
        env.fake
            .requests()
            .iter()
            .map(|r| match &r.query {
                Some(q) => format!("{} {}?{q}", r.method, r.path),
                None => format!("{} {}", r.method, r.path),
            })
            .collect()
    };
    let state = env.answer("/repos/o/r/issues/5").expect("issue")["state"]
        .as_str()
        .expect("state")
        .to_string();
    let out = run(&format!(
        "SELECT number, state FROM github.issues.issues WHERE owner = 'o' AND repo = 'r' AND issue_number = 5 AND state = '{state}'"
    ));
    assert_eq!(out, format!("number,state\n5,{state}\n"));
    assert_eq!(gets(), ["GET /repos/o/r/issues/5"]);
    let out = run("SELECT number FROM github.issues.issues WHERE owner = 'o' AND repo = 'r' AND issue_number = 5 AND state = 'no-such-state'");
    assert_eq!(out, "number\n", "the header, no row");
    assert_eq!(gets(), ["GET /repos/o/r/issues/5"]);
    let out =
        run("SELECT id FROM github.issues.comments WHERE owner = 'o' AND repo = 'r' AND id = 1077");
    assert_eq!(out, "id\n1077\n");
    assert_eq!(gets(), ["GET /repos/o/r/issues/comments/1077"]);
    let out = run("SELECT count(*), max(total_count) FROM github.search.issues_and_pull_requests WHERE q = 'repo:o/r'");
    let total = env
        .fake
        .schema_routes()
        .and_then(|s| s.answer("GET", "/search/issues", None).and_then(|a| a.body))
        .expect("search")["total_count"]
        .clone();
    assert_eq!(
        out,
        format!(
            "count(*),max(total_count)\n{},{total}\n",
            github_sql_fake::schema::LIST_LEN
        )
    );
    assert_eq!(gets(), ["GET /search/issues?q=repo%3Ao%2Fr&per_page=100"]);
}

/// For EVERY method of the generated provider whose answer is not JSON: a text answer (Markdown
/// as HTML, zen, a commit as a diff or a patch) and a download's redirect. Each is called
/// through its SQLite function with its required arguments:
///
/// - a text answer is the text the fake sent, asked for with the method's media type as
///   `Accept`;
/// - a redirect is `{"status": 302, "location": …}` with the target on another host, and nothing
///   is fetched from it; `github_sql_download(location)` then fetches its bytes, without the
///   token.
#[test]
fn every_text_and_redirect_answer() {
    let env = setup();
    let base = env.fake.base_url();
    let mut failures = Vec::new();
    let (mut texts, mut redirects) = (0, 0);
    for resource in env.provider.resources() {
        if CURATED.contains(&resource.service.as_str()) {
            continue;
        }
        for m in &resource.methods {
            if !matches!(m.returns, Returns::Text | Returns::Redirect) {
                continue;
            }
            let id = format!("{}.{}", resource.id, m.name);
            if !resource
                .exec
                .iter()
                .any(|&i| resource.methods[i].name == m.name)
            {
                failures.push(format!("{id}: not callable with EXEC"));
                continue;
            }
            let given: Vec<&Param> = m.required().collect();
            let mut args = Vec::new();
            for p in &given {
                args.push(to_sqlite(&Value::Text(format!("@{}", p.name))));
                args.push(to_sqlite(&value_for(p)));
            }
            let placeholders = vec!["?"; args.len()].join(", ");
            let sql = format!("SELECT {}({placeholders})", m.function);
            env.fake.clear_requests();
            let result: Result<String, String> = env
                .conn
                .query_row(&sql, rusqlite::params_from_iter(args), |r| r.get(0))
                .map_err(|e| common::error_text(&e));
            let log = env.fake.requests();
            let mut path = m.path.clone();
            for p in given.iter().filter(|p| p.location == ParamLocation::Path) {
                path = path.replace(&format!("{{{}}}", p.name), &api_text_for(p));
            }
            let result = match result {
                Ok(r) => r,
                Err(e) => {
                    failures.push(format!("{id}: {sql}: {e}"));
                    continue;
                }
            };
            if log.len() != 1 || log[0].path != path || log[0].method != m.http_method {
                failures.push(format!(
                    "{id}: expected one {} {path}, got {:?}",
                    m.http_method,
                    log.iter().map(common::describe).collect::<Vec<_>>()
                ));
                continue;
            }
            let accept = log[0].accept.clone();
            let Some(answer) = env.fake.schema_routes().and_then(|s| {
                s.answer_accept(&m.http_method, &path, None, accept.as_deref())
                    .map(|a| (a.text, a.location, a.status))
            }) else {
                failures.push(format!("{id}: the fake has no answer"));
                continue;
            };
            match m.returns {
                Returns::Redirect => {
                    redirects += 1;
                    let want_location = format!(
                        "{}{}",
                        github_sql_fake::other_host(&base),
                        answer.1.unwrap_or_default()
                    );
                    let got: Json = serde_json::from_str(&result).unwrap_or(Json::Null);
                    if got != serde_json::json!({"status": answer.2, "location": want_location}) {
                        failures.push(format!(
                            "{id}: answered {result}, expected the location {want_location}"
                        ));
                        continue;
                    }
                    env.fake.clear_requests();
                    let bytes: Result<Vec<u8>, String> = env
                        .conn
                        .query_row("SELECT github_sql_download(?)", [&want_location], |r| {
                            r.get(0)
                        })
                        .map_err(|e| common::error_text(&e));
                    let target =
                        want_location.trim_start_matches(&github_sql_fake::other_host(&base));
                    match bytes {
                        Ok(b) if b == github_sql_fake::download_bytes(target) => {}
                        Ok(b) => failures.push(format!("{id}: downloaded {} other bytes", b.len())),
                        Err(e) => failures.push(format!("{id}: github_sql_download: {e}")),
                    }
                    let log = env.fake.requests();
                    if log.len() != 1 || log[0].path != target || log[0].authorization.is_some() {
                        failures.push(format!(
                            "{id}: the download sent {:?} (authorization: {:?})",
                            log.iter().map(common::describe).collect::<Vec<_>>(),
                            log.first().map(|r| r.authorization.is_some())
                        ));
                    }
                }
                _ => {
                    texts += 1;
                    let media = m
                        .headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case("accept"))
                        .map(|(_, v)| v.clone());
                    if accept != media {
                        failures.push(format!(
                            "{id}: sent Accept {accept:?}, its media type is {media:?}"
                        ));
                    }
                    let want = answer.0.map(|(_, t)| t).unwrap_or_default();
                    if result != want {
                        failures.push(format!("{id}: answered {result:?}, the fake sent {want:?}"));
                    }
                }
            }
        }
    }
    println!(
        "answers that are not JSON: {texts} text answers, {redirects} redirects; {} failures",
        failures.len()
    );
    for f in &failures {
        println!("  FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} failures (see above)",
        failures.len()
    );
    assert_eq!((texts, redirects), (TEXT_ANSWERS, REDIRECT_ANSWERS));
}

/// Answers that are not JSON through the `github-sql` binary: EXEC shows a text answer as one
/// `content` column, a download's redirect as its `status` and `location` (nothing fetched),
/// a `205 Reset Content` as done; `github_sql_download` fetches the file without the token.
#[test]
fn the_shell_shows_text_redirect_and_empty_answers() {
    let env = setup();
    let run = |sql: &str| -> (String, String) {
        env.fake.clear_requests();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_github-sql"))
            .args(["exec", "-o", "csv", sql])
            .env("GITHUB_SQL_PROVIDER_DIR", generated_root())
            .env("GITHUB_API_URL", env.fake.base_url())
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_SQL_JOURNAL", "off")
            .env("GITHUB_SQL_WRITE_DELAY_MS", "0")
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let schema = env.fake.schema_routes().expect("schema routes");
    // Zen: text/plain.
    let (out, _) = run("EXEC github.meta.meta.get_zen");
    let zen = schema
        .answer("GET", "/zen", None)
        .and_then(|a| a.text)
        .expect("zen")
        .1;
    assert_eq!(out, format!("content\n\"{}\"\n", zen.replace('"', "\"\"")));
    // A commit as a diff: the method's media type is the Accept sent.
    let (out, _) =
        run("EXEC github.repos.commits.get_commit_diff @owner='o', @repo='r', @ref='main'");
    let log = env.fake.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0].accept.as_deref(),
        Some("application/vnd.github.diff")
    );
    assert!(
        out.starts_with("content\n") && out.contains("application/vnd.github.diff"),
        "{out}"
    );
    // A download: its location, not followed.
    let (out, _) = run(
        "EXEC github.repos.contents.download_zipball_archive @owner='o', @repo='r', @ref='main'",
    );
    let location = format!(
        "{}/_downloads/repos/o/r/zipball/main",
        github_sql_fake::other_host(&env.fake.base_url())
    );
    assert_eq!(out, format!("status,location\n302,{location}\n"));
    assert_eq!(env.fake.requests().len(), 1, "the file is not fetched");
    // The bytes, asked for: no token goes to the other host.
    let (out, _) = run(&format!(
        "SELECT length(github_sql_download('{location}')) AS n"
    ));
    let want = github_sql_fake::download_bytes("/_downloads/repos/o/r/zipball/main").len();
    assert_eq!(out, format!("n\n{want}\n"));
    let log = env.fake.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].authorization, None);
    // 205 Reset Content: a plain success.
    let (out, err) = run("EXEC github.activity.notifications.mark_thread_as_read @thread_id=7");
    assert_eq!(out, "");
    assert!(err.contains("mark_thread_as_read"), "{err}");
    let log = env.fake.requests();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].method.as_str(), log[0].status), ("PATCH", 205));
}

/// Delete methods of the generated provider that a DELETE reaches (docs/generator.md).
const DELETE_METHODS: usize = 168;

/// A literal for a value in SQL.
fn sql_literal(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Text(t) => format!("'{}'", t.replace('\'', "''")),
        other => format!("{other:?}"),
    }
}

/// For EVERY delete method of the generated provider (issue 20): a DELETE whose WHERE gives
/// exactly that method's required parameters (and body fields) sends exactly its method and
/// path, once, through the shell's statement path, with nothing listed first; or, where two
/// methods fit it equally, it is refused as ambiguous with nothing sent.
#[test]
fn every_delete_method_is_reached_by_a_delete_naming_its_parameters() {
    let env = setup();
    let engine = Engine::new(
        env.provider.clone(),
        ClientConfig {
            retry: RetryPolicy::fast(),
            cache: false,
            ..ClientConfig::new(env.fake.base_url(), Some(Token::new(TOKEN)))
        }
        .with_write_delay(std::time::Duration::ZERO),
    );
    let session =
        github_sql_shell::Session::new(engine, github_sql_shell::output::OutputFormat::Csv)
            .expect("session");
    session.set_yes(true);
    let (mut reached, mut ambiguous) = (0usize, Vec::new());
    let mut failures = Vec::new();
    for resource in env.provider.resources() {
        if CURATED.contains(&resource.service.as_str()) {
            continue;
        }
        for &m in resource.delete.iter().chain(resource.direct_delete.iter()) {
            let method = &resource.methods[m];
            let id = format!("{}.{}", resource.id, method.name);
            let given: Vec<&Param> = method.required().collect();
            let mut conds = Vec::new();
            for p in &given {
                let v = match (p.location, p.json_type) {
                    (ParamLocation::Body, github_sql::spec::JsonType::Json) => {
                        Value::Text("{}".into())
                    }
                    _ => value_for(p),
                };
                conds.push(format!(
                    "\"{}\" = {}",
                    p.name.replace('"', "\"\""),
                    sql_literal(&v)
                ));
            }
            // A method that takes no parameter is named by a DELETE with no WHERE.
            let sql = if conds.is_empty() {
                format!("DELETE FROM {}", resource.id)
            } else {
                format!("DELETE FROM {} WHERE {}", resource.id, conds.join(" AND "))
            };
            env.fake.clear_requests();
            let result = github_sql_shell::stackql::classify(&env.provider, &sql)
                .and_then(|stmt| session.run(stmt, &[]));
            let sent: Vec<String> = env
                .fake
                .requests()
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect();
            let path = expected_path(&method.path, &given);
            match result {
                Err(e) if e.to_string().contains("could mean any of") => {
                    if sent.is_empty() {
                        ambiguous.push(id);
                    } else {
                        failures.push(format!("{id}: refused as ambiguous but sent {sent:?}"));
                    }
                }
                _ if sent == [format!("{} {path}", method.http_method)] => reached += 1,
                Ok(_) => failures.push(format!(
                    "{id}: {sql}\n    sent {sent:?}, not {} {path}",
                    method.http_method
                )),
                Err(e) => failures.push(format!("{id}: {sql}\n    {e}\n    sent {sent:?}")),
            }
        }
    }
    println!(
        "delete methods: {} reached exactly by a DELETE naming their parameters, {} refused as ambiguous ({:?}), {} failures",
        reached,
        ambiguous.len(),
        ambiguous,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        reached + ambiguous.len(),
        DELETE_METHODS,
        "the count in docs/generator.md"
    );
}

/// The issue's cases through the SQLite extension, where SQLite lists the rows and each goes to
/// the method the WHERE names: a runner's DELETE is the runner's (never a label named after it),
/// a git ref keeps the WHERE's `heads/x` (never the row's `refs/heads/x`), and a collaborator
/// found by its `login` is removed by that login (the declared mapping `username` ← `login`).
#[test]
fn the_extension_deletes_the_row_the_where_names_with_the_method_it_names() {
    let env = setup();
    let deletes = || -> Vec<String> {
        env.fake
            .requests()
            .iter()
            .filter(|r| r.method == "DELETE")
            .map(|r| r.path.clone())
            .collect()
    };
    for (sql, want) in [
        (
            "DELETE FROM actions_self_hosted_runners WHERE org = 'acme' AND runner_id = 7",
            "/orgs/acme/actions/runners/7",
        ),
        // (The schema fake routes no `/` inside a parameter, so this ref has none; the shell's
        // direct DELETE below keeps `heads/feature` whole.)
        (
            "DELETE FROM git_refs WHERE owner = 'o' AND repo = 'r' AND ref = 'feature'",
            "/repos/o/r/git/refs/feature",
        ),
    ] {
        env.fake.clear_requests();
        env.conn
            .execute_batch(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(deletes(), [want], "{sql}");
    }
    let login = env
        .answer("/repos/o/r/collaborators")
        .and_then(|b| b[0]["login"].as_str().map(String::from))
        .expect("a collaborator's login");
    env.fake.clear_requests();
    env.conn
        .execute_batch(&format!(
            "DELETE FROM repos_collaborators WHERE owner = 'o' AND repo = 'r' AND username = '{login}'"
        ))
        .expect("remove a collaborator");
    assert_eq!(deletes(), [format!("/repos/o/r/collaborators/{login}")]);
    // The shell sends a DELETE that names its method's parameters directly, with the WHERE's
    // values: a multi-segment ref stays whole.
    let session = github_sql_shell::Session::new(
        Engine::new(
            env.provider.clone(),
            ClientConfig {
                retry: RetryPolicy::fast(),
                ..ClientConfig::new(env.fake.base_url(), Some(Token::new(TOKEN)))
            }
            .with_write_delay(std::time::Duration::ZERO),
        ),
        github_sql_shell::output::OutputFormat::Csv,
    )
    .expect("session");
    env.fake.clear_requests();
    let sql =
        "DELETE FROM github.git.refs WHERE owner = 'o' AND repo = 'r' AND ref = 'heads/feature'";
    let _ = github_sql_shell::stackql::classify(&env.provider, sql)
        .and_then(|stmt| session.run(stmt, &[]));
    assert_eq!(deletes(), ["/repos/o/r/git/refs/heads/feature"]);
}
