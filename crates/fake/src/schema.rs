//! A schema-driven fake: answers any documented operation with its documented success status and
//! JSON made from the operation's response schema.
//!
//! [`SchemaFake::new`] reads OpenAPI 3 service documents (as `serde_json::Value`, so this crate
//! does not depend on the engine: the fake stands for GitHub) and serves every `GET`, `DELETE`,
//! `PATCH`, `POST` and `PUT` whose path matches an operation's path template
//! (`/repos/{owner}/{repo}/actions/runs`). The status is the operation's lowest declared 2xx
//! (GitHub's `204 No Content` for most deletes, with no body); the body is synthesized from that
//! response's schema, by [`synthesize`]:
//!
//! - local `$ref`s (`#/components/...`) are followed; `allOf` members are merged (the first
//!   member's property wins, as the engine reads columns), `anyOf`/`oneOf` give their first
//!   member that is not `type: null`;
//! - `enum` gives its first non-null value; `nullable` is ignored (a value is always given);
//! - strings follow `format` (`date-time` → RFC 3339, `date`, `uri`/`url` → a URL, `email`,
//!   `uuid`, `hostname`, `ipv4`, `ipv6`), else `<property>-<n>`; integers and numbers are derived
//!   from the property name (within `minimum`/`maximum`), booleans are `true`;
//! - arrays hold [`LIST_LEN`] items; objects hold every property (and one key for an
//!   `additionalProperties` map). Objects deeper than [`MAX_DEPTH`], and a `$ref` already being
//!   expanded (a recursive schema), become `{}` (arrays `[]`).
//!
//! The same operation always gets the same bytes. Array items differ from each other (the item's
//! index feeds the numbers and strings), so a test can tell rows apart. A wrapped list (an
//! object with an array property) gets `total_count` equal to its array's length.
//!
//! A request's path parameters are written into the rows' scalar properties of the same name
//! (`/gitignore/templates/C` answers `name: "C"`), as GitHub's answers have them.
//!
//! Pagination: `per_page` and `page` are accepted. Page 1 holds at most `per_page` items,
//! a later page none, and no `Link` header is sent: every list is one page.

use serde_json::{json, Map, Value};

/// Items in every synthesized array.
pub const LIST_LEN: usize = 2;
/// Object nesting below which objects are left empty.
pub const MAX_DEPTH: usize = 4;

/// One documented operation the fake can answer.
#[derive(Clone, Debug)]
pub struct Operation {
    /// HTTP method, upper case (`GET`).
    pub method: String,
    /// Path template as documented (`/repos/{owner}/{repo}/actions/runs`).
    pub template: String,
    /// `operationId` (`actions/list-workflow-runs-for-repo`), empty when absent.
    pub operation_id: String,
    /// The status answered: the lowest 2xx the operation declares, else its lowest 3xx (a
    /// download GitHub answers with a redirect), else 200.
    pub status: u16,
    /// The media types the success response offers, in document order (`application/json`,
    /// `application/vnd.github.diff`, `text/html`, …); empty when it has no body.
    pub media: Vec<String>,
    /// Which service document the operation is in (index into the documents given).
    doc: usize,
    /// JSON pointer to the response's JSON schema in that document, when it has one.
    schema: Option<String>,
    segments: Vec<Segment>,
    /// Path parameters GitHub's answer carries under another field name (`comment_id` is the
    /// comment's `id`), from the documents' `x-github-sql.paramFields` of the resources whose
    /// methods use the operation.
    aliases: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// Text and parameters in one segment (`{base}...{head}`): each parameter matches one or
    /// more characters.
    Pattern(Vec<Piece>),
    /// A whole-segment `{param}`: matches any non-empty segment.
    Param(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Param,
}

impl Segment {
    /// How loosely it matches: a literal beats a pattern, which beats a parameter.
    fn looseness(&self) -> u8 {
        match self {
            Segment::Literal(_) => 0,
            Segment::Pattern(_) => 1,
            Segment::Param(_) => 2,
        }
    }
}

/// What the fake answers for one request.
#[derive(Clone, Debug)]
pub struct Answer<'a> {
    /// The operation whose template matched.
    pub operation: &'a Operation,
    /// Status code.
    pub status: u16,
    /// JSON body (`None`: the operation documents no JSON body, or another media type was
    /// chosen).
    pub body: Option<Value>,
    /// A body that is not JSON (`text/html`, `text/plain`, `application/vnd.github.diff`), with
    /// its media type.
    pub text: Option<(String, String)>,
    /// For a redirect (3xx): where to, relative to the fake's download area
    /// ([`DOWNLOADS`]`/<path>`); the server puts it on another host name than its own.
    pub location: Option<String>,
}

/// Path prefix of the fake's redirect targets: what a 3xx download points at.
pub const DOWNLOADS: &str = "/_downloads";

/// The fake's routes: every GET operation of the documents given.
#[derive(Clone, Debug, Default)]
pub struct SchemaFake {
    docs: Vec<Value>,
    ops: Vec<Operation>,
}

impl SchemaFake {
    /// Reads every `GET` operation of these OpenAPI 3 documents.
    pub fn new(docs: Vec<Value>) -> SchemaFake {
        let mut ops = Vec::new();
        for (d, doc) in docs.iter().enumerate() {
            let aliases = param_aliases(doc);
            for (template, item) in doc["paths"].as_object().into_iter().flatten() {
                for http in ["get", "delete", "patch", "post", "put"] {
                    let Some(op) = item.get(http) else { continue };
                    let (status, schema, media) = response_schema(doc, template, http, op);
                    ops.push(Operation {
                        method: http.to_ascii_uppercase(),
                        template: template.clone(),
                        operation_id: op["operationId"].as_str().unwrap_or_default().to_string(),
                        status,
                        media,
                        doc: d,
                        schema,
                        segments: segments(template),
                        aliases: if http == "get" {
                            aliases.get(template).cloned().unwrap_or_default()
                        } else {
                            Vec::new()
                        },
                    });
                }
            }
        }
        SchemaFake { docs, ops }
    }

    /// Every operation served, in document order.
    pub fn operations(&self) -> &[Operation] {
        &self.ops
    }

    /// The operation a request's method and raw path match. Where several templates match,
    /// a literal segment beats a parameter at the first place they differ
    /// (`/runs/pending` before `/runs/{run_id}`).
    pub fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let parts: Vec<&str> = path.split('/').collect();
        self.ops
            .iter()
            .filter(|op| op.method.eq_ignore_ascii_case(method) && matches(&op.segments, &parts))
            .min_by_key(|op| {
                op.segments
                    .iter()
                    .map(Segment::looseness)
                    .collect::<Vec<u8>>()
            })
    }

    /// The full synthesized body of an operation (page 1, no `per_page` limit).
    pub fn body(&self, op: &Operation) -> Option<Value> {
        let ptr = op.schema.as_deref()?;
        let doc = &self.docs[op.doc];
        let schema = doc.pointer(ptr)?;
        Some(synthesize(doc, schema))
    }

    /// The answer to a request (`query` raw, without `?`), or `None` when no operation matches.
    pub fn answer(&self, method: &str, path: &str, query: Option<&str>) -> Option<Answer<'_>> {
        self.answer_accept(method, path, query, None)
    }

    /// [`SchemaFake::answer`] for a request with this `Accept` header: a media type the
    /// operation offers (`application/vnd.github.diff`) is answered in it, as GitHub does;
    /// otherwise JSON when offered, else the first media type. A 3xx operation answers with
    /// its status and a `location`; a text media type with a deterministic text naming the
    /// operation.
    pub fn answer_accept(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        accept: Option<&str>,
    ) -> Option<Answer<'_>> {
        let op = self.find(method, path)?;
        if (300..400).contains(&op.status) {
            return Some(Answer {
                operation: op,
                status: op.status,
                body: None,
                text: None,
                location: Some(format!("{DOWNLOADS}{path}")),
            });
        }
        let asked = accept.and_then(|a| {
            a.split(',')
                .map(|m| m.split(';').next().unwrap_or_default().trim())
                .find(|m| op.media.iter().any(|o| o == m))
                .map(String::from)
        });
        let chosen = asked.or_else(|| {
            op.media
                .iter()
                .find(|m| is_json(m))
                .or_else(|| op.media.first())
                .cloned()
        });
        if let Some(media) = chosen.filter(|m| !is_json(m)) {
            let text = if media.starts_with("text/html") {
                format!("<p>{} answered in {media}</p>\n", op.operation_id)
            } else {
                format!("{} answered in {media}\n", op.operation_id)
            };
            return Some(Answer {
                operation: op,
                status: op.status,
                body: None,
                text: Some((media, text)),
                location: None,
            });
        }
        let mut body = self.body(op);
        let (mut page, mut per_page) = (1u64, u64::MAX);
        for pair in query.unwrap_or_default().split('&') {
            match pair.split_once('=') {
                Some(("page", v)) => page = v.parse().unwrap_or(1),
                Some(("per_page", v)) => per_page = v.parse().unwrap_or(u64::MAX),
                _ => {}
            }
        }
        if let Some(b) = body.as_mut() {
            paginate(b, page, per_page);
            echo_path_params(b, &op.segments, &op.aliases, path);
        }
        Some(Answer {
            operation: op,
            status: op.status,
            body,
            text: None,
            location: None,
        })
    }
}

fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

fn segments(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .map(|s| {
            let whole = s
                .strip_prefix('{')
                .and_then(|r| r.strip_suffix('}'))
                .filter(|n| !n.contains(['{', '}']));
            if let Some(name) = whole {
                return Segment::Param(name.to_string());
            }
            if !s.contains('{') {
                return Segment::Literal(s.to_string());
            }
            let mut pieces = Vec::new();
            let mut rest = s;
            while let Some(open) = rest.find('{') {
                if open > 0 {
                    pieces.push(Piece::Text(rest[..open].to_string()));
                }
                pieces.push(Piece::Param);
                rest = rest[open..]
                    .find('}')
                    .map_or("", |close| &rest[open + close + 1..]);
            }
            if !rest.is_empty() {
                pieces.push(Piece::Text(rest.to_string()));
            }
            Segment::Pattern(pieces)
        })
        .collect()
}

fn matches(segments: &[Segment], parts: &[&str]) -> bool {
    segments.len() == parts.len()
        && segments.iter().zip(parts).all(|(s, p)| match s {
            Segment::Literal(l) => l == p,
            Segment::Pattern(pieces) => pattern_matches(pieces, p),
            Segment::Param(_) => !p.is_empty(),
        })
}

/// Whether `text` is the pieces, each parameter standing for one or more characters.
fn pattern_matches(pieces: &[Piece], text: &str) -> bool {
    match pieces.split_first() {
        None => text.is_empty(),
        Some((Piece::Text(t), rest)) => text
            .strip_prefix(t.as_str())
            .is_some_and(|r| pattern_matches(rest, r)),
        Some((Piece::Param, rest)) => text
            .char_indices()
            .skip(1)
            .map(|(i, _)| i)
            .chain([text.len()])
            .filter(|&i| i > 0)
            .any(|i| pattern_matches(rest, &text[i..])),
    }
}

/// For each GET path template of a service document: the `(parameter, field)` pairs of the
/// `x-github-sql.paramFields` of the resources with a method on it.
fn param_aliases(doc: &Value) -> std::collections::HashMap<String, Vec<(String, String)>> {
    let mut out: std::collections::HashMap<String, Vec<(String, String)>> =
        std::collections::HashMap::new();
    for r in doc["components"]["x-stackQL-resources"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, r)| r)
    {
        let Some(fields) = r["x-github-sql"]["paramFields"].as_object() else {
            continue;
        };
        for m in r["methods"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, m)| m)
        {
            let Some((path, "get")) = m["operation"]["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/paths/"))
                .and_then(|r| r.rsplit_once('/'))
            else {
                continue;
            };
            let template = path.replace("~1", "/").replace("~0", "~");
            let pairs = out.entry(template).or_default();
            for (p, f) in fields {
                if let Some(f) = f.as_str() {
                    if !pairs.iter().any(|(q, g)| q == p && g == f) {
                        pairs.push((p.clone(), f.to_string()));
                    }
                }
            }
        }
    }
    out
}

/// Writes the request's path parameters into the rows' scalar properties of the same name, as
/// GitHub's answer to `/gitignore/templates/C` has `name: C`, and of the field `aliases` name
/// for them (`/issues/comments/7` answers `id: 7`).
fn echo_path_params(
    body: &mut Value,
    segments: &[Segment],
    aliases: &[(String, String)],
    path: &str,
) {
    let mut values: Vec<(&str, String)> = segments
        .iter()
        .zip(path.split('/'))
        .filter_map(|(s, p)| match s {
            Segment::Param(name) => Some((
                name.as_str(),
                percent_encoding::percent_decode_str(p)
                    .decode_utf8_lossy()
                    .into_owned(),
            )),
            _ => None,
        })
        .collect();
    let aliased: Vec<(&str, String)> = values
        .iter()
        .flat_map(|(name, v)| {
            aliases
                .iter()
                .filter(move |(p, f)| p == name && f != name)
                .map(move |(_, f)| (f.as_str(), v.clone()))
        })
        .collect();
    values.extend(aliased);
    let mut set = |row: &mut Value| {
        for (name, v) in &values {
            match row.get_mut(*name) {
                Some(slot @ Value::String(_)) => *slot = json!(v),
                Some(slot @ Value::Number(_)) => {
                    if let Ok(n) = v.parse::<i64>() {
                        *slot = json!(n);
                    }
                }
                _ => {}
            }
        }
    };
    match body {
        Value::Array(items) => items.iter_mut().for_each(&mut set),
        Value::Object(m) => {
            let arrays: Vec<String> = m
                .iter()
                .filter(|(_, v)| v.is_array())
                .map(|(k, _)| k.clone())
                .collect();
            match arrays.as_slice() {
                [key] if m.contains_key("total_count") => {
                    if let Some(Value::Array(items)) = m.get_mut(key) {
                        items.iter_mut().for_each(&mut set);
                    }
                }
                _ => set(body),
            }
        }
        _ => {}
    }
}

/// Keeps page `page` of `per_page` items of a list body (a top-level array, or the array of a
/// wrapped list); other bodies are left alone.
fn paginate(body: &mut Value, page: u64, per_page: u64) {
    let cut = |items: &mut Vec<Value>| {
        if page > 1 {
            items.clear();
        } else {
            items.truncate(usize::try_from(per_page).unwrap_or(usize::MAX));
        }
    };
    match body {
        Value::Array(items) => cut(items),
        Value::Object(m) => {
            let arrays: Vec<String> = m
                .iter()
                .filter(|(_, v)| v.is_array())
                .map(|(k, _)| k.clone())
                .collect();
            if let [key] = arrays.as_slice() {
                if let Some(Value::Array(items)) = m.get_mut(key) {
                    cut(items);
                }
            }
        }
        _ => {}
    }
}

/// The status of an operation's success response (its lowest 2xx, else its lowest 3xx, else
/// 200), the JSON pointer of its JSON schema, and the media types it offers.
fn response_schema(
    doc: &Value,
    template: &str,
    http: &str,
    op: &Value,
) -> (u16, Option<String>, Vec<String>) {
    let codes: Vec<u16> = op["responses"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.parse::<u16>().ok())
        .collect();
    let lowest =
        |range: std::ops::Range<u16>| codes.iter().copied().filter(|s| range.contains(s)).min();
    let Some(status) = lowest(200..300).or_else(|| lowest(300..400)) else {
        return (200, None, Vec::new());
    };
    let escaped = template.replace('~', "~0").replace('/', "~1");
    let mut ptr = format!("/paths/{escaped}/{http}/responses/{status}");
    // A `$ref` to `#/components/responses/…`.
    for _ in 0..8 {
        match doc.pointer(&ptr).and_then(|r| r["$ref"].as_str()) {
            Some(r) => match r.strip_prefix('#') {
                Some(p) => ptr = p.to_string(),
                None => return (status, None, Vec::new()),
            },
            None => break,
        }
    }
    let Some(content) = doc
        .pointer(&format!("{ptr}/content"))
        .and_then(Value::as_object)
    else {
        return (status, None, Vec::new());
    };
    let offered: Vec<String> = content.keys().cloned().collect();
    let media = content
        .keys()
        .find(|k| k.as_str() == "application/json")
        .or_else(|| content.keys().find(|k| k.contains("json")));
    let Some(media) = media else {
        return (status, None, offered);
    };
    let media = media.replace('~', "~0").replace('/', "~1");
    let schema = format!("{ptr}/content/{media}/schema");
    (status, doc.pointer(&schema).map(|_| schema), offered)
}

/// A JSON value of `schema` (resolved against `doc`), made by the rules of the module docs.
pub fn synthesize(doc: &Value, schema: &Value) -> Value {
    let mut s = Synth {
        doc,
        refs: Vec::new(),
    };
    s.value(schema, "value", 0, 0)
}

struct Synth<'a> {
    doc: &'a Value,
    /// `$ref`s being expanded, outermost first (a repeat is a recursive schema).
    refs: Vec<&'a str>,
}

/// FNV-1a of a name and a salt: the same property always gets the same number.
fn hash(name: &str, salt: usize) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes().chain(salt.to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl<'a> Synth<'a> {
    /// `hint` is the property name, `salt` the index of the array item it is in, `depth` the
    /// object nesting.
    fn value(&mut self, schema: &'a Value, hint: &str, salt: usize, depth: usize) -> Value {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let target = r.strip_prefix('#').and_then(|p| self.doc.pointer(p));
            let Some(target) = target else {
                return Value::Null;
            };
            if self.refs.contains(&r) {
                return empty_of(self.doc, target);
            }
            self.refs.push(r);
            let v = self.value(target, hint, salt, depth);
            self.refs.pop();
            return v;
        }
        if let Some(members) = schema.get("allOf").and_then(Value::as_array) {
            let mut merged: Option<Value> = None;
            for m in members {
                let v = self.value(m, hint, salt, depth);
                merged = Some(match (merged, v) {
                    (Some(Value::Object(mut a)), Value::Object(b)) => {
                        for (k, v) in b {
                            a.entry(k).or_insert(v);
                        }
                        Value::Object(a)
                    }
                    (Some(Value::Null) | None, v) => v,
                    (Some(a), _) => a,
                });
            }
            if let Some(Value::Object(mut m)) = merged {
                // Properties declared beside `allOf` belong to the object too.
                if let Value::Object(own) = self.object(schema, hint, salt, depth) {
                    for (k, v) in own {
                        m.entry(k).or_insert(v);
                    }
                }
                return Value::Object(m);
            }
            return merged.unwrap_or(Value::Null);
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(members) = schema.get(key).and_then(Value::as_array) {
                let first = members
                    .iter()
                    .find(|m| m.get("type").and_then(Value::as_str) != Some("null"));
                return match first {
                    Some(m) => self.value(m, hint, salt, depth),
                    None => Value::Null,
                };
            }
        }
        if let Some(values) = schema.get("enum").and_then(Value::as_array) {
            if let Some(v) = values.iter().find(|v| !v.is_null()) {
                return v.clone();
            }
        }
        match type_of(schema) {
            "object" => {
                if depth >= MAX_DEPTH {
                    return json!({});
                }
                self.object(schema, hint, salt, depth + 1)
            }
            "array" => {
                if depth >= MAX_DEPTH {
                    return json!([]);
                }
                let items = schema.get("items").unwrap_or(&Value::Null);
                Value::Array(
                    (0..LIST_LEN)
                        .map(|i| self.value(items, hint, salt * LIST_LEN + i, depth))
                        .collect(),
                )
            }
            "integer" => json!(number(schema, hint, salt)),
            "number" => json!(number(schema, hint, salt) as f64 + 0.5),
            "boolean" => json!(true),
            _ => json!(string(schema, hint, salt)),
        }
    }

    /// Every property of an object schema (and one key of an `additionalProperties` map).
    fn object(&mut self, schema: &'a Value, hint: &str, salt: usize, depth: usize) -> Value {
        let mut m = Map::new();
        for (k, s) in schema["properties"].as_object().into_iter().flatten() {
            let v = self.value(s, k, salt, depth);
            m.insert(k.clone(), v);
        }
        if m.is_empty() {
            if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
                let v = self.value(extra, hint, salt, depth);
                m.insert(format!("{hint}-key"), v);
            }
        }
        if let Some(count) = m.get_mut("total_count") {
            // A wrapped list's count is its array's length.
            let arrays: Vec<usize> = schema["properties"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, s)| type_of(s) == "array")
                .map(|_| LIST_LEN)
                .collect();
            if let [n] = arrays.as_slice() {
                *count = json!(n);
            }
        }
        Value::Object(m)
    }
}

/// The schema's type: `type` (its first non-null entry when a list), else `object` when it has
/// properties, `array` when it has items, else `string`.
fn type_of(schema: &Value) -> &str {
    match schema.get("type") {
        Some(Value::String(t)) => t,
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("string"),
        _ if schema.get("properties").is_some() || schema.get("allOf").is_some() => "object",
        _ if schema.get("items").is_some() => "array",
        _ => "string",
    }
}

/// `{}` or `[]` for a schema whose expansion is cut short (a recursive `$ref`).
fn empty_of<'a>(doc: &'a Value, mut schema: &'a Value) -> Value {
    for _ in 0..8 {
        match schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|p| doc.pointer(p))
        {
            Some(t) => schema = t,
            None => break,
        }
    }
    if type_of(schema) == "array" {
        json!([])
    } else {
        json!({})
    }
}

fn number(schema: &Value, hint: &str, salt: usize) -> i64 {
    let mut n = (hash(hint, salt) % 1000) as i64 + 1;
    if let Some(min) = schema["minimum"].as_i64() {
        n = n.max(min);
    }
    if let Some(max) = schema["maximum"].as_i64() {
        n = n.min(max);
    }
    n
}

fn string(schema: &Value, hint: &str, salt: usize) -> String {
    let n = hash(hint, salt) % 1000;
    match schema["format"].as_str().unwrap_or_default() {
        "date-time" => format!("2024-01-{:02}T03:04:05Z", salt % 28 + 1),
        "date" => format!("2024-01-{:02}", salt % 28 + 1),
        "uri" | "url" | "uri-template" => format!("https://example.com/{hint}/{n}"),
        "email" => format!("{hint}-{n}@example.com"),
        "uuid" => format!("00000000-0000-4000-8000-{n:012}"),
        "hostname" => "github.example.com".into(),
        "ipv4" => "192.0.2.1".into(),
        "ipv6" => "2001:db8::1".into(),
        "byte" | "binary" => "ZmFrZQ==".into(),
        _ => format!("{hint}-{n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        json!({
            "paths": {
                "/repos/{owner}/{repo}/runs": {"get": {
                    "operationId": "actions/list-runs",
                    "parameters": [{"name": "per_page", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {
                            "total_count": {"type": "integer"},
                            "runs": {"type": "array", "items": {"$ref": "#/components/schemas/run"}}
                        }
                    }}}}}
                }},
                "/repos/{owner}/{repo}/runs/{run_id}": {"get": {
                    "responses": {"200": {"$ref": "#/components/responses/run"}}
                }},
                "/repos/{owner}/{repo}/runs/pending": {"get": {
                    "responses": {"204": {"description": "none"}}
                }},
                "/nodes": {"get": {"responses": {"200": {"content": {"application/json": {
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/node"}}
                }}}}}}
            },
            "components": {
                "responses": {"run": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/run"}}}}},
                "schemas": {
                    "run": {"allOf": [
                        {"type": "object", "properties": {
                            "id": {"type": "integer"},
                            "status": {"type": "string", "enum": ["queued", "done"], "nullable": true},
                            "created_at": {"type": "string", "format": "date-time"},
                            "html_url": {"type": "string", "format": "uri"},
                            "actor": {"anyOf": [{"type": "null"}, {"$ref": "#/components/schemas/user"}]},
                            "score": {"type": "number"},
                            "draft": {"type": "boolean"}
                        }},
                        {"type": "object", "properties": {"id": {"type": "string"}, "extra": {"type": "string"}}}
                    ]},
                    "user": {"type": "object", "properties": {"login": {"type": "string"}, "email": {"type": "string", "format": "email"}}},
                    "node": {"type": "object", "properties": {"name": {"type": "string"}, "child": {"$ref": "#/components/schemas/node"}}}
                }
            }
        })
    }

    #[test]
    fn bodies_follow_the_schema() {
        let f = SchemaFake::new(vec![doc()]);
        let a = f.answer("GET", "/repos/o/r/runs/7", None).expect("matches");
        assert_eq!(a.operation.template, "/repos/{owner}/{repo}/runs/{run_id}");
        let b = a.body.expect("body");
        assert!(
            b["id"].is_i64(),
            "allOf: the first member's property wins: {b}"
        );
        assert!(b["extra"].as_str().is_some_and(|s| s.starts_with("extra-")));
        assert_eq!(b["status"], json!("queued"));
        assert_eq!(b["created_at"], json!("2024-01-01T03:04:05Z"));
        assert!(b["html_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")));
        assert!(b["actor"]["email"]
            .as_str()
            .is_some_and(|e| e.contains('@')));
        assert!(b["score"].is_f64());
        assert_eq!(b["draft"], json!(true));
        // Deterministic.
        assert_eq!(
            f.answer("GET", "/repos/o/r/runs/7", None)
                .expect("again")
                .body,
            Some(b)
        );
    }

    #[test]
    fn lists_are_wrapped_counted_paged_and_distinct() {
        let f = SchemaFake::new(vec![doc()]);
        let b = f
            .answer("GET", "/repos/o/r/runs", Some("per_page=100"))
            .expect("list")
            .body
            .expect("body");
        let runs = b["runs"].as_array().expect("array");
        assert_eq!(runs.len(), LIST_LEN);
        assert_eq!(b["total_count"], json!(LIST_LEN));
        assert_ne!(runs[0]["id"], runs[1]["id"], "items differ");
        let one = f
            .answer("GET", "/repos/o/r/runs", Some("per_page=1"))
            .expect("list")
            .body
            .expect("body");
        assert_eq!(one["runs"].as_array().map(Vec::len), Some(1));
        let later = f
            .answer("GET", "/repos/o/r/runs", Some("page=2&per_page=100"))
            .expect("list")
            .body
            .expect("body");
        assert_eq!(later["runs"], json!([]));
    }

    #[test]
    fn literal_segments_win_and_bodiless_answers_have_their_status() {
        let f = SchemaFake::new(vec![doc()]);
        let a = f
            .answer("GET", "/repos/o/r/runs/pending", None)
            .expect("matches");
        assert_eq!(a.operation.template, "/repos/{owner}/{repo}/runs/pending");
        assert_eq!((a.status, a.body), (204, None));
        assert!(f.answer("GET", "/repos/o/r", None).is_none());
        assert!(f.answer("DELETE", "/repos/o/r/runs/7", None).is_none());
        assert!(
            f.answer("GET", "/repos//r/runs", None).is_none(),
            "an empty segment is no value"
        );
    }

    #[test]
    fn patterns_match_and_path_values_are_echoed() {
        let mut d = doc();
        d["paths"]["/cmp/{base}...{head}"] = json!({"get": {"operationId": "pattern"}});
        d["paths"]["/cmp/{basehead}"] = json!({"get": {"operationId": "param"}});
        d["paths"]["/templates/{name}"] = json!({"get": {"responses": {"200": {"content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "name": {"type": "string"}, "size": {"type": "integer"}}}}}}}}});
        let f = SchemaFake::new(vec![d]);
        let op = |p: &str| f.find("GET", p).map(|o| o.operation_id.clone());
        assert_eq!(op("/cmp/main...dev").as_deref(), Some("pattern"));
        assert_eq!(op("/cmp/main").as_deref(), Some("param"));
        assert_eq!(
            op("/cmp/...dev").as_deref(),
            Some("param"),
            "a parameter is never empty"
        );
        let b = f
            .answer("GET", "/templates/C%2B%2B", None)
            .expect("get")
            .body
            .expect("body");
        assert_eq!(b["name"], json!("C++"));
        assert!(b["size"].is_i64());
        let run = f
            .answer("GET", "/repos/o/r/runs/7", None)
            .expect("run")
            .body
            .expect("body");
        assert_ne!(run["id"], json!(7), "only same-named properties are echoed");
    }

    #[test]
    fn writes_texts_redirects_and_media_types_answer_as_documented() {
        let mut d = doc();
        let text = |media: &str| json!({"content": {media: {"schema": {"type": "string"}}}});
        d["paths"]["/repos/{owner}/{repo}/runs/{run_id}"]["delete"] = json!({"operationId": "actions/delete-run", "responses": {"204": {"description": "No Content"}}});
        d["paths"]["/notifications/threads/{thread_id}"] = json!({"patch": {
            "operationId": "activity/mark-thread-as-read", "responses": {"205": {"description": "Reset Content"}}}});
        d["paths"]["/markdown"] = json!({"post": {"operationId": "markdown/render",
            "responses": {"200": text("text/html")}}});
        d["paths"]["/repos/{owner}/{repo}/zipball/{ref}"] = json!({"get": {
            "operationId": "repos/download-zipball-archive",
            "responses": {"302": {"description": "Found"}}}});
        d["paths"]["/repos/{owner}/{repo}/commits/{ref}"] = json!({"get": {"operationId": "repos/get-commit",
            "responses": {"200": {"content": {
                "application/json": {"schema": {"type": "object", "properties": {"sha": {"type": "string"}}}},
                "application/vnd.github.diff": {"schema": {"type": "string"}}}}}}});
        let f = SchemaFake::new(vec![d]);
        let a = f
            .answer("DELETE", "/repos/o/r/runs/7", None)
            .expect("delete");
        assert_eq!((a.status, a.body, a.text), (204, None, None));
        let a = f
            .answer("PATCH", "/notifications/threads/9", None)
            .expect("patch");
        assert_eq!((a.status, a.body), (205, None));
        let a = f.answer("POST", "/markdown", None).expect("markdown");
        assert_eq!(a.status, 200);
        let (media, body) = a.text.expect("a text body");
        assert_eq!(media, "text/html");
        assert!(body.starts_with("<p>markdown/render"), "{body}");
        let a = f
            .answer("GET", "/repos/o/r/zipball/main", None)
            .expect("zipball");
        assert_eq!(a.status, 302);
        assert_eq!(
            a.location.as_deref(),
            Some("/_downloads/repos/o/r/zipball/main")
        );
        let json = f
            .answer("GET", "/repos/o/r/commits/main", None)
            .expect("commit");
        assert!(
            json.body.is_some() && json.text.is_none(),
            "JSON by default"
        );
        let diff = f
            .answer_accept(
                "GET",
                "/repos/o/r/commits/main",
                None,
                Some("application/vnd.github.diff"),
            )
            .expect("diff");
        assert_eq!(
            diff.text.map(|(m, _)| m).as_deref(),
            Some("application/vnd.github.diff")
        );
    }

    #[test]
    fn recursive_schemas_end() {
        let f = SchemaFake::new(vec![doc()]);
        let b = f
            .answer("GET", "/nodes", None)
            .expect("list")
            .body
            .expect("body");
        let items = b.as_array().expect("array");
        assert_eq!(items.len(), LIST_LEN);
        assert_eq!(
            items[0]["child"],
            json!({}),
            "the ref being expanded is cut: {b}"
        );
        assert!(items[0]["name"].is_string());
    }
}
