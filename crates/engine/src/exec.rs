//! Calls that are not scans: EXEC methods (shell `EXEC`, SQL functions), the binding and
//! journaling every write shares, and example statements. What a COMMIT sends is
//! [`crate::write`]'s. Arguments are checked before anything is sent.

use crate::value::Value;
use serde_json::Value as Json;

use crate::http::{GitHubClient, HttpError, Stop};
use crate::journal;
use crate::plan::{self, Bound, PlanError};
use crate::spec::{Method, Resource};

/// Scopes to name in a 403: the method's, plus those the document adds for the values bound
/// (`x-github-sql-scopes.extra`: a maven package also needs `repo`).
pub fn scopes_for(resource: &Resource, method: &Method, bound: &Bound) -> Vec<String> {
    let mut scopes = method.scopes.clone();
    for extra in &resource.extra_scopes {
        let applies = bound
            .path
            .iter()
            .chain(bound.query.iter())
            .any(|(k, v)| *k == extra.param && extra.values.contains(v));
        if applies && !scopes.contains(&extra.scope) {
            scopes.push(extra.scope.clone());
        }
    }
    scopes
}

/// An example call in the shell's EXEC syntax (with `values` where given).
pub fn example_exec(resource: &Resource, method: &Method) -> String {
    example_exec_with(resource, method, &[])
}

/// An EXEC call with these argument values, placeholders for the rest.
pub fn example_exec_with(
    resource: &Resource,
    method: &Method,
    values: &[(String, Value)],
) -> String {
    let args: Vec<String> = resource
        .call_order(method)
        .iter()
        .filter(|p| p.required)
        .map(|p| {
            let given = values.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v);
            format!("@{}={}", p.name, example_value(p, given))
        })
        .collect();
    format!("EXEC {}.{} {}", resource.id, method.name, args.join(", "))
}

/// A value for `p` in an example statement: the one given, else a placeholder of its type.
pub fn example_value(p: &crate::spec::Param, given: Option<&Value>) -> String {
    use crate::spec::{JsonType, SqlType};
    match (given, &p.allowed, p.sql_type) {
        (Some(Value::Integer(i)), _, _) => i.to_string(),
        (Some(Value::Text(t)), _, _) => format!("'{}'", t.replace('\'', "''")),
        (_, Some(a), _) if !a.is_empty() => format!("'{}'", a[0]),
        _ if p.json_type == JsonType::Boolean => "true".into(),
        (_, _, SqlType::Integer) => "123".into(),
        (_, _, SqlType::Json) => "'[\"a\", \"b\"]'".into(),
        _ => {
            let base = p.body_field().unwrap_or(&p.name);
            format!("'my-{}'", base.trim_end_matches("_name").replace('_', "-"))
        }
    }
}

/// An example INSERT, UPDATE or REPLACE statement that calls `method` with its required values.
pub fn example_statement(resource: &Resource, method: &Method, verb: &str) -> String {
    use crate::spec::ParamLocation;
    let required: Vec<&crate::spec::Param> = resource
        .call_order(method)
        .into_iter()
        .filter(|p| p.required)
        .collect();
    let pair = |p: &&crate::spec::Param| format!("{} = {}", p.name, example_value(p, None));
    if verb == "UPDATE" {
        let (body, keys): (Vec<_>, Vec<_>) = required
            .iter()
            .partition(|p| p.location == ParamLocation::Body);
        let mut set: Vec<String> = body.iter().map(pair).collect();
        if set.is_empty() {
            if let Some(p) = method
                .params
                .iter()
                .find(|p| p.location == ParamLocation::Body)
            {
                set.push(pair(&p));
            }
        }
        let mut s = format!("UPDATE {} SET {}", resource.name, set.join(", "));
        if !keys.is_empty() {
            s.push_str(&format!(
                " WHERE {}",
                keys.iter().map(pair).collect::<Vec<_>>().join(" AND ")
            ));
        }
        return s;
    }
    let cols: Vec<&str> = required.iter().map(|p| p.name.as_str()).collect();
    let vals: Vec<String> = required.iter().map(|p| example_value(p, None)).collect();
    format!(
        "{} INTO {} ({}) VALUES ({})",
        if verb == "REPLACE" {
            "REPLACE"
        } else {
            "INSERT"
        },
        resource.name,
        cols.join(", "),
        vals.join(", ")
    )
}

/// Checks named arguments against the method: unknown names, missing required ones, NULLs,
/// types and enums. Nothing is sent.
pub fn bind_named(
    resource: &Resource,
    method: &Method,
    args: &[(String, Value)],
) -> Result<Bound, PlanError> {
    for (name, _) in args {
        if method.param(name).is_none() {
            return Err(PlanError::UnknownArg {
                method: method.name.clone(),
                param: name.clone(),
                known: method.params.iter().map(|p| p.name.clone()).collect(),
            });
        }
    }
    let missing: Vec<String> = resource
        .call_order(method)
        .iter()
        .filter(|p| p.required && !args.iter().any(|(n, _)| n == &p.name))
        .map(|p| p.name.clone())
        .collect();
    if !missing.is_empty() {
        return Err(PlanError::MissingArgs {
            method: method.name.clone(),
            missing,
            example: example_exec(resource, method),
        });
    }
    // A body field named with NULL is sent as JSON null when its schema is nullable.
    let null_ok = |n: &str| {
        method
            .param(n)
            .is_some_and(|p| p.nullable && p.location == crate::spec::ParamLocation::Body)
    };
    if let Some((name, _)) = args.iter().find(|(n, v)| *v == Value::Null && !null_ok(n)) {
        return Err(PlanError::NullArg {
            param: name.clone(),
        });
    }
    let names: Vec<String> = args.iter().map(|(n, _)| n.clone()).collect();
    let values: Vec<Value> = args.iter().map(|(_, v)| v.clone()).collect();
    plan::bind(method, &names, values)?
        .ok_or_else(|| PlanError::Internal("NULL after the NULL check".into()))
}

/// The request a call would send, for `--dry-run`: "POST /path".
pub fn describe_call(
    client: &GitHubClient,
    method: &Method,
    bound: &Bound,
) -> crate::Result<String> {
    let url = url_of(client, method, bound)?;
    Ok(format!("{} {}", method.http_method, url.path()))
}

/// The URL a call goes to.
pub(crate) fn url_of(
    client: &GitHubClient,
    method: &Method,
    bound: &Bound,
) -> Result<url::Url, HttpError> {
    let path: Vec<(&str, &str)> = bound
        .path
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let query: Vec<(&str, String)> = bound
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    // A multi-segment parameter (a git ref `heads/x`, a contents path) keeps its slashes, as
    // it does when a scan reads it.
    let multi: Vec<&str> = method
        .params
        .iter()
        .filter(|p| p.multi_segment)
        .map(|p| p.name.as_str())
        .collect();
    client.url_for_segments(&method.path, &path, &query, &multi)
}

/// Calls a method with checked arguments; returns its JSON body, if any. A mutating method is
/// journaled (intent before sending, then its outcome) under a run id of its own.
pub fn call(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    bound: &Bound,
) -> crate::Result<Option<Json>> {
    call_with(client, resource, method, bound, &Stop::default())
}

/// [`call`] under a statement's [`Stop`]: the pause before a write and retry or rate-limit
/// waits end on an interrupt or at the deadline, and the call is then not sent (or not
/// retried), which the journal records as `failed`.
pub fn call_with(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    bound: &Bound,
    stop: &Stop,
) -> crate::Result<Option<Json>> {
    call_in_run(client, resource, method, bound, stop, None).map(|s| s.body)
}

/// The parameters a journal entry records: path and query values, then the body fields as
/// `data__<field>`, with the values of secret-looking fields (names containing `password`,
/// `secret`, `token`, `private_key` or `encrypted_value`, at any depth) replaced by
/// `[redacted]`, and registered secrets (the token) redacted in the rest.
pub fn journal_params(bound: &Bound) -> Json {
    let mut params: serde_json::Map<String, Json> = bound
        .path
        .iter()
        .chain(bound.query.iter())
        .map(|(k, v)| {
            let v = match bound.echo.get(k) {
                Some(Value::Integer(i)) => Json::from(*i),
                _ => Json::from(v.clone()),
            };
            (k.clone(), v)
        })
        .collect();
    for (field, v) in &bound.body {
        params.insert(
            format!("{}{field}", crate::spec::BODY_PREFIX),
            redact_secrets(field, v),
        );
    }
    Json::Object(params)
}

fn secret_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    [
        "password",
        "secret",
        "token",
        "private_key",
        "encrypted_value",
    ]
    .iter()
    .any(|s| n.contains(s))
}

fn redact_secrets(name: &str, v: &Json) -> Json {
    if secret_name(name) && !v.is_null() {
        return Json::from("[redacted]");
    }
    match v {
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), redact_secrets(k, x)))
                .collect(),
        ),
        Json::Array(a) => Json::Array(a.iter().map(|x| redact_secrets("", x)).collect()),
        Json::String(s) => Json::String(crate::http::redact(s)),
        other => other.clone(),
    }
}

/// One call as [`call_with`] sends it, journaled under `run_id` (a fresh one when `None`).
/// [`outcome_unknown`] tells whether a failure may nevertheless have been done.
pub fn call_in_run(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    bound: &Bound,
    stop: &Stop,
    run_id: Option<&str>,
) -> crate::Result<crate::http::Sent> {
    let url = url_of(client, method, bound)?;
    let scopes = scopes_for(resource, method, bound);
    let body = bound.body_json(method);
    let mutating = !method.http_method.eq_ignore_ascii_case("GET");
    let slot = if mutating {
        Some(client.write_slot(stop)?)
    } else {
        None
    };
    let mut w = JournalWrite::new(
        client,
        resource,
        method,
        &url,
        journal_params(bound),
        run_id,
    );
    w.intent()?;
    let mut req = client
        .request(&method.http_method, &url)?
        .headers(&method.headers)
        .scopes(&scopes)
        .body(body.as_ref())
        .stop(stop);
    if method.returns == crate::spec::Returns::Redirect {
        // A download: its target's URL is the result; the file is fetched only when asked for.
        req = req.answer_redirects();
    }
    let sent = match &slot {
        Some(slot) => client.send_request_in_slot(slot, &req),
        None => client.send_request(&req),
    };
    match sent {
        Ok(sent) => {
            w.outcome(Some(sent.status), sent.request_id.clone(), "done", None)?;
            Ok(sent)
        }
        Err(e) => {
            // An interrupt or the deadline ended a wait: GitHub has not processed this call.
            let unknown = !e.not_processed() && e.is_ambiguous();
            let outcome = if unknown { "unknown" } else { "failed" };
            w.outcome(e.status(), None, outcome, Some(e.to_string()))?;
            Err(e.into())
        }
    }
}

/// Whether a failed write may nevertheless have been done by GitHub (journaled `unknown`): an
/// ambiguous answer (a 5xx, a broken connection after sending), not a wait an interrupt ended.
pub fn outcome_unknown(e: &crate::Error) -> bool {
    matches!(e, crate::Error::Http(h) if !h.not_processed() && h.is_ambiguous())
}

/// One mutating request's journal entries (nothing is written when the journal is off).
pub(crate) struct JournalWrite<'a> {
    journal: Option<&'a std::path::Path>,
    entry: journal::Entry,
}

impl<'a> JournalWrite<'a> {
    pub(crate) fn new(
        client: &'a GitHubClient,
        resource: &Resource,
        method: &Method,
        url: &url::Url,
        params: Json,
        run_id: Option<&str>,
    ) -> Self {
        JournalWrite {
            journal: client.config().journal.as_deref(),
            entry: journal::Entry {
                time: String::new(),
                run_id: run_id.map_or_else(journal::new_run_id, String::from),
                phase: "intent".into(),
                method: method.http_method.to_uppercase(),
                path: url.path().to_string(),
                resource: resource.name.clone(),
                params,
                status: None,
                request_id: None,
                outcome: None,
                detail: None,
            },
        }
    }

    /// Written (and fsync'd) before the request is sent; a failure sends nothing.
    pub(crate) fn intent(&mut self) -> Result<(), journal::JournalError> {
        let Some(path) = self.journal else {
            return Ok(());
        };
        self.entry.time = journal::now_rfc3339();
        journal::append(path, &self.entry)
    }

    pub(crate) fn outcome(
        &mut self,
        status: Option<u16>,
        request_id: Option<String>,
        outcome: &str,
        detail: Option<String>,
    ) -> Result<(), journal::JournalError> {
        let Some(path) = self.journal else {
            return Ok(());
        };
        let e = journal::Entry {
            time: journal::now_rfc3339(),
            phase: "outcome".into(),
            status,
            request_id,
            outcome: Some(outcome.into()),
            detail: detail.map(|d| crate::http::redact(&d)),
            ..self.entry.clone()
        };
        journal::append(path, &e)
    }
}

/// Checks named arguments, then calls the method.
pub fn call_named(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    args: &[(String, Value)],
) -> crate::Result<Option<Json>> {
    let bound = bind_named(resource, method, args)?;
    call(client, resource, method, &bound)
}

/// One row of an INSERT, UPDATE or REPLACE, queued until its transaction commits.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedWrite {
    /// `INSERT`, `UPDATE` or `REPLACE`.
    pub verb: &'static str,
    /// Index into the resource's methods.
    pub method: usize,
    /// Arguments by parameter name (path and query parameters, `data__` body fields).
    pub args: Vec<(String, Value)>,
}

/// What one sent write answered.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteResult {
    /// The table.
    pub table: String,
    /// `INSERT`, `UPDATE` or `REPLACE`.
    pub verb: &'static str,
    /// The method called.
    pub method: String,
    /// `POST /user/repos`.
    pub request: String,
    /// HTTP status.
    pub status: u16,
    /// GitHub's JSON answer (the created object, typically), if any.
    pub body: Option<Json>,
}
