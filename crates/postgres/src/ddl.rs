//! The SQL `IMPORT FOREIGN SCHEMA` runs, generated from the provider document: one
//! `CREATE FOREIGN TABLE` per resource (the SQLite table's columns, with Postgres types) and one
//! SQL function per EXEC method, with named parameters, in the same schema.

use github_sql_engine::spec::{Column, Method, Resource, Returns, SqlType};

use crate::servers::RESOURCE_OPTION;

/// A quoted identifier.
pub fn ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// A quoted literal.
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The Postgres type of a column.
pub fn pg_type(c: &Column) -> &'static str {
    match (c.sql_type, c.timestamp) {
        (SqlType::Text, true) => "timestamptz",
        (SqlType::Integer, _) => "bigint",
        (SqlType::Real, _) => "double precision",
        (SqlType::Text, _) => "text",
        (SqlType::Json, _) => "jsonb",
    }
}

/// Whether the table takes INSERT or UPDATE: then its body fields are columns too.
fn writable(r: &Resource) -> bool {
    !r.insert.is_empty() || !r.update.is_empty()
}

/// The column whose value identifies a row for DELETE and UPDATE (`rowid_column`): `id` when the
/// resource has one, else its first column. Every table names one: supabase-wrappers asks for it
/// before the wrapper sees the statement, and only then can a verb the table does not take be
/// refused in words (an INSERT needs one named too).
pub fn rowid_column(r: &Resource) -> Option<&str> {
    r.columns
        .iter()
        .find(|c| c.name == "id")
        .or(r.columns.first())
        .map(|c| c.name.as_str())
}

/// `CREATE FOREIGN TABLE` for a resource.
pub fn create_table(schema: &str, server: &str, r: &Resource) -> String {
    // Body fields are what INSERT and UPDATE send: a table that takes neither leaves them out,
    // so BI tools do not list columns that are always NULL.
    let cols: Vec<String> = r
        .columns
        .iter()
        .filter(|c| writable(r) || !r.is_body_only(c))
        .map(|c| format!("{} {}", ident(&c.name), pg_type(c)))
        .collect();
    let mut options = vec![format!("{RESOURCE_OPTION} {}", literal(&r.id))];
    if let Some(rowid) = rowid_column(r) {
        options.push(format!("rowid_column {}", literal(rowid)));
    }
    format!(
        "CREATE FOREIGN TABLE {}.{} ({}) SERVER {} OPTIONS ({})",
        ident(schema),
        // The schema is the service's, so the resource's own name cannot collide.
        ident(&r.resource_name),
        cols.join(", "),
        ident(server),
        options.join(", ")
    )
}

/// The SQL function for an EXEC method: named parameters (optional ones default to NULL),
/// calling the generic `github_sql_exec` with the server, the resource, the method and the
/// arguments as JSON. It returns GitHub's JSON answer (`jsonb`), or for a method that answers
/// with no body the text `ok`.
pub fn create_function(
    schema: &str,
    exec_fn: &str,
    server: &str,
    r: &Resource,
    m: &Method,
) -> String {
    let params = r.call_order(m);
    let args: Vec<String> = params
        .iter()
        .map(|p| {
            let ty = match p.sql_type {
                SqlType::Integer => "bigint",
                SqlType::Real => "double precision",
                SqlType::Json => "jsonb",
                SqlType::Text => "text",
            };
            let default = if p.required { "" } else { " DEFAULT NULL" };
            format!("{} {ty}{default}", ident(&p.name))
        })
        .collect();
    let json: Vec<String> = params
        .iter()
        .map(|p| format!("{}, {}", literal(&p.name), ident(&p.name)))
        .collect();
    // A method that answers with no body returns the text `ok`; one with a body, its JSON.
    let (returns, unwrap) = if m.returns == Returns::Nothing {
        ("text", " #>> '{}'")
    } else {
        ("jsonb", "")
    };
    format!(
        "CREATE OR REPLACE FUNCTION {}.{}({}) RETURNS {returns} LANGUAGE sql VOLATILE AS $github_sql$ \
         SELECT {exec_fn}({}, {}, {}, jsonb_strip_nulls(jsonb_build_object({}))){unwrap} $github_sql$",
        ident(schema),
        ident(&m.name),
        args.join(", "),
        literal(server),
        literal(&r.id),
        literal(&m.name),
        json.join(", ")
    )
}
