//! What a resource's rows say about its parameters (`x-github-sql.paramFields`), and the
//! envelope fields readable on every row (`x-github-sql.envelopeFields`): decided from the
//! operations, their schemas and GitHub's examples (docs/generator.md, "Row → parameter
//! mappings" and "Envelopes").

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::verbs::{resolve, Verb};
use super::Op;

/// The schema types a schema allows (`type`, a type list, or the members of `oneOf`/`anyOf`/
/// `allOf`), `null` left out.
fn kinds(doc: &Value, schema: &Value, depth: usize) -> BTreeSet<String> {
    let s = resolve(doc, schema);
    let mut out = BTreeSet::new();
    match s.get("type") {
        Some(Value::String(t)) => {
            out.insert(t.clone());
        }
        Some(Value::Array(ts)) => out.extend(ts.iter().filter_map(Value::as_str).map(String::from)),
        _ => {
            if s.get("properties").is_some() {
                out.insert("object".to_string());
            }
            if depth < 8 {
                for k in ["oneOf", "anyOf", "allOf"] {
                    for m in s[k].as_array().into_iter().flatten() {
                        out.extend(kinds(doc, m, depth + 1));
                    }
                }
            }
        }
    }
    out.remove("null");
    out
}

/// The properties of a row schema with those of its `allOf`/`anyOf`/`oneOf` members (the first
/// of a name wins, as the engine reads columns).
fn properties<'v>(
    doc: &'v Value,
    schema: &'v Value,
    depth: usize,
    out: &mut Vec<(&'v str, &'v Value)>,
) {
    let s = resolve(doc, schema);
    if depth > 8 {
        return;
    }
    for (k, v) in s["properties"].as_object().into_iter().flatten() {
        if !out.iter().any(|(f, _)| *f == k) {
            out.push((k, v));
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        for m in s[key].as_array().into_iter().flatten() {
            properties(doc, m, depth + 1, out);
        }
    }
}

/// The success response's JSON media object of a GET operation (lowest 2xx).
fn media<'v>(doc: &'v Value, op: &'v Value, key: &str, media: &str) -> &'v Value {
    let r = resolve(doc, &op["responses"][key]);
    &r["content"][media]
}

/// The example answer of an operation (`examples.<first>.value`, following `$ref`s to
/// `#/components/examples`, or `example`), if the description has one.
fn example_answer<'v>(doc: &'v Value, media: &'v Value) -> Option<&'v Value> {
    if let Some(e) = media.get("example") {
        return Some(e);
    }
    let first = media["examples"].as_object()?.values().next()?;
    let v = &resolve(doc, first)["value"];
    (!v.is_null()).then_some(v)
}

/// One row of an answer, as the method reads it: the first item of the array (or of the
/// `objectKey` array), else the object.
fn first_row<'v>(answer: &'v Value, object_key: Option<&str>) -> Option<&'v Value> {
    let v = match object_key {
        Some(k) => answer.get(k.trim_start_matches("$."))?,
        None => answer,
    };
    match v {
        Value::Array(a) => a.first(),
        Value::Object(_) => Some(v),
        _ => None,
    }
}

/// The schema of one row of a SELECT operation.
pub fn row_schema<'v>(doc: &'v Value, op: &'v Op) -> &'v Value {
    let s = resolve(
        doc,
        &media(doc, &op.op, &op.shape.doc_key, &op.shape.media_type)["schema"],
    );
    match &op.shape.object_key {
        Some(k) => resolve(
            doc,
            &resolve(doc, &s["properties"][k.trim_start_matches("$.")])["items"],
        ),
        None if s["type"] == "array" => resolve(doc, &s["items"]),
        None => s,
    }
}

/// A row field: its schema types and an example value, if GitHub's examples give one.
struct Field<'v> {
    kinds: BTreeSet<String>,
    example: Option<&'v Value>,
}

/// The fields of a resource's rows: the union over its SELECT methods, with examples.
fn row_fields<'v>(
    doc: &'v Value,
    ops: &'v [Op],
    members: &[usize],
) -> BTreeMap<&'v str, Field<'v>> {
    let mut out: BTreeMap<&str, Field> = BTreeMap::new();
    for &i in members {
        let op = &ops[i];
        if op.shape.verb != Verb::Select {
            continue;
        }
        // The description's own operation: the copy in `op` has its examples removed.
        let orig = &doc["paths"][op.path.as_str()][op.http.as_str()];
        let answer = example_answer(
            doc,
            media(doc, orig, &op.shape.doc_key, &op.shape.media_type),
        );
        let row = answer.and_then(|a| first_row(a, op.shape.object_key.as_deref()));
        let mut props = Vec::new();
        properties(doc, row_schema(doc, op), 0, &mut props);
        for (name, schema) in props {
            let f = out.entry(name).or_insert_with(|| Field {
                kinds: kinds(doc, schema, 0),
                example: None,
            });
            if f.example.is_none() {
                f.example = row.and_then(|r| r.get(name)).filter(|v| !v.is_null());
            }
        }
    }
    out
}

/// Names of the `{param}` segments of a path.
fn path_params(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|r| r.strip_suffix('}')))
        .collect()
}

/// A path parameter's declaration in an operation.
fn param<'v>(doc: &'v Value, op: &'v Value, name: &str) -> Option<&'v Value> {
    op["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| resolve(doc, p))
        .find(|p| p["in"] == "path" && p["name"] == name)
}

/// The row → parameter mappings of one resource (`param → field`), by the rules of
/// docs/generator.md:
///
/// - only the parameters that identify one of the resource's rows: the trailing `{…}` segments
///   of its gets' paths that none of its lists takes (`/repos/{owner}/{repo}/issues/
///   {issue_number}`), and the `{…}` segments a method of the resource adds right after one of
///   its lists' paths (`/repos/{owner}/{repo}/labels` + `/{name}`);
/// - the field: the parameter's own name, else the last word of a `<thing>_<word>` name
///   (`comment_id` ← `id`, `issue_number` ← `number`, `secret_name` ← `name`, `team_slug` ←
///   `slug`), else `login` for `username` (GitHub's user rows call the handle `login`);
/// - only when the field's schema type is one the parameter takes (an `owner` object never
///   gives the `owner` login), no other parameter of the resource is named like the field,
///   and GitHub's examples do not show the two in different forms (a git ref's `ref` field says
///   `refs/heads/featureA`, the `ref` parameter `heads/feature-a`: a different number of
///   `/`-separated parts);
/// - a field that two parameters would read is given to neither.
pub fn param_fields(doc: &Value, ops: &[Op], members: &[usize]) -> BTreeMap<String, String> {
    let selects: Vec<&Op> = members
        .iter()
        .map(|&i| &ops[i])
        .filter(|o| o.shape.verb == Verb::Select)
        .collect();
    if selects.is_empty() {
        return BTreeMap::new();
    }
    let lists: Vec<&Op> = selects.iter().copied().filter(|o| o.shape.list).collect();
    let list_params: BTreeSet<&str> = lists.iter().flat_map(|o| path_params(&o.path)).collect();
    // parameter → the operation declaring it.
    let mut identity: BTreeMap<&str, &Op> = BTreeMap::new();
    for g in selects.iter().filter(|o| !o.shape.list) {
        // The `{…}` segments after its last literal one: what addresses the row (a get of
        // `/issues/{issue_number}/parent` answers another issue than `issue_number`).
        let trailing: Vec<&str> = g
            .path
            .rsplit('/')
            .take_while(|s| s.starts_with('{') && s.ends_with('}'))
            .map(|s| &s[1..s.len() - 1])
            .collect();
        for p in trailing {
            if !list_params.contains(p) {
                identity.entry(p).or_insert(g);
            }
        }
    }
    for &i in members {
        let m = &ops[i];
        for l in &lists {
            let Some(rest) = m.path.strip_prefix(&format!("{}/", l.path)) else {
                continue;
            };
            let segs: Vec<&str> = rest.split('/').collect();
            if segs.iter().all(|s| s.starts_with('{') && s.ends_with('}')) {
                for s in segs {
                    identity.entry(&s[1..s.len() - 1]).or_insert(m);
                }
            }
        }
    }
    let fields = row_fields(doc, ops, members);
    let all_params: BTreeSet<String> = members
        .iter()
        .flat_map(|&i| {
            ops[i].op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| resolve(doc, p)["name"].as_str().map(String::from))
        })
        .collect();
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut by_field: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (p, op) in identity {
        let Some(decl) = param(doc, &op.op, p) else {
            continue;
        };
        let mut candidates = vec![p.to_string()];
        if let Some((_, last)) = p.rsplit_once('_') {
            candidates.push(last.to_string());
        }
        if p == "username" {
            candidates.push("login".into());
        }
        let takes = kinds(doc, &decl["schema"], 0);
        let example = decl.get("example").or_else(|| {
            decl["examples"]
                .as_object()
                .and_then(|e| e.values().next())
                .map(|e| &resolve(doc, e)["value"])
        });
        let chosen = candidates.into_iter().find(|f| {
            let Some(field) = fields.get(f.as_str()) else {
                return false;
            };
            let typed = !field.kinds.is_empty()
                && field
                    .kinds
                    .iter()
                    .all(|k| takes.contains(k) || takes.is_empty() && k == "string")
                && !field.kinds.contains("object")
                && !field.kinds.contains("array");
            let other_param = f != p && all_params.contains(f);
            let same_form = match (
                example.and_then(Value::as_str),
                field.example.and_then(Value::as_str),
            ) {
                (Some(a), Some(b)) => a.split('/').count() == b.split('/').count(),
                _ => true,
            };
            typed && !other_param && same_form
        });
        if let Some(f) = chosen {
            by_field.entry(f.clone()).or_default().push(p.to_string());
            found.insert(p.to_string(), f);
        }
    }
    for (_, params) in by_field {
        if params.len() > 1 {
            for p in params {
                found.remove(&p);
            }
        }
    }
    found
}

/// The envelope columns of a resource (`column → field`): every property of the object around
/// its SELECT methods' rows other than the row arrays (`total_count`, `incomplete_results`;
/// traffic's `count` and `uniques`), named as the field, else `envelope_<field>` when a row
/// field, a parameter or another envelope column already has the name (traffic's rows have a
/// `count` too: `envelope_count`), else with `_2`, `_3`, … appended.
pub fn envelope_fields(doc: &Value, ops: &[Op], members: &[usize]) -> BTreeMap<String, String> {
    let fields = row_fields(doc, ops, members);
    let mut taken: BTreeSet<String> = fields.keys().map(|f| f.to_string()).collect();
    for &i in members {
        for p in ops[i].op["parameters"].as_array().into_iter().flatten() {
            if let Some(n) = resolve(doc, p)["name"].as_str() {
                taken.insert(n.to_string());
            }
        }
    }
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut sorted: Vec<usize> = members.to_vec();
    sorted.sort_by(|&a, &b| ops[a].method.cmp(&ops[b].method));
    for i in sorted {
        let op = &ops[i];
        let (Verb::Select, Some(_)) = (op.shape.verb, &op.shape.object_key) else {
            continue;
        };
        for f in &op.shape.envelope_fields {
            if out.values().any(|v| v == f) {
                continue;
            }
            let name = super::naming::unique(&mut taken, &[f.clone(), format!("envelope_{f}")]);
            out.insert(name, f.clone());
        }
    }
    out
}
