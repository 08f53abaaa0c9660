//! The components a service document needs: every `#/components/...` reachable from its paths.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// Adds to `found` every `(kind, name)` that `v` refers to with `$ref: '#/components/<kind>/<name>'`.
fn direct(v: &Value, found: &mut BTreeSet<(String, String)>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                if let Some(rest) = r.strip_prefix("#/components/") {
                    if let Some((kind, name)) = rest.split_once('/') {
                        found.insert((kind.to_string(), unescape(name)));
                    }
                }
            }
            m.values().for_each(|x| direct(x, found));
        }
        Value::Array(a) => a.iter().for_each(|x| direct(x, found)),
        _ => {}
    }
}

fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

/// The transitive closure of components referred to from `start`, as a sorted
/// `components` map (kinds and names in order). Missing targets are left out; the engine names
/// a dangling `$ref` when it loads the document.
pub fn closure(doc: &Value, start: &Value) -> Map<String, Value> {
    let mut todo = BTreeSet::new();
    direct(start, &mut todo);
    let mut done: BTreeSet<(String, String)> = BTreeSet::new();
    while let Some(k) = todo.pop_first() {
        if done.contains(&k) {
            continue;
        }
        if let Some(v) = doc["components"][&k.0].get(&k.1) {
            let mut more = BTreeSet::new();
            direct(&super::strip_examples(v.clone()), &mut more);
            todo.extend(more.into_iter().filter(|m| !done.contains(m)));
        }
        done.insert(k);
    }
    let mut out = Map::new();
    for (kind, name) in done {
        if let Some(v) = doc["components"][&kind].get(&name) {
            let entry = out
                .entry(kind.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(m) = entry {
                m.insert(name, super::strip_examples(v.clone()));
            }
        }
    }
    out
}
