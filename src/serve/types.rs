//! Postgres types for SQLite values: row descriptions, data rows and bound parameters.
//!
//! A column's type comes from its declared type (`INTEGER` → int8, `JSON` → json, `BOOLEAN` →
//! bool, …). An expression has no declared type; when its values are at hand (a simple query, a
//! described portal) their storage class decides, otherwise it is text. Every value is converted
//! to the column's type or the row is refused: a value that does not fit is an error, never a
//! silently different answer.

use std::sync::Arc;

use pgwire::api::portal::Format;
use pgwire::api::results::{DataRowEncoder, FieldInfo};
use pgwire::api::Type;
use pgwire::error::PgWireResult;
use pgwire::messages::data::DataRow;
use rusqlite::types::Value;

use super::errors::user_error;
use crate::shell::output::ResultSet;

/// The Postgres type for an SQLite declared type, if it names one we map.
pub fn decl_type(decl: &str) -> Option<Type> {
    let d = decl.trim().to_ascii_uppercase();
    Some(match d.as_str() {
        "JSON" => Type::JSON,
        "BOOLEAN" | "BOOL" => Type::BOOL,
        "OID" => Type::OID,
        "NAME" => Type::NAME,
        _ if d.contains("INT") => Type::INT8,
        _ if d.contains("CHAR") || d.contains("CLOB") || d.contains("TEXT") => Type::TEXT,
        _ if d.contains("REAL") || d.contains("FLOA") || d.contains("DOUB") => Type::FLOAT8,
        _ if d.contains("NUMERIC") || d.contains("DECIMAL") => Type::FLOAT8,
        _ if d.contains("BLOB") => Type::BYTEA,
        _ => return None,
    })
}

/// The type of a value's storage class (NULL has none).
fn value_type(v: &Value) -> Option<Type> {
    match v {
        Value::Null => None,
        Value::Integer(_) => Some(Type::INT8),
        Value::Real(_) => Some(Type::FLOAT8),
        Value::Text(_) => Some(Type::TEXT),
        Value::Blob(_) => Some(Type::BYTEA),
    }
}

/// Whether `v` converts to `ty` without loss.
fn fits(ty: &Type, v: &Value) -> bool {
    match (ty, v) {
        (_, Value::Null) => true,
        (t, Value::Integer(_)) if *t == Type::INT8 || *t == Type::FLOAT8 || *t == Type::BOOL => {
            true
        }
        (t, Value::Integer(i)) if *t == Type::OID => u32::try_from(*i).is_ok(),
        (t, Value::Real(_)) if *t == Type::FLOAT8 => true,
        (t, Value::Blob(_)) if *t == Type::BYTEA => true,
        (_, Value::Blob(_)) => false,
        (t, _) => *t == Type::TEXT || *t == Type::NAME || *t == Type::JSON || *t == Type::BYTEA,
    }
}

/// Column types without looking at values: the declared type, else text.
pub fn static_types(decltypes: &[Option<String>]) -> Vec<Type> {
    decltypes
        .iter()
        .map(|d| d.as_deref().and_then(decl_type).unwrap_or(Type::TEXT))
        .collect()
}

/// Column types of a result at hand: the declared type when every value fits it, else the one
/// storage class all non-NULL values share, else text.
pub fn result_types(rs: &ResultSet) -> Vec<Type> {
    (0..rs.columns.len())
        .map(|i| {
            let values = || rs.rows.iter().filter_map(|r| r.get(i));
            let declared = rs
                .decltypes
                .get(i)
                .and_then(|d| d.as_deref())
                .and_then(decl_type);
            if let Some(t) = declared.clone() {
                if values().all(|v| fits(&t, v)) {
                    return t;
                }
            }
            let mut classes = values().filter_map(value_type);
            match classes.next() {
                Some(first) if classes.all(|t| t == first) => first,
                Some(_) => Type::TEXT,
                None => declared.unwrap_or(Type::TEXT),
            }
        })
        .collect()
}

/// A row description: names, types and the client's result formats.
pub fn fields(columns: &[String], types: &[Type], format: &Format) -> Vec<FieldInfo> {
    columns
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, (name, ty))| {
            FieldInfo::new(name.clone(), None, None, ty.clone(), format.format_for(i))
        })
        .collect()
}

fn mismatch(field: &FieldInfo, v: &Value) -> pgwire::error::PgWireError {
    let what = match v {
        Value::Null => "NULL",
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a real number",
        Value::Text(_) => "text",
        Value::Blob(_) => "a blob",
    };
    user_error(
        "22P02",
        format!(
            "column {} was described as {} but holds {what}; CAST it in the query",
            field.name(),
            field.datatype().name()
        ),
    )
}

/// Encodes one value as the field's type.
fn encode(enc: &mut DataRowEncoder, field: &FieldInfo, v: &Value) -> PgWireResult<()> {
    let ty = field.datatype();
    if *v == Value::Null {
        return enc.encode_field(&None::<i64>);
    }
    if *ty == Type::INT8 {
        return match v {
            Value::Integer(i) => enc.encode_field(i),
            Value::Real(r) if r.fract() == 0.0 && r.abs() < 9.0e18 => {
                enc.encode_field(&(*r as i64))
            }
            Value::Text(t) => match t.trim().parse::<i64>() {
                Ok(i) => enc.encode_field(&i),
                Err(_) => Err(mismatch(field, v)),
            },
            _ => Err(mismatch(field, v)),
        };
    }
    if *ty == Type::FLOAT8 {
        return match v {
            Value::Integer(i) => enc.encode_field(&(*i as f64)),
            Value::Real(r) => enc.encode_field(r),
            Value::Text(t) => match t.trim().parse::<f64>() {
                Ok(r) => enc.encode_field(&r),
                Err(_) => Err(mismatch(field, v)),
            },
            _ => Err(mismatch(field, v)),
        };
    }
    if *ty == Type::BOOL {
        return match v {
            Value::Integer(i) => enc.encode_field(&(*i != 0)),
            Value::Text(t) if matches!(t.as_str(), "t" | "true" | "1") => enc.encode_field(&true),
            Value::Text(t) if matches!(t.as_str(), "f" | "false" | "0") => enc.encode_field(&false),
            _ => Err(mismatch(field, v)),
        };
    }
    if *ty == Type::OID {
        return match v {
            Value::Integer(i) => match u32::try_from(*i) {
                Ok(o) => enc.encode_field(&o),
                Err(_) => Err(mismatch(field, v)),
            },
            _ => Err(mismatch(field, v)),
        };
    }
    if *ty == Type::BYTEA {
        return match v {
            Value::Blob(b) => enc.encode_field(&b.as_slice()),
            Value::Text(t) => enc.encode_field(&t.as_bytes()),
            _ => Err(mismatch(field, v)),
        };
    }
    // text, name, json: the value's text (json's binary form is its text too).
    match v {
        Value::Text(t) => enc.encode_field(&t.as_str()),
        Value::Integer(i) => enc.encode_field(&i.to_string().as_str()),
        Value::Real(r) => enc.encode_field(&r.to_string().as_str()),
        _ => Err(mismatch(field, v)),
    }
}

/// Encodes every row; the first value that does not fit fails the whole result.
pub fn encode_rows(
    schema: &Arc<Vec<FieldInfo>>,
    rows: &[Vec<Value>],
) -> PgWireResult<Vec<DataRow>> {
    let mut enc = DataRowEncoder::new(schema.clone());
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        for (field, v) in schema.iter().zip(row) {
            encode(&mut enc, field, v)?;
        }
        out.push(enc.take_row());
    }
    Ok(out)
}

/// The type a parameter is read as: the client's, else text (what Postgres infers for an
/// untyped literal compared with text).
pub fn param_type(declared: Option<&Option<Type>>) -> Type {
    declared
        .cloned()
        .flatten()
        .filter(|t| *t != Type::UNKNOWN)
        .unwrap_or(Type::TEXT)
}

fn bad_param(n: usize, ty: &Type, why: &str) -> pgwire::error::PgWireError {
    user_error("22P02", format!("parameter ${n} ({}) {why}", ty.name()))
}

/// Decodes one bound parameter (`n` counts from 1) into an SQLite value.
pub fn decode_param(n: usize, ty: &Type, binary: bool, raw: Option<&[u8]>) -> PgWireResult<Value> {
    let Some(raw) = raw else {
        return Ok(Value::Null);
    };
    if binary {
        let fixed = |len: usize| -> PgWireResult<&[u8]> {
            if raw.len() == len {
                Ok(raw)
            } else {
                Err(bad_param(
                    n,
                    ty,
                    &format!("must be {len} bytes in binary format, got {}", raw.len()),
                ))
            }
        };
        let arr = |len| fixed(len).map(|b| b.to_vec());
        return Ok(match ty {
            t if *t == Type::INT2 => {
                let b = arr(2)?;
                Value::Integer(i64::from(i16::from_be_bytes([b[0], b[1]])))
            }
            t if *t == Type::INT4 => {
                let b = arr(4)?;
                Value::Integer(i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            }
            t if *t == Type::OID => {
                let b = arr(4)?;
                Value::Integer(i64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            }
            t if *t == Type::INT8 => {
                let b: [u8; 8] = fixed(8)?.try_into().map_err(|_| bad_param(n, ty, "is malformed"))?;
                Value::Integer(i64::from_be_bytes(b))
            }
            t if *t == Type::FLOAT4 => {
                let b = arr(4)?;
                Value::Real(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])))
            }
            t if *t == Type::FLOAT8 => {
                let b: [u8; 8] = fixed(8)?.try_into().map_err(|_| bad_param(n, ty, "is malformed"))?;
                Value::Real(f64::from_be_bytes(b))
            }
            t if *t == Type::BOOL => Value::Integer(i64::from(fixed(1)?[0] != 0)),
            t if *t == Type::BYTEA => Value::Blob(raw.to_vec()),
            t if *t == Type::JSONB => match raw.split_first() {
                Some((1, rest)) => Value::Text(utf8(n, ty, rest)?),
                _ => return Err(bad_param(n, ty, "is not version-1 jsonb")),
            },
            t if [Type::TEXT, Type::VARCHAR, Type::BPCHAR, Type::NAME, Type::JSON, Type::UNKNOWN]
                .contains(t) =>
            {
                Value::Text(utf8(n, ty, raw)?)
            }
            _ => {
                return Err(pgwire::error::PgWireError::UserError(Box::new(
                    pgwire::error::ErrorInfo::new(
                        "ERROR".into(),
                        "0A000".into(),
                        format!(
                            "parameter ${n} has type {} in binary format, which github-sql does not read; send it in text format",
                            ty.name()
                        ),
                    ),
                )))
            }
        });
    }
    let text = utf8(n, ty, raw)?;
    let int_like = [Type::INT2, Type::INT4, Type::INT8, Type::OID];
    let float_like = [Type::FLOAT4, Type::FLOAT8, Type::NUMERIC];
    Ok(if int_like.contains(ty) {
        Value::Integer(
            text.trim()
                .parse()
                .map_err(|_| bad_param(n, ty, "is not an integer"))?,
        )
    } else if float_like.contains(ty) {
        match text.trim().parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) => Value::Real(
                text.trim()
                    .parse()
                    .map_err(|_| bad_param(n, ty, "is not a number"))?,
            ),
        }
    } else if *ty == Type::BOOL {
        match text.trim() {
            "t" | "true" | "1" | "on" | "yes" => Value::Integer(1),
            "f" | "false" | "0" | "off" | "no" => Value::Integer(0),
            _ => return Err(bad_param(n, ty, "is not a boolean")),
        }
    } else {
        Value::Text(text)
    })
}

fn utf8(n: usize, ty: &Type, raw: &[u8]) -> PgWireResult<String> {
    String::from_utf8(raw.to_vec()).map_err(|_| bad_param(n, ty, "is not valid UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_to_postgres() {
        assert_eq!(decl_type("INTEGER"), Some(Type::INT8));
        assert_eq!(decl_type("json"), Some(Type::JSON));
        assert_eq!(decl_type("TEXT"), Some(Type::TEXT));
        assert_eq!(decl_type("BOOLEAN"), Some(Type::BOOL));
        assert_eq!(decl_type("weird"), None);
    }

    #[test]
    fn expressions_take_their_values_type() {
        let rs = ResultSet {
            columns: vec!["n".into(), "mixed".into(), "id".into(), "none".into()],
            decltypes: vec![None, None, Some("INTEGER".into()), None],
            rows: vec![
                vec![
                    Value::Integer(1),
                    Value::Integer(1),
                    Value::Integer(5),
                    Value::Null,
                ],
                vec![
                    Value::Null,
                    Value::Text("a".into()),
                    Value::Integer(6),
                    Value::Null,
                ],
            ],
        };
        assert_eq!(
            result_types(&rs),
            vec![Type::INT8, Type::TEXT, Type::INT8, Type::TEXT]
        );
        assert_eq!(static_types(&rs.decltypes)[0], Type::TEXT);
    }

    #[test]
    fn parameters_decode_by_type_and_format() {
        assert_eq!(
            decode_param(1, &Type::TEXT, false, Some(b"npm")).ok(),
            Some(Value::Text("npm".into()))
        );
        assert_eq!(
            decode_param(1, &Type::INT8, false, Some(b"42")).ok(),
            Some(Value::Integer(42))
        );
        assert_eq!(
            decode_param(1, &Type::INT4, true, Some(&7i32.to_be_bytes())).ok(),
            Some(Value::Integer(7))
        );
        assert_eq!(
            decode_param(1, &Type::INT8, false, None).ok(),
            Some(Value::Null)
        );
        let e = decode_param(2, &Type::INT8, false, Some(b"x")).expect_err("not an int");
        assert!(e.to_string().contains("$2"), "{e}");
        assert!(decode_param(1, &Type::TIMESTAMP, true, Some(b"12345678")).is_err());
    }
}
