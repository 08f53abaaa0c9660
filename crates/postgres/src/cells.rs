//! Postgres cells ↔ the engine's values. Quals arrive as cells; rows leave as cells typed by
//! the foreign table's declared column types (`bigint`, `text`, `timestamptz`, `jsonb`, …).

use std::str::FromStr;

use github_sql_engine::Value;
use pgrx::datum::TimestampWithTimeZone;
use pgrx::pg_sys::{self, Oid};
use pgrx::JsonB;
use supabase_wrappers::prelude::Cell;

use crate::error::FdwError;

/// A qual's cell as an engine value (what the planner binds to a parameter).
pub fn to_value(cell: &Cell) -> Value {
    match cell {
        Cell::Bool(b) => Value::Integer(i64::from(*b)),
        Cell::I8(i) => Value::Integer(i64::from(*i)),
        Cell::I16(i) => Value::Integer(i64::from(*i)),
        Cell::I32(i) => Value::Integer(i64::from(*i)),
        Cell::I64(i) => Value::Integer(*i),
        Cell::F32(f) => Value::Real(f64::from(*f)),
        Cell::F64(f) => Value::Real(*f),
        Cell::String(s) => Value::Text(s.clone()),
        Cell::Json(j) => Value::Text(j.0.to_string()),
        // Numerics, dates, uuids: their text form (an integer parameter parses it).
        other => Value::Text(other.to_string().trim_matches('\'').to_string()),
    }
}

/// An engine value as a cell of the column's declared type. `column` names it in errors.
pub fn to_cell(v: Value, type_oid: Oid, column: &str) -> Result<Option<Cell>, FdwError> {
    if v == Value::Null {
        return Ok(None);
    }
    let bad = |what: &str| {
        FdwError::Value(format!(
            "column {column}: GitHub sent {what}, which does not fit the column's type; \
             re-create the table with IMPORT FOREIGN SCHEMA or declare the column text"
        ))
    };
    let cell = match type_oid {
        pg_sys::INT8OID | pg_sys::INT4OID | pg_sys::INT2OID => {
            let i = match &v {
                Value::Integer(i) => *i,
                Value::Text(t) => t.trim().parse().map_err(|_| bad(&format!("{t:?}")))?,
                Value::Real(r) if r.fract() == 0.0 => *r as i64,
                other => return Err(bad(&other.render())),
            };
            match type_oid {
                pg_sys::INT8OID => Cell::I64(i),
                pg_sys::INT4OID => Cell::I32(i32::try_from(i).map_err(|_| bad(&i.to_string()))?),
                _ => Cell::I16(i16::try_from(i).map_err(|_| bad(&i.to_string()))?),
            }
        }
        pg_sys::FLOAT8OID | pg_sys::FLOAT4OID => match &v {
            Value::Integer(i) => Cell::F64(*i as f64),
            Value::Real(r) => Cell::F64(*r),
            Value::Text(t) => Cell::F64(t.trim().parse().map_err(|_| bad(&format!("{t:?}")))?),
            other => return Err(bad(&other.render())),
        },
        pg_sys::BOOLOID => match &v {
            Value::Integer(i) => Cell::Bool(*i != 0),
            Value::Text(t) => Cell::Bool(t == "true"),
            other => return Err(bad(&other.render())),
        },
        pg_sys::TIMESTAMPTZOID => match &v {
            Value::Text(t) => Cell::Timestamptz(
                TimestampWithTimeZone::from_str(t).map_err(|_| bad(&format!("{t:?}")))?,
            ),
            other => return Err(bad(&other.render())),
        },
        pg_sys::JSONBOID | pg_sys::JSONOID => match v {
            // JSON columns hold GitHub's text; a scalar becomes a JSON scalar.
            Value::Text(t) => Cell::Json(JsonB(
                serde_json::from_str(&t).unwrap_or(serde_json::Value::String(t)),
            )),
            Value::Integer(i) => Cell::Json(JsonB(serde_json::Value::from(i))),
            Value::Real(r) => Cell::Json(JsonB(serde_json::Value::from(r))),
            other => return Err(bad(&other.render())),
        },
        // text, varchar and anything else: the value's text.
        _ => Cell::String(match v {
            Value::Text(t) => t,
            other => other.render(),
        }),
    };
    Ok(Some(cell))
}
