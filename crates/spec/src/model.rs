//! Typed view of a provider document: what the rest of the engine reads. Built by `load`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// SQL type of a column or parameter, derived from the OpenAPI schema `type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SqlType {
    /// `integer` (and `boolean`, as 0/1).
    Integer,
    /// `number`.
    Real,
    /// `string`.
    Text,
    /// `object` or `array`: JSON text, usable with `json_extract`.
    Json,
}

impl SqlType {
    /// Declared type in the virtual table's `CREATE TABLE` (the `JSON` decltype lets front ends
    /// render the value as JSON; SQLite gives it NUMERIC affinity, harmless for JSON text).
    pub fn decl(self) -> &'static str {
        match self {
            SqlType::Integer => "INTEGER",
            SqlType::Real => "REAL",
            SqlType::Text => "TEXT",
            SqlType::Json => "JSON",
        }
    }

    /// Name of the type as the provider document writes it.
    pub fn openapi_name(self) -> &'static str {
        match self {
            SqlType::Integer => "integer",
            SqlType::Real => "number",
            SqlType::Text => "string",
            SqlType::Json => "object",
        }
    }
}

/// Where an operation parameter goes in the request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParamLocation {
    /// A `{name}` segment of the path (always percent-encoded).
    Path,
    /// A query-string parameter.
    Query,
    /// A top-level field of the JSON request body, named `data__<field>` (StackQL's convention).
    Body,
}

/// How a value is written in JSON, from the schema `type` (a body field's SQL type alone cannot
/// tell a `boolean` from an `integer`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JsonType {
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `number`.
    Number,
    /// `boolean`: 0/1 (or true/false) in SQL, `true`/`false` in JSON.
    Boolean,
    /// `object` or `array`: given as JSON text, sent as the JSON value.
    Json,
    /// No `type` (a `oneOf` of kinds, say): JSON text is sent as its value, other text as a string.
    Any,
}

/// The request body of a method (only `application/json` object bodies are served).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestBody {
    /// Media type (`application/json`).
    pub media_type: String,
    /// `requestBody.required`: with no field given, `{}` is still sent.
    pub required: bool,
}

/// One parameter of an operation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Param {
    /// Parameter name (`package_name`).
    pub name: String,
    /// Path or query.
    pub location: ParamLocation,
    /// Whether the operation cannot be called without it.
    pub required: bool,
    /// Type from the parameter's schema.
    pub sql_type: SqlType,
    /// JSON type from the schema (how a body field is sent).
    pub json_type: JsonType,
    /// Allowed values, when the schema declares an `enum`.
    pub allowed: Option<Vec<String>>,
    /// Default value the API applies when the parameter is absent.
    pub default: Option<String>,
    /// Description from the document.
    pub description: String,
    /// A path parameter whose value may span several segments (`x-github-sql-multiSegment:
    /// true`, e.g. an image name `octo/app`): each `/`-separated part is encoded on its own.
    pub multi_segment: bool,
    /// The schema allows `null` (`nullable: true`, a `null` type, or a `type: null` member of
    /// `anyOf`/`oneOf`): a body field can be sent as JSON `null` (docs/writes.md).
    pub nullable: bool,
}

impl Param {
    /// The schema's type is `boolean`: SQL's `1`/`0` (and `TRUE`/`FALSE`, which are integers) go
    /// out as `true`/`false`, as GitHub reads them.
    pub fn is_boolean(&self) -> bool {
        self.json_type == JsonType::Boolean
    }
}

/// Prefix of the parameters that carry request body fields (StackQL's naive translation).
pub const BODY_PREFIX: &str = "data__";

impl Param {
    /// The body field a [`ParamLocation::Body`] parameter fills (`data__name` → `name`).
    pub fn body_field(&self) -> Option<&str> {
        match self.location {
            ParamLocation::Body => Some(self.name.strip_prefix(BODY_PREFIX).unwrap_or(&self.name)),
            _ => None,
        }
    }
}

/// What an operation's successful response holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Returns {
    /// A JSON array of rows (possibly under `object_key`), possibly paginated.
    Array,
    /// A single JSON object: one row.
    Object,
    /// No body (204, 205).
    Nothing,
    /// A body that is not JSON (`text/html`, `text/plain`, `application/vnd.github.diff`): the
    /// text itself is the result.
    Text,
    /// A redirect (`302 Found`) to a file on another host (an archive, an artifact, logs): the
    /// target's URL is the result, and the file is fetched only when asked for.
    Redirect,
}

/// One method of a resource (a StackQL method bound to one OpenAPI operation).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Method {
    /// StackQL method name (`get_package_version_for_authenticated_user`).
    pub name: String,
    /// HTTP method, upper case.
    pub http_method: String,
    /// Path template relative to the base URL (`/user/packages/{package_type}/...`).
    pub path: String,
    /// Operation summary.
    pub summary: String,
    /// Parameters, pagination parameters excluded (the engine sets those).
    pub params: Vec<Param>,
    /// Shape of the successful response.
    pub returns: Returns,
    /// For array responses wrapped in an object: the key holding the array.
    pub object_key: Option<String>,
    /// For a SELECT method, the top-level fields of one row of its response (with those of
    /// `allOf`/`anyOf`/`oneOf` members): a resource's columns are the union over its SELECT
    /// methods, so a column may be a field this method's rows lack. Empty for other methods.
    pub fields: Vec<String>,
    /// Token scopes GitHub requires for this method (named in 403 errors).
    pub scopes: Vec<String>,
    /// Name of the SQL function an EXEC method becomes: the method name when no other EXEC
    /// method, table or built-in function of the loaded services has it, else qualified by the
    /// service (`actions_set_secret`) and, if still taken, by the resource too.
    pub function: String,
    /// Page-size query parameter and the value the engine sends with this list (`per_page=100`):
    /// the provider's `pageSize` setting, or for service-level StackQL pagination the method's
    /// own `per_page` parameter at its maximum.
    pub page_size: Option<(String, u32)>,
    /// Fixed request headers: the operation's `in: header` parameters that declare a schema
    /// `default` (e.g. an `Accept` listing the media types the method understands).
    pub headers: Vec<(String, String)>,
    /// A 404 is an error rather than "no rows" (`x-github-sql-notFound: error` on the operation):
    /// for content that must exist, such as a manifest a package version names.
    pub not_found_is_error: bool,
    /// A write that always needs the user's confirmation, with why (`x-github-sql-confirm:
    /// "deletes every version of the package"` on the operation): deleting a package removes
    /// every one of its versions, so it needs the same say-so as deleting them one by one.
    pub confirm: Option<String>,
    /// The JSON request body, when the operation takes one; its fields are the
    /// [`ParamLocation::Body`] parameters.
    pub body: Option<RequestBody>,
}

impl Method {
    /// Required parameters, in document order.
    pub fn required(&self) -> impl Iterator<Item = &Param> {
        self.params.iter().filter(|p| p.required)
    }

    /// The parameter with this name, if the method takes it.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Where a column's value comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnSource {
    /// A top-level field of the response object.
    Field(String),
    /// The value the WHERE clause gave for this parameter (echoed back, as Steampipe's FromQual).
    Param(String),
    /// A parameter that a response field also carries: read from the field, and an equality on the
    /// column fills the parameter (`id = 5` → `package_version_id = 5`).
    ParamField {
        /// Parameter name.
        param: String,
        /// Response field name.
        field: String,
    },
    /// A value inside a top-level field (`x-github-sql.fieldPaths`, e.g. `subject.digest`).
    Path {
        /// The top-level field.
        field: String,
        /// Keys below it.
        rest: Vec<String>,
    },
    /// Computed from the response, not read from a field (`x-github-sql.computedColumns`).
    Computed(Computed),
    /// A field of the object that wraps a list's rows (`x-github-sql.envelopeFields`, e.g.
    /// search's `total_count` around its `items`): the same on every row of one response, NULL
    /// for methods whose answer has no such field.
    Envelope(String),
}

/// A column computed from the whole response (`x-github-sql.computedColumns.<name>.from`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Computed {
    /// `body-sha256`: `sha256:<hex>` of the response body's bytes (a manifest's digest).
    BodySha256,
    /// `body-size`: the body's length in bytes.
    BodySize,
    /// `header:<Name>`: a response header's value.
    Header(String),
}

/// One column of a resource's table.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// SQL type.
    pub sql_type: SqlType,
    /// One-line description.
    pub description: String,
    /// The schema says `format: date-time` (an RFC 3339 string): Postgres types it `timestamptz`;
    /// SQLite keeps the text, which sorts and compares as time does.
    pub timestamp: bool,
    /// Hidden columns are usable in WHERE but left out of `SELECT *`.
    pub hidden: bool,
    /// Source of the value.
    pub source: ColumnSource,
}

impl Column {
    /// The parameter an equality constraint on this column supplies, if any.
    pub fn param(&self) -> Option<&str> {
        match &self.source {
            ColumnSource::Field(_)
            | ColumnSource::Path { .. }
            | ColumnSource::Computed(_)
            | ColumnSource::Envelope(_) => None,
            ColumnSource::Param(p) | ColumnSource::ParamField { param: p, .. } => Some(p),
        }
    }
}

/// Pagination settings shared by the provider's list operations.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Pagination {
    /// Query parameter for the page size and the value to send (`per_page=100`).
    pub page_size: Option<(String, u32)>,
    /// Query parameters the engine owns (page, per_page): not exposed as columns.
    pub engine_params: Vec<String>,
}

/// A resource: one SQL table.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Resource {
    /// StackQL id, `provider.service.resource`.
    pub id: String,
    /// Table name: the resource name when no other loaded service has a resource of that name,
    /// else the service-qualified name ([`Resource::qualified`]).
    pub name: String,
    /// The resource's own name in its service document (`secrets`).
    pub resource_name: String,
    /// `<service>_<resource>` (`actions_secrets`): a table name that always exists.
    pub qualified: String,
    /// Service name (`packages`).
    pub service: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Columns, visible ones first.
    pub columns: Vec<Column>,
    /// Every method.
    pub methods: Vec<Method>,
    /// Indices into `methods` for SELECT, in preference order: most required parameters first,
    /// then `sqlVerbs.select` order.
    pub select: Vec<usize>,
    /// Indices into `methods` for DELETE.
    pub delete: Vec<usize>,
    /// The delete methods of a resource without SELECT (so `delete` is empty: no rows can be
    /// listed): a DELETE statement whose WHERE gives one's parameters as `=` calls it directly, as
    /// EXEC would. They are in `exec` too.
    pub direct_delete: Vec<usize>,
    /// Indices into `methods` reachable only with EXEC (which also calls the INSERT, UPDATE and
    /// REPLACE methods).
    pub exec: Vec<usize>,
    /// Indices into `methods` for INSERT (`sqlVerbs.insert`), in document order.
    pub insert: Vec<usize>,
    /// Indices into `methods` for UPDATE (`sqlVerbs.update`).
    pub update: Vec<usize>,
    /// Indices into `methods` for REPLACE (`sqlVerbs.replace`).
    pub replace: Vec<usize>,
    /// Pagination settings.
    pub pagination: Pagination,
    /// Scopes every method also needs when a parameter has certain values
    /// (`x-github-sql-scopes.extra`: maven packages need `repo`).
    pub extra_scopes: Vec<ExtraScope>,
    /// Prose sections for the reference page (`x-github-sql.notes`).
    pub notes: Vec<Note>,
    /// Example queries for the reference page (`x-github-sql.examples`).
    pub examples: Vec<Example>,
    /// The service's own server, when it is not the REST API (the container registry).
    pub server: Option<Server>,
    /// Declared row → parameter mappings (`x-github-sql.paramFields: {param: field}`): a
    /// scanned row supplies `param` from its response field `field` (`package_version_id` ←
    /// `id`, `username` ← `login`). Writes read a parameter from a row only through one of these;
    /// a field that merely shares a parameter's name is never used (a git ref's `ref` field says
    /// `refs/heads/x` where the parameter takes `heads/x`).
    pub row_params: Vec<(String, String)>,
    /// Deleted rows stay restorable (`x-github-sql.softDelete`): how to tell and how to undo.
    pub soft_delete: Option<SoftDelete>,
}

/// A resource whose deleted rows stay restorable for a while (`x-github-sql.softDelete: {field,
/// restore, days}`): a GET of a deleted row answers with `field` set, and the `restore` method
/// brings it back within `days`. A DELETE whose answer was ambiguous is checked by that field,
/// and a failed DELETE says how to undo what it did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SoftDelete {
    /// The response field set on a deleted row (`deleted_at`).
    pub field: String,
    /// The method that restores a row (an EXEC method of the resource).
    pub restore: String,
    /// How many days a deleted row can be restored.
    pub days: u32,
}

/// A scope every method of a service also needs when one of its parameters has one of `values`
/// (`x-github-sql-scopes: {extra: [{param: package_type, values: [maven], scope: repo, why: …}]}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraScope {
    /// The parameter (`package_type`).
    pub param: String,
    /// Its values that need the scope (`maven`).
    pub values: Vec<String>,
    /// The scope (`repo`).
    pub scope: String,
    /// Why, for the reference pages.
    pub why: String,
}

/// How requests to a service's own server authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerAuth {
    /// `Authorization: Bearer <GitHub token>`, as the REST API takes it.
    Token,
    /// The registry handshake: a `401` with `WWW-Authenticate: Bearer realm=…,service=…,scope=…`
    /// is answered by trading the GitHub token (HTTP Basic) at the realm for a bearer token.
    BearerChallenge,
}

/// A service's own server (`servers[0]` of its document when that is not `https://api.github.com`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    /// Default URL (`https://ghcr.io`).
    pub url: String,
    /// Environment variable that overrides it (`x-github-sql-env`, e.g. `GITHUB_SQL_REGISTRY_URL`).
    pub env: Option<String>,
    /// URL for GitHub Enterprise Server, `{host}` being the API's host (`x-github-sql-enterprise`,
    /// e.g. `https://containers.{host}`); used when `GITHUB_API_URL` is not github.com's.
    pub enterprise: Option<String>,
    /// How requests authenticate (`x-github-sql-auth`: `token` or `bearer-challenge`).
    pub auth: ServerAuth,
}

/// A titled prose section of a resource's reference page, kept in the document so nothing about
/// one resource lives in Rust.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Section heading.
    pub title: String,
    /// Markdown body.
    pub body: String,
}

/// An example query of a resource's reference page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    /// Heading.
    pub title: String,
    /// Markdown shown before the SQL (may be empty).
    pub description: String,
    /// The statements, in the shell's syntax (three-part names allowed).
    pub sql: String,
    /// Markdown shown after the output (may be empty).
    pub after: String,
    /// Whether the docs generator runs it against the demo data and shows its output. Examples
    /// that write (DELETE, EXEC) can opt out.
    pub run: bool,
}

impl Resource {
    /// Column index by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The response field a scanned row supplies `param` from, when the document declares it
    /// ([`Resource::row_params`]).
    pub fn row_param(&self, param: &str) -> Option<&str> {
        self.row_params
            .iter()
            .find(|(p, _)| p == param)
            .map(|(_, f)| f.as_str())
    }

    /// A column that only carries a request body field (`data__name`) to INSERT/UPDATE/REPLACE:
    /// no SELECT method reads or takes it. Front ends without hidden columns (Postgres) leave it
    /// out of the table.
    pub fn is_body_only(&self, c: &Column) -> bool {
        c.param().is_some_and(|p| {
            p.starts_with(BODY_PREFIX)
                && self
                    .select
                    .iter()
                    .all(|&i| self.methods[i].param(p).is_none())
        })
    }

    /// A parameter declared by any method of the resource (first declaration wins).
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.methods.iter().find_map(|m| m.param(name))
    }

    /// Required parameters of the least demanding SELECT method (what a WHERE must give), in
    /// column order.
    pub fn select_required(&self) -> Vec<&Param> {
        let mut params: Vec<&Param> = self
            .select
            .iter()
            .map(|&i| &self.methods[i])
            .min_by_key(|m| m.required().count())
            .map(|m| m.required().collect())
            .unwrap_or_default();
        params.sort_by_key(|p| self.column_index(&p.name).unwrap_or(usize::MAX));
        params
    }
}

impl Resource {
    /// What the resource supports, for errors: "SELECT, DELETE and EXEC restore_…".
    pub fn supported_statements(&self) -> String {
        let mut parts = Vec::new();
        if !self.select.is_empty() {
            parts.push("SELECT".to_string());
        }
        if !self.delete.is_empty() {
            parts.push("DELETE".to_string());
        } else if !self.direct_delete.is_empty() {
            // Only the shell turns such a DELETE into its method's call; SQL functions elsewhere.
            parts.push("DELETE in the shell (WHERE param = value AND …)".to_string());
        }
        for (verb, v) in [
            ("INSERT", &self.insert),
            ("UPDATE", &self.update),
            ("REPLACE", &self.replace),
        ] {
            if !v.is_empty() {
                parts.push(verb.to_string());
            }
        }
        for &i in &self.exec {
            parts.push(format!("EXEC {}", self.methods[i].name));
        }
        match parts.as_slice() {
            [] => "nothing".into(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        }
    }

    /// Arguments of a method as SQL functions take them: required parameters in column order
    /// (parameters without a column last), then optional ones.
    pub fn call_order<'m>(&self, method: &'m Method) -> Vec<&'m Param> {
        let mut required: Vec<&Param> = method.required().collect();
        required.sort_by_key(|p| self.column_index(&p.name).unwrap_or(usize::MAX));
        required.extend(method.params.iter().filter(|p| !p.required));
        required
    }
}

/// A service: a group of resources (`github.packages`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Service {
    /// Service name.
    pub name: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Resources in document order.
    pub resources: Vec<Arc<Resource>>,
    /// The service's own server, when it is not the REST API.
    pub server: Option<Server>,
}

/// A whole provider (`github`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Provider {
    /// Provider name.
    pub name: String,
    /// Document version (`v00.00.00000`).
    pub version: String,
    /// Services in document order.
    pub services: Vec<Service>,
    /// How requests authenticate (`config.auth`).
    pub auth: Auth,
    /// Methods and resources the documents declare but github-sql does not serve, with why.
    pub unserved: Vec<Unserved>,
    /// Bare resource names shared by several services (lower case) and the ids of those resources:
    /// no table has such a name; the qualified names do.
    pub ambiguous: std::collections::BTreeMap<String, Vec<String>>,
}

/// `config.auth` of provider.yaml.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Auth {
    /// `type: bearer` (or none): `Authorization: Bearer <token>` with the token from
    /// `GITHUB_TOKEN`, `GH_TOKEN` or `STACKQL_GITHUB_PASSWORD`.
    #[default]
    Bearer,
    /// `type: basic` as StackQL's github provider declares it: HTTP Basic auth with the user name
    /// and password (a token) read from these environment variables.
    Basic {
        /// Variable holding the user name (`STACKQL_GITHUB_USERNAME`).
        username_var: String,
        /// Variable holding the password or token (`STACKQL_GITHUB_PASSWORD`).
        password_var: String,
    },
}

/// Something a document declares that github-sql does not serve (listed by `SHOW UNSERVED`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unserved {
    /// Service name.
    pub service: String,
    /// Resource name in its service document.
    pub resource: String,
    /// The method, or `None` when the whole resource is not served.
    pub method: Option<String>,
    /// The SQL verb the document gives it (`select`, `insert`, …; `exec` when none).
    pub verb: String,
    /// Why, and what to use instead when there is something.
    pub reason: String,
}

impl Provider {
    /// Every resource of every service.
    pub fn resources(&self) -> impl Iterator<Item = &Arc<Resource>> {
        self.services.iter().flat_map(|s| s.resources.iter())
    }

    /// Resource by StackQL id (`github.packages.auth_user_versions`), case-insensitive.
    pub fn resource_by_id(&self, id: &str) -> Option<&Arc<Resource>> {
        self.resources().find(|r| r.id.eq_ignore_ascii_case(id))
    }

    /// Resource by table name (bare or service-qualified), case-insensitive.
    pub fn resource_by_name(&self, name: &str) -> Option<&Arc<Resource>> {
        self.resources()
            .find(|r| r.name.eq_ignore_ascii_case(name))
            .or_else(|| {
                self.resources()
                    .find(|r| r.qualified.eq_ignore_ascii_case(name))
            })
    }

    /// When `name` is a bare resource name several services share: the resources it could mean.
    pub fn candidates(&self, name: &str) -> Vec<&Arc<Resource>> {
        match self.ambiguous.get(&name.to_ascii_lowercase()) {
            Some(ids) => ids
                .iter()
                .filter_map(|id| self.resource_by_id(id))
                .collect(),
            None => Vec::new(),
        }
    }

    /// The error text for a bare name several services share, if `name` is one: it names the
    /// tables to use instead.
    pub fn ambiguity(&self, name: &str) -> Option<String> {
        let c = self.candidates(name);
        if c.is_empty() {
            return None;
        }
        let tables: Vec<String> = c
            .iter()
            .map(|r| format!("{} ({})", r.qualified, r.id))
            .collect();
        Some(format!(
            "table name {name} is ambiguous: {} services have a resource of that name; use one of {}",
            c.len(),
            tables.join(", ")
        ))
    }
}
