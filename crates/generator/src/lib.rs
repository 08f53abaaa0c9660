//! `github-sql generate`: GitHub's REST description (the npm package `@octokit/openapi`,
//! `generated/api.github.com.json`) → a StackQL-layout provider directory
//! (`<out>/github/v00.00.00000/provider.yaml` + `services/<service>.yaml`).
//!
//! Every operation gets a method by fixed rules (docs/generator.md states them); there is no
//! table per operation. The curated `packages` and `registry` documents (provider-spec/) are
//! copied in as they are. Output is deterministic: sorted paths, components, resources and
//! methods, and no timestamps.

mod mapping;
mod naming;
mod refs;
mod verbs;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

pub use verbs::Verb;

/// The provider version folder, as StackQL names it.
pub const VERSION: &str = "v00.00.00000";

/// The curated provider document and its services, copied into the output as they are.
const CURATED_PROVIDER: &str =
    include_str!("../../../provider-spec/github/v00.00.00000/provider.yaml");
const CURATED_SERVICES: &[(&str, &str)] = &[
    (
        "packages.yaml",
        include_str!("../../../provider-spec/github/v00.00.00000/services/packages.yaml"),
    ),
    (
        "registry.yaml",
        include_str!("../../../provider-spec/github/v00.00.00000/services/registry.yaml"),
    ),
];

/// HTTP methods of an OpenAPI path item, in the order methods are read.
const HTTP_METHODS: &[&str] = &[
    "delete", "get", "head", "options", "patch", "post", "put", "trace",
];

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The input file could not be read.
    #[error("generate --from {path}: cannot read it: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The input is not JSON, or has no `paths`.
    #[error("generate --from {path}: {message}; give GitHub's REST description, e.g. node_modules/@octokit/openapi/generated/api.github.com.json")]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The curated documents compiled into the binary are broken.
    #[error("the curated provider document provider-spec/github/{VERSION}/{file}: {message}")]
    Curated {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The output could not be written.
    #[error("generate --out: cannot write {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What one run produced.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Operations in the input.
    pub operations: usize,
    /// Of them, covered by the curated documents.
    pub curated_operations: usize,
    /// Generated services (the curated ones not counted).
    pub services: usize,
    /// Generated resources.
    pub resources: usize,
    /// Generated methods, one per operation not covered by a curated document.
    pub methods: usize,
    /// Generated methods per SQL verb (`exec` for those in no `sqlVerbs` list).
    pub by_verb: BTreeMap<String, usize>,
    /// Of the methods, those serving a further array of an envelope with several (a
    /// comparison's `files` beside its `commits`): the only operations with two methods.
    pub envelope_methods: usize,
    /// Of the methods, those asking for another media type of an operation's answer
    /// (`get_commit_diff`): EXEC methods whose `response.mediaType` the engine sends as `Accept`.
    pub media_methods: usize,
    /// Resources with a row → parameter mapping (`x-github-sql.paramFields`), and mappings.
    pub mapped: (usize, usize),
    /// Resources with envelope columns (`x-github-sql.envelopeFields`), and columns.
    pub envelopes: (usize, usize),
    /// Groups of non-SELECT methods moved to a resource of their own so that no two DELETE,
    /// UPDATE or REPLACE methods of a resource need the same parameters.
    pub split_writes: usize,
}

/// One operation, with what the rules made of it.
struct Op {
    path: String,
    http: String,
    op: Value,
    base: String,
    method: String,
    /// Path parameters and required query parameters: what a WHERE must give.
    required: BTreeSet<String>,
    shape: verbs::Shape,
    /// A method for a further array of an envelope (not the operation's own method): it does
    /// not count towards which group keeps a base name (rule 4).
    extra: bool,
}

/// Removes `examples` from media-type objects (`content.<media>.examples`) and parameters:
/// the engine does not read them, and they are half of GitHub's description.
pub(crate) fn strip_examples(mut v: Value) -> Value {
    fn walk(v: &mut Value, parent_is_content: bool) {
        match v {
            Value::Object(m) => {
                let is_param = m.contains_key("in") && m.contains_key("name");
                if is_param {
                    m.remove("examples");
                }
                for (k, x) in m.iter_mut() {
                    if parent_is_content {
                        if let Value::Object(media) = x {
                            media.remove("examples");
                        }
                    }
                    walk(x, k == "content");
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, false)),
            _ => {}
        }
    }
    walk(&mut v, false);
    v
}

/// A JSON pointer token (`/` → `~1`, `~` → `~0`).
fn pointer_token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn parse_yaml(file: &str, text: &str) -> Result<Value, GenerateError> {
    serde_yaml_ng::from_str(text).map_err(|e| GenerateError::Curated {
        file: file.into(),
        message: e.to_string(),
    })
}

/// One curated service document.
struct CuratedService {
    /// Its `providerServices` entry.
    entry: Value,
    /// Its file name under `services/`.
    file: String,
    /// Its text, copied as it is.
    text: &'static str,
    /// The `(method, path)` of every operation in its `paths`.
    ops: BTreeSet<(String, String)>,
}

/// The curated provider: its `config` and its services by name.
struct Curated {
    config: Value,
    services: BTreeMap<String, CuratedService>,
}

fn curated() -> Result<Curated, GenerateError> {
    let provider = parse_yaml("provider.yaml", CURATED_PROVIDER)?;
    let mut services = BTreeMap::new();
    for (name, entry) in provider["providerServices"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let r = entry["service"]["$ref"].as_str().unwrap_or_default();
        let file = r.rsplit('/').next().unwrap_or_default().to_string();
        let Some((_, text)) = CURATED_SERVICES.iter().find(|(f, _)| **f == file) else {
            return Err(GenerateError::Curated {
                file: "provider.yaml".into(),
                message: format!(
                    "service {name} refers to {r}, which the generator does not carry"
                ),
            });
        };
        let doc = parse_yaml(&format!("services/{file}"), text)?;
        let ops = doc["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .flat_map(|(p, item)| {
                item.as_object()
                    .into_iter()
                    .flatten()
                    .map(move |(m, _)| (m.clone(), p.clone()))
            })
            .collect();
        services.insert(
            name.clone(),
            CuratedService {
                entry: entry.clone(),
                file,
                text,
                ops,
            },
        );
    }
    Ok(Curated {
        config: provider["config"].clone(),
        services,
    })
}

/// Reads GitHub's REST description at `from` and writes the provider directory under `out`.
pub fn generate(from: &Path, out: &Path) -> Result<Summary, GenerateError> {
    let text = std::fs::read_to_string(from).map_err(|source| GenerateError::Read {
        path: from.to_path_buf(),
        source,
    })?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| GenerateError::Input {
        path: from.to_path_buf(),
        message: format!("not JSON ({e})"),
    })?;
    if !doc["paths"].is_object() {
        return Err(GenerateError::Input {
            path: from.to_path_buf(),
            message: "it has no `paths` object, so it is not an OpenAPI description".into(),
        });
    }
    let files = render(&doc)?;
    write_files(out, &files.0)?;
    Ok(files.1)
}

/// The provider directory as `(relative path, text)` pairs, and the summary.
pub fn render(doc: &Value) -> Result<(Vec<(String, String)>, Summary), GenerateError> {
    let curated = curated()?;
    let mut summary = Summary::default();
    let mut by_service: BTreeMap<String, Vec<Op>> = BTreeMap::new();
    let mut paths: Vec<&String> = doc["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, _)| k)
        .collect();
    paths.sort();
    for path in paths {
        let item = &doc["paths"][path.as_str()];
        for &http in HTTP_METHODS {
            let Some(op) = item.get(http) else { continue };
            summary.operations += 1;
            let tag = op["tags"][0].as_str().unwrap_or("misc");
            let mut service = naming::ident(tag);
            if let Some(c) = curated.services.get(&service) {
                if c.ops.contains(&(http.to_string(), path.clone())) {
                    summary.curated_operations += 1;
                    continue;
                }
                // An operation of a curated service's tag that its document lacks.
                service = format!("{service}_generated");
            }
            let gh = &op["x-github"];
            let base = naming::base_resource(
                gh["subcategory"].as_str(),
                gh["category"].as_str(),
                &service,
            );
            let mut op = strip_examples(op.clone());
            // Path-level parameters belong to each operation of the path.
            if let Some(shared) = item["parameters"].as_array() {
                let own = op["parameters"].as_array().cloned().unwrap_or_default();
                op["parameters"] = Value::Array(shared.iter().cloned().chain(own).collect());
            }
            let shape = verbs::shape(doc, http, &op);
            let required: BTreeSet<String> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| verbs::resolve(doc, p))
                .filter(|p| p["in"] == "path" || (p["in"] == "query" && p["required"] == true))
                .filter_map(|p| p["name"].as_str().map(String::from))
                .collect();
            let method = naming::method_name(op["operationId"].as_str(), http, path);
            // An envelope with several arrays of rows: a SELECT method for each further array,
            // after the operation's own method.
            let more: Vec<Op> = shape
                .more_arrays
                .iter()
                .map(|(key, row_schema)| Op {
                    path: path.clone(),
                    http: http.to_string(),
                    method: format!("{method}_{}", naming::ident(key)),
                    op: op.clone(),
                    base: base.clone(),
                    shape: shape.for_array(key, row_schema.clone()),
                    required: required.clone(),
                    extra: true,
                })
                .collect();
            summary.envelope_methods += more.len();
            // Each other media type of the answer (a commit as a diff or a patch): an EXEC
            // method asking for it.
            let media: Vec<Op> = shape
                .other_media
                .iter()
                .map(|m| Op {
                    path: path.clone(),
                    http: http.to_string(),
                    method: format!("{method}_{}", verbs::media_word(m)),
                    op: op.clone(),
                    base: base.clone(),
                    shape: shape.for_media(m),
                    required: required.clone(),
                    extra: true,
                })
                .collect();
            summary.media_methods += media.len();
            let list = by_service.entry(service).or_default();
            list.push(Op {
                path: path.clone(),
                http: http.to_string(),
                method,
                op,
                base,
                shape,
                required,
                extra: false,
            });
            list.extend(more);
            list.extend(media);
        }
    }
    let tag_text: BTreeMap<String, String> = doc["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some((
                naming::ident(t["name"].as_str()?),
                t["description"].as_str().unwrap_or_default().to_string(),
            ))
        })
        .collect();
    let source_version = doc["info"]["version"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let mut files = Vec::new();
    let mut entries = Map::new();
    for (service, ops) in &by_service {
        let description = tag_text
            .get(service.trim_end_matches("_generated"))
            .cloned()
            .unwrap_or_default();
        let text = service_document(
            doc,
            service,
            ops,
            &description,
            &source_version,
            &mut summary,
        );
        files.push((format!("github/{VERSION}/services/{service}.yaml"), text));
        summary.services += 1;
        entries.insert(
            service.clone(),
            json!({
                "id": format!("{service}:{VERSION}"),
                "name": service,
                "preferred": true,
                "service": {"$ref": format!("github/{VERSION}/services/{service}.yaml")},
                "title": format!("GitHub {service}"),
                "version": VERSION,
                "description": first_line(&description),
            }),
        );
    }
    for (name, c) in &curated.services {
        entries.insert(name.clone(), c.entry.clone());
        files.push((
            format!("github/{VERSION}/services/{}", c.file),
            c.text.to_string(),
        ));
    }
    let mut sorted = Map::new();
    let mut names: Vec<&String> = entries.keys().collect();
    names.sort();
    for n in names {
        sorted.insert(n.clone(), entries[n].clone());
    }
    let provider = json!({
        "id": "github",
        "name": "github",
        "version": VERSION,
        "providerServices": sorted,
        "config": curated.config,
    });
    let header = format!(
        "# Generated by `github-sql generate` from GitHub's REST description (info.version {source_version}).\n\
         # Do not edit: see docs/generator.md. The packages and registry services are the curated\n\
         # documents of provider-spec/, copied as they are; config is the curated provider's.\n"
    );
    files.push((
        format!("github/{VERSION}/provider.yaml"),
        header + &to_yaml(&provider),
    ));
    files.sort();
    Ok((files, summary))
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_string()
}

fn to_yaml(v: &Value) -> String {
    // A serde_json::Value always serializes.
    serde_yaml_ng::to_string(v).unwrap_or_default()
}

/// One service's document: its operations' paths, the components they need, and the resources.
fn service_document(
    doc: &Value,
    service: &str,
    ops: &[Op],
    description: &str,
    source_version: &str,
    summary: &mut Summary,
) -> String {
    let (assigned, split) = assign_resources(service, ops);
    summary.split_writes += split;
    // Paths, in sorted order, with this service's operations only.
    let mut paths = Map::new();
    for op in ops {
        let item = paths
            .entry(op.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        item[op.http.as_str()] = op.op.clone();
    }
    let paths_value = Value::Object(paths);
    let mut components = refs::closure(doc, &paths_value);

    let mut resources: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in assigned.iter().enumerate() {
        resources.entry(r.clone()).or_default().push(i);
    }
    let mut res_map = Map::new();
    for (rname, idx) in &resources {
        let mut taken = BTreeSet::new();
        let mut methods: BTreeMap<String, Value> = BTreeMap::new();
        let mut verbs_lists: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut sorted = idx.clone();
        sorted.sort_by(|&a, &b| ops[a].method.cmp(&ops[b].method));
        // The description: the summary of its first SELECT method, else of its first method.
        let described = sorted
            .iter()
            .find(|&&i| ops[i].shape.verb == Verb::Select)
            .or(sorted.first())
            .map(|&i| {
                ops[i].op["summary"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .unwrap_or_default();
        for i in sorted {
            let op = &ops[i];
            let mname = naming::unique(&mut taken, std::slice::from_ref(&op.method));
            let mut response = json!({
                "mediaType": op.shape.media_type,
                "openAPIDocKey": op.shape.doc_key,
            });
            if let Some(k) = &op.shape.object_key {
                response["objectKey"] = json!(k);
            }
            let mut m = json!({
                "operation": {"$ref": format!("#/paths/{}/{}", pointer_token(&op.path), op.http)},
                "response": response,
            });
            if let Some(media) = op.op["requestBody"]["content"]
                .as_object()
                .and_then(|c| c.keys().min().cloned())
            {
                // Kept for StackQL's naive translation: body fields as `data__<field>`.
                m["request"] = json!({"mediaType": media});
                m["config"] = json!({"requestBodyTranslate": {"algorithm": "naive"}});
            }
            *summary
                .by_verb
                .entry(op.shape.verb.key().unwrap_or("exec").to_string())
                .or_default() += 1;
            summary.methods += 1;
            if let Some(v) = op.shape.verb.key() {
                verbs_lists.entry(v).or_default().push(mname.clone());
            }
            methods.insert(mname, m);
        }
        let mut sql_verbs = Map::new();
        for v in ["select", "insert", "update", "delete", "replace"] {
            let list: Vec<Value> = verbs_lists
                .get(v)
                .into_iter()
                .flatten()
                .map(|n| json!({"$ref": format!("#/components/x-stackQL-resources/{rname}/methods/{n}")}))
                .collect();
            sql_verbs.insert(v.to_string(), Value::Array(list));
        }
        let mut resource = json!({
            "id": format!("github.{service}.{rname}"),
            "name": rname,
            "title": rname.replace('_', " "),
            "description": described,
            "methods": methods.into_iter().collect::<Map<String, Value>>(),
            "sqlVerbs": sql_verbs,
        });
        let mut ext = Map::new();
        let param_fields = mapping::param_fields(doc, ops, idx);
        if !param_fields.is_empty() {
            summary.mapped.0 += 1;
            summary.mapped.1 += param_fields.len();
            ext.insert("paramFields".into(), json!(param_fields));
        }
        let envelope = mapping::envelope_fields(doc, ops, idx);
        if !envelope.is_empty() {
            summary.envelopes.0 += 1;
            summary.envelopes.1 += envelope.len();
            ext.insert("envelopeFields".into(), json!(envelope));
        }
        if !ext.is_empty() {
            resource["x-github-sql"] = Value::Object(ext);
        }
        res_map.insert(rname.clone(), resource);
        summary.resources += 1;
    }
    components.insert("x-stackQL-resources".into(), Value::Object(res_map));
    let document = json!({
        "openapi": "3.0.3",
        "info": {
            "title": format!("GitHub {service}"),
            "version": VERSION,
            "description": description,
            "x-source": {
                "package": "@octokit/openapi",
                "file": "generated/api.github.com.json",
                "info_version": source_version,
            },
        },
        "servers": [{"url": "https://api.github.com"}],
        "x-stackQL-config": {
            "pagination": {
                "requestToken": {"key": "", "location": "request"},
                "responseToken": {"key": "Link", "location": "header"},
            },
        },
        "paths": paths_value,
        "components": components,
    });
    format!(
        "# Generated by `github-sql generate` (docs/generator.md); do not edit.\n{}",
        to_yaml(&document)
    )
}

/// The resource of each operation (same order as `ops`). Rules, in order:
/// 1. An operation's base resource is its subcategory (see [`naming::base_resource`]).
/// 2. Within a base, SELECT methods are grouped by their row schema (the `$ref` of one row).
///    The group with most methods (ties: the schema name first in order), and methods whose row
///    is inline, keep the base name; every other group becomes a resource named after its
///    schema ([`naming::schema_resource`]), else `<base>_<schema>`, else with `_2`, `_3`, ….
/// 3. SELECT methods of one resource with the same required parameters are split (see below).
/// 4. Any other operation joins the resource of the SELECT method on the same path, else of the
///    list of the collection it addresses an item of, else its base.
/// 5. DELETE, UPDATE and REPLACE methods of one resource that need the same parameters are
///    split ([`split_writes`]).
fn assign_resources(service: &str, ops: &[Op]) -> (Vec<String>, usize) {
    let mut taken: BTreeSet<String> = ops.iter().map(|o| o.base.clone()).collect();
    // base → row schema → count of SELECT methods.
    let mut groups: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for o in ops.iter().filter(|o| o.shape.verb == Verb::Select) {
        if let Some(s) = &o.shape.row_schema {
            let n = groups.entry(&o.base).or_default().entry(s).or_default();
            *n += usize::from(!o.extra);
        }
    }
    let mut renamed: BTreeMap<(&str, &str), String> = BTreeMap::new();
    for (base, counts) in &groups {
        let keeper = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(s, _)| *s);
        for schema in counts.keys() {
            if Some(*schema) == keeper {
                continue;
            }
            let own = naming::schema_resource(schema, service);
            let name = naming::unique(&mut taken, &[own.clone(), format!("{base}_{own}")]);
            renamed.insert((base, schema), name);
        }
    }
    let mut out = Vec::with_capacity(ops.len());
    for o in ops {
        let r = match (&o.shape.verb, &o.shape.row_schema) {
            (Verb::Select, Some(s)) => renamed
                .get(&(o.base.as_str(), s.as_str()))
                .cloned()
                .unwrap_or_else(|| o.base.clone()),
            _ => o.base.clone(),
        };
        out.push(r);
    }
    // SELECT methods of one resource that need the same parameters cannot be told apart by a
    // WHERE: the shortest-named one (ties: first in order) keeps the resource, each other one
    // becomes its own resource named after its method.
    let mut clashes: BTreeMap<(String, &BTreeSet<String>), Vec<usize>> = BTreeMap::new();
    for (i, o) in ops.iter().enumerate() {
        if o.shape.verb == Verb::Select {
            clashes
                .entry((out[i].clone(), &o.required))
                .or_default()
                .push(i);
        }
    }
    for ((resource, _), mut idx) in clashes {
        idx.sort_by(|&a, &b| {
            (ops[a].method.len(), &ops[a].method).cmp(&(ops[b].method.len(), &ops[b].method))
        });
        for &i in &idx[1..] {
            out[i] = naming::unique(
                &mut taken,
                &naming::method_resource(&ops[i].method, &resource),
            );
        }
    }
    // Other operations join the resource of the SELECT method on their path (an envelope's own
    // method, not its further arrays), else of the list whose path is theirs without its
    // trailing `{param}` segments: the collection they address an item of.
    let mut by_path: BTreeMap<&str, String> = BTreeMap::new();
    let mut lists: BTreeMap<&str, String> = BTreeMap::new();
    for (i, o) in ops.iter().enumerate() {
        if o.shape.verb == Verb::Select {
            by_path.entry(&o.path).or_insert_with(|| out[i].clone());
            if o.shape.list {
                lists.entry(&o.path).or_insert_with(|| out[i].clone());
            }
        }
    }
    for (i, o) in ops.iter().enumerate() {
        if o.shape.verb != Verb::Select {
            let joined = by_path
                .get(o.path.as_str())
                .or_else(|| collection_of(&o.path).and_then(|c| lists.get(c)));
            if let Some(r) = joined {
                out[i] = r.clone();
            }
        }
    }
    let split = split_writes(ops, &mut out, &mut taken);
    (out, split)
}

/// `path` without its trailing `/{param}` segments, when it has at least one.
fn collection_of(path: &str) -> Option<&str> {
    let mut p = path;
    while let Some((head, last)) = p.rsplit_once('/') {
        if last.starts_with('{') && last.ends_with('}') {
            p = head;
        } else {
            break;
        }
    }
    (p.len() < path.len()).then_some(p)
}

/// No two DELETE, UPDATE or REPLACE methods of one resource may need the same parameters (path
/// and required query parameters): a WHERE could not tell them apart. Within a resource, the
/// other operations are taken path by path — the paths of its SELECT methods first, then the
/// rest in order — and a path whose DELETE, UPDATE or REPLACE method needs what a method of the
/// same verb already kept needs moves, with every other operation on it, to a resource of its
/// own, named after that method ([`naming::method_resource`]). Returns how many paths moved.
fn split_writes(ops: &[Op], out: &mut [String], taken: &mut BTreeSet<String>) -> usize {
    let writes = [Verb::Delete, Verb::Update, Verb::Replace];
    let mut select_paths: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let mut groups: BTreeMap<String, BTreeMap<&str, Vec<usize>>> = BTreeMap::new();
    for (i, o) in ops.iter().enumerate() {
        if o.shape.verb == Verb::Select {
            select_paths
                .entry(out[i].clone())
                .or_default()
                .insert(&o.path);
        } else {
            groups
                .entry(out[i].clone())
                .or_default()
                .entry(&o.path)
                .or_default()
                .push(i);
        }
    }
    let mut moved = 0;
    for (resource, paths) in groups {
        let home = select_paths.get(&resource);
        let mut order: Vec<&str> = paths.keys().copied().collect();
        order.sort_by_key(|p| (!home.is_some_and(|h| h.contains(p)), *p));
        let mut kept: BTreeSet<(Verb, &BTreeSet<String>)> = BTreeSet::new();
        for path in order {
            let idx = &paths[path];
            let clashing = idx.iter().copied().find(|&i| {
                writes.contains(&ops[i].shape.verb)
                    && kept.contains(&(ops[i].shape.verb, &ops[i].required))
            });
            match clashing {
                Some(first) => {
                    let name = naming::unique(
                        taken,
                        &naming::method_resource(&ops[first].method, &resource),
                    );
                    for &i in idx {
                        out[i] = name.clone();
                    }
                    moved += 1;
                }
                None => {
                    for &i in idx {
                        if writes.contains(&ops[i].shape.verb) {
                            kept.insert((ops[i].shape.verb, &ops[i].required));
                        }
                    }
                }
            }
        }
    }
    moved
}

/// Writes `files` under `out`, first removing service documents left from an earlier run.
fn write_files(out: &Path, files: &[(String, String)]) -> Result<(), GenerateError> {
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenerateError::Write { path, source }
    };
    let services = out.join("github").join(VERSION).join("services");
    if let Ok(entries) = std::fs::read_dir(&services) {
        for e in entries.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "yaml") {
                std::fs::remove_file(&p).map_err(werr(&p))?;
            }
        }
    }
    for (rel, text) in files {
        let p = out.join(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(werr(dir))?;
        }
        std::fs::write(&p, text).map_err(werr(&p))?;
    }
    Ok(())
}
