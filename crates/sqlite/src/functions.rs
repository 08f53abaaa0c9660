//! SQL functions: one per method that is in no `sqlVerbs` list (StackQL's EXEC-only methods), plus
//! `github_sql_version()` and `regexp(pattern, text)` (SQLite has no `REGEXP` of its own; with
//! this, `x REGEXP 'pat'` works in the shell and the extension). Generated from the document; no
//! per-method code.

use std::sync::Arc;

use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::types::Value;
use rusqlite::Connection;

use github_sql_engine::exec;
use github_sql_engine::spec::Resource;
use github_sql_engine::Engine;

use crate::value::from_sql;

/// Compiled patterns kept per connection's `regexp` (a pattern is usually the same for every row).
const REGEX_CACHE: usize = 16;

/// A `REGEXP` pattern that does not compile.
#[derive(Debug, thiserror::Error)]
#[error(
    "REGEXP pattern {pattern:?} is not a valid regular expression (Rust regex syntax): {reason}"
)]
pub struct BadPattern {
    /// The pattern given.
    pub pattern: String,
    /// What the regex crate said.
    pub reason: String,
}

/// `regexp(pattern, text)`: 1 when `text` matches (anywhere; anchor with `^…$`), NULL when either
/// is NULL. Compiled patterns are cached (the last [`REGEX_CACHE`] distinct ones).
fn regexp_fn(
    cache: &std::sync::Mutex<Vec<(String, regex::Regex)>>,
    ctx: &Context<'_>,
) -> rusqlite::Result<Option<bool>> {
    let (Some(pattern), Some(text)) =
        (ctx.get::<Option<String>>(0)?, ctx.get::<Option<String>>(1)?)
    else {
        return Ok(None);
    };
    let mut c = cache.lock().unwrap_or_else(|p| p.into_inner());
    let re = match c.iter().position(|(p, _)| *p == pattern) {
        Some(i) => c[i].1.clone(),
        None => {
            let re = regex::Regex::new(&pattern).map_err(|e| {
                rusqlite::Error::UserFunctionError(Box::new(BadPattern {
                    pattern: pattern.clone(),
                    reason: e.to_string(),
                }))
            })?;
            if c.len() >= REGEX_CACHE {
                c.remove(0);
            }
            c.push((pattern, re.clone()));
            re
        }
    };
    Ok(Some(re.is_match(&text)))
}

/// Registers the EXEC functions of every resource, `github_sql_version()` and `regexp()`.
pub fn register(
    conn: &Connection,
    engine: &Engine,
    state: Arc<crate::session::ConnState>,
) -> rusqlite::Result<()> {
    let cache = std::sync::Mutex::new(Vec::new());
    conn.create_scalar_function(
        "regexp",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| regexp_fn(&cache, ctx),
    )?;
    conn.create_scalar_function(
        "github_sql_version",
        0,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |_| Ok(env!("CARGO_PKG_VERSION")),
    )?;
    for resource in engine.provider.resources() {
        for &m in &resource.exec {
            // Unique across services (see spec::names): `set_secret` or `actions_set_secret`.
            let name = resource.methods[m].function.clone();
            let resource: Arc<Resource> = resource.clone();
            let client = engine.client.clone();
            let state = state.clone();
            // Side effects with the user's token: never from a view or trigger in a database file.
            let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
            conn.create_scalar_function(name.as_str(), -1, flags, move |ctx| {
                call(ctx, &client, &resource, m, &state)
                    .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))
            })?;
        }
    }
    Ok(())
}

fn call(
    ctx: &Context<'_>,
    client: &github_sql_engine::http::GitHubClient,
    resource: &Resource,
    m: usize,
    state: &crate::session::ConnState,
) -> crate::Result<String> {
    let method = &resource.methods[m];
    let order = resource.call_order(method);
    let required = order.iter().filter(|p| p.required).count();
    if let Some(args) = named_args(ctx, method)? {
        return send(client, resource, method, &args, state);
    }
    if ctx.len() < required || ctx.len() > order.len() {
        let names: Vec<&str> = order.iter().map(|p| p.name.as_str()).collect();
        return Err(crate::Error::Usage(format!(
            "{}({}) takes {} argument{}, got {}",
            method.name,
            names.join(", "),
            if required == order.len() {
                required.to_string()
            } else {
                format!("{required} to {}", order.len())
            },
            if order.len() == 1 { "" } else { "s" },
            ctx.len()
        )));
    }
    let args = order
        .iter()
        .take(ctx.len())
        .enumerate()
        .map(|(i, p)| Ok((p.name.clone(), from_sql(ctx.get::<Value>(i)?))))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    send(client, resource, method, &args, state)
}

/// Arguments given by name: `fn('@data__name', 'x', '@owner', 'octo')`, pairs of an `@name`
/// naming a parameter of the method and its value. `None` when the call is positional.
fn named_args(
    ctx: &Context<'_>,
    method: &github_sql_engine::spec::Method,
) -> crate::Result<Option<Vec<(String, github_sql_engine::Value)>>> {
    let name_at = |i: usize| -> Option<String> {
        match ctx.get::<Value>(i).ok()? {
            Value::Text(t) => t
                .strip_prefix('@')
                .filter(|n| method.param(n).is_some())
                .map(String::from),
            _ => None,
        }
    };
    if ctx.is_empty() || name_at(0).is_none() {
        return Ok(None);
    }
    if !ctx.len().is_multiple_of(2) {
        return Err(crate::Error::Usage(format!(
            "{}: arguments by name come in pairs, '@name', value (got {} arguments)",
            method.name,
            ctx.len()
        )));
    }
    let mut args = Vec::new();
    for i in (0..ctx.len()).step_by(2) {
        let Some(name) = name_at(i) else {
            let given = ctx
                .get::<Option<String>>(i)
                .ok()
                .flatten()
                .unwrap_or_default();
            let known: Vec<String> = method
                .params
                .iter()
                .map(|p| format!("'@{}'", p.name))
                .collect();
            return Err(crate::Error::Usage(format!(
                "{}: argument {} should name a parameter ('@name'), got {given:?}; its parameters are {}",
                method.name,
                i + 1,
                known.join(", ")
            )));
        };
        if args.iter().any(|(n, _)| n == &name) {
            return Err(crate::Error::Usage(format!(
                "{}: @{name} is given twice",
                method.name
            )));
        }
        args.push((name, from_sql(ctx.get::<Value>(i + 1)?)));
    }
    Ok(Some(args))
}

fn send(
    client: &github_sql_engine::http::GitHubClient,
    resource: &Resource,
    method: &github_sql_engine::spec::Method,
    args: &[(String, github_sql_engine::Value)],
    state: &crate::session::ConnState,
) -> crate::Result<String> {
    let bound = github_sql_engine::plan::bind_named(resource, method, args)?;
    if state.dry_run.load(std::sync::atomic::Ordering::Relaxed) {
        let req = exec::describe_call(client, method, &bound)?;
        let body = bound
            .body_json(method)
            .map(|b| format!(" with body {b}"))
            .unwrap_or_default();
        let note = format!(
            "dry run: {} would send {req}{body}; nothing was sent",
            method.function
        );
        state.note_dry_call(note.clone());
        return Err(crate::Error::Usage(note));
    }
    // Ctrl-C or sqlite3_interrupt ends the pause before the call and its retry waits.
    let stop = state.stop(client.config().bounds.deadline);
    let body = exec::call_with(client, resource, method, &bound, &stop)?;
    Ok(match body {
        // A text answer (HTML, plain text, a diff) is the text itself.
        Some(serde_json::Value::String(text)) => text,
        Some(b) => b.to_string(),
        None => "ok".to_string(),
    })
}

/// `github_sql_download(url)`: the bytes of the file a download's redirect points at (the
/// `location` an EXEC of `download_zipball_archive`, `download_artifact`, … answers), as a BLOB.
/// Fetched without the token, within `GITHUB_SQL_MAX_BODY_MB` ([`GitHubClient::download`]).
///
/// [`GitHubClient::download`]: github_sql_engine::http::GitHubClient::download
pub fn register_download(
    conn: &Connection,
    engine: &Engine,
    state: Arc<crate::session::ConnState>,
) -> rusqlite::Result<()> {
    let client = engine.client.clone();
    // It reaches the network: never from a view or trigger in a database file.
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
    conn.create_scalar_function("github_sql_download", 1, flags, move |ctx| {
        let url: Option<String> = ctx.get(0)?;
        let Some(url) = url else {
            return Ok(None);
        };
        let stop = state.stop(client.config().bounds.deadline);
        client
            .download(&url, &stop)
            .map(Some)
            .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(crate::Error::Http(e))))
    })
}

/// `github_sql_last_writes()`: what the INSERT, UPDATE and REPLACE rows this connection sent
/// answered, as a JSON array of `{verb, method, request, status, response}` (newest last; the
/// last [`crate::session::MAX_WRITE_RESULTS`]).
pub fn register_last_writes(
    conn: &Connection,
    state: Arc<crate::session::ConnState>,
) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
    conn.create_scalar_function("github_sql_last_writes", 0, flags, move |_| {
        let rows: Vec<serde_json::Value> = state
            .writes()
            .into_iter()
            .map(|w| {
                serde_json::json!({
                    "verb": w.verb,
                    "method": w.method,
                    "request": w.request,
                    "status": w.status,
                    "response": w.body,
                })
            })
            .collect();
        Ok(serde_json::Value::Array(rows).to_string())
    })
}

/// `github_sql_last_stats()`: what the connection's last statement cost GitHub, as JSON:
/// `requests`, `not_modified` (304s), `bodies`, `cached` (served without a request), `bytes`,
/// `points` (secondary-limit points) and `primary` (requests counted against the rate limit).
pub fn register_last_stats(
    conn: &Connection,
    state: Arc<crate::session::ConnState>,
) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
    conn.create_scalar_function("github_sql_last_stats", 0, flags, move |_| {
        Ok(state.last_stats().to_json().to_string())
    })
}

/// `github_sql_confirm_deletes(n)`: the next COMMIT (or autocommit DELETE) of this connection may
/// delete up to `n` rows even when the bulk rule asks for confirmation; answers `n`.
pub fn register_confirm(
    conn: &Connection,
    state: Arc<crate::session::ConnState>,
) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
    conn.create_scalar_function("github_sql_confirm_deletes", 1, flags, move |ctx| {
        let n: i64 = ctx.get(0)?;
        let n = u64::try_from(n).unwrap_or(0);
        state
            .confirmed
            .store(n, std::sync::atomic::Ordering::Relaxed);
        Ok(n as i64)
    })
}

/// `github_sql_connect(name)`: bare table names use the named connection from now on in this
/// SQLite connection (`github_sql_connect(NULL)`: back to the one they were loaded with).
/// `github_sql_skip_failures(on)`: aggregators skip (1) or never skip (0) failing members, NULL
/// for each one's `skip_failures`. `github_sql_skipped()`: the members left out since the last
/// call, as JSON (`[{"aggregate", "connection", "error"}]`).
pub fn register_connect(
    conn: &Connection,
    engine: &Engine,
    clients: Vec<(String, github_sql_engine::http::GitHubClient)>,
    state: Arc<crate::session::ConnState>,
) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY;
    let default = engine.client.clone();
    let aggregates: Vec<String> = engine
        .connections
        .list
        .iter()
        .filter(|c| {
            matches!(
                c,
                github_sql_engine::connections::Connection::Aggregate { .. }
            )
        })
        .map(|c| c.name().to_string())
        .collect();
    let s = state.clone();
    conn.create_scalar_function("github_sql_connect", 1, flags, move |ctx| {
        let name: Option<String> = ctx.get(0)?;
        let Some(name) = name else {
            s.choose_connection(String::new(), default.clone());
            return Ok(None);
        };
        match clients.iter().find(|(n, _)| *n == name) {
            Some((n, client)) => {
                s.choose_connection(n.clone(), client.clone());
                Ok(Some(n.clone()))
            }
            None => {
                let why = if aggregates.contains(&name) {
                    format!("{name} is an aggregator, which cannot be the default; name its tables {name}__<table>")
                } else {
                    format!(
                        "no connection {name}; known: {}",
                        clients.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
                    )
                };
                Err(rusqlite::Error::UserFunctionError(why.into()))
            }
        }
    })?;
    let s = state.clone();
    conn.create_scalar_function("github_sql_skip_failures", 1, flags, move |ctx| {
        let on: Option<bool> = ctx.get(0)?;
        s.set_skip_failures(on);
        Ok(on)
    })?;
    conn.create_scalar_function("github_sql_skipped", 0, flags, move |_| {
        let list: Vec<serde_json::Value> = state
            .take_skipped()
            .into_iter()
            .map(|k| serde_json::json!({"aggregate": k.aggregate, "connection": k.connection, "error": k.error}))
            .collect();
        Ok(serde_json::Value::Array(list).to_string())
    })?;
    Ok(())
}
