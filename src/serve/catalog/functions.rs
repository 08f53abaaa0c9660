//! The SQL functions catalog probes call (`version()`, `format_type`, `pg_table_is_visible`,
//! `::regclass` as `regclass(x)`, the regex operators as `pg_regex`, …), registered on each
//! client's connection.

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::Value;
use rusqlite::Connection;

use super::{b, default_schema, i, settings, t, tables, type_name, version_string, TYPES};
use crate::spec::Provider;

/// A type's oid from its name (`int4`, `integer`), or an oid as is.
fn regtype(v: Value) -> Option<i64> {
    match v {
        Value::Integer(oid) => Some(oid),
        Value::Text(s) => {
            let s = s.trim().trim_start_matches("pg_catalog.");
            TYPES
                .iter()
                .find(|x| x.1.eq_ignore_ascii_case(s) || x.2.eq_ignore_ascii_case(s))
                .map(|x| x.0)
        }
        _ => None,
    }
}

/// A table's oid from its name (optionally schema-qualified and quoted), or an oid as is.
fn regclass(classes: &[(i64, String, String)], v: Value) -> Option<i64> {
    match v {
        Value::Integer(oid) => Some(oid),
        Value::Text(s) => {
            let parts: Vec<String> = s
                .split('.')
                .map(|x| x.trim().trim_matches('"').to_string())
                .collect();
            let (schema, name) = match parts.as_slice() {
                [n] => (None, n.clone()),
                [sch, n] => (Some(sch.clone()), n.clone()),
                _ => return None,
            };
            // Catalog tables clients name in joins (`classoid = 'pg_class'::regclass`).
            const SYSTEM: &[(&str, i64)] = &[
                ("pg_class", 1259),
                ("pg_type", 1247),
                ("pg_attribute", 1249),
                ("pg_proc", 1255),
                ("pg_namespace", 2615),
                ("pg_constraint", 2606),
            ];
            classes
                .iter()
                .find(|(_, sch, n)| {
                    n.eq_ignore_ascii_case(&name)
                        && schema.as_ref().is_none_or(|s| s.eq_ignore_ascii_case(sch))
                })
                .map(|(oid, _, _)| *oid)
                .or_else(|| {
                    SYSTEM
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(&name))
                        .map(|(_, oid)| *oid)
                })
        }
        _ => None,
    }
}

fn text_arg(ctx: &Context<'_>, k: usize) -> rusqlite::Result<Option<String>> {
    Ok(match ctx.get::<Value>(k)? {
        Value::Text(s) => Some(s),
        Value::Integer(n) => Some(n.to_string()),
        Value::Real(r) => Some(r.to_string()),
        Value::Null | Value::Blob(_) => None,
    })
}

/// Registers the functions catalog probes call.
pub fn register(conn: &Connection, p: &Provider, user: &str) -> rusqlite::Result<()> {
    let det = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    let constant = |name: &str, n: i32, v: Value| {
        conn.create_scalar_function(name, n, det, move |_| Ok(v.clone()))
    };
    constant("version", 0, t(&version_string()))?;
    constant("current_schema", 0, t(&default_schema(p)))?;
    let mut path = vec!["pg_catalog".to_string()];
    path.extend(p.services.iter().map(|s| s.name.clone()));
    constant("current_schemas", 1, t(&format!("{{{}}}", path.join(","))))?;
    constant("current_database", 0, t(&p.name))?;
    constant("current_user_name", 0, t(user))?;
    constant("pg_backend_pid", 0, i(i64::from(std::process::id())))?;
    constant("pg_is_in_recovery", 0, b(false))?;
    constant("pg_postmaster_start_time", 0, Value::Null)?;
    constant("pg_encoding_to_char", 1, t("UTF8"))?;
    for (name, v) in [
        ("pg_table_is_visible", b(true)),
        ("pg_type_is_visible", b(true)),
        ("pg_function_is_visible", b(true)),
        ("pg_collation_is_visible", b(true)),
        ("has_table_privilege", b(true)),
        ("has_schema_privilege", b(true)),
        ("has_database_privilege", b(true)),
        ("has_column_privilege", b(true)),
        ("has_any_column_privilege", b(true)),
        ("has_function_privilege", b(true)),
        ("has_sequence_privilege", b(true)),
        ("pg_relation_is_publishable", b(false)),
        ("row_security_active", b(false)),
        ("pg_total_relation_size", i(0)),
        ("pg_relation_size", i(0)),
        ("pg_table_size", i(0)),
        ("pg_get_userbyid", t(user)),
        ("shobj_description", Value::Null),
    ] {
        conn.create_scalar_function(name, -1, det, move |_| Ok(v.clone()))?;
    }
    let settings = settings(p);
    conn.create_scalar_function("current_setting", -1, det, move |ctx| {
        let name = text_arg(ctx, 0)?.unwrap_or_default();
        Ok(settings
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.clone()))
    })?;
    conn.create_scalar_function("set_config", 3, det, |ctx| text_arg(ctx, 1))?;
    conn.create_scalar_function("format_type", 2, det, |ctx| {
        Ok(match ctx.get::<Value>(0)? {
            Value::Integer(oid) => Some(type_name(oid).unwrap_or("text").to_string()),
            _ => None,
        })
    })?;
    conn.create_scalar_function("array_to_string", -1, det, |ctx| text_arg(ctx, 0))?;
    conn.create_scalar_function("quote_ident", 1, det, |ctx| {
        Ok(text_arg(ctx, 0)?.map(|s| {
            if s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !s.starts_with(|c: char| c.is_ascii_digit())
            {
                s
            } else {
                format!("\"{}\"", s.replace('"', "\"\""))
            }
        }))
    })?;
    // Descriptions come from the emulated pg_description.
    conn.create_scalar_function("obj_description", -1, det, |ctx| {
        let oid = ctx.get::<Value>(0)?;
        let conn = unsafe { ctx.get_connection() }?;
        conn.query_row(
            "SELECT description FROM pg_catalog.pg_description WHERE objoid = ?1 AND objsubid = 0",
            [oid],
            |r| r.get::<_, Option<String>>(0),
        )
        .or(Ok(None))
    })?;
    conn.create_scalar_function("col_description", 2, det, |ctx| {
        let (oid, n) = (ctx.get::<Value>(0)?, ctx.get::<Value>(1)?);
        let conn = unsafe { ctx.get_connection() }?;
        conn.query_row(
            "SELECT description FROM pg_catalog.pg_description WHERE objoid = ?1 AND objsubid = ?2",
            [oid, n],
            |r| r.get::<_, Option<String>>(0),
        )
        .or(Ok(None))
    })?;
    // `'name'::regclass` → the table's oid (by name, optionally schema-qualified and quoted).
    let classes: Vec<(i64, String, String)> = tables(p)
        .into_iter()
        .map(|(oid, _, schema, r)| (oid, schema, r.name.clone()))
        .collect();
    let classes2 = classes.clone();
    conn.create_scalar_function("regclass", 1, det, move |ctx| {
        Ok(regclass(&classes, ctx.get::<Value>(0)?))
    })?;
    conn.create_scalar_function("to_regclass", 1, det, move |ctx| {
        Ok(regclass(&classes2, ctx.get::<Value>(0)?))
    })?;
    let names: Vec<(i64, String)> = tables(p)
        .into_iter()
        .map(|(oid, _, _, r)| (oid, r.name.clone()))
        .collect();
    conn.create_scalar_function("regclass_name", 1, det, move |ctx| {
        Ok(match ctx.get::<Value>(0)? {
            Value::Integer(oid) => names
                .iter()
                .find(|(o, _)| *o == oid)
                .map(|(_, n)| n.clone())
                .or(Some(oid.to_string())),
            Value::Text(s) => Some(s),
            _ => None,
        })
    })?;
    for name in ["regtype", "to_regtype"] {
        conn.create_scalar_function(name, 1, det, |ctx| Ok(regtype(ctx.get::<Value>(0)?)))?;
    }
    conn.create_scalar_function("regtype_name", 1, det, |ctx| {
        Ok(regtype(ctx.get::<Value>(0)?).and_then(type_name))
    })?;
    conn.create_scalar_function("pg_regex", 3, det, |ctx| {
        let (Some(s), Some(pat)) = (text_arg(ctx, 0)?, text_arg(ctx, 1)?) else {
            return Ok(None);
        };
        let insensitive = text_arg(ctx, 2)?.as_deref() == Some("i");
        let re = regex::RegexBuilder::new(&pat)
            .case_insensitive(insensitive)
            .build()
            .map_err(|e| {
                rusqlite::Error::UserFunctionError(
                    format!("invalid regular expression {pat:?}: {e}").into(),
                )
            })?;
        Ok(Some(re.is_match(&s)))
    })?;
    Ok(())
}
