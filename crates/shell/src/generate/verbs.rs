//! The SQL verb of an operation, and what its method's `response` says (key, media type,
//! objectKey), decided from the operation and its response schema alone.

use serde_json::Value;

/// The SQL verb a method is listed under; `Exec` is in no `sqlVerbs` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verb {
    /// SELECT (a list or a get).
    Select,
    /// DELETE.
    Delete,
    /// INSERT (a POST answering 201 Created).
    Insert,
    /// UPDATE (PATCH).
    Update,
    /// REPLACE (PUT).
    Replace,
    /// Any other call.
    Exec,
}

impl Verb {
    /// The `sqlVerbs` key, or `None` for EXEC.
    pub fn key(self) -> Option<&'static str> {
        match self {
            Verb::Select => Some("select"),
            Verb::Delete => Some("delete"),
            Verb::Insert => Some("insert"),
            Verb::Update => Some("update"),
            Verb::Replace => Some("replace"),
            Verb::Exec => None,
        }
    }
}

/// What the generator decided for one operation.
#[derive(Clone, Debug)]
pub struct Shape {
    /// The SQL verb.
    pub verb: Verb,
    /// The success response's status code (`openAPIDocKey`).
    pub doc_key: String,
    /// Its media type.
    pub media_type: String,
    /// `$.<property>` of the array inside a wrapped list.
    pub object_key: Option<String>,
    /// The component name of one row's schema (`#/components/schemas/<name>`), for SELECT
    /// methods whose row is a `$ref`.
    pub row_schema: Option<String>,
}

/// Follows local `$ref`s in `doc`; a dangling one gives `Null`.
pub fn resolve<'v>(doc: &'v Value, mut v: &'v Value) -> &'v Value {
    for _ in 0..32 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| doc.pointer(p)) {
                Some(t) => v = t,
                None => return &Value::Null,
            },
            None => return v,
        }
    }
    &Value::Null
}

fn ref_name(v: &Value) -> Option<String> {
    v.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(String::from)
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

fn has_param(doc: &Value, op: &Value, name: &str) -> bool {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|p| resolve(doc, p)["name"] == name)
}

/// The single array property that makes an object response a wrapped list, if any: the object
/// has exactly one array property, and either a `total_count` property or a `per_page`
/// parameter on the operation (it pages). Otherwise an object with one array field (a
/// repository's `topics`) is a get.
fn wrapped_array(doc: &Value, op: &Value, schema: &Value) -> Option<String> {
    let props = schema["properties"].as_object()?;
    let arrays: Vec<&String> = props
        .iter()
        .filter(|(_, s)| resolve(doc, s)["type"] == "array")
        .map(|(k, _)| k)
        .collect();
    let [only] = arrays.as_slice() else {
        return None;
    };
    (props.contains_key("total_count") || has_param(doc, op, "per_page")).then(|| (*only).clone())
}

/// Whether a row schema has properties, itself or through `allOf`/`anyOf`/`oneOf` members (the
/// engine takes columns from all of them).
fn has_properties(doc: &Value, schema: &Value, depth: usize) -> bool {
    if schema["properties"]
        .as_object()
        .is_some_and(|p| !p.is_empty())
    {
        return true;
    }
    depth < 8
        && ["allOf", "anyOf", "oneOf"].iter().any(|k| {
            schema[*k]
                .as_array()
                .into_iter()
                .flatten()
                .any(|m| has_properties(doc, resolve(doc, m), depth + 1))
        })
}

/// Decides the verb and response of `op` (HTTP method `http`, lower case) in document `doc`.
pub fn shape(doc: &Value, http: &str, op: &Value) -> Shape {
    let responses = op["responses"].as_object();
    // The success response: the lowest 2xx status declared.
    let mut codes: Vec<&String> = responses
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with('2'))
        .collect();
    codes.sort();
    let doc_key = codes
        .first()
        .map(|c| (*c).clone())
        .unwrap_or_else(|| "200".into());
    let response = responses
        .and_then(|r| r.get(&doc_key))
        .map(|r| resolve(doc, r))
        .unwrap_or(&Value::Null);
    let content = response["content"].as_object();
    let media_type = content
        .and_then(|c| {
            if c.contains_key("application/json") {
                Some("application/json".to_string())
            } else {
                let mut keys: Vec<&String> = c.keys().collect();
                keys.sort();
                keys.first().map(|k| (*k).clone())
            }
        })
        .unwrap_or_else(|| "application/json".into());
    let schema = content
        .and_then(|c| c.get(&media_type))
        .map(|m| &m["schema"])
        .filter(|s| !s.is_null());
    let mut object_key = None;
    let mut row_schema = None;
    let verb = match http {
        "get" => match schema.filter(|_| is_json(&media_type)) {
            Some(s) => {
                let resolved = resolve(doc, s);
                if resolved["type"] == "array" {
                    row_schema = ref_name(&resolved["items"]);
                } else if let Some(k) = wrapped_array(doc, op, resolved) {
                    row_schema = ref_name(&resolve(doc, &resolved["properties"][&k])["items"]);
                    object_key = Some(format!("$.{k}"));
                } else {
                    row_schema = ref_name(s);
                }
                let row = match (resolved["type"].as_str(), &object_key) {
                    (Some("array"), _) => resolve(doc, &resolved["items"]),
                    (_, Some(k)) => resolve(
                        doc,
                        &resolve(doc, &resolved["properties"][&k[2..]])["items"],
                    ),
                    _ => resolved,
                };
                // Columns come from a row's properties: a map (emojis) or a list of strings
                // has none, so it is a call.
                if has_properties(doc, row, 0) {
                    Verb::Select
                } else {
                    row_schema = None;
                    object_key = None;
                    Verb::Exec
                }
            }
            // No JSON body (a 204 check, a redirect, a raw file): a call, not a table.
            None => Verb::Exec,
        },
        "delete" => Verb::Delete,
        "post" if doc_key == "201" => Verb::Insert,
        "patch" => Verb::Update,
        "put" => Verb::Replace,
        _ => Verb::Exec,
    };
    Shape {
        verb,
        doc_key,
        media_type,
        object_key,
        row_schema,
    }
}
