//! Router, cross-cutting middleware and the four package-version handlers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::header::{HeaderName, HeaderValue, CONTENT_TYPE, LINK};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::{json, Map, Value};

use super::store::{now_epoch, rfc3339, Package, Store, Version, PACKAGE_TYPES};
use super::{Fault, LoggedRequest, TokenPolicy};

/// The owner every URL in version JSON names.
const OWNER: &str = "octocat";
/// Primary rate limit for an authenticated user.
const RATE_LIMIT: u32 = 5000;
const JSON_CT: &str = "application/json; charset=utf-8";
const DOC_ROOT: &str = "https://docs.github.com/rest";
const DOC_PACKAGES: &str = "https://docs.github.com/rest/packages/packages";
const DOC_UA: &str =
    "https://docs.github.com/rest/using-the-rest-api/getting-started-with-the-rest-api#user-agent";
const UA_MESSAGE: &str =
    "Request forbidden by administrative rules. Please make sure your request has a User-Agent header";
const LAST_VERSION_MESSAGE: &str =
    "You cannot delete the last tagged version of a package. You must delete the package instead.";
const DOWNLOADS_MESSAGE: &str = "Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.";

/// Bytes kept literally when a package name goes into a URL path segment (RFC 3986 unreserved).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Locks a mutex, ignoring poisoning (a panicking test closure must not wedge the server).
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// State shared by the server thread and the [`super::FakeGitHub`] handle.
pub(super) struct Shared {
    pub(super) base_url: String,
    pub(super) store: Mutex<Store>,
    pub(super) log: Mutex<Vec<LoggedRequest>>,
    pub(super) latency: Mutex<Duration>,
    pub(super) faults: Mutex<Vec<Fault>>,
    pub(super) policy: Mutex<TokenPolicy>,
    rate: Mutex<Rate>,
    seq: AtomicU64,
}

/// Primary rate-limit window.
struct Rate {
    used: u32,
    reset: i64,
}

/// Rate-limit numbers reported on one response.
struct RateSnapshot {
    remaining: u32,
    used: u32,
    reset: i64,
}

impl Shared {
    pub(super) fn new(base_url: String, store: Store) -> Shared {
        Shared {
            base_url,
            store: Mutex::new(store),
            log: Mutex::new(Vec::new()),
            latency: Mutex::new(Duration::ZERO),
            faults: Mutex::new(Vec::new()),
            policy: Mutex::new(TokenPolicy::default()),
            rate: Mutex::new(Rate {
                used: 0,
                reset: now_epoch() + 3600,
            }),
            seq: AtomicU64::new(0),
        }
    }

    /// Counts one request against the hourly window (which rolls over after `reset`).
    fn rate_tick(&self) -> RateSnapshot {
        let mut r = lock(&self.rate);
        let now = now_epoch();
        if now >= r.reset {
            r.used = 0;
            r.reset = now + 3600;
        }
        r.used = r.used.saturating_add(1);
        RateSnapshot {
            remaining: RATE_LIMIT.saturating_sub(r.used),
            used: r.used,
            reset: r.reset,
        }
    }

    /// The first live fault matching the request, with its `times` counter spent by one.
    fn take_fault(&self, req: &LoggedRequest) -> Option<Fault> {
        let mut faults = lock(&self.faults);
        let f = faults
            .iter_mut()
            .find(|f| f.times != Some(0) && f.matches(req))?;
        if let Some(n) = f.times.as_mut() {
            *n -= 1;
        }
        Some(f.clone())
    }
}

/// Builds the app: routes, GitHub-style 404 fallbacks and the front middleware.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    const VERSIONS: &str = "/user/packages/{package_type}/{package_name}/versions";
    Router::new()
        .route(VERSIONS, get(list_versions))
        .route(
            &format!("{VERSIONS}/{{package_version_id}}"),
            get(get_version).delete(delete_version),
        )
        .route(
            &format!("{VERSIONS}/{{package_version_id}}/restore"),
            post(restore_version),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(unknown_route)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), front))
        .with_state(shared)
}

/// Logging, rate limiting, faults, User-Agent check, common headers and latency.
async fn front(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let logged = LoggedRequest::from_parts(&req);
    let log_index = {
        let mut log = lock(&s.log);
        log.push(logged.clone());
        log.len() - 1
    };
    let rate = s.rate_tick();
    let seq = s.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let latency = *lock(&s.latency);

    let fault = s.take_fault(&logged);
    let faulted = fault.is_some();
    let mut resp = if let Some(f) = fault {
        fault_response(&f)
    } else if logged
        .user_agent
        .as_deref()
        .is_none_or(|ua| ua.trim().is_empty())
    {
        error(StatusCode::FORBIDDEN, UA_MESSAGE, DOC_UA)
    } else {
        next.run(req).await
    };

    let h = resp.headers_mut();
    let request_id = format!(
        "F4KE:{:04X}:{seq:06X}:{:06X}:{:08X}",
        rate.reset & 0xffff,
        seq.wrapping_mul(7919) & 0xff_ffff,
        rate.reset
    );
    let common = [
        ("x-ratelimit-limit", RATE_LIMIT.to_string()),
        ("x-ratelimit-remaining", rate.remaining.to_string()),
        ("x-ratelimit-used", rate.used.to_string()),
        ("x-ratelimit-reset", rate.reset.to_string()),
        ("x-ratelimit-resource", "core".to_string()),
        ("x-github-request-id", request_id),
        (
            "x-github-api-version-selected",
            logged
                .api_version
                .clone()
                .unwrap_or_else(|| "2022-11-28".to_string()),
        ),
    ];
    for (k, v) in common {
        // A fault's own headers win (e.g. `x-ratelimit-remaining: 0`).
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.entry(k).or_insert(v);
        }
    }
    if !faulted && logged.method == "GET" && resp.status() == StatusCode::OK {
        resp = with_etag(resp, logged.if_none_match.as_deref()).await;
    }
    if let Some(entry) = lock(&s.log).get_mut(log_index) {
        entry.status = resp.status().as_u16();
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    resp
}

/// Conditional requests as GitHub answers them: a strong ETag over the body, and `304 Not
/// Modified` with no body when the client's `If-None-Match` matches.
async fn with_etag(resp: Response, if_none_match: Option<&str>) -> Response {
    use std::hash::{Hash, Hasher};
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    let etag = format!("\"{:016x}\"", h.finish());
    if let Ok(v) = HeaderValue::from_str(&etag) {
        parts.headers.insert("etag", v);
    }
    if if_none_match.is_some_and(|inm| {
        inm.split(',')
            .any(|t| t.trim().trim_start_matches("W/") == etag)
    }) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(CONTENT_TYPE);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

impl LoggedRequest {
    fn from_parts(req: &Request) -> LoggedRequest {
        let header = |name: &str| {
            req.headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        LoggedRequest {
            method: req.method().as_str().to_string(),
            path: req.uri().path().to_string(),
            query: req.uri().query().map(str::to_string),
            authorization: header("authorization"),
            user_agent: header("user-agent"),
            accept: header("accept"),
            api_version: header("x-github-api-version"),
            if_none_match: header("if-none-match"),
            status: 0,
        }
    }
}

fn fault_response(f: &Fault) -> Response {
    let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = if f.abort {
        // The headers go out, then the body stream fails: hyper drops the connection.
        Body::from_stream(futures_util::stream::once(async {
            Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other(
                "fault: connection reset",
            ))
        }))
    } else {
        Body::from(f.body.clone())
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    for (k, v) in &f.headers {
        if let (Ok(k), Ok(v)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.append(k, v);
        }
    }
    if !f.body.is_empty() && !h.contains_key(CONTENT_TYPE) {
        h.insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CT));
    }
    resp
}

/// A JSON response with GitHub's content type.
fn json_response(status: StatusCode, value: &Value) -> Response {
    let mut resp = Response::new(Body::from(value.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(JSON_CT));
    resp
}

/// GitHub's basic-error body: message, documentation_url, status (a string).
fn error(status: StatusCode, message: &str, doc: &str) -> Response {
    json_response(
        status,
        &json!({
            "message": message,
            "documentation_url": doc,
            "status": status.as_u16().to_string(),
        }),
    )
}

async fn unknown_route() -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", DOC_ROOT)
}

/// The four operations, with what each needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    List,
    Get,
    Delete,
    Restore,
}

impl Op {
    fn doc(self) -> String {
        let anchor = match self {
            Op::List => "list-package-versions-for-a-package-owned-by-the-authenticated-user",
            Op::Get => "get-a-package-version-for-the-authenticated-user",
            Op::Delete => "delete-a-package-version-for-the-authenticated-user",
            Op::Restore => "restore-a-package-version-for-the-authenticated-user",
        };
        format!("{DOC_PACKAGES}#{anchor}")
    }

    /// Classic token scopes needed (maven also needs `repo`).
    fn scopes(self, package_type: &str) -> Vec<&'static str> {
        let mut s = vec!["read:packages"];
        match self {
            Op::List | Op::Get => {}
            Op::Delete => s.push("delete:packages"),
            Op::Restore => s.push("write:packages"),
        }
        if package_type == "maven" {
            s.push("repo");
        }
        s
    }

    fn action(self) -> &'static str {
        match self {
            Op::List => "list packages",
            Op::Get => "read packages",
            Op::Delete => "delete packages",
            Op::Restore => "restore packages",
        }
    }
}

/// Scopes every token has under [`TokenPolicy::AnyToken`].
const ALL_SCOPES: [&str; 4] = ["read:packages", "write:packages", "delete:packages", "repo"];

/// Authentication, package_type validation and scope checks, in GitHub's order.
/// Ok carries the token's scopes (for `x-oauth-scopes`).
fn authorize(
    s: &Shared,
    op: Op,
    package_type: &str,
    headers: &HeaderMap,
) -> Result<Vec<String>, Box<Response>> {
    let Some(auth) = headers.get("authorization") else {
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "Requires authentication",
            &op.doc(),
        )));
    };
    let bad_credentials = || Box::new(error(StatusCode::UNAUTHORIZED, "Bad credentials", DOC_ROOT));
    let auth = auth.to_str().map_err(|_| bad_credentials())?.trim();
    let token = match auth.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") =>
        {
            token.trim()
        }
        _ => return Err(bad_credentials()),
    };
    if token.is_empty() {
        return Err(bad_credentials());
    }
    let scopes: Vec<String> = match &*lock(&s.policy) {
        TokenPolicy::AnyToken => ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
        TokenPolicy::Tokens(map) => match map.get(token) {
            Some(scopes) => scopes.clone(),
            None => return Err(bad_credentials()),
        },
    };
    if !PACKAGE_TYPES.contains(&package_type) {
        return Err(Box::new(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "package_type must be one of: npm, maven, rubygems, docker, nuget, container",
            &op.doc(),
        )));
    }
    let has = |need: &str| {
        // Classic scopes: write:packages includes read:packages.
        scopes
            .iter()
            .any(|s| s == need || (need == "read:packages" && s == "write:packages"))
    };
    if let Some(missing) = op.scopes(package_type).into_iter().find(|n| !has(n)) {
        let msg = format!("You need at least {missing} scope to {}.", op.action());
        let mut resp = error(StatusCode::FORBIDDEN, &msg, &op.doc());
        scope_headers(&mut resp, &scopes, op, package_type);
        return Err(Box::new(resp));
    }
    Ok(scopes)
}

/// GitHub's `x-oauth-scopes` / `x-accepted-oauth-scopes` on authenticated responses.
fn scope_headers(resp: &mut Response, scopes: &[String], op: Op, package_type: &str) {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&scopes.join(", ")) {
        h.insert("x-oauth-scopes", v);
    }
    if let Ok(v) = HeaderValue::from_str(&op.scopes(package_type).join(", ")) {
        h.insert("x-accepted-oauth-scopes", v);
    }
}

/// Shared prologue: path params, auth, then the handler body; adds scope headers.
fn handle(
    s: &Shared,
    op: Op,
    params: Result<Path<Vec<String>>, PathRejection>,
    headers: &HeaderMap,
    body: impl FnOnce(&mut Store, &str, &str, Option<i64>) -> Response,
) -> Response {
    let Ok(Path(params)) = params else {
        return error(StatusCode::NOT_FOUND, "Not Found", DOC_ROOT);
    };
    let (package_type, name) = match params.as_slice() {
        [t, n, ..] => (t.as_str(), n.as_str()),
        _ => return error(StatusCode::NOT_FOUND, "Not Found", DOC_ROOT),
    };
    let scopes = match authorize(s, op, package_type, headers) {
        Ok(scopes) => scopes,
        Err(resp) => return *resp,
    };
    let id = match params.get(2) {
        // A non-numeric id matches no version.
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return error(StatusCode::NOT_FOUND, "Not Found", &op.doc()),
        },
        None => None,
    };
    let mut resp = {
        let mut store = lock(&s.store);
        body(&mut store, package_type, name, id)
    };
    scope_headers(&mut resp, &scopes, op, package_type);
    resp
}

fn package_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Package not found.", DOC_PACKAGES)
}

fn version_not_found(op: Op) -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", &op.doc())
}

async fn list_versions(
    State(s): State<Arc<Shared>>,
    params: Result<Path<Vec<String>>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let op = Op::List;
    handle(&s, op, params, &headers, |store, t, n, _| {
        let Some(pkg) = store.package(t, n) else {
            return package_not_found();
        };
        let q = ListQuery::parse(uri.query());
        let deleted = match q.state.as_deref() {
            None | Some("active") => false,
            Some("deleted") => true,
            Some(_) => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "state must be one of: active, deleted",
                    &op.doc(),
                )
            }
        };
        let rows = pkg.listed(deleted);
        let start = (q.page - 1).saturating_mul(q.per_page);
        let page: Vec<Value> = rows
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(q.per_page as usize)
            .map(|v| version_json(&s.base_url, pkg, v))
            .collect();
        let mut resp = json_response(StatusCode::OK, &Value::Array(page));
        let last = (rows.len() as u64).div_ceil(q.per_page).max(1);
        if let Some(link) = link_header(&s.base_url, uri.path(), uri.query(), q.page, last) {
            if let Ok(v) = HeaderValue::from_str(&link) {
                resp.headers_mut().insert(LINK, v);
            }
        }
        resp
    })
}

async fn get_version(
    State(s): State<Arc<Shared>>,
    params: Result<Path<Vec<String>>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    handle(&s, Op::Get, params, &headers, |store, t, n, id| {
        let Some(pkg) = store.package(t, n) else {
            return package_not_found();
        };
        match id.and_then(|id| pkg.version(id)) {
            Some(v) => json_response(StatusCode::OK, &version_json(&s.base_url, pkg, v)),
            None => version_not_found(Op::Get),
        }
    })
}

async fn delete_version(
    State(s): State<Arc<Shared>>,
    params: Result<Path<Vec<String>>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let op = Op::Delete;
    handle(&s, op, params, &headers, |store, t, n, id| {
        let Some(pkg) = store.package_mut(t, n) else {
            return package_not_found();
        };
        let active = pkg.active_count();
        let public = pkg.visibility == "public";
        let Some(v) = id
            .and_then(|id| pkg.version_mut(id))
            .filter(|v| v.deleted_at.is_none())
        else {
            return version_not_found(op);
        };
        if public && v.downloads > 5000 {
            return error(StatusCode::BAD_REQUEST, DOWNLOADS_MESSAGE, &op.doc());
        }
        if active <= 1 {
            return error(StatusCode::BAD_REQUEST, LAST_VERSION_MESSAGE, &op.doc());
        }
        v.deleted_at = Some(rfc3339(now_epoch()));
        StatusCode::NO_CONTENT.into_response()
    })
}

async fn restore_version(
    State(s): State<Arc<Shared>>,
    params: Result<Path<Vec<String>>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let op = Op::Restore;
    handle(&s, op, params, &headers, |store, t, n, id| {
        let Some(pkg) = store.package_mut(t, n) else {
            return package_not_found();
        };
        match id
            .and_then(|id| pkg.version_mut(id))
            .filter(|v| v.deleted_at.is_some())
        {
            Some(v) => {
                v.deleted_at = None;
                StatusCode::NO_CONTENT.into_response()
            }
            None => version_not_found(op),
        }
    })
}

/// `page`, `per_page` and `state` of a list request (lenient like GitHub: junk means default).
struct ListQuery {
    page: u64,
    per_page: u64,
    state: Option<String>,
}

impl ListQuery {
    fn parse(query: Option<&str>) -> ListQuery {
        let mut q = ListQuery {
            page: 1,
            per_page: 30,
            state: None,
        };
        let pairs = url::form_urlencoded::parse(query.unwrap_or("").as_bytes());
        for (k, v) in pairs {
            match k.as_ref() {
                "page" => q.page = v.trim().parse().ok().filter(|p| *p >= 1).unwrap_or(1),
                "per_page" => {
                    q.per_page = match v.trim().parse::<u64>() {
                        Ok(0) | Err(_) => 30,
                        Ok(n) => n.min(100),
                    }
                }
                "state" => q.state = Some(v.into_owned()),
                _ => {}
            }
        }
        q
    }
}

/// GitHub's `Link` header: prev/next/last/first, absolute, other query params kept verbatim.
fn link_header(
    base: &str,
    path: &str,
    query: Option<&str>,
    page: u64,
    last: u64,
) -> Option<String> {
    let kept: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let key = p.split('=').next().unwrap_or("");
            url::form_urlencoded::parse(key.as_bytes())
                .next()
                .map(|(k, _)| k != "page")
                .unwrap_or(true)
        })
        .collect();
    let url = |n: u64| {
        let mut q = kept.join("&");
        if !q.is_empty() {
            q.push('&');
        }
        format!("<{base}{path}?{q}page={n}>")
    };
    let mut rels = Vec::new();
    if page > 1 {
        rels.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    if page < last {
        rels.push(format!("{}; rel=\"next\"", url(page + 1)));
        rels.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        rels.push(format!("{}; rel=\"first\"", url(1)));
    }
    (!rels.is_empty()).then(|| rels.join(", "))
}

/// Percent-encodes a package name for one URL path segment (`team/app` -> `team%2Fapp`).
pub(super) fn encode_name(name: &str) -> String {
    utf8_percent_encode(name, SEGMENT).to_string()
}

/// One version as GitHub renders it, fields in GitHub's order.
fn version_json(base: &str, pkg: &Package, v: &Version) -> Value {
    let t = pkg.package_type.as_str();
    let enc = encode_name(&pkg.name);
    let mut m = Map::new();
    m.insert("id".into(), v.id.into());
    m.insert("name".into(), v.name.clone().into());
    m.insert(
        "url".into(),
        format!("{base}/users/{OWNER}/packages/{t}/{enc}/versions/{}", v.id).into(),
    );
    m.insert(
        "package_html_url".into(),
        format!(
            "https://github.com/users/{OWNER}/packages/{t}/package/{}",
            pkg.name
        )
        .into(),
    );
    if let Some(l) = &v.license {
        m.insert("license".into(), l.clone().into());
    }
    m.insert("created_at".into(), v.created_at.clone().into());
    m.insert("updated_at".into(), v.updated_at.clone().into());
    if let Some(d) = &v.deleted_at {
        m.insert("deleted_at".into(), d.clone().into());
    }
    if let Some(d) = &v.description {
        m.insert("description".into(), d.clone().into());
    }
    m.insert(
        "html_url".into(),
        format!(
            "https://github.com/users/{OWNER}/packages/{t}/{enc}/{}",
            v.id
        )
        .into(),
    );
    let metadata = match t {
        "container" => json!({"package_type": t, "container": {"tags": v.tags}}),
        "docker" => json!({"package_type": t, "docker": {"tag": v.tags}}),
        _ => json!({ "package_type": t }),
    };
    m.insert("metadata".into(), metadata);
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_rels() {
        let b = "http://h";
        let p = "/user/packages/container/a%2Fb/versions";
        assert_eq!(link_header(b, p, None, 1, 1), None);
        assert_eq!(
            link_header(b, p, Some("per_page=100"), 1, 3).as_deref(),
            Some(
                "<http://h/user/packages/container/a%2Fb/versions?per_page=100&page=2>; rel=\"next\", \
                 <http://h/user/packages/container/a%2Fb/versions?per_page=100&page=3>; rel=\"last\""
            )
        );
        let mid = link_header(b, "/x", Some("page=2&state=deleted"), 2, 3).unwrap_or_default();
        assert_eq!(
            mid,
            "<http://h/x?state=deleted&page=1>; rel=\"prev\", <http://h/x?state=deleted&page=3>; rel=\"next\", \
             <http://h/x?state=deleted&page=3>; rel=\"last\", <http://h/x?state=deleted&page=1>; rel=\"first\""
        );
        let end = link_header(b, "/x", Some("page=3"), 3, 3).unwrap_or_default();
        assert_eq!(
            end,
            "<http://h/x?page=2>; rel=\"prev\", <http://h/x?page=1>; rel=\"first\""
        );
    }

    #[test]
    fn list_query_defaults_and_clamps() {
        let q = ListQuery::parse(Some("per_page=500&page=0&state=deleted"));
        assert_eq!(
            (q.page, q.per_page, q.state.as_deref()),
            (1, 100, Some("deleted"))
        );
        let q = ListQuery::parse(Some("per_page=abc&page=x"));
        assert_eq!((q.page, q.per_page, q.state), (1, 30, None));
        let q = ListQuery::parse(None);
        assert_eq!((q.page, q.per_page), (1, 30));
    }

    #[test]
    fn version_json_shape() {
        let mut store = Store::new();
        let pkg = store.add_package("container", "team/app");
        pkg.add_version(Version::new("sha256:00", "2020-05-15T03:46:45Z").with_tags(&["1.13.6"]));
        let pkg = store.package("container", "team/app").cloned();
        let pkg = pkg.expect("package");
        let v = version_json("http://b", &pkg, &pkg.versions[0]);
        assert_eq!(
            v.to_string(),
            r#"{"id":1,"name":"sha256:00","url":"http://b/users/octocat/packages/container/team%2Fapp/versions/1","package_html_url":"https://github.com/users/octocat/packages/container/package/team/app","created_at":"2020-05-15T03:46:45Z","updated_at":"2020-05-15T03:46:45Z","html_url":"https://github.com/users/octocat/packages/container/team%2Fapp/1","metadata":{"package_type":"container","container":{"tags":["1.13.6"]}}}"#
        );
    }
}
