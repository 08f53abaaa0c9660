//! Calls that are not scans: EXEC methods (shell `EXEC`, SQL functions) and the per-row calls a
//! DELETE sends when its transaction commits. Arguments are checked before anything is sent.

use crate::value::Value;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value as Json;

use crate::http::{GitHubClient, HttpError};
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
            match (given, &p.allowed, p.sql_type) {
                (Some(Value::Integer(i)), _, _) => format!("@{}={i}", p.name),
                (Some(Value::Text(t)), _, _) => format!("@{}='{}'", p.name, t.replace('\'', "''")),
                (_, Some(a), _) if !a.is_empty() => format!("@{}='{}'", p.name, a[0]),
                (_, _, crate::spec::SqlType::Integer) => format!("@{}=123", p.name),
                _ => format!(
                    "@{}='my-{}'",
                    p.name,
                    p.name.trim_end_matches("_name").replace('_', "-")
                ),
            }
        })
        .collect();
    format!("EXEC {}.{} {}", resource.id, method.name, args.join(", "))
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
    if let Some((name, _)) = args.iter().find(|(_, v)| *v == Value::Null) {
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

/// Calls a method with checked arguments; returns its JSON body, if any.
pub fn call(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    bound: &Bound,
) -> Result<Option<Json>, HttpError> {
    let url = url_for(client, method, bound)?;
    client.send(
        &method.http_method,
        &url,
        &scopes_for(resource, method, bound),
    )
}

/// Checks named arguments, then calls the method.
pub fn call_named(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    args: &[(String, Value)],
) -> crate::Result<Option<Json>> {
    let bound = bind_named(resource, method, args)?;
    Ok(call(client, resource, method, &bound)?)
}

/// One row a DELETE matched: the delete method's arguments, read from the row.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// Arguments by parameter name.
    pub args: Vec<(String, Value)>,
}

/// Why some of a DELETE's calls failed. Calls before and after a per-row refusal still went out;
/// an auth, rate-limit or network failure stops the rest.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.render())]
pub struct DeleteFailure {
    /// Table name.
    pub table: String,
    /// Rows the DELETE matched.
    pub total: usize,
    /// Rows deleted.
    pub deleted: usize,
    /// (row, message) for each failed row.
    pub failed: Vec<(String, String)>,
    /// Rows not attempted after a failure that would repeat for every row.
    pub not_attempted: usize,
    /// How to undo, when the resource has a restore method.
    pub restore_hint: Option<String>,
}

impl DeleteFailure {
    fn render(&self) -> String {
        let mut s = format!(
            "DELETE on {} deleted {} of {} rows; {} failed",
            self.table,
            self.deleted,
            self.total,
            self.failed.len()
        );
        if self.not_attempted > 0 {
            s.push_str(&format!(", {} not attempted", self.not_attempted));
        }
        s.push(':');
        for (row, msg) in &self.failed {
            s.push_str(&format!("\n  {row}: {msg}"));
        }
        if let (Some(hint), true) = (&self.restore_hint, self.deleted > 0) {
            s.push_str(&format!("\n{hint}"));
        }
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

/// Whether a failure would repeat for every remaining row.
fn stops_the_rest(e: &crate::Error) -> bool {
    matches!(
        e,
        crate::Error::Http(
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
    )
}

/// Sends the delete method for every target, paced by the client, with a progress bar on a
/// terminal. Returns how many were deleted, or what failed.
pub fn delete_all(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    targets: &[Target],
) -> Result<usize, DeleteFailure> {
    let bar = if targets.len() > 1 {
        let bar =
            ProgressBar::with_draw_target(Some(targets.len() as u64), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "deleting {bar:30} {pos}/{len} [{elapsed} elapsed, {per_sec}, ETA {eta}]",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut deleted = 0;
    let mut first_deleted: Option<&Target> = None;
    let mut failed = Vec::new();
    let mut not_attempted = 0;
    for (i, t) in targets.iter().enumerate() {
        match call_named(client, resource, method, &t.args) {
            Ok(_) => {
                deleted += 1;
                first_deleted.get_or_insert(t);
            }
            Err(e) => {
                let stop = stops_the_rest(&e);
                failed.push((label(t, targets), e.to_string()));
                if stop {
                    not_attempted = targets.len() - i - 1;
                    break;
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    if failed.is_empty() {
        return Ok(deleted);
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
        });
    Err(DeleteFailure {
        table: resource.name.clone(),
        total: targets.len(),
        deleted,
        failed,
        not_attempted,
        restore_hint,
    })
}
