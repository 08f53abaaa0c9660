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
    /// A SELECT method answering several rows: an array, or an array wrapped in an object.
    pub list: bool,
    /// For an envelope with several arrays of rows (a comparison's `commits` and `files`): the
    /// other arrays, each with its row schema. The generator writes a SELECT method for each
    /// ([`Shape::for_array`]); `object_key` is the first.
    pub more_arrays: Vec<(String, Option<String>)>,
    /// For a wrapped list: the envelope's other properties (`total_count`,
    /// `incomplete_results`), readable on every row.
    pub envelope_fields: Vec<String>,
    /// The success response's other media types (`application/vnd.github.diff` beside
    /// `application/json`): each gets an EXEC method that asks for it.
    pub other_media: Vec<String>,
}

impl Shape {
    /// The shape of the method serving the envelope's array `key` (row schema `row_schema`).
    pub fn for_array(&self, key: &str, row_schema: Option<String>) -> Shape {
        Shape {
            object_key: Some(format!("$.{key}")),
            row_schema,
            more_arrays: Vec::new(),
            other_media: Vec::new(),
            ..self.clone()
        }
    }

    /// The shape of the EXEC method asking for the response's other media type `media`.
    pub fn for_media(&self, media: &str) -> Shape {
        Shape {
            verb: Verb::Exec,
            media_type: media.to_string(),
            object_key: None,
            row_schema: None,
            list: false,
            more_arrays: Vec::new(),
            envelope_fields: Vec::new(),
            other_media: Vec::new(),
            doc_key: self.doc_key.clone(),
        }
    }
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

/// The array properties that make an object response a wrapped list (an envelope of rows), in
/// property order, if any:
///
/// 1. the object has exactly one array property, and either a `total_count` property or a
///    `per_page` parameter on the operation (it pages): that array;
/// 2. else, when the object has no identity of its own — no `id`, `node_id` or `number`
///    property, and no property named like one of the operation's path parameters — and one of
///    its arrays of objects is required or is its only property: each of its arrays of objects
///    (search's `items`, traffic's `clones`, a tree's `tree`, a comparison's `commits` and
///    `files`, requested reviewers' `users` and `teams`).
///
/// Otherwise an object holding arrays is a get: a repository's `topics`, a release's `assets`
/// and an issue's `labels` belong to the row, which has an identity.
fn wrapped_arrays(doc: &Value, op: &Value, schema: &Value) -> (Vec<String>, bool) {
    let Some(props) = schema["properties"].as_object() else {
        return (Vec::new(), false);
    };
    let arrays: Vec<&String> = props
        .iter()
        .filter(|(_, s)| resolve(doc, s)["type"] == "array")
        .map(|(k, _)| k)
        .collect();
    if let [only] = arrays.as_slice() {
        if props.contains_key("total_count") || has_param(doc, op, "per_page") {
            return (vec![(*only).clone()], false);
        }
    }
    let path_params: Vec<String> = op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .filter(|p| p["in"] == "path")
        .filter_map(|p| p["name"].as_str().map(String::from))
        .collect();
    let identity = ["id", "node_id", "number"]
        .iter()
        .any(|k| props.contains_key(*k))
        || path_params.iter().any(|p| props.contains_key(p));
    if identity {
        return (Vec::new(), false);
    }
    let of_objects: Vec<&String> = arrays
        .into_iter()
        .filter(|k| has_properties(doc, resolve(doc, &resolve(doc, &props[*k])["items"]), 0))
        .collect();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let rows = of_objects
        .iter()
        .any(|k| required.contains(&k.as_str()) || props.len() == 1);
    if rows {
        (of_objects.into_iter().cloned().collect(), true)
    } else {
        (Vec::new(), false)
    }
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
    // The success response: the lowest 2xx status declared, else the lowest 3xx (a download
    // GitHub answers only with a redirect to the file).
    let lowest = |first: char| {
        let mut codes: Vec<&String> = responses
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
            .filter(|k| k.starts_with(first) && k.len() == 3)
            .collect();
        codes.sort();
        codes.first().map(|c| (*c).clone())
    };
    let doc_key = lowest('2')
        .or_else(|| lowest('3'))
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
    let mut list = false;
    let mut more_arrays = Vec::new();
    let mut envelope_fields = Vec::new();
    let verb = match http {
        "get" => match schema.filter(|_| is_json(&media_type)) {
            Some(s) => {
                let resolved = resolve(doc, s);
                let (wrapped, by_shape) = if resolved["type"] == "array" {
                    (Vec::new(), false)
                } else {
                    wrapped_arrays(doc, op, resolved)
                };
                // An envelope known by its shape (rule 2) is grouped by its own schema, as it
                // was when it was served as a get: its resource keeps that name.
                let items_ref = |k: &str| {
                    if by_shape {
                        ref_name(s)
                    } else {
                        ref_name(&resolve(doc, &resolved["properties"][k])["items"])
                    }
                };
                if resolved["type"] == "array" {
                    row_schema = ref_name(&resolved["items"]);
                    list = true;
                } else if let Some((k, rest)) = wrapped.split_first() {
                    row_schema = items_ref(k);
                    object_key = Some(format!("$.{k}"));
                    more_arrays = rest.iter().map(|k| (k.clone(), items_ref(k))).collect();
                    envelope_fields = resolved["properties"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(f, _)| f)
                        .filter(|f| !wrapped.contains(f))
                        .cloned()
                        .collect();
                    list = true;
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
                    list = false;
                    more_arrays.clear();
                    envelope_fields.clear();
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
    let other_media = content
        .into_iter()
        .flatten()
        .map(|(k, _)| k.clone())
        .filter(|k| *k != media_type)
        .collect();
    Shape {
        verb,
        doc_key,
        media_type,
        object_key,
        row_schema,
        list,
        more_arrays,
        envelope_fields,
        other_media,
    }
}

/// The word a media type adds to a method name: `application/vnd.github.diff` → `diff`,
/// `application/vnd.github.v3.star+json` → `star`, `application/sarif+json` → `sarif`,
/// `text/html` → `html`.
pub fn media_word(media: &str) -> String {
    let m = media.split(';').next().unwrap_or(media).trim();
    let m = m.strip_suffix("+json").unwrap_or(m);
    let last = m.rsplit(['/', '.']).next().unwrap_or(m);
    super::naming::ident(last)
}
