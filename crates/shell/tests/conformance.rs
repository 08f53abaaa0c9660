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
/// 589 generated, 12 in the curated `packages` document, 3 in `registry`).
const DOC_SELECT_METHODS: usize = 604;
/// Of those, the ones the loader does not serve as SELECT (listed in `SHOW UNSERVED`).
const UNSERVED_SELECT_METHODS: usize = 0;
/// SELECT methods of the curated services, which the stateful fake serves (not the schema).
const CURATED_SELECT_METHODS: usize = 15;
/// Services whose documents are curated: `tests/packages.rs` and `tests/registry.rs` check them
/// against the stateful fake.
const CURATED: [&str; 2] = ["packages", "registry"];

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

/// The JSON value a column reads from one row's item, or `None` for columns not read from it.
fn expected_field<'j>(source: &ColumnSource, item: &'j Json) -> Option<&'j Json> {
    static NULL: Json = Json::Null;
    match source {
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
                let Some(expected) = expected_field(&col.source, item) else {
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
         {booleans} optional boolean parameters sent as true; {} curated skipped; {} failures; \
         {} column type mismatches",
        doc_selects.len(),
        unserved.len(),
        checker.kinds[0],
        checker.kinds[1],
        checker.kinds[2],
        checker.kinds[3],
        checker.disambiguated,
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
