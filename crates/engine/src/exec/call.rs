//! One method call, checked, journaled when it writes, and sent on the client's one request
//! path: what EXEC, the SQL functions and a COMMIT's writes send.

use serde_json::Value as Json;

use super::journaled::{journal_params, JournalWrite};
use super::{ExecError, Result};
use crate::http::{GitHubClient, HttpError, Stop};
use crate::plan::{bind_named, Bound};
use crate::spec::{Method, Resource};
use crate::value::Value;

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

/// The request a call would send, for `--dry-run`: "POST /path".
pub fn describe_call(client: &GitHubClient, method: &Method, bound: &Bound) -> Result<String> {
    let url = url_of(client, method, bound)?;
    Ok(format!("{} {}", method.http_method, url.path()))
}

/// The URL a call goes to.
pub(crate) fn url_of(
    client: &GitHubClient,
    method: &Method,
    bound: &Bound,
) -> Result<url::Url, HttpError> {
    url_with(client, method, bound, None)
}

/// The URL of a method's request with these bound values, plus one more query pair (a scan's
/// page size). A multi-segment parameter (a git ref `heads/x`, a contents path) keeps its
/// slashes; any other value stays one path segment.
pub(crate) fn url_with(
    client: &GitHubClient,
    method: &Method,
    bound: &Bound,
    extra: Option<(&str, String)>,
) -> Result<url::Url, HttpError> {
    let path: Vec<(&str, &str)> = bound
        .path
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut query: Vec<(&str, String)> = bound
        .query
        .iter()
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    query.extend(extra);
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
) -> Result<Option<Json>> {
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
) -> Result<Option<Json>> {
    call_in_run(client, resource, method, bound, stop, None).map(|s| s.body)
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
) -> Result<crate::http::Sent> {
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
pub fn outcome_unknown(e: &ExecError) -> bool {
    matches!(e, ExecError::Http(h) if !h.not_processed() && h.is_ambiguous())
}

/// Checks named arguments, then calls the method.
pub fn call_named(
    client: &GitHubClient,
    resource: &Resource,
    method: &Method,
    args: &[(String, Value)],
) -> Result<Option<Json>> {
    let bound = bind_named(resource, method, args)?;
    call(client, resource, method, &bound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::{ClientConfig, Token};
    use crate::spec::load_embedded;
    use std::sync::Arc;

    fn versions() -> Arc<Resource> {
        load_embedded()
            .expect("provider")
            .resource_by_name("org_versions")
            .expect("resource")
            .clone()
    }

    fn delete(r: &Resource) -> &Method {
        &r.methods[r.delete[0]]
    }

    fn client() -> GitHubClient {
        GitHubClient::new(ClientConfig::new(
            url::Url::parse("https://api.example.test/").expect("url"),
            Some(Token::new("t")),
        ))
    }

    #[test]
    fn scopes_add_what_the_document_asks_for_the_values_bound() {
        let r = versions();
        let m = delete(&r);
        let args = |ty: &str| {
            vec![
                ("org".to_string(), Value::Text("acme".into())),
                ("package_type".to_string(), Value::Text(ty.into())),
                ("package_name".to_string(), Value::Text("p".into())),
                ("package_version_id".to_string(), Value::Integer(7)),
            ]
        };
        let npm = bind_named(&r, m, &args("npm")).expect("bind");
        let maven = bind_named(&r, m, &args("maven")).expect("bind");
        let (s_npm, s_maven) = (scopes_for(&r, m, &npm), scopes_for(&r, m, &maven));
        assert!(
            s_npm.iter().all(|s| s_maven.contains(s)),
            "{s_npm:?} {s_maven:?}"
        );
        // x-github-sql-scopes.extra: a maven package also needs `repo`.
        assert!(s_maven.contains(&"repo".to_string()), "{s_maven:?}");
        assert!(!s_npm.contains(&"repo".to_string()), "{s_npm:?}");
    }

    #[test]
    fn a_described_call_is_the_request_it_would_send() {
        let r = versions();
        let m = delete(&r);
        let bound = bind_named(
            &r,
            m,
            &[
                ("org".to_string(), Value::Text("acme".into())),
                ("package_type".to_string(), Value::Text("npm".into())),
                ("package_name".to_string(), Value::Text("a/b".into())),
                ("package_version_id".to_string(), Value::Integer(7)),
            ],
        )
        .expect("bind");
        let d = describe_call(&client(), m, &bound).expect("describe");
        // A single-segment parameter's slash is escaped: it stays one path segment.
        assert_eq!(d, "DELETE /orgs/acme/packages/npm/a%2Fb/versions/7");
    }

    #[test]
    fn an_interrupted_wait_is_not_an_unknown_outcome() {
        assert!(!outcome_unknown(&ExecError::Http(HttpError::Interrupted)));
    }
}
