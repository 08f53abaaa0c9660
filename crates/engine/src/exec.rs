//! Calls that are not scans: EXEC methods (shell `EXEC`, SQL functions) and the per-row calls a
//! DELETE sends when its transaction commits. Arguments are checked before anything is sent.

use crate::value::Value;
use serde_json::Value as Json;

use crate::http::pages::InterruptCheck;
use crate::http::{GitHubClient, HttpError, Stop};
use crate::journal;
use crate::plan::{self, Bound, PlanError};
use crate::spec::{Method, Resource};

/// Scopes to name in a 403: the method's, plus `repo` for repository-scoped package types.
pub fn scopes_for(resource: &Resource, method: &Method, bound: &Bound) -> Vec<String> {
    let mut scopes = method.scopes.clone();
    let repo_scoped = bound
        .path
        .iter()
        .chain(bound.query.iter())
        .any(|(k, v)| k == "package_type" && resource.repo_scoped_types.contains(v));
    if repo_scoped && !scopes.iter().any(|s| s == "repo") {
        scopes.push("repo".into());
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
    let url = url_for(client, method, bound)?;
    Ok(format!("{} {}", method.http_method, url.path()))
}

fn url_for(client: &GitHubClient, method: &Method, bound: &Bound) -> Result<url::Url, HttpError> {
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
    client.url_for(&method.path, &path, &query)
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
    let url = url_for(client, method, bound)?;
    let scopes = scopes_for(resource, method, bound);
    let body = bound.body_json(method);
    let mutating = !method.http_method.eq_ignore_ascii_case("GET");
    let slot = if mutating {
        Some(client.write_slot(stop)?)
    } else {
        None
    };
    let mut w = Write::new(
        client,
        resource,
        method,
        &url,
        journal_params(bound),
        run_id,
    );
    w.intent()?;
    let sent = match &slot {
        Some(slot) => client.send_in_slot(
            slot,
            &method.http_method,
            &url,
            &scopes,
            body.as_ref(),
            stop,
        ),
        None => client.send_with(&method.http_method, &url, &scopes, body.as_ref(), stop),
    };
    match sent {
        Ok(sent) => {
            w.outcome(Some(sent.status), sent.request_id.clone(), "done", None)?;
            Ok(sent)
        }
        Err(e) => {
            // An interrupt or the deadline ended a wait: GitHub has not processed this call.
            let unknown = !not_processed(&e) && e.is_ambiguous();
            let outcome = if unknown { "unknown" } else { "failed" };
            w.outcome(e.status(), None, outcome, Some(e.to_string()))?;
            Err(e.into())
        }
    }
}

/// Whether a failed write may nevertheless have been done by GitHub (journaled `unknown`): an
/// ambiguous answer (a 5xx, a broken connection after sending), not a wait an interrupt ended.
pub fn outcome_unknown(e: &crate::Error) -> bool {
    matches!(e, crate::Error::Http(h) if !not_processed(h) && h.is_ambiguous())
}

/// One mutating request's journal entries (nothing is written when the journal is off).
struct Write<'a> {
    journal: Option<&'a std::path::Path>,
    entry: journal::Entry,
}

impl<'a> Write<'a> {
    fn new(
        client: &'a GitHubClient,
        resource: &Resource,
        method: &Method,
        url: &url::Url,
        params: Json,
        run_id: Option<&str>,
    ) -> Self {
        Write {
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
    fn intent(&mut self) -> Result<(), journal::JournalError> {
        let Some(path) = self.journal else {
            return Ok(());
        };
        self.entry.time = journal::now_rfc3339();
        journal::append(path, &self.entry)
    }

    fn outcome(
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

/// The delete method for a row, chosen from the values it has (which its WHERE gave), as the
/// SELECT method is: of the methods whose required parameters all have values, the one that
/// uses the most of them (`org` given → the organization's method, not the authenticated
/// user's); ties go to document order. `None` when no delete method can be called.
pub fn delete_method_for(resource: &Resource, target: &Target) -> Option<usize> {
    method_for(resource, &resource.delete, &target.args)
}

/// Of `candidates` (indices into the resource's methods), the one these values can call that
/// uses the most of them; ties go to document order. INSERT, UPDATE and REPLACE choose their
/// method so, as SELECT and DELETE do.
pub fn method_for(
    resource: &Resource,
    candidates: &[usize],
    args: &[(String, Value)],
) -> Option<usize> {
    let has = |n: &str| args.iter().any(|(k, v)| k == n && *v != Value::Null);
    let mut best: Option<(usize, usize)> = None;
    for &m in candidates {
        let method = &resource.methods[m];
        // Missing body fields do not rule a method out: binding names them.
        if !method
            .required()
            .filter(|p| p.location != crate::spec::ParamLocation::Body)
            .all(|p| has(&p.name))
        {
            continue;
        }
        let used = method.params.iter().filter(|p| has(&p.name)).count();
        if best.is_none_or(|(_, u)| used > u) {
            best = Some((m, used));
        }
    }
    best.map(|(m, _)| m)
}

/// Queued targets grouped by the delete method each is sent with ([`delete_method_for`]), each
/// target keeping only that method's arguments; rows no method can delete come back in `Err`.
pub fn split_by_method(
    resource: &Resource,
    targets: &[Target],
) -> (Vec<(usize, Vec<Target>)>, Vec<Target>) {
    let mut groups: Vec<(usize, Vec<Target>)> = Vec::new();
    let mut orphans = Vec::new();
    for t in targets {
        let Some(m) = delete_method_for(resource, t) else {
            orphans.push(t.clone());
            continue;
        };
        let method = &resource.methods[m];
        let t = Target {
            args: t
                .args
                .iter()
                .filter(|(k, _)| method.param(k).is_some())
                .cloned()
                .collect(),
        };
        match groups.iter_mut().find(|(g, _)| *g == m) {
            Some((_, v)) => v.push(t),
            None => groups.push((m, vec![t])),
        }
    }
    (groups, orphans)
}

/// One row a DELETE matched: the delete methods' arguments, read from the row.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Arguments by parameter name.
    pub args: Vec<(String, Value)>,
}

/// What a DELETE did: the rows deleted and where the journal is.
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteReport {
    /// Table name.
    pub table: String,
    /// The journal's run id for this batch.
    pub run_id: String,
    /// Labels (the version id, typically) of the rows deleted, in order.
    pub deleted: Vec<String>,
    /// The journal's path, when journaling is on.
    pub journal: Option<String>,
}

impl DeleteReport {
    /// The summary's last lines: the ids deleted and the journal's location.
    pub fn tail(&self) -> String {
        let mut s = String::new();
        if !self.deleted.is_empty() {
            s.push_str(&format!("deleted: {}", self.deleted.join("; ")));
        }
        s.push('\n');
        s.push_str(&journal_line(self.journal.as_deref(), &self.run_id));
        s.trim_start_matches('\n').to_string()
    }
}

/// Where a batch's journal is, for the summaries of DELETEs and writes.
fn journal_line(journal: Option<&str>, run_id: &str) -> String {
    match journal {
        Some(j) => format!(
            "journal: {j} (run_id '{run_id}'; SELECT * FROM github_sql_journal WHERE run_id = '{run_id}')"
        ),
        None => "journal: off (GITHUB_SQL_JOURNAL=off)".into(),
    }
}

/// Why some of a DELETE's calls failed. Calls before and after a per-row refusal still went out;
/// an auth, rate-limit or network failure, an outcome that stays unknown or an interrupt stops
/// the rest.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct DeleteFailure {
    /// Table name.
    pub table: String,
    /// Rows the DELETE matched.
    pub total: usize,
    /// (row, message) for each failed row.
    pub failed: Vec<(String, String)>,
    /// (row, message) for a write whose outcome could not be established (it may have happened).
    pub unknown: Vec<(String, String)>,
    /// Rows not attempted after a failure that would repeat for every row (or an interrupt).
    pub not_attempted: usize,
    /// The batch was stopped before its next request by an interrupt or the deadline (boxed:
    /// errors stay small).
    pub stopped: Option<Box<Stopped>>,
    /// How to undo, when the resource has a restore method.
    pub restore_hint: Option<Box<str>>,
    /// The ids deleted and the journal (boxed: errors stay small).
    pub report: Box<DeleteReport>,
}

/// Why a DELETE's batch stopped before its next request.
#[derive(Debug, Clone, PartialEq)]
pub enum Stopped {
    /// An interrupt (Ctrl-C, `sqlite3_interrupt`, a cancel).
    Interrupted,
    /// The statement deadline: its message (naming `GITHUB_SQL_DEADLINE`).
    Deadline(Box<str>),
}

impl DeleteFailure {
    /// Whether an interrupt stopped the batch.
    pub fn interrupted(&self) -> bool {
        self.stopped.as_deref() == Some(&Stopped::Interrupted)
    }

    fn render(&self) -> String {
        let mut s = format!(
            "DELETE on {} deleted {} of {} rows; {} failed",
            self.table,
            self.report.deleted.len(),
            self.total,
            self.failed.len()
        );
        if !self.unknown.is_empty() {
            s.push_str(&format!(", {} unknown", self.unknown.len()));
        }
        if self.not_attempted > 0 {
            s.push_str(&format!(", {} not attempted", self.not_attempted));
        }
        match self.stopped.as_deref() {
            Some(Stopped::Interrupted) => s.push_str(" (interrupted: nothing more was sent)"),
            Some(Stopped::Deadline(d)) => s.push_str(&format!(" (nothing more was sent: {d})")),
            None => {}
        }
        s.push(':');
        for (row, msg) in &self.failed {
            s.push_str(&format!("\n  {row}: {msg}"));
        }
        for (row, msg) in &self.unknown {
            s.push_str(&format!(
                "\n  {row}: UNKNOWN whether GitHub deleted it ({msg}); check before retrying"
            ));
        }
        if let (Some(hint), true) = (&self.restore_hint, !self.report.deleted.is_empty()) {
            s.push_str(&format!("\n{hint}"));
        }
        s.push('\n');
        s.push_str(&self.report.tail());
        s
    }
}

fn label(t: &Target, all: &[Target]) -> String {
    // Name a row by the arguments that tell it apart (the version id, typically).
    let varying: Vec<String> = t
        .args
        .iter()
        .filter(|(k, v)| {
            all.iter()
                .any(|o| o.args.iter().any(|(k2, v2)| k2 == k && v2 != v))
        })
        .map(|(k, v)| format!("{k} {}", render(v)))
        .collect();
    if varying.is_empty() {
        t.args
            .iter()
            .map(|(k, v)| format!("{k} {}", render(v)))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        varying.join(", ")
    }
}

fn render(v: &Value) -> String {
    match v {
        Value::Integer(i) => i.to_string(),
        Value::Text(t) => t.clone(),
        Value::Real(r) => r.to_string(),
        Value::Null => "NULL".into(),
        Value::Blob(_) => "blob".into(),
    }
}

/// An interrupt or the deadline ended a wait before (or instead of a retry of) a write: GitHub
/// has not processed it.
fn not_processed(e: &HttpError) -> bool {
    matches!(
        e,
        HttpError::Interrupted
            | HttpError::Bound {
                bound: "statement deadline",
                ..
            }
    )
}

/// Whether a failure would repeat for every remaining row.
fn stops_the_rest(e: &HttpError) -> bool {
    matches!(
        e,
        HttpError::MissingToken { .. }
            | HttpError::Unauthorized { .. }
            | HttpError::Forbidden { .. }
            | HttpError::RateLimited { .. }
            | HttpError::SecondaryRateLimited { .. }
            | HttpError::Transport { .. }
            | HttpError::InsecureUrl { .. }
            | HttpError::BadBaseUrl { .. }
            | HttpError::BadToken
    )
}

/// How one delete ended.
enum Verdict {
    /// Done; how an ambiguous answer was resolved, if it was one.
    Deleted(Option<String>),
    /// Not done; `stop` when the failure would repeat for every remaining row.
    Failed { stop: bool, message: String },
    /// May or may not have been done.
    Unknown(String),
}

/// What a GET of the deleted URL says about a write that got an ambiguous answer.
enum Verified {
    Done(String),
    NotDone,
    Unknown(String),
}

/// After a 5xx, timeout or reset on a DELETE: the object is gone (404) or listed as deleted
/// (`deleted_at` set) → it was done; still there → it was not; anything else → unknown.
fn verify(client: &GitHubClient, url: &url::Url, scopes: &[String]) -> Verified {
    match client.send_full("GET", url, scopes) {
        Err(e) if e.is_not_found() => Verified::Done("a GET afterwards answered 404".into()),
        Ok(sent) => match sent.body.as_ref().and_then(|b| b.get("deleted_at")) {
            Some(d) if !d.is_null() => {
                Verified::Done("a GET afterwards lists it as deleted".into())
            }
            _ => Verified::NotDone,
        },
        Err(e) => Verified::Unknown(format!("checking with a GET failed too: {e}")),
    }
}

/// Sends the delete method for every target, paced by the client, with a progress bar on a
/// terminal. Each request is journaled before it is sent and again with its outcome; an
/// ambiguous answer is checked with a GET before it is counted; `interrupt` is asked before
/// every request (an interrupted batch sends nothing more and says so).
pub fn delete_all(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    targets: &[Target],
    interrupt: Option<&InterruptCheck>,
) -> Result<DeleteReport, DeleteFailure> {
    let stop = Stop::interrupt(interrupt.cloned());
    delete_all_with(client, resource, method, targets, &stop)
}

/// [`delete_all`] under a statement's [`Stop`]: the pause between writes and retry or
/// rate-limit waits end within 100 ms of an interrupt, and the batch stops before its next
/// request when the interrupt comes or the statement's deadline passes (a write already sent
/// is awaited, so its outcome is known).
pub fn delete_all_with(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    targets: &[Target],
    stop: &Stop,
) -> Result<DeleteReport, DeleteFailure> {
    let mut bar = crate::progress::DeletionBar::new(targets.len());
    let mut report = DeleteReport {
        table: resource.name.clone(),
        run_id: journal::new_run_id(),
        deleted: Vec::new(),
        journal: client
            .config()
            .journal
            .as_ref()
            .map(|p| p.display().to_string()),
    };
    let mut first_deleted: Option<&Target> = None;
    let mut failed = Vec::new();
    let mut unknown = Vec::new();
    let mut not_attempted = 0;
    // Why the batch stopped before a request went out (or between its retries).
    let mut halted: Option<Stopped> = None;
    let mut stopped = |e: &HttpError| {
        halted = Some(match e {
            HttpError::Interrupted => Stopped::Interrupted,
            other => Stopped::Deadline(other.to_string().into_boxed_str()),
        })
    };
    for (i, t) in targets.iter().enumerate() {
        // The pause before this write; an interrupt or the deadline ends it, nothing is sent.
        let slot = match client.write_slot(stop) {
            Ok(slot) => slot,
            Err(e) => {
                stopped(&e);
                not_attempted = targets.len() - i;
                break;
            }
        };
        let name = label(t, targets);
        let prepared = bind_named(resource, method, &t.args)
            .map_err(crate::Error::from)
            .and_then(|b| {
                let url = url_for(client, method, &b)?;
                Ok((scopes_for(resource, method, &b), url, b.body_json(method)))
            });
        let (scopes, url, body) = match prepared {
            Ok(p) => p,
            Err(e) => {
                failed.push((name, e.to_string()));
                continue;
            }
        };
        let mut w = Write::new(
            client,
            resource,
            method,
            &url,
            journal::params_json(&t.args),
            Some(&report.run_id),
        );
        if let Err(e) = w.intent() {
            failed.push((name, e.to_string()));
            not_attempted = targets.len() - i - 1;
            break;
        }
        let result = client.send_in_slot(
            &slot,
            &method.http_method,
            &url,
            &scopes,
            body.as_ref(),
            stop,
        );
        drop(slot);
        let (status, request_id) = match &result {
            Ok(s) => (Some(s.status), s.request_id.clone()),
            Err(e) => (e.status(), None),
        };
        let verdict = match result {
            Ok(_) => Verdict::Deleted(None),
            Err(e) if not_processed(&e) => {
                stopped(&e);
                // Journaled as failed; counted with the rows not attempted.
                let _ = w.outcome(status, None, "failed", Some(format!("not done: {e}")));
                not_attempted = targets.len() - i;
                break;
            }
            Err(e) if e.is_ambiguous() => match verify(client, &url, &scopes) {
                Verified::Done(how) => {
                    Verdict::Deleted(Some(format!("GitHub answered: {e}; {how}")))
                }
                Verified::NotDone => Verdict::Failed {
                    stop: false,
                    message: e.to_string(),
                },
                Verified::Unknown(why) => Verdict::Unknown(format!("{e}; {why}")),
            },
            Err(e) => Verdict::Failed {
                stop: stops_the_rest(&e),
                message: e.to_string(),
            },
        };
        bar.inc();
        let journaled = match &verdict {
            Verdict::Deleted(how) => w.outcome(status, request_id, "deleted", how.clone()),
            Verdict::Unknown(m) => w.outcome(status, request_id, "unknown", Some(m.clone())),
            Verdict::Failed { message, .. } => {
                w.outcome(status, request_id, "failed", Some(message.clone()))
            }
        };
        match verdict {
            Verdict::Deleted(_) => {
                report.deleted.push(name);
                first_deleted.get_or_insert(t);
            }
            Verdict::Unknown(m) => {
                unknown.push((name, m));
                not_attempted = targets.len() - i - 1;
                break;
            }
            Verdict::Failed { stop, message } => {
                failed.push((name, message));
                if stop {
                    not_attempted = targets.len() - i - 1;
                    break;
                }
            }
        }
        if let Err(e) = journaled {
            failed.push(("journal".into(), e.to_string()));
            not_attempted = targets.len() - i - 1;
            break;
        }
    }
    bar.finish(halted.as_ref().map(|h| match h {
        Stopped::Interrupted => "interrupted",
        Stopped::Deadline(_) => "the statement deadline passed",
    }));
    if failed.is_empty() && unknown.is_empty() && halted.is_none() {
        return Ok(report);
    }
    let restore_hint = resource
        .exec
        .iter()
        .map(|&i| &resource.methods[i])
        .find(|m| m.name.starts_with("restore"))
        .map(|m| {
            format!(
                "GitHub keeps what it deleted restorable for 30 days: {} (or SELECT {}(…) in SQLite).",
                example_exec_with(resource, m, first_deleted.map(|t| t.args.as_slice()).unwrap_or(&[])),
                m.name
            )
            .into_boxed_str()
        });
    Err(DeleteFailure {
        table: resource.name.clone(),
        total: targets.len(),
        failed,
        unknown,
        not_attempted,
        stopped: halted.map(Box::new),
        restore_hint,
        report: Box::new(report),
    })
}

/// Environment variable: a DELETE of more rows than this needs confirmation (default 100).
pub const CONFIRM_OVER_ENV: &str = "GITHUB_SQL_CONFIRM_OVER";
/// actions/delete-package-versions caps one run at 100 versions.
pub const DEFAULT_CONFIRM_OVER: usize = 100;

/// The threshold from `GITHUB_SQL_CONFIRM_OVER` (default 100).
pub fn confirm_over_from_env() -> usize {
    std::env::var(CONFIRM_OVER_ENV)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_CONFIRM_OVER)
}

/// Rows a complete, unfiltered scan saw per group (a package: the delete arguments a list also
/// takes, sorted by name), from [`crate::scan::Scan::totals`].
pub type Totals = std::collections::HashMap<Vec<(String, String)>, u64>;

/// A bulk DELETE that needs the user's say-so before anything is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirmation {
    /// Table name.
    pub table: String,
    /// Rows the DELETE would remove.
    pub count: usize,
    /// Why it needs confirming.
    pub reason: String,
    /// Up to five of the rows, labelled.
    pub sample: Vec<String>,
}

impl std::fmt::Display for Confirmation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DELETE would remove {} rows of {} ({}); e.g. {}",
            self.count,
            self.table,
            self.reason,
            self.sample.join("; ")
        )
    }
}

/// The delete arguments that identify a group (a package), not one row: those a list method of
/// the resource takes too.
pub fn group_params(resource: &Resource, method: &Method) -> Vec<String> {
    let mut names: Vec<String> = method
        .params
        .iter()
        .filter(|p| {
            resource
                .methods
                .iter()
                .filter(|m| matches!(m.returns, crate::spec::Returns::Array))
                .any(|m| m.param(&p.name).is_some())
        })
        .map(|p| p.name.clone())
        .collect();
    names.sort();
    names
}

/// A target's group key ([`group_params`], sorted by name, values as text).
pub fn group_key(groups: &[String], t: &Target) -> Vec<(String, String)> {
    key_of(t.args.iter().filter(|(n, _)| groups.contains(n)))
}

/// Name/value pairs as a group key: sorted by name, values rendered as text.
pub fn key_of<'a>(pairs: impl Iterator<Item = &'a (String, Value)>) -> Vec<(String, String)> {
    let mut k: Vec<(String, String)> = pairs.map(|(n, v)| (n.clone(), render(v))).collect();
    k.sort();
    k
}

/// The confirmation rule, the same in every front end: a DELETE of more than `threshold` rows,
/// or of every active row of a group whose whole unfiltered list a scan saw, needs confirming.
pub fn needs_confirmation(
    resource: &Resource,
    method: &Method,
    targets: &[Target],
    totals: &Totals,
    threshold: usize,
) -> Option<Confirmation> {
    if targets.is_empty() {
        return None;
    }
    let sample = || targets.iter().take(5).map(|t| label(t, targets)).collect();
    if targets.len() > threshold {
        return Some(Confirmation {
            table: resource.name.clone(),
            count: targets.len(),
            reason: format!("more than {threshold}, the {CONFIRM_OVER_ENV} threshold"),
            sample: sample(),
        });
    }
    let groups = group_params(resource, method);
    let mut per: Totals = Totals::default();
    for t in targets {
        *per.entry(group_key(&groups, t)).or_default() += 1;
    }
    let all = per
        .iter()
        .find(|(k, n)| totals.get(*k).is_some_and(|total| **n >= *total))?;
    let what: Vec<String> = all.0.iter().map(|(k, v)| format!("{k} {v}")).collect();
    Some(Confirmation {
        table: resource.name.clone(),
        count: targets.len(),
        reason: format!("every active row of {}", what.join(", ")),
        sample: sample(),
    })
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

/// What a COMMIT's INSERT, UPDATE and REPLACE rows did.
#[derive(Clone, Debug, PartialEq)]
pub struct WriteReport {
    /// Table name.
    pub table: String,
    /// The journal's run id for this batch.
    pub run_id: String,
    /// The writes GitHub accepted, in order.
    pub done: Vec<WriteResult>,
    /// The journal's path, when journaling is on.
    pub journal: Option<String>,
}

impl WriteReport {
    /// Where the journal is, for messages.
    pub fn tail(&self) -> String {
        journal_line(self.journal.as_deref(), &self.run_id)
    }
}

/// Why some of a COMMIT's INSERT, UPDATE or REPLACE rows failed. Rows after a per-row refusal
/// (a 404, a 422) are still sent; an auth, rate-limit or network failure, an answer that leaves
/// the outcome unknown, or an interrupt stops the rest.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct WriteFailure {
    /// Rows queued.
    pub total: usize,
    /// (row, message) for each failed row.
    pub failed: Vec<(String, String)>,
    /// (row, message) for a write whose outcome could not be established (it may have happened).
    pub unknown: Vec<(String, String)>,
    /// Rows not attempted.
    pub not_attempted: usize,
    /// What was done, and the journal (boxed: errors stay small).
    pub report: Box<WriteReport>,
}

impl WriteFailure {
    fn render(&self) -> String {
        let mut s = format!(
            "writes to {}: {} of {} rows done; {} failed",
            self.report.table,
            self.report.done.len(),
            self.total,
            self.failed.len()
        );
        if !self.unknown.is_empty() {
            s.push_str(&format!(", {} unknown", self.unknown.len()));
        }
        if self.not_attempted > 0 {
            s.push_str(&format!(", {} not attempted", self.not_attempted));
        }
        s.push(':');
        for (row, msg) in &self.failed {
            s.push_str(&format!("\n  {row}: {msg}"));
        }
        for (row, msg) in &self.unknown {
            s.push_str(&format!(
                "\n  {row}: UNKNOWN whether GitHub did it ({msg}); check before retrying"
            ));
        }
        s.push('\n');
        s.push_str(&self.report.tail());
        s
    }
}

/// Sends queued INSERT, UPDATE and REPLACE rows in order, paced as every write is, each
/// journaled before it is sent and again with its outcome (one run id for the batch).
pub fn write_all(
    client: &GitHubClient,
    resource: &Resource,
    writes: &[QueuedWrite],
    stop: &Stop,
) -> Result<WriteReport, WriteFailure> {
    let mut report = WriteReport {
        table: resource.name.clone(),
        run_id: journal::new_run_id(),
        done: Vec::new(),
        journal: client
            .config()
            .journal
            .as_ref()
            .map(|p| p.display().to_string()),
    };
    let (mut failed, mut unknown, mut not_attempted) = (Vec::new(), Vec::new(), 0);
    for (i, w) in writes.iter().enumerate() {
        let Some(method) = resource.methods.get(w.method) else {
            failed.push((format!("row {}", i + 1), "internal: no such method".into()));
            continue;
        };
        let bound = match bind_named(resource, method, &w.args) {
            Ok(b) => b,
            Err(e) => {
                failed.push((format!("{} row {}", w.verb, i + 1), e.to_string()));
                continue;
            }
        };
        let request = describe_call(client, method, &bound).unwrap_or_else(|_| method.name.clone());
        let name = format!("{} row {} ({request})", w.verb, i + 1);
        match call_in_run(client, resource, method, &bound, stop, Some(&report.run_id)) {
            Ok(sent) => report.done.push(WriteResult {
                verb: w.verb,
                method: method.name.clone(),
                request,
                status: sent.status,
                body: sent.body,
            }),
            Err(e) if outcome_unknown(&e) => {
                unknown.push((name, e.to_string()));
                not_attempted = writes.len() - i - 1;
                break;
            }
            Err(e) => {
                let stop_now = match &e {
                    crate::Error::Http(h) => stops_the_rest(h) || not_processed(h),
                    crate::Error::Journal(_) => true,
                    _ => false,
                };
                failed.push((name, e.to_string()));
                if stop_now {
                    not_attempted = writes.len() - i - 1;
                    break;
                }
            }
        }
    }
    if failed.is_empty() && unknown.is_empty() {
        return Ok(report);
    }
    Err(WriteFailure {
        total: writes.len(),
        failed,
        unknown,
        not_attempted,
        report: Box::new(report),
    })
}
