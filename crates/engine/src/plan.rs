//! From SQL constraints to a GitHub call: which method, which parameters, and what is pushed down.
//!
//! A pure function over the resource and SQLite's constraints; no SQLite, no HTTP.
//!
//! # Pushdown contract (as DataFusion's `supports_filters_pushdown`)
//! One [`Verdict`] per constraint, in SQLite's order:
//! - **Exact**: an `=` (or each value of an `IN`) on a column that echoes a parameter of the chosen
//!   method. The API returns only matching rows and the column reads back the value given, so
//!   SQLite may drop its own check (`omit`).
//!   So is an `=` on a parameter named like a response field that cannot read the value back
//!   ([`param_alone`]): a field the chosen method's rows lack, a JSON field (a repository's
//!   `owner` object), or one of another type; SQLite's check would drop every row.
//! - **Inexact**: an `=` on a column that supplies a parameter but reads a response field
//!   (`paramFields`, or a parameter named like a field: `id`, `name`, `visibility`). The value is
//!   sent, and SQLite still checks the field: GitHub may match more loosely than `=` (it answers
//!   `visibility=internal` with `private` packages for some registries, and names case-insensitively).
//! - **Unsupported**: everything else. SQLite filters the rows itself (correctness first). That
//!   includes a parameter the chosen method does not take but whose field its rows show: a
//!   get's row is checked against a list-only filter (`state = 'open'` beside `issue_number`),
//!   and a list's rows against a get's key (`id = 5` beside `state = 'deleted'`).
//!
//! Method choice follows StackQL: walk the SELECT methods in preference order (the loader puts the
//! method needing the most parameters first, then `sqlVerbs.select` order: a get before its
//! list) and take the first method whose required parameters all have a usable `=` and that
//! honours every parameter the WHERE gives, by sending it or by showing its field on its rows
//! (so SQLite checks it). When none honours them all, the first whose required parameters are
//! given is used; a parameter it neither sends nor shows is passed to the scan only so that its
//! column echoes the value (**Exact**: it cannot narrow that method's rows, docs/shell.md). So
//! a get's key with a list-only filter its row shows (`issue_number = 5 AND state = 'open'`)
//! is one GET and a check of the row, never a list whose key column reads NULL. When a
//! required parameter has an `=` that is not usable in this join order, the plan is "not
//! usable" (SQLite tries another order); when it has none at all, planning fails with
//! [`PlanError::MissingParams`].
//!
//! **IN lists** on a pushed parameter arrive whole in one `filter` call (SQLite's
//! `sqlite3_vtab_in`), and the sources are fetched concurrently.
//!
//! **LIMIT/OFFSET** are pushed only when every other constraint is Exact and there is no
//! ORDER BY (as DataFusion: a LIMIT cannot pass an Inexact filter). They are hints — fetch at least
//! LIMIT+OFFSET rows — never omitted: SQLite still applies both.
//!
//! # Encoding
//! `idx_num` is the method index; `idx_str` lists the parameter of each filter argument, in argv
//! order, comma-separated; `*name` marks an IN list, `@limit`/`@offset` the LIMIT and OFFSET.
//! [`Plan::encode`] and [`decode`] are the only two places that know it.

use std::collections::HashMap;

use crate::value::Value;

use crate::spec::{ColumnSource, JsonType, Method, Param, ParamLocation, Resource, SqlType};

/// The operator of a constraint, as far as planning cares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Op {
    /// `=` (IN lists arrive as `=`).
    Eq,
    /// `LIMIT n`.
    Limit,
    /// `OFFSET n`.
    Offset,
    /// Anything else (`<`, `LIKE`, `IS NOT NULL`, ...).
    #[default]
    Other,
}

/// One constraint SQLite offers to `best_index`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Constraint {
    /// Column index in the resource's table.
    pub column: usize,
    /// Operator.
    pub op: Op,
    /// Whether SQLite can supply the right-hand value in this join order.
    pub usable: bool,
    /// Whether it is an `IN (…)` that can arrive whole in one `filter` call.
    pub in_list: bool,
}

/// Filter-argument name for a pushed LIMIT.
pub const LIMIT_ARG: &str = "@limit";
/// Filter-argument name for a pushed OFFSET.
pub const OFFSET_ARG: &str = "@offset";

/// What the plan does with one constraint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Pushed down; SQLite may omit its own check.
    Exact,
    /// Pushed down, and SQLite checks the rows too (the column reads a response field).
    Inexact,
    /// Not pushed down; SQLite filters.
    Unsupported,
}

/// A chosen plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    /// Index into `resource.methods`.
    pub method: usize,
    /// Filter arguments in argv order: (constraint index, parameter name or `@limit`/`@offset`).
    pub args: Vec<(usize, String)>,
    /// Constraint indices whose IN list arrives whole.
    pub in_lists: Vec<usize>,
    /// One verdict per constraint, in the order given.
    pub verdicts: Vec<Verdict>,
    /// Rows the plan expects.
    pub estimated_rows: i64,
    /// Relative cost (requests dominate).
    pub estimated_cost: f64,
}

/// A plan as `filter` receives it back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Index into `resource.methods`.
    pub method: usize,
    /// The parameter each filter argument supplies, in argv order, and whether it is a whole
    /// IN list (`@limit`/`@offset` for the pushed LIMIT and OFFSET).
    pub params: Vec<(String, bool)>,
}

/// Why a query cannot be turned into a GitHub call. Nothing has been sent.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    /// Required parameters are absent from WHERE.
    #[error("{table} needs {} in WHERE (= or IN): {}", list(.missing), .example)]
    MissingParams {
        /// Table name.
        table: String,
        /// Parameters missing.
        missing: Vec<String>,
        /// An example WHERE clause.
        example: String,
    },
    /// A value outside the document's enum.
    #[error("{param} {value:?} is not valid; use one of: {}", .allowed.join(", "))]
    NotAllowed {
        /// Parameter.
        param: String,
        /// Value given.
        value: String,
        /// Allowed values.
        allowed: Vec<String>,
    },
    /// A non-integer value for an integer parameter.
    #[error("{param} must be a non-negative integer, got {value}")]
    NotInteger {
        /// Parameter.
        param: String,
        /// Value given (rendered).
        value: String,
    },
    /// A value that is too long to be a name.
    #[error("{param} is {len} bytes long; GitHub names are at most {max} bytes")]
    TooLong {
        /// Parameter.
        param: String,
        /// Length given.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// A method call (EXEC, SQL function) lacks required arguments.
    #[error("{method} needs {}: {example}", list(.missing))]
    MissingArgs {
        /// Method name.
        method: String,
        /// Missing parameters.
        missing: Vec<String>,
        /// An example call.
        example: String,
    },
    /// A method call names a parameter the method does not take.
    #[error("{method} has no parameter {param}; its parameters are {}", list(.known))]
    UnknownArg {
        /// Method name.
        method: String,
        /// The unknown name.
        param: String,
        /// Parameters the method takes.
        known: Vec<String>,
    },
    /// A request body field given a value its schema type cannot take.
    #[error("{param} must be {want}, got {value}")]
    BadBodyValue {
        /// Parameter (`data__private`).
        param: String,
        /// What the schema wants.
        want: String,
        /// Value given (rendered).
        value: String,
    },
    /// A JSON-typed body field (an object or array) whose text is not JSON.
    #[error("{param} must be JSON text (an object or array, e.g. '[\"a\",\"b\"]' or json_array('a','b') in SQLite): {detail}")]
    BadJson {
        /// Parameter (`data__topics`).
        param: String,
        /// What the JSON parser said.
        detail: String,
    },
    /// NULL given where a method call needs a value.
    #[error("{param} must not be NULL (only a body field GitHub's description marks nullable can be sent as null; leave it out to send nothing)")]
    NullArg {
        /// Parameter.
        param: String,
    },
    /// The JSON text `null` for a body field whose schema does not allow null.
    #[error("{param} is not nullable, so 'null' cannot be sent; give a value or leave it out")]
    NotNullable {
        /// Parameter (`data__private`).
        param: String,
    },
    /// A statement the resource does not support (INSERT, UPDATE, DELETE without a delete method).
    #[error("{table} supports {supported}; {verb} is not supported")]
    Unsupported {
        /// Table name.
        table: String,
        /// The refused verb.
        verb: String,
        /// What the resource supports.
        supported: String,
    },
    /// SELECT (or DELETE, which lists rows first) on a resource whose document gives it no
    /// SELECT method.
    #[error("{table} ({id}) has no SELECT method, so it cannot be queried (nor DELETEd from, which lists rows first); it supports {supported}, e.g. {example}")]
    NoSelect {
        /// Table name.
        table: String,
        /// StackQL id.
        id: String,
        /// What the resource supports.
        supported: String,
        /// An example call of its first method.
        example: String,
    },
    /// `idx_num`/`idx_str` did not decode (an engine bug, reported rather than panicking).
    #[error("internal planning error: {0}")]
    Internal(String),
}

fn list(v: &[String]) -> String {
    match v {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Whether an `=` on this column is the parameter alone, so SQLite must not check the column
/// too: a parameter column, or a parameter named like a field ([`ColumnSource::ParamField`]) when
/// the field cannot read back the value given:
/// - the method's rows lack it (columns are the union of the SELECT methods' rows);
/// - its type is not the parameter's (a repository's `owner` is an object; a workflow's
///   `workflow_id` is its number, the parameter also takes its file name);
/// - it is a text path parameter: the path addressed the row, and GitHub may write the field
///   otherwise (a git `ref` given as `heads/main` comes back `refs/heads/main`; logins are
///   case-insensitive).
///
/// Query parameters are filters GitHub may apply loosely (maven packages listed with
/// `visibility=internal` come back `private`), and integer ids read back as given: SQLite checks
/// those.
pub fn param_alone(method: &Method, column: &crate::spec::Column) -> bool {
    match &column.source {
        ColumnSource::Param(_) => true,
        ColumnSource::ParamField { param, field } => match method.param(param) {
            None => true,
            Some(p) => {
                !method.fields.iter().any(|f| f == field)
                    || column.sql_type == SqlType::Json
                    || p.sql_type != column.sql_type
                    || (p.location == ParamLocation::Path && p.sql_type == SqlType::Text)
            }
        },
        _ => false,
    }
}

/// Whether `method`'s rows read column `column` back from a response field of the parameter's
/// type, so SQLite can check an `=` on it there: a field column, or a parameter column that
/// reads a field ([`ColumnSource::ParamField`]) the method's rows carry.
pub fn reads_back(resource: &Resource, method: &Method, column: &crate::spec::Column) -> bool {
    match &column.source {
        ColumnSource::ParamField { param, field } => {
            method.fields.iter().any(|f| f == field)
                && column.sql_type != SqlType::Json
                && resource
                    .param(param)
                    .is_some_and(|p| p.sql_type == column.sql_type)
        }
        _ => false,
    }
}

/// An example WHERE clause giving the parameters.
pub fn example_where(resource: &Resource, params: &[&Param]) -> String {
    let parts: Vec<String> = params
        .iter()
        .map(|p| match (&p.allowed, p.sql_type) {
            (Some(a), _) if !a.is_empty() => format!("{} = '{}'", p.name, a[0]),
            (_, SqlType::Integer) => format!("{} = 123", p.name),
            _ => format!(
                "{} = 'my-{}'",
                p.name,
                p.name
                    .trim_start_matches(crate::spec::BODY_PREFIX)
                    .trim_end_matches("_name")
                    .replace('_', "-")
            ),
        })
        .collect();
    format!(
        "SELECT * FROM {} WHERE {}",
        resource.name,
        parts.join(" AND ")
    )
}

/// Plans a SELECT (or the scan of a DELETE). `Ok(None)` means "not usable in this join order".
/// `ordered`: the query has an ORDER BY (then a LIMIT is not pushed).
pub fn plan_select(
    resource: &Resource,
    constraints: &[Constraint],
    ordered: bool,
) -> Result<Option<Plan>, PlanError> {
    if resource.select.is_empty() {
        return Err(PlanError::NoSelect {
            table: resource.name.clone(),
            id: resource.id.clone(),
            supported: resource.supported_statements(),
            example: resource
                .exec
                .first()
                .map(|&m| crate::examples::example_exec(resource, &resource.methods[m]))
                .unwrap_or_else(|| "nothing".into()),
        });
    }
    let param_of = |c: &Constraint| resource.columns.get(c.column).and_then(|col| col.param());
    // First usable `=` for each parameter.
    let mut usable: HashMap<&str, usize> = HashMap::new();
    let mut present: Vec<&str> = Vec::new();
    for (i, c) in constraints.iter().enumerate() {
        if c.op != Op::Eq {
            continue;
        }
        if let Some(p) = param_of(c) {
            present.push(p);
            // Only what a SELECT method takes: a body field or a delete method's parameter is
            // a column SQLite filters.
            let selectable = resource
                .select
                .iter()
                .any(|&m| resource.methods[m].param(p).is_some());
            if c.usable && selectable {
                usable.entry(p).or_insert(i);
            }
        }
    }
    let satisfiable = |m: usize| {
        resource.methods[m]
            .required()
            .all(|p| usable.contains_key(p.name.as_str()))
    };
    // Whether method `m` honours the `=` on parameter `p` (constraint `i`): it sends it, or its
    // rows read the column's field back so SQLite checks it there (`state` on an issue's row).
    let honours = |m: usize, p: &str, i: usize| {
        resource.methods[m].param(p).is_some()
            || resource
                .columns
                .get(constraints[i].column)
                .is_some_and(|c| reads_back(resource, &resource.methods[m], c))
    };
    // StackQL's order (the method needing the most parameters first: a get before its list),
    // and the first method that honours every parameter the WHERE gives. A get given a
    // list-only filter its rows show (`issue_number = 5 AND state = 'open'`) is used, and the
    // filter checked on its row; one its rows cannot show (`id = 5 AND state = 'deleted'` on
    // package versions) takes the list, which sends it and reads the key back. When no method
    // honours them all, the first whose required parameters are given is used, and a
    // parameter it neither sends nor reads echoes the WHERE's value ([`Plan::args`]).
    let chosen = resource
        .select
        .iter()
        .copied()
        .filter(|&m| satisfiable(m))
        .find(|&m| usable.iter().all(|(p, &i)| honours(m, p, i)))
        .or_else(|| resource.select.iter().copied().find(|&m| satisfiable(m)));
    let Some(m) = chosen else {
        let needed = resource.select_required();
        let missing: Vec<&Param> = needed
            .iter()
            .copied()
            .filter(|p| !present.contains(&p.name.as_str()))
            .collect();
        if missing.is_empty() {
            return Ok(None);
        }
        return Err(PlanError::MissingParams {
            table: resource.name.clone(),
            missing: missing.iter().map(|p| p.name.clone()).collect(),
            example: example_where(resource, &needed),
        });
    };
    let method = &resource.methods[m];
    let mut args: Vec<(usize, String)> = method
        .params
        .iter()
        .filter_map(|p| usable.get(p.name.as_str()).map(|&i| (i, p.name.clone())))
        .collect();
    let mut verdicts = vec![Verdict::Unsupported; constraints.len()];
    for (i, _) in &args {
        let echoes = resource
            .columns
            .get(constraints[*i].column)
            .is_some_and(|c| param_alone(method, c));
        verdicts[*i] = if echoes {
            Verdict::Exact
        } else {
            Verdict::Inexact
        };
    }
    // Parameters the method does not send: read back from the rows' field (SQLite checks it),
    // else echoed by their column (passed to the scan, never sent).
    let mut echoed = Vec::new();
    for (p, &i) in &usable {
        if method.param(p).is_some() {
            continue;
        }
        let read = resource
            .columns
            .get(constraints[i].column)
            .is_some_and(|c| reads_back(resource, method, c));
        // Read back: not sent, so not pushed down (Unsupported); SQLite checks the row's field.
        if !read {
            // The method cannot apply it nor show it: its column echoes the value where it can
            // (an `actor` object column cannot), and SQLite leaves it be, as for a parameter
            // named like a field that cannot read it back ([`param_alone`]).
            verdicts[i] = Verdict::Exact;
            echoed.push(i);
            args.push((i, p.to_string()));
        }
    }
    args.sort_by_key(|(i, _)| *i);
    let in_lists: Vec<usize> = args
        .iter()
        .map(|(i, _)| *i)
        .filter(|&i| constraints[i].in_list && !echoed.contains(&i))
        .collect();
    let single = method.returns != crate::spec::Returns::Array;
    // LIMIT/OFFSET: hints, only when nothing is left for SQLite to filter.
    let all_exact = constraints
        .iter()
        .zip(&verdicts)
        .all(|(c, v)| matches!(c.op, Op::Limit | Op::Offset) || *v == Verdict::Exact);
    if all_exact && !ordered && !single {
        for (i, c) in constraints.iter().enumerate() {
            let name = match c.op {
                Op::Limit => LIMIT_ARG,
                Op::Offset => OFFSET_ARG,
                _ => continue,
            };
            if c.usable && !args.iter().any(|(_, n)| n == name) {
                args.push((i, name.to_string()));
            }
        }
    }
    let (estimated_rows, estimated_cost) = if single {
        (1, 10.0)
    } else {
        // Optional filters (e.g. state) narrow the list a little; prefer plans that use them.
        (1000, 10_000.0 - args.len() as f64)
    };
    Ok(Some(Plan {
        method: m,
        args,
        in_lists,
        verdicts,
        estimated_rows,
        estimated_cost,
    }))
}

impl Plan {
    /// `(idx_num, idx_str)` for SQLite.
    pub fn encode(&self) -> (i32, String) {
        let names: Vec<String> = self
            .args
            .iter()
            .map(|(i, p)| {
                if self.in_lists.contains(i) {
                    format!("*{p}")
                } else {
                    p.clone()
                }
            })
            .collect();
        (
            i32::try_from(self.method).unwrap_or(i32::MAX),
            names.join(","),
        )
    }
}

/// Reads back what [`Plan::encode`] wrote.
pub fn decode(
    resource: &Resource,
    idx_num: i32,
    idx_str: Option<&str>,
) -> Result<Decoded, PlanError> {
    let method = usize::try_from(idx_num)
        .ok()
        .filter(|&m| m < resource.methods.len())
        .ok_or_else(|| PlanError::Internal(format!("bad method index {idx_num}")))?;
    let params: Vec<(String, bool)> = match idx_str {
        None | Some("") => Vec::new(),
        Some(s) => s
            .split(',')
            .map(|p| match p.strip_prefix('*') {
                Some(name) => (name.to_string(), true),
                None => (p.to_string(), false),
            })
            .collect(),
    };
    for (p, _) in &params {
        // A parameter of another SELECT method is one the scan echoes ([`bind_select`]).
        let known = resource.methods[method].param(p).is_some()
            || resource
                .select
                .iter()
                .any(|&m| resource.methods[m].param(p).is_some());
        if p != LIMIT_ARG && p != OFFSET_ARG && !known {
            return Err(PlanError::Internal(format!("method has no parameter {p}")));
        }
    }
    Ok(Decoded { method, params })
}

/// Parameters ready for a request, plus the SQL values the parameter columns echo.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bound {
    /// Path parameters (raw; the client percent-encodes them).
    pub path: Vec<(String, String)>,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// What each given parameter's column reads back.
    pub echo: HashMap<String, Value>,
    /// Request body fields given (`data__name` → `name`), as JSON values, in the order given.
    pub body: Vec<(String, serde_json::Value)>,
}

impl Bound {
    /// The JSON body to send: the fields given, as an object; `{}` when none was given and the
    /// body is required; nothing for a method without a body (or an optional one left empty).
    pub fn body_json(&self, method: &Method) -> Option<serde_json::Value> {
        let body = method.body.as_ref()?;
        if self.body.is_empty() && !body.required {
            return None;
        }
        Some(serde_json::Value::Object(
            self.body.iter().cloned().collect(),
        ))
    }
}

/// A body field's value as JSON, typed by its schema: integers and numbers as numbers, booleans
/// as `true`/`false` (SQL's 1/0), objects and arrays parsed from their JSON text.
fn body_value(p: &Param, v: Value) -> Result<serde_json::Value, PlanError> {
    use serde_json::Value as Json;
    let name = &p.name;
    let text = |v: &Value| match v {
        Value::Text(t) => Some(t.clone()),
        Value::Blob(b) => String::from_utf8(b.clone()).ok(),
        _ => None,
    };
    let bad = |want: &str, v: &Value| PlanError::BadBodyValue {
        param: name.clone(),
        want: want.to_string(),
        value: render(v),
    };
    // The text `null` for a field that is not text: JSON null, where the field is nullable
    // (INSERT, UPDATE and REPLACE, where a NULL means "not given").
    if let Value::Text(t) = &v {
        if t.trim() == "null" && !matches!(p.json_type, JsonType::String | JsonType::Any) {
            return if p.nullable {
                Ok(Json::Null)
            } else {
                Err(PlanError::NotNullable {
                    param: name.clone(),
                })
            };
        }
    }
    let json = match (p.json_type, &v) {
        (JsonType::Boolean, v) => match boolean(v) {
            Some(b) => Json::Bool(b),
            None => return Err(bad("a boolean (true/false or 1/0)", v)),
        },
        (JsonType::Integer, Value::Integer(i)) => Json::from(*i),
        (JsonType::Integer, Value::Real(r)) if r.fract() == 0.0 && r.abs() < 9.0e15 => {
            Json::from(*r as i64)
        }
        (JsonType::Integer, Value::Text(t)) => match t.trim().parse::<i64>() {
            Ok(i) => Json::from(i),
            Err(_) => return Err(bad("an integer", &v)),
        },
        (JsonType::Integer, _) => return Err(bad("an integer", &v)),
        (JsonType::Number, Value::Integer(i)) => Json::from(*i),
        (JsonType::Number, Value::Real(r)) => serde_json::Number::from_f64(*r)
            .map(Json::Number)
            .ok_or_else(|| bad("a finite number", &v))?,
        (JsonType::Number, Value::Text(t)) => match t
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
        {
            Some(n) => Json::Number(n),
            None => return Err(bad("a number", &v)),
        },
        (JsonType::Number, _) => return Err(bad("a number", &v)),
        (JsonType::Json, Value::Integer(i)) => Json::from(*i),
        (JsonType::Json, Value::Real(r)) => Json::from(*r),
        (JsonType::Json, _) => {
            let t = text(&v).ok_or_else(|| bad("JSON text", &v))?;
            serde_json::from_str(&t).map_err(|e| PlanError::BadJson {
                param: name.clone(),
                detail: e.to_string(),
            })?
        }
        (JsonType::Any, Value::Integer(i)) => Json::from(*i),
        (JsonType::Any, Value::Real(r)) => Json::from(*r),
        (JsonType::Any, _) => {
            let t = text(&v).ok_or_else(|| bad("text or JSON", &v))?;
            // JSON when it is JSON (`["a","b"]`), else the text itself.
            serde_json::from_str(&t).unwrap_or(Json::String(t))
        }
        (JsonType::String, Value::Integer(i)) => Json::String(i.to_string()),
        (JsonType::String, Value::Real(r)) => Json::String(r.to_string()),
        (JsonType::String, _) => Json::String(text(&v).ok_or_else(|| bad("text", &v))?),
    };
    if let (Some(allowed), Json::String(s)) = (&p.allowed, &json) {
        if !allowed.iter().any(|a| a == s) {
            return Err(PlanError::NotAllowed {
                param: name.clone(),
                value: s.clone(),
                allowed: allowed.clone(),
            });
        }
    }
    Ok(json)
}

/// Longest value accepted for a text parameter (GitHub names are far shorter).
pub const MAX_TEXT_PARAM: usize = 4096;

/// Checks and converts the filter arguments. `Ok(None)`: a NULL was given, so no row can match
/// (`x = NULL` is never true) and nothing is sent.
pub fn bind(
    method: &Method,
    params: &[String],
    values: Vec<Value>,
) -> Result<Option<Bound>, PlanError> {
    let mut bound = Bound::default();
    for (name, v) in params.iter().zip(values) {
        let Some(p) = method.param(name) else {
            return Err(PlanError::Internal(format!(
                "method has no parameter {name}"
            )));
        };
        if let Some(field) = p.body_field() {
            let json = match v {
                // Named with NULL (EXEC, a function's '@name' argument): JSON null for a field
                // the description marks nullable ([`crate::plan::bind_named`] refuses others).
                Value::Null if p.nullable => serde_json::Value::Null,
                Value::Null => return Ok(None),
                v => body_value(p, v)?,
            };
            bound.body.push((field.to_string(), json));
            continue;
        }
        let Some((api, echo)) = convert(p, v)? else {
            return Ok(None);
        };
        match p.location {
            ParamLocation::Path => bound.path.push((name.clone(), api)),
            ParamLocation::Query => bound.query.push((name.clone(), api)),
            ParamLocation::Body => {}
        }
        bound.echo.insert(name.clone(), echo);
    }
    Ok(Some(bound))
}

/// A path or query parameter's value: the text sent and what its column echoes; `Ok(None)` for
/// NULL. Checked against the parameter's type, length and enum.
fn convert(p: &Param, v: Value) -> Result<Option<(String, Value)>, PlanError> {
    let name = &p.name;
    let (api, echo) = match (p.sql_type, v) {
        (_, Value::Null) => return Ok(None),
        (_, v) if p.is_boolean() => match boolean(&v) {
            Some(b) => (b.to_string(), Value::Integer(i64::from(b))),
            None => {
                return Err(PlanError::NotAllowed {
                    param: name.clone(),
                    value: render(&v),
                    allowed: vec!["true".into(), "false".into()],
                })
            }
        },
        (SqlType::Integer, Value::Integer(i)) if i >= 0 => (i.to_string(), Value::Integer(i)),
        (SqlType::Integer, Value::Text(t)) => match t.trim().parse::<i64>() {
            // StackQL's docs quote ids: `package_version_id = '123'`.
            Ok(i) if i >= 0 => (i.to_string(), Value::Integer(i)),
            _ => return Err(not_integer(name, &format!("{t:?}"))),
        },
        (SqlType::Integer, Value::Real(r)) if r >= 0.0 && r.fract() == 0.0 && r < 9.0e15 => {
            let i = r as i64;
            (i.to_string(), Value::Integer(i))
        }
        (SqlType::Integer, other) => return Err(not_integer(name, &render(&other))),
        (_, Value::Text(t)) => (t.clone(), Value::Text(t)),
        (_, Value::Integer(i)) => (i.to_string(), Value::Text(i.to_string())),
        (_, Value::Real(r)) => (r.to_string(), Value::Text(r.to_string())),
        (_, Value::Blob(b)) => match String::from_utf8(b) {
            Ok(t) => (t.clone(), Value::Text(t)),
            Err(_) => return Err(not_integer(name, "a blob")),
        },
    };
    if api.len() > MAX_TEXT_PARAM {
        return Err(PlanError::TooLong {
            param: name.clone(),
            len: api.len(),
            max: MAX_TEXT_PARAM,
        });
    }
    if let Some(allowed) = &p.allowed {
        if !allowed.iter().any(|a| a == &api) {
            return Err(PlanError::NotAllowed {
                param: name.clone(),
                value: api,
                allowed: allowed.clone(),
            });
        }
    }
    Ok(Some((api, echo)))
}

/// [`bind`] for a scan: `params` may also name parameters of the resource's other SELECT
/// methods, which `method` does not take ([`plan_select`] passes them when no method honours
/// every parameter the WHERE gives). Those are checked and echoed by their columns, never sent.
pub fn bind_select(
    resource: &Resource,
    method: &Method,
    params: &[String],
    values: Vec<Value>,
) -> Result<Option<Bound>, PlanError> {
    let mut sent = (Vec::new(), Vec::new());
    let mut echoed = Vec::new();
    for (name, v) in params.iter().zip(values) {
        match method.param(name) {
            Some(_) => {
                sent.0.push(name.clone());
                sent.1.push(v);
            }
            None => {
                let decl = resource
                    .select
                    .iter()
                    .find_map(|&m| resource.methods[m].param(name))
                    .ok_or_else(|| {
                        PlanError::Internal(format!("no SELECT method has a parameter {name}"))
                    })?;
                match convert(decl, v)? {
                    Some((_, echo)) => echoed.push((name.clone(), echo)),
                    None => return Ok(None),
                }
            }
        }
    }
    let Some(mut bound) = bind(method, &sent.0, sent.1)? else {
        return Ok(None);
    };
    bound.echo.extend(echoed);
    Ok(Some(bound))
}

/// A boolean parameter's value: SQL's 1/0 (what TRUE/FALSE are), or the text true/false/1/0.
fn boolean(v: &Value) -> Option<bool> {
    match v {
        Value::Integer(0) => Some(false),
        Value::Integer(1) => Some(true),
        Value::Text(t) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn not_integer(param: &str, value: &str) -> PlanError {
    PlanError::NotInteger {
        param: param.to_string(),
        value: value.to_string(),
    }
}

fn render(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Text(t) => format!("{t:?}"),
        Value::Blob(_) => "a blob".into(),
    }
}

/// Checks named arguments against the method: unknown names, missing required ones, NULLs,
/// types and enums. Nothing is sent.
pub fn bind_named(
    resource: &Resource,
    method: &Method,
    args: &[(String, Value)],
) -> Result<Bound, PlanError> {
    for (name, _) in args {
        if method.param(name).is_none() {
            return Err(PlanError::UnknownArg {
                method: method.name.clone(),
                param: name.clone(),
                known: method.params.iter().map(|p| p.name.clone()).collect(),
            });
        }
    }
    let missing: Vec<String> = resource
        .call_order(method)
        .iter()
        .filter(|p| p.required && !args.iter().any(|(n, _)| n == &p.name))
        .map(|p| p.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(PlanError::MissingArgs {
            method: method.name.clone(),
            missing,
            example: crate::examples::example_exec(resource, method),
        });
    }
    // A body field named with NULL is sent as JSON null when its schema is nullable.
    let null_ok = |n: &str| {
        method
            .param(n)
            .is_some_and(|p| p.nullable && p.location == crate::spec::ParamLocation::Body)
    };
    if let Some((name, _)) = args.iter().find(|(n, v)| *v == Value::Null && !null_ok(n)) {
        return Err(PlanError::NullArg {
            param: name.clone(),
        });
    }
    let names: Vec<String> = args.iter().map(|(n, _)| n.clone()).collect();
    let values: Vec<Value> = args.iter().map(|(_, v)| v.clone()).collect();
    bind(method, &names, values)?
        .ok_or_else(|| PlanError::Internal("NULL after the NULL check".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::load_embedded;
    use std::sync::Arc;

    fn res() -> Arc<Resource> {
        load_embedded()
            .expect("provider")
            .resource_by_name("auth_user_versions")
            .expect("resource")
            .clone()
    }

    fn col(r: &Resource, name: &str) -> usize {
        r.column_index(name).expect(name)
    }

    fn eq(r: &Resource, name: &str) -> Constraint {
        Constraint {
            column: col(r, name),
            op: Op::Eq,
            usable: true,
            in_list: false,
        }
    }

    fn method_name(r: &Resource, p: &Plan) -> String {
        r.methods[p.method].name.clone()
    }

    #[test]
    fn method_choice_table() {
        let r = res();
        let list = "get_all_package_versions_for_package_owned_by_authenticated_user";
        let get = "get_package_version_for_authenticated_user";
        let cases: Vec<(Vec<Constraint>, &str, Vec<&str>)> = vec![
            (
                vec![eq(&r, "package_name"), eq(&r, "package_type")],
                list,
                vec!["package_name", "package_type"],
            ),
            (
                vec![eq(&r, "package_type"), eq(&r, "package_name"), eq(&r, "id")],
                get,
                vec!["package_type", "package_name", "package_version_id"],
            ),
            (
                vec![
                    eq(&r, "package_version_id"),
                    eq(&r, "package_type"),
                    eq(&r, "package_name"),
                ],
                get,
                vec!["package_version_id", "package_type", "package_name"],
            ),
            (
                vec![
                    eq(&r, "package_name"),
                    eq(&r, "package_type"),
                    eq(&r, "state"),
                ],
                list,
                vec!["package_name", "package_type", "state"],
            ),
        ];
        for (cons, want_method, want_args) in cases {
            let p = plan_select(&r, &cons, false)
                .expect("plans")
                .expect("usable");
            assert_eq!(method_name(&r, &p), want_method);
            let args: Vec<&str> = p.args.iter().map(|(_, n)| n.as_str()).collect();
            assert_eq!(args, want_args);
            for (c, v) in cons.iter().zip(&p.verdicts) {
                // Echo columns are exact; `id`/`package_version_id` read the response's id, so
                // SQLite keeps checking them.
                let name = r.columns[c.column].name.as_str();
                let want = if matches!(name, "id" | "package_version_id") {
                    Verdict::Inexact
                } else {
                    Verdict::Exact
                };
                assert_eq!(*v, want, "{name}");
            }
        }
    }

    #[test]
    fn a_parameter_named_like_a_field_that_cannot_read_it_back_is_exact() {
        // As if `package_name` (a text path parameter) were also a field of the rows: SQLite
        // never checks it, since the path addressed the rows and GitHub may write the field
        // otherwise (a `ref` comes back `refs/heads/…`); nor when the rows lack it or have
        // another type (a repository's `owner` object, a run list without `run_id`).
        let mut r = (*res()).clone();
        let i = col(&r, "package_name");
        r.columns[i].source = ColumnSource::ParamField {
            param: "package_name".into(),
            field: "package_name".into(),
        };
        let cons = vec![eq(&r, "package_name"), eq(&r, "package_type")];
        let list = r.select[1];
        for (in_rows, t, want) in [
            (true, SqlType::Text, Verdict::Exact),
            (true, SqlType::Json, Verdict::Exact),
            (true, SqlType::Integer, Verdict::Exact),
            (false, SqlType::Text, Verdict::Exact),
        ] {
            r.columns[i].sql_type = t;
            r.methods[list].fields.retain(|f| f != "package_name");
            if in_rows {
                r.methods[list].fields.push("package_name".into());
            }
            let p = plan_select(&r, &cons, false)
                .expect("plans")
                .expect("usable");
            assert_eq!(p.method, list);
            assert_eq!(p.verdicts[0], want, "in rows: {in_rows}, {t:?}");
            assert_eq!(p.verdicts[1], Verdict::Exact);
        }
    }

    #[test]
    fn a_filter_only_the_list_takes_picks_the_list() {
        let r = res();
        let cons = vec![
            eq(&r, "package_name"),
            eq(&r, "package_type"),
            eq(&r, "id"),
            eq(&r, "state"),
        ];
        let p = plan_select(&r, &cons, false)
            .expect("plans")
            .expect("usable");
        assert_eq!(
            method_name(&r, &p),
            "get_all_package_versions_for_package_owned_by_authenticated_user"
        );
        assert_eq!(
            p.verdicts,
            vec![
                Verdict::Exact,
                Verdict::Exact,
                Verdict::Unsupported,
                Verdict::Exact
            ]
        );
    }

    #[test]
    fn other_constraints_stay_with_sqlite() {
        let r = res();
        let cons = vec![
            eq(&r, "package_name"),
            Constraint {
                column: col(&r, "created_at"),
                op: Op::Other,
                usable: true,
                in_list: false,
            },
            eq(&r, "package_type"),
            eq(&r, "name"),
            // A second `=` on the same parameter is checked by SQLite, not sent.
            eq(&r, "package_name"),
        ];
        let p = plan_select(&r, &cons, false)
            .expect("plans")
            .expect("usable");
        assert_eq!(
            p.verdicts,
            vec![
                Verdict::Exact,
                Verdict::Unsupported,
                Verdict::Exact,
                Verdict::Unsupported,
                Verdict::Unsupported
            ]
        );
    }

    #[test]
    fn missing_parameters_are_named_with_an_example() {
        let r = res();
        let err = plan_select(&r, &[eq(&r, "name")], false).expect_err("missing");
        let msg = err.to_string();
        assert!(
            msg.starts_with("auth_user_versions needs package_name and package_type"),
            "{msg}"
        );
        assert!(
            msg.contains("WHERE package_name = 'my-package' AND package_type = 'npm'"),
            "{msg}"
        );
        let err = plan_select(&r, &[eq(&r, "package_name")], false).expect_err("missing type");
        assert!(
            err.to_string().contains("needs package_type in WHERE"),
            "{err}"
        );
        let like = Constraint {
            column: col(&r, "package_type"),
            op: Op::Other,
            usable: true,
            in_list: false,
        };
        assert!(
            plan_select(&r, &[eq(&r, "package_name"), like], false).is_err(),
            "LIKE is not ="
        );
    }

    #[test]
    fn unusable_constraint_means_try_another_order() {
        let r = res();
        let mut name = eq(&r, "package_name");
        name.usable = false;
        assert_eq!(
            plan_select(&r, &[name, eq(&r, "package_type")], false),
            Ok(None)
        );
    }

    #[test]
    fn limit_is_pushed_only_over_exact_filters_without_order_by() {
        let r = res();
        let limit = Constraint {
            op: Op::Limit,
            usable: true,
            ..Constraint::default()
        };
        let offset = Constraint {
            op: Op::Offset,
            usable: true,
            ..Constraint::default()
        };
        let names = |p: &Plan| p.args.iter().map(|(_, n)| n.clone()).collect::<Vec<_>>();
        let p = plan_select(
            &r,
            &[
                eq(&r, "package_name"),
                eq(&r, "package_type"),
                limit,
                offset,
            ],
            false,
        )
        .expect("ok")
        .expect("plan");
        assert_eq!(
            names(&p),
            vec!["package_name", "package_type", LIMIT_ARG, OFFSET_ARG]
        );
        assert_eq!(
            p.verdicts[2],
            Verdict::Unsupported,
            "SQLite still applies LIMIT"
        );
        let p = plan_select(
            &r,
            &[eq(&r, "package_name"), eq(&r, "package_type"), limit],
            true,
        )
        .expect("ok")
        .expect("plan");
        assert_eq!(
            names(&p),
            vec!["package_name", "package_type"],
            "ORDER BY needs every row"
        );
        let created = Constraint {
            column: col(&r, "created_at"),
            op: Op::Other,
            usable: true,
            in_list: false,
        };
        let p = plan_select(
            &r,
            &[
                eq(&r, "package_name"),
                eq(&r, "package_type"),
                created,
                limit,
            ],
            false,
        )
        .expect("ok")
        .expect("plan");
        assert_eq!(
            names(&p),
            vec!["package_name", "package_type"],
            "an Inexact filter blocks LIMIT"
        );
    }

    #[test]
    fn in_lists_are_marked_in_the_encoding() {
        let r = res();
        let mut name = eq(&r, "package_name");
        name.in_list = true;
        let p = plan_select(&r, &[eq(&r, "package_type"), name], false)
            .expect("ok")
            .expect("plan");
        assert_eq!(p.in_lists, vec![1]);
        let (n, s) = p.encode();
        assert_eq!(s, "package_type,*package_name");
        assert_eq!(
            decode(&r, n, Some(&s)).expect("decodes").params[1],
            ("package_name".to_string(), true)
        );
    }

    #[test]
    fn encoding_round_trips() {
        let r = res();
        let p = plan_select(
            &r,
            &[eq(&r, "package_type"), eq(&r, "id"), eq(&r, "package_name")],
            false,
        )
        .expect("plans")
        .expect("usable");
        let (n, s) = p.encode();
        let d = decode(&r, n, Some(&s)).expect("decodes");
        assert_eq!(d.method, p.method);
        assert_eq!(
            d.params,
            vec![
                ("package_type".to_string(), false),
                ("package_version_id".to_string(), false),
                ("package_name".to_string(), false)
            ]
        );
        assert!(decode(&r, 99, None).is_err());
        assert!(decode(&r, n, Some("nope")).is_err());
    }

    #[test]
    fn boolean_parameters_go_out_as_true_and_false() {
        let r = res();
        let mut list = r.methods[r.select[1]].clone();
        let mut flag = list.param("state").expect("state").clone();
        flag.name = "all".into();
        flag.sql_type = SqlType::Integer;
        flag.allowed = None;
        flag.json_type = JsonType::Boolean;
        list.params.push(flag);
        let names = vec!["all".to_string()];
        for (v, api, echo) in [
            (Value::Integer(1), "true", 1),
            (Value::Integer(0), "false", 0),
            (Value::Text("True".into()), "true", 1),
            (Value::Text("0".into()), "false", 0),
        ] {
            let b = bind(&list, &names, vec![v])
                .expect("binds")
                .expect("not null");
            assert_eq!(b.query, vec![("all".to_string(), api.to_string())]);
            assert_eq!(b.echo["all"], Value::Integer(echo));
        }
        let e = bind(&list, &names, vec![Value::Integer(2)]).expect_err("not a boolean");
        assert_eq!(
            e.to_string(),
            "all \"2\" is not valid; use one of: true, false"
        );
    }

    #[test]
    fn binding_checks_values_before_any_request() {
        let r = res();
        let get = &r.methods[r.select[0]];
        let params: Vec<String> = ["package_type", "package_name", "package_version_id"]
            .map(String::from)
            .to_vec();
        let ok = bind(
            get,
            &params,
            vec![
                Value::Text("container".into()),
                Value::Text("team/app".into()),
                Value::Text("42".into()),
            ],
        )
        .expect("binds")
        .expect("not null");
        assert_eq!(ok.path[2], ("package_version_id".into(), "42".into()));
        assert_eq!(ok.echo["package_version_id"], Value::Integer(42));
        let e = bind(
            get,
            &params,
            vec![
                Value::Text("pypi".into()),
                Value::Text("x".into()),
                Value::Integer(1),
            ],
        )
        .expect_err("enum");
        assert_eq!(e.to_string(), "package_type \"pypi\" is not valid; use one of: npm, maven, rubygems, docker, nuget, container");
        for bad in [
            Value::Text("abc".into()),
            Value::Integer(-1),
            Value::Real(1.5),
        ] {
            let e = bind(
                get,
                &params,
                vec![Value::Text("npm".into()), Value::Text("x".into()), bad],
            )
            .expect_err("int");
            assert!(
                e.to_string()
                    .starts_with("package_version_id must be a non-negative integer"),
                "{e}"
            );
        }
        let none = bind(
            get,
            &params,
            vec![Value::Text("npm".into()), Value::Null, Value::Integer(1)],
        )
        .expect("binds");
        assert_eq!(none, None);
        let long = "x".repeat(20_000);
        let e = bind(
            get,
            &params,
            vec![
                Value::Text("npm".into()),
                Value::Text(long),
                Value::Integer(1),
            ],
        )
        .expect_err("long");
        assert!(
            e.to_string().contains("package_name is 20000 bytes long"),
            "{e}"
        );
    }
}
