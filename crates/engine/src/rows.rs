//! From response JSON to SQL values, by the column types the provider document declares.
//!
//! Pages are decoded straight into rows of column values ([`RowDecoder`]): one pass over the
//! bytes, no intermediate JSON tree, fields no column reads skipped, and JSON columns
//! (`metadata`) kept as the exact text GitHub sent rather than re-serialised.

use std::fmt;

use crate::value::Value;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value as Json;

use crate::spec::{ColumnSource, Computed, Resource, SqlType};

/// `sha256:<hex>` of some bytes: the digest of a manifest is the SHA-256 of its exact bytes.
pub fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Which response field feeds which columns, for one resource.
#[derive(Clone, Debug)]
pub struct RowDecoder {
    /// (field name, the columns it feeds with their types and the keys below the field, if
    /// any), sorted by field name.
    fields: Vec<(String, Vec<Feed>)>,
    columns: usize,
    /// Columns computed from the whole response (filled by [`RowDecoder::fill_computed`]).
    computed: Vec<(usize, Computed)>,
    /// Columns read from the object around a wrapped list's rows (filled by
    /// [`RowDecoder::fill_envelope`]).
    envelope: Vec<(usize, SqlType, String)>,
}

/// One column a field feeds: its index, type, and the keys below the field (`subject.digest`).
type Feed = (usize, SqlType, Vec<String>);

/// What a computed column may read: the body and the response headers (lower-case names).
#[derive(Clone, Copy, Debug)]
pub struct Response<'a> {
    /// The body's bytes.
    pub body: &'a [u8],
    /// Response headers kept for computed columns.
    pub headers: &'a [(String, String)],
}

/// One decoded row: a value per column (parameter columns stay NULL; the cursor fills them).
pub type Row = Vec<Value>;

impl RowDecoder {
    /// The decoder for a resource's columns.
    pub fn new(resource: &Resource) -> Self {
        let mut fields: Vec<(String, Vec<Feed>)> = Vec::new();
        let mut computed = Vec::new();
        let mut envelope = Vec::new();
        for (i, c) in resource.columns.iter().enumerate() {
            let (f, rest) = match &c.source {
                ColumnSource::Field(f) | ColumnSource::ParamField { field: f, .. } => {
                    (f, Vec::new())
                }
                ColumnSource::Path { field, rest } => (field, rest.clone()),
                ColumnSource::Computed(k) => {
                    computed.push((i, k.clone()));
                    continue;
                }
                ColumnSource::Envelope(f) => {
                    envelope.push((i, c.sql_type, f.clone()));
                    continue;
                }
                ColumnSource::Param(_) => continue,
            };
            match fields.iter_mut().find(|(name, _)| name == f) {
                Some((_, cols)) => cols.push((i, c.sql_type, rest)),
                None => fields.push((f.clone(), vec![(i, c.sql_type, rest)])),
            }
        }
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        RowDecoder {
            fields,
            columns: resource.columns.len(),
            computed,
            envelope,
        }
    }

    /// Fills the envelope columns of rows decoded from one wrapped list (`envelope` is the
    /// object around the rows).
    pub fn fill_envelope(&self, rows: &mut [Row], envelope: &Json) {
        for (i, t, f) in &self.envelope {
            let v = field_value(*t, envelope.get(f));
            for row in rows.iter_mut() {
                if let Some(slot) = row.get_mut(*i) {
                    *slot = v.clone();
                }
            }
        }
    }

    /// Whether some column is computed from the whole response.
    pub fn has_computed(&self) -> bool {
        !self.computed.is_empty()
    }

    /// Fills the computed columns of rows decoded from one response.
    pub fn fill_computed(&self, rows: &mut [Row], resp: Response<'_>) {
        if self.computed.is_empty() {
            return;
        }
        let values: Vec<(usize, Value)> = self
            .computed
            .iter()
            .map(|(i, k)| {
                let v = match k {
                    Computed::BodySha256 => Value::Text(sha256_digest(resp.body)),
                    Computed::BodySize => Value::Integer(resp.body.len() as i64),
                    Computed::Header(h) => resp
                        .headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(h))
                        .map(|(_, v)| Value::Text(v.clone()))
                        .unwrap_or(Value::Null),
                };
                (*i, v)
            })
            .collect();
        for row in rows {
            for (i, v) in &values {
                if let Some(slot) = row.get_mut(*i) {
                    *slot = v.clone();
                }
            }
        }
    }

    fn field(&self, name: &str) -> Option<&[Feed]> {
        self.fields
            .binary_search_by(|f| f.0.as_str().cmp(name))
            .ok()
            .map(|i| self.fields[i].1.as_slice())
    }

    /// Decodes a JSON array of objects.
    pub fn page(&self, body: &[u8]) -> Result<Vec<Row>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let rows = de.deserialize_seq(PageVisitor(self))?;
        de.end()?;
        Ok(rows)
    }

    /// Decodes one JSON object.
    pub fn object(&self, body: &[u8]) -> Result<Row, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_slice(body);
        let row = RowSeed(self).deserialize(&mut de)?;
        de.end()?;
        Ok(row)
    }

    /// The rows of a get's answer: one object, or each item when the answer is an array. A get
    /// may be documented as `oneOf` an array and objects: a repository's contents at a path are
    /// a file, or a directory's entries.
    pub fn object_or_items(&self, body: &[u8]) -> Result<Vec<Row>, serde_json::Error> {
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            self.page(body)
        } else {
            self.object(body).map(|r| vec![r])
        }
    }

    /// Converts an already-parsed object (wrapped lists, EXEC answers).
    pub fn from_value(&self, item: &Json) -> Row {
        let mut row = vec![Value::Null; self.columns];
        for (name, cols) in &self.fields {
            for (i, t, rest) in cols {
                let mut v = item.get(name);
                for k in rest {
                    v = v.and_then(|x| x.get(k));
                }
                row[*i] = field_value(*t, v);
            }
        }
        row
    }
}

struct PageVisitor<'a>(&'a RowDecoder);

impl<'de> Visitor<'de> for PageVisitor<'_> {
    type Value = Vec<Row>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Row>, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(100));
        while let Some(row) = seq.next_element_seed(RowSeed(self.0))? {
            rows.push(row);
        }
        Ok(rows)
    }
}

struct RowSeed<'a>(&'a RowDecoder);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = Row;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Row, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = Row;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Row, A::Error> {
        let mut row = vec![Value::Null; self.0.columns];
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self.0.field(&key) {
                Some(cols) if cols.iter().any(|(_, _, rest)| !rest.is_empty()) => {
                    // Nested keys: parse this field's subtree once.
                    let raw: Box<RawValue> = map.next_value()?;
                    let tree: Json = serde_json::from_str(raw.get()).map_err(de::Error::custom)?;
                    for (i, t, rest) in cols {
                        if rest.is_empty() {
                            row[*i] = Field
                                .deserialize(&mut serde_json::Deserializer::from_str(raw.get()))
                                .map_err(de::Error::custom)?;
                        } else {
                            let mut v = Some(&tree);
                            for k in rest {
                                v = v.and_then(|x| x.get(k));
                            }
                            row[*i] = field_value(*t, v);
                        }
                    }
                }
                Some([(i, _, _), rest @ ..]) => {
                    let v = map.next_value_seed(Field)?;
                    for (j, _, _) in rest {
                        row[*j] = v.clone();
                    }
                    row[*i] = v;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(row)
    }
}

/// One field's value in its SQL form (the rules of [`field_value`]; JSON text kept verbatim).
struct Field;

impl<'de> DeserializeSeed<'de> for Field {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        // Objects and arrays are kept as their original text; scalars become SQL scalars.
        let raw: &RawValue = de::Deserialize::deserialize(d)?;
        let text = raw.get();
        Ok(match text.as_bytes().first() {
            Some(b'{' | b'[') => Value::Text(text.to_string()),
            Some(b'"') => {
                Value::Text(serde_json::from_str::<String>(text).map_err(de::Error::custom)?)
            }
            Some(b'n') => Value::Null,
            Some(b't') => Value::Integer(1),
            Some(b'f') => Value::Integer(0),
            _ => match text.parse::<i64>() {
                Ok(n) => Value::Integer(n),
                Err(_) => text
                    .parse::<f64>()
                    .map(Value::Real)
                    .map_err(de::Error::custom)?,
            },
        })
    }
}

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
    fn pages_decode_straight_to_columns_like_field_value() {
        let provider = crate::spec::load_embedded().expect("provider");
        let r = provider
            .resource_by_name("auth_user_versions")
            .expect("resource");
        let d = RowDecoder::new(r);
        let body = br#"[{"id": 45763, "name": "sha256:08", "url": "u", "ignored": {"deep": [1, 2]},
            "metadata": {"package_type": "container", "container": {"tags": ["latest"]}}, "license": null},
            {"id": "7", "name": 5, "metadata": [1,2.5], "description": "a \"quoted\" \u00e9"}]"#;
        let rows = d.page(body).expect("decodes");
        assert_eq!(rows.len(), 2);
        let col = |n: &str| r.column_index(n).expect(n);
        assert_eq!(rows[0][col("id")], Value::Integer(45763));
        assert_eq!(rows[0][col("package_version_id")], Value::Integer(45763));
        assert_eq!(
            rows[0][col("metadata")],
            Value::Text(
                r#"{"package_type": "container", "container": {"tags": ["latest"]}}"#.into()
            )
        );
        assert_eq!(rows[0][col("license")], Value::Null);
        assert_eq!(
            rows[0][col("package_name")],
            Value::Null,
            "parameter columns are the cursor's"
        );
        assert_eq!(rows[1][col("id")], Value::Text("7".into()));
        assert_eq!(rows[1][col("name")], Value::Integer(5));
        assert_eq!(
            rows[1][col("description")],
            Value::Text("a \"quoted\" é".into())
        );
        // The same answers as the tree-based conversion.
        let tree: Vec<Json> = serde_json::from_slice(body).expect("json");
        for (row, item) in rows.iter().zip(&tree) {
            let via_tree = d.from_value(item);
            for (i, (a, b)) in row.iter().zip(&via_tree).enumerate() {
                if r.columns[i].sql_type != SqlType::Json {
                    assert_eq!(a, b, "column {}", r.columns[i].name);
                }
            }
        }
        assert!(d.page(b"{\"not\": \"a list\"}").is_err());
        assert!(d.page(b"[1, 2]").is_err());
        assert!(d.page(b"[{}] trailing").is_err());
        assert_eq!(
            d.object(br#"{"id": 1}"#).expect("object")[col("id")],
            Value::Integer(1)
        );
        // A get answered with an array (a directory's contents) gives a row per item.
        let items = d
            .object_or_items(b" [{\"id\": 1}, {\"id\": 2}]")
            .expect("items");
        assert_eq!(items.len(), 2);
        assert_eq!(items[1][col("id")], Value::Integer(2));
        assert_eq!(
            d.object_or_items(br#"{"id": 3}"#).expect("object")[0][col("id")],
            Value::Integer(3)
        );
    }

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
