//! A JSON array of objects keyed by column name; numbers stay numbers, JSON columns are embedded.

use std::io::{self, Write};

use github_sql::Value;
use serde_json::{Map, Number, Value as Json};

use super::{Formatter, ResultSet};

/// `--output json`.
pub struct JsonFormat;

fn to_json(v: &Value, is_json: bool) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Integer(i) => Json::from(*i),
        Value::Real(r) => Number::from_f64(*r).map(Json::Number).unwrap_or(Json::Null),
        Value::Text(t) if is_json => {
            serde_json::from_str(t).unwrap_or_else(|_| Json::String(t.clone()))
        }
        Value::Text(t) => Json::String(t.clone()),
        Value::Blob(b) => Json::Array(b.iter().map(|x| Json::from(*x)).collect()),
    }
}

impl Formatter for JsonFormat {
    fn write(&self, rs: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
        let rows: Vec<Json> = rs
            .rows
            .iter()
            .map(|row| {
                let mut m = Map::new();
                for (i, (name, v)) in rs.columns.iter().zip(row).enumerate() {
                    m.insert(name.clone(), to_json(v, rs.is_json(i)));
                }
                Json::Object(m)
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        writeln!(out)
    }
}
