//! Reading provider documents: the embedded copy, or a directory named by `GITHUB_SQL_PROVIDER_DIR`.
//!
//! Besides StackQL's layout, the loader reads these github-sql extensions (all optional):
//!
//! - **A server per service.** A service document whose `servers[0].url` is not
//!   `https://api.github.com` has its own server ([`Server`]): `x-github-sql-env` names an
//!   environment variable that overrides the URL, `x-github-sql-enterprise` gives the URL for
//!   GitHub Enterprise Server with `{host}` standing for the API's host, and `x-github-sql-auth`
//!   is `token` (default) or `bearer-challenge` (the registry's `WWW-Authenticate` handshake).
//! - **Fixed request headers per method.** An operation parameter `in: header` with a schema
//!   `default` is sent with that value (e.g. `Accept` with the media types a method reads); it is
//!   not a SQL parameter.
//! - **Multi-segment path parameters.** `x-github-sql-multiSegment: true` on a path parameter lets
//!   its value contain `/` (an image name `octo/app`); each segment is still percent-encoded.
//!   GitHub's own description says the same with `x-multi-segment: true` (a file `path` of the
//!   contents API, a git `ref` such as `heads/feature-a`), which is read too.
//! - **404 as an error.** `x-github-sql-notFound: error` on an operation makes a 404 fail the
//!   statement instead of giving no rows (content that must exist: fail closed).
//! - **Writes that always need confirming.** `x-github-sql-confirm: <why>` on an operation (a
//!   package's delete: "deletes every version of the package") makes any DELETE that reaches it
//!   need the user's say-so, as a bulk DELETE does.
//! - **Soft deletes.** `x-github-sql.softDelete: {field: deleted_at, restore: <method>, days: 30}`
//!   on a resource: a deleted row stays restorable for `days`; a GET shows it with `field` set.
//!   An ambiguous DELETE answer is checked by that field, and a failed DELETE names the restore.
//! - **Row → parameter mappings.** `x-github-sql.paramFields: {param: field}` on a resource: an
//!   equality on the field's column fills the parameter (SELECT), and a scanned row supplies the
//!   parameter from that field to DELETE, UPDATE and REPLACE ([`Resource::row_params`]). Writes
//!   read a parameter from a row through these alone.
//! - **Columns below the top level.** `x-github-sql.fieldPaths: {column: 'a.b'}` on a resource
//!   adds a column read from a nested key; a one-segment path (`media_type: mediaType`) renames
//!   the top-level field's column instead.
//! - **Token scopes per service.** `x-github-sql-scopes: {get: [read:packages], delete: […],
//!   extra: [{param: package_type, values: [maven], scope: repo, why: …}]}` at the top of a
//!   service document: the scopes a 403 or a
//!   missing token names for its methods (provider.yaml's `config.scopes` is the default).
//! - **Computed columns.** `x-github-sql.computedColumns: {column: {from: …, description: …}}`
//!   with `from` one of `body-sha256` (`sha256:<hex>` of the body: a manifest's digest),
//!   `body-size` (bytes) or `header:<Name>` (a response header).

mod resource;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::model::*;
use resource::load_resource;

/// Environment variable naming a directory that replaces the embedded provider documents.
pub const PROVIDER_DIR_ENV: &str = "GITHUB_SQL_PROVIDER_DIR";

/// A provider document that cannot be used, with where in it the problem is.
#[derive(Debug, thiserror::Error)]
#[error("provider document {file}: {location}: {message}")]
pub struct SpecError {
    /// File (relative to the provider root).
    pub file: String,
    /// Location inside the file (a JSON pointer or a description).
    pub location: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Loads a provider from documents held in memory, keyed by their path relative to the providers
/// root (`github/v00.00.00000/provider.yaml`, `github/v00.00.00000/services/packages.yaml`): what
/// the engine's build script does with the committed documents.
pub fn load_files(files: HashMap<String, String>) -> Result<Provider, SpecError> {
    load(&Files::Embedded(files))
}

/// Loads a provider from a directory laid out like `provider-spec/`
/// (`<dir>/<provider>/<version>/provider.yaml`).
///
/// The directory may also be the provider's own folder (`<dir>/<version>/provider.yaml`) or its
/// version folder (`<dir>/provider.yaml`): the providers root is then found above it, since
/// StackQL's service `$ref`s are relative to that root.
pub fn load_dir(dir: &Path) -> Result<Provider, SpecError> {
    load(&Files::Dir(providers_root(dir)))
}

/// The folder holding `<provider>/<version>/provider.yaml`, for a directory given at any of the
/// three levels.
fn providers_root(dir: &Path) -> PathBuf {
    let has = |d: &Path| d.join("provider.yaml").is_file();
    if has(dir) {
        if let Some(root) = dir.parent().and_then(Path::parent) {
            return root.to_path_buf();
        }
    }
    let version_below = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| has(&e.path()));
    match dir.parent() {
        Some(root) if version_below => root.to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

enum Files {
    Embedded(HashMap<String, String>),
    Dir(PathBuf),
}

impl Files {
    fn read(&self, rel: &str) -> Result<String, SpecError> {
        let missing = |why: String| SpecError {
            file: rel.to_string(),
            location: "(file)".into(),
            message: why,
        };
        match self {
            Files::Embedded(m) => m
                .get(rel)
                .cloned()
                .ok_or_else(|| missing("not among the embedded provider files".into())),
            Files::Dir(d) => std::fs::read_to_string(d.join(rel))
                .map_err(|e| missing(format!("cannot read {}: {e}", d.join(rel).display()))),
        }
    }

    /// Paths of every `provider.yaml`, relative to the root.
    fn providers(&self) -> Result<Vec<String>, SpecError> {
        let mut found: Vec<String> = match self {
            Files::Embedded(m) => m
                .keys()
                .filter(|k| k.ends_with("provider.yaml"))
                .cloned()
                .collect(),
            Files::Dir(d) => {
                let mut v = Vec::new();
                for p in std::fs::read_dir(d).into_iter().flatten().flatten() {
                    for ver in std::fs::read_dir(p.path()).into_iter().flatten().flatten() {
                        if ver.path().join("provider.yaml").is_file() {
                            let rel = ver.path().join("provider.yaml");
                            if let Ok(r) = rel.strip_prefix(d) {
                                v.push(r.to_string_lossy().replace('\\', "/"));
                            }
                        }
                    }
                }
                v
            }
        };
        found.sort();
        if found.is_empty() {
            let root = match self {
                Files::Embedded(_) => "(embedded)".to_string(),
                Files::Dir(d) => d.display().to_string(),
            };
            return Err(SpecError {
                file: root,
                location: "(directory)".into(),
                message: format!(
                    "no <provider>/<version>/provider.yaml found; point {PROVIDER_DIR_ENV} at a \
                     directory laid out like provider-spec/"
                ),
            });
        }
        Ok(found)
    }
}

fn parse_yaml(file: &str, text: &str) -> Result<Value, SpecError> {
    serde_yaml_ng::from_str(text).map_err(|e| SpecError {
        file: file.to_string(),
        location: "(yaml)".into(),
        message: e.to_string(),
    })
}

/// Context for errors and `$ref` lookups inside one document.
struct Doc<'a> {
    file: &'a str,
    root: &'a Value,
}

impl Doc<'_> {
    fn err(&self, location: impl Into<String>, message: impl Into<String>) -> SpecError {
        SpecError {
            file: self.file.to_string(),
            location: location.into(),
            message: message.into(),
        }
    }

    /// Follows local `$ref`s (`#/components/...`) until a non-reference value.
    fn resolve<'v>(&'v self, mut v: &'v Value, at: &str) -> Result<&'v Value, SpecError> {
        for _ in 0..32 {
            match v.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let ptr = r.strip_prefix('#').ok_or_else(|| {
                        self.err(at, format!("only local $refs are supported, got {r}"))
                    })?;
                    v = self
                        .root
                        .pointer(ptr)
                        .ok_or_else(|| self.err(at, format!("$ref {r} points at nothing")))?;
                }
                None => return Ok(v),
            }
        }
        Err(self.err(at, "$ref chain too long (a cycle?)"))
    }
}

fn str_of(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn sql_type(schema: &Value) -> SqlType {
    match schema.get("type").and_then(Value::as_str) {
        Some("integer") | Some("boolean") => SqlType::Integer,
        Some("number") => SqlType::Real,
        Some("object") | Some("array") => SqlType::Json,
        _ => SqlType::Text,
    }
}

/// The SQL type of a response property: its `type`, else that of its first `allOf`/`anyOf`/
/// `oneOf` member that is not `type: null` (GitHub writes a nullable object as
/// `anyOf: [{type: null}, {$ref: …}]` or `allOf: [{$ref: …}]`), else JSON for a schema with
/// properties or items.
fn property_type(doc: &Doc<'_>, schema: &Value, depth: usize) -> SqlType {
    if schema.get("type").and_then(Value::as_str).is_some() || depth > 8 {
        return sql_type(schema);
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        let members = schema[key].as_array().into_iter().flatten();
        for m in members.filter_map(|m| doc.resolve(m, "").ok()) {
            if m.get("type").and_then(Value::as_str) != Some("null") {
                return property_type(doc, m, depth + 1);
            }
        }
    }
    if ["properties", "items", "additionalProperties"]
        .iter()
        .any(|k| schema.get(*k).is_some())
    {
        SqlType::Json
    } else {
        SqlType::Text
    }
}

/// The schema's `type`; of a list (`[string, 'null']`, OpenAPI 3.1) the first that is not null.
fn schema_type(schema: &Value) -> Option<&str> {
    match &schema["type"] {
        Value::String(t) => Some(t),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

fn json_type(schema: &Value) -> JsonType {
    match schema_type(schema) {
        Some("string") => JsonType::String,
        Some("integer") => JsonType::Integer,
        Some("number") => JsonType::Number,
        Some("boolean") => JsonType::Boolean,
        Some("object") | Some("array") => JsonType::Json,
        _ => JsonType::Any,
    }
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Provider-wide settings from provider.yaml `config` (a service document's own
/// `x-stackQL-config.pagination` replaces the pagination part for its service).
#[derive(Clone)]
struct Config {
    pagination: Pagination,
    /// Service-level StackQL pagination with the Link header: the page size is each method's own
    /// `per_page` parameter at its maximum (there is no provider-wide `pageSize`).
    per_method_page_size: bool,
    scopes: HashMap<String, Vec<String>>,
    extra_scopes: Vec<ExtraScope>,
}

fn read_config(config: &Value) -> Config {
    let pag = &config["pagination"];
    let mut engine_params = Vec::new();
    let page_size = match (
        pag["pageSize"]["key"].as_str(),
        pag["pageSize"]["value"].as_u64(),
    ) {
        (Some(k), Some(v)) => {
            engine_params.push(k.to_string());
            Some((k.to_string(), u32::try_from(v).unwrap_or(100)))
        }
        _ => None,
    };
    if let Some(k) = pag["requestToken"]["key"].as_str() {
        engine_params.push(k.to_string());
    }
    let (scopes, extra_scopes) = read_scopes(&config["scopes"]);
    Config {
        pagination: Pagination {
            page_size,
            engine_params,
        },
        per_method_page_size: false,
        scopes,
        extra_scopes,
    }
}

/// Token scopes per HTTP method (`get: [read:packages]`) and the scopes parameter values add
/// (`extra`), from provider.yaml's `config.scopes` or a service document's `x-github-sql-scopes`.
fn read_scopes(v: &Value) -> (HashMap<String, Vec<String>>, Vec<ExtraScope>) {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut scopes = HashMap::new();
    if let Some(m) = v.as_object() {
        for (k, v) in m {
            if k != "extra" {
                scopes.insert(k.to_ascii_uppercase(), strings(v));
            }
        }
    }
    let extra = v["extra"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some(ExtraScope {
                param: e["param"].as_str()?.to_string(),
                values: strings(&e["values"]),
                scope: e["scope"].as_str()?.to_string(),
                why: e["why"].as_str().unwrap_or_default().to_string(),
            })
        })
        .collect();
    (scopes, extra)
}

/// GitHub's paging query parameters, which the engine owns when a service pages by the Link header.
const PAGE_PARAM: &str = "page";
const PER_PAGE_PARAM: &str = "per_page";
/// GitHub's largest page, when a `per_page` parameter states no maximum of its own.
const GITHUB_MAX_PAGE: u32 = 100;

/// A service document's `x-stackQL-config.pagination` (at the top level or under `components`),
/// as StackQL's github provider writes it: `requestToken: {key: '', location: request}` and
/// `responseToken: {key: Link, location: header}`. The next page's URL is the Link header's
/// `rel="next"`; the engine owns `page` and `per_page` (not columns) and sends `per_page` at its
/// maximum. Without it the provider-wide `config.pagination` applies.
fn service_config(doc: &Doc<'_>, config: &Config) -> Result<Config, SpecError> {
    // A service's own scopes (`x-github-sql-scopes`) replace the provider's: a 403 from another
    // service must not name the packages scopes.
    let mut config = config.clone();
    if doc.root["x-github-sql-scopes"].is_object() {
        (config.scopes, config.extra_scopes) = read_scopes(&doc.root["x-github-sql-scopes"]);
    }
    let pag = [
        doc.root.pointer("/x-stackQL-config/pagination"),
        doc.root.pointer("/components/x-stackQL-config/pagination"),
    ]
    .into_iter()
    .flatten()
    .next();
    let Some(pag) = pag else {
        return Ok(config);
    };
    let response = &pag["responseToken"];
    let by_link = response["key"]
        .as_str()
        .is_some_and(|k| k.eq_ignore_ascii_case("link"))
        && response["location"].as_str().unwrap_or("header") == "header";
    if !by_link {
        return Err(doc.err(
            "/x-stackQL-config/pagination/responseToken",
            "only the Link header is supported as the response token (`{key: Link, location: header}`), as GitHub pages",
        ));
    }
    let mut engine_params = vec![PAGE_PARAM.to_string(), PER_PAGE_PARAM.to_string()];
    if let Some(k) = pag["requestToken"]["key"]
        .as_str()
        .filter(|k| !k.is_empty())
    {
        if !engine_params.iter().any(|p| p == k) {
            engine_params.push(k.to_string());
        }
    }
    let explicit = match (
        pag["pageSize"]["key"].as_str(),
        pag["pageSize"]["value"].as_u64(),
    ) {
        (Some(k), Some(v)) => Some((k.to_string(), u32::try_from(v).unwrap_or(GITHUB_MAX_PAGE))),
        _ => None,
    };
    Ok(Config {
        per_method_page_size: explicit.is_none(),
        pagination: Pagination {
            page_size: explicit,
            engine_params,
        },
        ..config
    })
}

/// The largest page a `per_page` parameter allows: its schema's `maximum`, else the number in a
/// description's "(max N)" (GitHub's wording), else GitHub's 100.
fn page_maximum(param: &Value, schema: &Value) -> u32 {
    if let Some(m) = schema["maximum"].as_u64() {
        return u32::try_from(m).unwrap_or(GITHUB_MAX_PAGE);
    }
    let d = str_of(param, "description").to_ascii_lowercase();
    d.find("max ")
        .map(|i| &d[i + 4..])
        .and_then(|t| {
            let n: String = t.chars().take_while(char::is_ascii_digit).collect();
            n.parse::<u32>().ok()
        })
        .filter(|&n| n > 0)
        .unwrap_or(GITHUB_MAX_PAGE)
}

fn read_auth(pdoc: &Doc<'_>, auth: &Value) -> Result<Auth, SpecError> {
    match auth["type"].as_str() {
        None | Some("bearer") | Some("null_auth") => Ok(Auth::Bearer),
        Some("basic") => {
            let var = |k: &str, default: &str| {
                auth[k]
                    .as_str()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or(default)
                    .to_string()
            };
            Ok(Auth::Basic {
                username_var: var("username_var", "STACKQL_GITHUB_USERNAME"),
                password_var: var("password_var", "STACKQL_GITHUB_PASSWORD"),
            })
        }
        Some(other) => Err(pdoc.err(
            "/config/auth/type",
            format!("auth type {other:?} is not supported; use `bearer` or `basic` (username_var, password_var)"),
        )),
    }
}

fn load(files: &Files) -> Result<Provider, SpecError> {
    // One provider per run: the first found (github-sql serves the github provider).
    let provider_file = files.providers()?.remove(0);
    let text = files.read(&provider_file)?;
    let root = parse_yaml(&provider_file, &text)?;
    let pdoc = Doc {
        file: &provider_file,
        root: &root,
    };
    let name = str_of(&root, "name");
    if name.is_empty() {
        return Err(pdoc.err("/name", "the provider needs a name"));
    }
    let config = read_config(&root["config"]);
    let auth = read_auth(&pdoc, &root["config"]["auth"])?;
    let mut services = Vec::new();
    let mut unserved = Vec::new();
    let svcs = root["providerServices"]
        .as_object()
        .ok_or_else(|| pdoc.err("/providerServices", "expected a map of services"))?;
    for (svc_name, svc) in svcs {
        let r = svc["service"]["$ref"].as_str().ok_or_else(|| {
            pdoc.err(
                format!("/providerServices/{svc_name}/service"),
                "expected `$ref: <provider>/<version>/services/<name>.yaml`",
            )
        })?;
        // StackQL writes refs relative to the providers root; accept ones relative to provider.yaml too.
        let file = if files.read(r).is_ok() {
            r.to_string()
        } else {
            let dir = provider_file.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            format!("{dir}/{r}")
        };
        let text = files.read(&file)?;
        let doc_root = parse_yaml(&file, &text)?;
        let doc = Doc {
            file: &file,
            root: &doc_root,
        };
        let config = service_config(&doc, &config)?;
        let service = load_service(&doc, &name, svc_name, svc, &config, &mut unserved)?;
        services.push(service);
    }
    let ambiguous = super::names::assign(&mut services, &mut unserved);
    Ok(Provider {
        name,
        version: str_of(&root, "version"),
        services,
        auth,
        unserved,
        ambiguous,
    })
}

fn load_service(
    doc: &Doc<'_>,
    provider: &str,
    name: &str,
    entry: &Value,
    config: &Config,
    unserved: &mut Vec<Unserved>,
) -> Result<Service, SpecError> {
    let mut resources = Vec::new();
    let res = doc
        .root
        .pointer("/components/x-stackQL-resources")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            doc.err(
                "/components/x-stackQL-resources",
                "expected a map of resources",
            )
        })?;
    let server = read_server(doc)?;
    for (key, r) in res {
        let Some(mut resource) = load_resource(doc, provider, name, key, r, config, unserved)?
        else {
            continue;
        };
        resource.server = server.clone();
        resources.push(Arc::new(resource));
    }
    let title = str_of(entry, "title");
    Ok(Service {
        name: name.to_string(),
        title,
        description: str_of(entry, "description"),
        resources,
        server,
    })
}

/// The REST API's default URL: a service document naming it (or no server) uses the API client.
const API_SERVER: &str = "https://api.github.com";

/// `servers[0]` of a service document, when it is a server of its own.
fn read_server(doc: &Doc<'_>) -> Result<Option<Server>, SpecError> {
    let s = &doc.root["servers"][0];
    let Some(url) = s["url"].as_str() else {
        return Ok(None);
    };
    let url = url.trim_end_matches('/');
    if url == API_SERVER {
        return Ok(None);
    }
    let auth = match s["x-github-sql-auth"].as_str() {
        None | Some("token") => ServerAuth::Token,
        Some("bearer-challenge") => ServerAuth::BearerChallenge,
        Some(other) => {
            return Err(doc.err(
                "/servers/0/x-github-sql-auth",
                format!("unknown auth {other:?}; use `token` or `bearer-challenge`"),
            ))
        }
    };
    Ok(Some(Server {
        url: url.to_string(),
        env: s["x-github-sql-env"].as_str().map(String::from),
        enterprise: s["x-github-sql-enterprise"].as_str().map(String::from),
        auth,
    }))
}

/// A method's request body and its fields as `data__<field>` parameters, or why it cannot be
/// sent (StackQL's naive `requestBodyTranslate`: each top-level field of an object body is one
/// parameter). Rules:
///
/// - Only a JSON media type is served; a body of another type (an octet-stream upload, text/plain
///   markdown) is not.
/// - The fields are the schema's `properties` plus those of its `allOf`, `anyOf` and `oneOf`
///   members (GitHub writes alternatives such as `oneOf: [{labels: [...]}, {labels: [{name}]}]`).
///   A field is required when the body is, and the schema's `required` (or, for `allOf`, any
///   member's) lists it; for `oneOf`/`anyOf`, only when every alternative requires it.
/// - A body with no named fields (an array, a string, a free-form map of
///   `additionalProperties`) is not served: there is nothing to name a `data__` parameter after.
fn request_body(
    doc: &Doc<'_>,
    at: &str,
    body: &Value,
) -> Result<Result<(RequestBody, Vec<Param>), String>, SpecError> {
    let body = doc.resolve(body, at)?;
    let Some((media, content)) = body["content"].as_object().and_then(|c| c.iter().next()) else {
        return Ok(Err("its request body declares no content type".into()));
    };
    let json_media = media == "application/json" || media.ends_with("+json");
    if !json_media {
        return Ok(Err(format!(
            "its request body is {media}; github-sql sends JSON bodies only (data__<field> parameters)"
        )));
    }
    let schema = doc.resolve(&content["schema"], at)?;
    let body_required = body["required"].as_bool().unwrap_or(false);
    let mut fields: Vec<(String, Value, bool)> = Vec::new();
    body_fields(doc, schema, at, 0, true, &mut fields)?;
    if fields.is_empty() {
        let what = match schema_type(schema) {
            Some("array") => "an array".to_string(),
            Some("object") | None => "an object without named properties".to_string(),
            Some(t) => format!("a bare {t}"),
        };
        return Ok(Err(format!(
            "its {media} request body is {what}: github-sql sends object bodies field by field (data__<field>), so this one cannot be sent"
        )));
    }
    let params = fields
        .into_iter()
        .map(|(name, s, required)| {
            let s = doc.resolve(&s, at)?;
            let jt = json_type(s);
            Ok(Param {
                name: format!("{BODY_PREFIX}{name}"),
                location: ParamLocation::Body,
                required: required && body_required,
                sql_type: match jt {
                    JsonType::Integer | JsonType::Boolean => SqlType::Integer,
                    JsonType::Number => SqlType::Real,
                    JsonType::Json => SqlType::Json,
                    JsonType::String | JsonType::Any => SqlType::Text,
                },
                json_type: jt,
                allowed: s["enum"]
                    .as_array()
                    .map(|a| a.iter().filter_map(scalar_string).collect()),
                default: s.get("default").and_then(scalar_string),
                description: str_of(s, "description"),
                multi_segment: false,
                nullable: nullable(doc, s, at, 0)?,
            })
        })
        .collect::<Result<Vec<_>, SpecError>>()?;
    Ok(Ok((
        RequestBody {
            media_type: media.clone(),
            required: body_required,
        },
        params,
    )))
}

/// The named fields of a body schema and whether each is required (see [`request_body`]).
/// Whether a schema allows `null`: OpenAPI 3.0's `nullable: true`, 3.1's `null` in a type list,
/// or a `type: null` member of `anyOf`/`oneOf` (followed through `$ref`s and `allOf`).
fn nullable(doc: &Doc<'_>, schema: &Value, at: &str, depth: usize) -> Result<bool, SpecError> {
    if depth > 8 {
        return Ok(false);
    }
    if schema["nullable"].as_bool() == Some(true) || schema["type"] == "null" {
        return Ok(true);
    }
    if schema["type"]
        .as_array()
        .is_some_and(|ts| ts.iter().any(|t| t == "null"))
    {
        return Ok(true);
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        for m in schema[key].as_array().into_iter().flatten() {
            let m = doc.resolve(m, at)?;
            // Every member of allOf must allow null; one member of anyOf/oneOf is enough.
            let n = nullable(doc, m, at, depth + 1)?;
            if key != "allOf" && n {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn body_fields(
    doc: &Doc<'_>,
    schema: &Value,
    at: &str,
    depth: usize,
    own_required: bool,
    out: &mut Vec<(String, Value, bool)>,
) -> Result<(), SpecError> {
    if depth > 8 {
        return Ok(());
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (f, s) in schema["properties"].as_object().into_iter().flatten() {
        let req = own_required && required.contains(&f.as_str());
        match out.iter_mut().find(|(g, _, _)| g == f) {
            Some(e) => e.2 |= req,
            None => out.push((f.clone(), s.clone(), req)),
        }
    }
    // Required-only lists here apply to fields declared beside them (GitHub's `anyOf:
    // [{required: [pattern]}, …]`); they are alternatives, so they make nothing required.
    for member in schema["allOf"].as_array().into_iter().flatten() {
        let member = doc.resolve(member, at)?;
        body_fields(doc, member, at, depth + 1, own_required, out)?;
        for r in member["required"].as_array().into_iter().flatten() {
            if let Some(e) = out
                .iter_mut()
                .find(|(g, _, _)| Some(g.as_str()) == r.as_str())
            {
                e.2 |= own_required;
            }
        }
    }
    for key in ["oneOf", "anyOf"] {
        let members: Vec<&Value> = schema[key]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| doc.resolve(m, at))
            .collect::<Result<_, _>>()?;
        let objects: Vec<&Value> = members
            .iter()
            .copied()
            .filter(|m| m["properties"].is_object() || m["allOf"].is_array())
            .collect();
        if objects.is_empty() {
            continue;
        }
        let mut alt: Vec<Vec<(String, Value, bool)>> = Vec::new();
        for m in &objects {
            let mut v = Vec::new();
            body_fields(doc, m, at, depth + 1, true, &mut v)?;
            alt.push(v);
        }
        for (i, v) in alt.iter().enumerate() {
            for (f, s, _) in v {
                let in_all = alt.iter().all(|a| a.iter().any(|(g, _, r)| g == f && *r));
                let req = own_required && in_all && i == 0;
                match out.iter_mut().find(|(g, _, _)| g == f) {
                    Some(e) => e.2 |= req,
                    None => out.push((f.clone(), s.clone(), req)),
                }
            }
        }
    }
    Ok(())
}

/// A method as loaded: the method and the schema of one row of its response (if it has a body),
/// or why github-sql does not serve it.
/// A method, the schema of one of its rows, and for a wrapped list the schema of the object
/// around the rows (its envelope); or why it is not served.
type LoadedMethod = Result<(Method, Option<Value>, Option<Value>), String>;

/// Reads one method; also returns the schema of one row of its response, if it has a body.
/// A method github-sql cannot serve (GraphQL, a request body) is `Ok(Err(reason))`; a broken
/// document is an error.
fn load_method(
    doc: &Doc<'_>,
    at: &str,
    name: &str,
    m: &Value,
    config: &Config,
) -> Result<LoadedMethod, SpecError> {
    let op_ref = m["operation"]["$ref"].as_str().ok_or_else(|| {
        doc.err(
            format!("{at}/operation"),
            "expected `$ref: '#/paths/<path>/<verb>'`",
        )
    })?;
    let (path_ptr, verb) = op_ref
        .strip_prefix("#/paths/")
        .and_then(|p| p.rsplit_once('/'))
        .ok_or_else(|| {
            doc.err(
                format!("{at}/operation"),
                format!("{op_ref} is not '#/paths/<path>/<verb>'"),
            )
        })?;
    let path = path_ptr.replace("~1", "/").replace("~0", "~");
    let op = doc.resolve(&m["operation"], at)?;
    let protocol = m["x-stackql-protocol"]
        .as_str()
        .or_else(|| op["x-stackql-protocol"].as_str())
        .or_else(|| m["x-stackQL-protocol"].as_str());
    if protocol.is_some_and(|p| p.eq_ignore_ascii_case("graphql")) || path.starts_with("/graphql") {
        return Ok(Err(format!(
            "a GraphQL method ({} {path}): github-sql serves REST operations only; the REST resources of the same service, or `gh api graphql`, give the same data",
            verb.to_ascii_uppercase()
        )));
    }
    let body = match op.get("requestBody") {
        Some(b) => match request_body(doc, &format!("{at}/requestBody"), b)? {
            Ok(found) => Some(found),
            Err(reason) => return Ok(Err(reason)),
        },
        None => None,
    };
    let mut params = Vec::new();
    let path_item = doc.root["paths"].get(&path).cloned().unwrap_or(Value::Null);
    let declared = path_item["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(op["parameters"].as_array().into_iter().flatten());
    let mut headers = Vec::new();
    let mut page_size = None;
    for (i, p) in declared.enumerate() {
        let p = doc.resolve(p, &format!("{at}/parameters/{i}"))?;
        let pname = str_of(p, "name");
        if config.per_method_page_size && pname == PER_PAGE_PARAM && p["in"] == "query" {
            let schema = doc.resolve(&p["schema"], at)?;
            page_size = Some((pname.clone(), page_maximum(p, schema)));
        }
        if pname.is_empty() || config.pagination.engine_params.contains(&pname) {
            continue;
        }
        let schema = doc.resolve(&p["schema"], at)?;
        let location = match p["in"].as_str() {
            Some("path") => ParamLocation::Path,
            Some("query") => ParamLocation::Query,
            // A header with a default is sent as is; headers are not SQL parameters.
            Some("header") => {
                if let Some(v) = schema.get("default").and_then(scalar_string) {
                    headers.push((pname, v));
                }
                continue;
            }
            // Cookies are not exposed either.
            _ => continue,
        };
        params.push(Param {
            name: pname,
            location,
            required: location == ParamLocation::Path || p["required"].as_bool().unwrap_or(false),
            sql_type: sql_type(schema),
            json_type: json_type(schema),
            allowed: schema["enum"]
                .as_array()
                .map(|a| a.iter().filter_map(scalar_string).collect()),
            default: schema.get("default").and_then(scalar_string),
            description: str_of(p, "description"),
            multi_segment: location == ParamLocation::Path
                && ["x-github-sql-multiSegment", "x-multi-segment"]
                    .iter()
                    .any(|k| p[*k].as_bool().unwrap_or(false)),
            nullable: nullable(doc, schema, at, 0)?,
        });
    }
    let body = body.map(|(body, fields)| {
        params.extend(fields);
        body
    });
    let key = m["response"]["openAPIDocKey"]
        .as_str()
        .map(String::from)
        .or_else(|| {
            m["response"]["openAPIDocKey"]
                .as_u64()
                .map(|n| n.to_string())
        })
        .unwrap_or_else(|| "200".into());
    let media = m["response"]["mediaType"]
        .as_str()
        .unwrap_or("application/json");
    // `$.secrets`, or nested: `$.data.repository.discussions.nodes` (StackQL's JSONPath subset).
    let object_key = m["response"]["objectKey"].as_str().map(|k| {
        k.trim_start_matches('$')
            .trim_start_matches('.')
            .trim_end_matches("[*]")
            .to_string()
    });
    // A response may be a `$ref` to `#/components/responses/…`.
    let response = match op["responses"].get(&key) {
        Some(r) => doc.resolve(r, &format!("{at}/response"))?.clone(),
        None => Value::Null,
    };
    let schema = response["content"][media]["schema"].clone();
    let mut envelope = None;
    let json = media == "application/json" || media.ends_with("+json");
    let (returns, item) = if key.starts_with('3') {
        // A download GitHub answers with a redirect to the file.
        (Returns::Redirect, None)
    } else if !json && response["content"].get(media).is_some() {
        // Markdown as HTML, zen as plain text, a commit as a diff.
        (Returns::Text, None)
    } else if schema.is_null() {
        (Returns::Nothing, None)
    } else {
        let mut s = doc.resolve(&schema, at)?.clone();
        if object_key.is_some() {
            envelope = Some(s.clone());
        }
        if let Some(k) = &object_key {
            for part in k.split('.').filter(|p| !p.is_empty()) {
                s = doc.resolve(&s["properties"][part], at)?.clone();
            }
        }
        if s["type"].as_str() == Some("array") {
            (Returns::Array, Some(doc.resolve(&s["items"], at)?.clone()))
        } else {
            (Returns::Object, Some(s))
        }
    };
    // A response media type other than GitHub's default JSON is asked for (a commit as
    // `application/vnd.github.diff`), unless the operation fixes its own `Accept`.
    if media != "application/json"
        && !headers
            .iter()
            .any(|(h, _)| h.eq_ignore_ascii_case("accept"))
    {
        headers.push(("Accept".to_string(), media.to_string()));
    }
    let http_method = verb.to_ascii_uppercase();
    let page_size = match (&returns, config.per_method_page_size) {
        (Returns::Array, true) => page_size,
        (Returns::Array, false) => config.pagination.page_size.clone(),
        _ => None,
    };
    Ok(Ok((
        Method {
            name: name.to_string(),
            function: name.to_string(),
            page_size,
            scopes: config.scopes.get(&http_method).cloned().unwrap_or_default(),
            http_method,
            path,
            summary: str_of(op, "summary"),
            params,
            returns,
            object_key,
            fields: Vec::new(),
            headers,
            not_found_is_error: op["x-github-sql-notFound"].as_str() == Some("error"),
            confirm: op["x-github-sql-confirm"].as_str().map(String::from),
            body,
        },
        item,
        envelope,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The curated documents of `provider-spec/`, as the engine embeds them.
    fn load_embedded() -> Result<Provider, SpecError> {
        load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../provider-spec"))
    }

    fn resource() -> Arc<Resource> {
        let p = load_embedded().expect("embedded provider loads");
        p.resource_by_id("github.packages.auth_user_versions")
            .expect("resource")
            .clone()
    }

    #[test]
    fn columns_follow_stackql_order_then_params() {
        let r = resource();
        let names: Vec<(&str, bool)> = r
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.hidden))
            .collect();
        assert_eq!(
            names,
            vec![
                ("id", false),
                ("name", false),
                ("description", false),
                ("created_at", false),
                ("deleted_at", false),
                ("html_url", false),
                ("license", false),
                ("metadata", false),
                ("package_html_url", false),
                ("updated_at", false),
                ("url", false),
                ("package_name", false),
                ("package_type", false),
                ("package_version_id", true),
                ("state", true),
            ]
        );
        assert_eq!(r.columns[0].sql_type, SqlType::Integer);
        assert_eq!(r.columns[7].sql_type, SqlType::Json);
    }

    #[test]
    fn methods_and_verbs_come_from_the_document() {
        let r = resource();
        let names = |ix: &[usize]| {
            ix.iter()
                .map(|&i| r.methods[i].name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(&r.select),
            vec![
                "get_package_version_for_authenticated_user",
                "get_all_package_versions_for_package_owned_by_authenticated_user"
            ]
        );
        assert_eq!(
            names(&r.delete),
            vec!["delete_package_version_for_authenticated_user"]
        );
        assert_eq!(
            names(&r.exec),
            vec!["restore_package_version_for_authenticated_user"]
        );
        let list = &r.methods[r.select[1]];
        assert_eq!(
            list.path,
            "/user/packages/{package_type}/{package_name}/versions"
        );
        assert_eq!(list.returns, Returns::Array);
        assert!(
            list.param("per_page").is_none(),
            "engine-owned pagination params are hidden"
        );
        let pt = list.param("package_type").expect("package_type");
        assert_eq!(
            pt.allowed.as_deref(),
            Some(
                &["npm", "maven", "rubygems", "docker", "nuget", "container"].map(String::from)[..]
            )
        );
        assert_eq!(
            list.param("state")
                .and_then(|p| p.default.clone())
                .as_deref(),
            Some("active")
        );
        assert_eq!(list.scopes, vec!["read:packages"]);
        let restore = &r.methods[r.exec[0]];
        assert_eq!(restore.http_method, "POST");
        assert_eq!(restore.returns, Returns::Nothing);
        assert_eq!(r.pagination.page_size, Some(("per_page".into(), 100)));
    }

    #[test]
    fn id_column_fills_package_version_id() {
        let r = resource();
        assert_eq!(r.columns[0].param(), Some("package_version_id"));
        let hidden = &r.columns[r.column_index("package_version_id").expect("col")];
        assert_eq!(
            hidden.source,
            ColumnSource::ParamField {
                param: "package_version_id".into(),
                field: "id".into()
            }
        );
    }

    /// Writes a one-service provider with this service document into a fresh temp dir.
    fn doc_dir(tag: &str, service: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ghsql-spec-{tag}-{}", std::process::id()));
        let v = dir.join("github/v1");
        std::fs::create_dir_all(v.join("services")).expect("mkdir");
        std::fs::write(
            v.join("provider.yaml"),
            "name: github\nversion: v1\nproviderServices:\n  s:\n    service:\n      $ref: github/v1/services/s.yaml\n",
        )
        .expect("write");
        std::fs::write(v.join("services/s.yaml"), service).expect("write");
        dir
    }

    /// A service with resources `a` and `b`; `b`'s EXEC method is named `b_exec`.
    fn two_resources(b_exec: &str, a_extra: &str) -> String {
        format!(
            r#"paths:
  /x:
    get:
      responses:
        '200':
          content:
            application/json:
              schema: {{type: array, items: {{type: object, properties: {{id: {{type: integer}}}}}}}}
    post:
      responses:
        '204': {{description: done}}
components:
  x-stackQL-resources:
    a:
      methods:
        list: {{operation: {{$ref: '#/paths/~1x/get'}}}}
        poke: {{operation: {{$ref: '#/paths/~1x/post'}}, response: {{openAPIDocKey: '204'}}}}
      sqlVerbs:
        select: [{{$ref: '#/components/x-stackQL-resources/a/methods/list'}}]
{a_extra}
    b:
      methods:
        list: {{operation: {{$ref: '#/paths/~1x/get'}}}}
        {b_exec}: {{operation: {{$ref: '#/paths/~1x/post'}}, response: {{openAPIDocKey: '204'}}}}
      sqlVerbs:
        select: [{{$ref: '#/components/x-stackQL-resources/b/methods/list'}}]
"#
        )
    }

    #[test]
    fn exec_function_names_never_collide() {
        // A name another EXEC method, a table or a built-in has is qualified, never a load error.
        for (tag, name, function) in [
            ("dup", "poke", "s_b_poke"),
            ("dupcase", "POKE", "s_b_POKE"),
            ("table", "a", "s_b_a"),
            ("builtin", "github_sql_version", "s_github_sql_version"),
            ("ok", "prod", "prod"),
        ] {
            let dir = doc_dir(tag, &two_resources(name, ""));
            let p = load_dir(&dir).expect(name);
            let b = p.resource_by_id("github.s.b").expect("b");
            let m = b.methods.iter().find(|m| m.name == name).expect("method");
            assert_eq!(m.function, function, "{tag}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn delete_method_is_chosen_from_the_row_values() {
        let service = r#"paths:
  /x:
    get:
      parameters: [{name: org, in: query, schema: {type: string}}]
      responses:
        '200':
          content:
            application/json:
              schema: {type: array, items: {type: object, properties: {id: {type: integer}}}}
  /user/x/{id}:
    delete:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'204': {description: done}}
  /orgs/{org}/x/{id}:
    delete:
      parameters:
      - {name: org, in: path, required: true, schema: {type: string}}
      - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {'204': {description: done}}
components:
  x-stackQL-resources:
    x:
      methods:
        list: {operation: {$ref: '#/paths/~1x/get'}}
        del_user: {operation: {$ref: '#/paths/~1user~1x~1{id}/delete'}, response: {openAPIDocKey: '204'}}
        del_org: {operation: {$ref: '#/paths/~1orgs~1{org}~1x~1{id}/delete'}, response: {openAPIDocKey: '204'}}
      sqlVerbs:
        select: [{$ref: '#/components/x-stackQL-resources/x/methods/list'}]
        delete:
        - {$ref: '#/components/x-stackQL-resources/x/methods/del_user'}
        - {$ref: '#/components/x-stackQL-resources/x/methods/del_org'}
"#;
        let dir = doc_dir("deletes", service);
        let p = load_dir(&dir).expect("loads");
        let r = p.resource_by_name("x").expect("x");
        // Which one a WHERE picks is the engine's (exec::delete_method_for, tested there).
        let names: Vec<&str> = r
            .delete
            .iter()
            .map(|&i| r.methods[i].name.as_str())
            .collect();
        assert_eq!(names, ["del_user", "del_org"]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn doc_extensions_are_checked() {
        for (tag, extra, want) in [
            (
                "coldesc",
                "      x-github-sql:\n        columnDescriptions: {nope: x}\n",
                "x-github-sql/columnDescriptions/nope: no column named nope; the columns are id",
            ),
            (
                "example",
                "      x-github-sql:\n        examples:\n          - {title: T}\n",
                "x-github-sql/examples/0: needs a non-empty `sql` string",
            ),
            (
                "notes",
                "      x-github-sql:\n        notes: {title: T}\n",
                "x-github-sql/notes: expected a list",
            ),
        ] {
            let dir = doc_dir(tag, &two_resources("prod", extra));
            let msg = load_dir(&dir).expect_err(tag).to_string();
            assert!(msg.contains(want), "{msg}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn embedded_document_carries_docs_and_descriptions() {
        let p = load_embedded().expect("provider");
        let r = p.resource_by_name("auth_user_packages").expect("resource");
        assert!(
            r.examples.iter().any(|e| !e.run),
            "a write example opts out"
        );
        assert!(r.notes.iter().any(|n| n.title == "Visibility"));
        let owner = &r.columns[r.column_index("owner").expect("owner")];
        assert_eq!(owner.sql_type, SqlType::Json);
        assert!(
            owner.description.contains("json_extract"),
            "{}",
            owner.description
        );
        // Shared (YAML-aliased) descriptions reach every resource that uses them.
        let org = p.resource_by_name("org_packages").expect("org_packages");
        assert_eq!(
            org.columns[org.column_index("owner").expect("owner")].description,
            owner.description
        );
    }

    #[test]
    fn the_most_demanding_select_method_comes_first_and_columns_type_through_members() {
        // The list is listed first; a WHERE giving run_id as well must get the run.
        let service = r#"paths:
  /r/{owner}/runs:
    get:
      parameters: [{name: owner, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/run'}}
  /r/{owner}/runs/{run_id}:
    get:
      parameters:
      - {name: owner, in: path, required: true, schema: {type: string}}
      - {name: run_id, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/run'}
components:
  schemas:
    user: {type: object, properties: {login: {type: string}}}
    run:
      type: object
      properties:
        id: {type: integer}
        actor: {anyOf: [{type: 'null'}, {$ref: '#/components/schemas/user'}]}
        owner: {allOf: [{$ref: '#/components/schemas/user'}], nullable: true}
        payload: {properties: {action: {type: string}}}
        attempt: {oneOf: [{type: integer}, {type: string}]}
        note: {}
  x-stackQL-resources:
    runs:
      methods:
        list: {operation: {$ref: '#/paths/~1r~1{owner}~1runs/get'}}
        get: {operation: {$ref: '#/paths/~1r~1{owner}~1runs~1{run_id}/get'}}
      sqlVerbs:
        select:
        - {$ref: '#/components/x-stackQL-resources/runs/methods/list'}
        - {$ref: '#/components/x-stackQL-resources/runs/methods/get'}
"#;
        let dir = doc_dir("order", service);
        let p = load_dir(&dir).expect("loads");
        let r = p.resource_by_name("runs").expect("runs");
        let names: Vec<&str> = r
            .select
            .iter()
            .map(|&i| r.methods[i].name.as_str())
            .collect();
        assert_eq!(names, ["get", "list"]);
        let get = &r.methods[r.select[0]];
        assert_eq!(
            get.fields,
            ["id", "actor", "owner", "payload", "attempt", "note"],
            "the row's fields, for the planner"
        );
        let ty = |c: &str| r.columns[r.column_index(c).expect(c)].sql_type;
        assert_eq!(ty("actor"), SqlType::Json, "anyOf [null, object]");
        // `owner` is also a parameter: the object field is `owner_object`, the column `owner`
        // the parameter's text.
        assert_eq!(ty("owner_object"), SqlType::Json, "allOf [object]");
        assert_eq!(ty("owner"), SqlType::Text, "the parameter's type");
        assert_eq!(
            r.columns[r.column_index("owner").expect("owner")].source,
            ColumnSource::Param("owner".into())
        );
        assert_eq!(ty("payload"), SqlType::Json, "properties without a type");
        assert_eq!(ty("attempt"), SqlType::Integer, "the first member's type");
        assert_eq!(ty("note"), SqlType::Text, "no type at all");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_documents_name_the_place() {
        let dir = doc_dir(
            "dangling",
            "paths: {}\ncomponents:\n  x-stackQL-resources:\n    r:\n      methods:\n        m:\n          operation:\n            $ref: '#/paths/~1nowhere/get'\n",
        );
        let err = load_dir(&dir).expect_err("dangling $ref");
        let msg = err.to_string();
        assert!(msg.contains("services/s.yaml"), "{msg}");
        assert!(
            msg.contains("/components/x-stackQL-resources/r/methods/m"),
            "{msg}"
        );
        assert!(msg.contains("points at nothing"), "{msg}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
