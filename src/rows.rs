//! From response JSON to SQL values, by the column types the provider document declares.

use rusqlite::types::Value;
use serde_json::Value as Json;

use crate::spec::SqlType;

/// Converts one response field. Missing fields and JSON `null` are SQL NULL; a value whose JSON
/// type differs from the declared one is kept in the closest SQL form rather than failing the row.
pub fn field_value(sql_type: SqlType, v: Option<&Json>) -> Value {
    let Some(v) = v else { return Value::Null };
    match (sql_type, v) {
        (_, Json::Null) => Value::Null,
        (SqlType::Json, Json::Object(_) | Json::Array(_)) => Value::Text(v.to_string()),
        (_, Json::String(s)) => Value::Text(s.clone()),
        (_, Json::Bool(b)) => Value::Integer(i64::from(*b)),
        (_, Json::Number(n)) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => n.as_f64().map(Value::Real).unwrap_or(Value::Null),
        },
        (_, other) => Value::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conversions() {
        assert_eq!(
            field_value(SqlType::Integer, Some(&json!(45763))),
            Value::Integer(45763)
        );
        assert_eq!(
            field_value(SqlType::Text, Some(&json!("MIT"))),
            Value::Text("MIT".into())
        );
        assert_eq!(field_value(SqlType::Text, None), Value::Null);
        assert_eq!(field_value(SqlType::Json, Some(&json!(null))), Value::Null);
        assert_eq!(
            field_value(SqlType::Json, Some(&json!({"container": {"tags": []}}))),
            Value::Text(r#"{"container":{"tags":[]}}"#.into())
        );
        // Wrong JSON types do not fail the row.
        assert_eq!(
            field_value(SqlType::Integer, Some(&json!("12"))),
            Value::Text("12".into())
        );
        assert_eq!(
            field_value(SqlType::Text, Some(&json!([1]))),
            Value::Text("[1]".into())
        );
        assert_eq!(
            field_value(SqlType::Real, Some(&json!(1.5))),
            Value::Real(1.5)
        );
    }
}
