//! Router, cross-cutting middleware and the package and package-version handlers for the three
//! owners' route families (`/user`, `/orgs/{org}`, `/users/{username}`).

use std::collections::HashMap;
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

use super::store::{
    now_epoch, rfc3339, Owner, OwnerKind, Package, Store, Version, AUTHENTICATED_USER,
    PACKAGE_TYPES,
};
use super::{Fault, LoggedRequest, TokenPolicy};

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
const PACKAGE_DOWNLOADS_MESSAGE: &str = "Publicly visible packages with a version of more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.";
const PAGE_LIMIT_MESSAGE: &str =
    "The value of `per_page` multiplied by `page` cannot be greater than 10000.";

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
    /// Bearer tokens the fake registry's `/token` endpoint issued, with the repository each is for.
    pub(super) registry_tokens: Mutex<HashMap<String, String>>,
    /// Routes answered from the documents' response schemas, after the curated ones.
    pub(super) schema: Mutex<Option<Arc<super::schema::SchemaFake>>>,
    /// The GitHub App the fake plays, when set ([`super::app`]).
    pub(super) app: Mutex<Option<super::app::AppState>>,
    rate: Mutex<Rate>,
    seq: AtomicU64,
    /// `(points, window)` of an enforced secondary limit.
    pub(super) secondary: Mutex<Option<(u32, Duration)>>,
    started: std::time::Instant,
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
            registry_tokens: Mutex::new(HashMap::new()),
            schema: Mutex::new(None),
            app: Mutex::new(None),
            rate: Mutex::new(Rate {
                used: 0,
                reset: now_epoch() + 3600,
            }),
            seq: AtomicU64::new(0),
            secondary: Mutex::new(None),
            started: std::time::Instant::now(),
        }
    }

    /// The primary window now, without counting a request.
    pub(super) fn rate_now(&self) -> (u32, u32, i64) {
        let mut r = lock(&self.rate);
        if now_epoch() >= r.reset {
            r.used = 0;
            r.reset = now_epoch() + 3600;
        }
        (RATE_LIMIT, r.used, r.reset)
    }

    /// Counts `n` more requests against the primary window, as if another client of the same
    /// user had spent them.
    pub(super) fn spend_primary(&self, n: u32) {
        self.rate_now();
        let mut r = lock(&self.rate);
        r.used = r.used.saturating_add(n).min(RATE_LIMIT);
    }

    /// Whether the request just logged goes over the enforced secondary limit.
    fn over_secondary(&self, log: &[LoggedRequest]) -> bool {
        let Some((points, window)) = *lock(&self.secondary) else {
            return false;
        };
        let Some(last) = log.last() else {
            return false;
        };
        let from = last.at_ms.saturating_sub(window.as_millis() as u64);
        let spent: u32 = log
            .iter()
            .rev()
            .take_while(|r| r.at_ms >= from)
            .map(|r| r.points)
            .sum();
        spent > points
    }

    /// Counts one request against the hourly window (which rolls over after `reset`); `count`
    /// false for what GitHub does not count (a `304`, `GET /rate_limit`).
    fn rate_tick(&self, count: bool) -> RateSnapshot {
        let mut r = lock(&self.rate);
        let now = now_epoch();
        if now >= r.reset {
            r.used = 0;
            r.reset = now + 3600;
        }
        if count {
            r.used = r.used.saturating_add(1);
        }
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
///
/// The same handlers serve the three owners' route families; [`Scope`] tells them apart.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    let mut app = Router::new();
    for owner in ["/user", "/orgs/{org}", "/users/{username}"] {
        let packages = format!("{owner}/packages");
        let package = format!("{packages}/{{package_type}}/{{package_name}}");
        let versions = format!("{package}/versions");
        app = app
            .route(&packages, get(list_packages))
            .route(&package, get(get_package).delete(delete_package))
            .route(&format!("{package}/restore"), post(restore_package))
            .route(&versions, get(list_versions))
            .route(
                &format!("{versions}/{{package_version_id}}"),
                get(get_version).delete(delete_version),
            )
            .route(
                &format!("{versions}/{{package_version_id}}/restore"),
                post(restore_version),
            );
    }
    app = super::registry::routes(app);
    app.fallback(generic_route)
        .method_not_allowed_fallback(generic_route)
        .layer(middleware::from_fn_with_state(Arc::clone(&shared), front))
        .with_state(shared)
}

/// Logging, rate limiting, faults, User-Agent check, common headers and latency.
async fn front(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    // The body is read whole (tests send small ones) so the log can keep it.
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let req = Request::from_parts(parts, Body::from(bytes.clone()));
    let mut logged = LoggedRequest::from_parts(&req);
    logged.at_ms = s.started.elapsed().as_millis() as u64;
    if !bytes.is_empty() {
        logged.body = Some(String::from_utf8_lossy(&bytes).into_owned());
    }
    let (log_index, over_secondary) = {
        let mut log = lock(&s.log);
        log.push(logged.clone());
        (log.len() - 1, s.over_secondary(&log))
    };
    let seq = s.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let latency = *lock(&s.latency);

    let fault = if over_secondary {
        Some(
            Fault::error(
                403,
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            )
            .header("retry-after", "60"),
        )
    } else {
        s.take_fault(&logged)
    };
    let faulted = fault.is_some();
    let mut resp = if let Some(f) = fault {
        if f.after_handling {
            let _ = next.run(req).await;
        }
        fault_response(&f, &logged, &s.base_url)
    } else if logged
        .user_agent
        .as_deref()
        .is_none_or(|ua| ua.trim().is_empty())
    {
        error(StatusCode::FORBIDDEN, UA_MESSAGE, DOC_UA)
    } else if let Some(r) = app_answer(&s, &logged) {
        r
    } else {
        next.run(req).await
    };
    if !faulted && logged.method == "GET" && resp.status() == StatusCode::OK {
        resp = with_etag(resp, logged.if_none_match.as_deref()).await;
    }
    // GitHub counts neither a 304 nor `GET /rate_limit` against the primary limit.
    let rate =
        s.rate_tick(resp.status() != StatusCode::NOT_MODIFIED && logged.path != "/rate_limit");

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
    if let Some(entry) = lock(&s.log).get_mut(log_index) {
        entry.status = resp.status().as_u16();
    }
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    resp
}

/// The App's endpoints, or GitHub's refusal of an installation token (unknown, expired, outside
/// the installation); `None` when the request goes on to the routes.
fn app_answer(s: &Shared, req: &LoggedRequest) -> Option<Response> {
    let mut app = lock(&s.app);
    let state = app.as_mut()?;
    let auth = req.authorization.as_deref();
    if let Some(r) = super::app::route(state, &s.base_url, &req.method, &req.path, auth) {
        return Some(r);
    }
    super::app::check_token(state, &req.method, &req.path, auth)
        .err()
        .map(|r| *r)
}

/// `GET /rate_limit` as GitHub answers it (unless the schema routes answer it): every resource of the description's example, `core`
/// with the fake's own window (the others as the example has them, their reset moved to the
/// fake's), and the deprecated `rate` copy of `core`.
fn rate_limit_response(s: &Shared) -> Response {
    let (limit, used, reset) = s.rate_now();
    let core = json!({"limit": limit, "used": used, "remaining": limit.saturating_sub(used), "reset": reset});
    let other = |limit: u32| json!({"limit": limit, "used": 0, "remaining": limit, "reset": reset});
    json_response(
        StatusCode::OK,
        &json!({
            "resources": {
                "core": core,
                "search": other(30),
                "graphql": other(5000),
                "integration_manifest": other(5000),
                "source_import": other(100),
                "actions_runner_registration": other(10000),
                "scim": other(15000),
                "dependency_snapshots": other(100),
                "code_search": other(10),
                "code_scanning_autofix": other(10),
            },
            "rate": core,
        }),
    )
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
            if_modified_since: header("if-modified-since"),
            at_ms: 0,
            points: match req.method().as_str() {
                "GET" | "HEAD" | "OPTIONS" => 1,
                _ => 5,
            },
            status: 0,
            body: None,
            content_type: header("content-type"),
        }
    }
}

fn fault_response(f: &Fault, req: &LoggedRequest, base_url: &str) -> Response {
    let status = StatusCode::from_u16(f.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut text = f.body.clone();
    if f.echo_authorization {
        let auth = req.authorization.clone().unwrap_or_default();
        text = json!({
            "message": format!("Bad credentials: {auth}"),
            "documentation_url": "https://docs.github.com/rest",
            "status": "401",
        })
        .to_string();
    }
    let body = if f.abort {
        // The headers go out, then the body stream fails: hyper drops the connection.
        Body::from_stream(futures_util::stream::once(async {
            Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other(
                "fault: connection reset",
            ))
        }))
    } else if f.endless {
        let chunk = axum::body::Bytes::from(vec![b' '; 64 * 1024]);
        Body::from_stream(futures_util::stream::repeat_with(move || {
            Ok::<_, std::io::Error>(chunk.clone())
        }))
    } else if let Some(n) = f.body_bytes {
        // `[0,0,…,0]` padded to n bytes, 64 KiB at a time.
        let step = 64 * 1024u64;
        let chunks = n.div_ceil(step);
        Body::from_stream(futures_util::stream::iter((0..chunks).map(move |i| {
            let len = step.min(n - i * step) as usize;
            let mut c = vec![b' '; len];
            if i == 0 && len > 0 {
                c[0] = b'[';
            }
            if i + 1 == chunks && len > 1 {
                c[len - 1] = b']';
            }
            Ok::<_, std::io::Error>(axum::body::Bytes::from(c))
        })))
    } else {
        Body::from(text.clone())
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
    let own = match &req.query {
        Some(q) => format!("{base_url}{}?{q}", req.path),
        None => format!("{base_url}{}", req.path),
    };
    let link = if f.link_self {
        Some(format!("<{own}>; rel=\"next\""))
    } else {
        f.last_page.as_ref().map(|last| {
            let with = |p: &str| match &req.query {
                Some(q) => format!("{base_url}{}?{q}&page={p}", req.path),
                None => format!("{base_url}{}?page={p}", req.path),
            };
            format!(
                "<{}>; rel=\"next\", <{}>; rel=\"last\"",
                with("2"),
                with(last)
            )
        })
    };
    if let Some(v) = link.and_then(|l| HeaderValue::from_str(&l).ok()) {
        h.insert("link", v);
    }
    if (!text.is_empty() || f.body_bytes.is_some()) && !h.contains_key(CONTENT_TYPE) {
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

/// A [`JsonRoute`](super::store::JsonRoute) added to the store for this method and path, else
/// an operation of the schema routes ([`super::FakeGitHub::set_schema_routes`]), else GitHub's
/// 404.
async fn generic_route(
    State(s): State<Arc<Shared>>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    use super::store::JsonRoute;
    let route = lock(&s.store)
        .json_route(method.as_str(), uri.path())
        .cloned();
    let base = |v: Value| with_base_url(v, &s.base_url);
    match route {
        None => schema_route(&s, method.as_str(), &uri, &headers),
        Some(JsonRoute::NoContent) => StatusCode::NO_CONTENT.into_response(),
        Some(JsonRoute::Object(v)) => json_response(StatusCode::OK, &base(v)),
        Some(JsonRoute::Status { status, body }) => json_response(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &base(body),
        ),
        Some(JsonRoute::List { items, wrap }) => {
            let q = ListQuery::parse(uri.query());
            let total = items.len() as u64;
            let start =
                usize::try_from((q.page - 1).saturating_mul(q.per_page)).unwrap_or(usize::MAX);
            let page: Vec<Value> = items
                .into_iter()
                .skip(start)
                .take(q.per_page as usize)
                .map(base)
                .collect();
            let mut body = Value::Array(page);
            for (depth, key) in wrap.iter().enumerate().rev() {
                let mut m = Map::new();
                if depth == 0 {
                    m.insert("total_count".into(), json!(total));
                }
                m.insert(key.clone(), body);
                body = Value::Object(m);
            }
            let mut resp = json_response(StatusCode::OK, &body);
            let last = total.div_ceil(q.per_page).max(1);
            if let Some(link) = link_header(&s.base_url, uri.path(), uri.query(), q.page, last) {
                if let Ok(v) = HeaderValue::from_str(&link) {
                    resp.headers_mut().insert(LINK, v);
                }
            }
            resp
        }
    }
}

/// `v` with [`BASE_URL`](super::store::BASE_URL) at the start of its strings replaced by `base`.
fn with_base_url(v: Value, base: &str) -> Value {
    use super::store::BASE_URL;
    match v {
        Value::String(t) => match t.strip_prefix(BASE_URL) {
            Some(rest) => Value::String(format!("{base}{rest}")),
            None => Value::String(t),
        },
        Value::Array(a) => Value::Array(a.into_iter().map(|x| with_base_url(x, base)).collect()),
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, x)| (k, with_base_url(x, base)))
                .collect(),
        ),
        other => other,
    }
}

/// The schema fake's answer, else GitHub's 404. A redirect points at another host name than
/// the fake's own (`localhost` for `127.0.0.1`), as GitHub's point at codeload.github.com or
/// objects.githubusercontent.com; the fake serves the target's bytes ([`download_bytes`]).
fn schema_route(s: &Shared, method: &str, uri: &Uri, headers: &HeaderMap) -> Response {
    use super::schema::DOWNLOADS;
    if method == "GET" && uri.path().starts_with(DOWNLOADS) {
        let mut resp = Response::new(Body::from(download_bytes(uri.path())));
        resp.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        return resp;
    }
    let schema = lock(&s.schema).clone();
    let accept = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let Some(answer) = schema
        .as_deref()
        .and_then(|f| f.answer_accept(method, uri.path(), uri.query(), accept))
    else {
        if method == "GET" && uri.path() == "/rate_limit" {
            return rate_limit_response(s);
        }
        return error(StatusCode::NOT_FOUND, "Not Found", DOC_ROOT);
    };
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    if let Some(to) = answer.location {
        let mut resp = status.into_response();
        let host = other_host(&s.base_url);
        if let Ok(v) = HeaderValue::from_str(&format!("{host}{to}")) {
            resp.headers_mut().insert(axum::http::header::LOCATION, v);
        }
        return resp;
    }
    if let Some((media, text)) = answer.text {
        let mut resp = Response::new(Body::from(text));
        *resp.status_mut() = status;
        if let Ok(v) = HeaderValue::from_str(&format!("{media}; charset=utf-8")) {
            resp.headers_mut().insert(CONTENT_TYPE, v);
        }
        return resp;
    }
    match answer.body {
        Some(body) => json_response(status, &body),
        None => status.into_response(),
    }
}

/// The bytes the fake serves at a redirect target: deterministic, and naming the path.
pub fn download_bytes(path: &str) -> Vec<u8> {
    format!("PK\u{3}\u{4} fake download of {path}\n").into_bytes()
}

/// The fake's base URL under another host name: `127.0.0.1` ↔ `localhost`.
pub fn other_host(base_url: &str) -> String {
    if base_url.contains("127.0.0.1") {
        base_url.replacen("127.0.0.1", "localhost", 1)
    } else {
        base_url.replacen("localhost", "127.0.0.1", 1)
    }
}

/// Whose packages a route addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// `/user/packages`: the authenticated user's.
    Me,
    /// `/orgs/{org}/packages`.
    Org,
    /// `/users/{username}/packages`.
    User,
}

impl Scope {
    /// The end of GitHub's documentation anchors for this owner.
    fn anchor(self) -> &'static str {
        match self {
            Scope::Me => "the-authenticated-user",
            Scope::Org => "an-organization",
            Scope::User => "a-user",
        }
    }
}

/// The operations, with what each needs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    ListPackages,
    GetPackage,
    DeletePackage,
    RestorePackage,
    List,
    Get,
    Delete,
    Restore,
}

impl Op {
    /// GitHub's documentation URL for the operation (basic-error bodies carry it).
    fn doc(self, scope: Scope) -> String {
        let who = scope.anchor();
        let anchor = match (self, scope) {
            (Op::ListPackages, Scope::Me) => {
                "list-packages-for-the-authenticated-users-namespace".to_string()
            }
            (Op::ListPackages, _) => format!("list-packages-for-{who}"),
            (Op::GetPackage, _) => format!("get-a-package-for-{who}"),
            (Op::DeletePackage, _) => format!("delete-a-package-for-{who}"),
            (Op::RestorePackage, _) => format!("restore-a-package-for-{who}"),
            (Op::List, _) => format!("list-package-versions-for-a-package-owned-by-{who}"),
            (Op::Get, _) => format!("get-a-package-version-for-{who}"),
            (Op::Delete, Scope::Me) => format!("delete-a-package-version-for-{who}"),
            (Op::Delete, _) => format!("delete-package-version-for-{who}"),
            (Op::Restore, Scope::Me) => format!("restore-a-package-version-for-{who}"),
            (Op::Restore, _) => format!("restore-package-version-for-{who}"),
        };
        format!("{DOC_PACKAGES}#{anchor}")
    }

    /// Classic token scopes needed (maven also needs `repo`).
    fn scopes(self, package_type: &str) -> Vec<&'static str> {
        let mut s = vec!["read:packages"];
        match self {
            Op::ListPackages | Op::GetPackage | Op::List | Op::Get => {}
            Op::DeletePackage | Op::Delete => s.push("delete:packages"),
            Op::RestorePackage | Op::Restore => s.push("write:packages"),
        }
        if package_type == "maven" {
            s.push("repo");
        }
        s
    }

    fn action(self) -> &'static str {
        match self {
            Op::ListPackages | Op::List => "list packages",
            Op::GetPackage | Op::Get => "read packages",
            Op::DeletePackage | Op::Delete => "delete packages",
            Op::RestorePackage | Op::Restore => "restore packages",
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
    scope: Scope,
    package_type: &str,
    headers: &HeaderMap,
) -> Result<Vec<String>, Box<Response>> {
    let Some(auth) = headers.get("authorization") else {
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "Requires authentication",
            &op.doc(scope),
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
    // An installation token reached here only if the App checked it (front): installations
    // have permissions, which the App layer checked, not scopes.
    let app_token = token.starts_with("ghs_") && lock(&s.app).is_some();
    let scopes: Vec<String> = match &*lock(&s.policy) {
        _ if app_token => ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
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
            &op.doc(scope),
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
        let mut resp = error(StatusCode::FORBIDDEN, &msg, &op.doc(scope));
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

/// What one request addresses, read from its path (and, for package lists, its query).
struct Ctx {
    op: Op,
    scope: Scope,
    /// The owner as registered in the store.
    owner: Owner,
    package_type: String,
    /// Package name (empty for package lists).
    name: String,
    /// Version id, when the route has one.
    id: Option<i64>,
    query: ListQuery,
}

impl Ctx {
    fn doc(&self) -> String {
        self.op.doc(self.scope)
    }
}

/// Shared prologue: path params, auth, owner lookup, then the handler body; adds scope headers.
fn handle(
    s: &Shared,
    op: Op,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    uri: &Uri,
    headers: &HeaderMap,
    body: impl FnOnce(&mut Store, &Ctx) -> Response,
) -> Response {
    let params = match params {
        Ok(Path(p)) => p,
        // `/user/packages` has no path parameters at all.
        Err(PathRejection::MissingPathParams(_)) => HashMap::new(),
        Err(_) => return error(StatusCode::NOT_FOUND, "Not Found", DOC_ROOT),
    };
    let (scope, login) = match (params.get("org"), params.get("username")) {
        (Some(org), _) => (Scope::Org, org.clone()),
        (None, Some(user)) => (Scope::User, user.clone()),
        (None, None) => (Scope::Me, AUTHENTICATED_USER.to_string()),
    };
    let query = ListQuery::parse(uri.query());
    let package_type = match op {
        // The package lists take the type as a query parameter.
        Op::ListPackages => query.package_type.clone().unwrap_or_default(),
        _ => params.get("package_type").cloned().unwrap_or_default(),
    };
    let scopes = match authorize(s, op, scope, &package_type, headers) {
        Ok(scopes) => scopes,
        Err(resp) => return *resp,
    };
    let id = match params.get("package_version_id") {
        // A non-numeric id matches no version.
        Some(raw) => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => return error(StatusCode::NOT_FOUND, "Not Found", &op.doc(scope)),
        },
        None => None,
    };
    let mut resp = {
        let mut store = lock(&s.store);
        let want = match scope {
            Scope::Org => OwnerKind::Organization,
            Scope::Me | Scope::User => OwnerKind::User,
        };
        let Some(owner) = store.owner(&login).filter(|o| o.kind == want).cloned() else {
            return error(StatusCode::NOT_FOUND, "Not Found", &op.doc(scope));
        };
        let ctx = Ctx {
            op,
            scope,
            owner,
            package_type: package_type.clone(),
            name: params.get("package_name").cloned().unwrap_or_default(),
            id,
            query,
        };
        body(&mut store, &ctx)
    };
    scope_headers(&mut resp, &scopes, op, &package_type);
    resp
}

fn package_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "Package not found.", DOC_PACKAGES)
}

fn version_not_found(ctx: &Ctx) -> Response {
    error(StatusCode::NOT_FOUND, "Not Found", &ctx.doc())
}

/// The package a request names, unless it does not exist or was deleted.
fn live_package<'s>(store: &'s Store, ctx: &Ctx) -> Option<&'s Package> {
    store
        .package_of(&ctx.owner.login, &ctx.package_type, &ctx.name)
        .filter(|p| p.deleted_at.is_none())
}

fn live_package_mut<'s>(store: &'s mut Store, ctx: &Ctx) -> Option<&'s mut Package> {
    store
        .package_of_mut(&ctx.owner.login, &ctx.package_type, &ctx.name)
        .filter(|p| p.deleted_at.is_none())
}

/// One page of `rows` as a JSON response with GitHub's `Link` header.
/// One page of `rows` (only that page is rendered to JSON: lists can be long).
fn paged<T>(
    s: &Shared,
    uri: &Uri,
    q: &ListQuery,
    rows: Vec<T>,
    json: impl Fn(T) -> Value,
) -> Response {
    let total = rows.len() as u64;
    let start = (q.page - 1).saturating_mul(q.per_page);
    let page = rows
        .into_iter()
        .skip(usize::try_from(start).unwrap_or(usize::MAX))
        .take(q.per_page as usize)
        .collect();
    paged_slice(s, uri, q, total, page, json)
}

/// A page already cut from a list of `total` rows, with its `Link` header.
fn paged_slice<T>(
    s: &Shared,
    uri: &Uri,
    q: &ListQuery,
    total: u64,
    page: Vec<T>,
    json: impl Fn(T) -> Value,
) -> Response {
    let page: Vec<Value> = page.into_iter().map(json).collect();
    let mut resp = json_response(StatusCode::OK, &Value::Array(page));
    let last = total.div_ceil(q.per_page).max(1);
    if let Some(link) = link_header(&s.base_url, uri.path(), uri.query(), q.page, last) {
        if let Ok(v) = HeaderValue::from_str(&link) {
            resp.headers_mut().insert(LINK, v);
        }
    }
    resp
}

/// Registries whose packages can be `internal` on their own; for the others GitHub treats
/// `visibility=internal` as `private`.
const GRANULAR_TYPES: [&str; 4] = ["container", "npm", "nuget", "rubygems"];

async fn list_packages(
    State(s): State<Arc<Shared>>,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    handle(
        &s,
        Op::ListPackages,
        params,
        &uri,
        &headers,
        |store, ctx| {
            let q = &ctx.query;
            if q.page.saturating_mul(q.per_page) > 10_000 {
                return error(StatusCode::BAD_REQUEST, PAGE_LIMIT_MESSAGE, &ctx.doc());
            }
            let granular = GRANULAR_TYPES.contains(&ctx.package_type.as_str());
            let shown = |p: &Package| match q.visibility.as_deref() {
                None => true,
                Some("internal") if !granular => p.visibility == "private",
                Some(v) => p.visibility == v,
            };
            if let Some(v) = q.visibility.as_deref() {
                if !["public", "private", "internal"].contains(&v) {
                    return error(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "visibility must be one of: public, private, internal",
                        &ctx.doc(),
                    );
                }
            }
            let rows: Vec<&Package> = store
                .listed_packages(&ctx.owner.login, &ctx.package_type)
                .into_iter()
                .filter(|p| shown(p))
                .collect();
            paged(&s, &uri, q, rows, |p| {
                package_json(&s.base_url, &ctx.owner, p)
            })
        },
    )
}

async fn get_package(
    State(s): State<Arc<Shared>>,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    handle(
        &s,
        Op::GetPackage,
        params,
        &uri,
        &headers,
        |store, ctx| match live_package(store, ctx) {
            Some(p) => json_response(StatusCode::OK, &package_json(&s.base_url, &ctx.owner, p)),
            None => package_not_found(),
        },
    )
}

async fn delete_package(
    State(s): State<Arc<Shared>>,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    handle(
        &s,
        Op::DeletePackage,
        params,
        &uri,
        &headers,
        |store, ctx| {
            let Some(p) = live_package_mut(store, ctx) else {
                return package_not_found();
            };
            if p.visibility == "public" && p.versions.iter().any(|v| v.downloads > 5000) {
                return error(
                    StatusCode::BAD_REQUEST,
                    PACKAGE_DOWNLOADS_MESSAGE,
                    &ctx.doc(),
                );
            }
            p.deleted_at = Some(rfc3339(now_epoch()));
            StatusCode::NO_CONTENT.into_response()
        },
    )
}

async fn restore_package(
    State(s): State<Arc<Shared>>,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    handle(
        &s,
        Op::RestorePackage,
        params,
        &uri,
        &headers,
        |store, ctx| match store
            .package_of_mut(&ctx.owner.login, &ctx.package_type, &ctx.name)
            .filter(|p| p.deleted_at.is_some())
        {
            Some(p) => {
                p.deleted_at = None;
                StatusCode::NO_CONTENT.into_response()
            }
            None => package_not_found(),
        },
    )
}

async fn list_versions(
    State(s): State<Arc<Shared>>,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    handle(&s, Op::List, params, &uri, &headers, |store, ctx| {
        let Some(pkg) = live_package(store, ctx) else {
            return package_not_found();
        };
        let deleted = match ctx.query.state.as_deref() {
            None | Some("active") => false,
            Some("deleted") => true,
            Some(_) => {
                return error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "state must be one of: active, deleted",
                    &ctx.doc(),
                )
            }
        };
        let q = &ctx.query;
        let skip = (q.page - 1).saturating_mul(q.per_page);
        let (total, rows) = pkg.listed_page(
            deleted,
            usize::try_from(skip).unwrap_or(usize::MAX),
            q.per_page as usize,
        );
        paged_slice(&s, &uri, q, total as u64, rows, |v| {
            version_json(&s.base_url, &ctx.owner, pkg, v)
        })
    })
}

async fn get_version(
    State(s): State<Arc<Shared>>,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    handle(&s, Op::Get, params, &uri, &headers, |store, ctx| {
        let Some(pkg) = live_package(store, ctx) else {
            return package_not_found();
        };
        match ctx.id.and_then(|id| pkg.version(id)) {
            Some(v) => json_response(
                StatusCode::OK,
                &version_json(&s.base_url, &ctx.owner, pkg, v),
            ),
            None => version_not_found(ctx),
        }
    })
}

async fn delete_version(
    State(s): State<Arc<Shared>>,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    handle(&s, Op::Delete, params, &uri, &headers, |store, ctx| {
        let Some(pkg) = live_package_mut(store, ctx) else {
            return package_not_found();
        };
        let active = pkg.active_count();
        let public = pkg.visibility == "public";
        let Some(v) = ctx
            .id
            .and_then(|id| pkg.version_mut(id))
            .filter(|v| v.deleted_at.is_none())
        else {
            return version_not_found(ctx);
        };
        if public && v.downloads > 5000 {
            return error(StatusCode::BAD_REQUEST, DOWNLOADS_MESSAGE, &ctx.doc());
        }
        if active <= 1 {
            return error(StatusCode::BAD_REQUEST, LAST_VERSION_MESSAGE, &ctx.doc());
        }
        v.deleted_at = Some(rfc3339(now_epoch()));
        StatusCode::NO_CONTENT.into_response()
    })
}

async fn restore_version(
    State(s): State<Arc<Shared>>,
    params: Result<Path<HashMap<String, String>>, PathRejection>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    handle(&s, Op::Restore, params, &uri, &headers, |store, ctx| {
        let Some(pkg) = live_package_mut(store, ctx) else {
            return package_not_found();
        };
        match ctx
            .id
            .and_then(|id| pkg.version_mut(id))
            .filter(|v| v.deleted_at.is_some())
        {
            Some(v) => {
                v.deleted_at = None;
                StatusCode::NO_CONTENT.into_response()
            }
            None => version_not_found(ctx),
        }
    })
}

/// The query parameters of list requests (lenient like GitHub: junk means default).
struct ListQuery {
    page: u64,
    per_page: u64,
    state: Option<String>,
    package_type: Option<String>,
    visibility: Option<String>,
}

impl ListQuery {
    fn parse(query: Option<&str>) -> ListQuery {
        let mut q = ListQuery {
            page: 1,
            per_page: 30,
            state: None,
            package_type: None,
            visibility: None,
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
                "package_type" => q.package_type = Some(v.into_owned()),
                "visibility" => q.visibility = Some(v.into_owned()),
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

/// The API and web path prefixes of an owner's packages: `users/octocat` or `orgs/octo-org`.
fn owner_path(owner: &Owner) -> String {
    match owner.kind {
        OwnerKind::User => format!("users/{}", owner.login),
        OwnerKind::Organization => format!("orgs/{}", owner.login),
    }
}

/// GitHub's simple-user object (organizations are rendered with it too).
fn owner_json(base: &str, owner: &Owner) -> Value {
    super::repos::owner_json(base, owner)
}

/// GitHub's minimal-repository object, abbreviated.
fn repository_json(base: &str, owner: &Owner, pkg: &Package, repo: &str) -> Value {
    super::repos::minimal_repository_json(base, owner, repo, pkg.visibility != "public")
}

/// One package as GitHub renders it, fields in GitHub's order.
fn package_json(base: &str, owner: &Owner, pkg: &Package) -> Value {
    let t = pkg.package_type.as_str();
    let who = owner_path(owner);
    let mut m = Map::new();
    m.insert("id".into(), pkg.id.into());
    m.insert("name".into(), pkg.name.clone().into());
    m.insert("package_type".into(), t.into());
    m.insert("owner".into(), owner_json(base, owner));
    m.insert("version_count".into(), pkg.active_count().into());
    m.insert("visibility".into(), pkg.visibility.clone().into());
    m.insert(
        "url".into(),
        format!("{base}/{who}/packages/{t}/{}", encode_name(&pkg.name)).into(),
    );
    m.insert("created_at".into(), pkg.created_at.clone().into());
    m.insert("updated_at".into(), pkg.updated_at().into());
    if let Some(repo) = &pkg.repository {
        m.insert("repository".into(), repository_json(base, owner, pkg, repo));
    }
    m.insert(
        "html_url".into(),
        format!("https://github.com/{who}/packages/{t}/package/{}", pkg.name).into(),
    );
    Value::Object(m)
}

/// One version as GitHub renders it, fields in GitHub's order.
fn version_json(base: &str, owner: &Owner, pkg: &Package, v: &Version) -> Value {
    let t = pkg.package_type.as_str();
    let enc = encode_name(&pkg.name);
    let who = owner_path(owner);
    let mut m = Map::new();
    m.insert("id".into(), v.id.into());
    m.insert("name".into(), v.name.clone().into());
    m.insert(
        "url".into(),
        format!("{base}/{who}/packages/{t}/{enc}/versions/{}", v.id).into(),
    );
    m.insert(
        "package_html_url".into(),
        format!("https://github.com/{who}/packages/{t}/package/{}", pkg.name).into(),
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
        format!("https://github.com/{who}/packages/{t}/{enc}/{}", v.id).into(),
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
        let owner = store.owner(AUTHENTICATED_USER).cloned().expect("octocat");
        let v = version_json("http://b", &owner, &pkg, &pkg.versions[0]);
        assert_eq!(
            v.to_string(),
            r#"{"id":1,"name":"sha256:00","url":"http://b/users/octocat/packages/container/team%2Fapp/versions/1","package_html_url":"https://github.com/users/octocat/packages/container/package/team/app","created_at":"2020-05-15T03:46:45Z","updated_at":"2020-05-15T03:46:45Z","html_url":"https://github.com/users/octocat/packages/container/team%2Fapp/1","metadata":{"package_type":"container","container":{"tags":["1.13.6"]}}}"#
        );
    }

    #[test]
    fn package_json_shape() {
        let mut store = Store::new();
        store.add_org("octo-org");
        let pkg = store.add_package_for("octo-org", "container", "team/app");
        pkg.set_visibility("internal")
            .set_repository("team")
            .set_created_at("2020-01-01T00:00:00Z");
        pkg.add_version(Version::new("sha256:00", "2020-05-15T03:46:45Z"));
        pkg.add_version(Version::new("sha256:01", "2021-05-15T03:46:45Z"));
        pkg.versions[1].deleted_at = Some("2021-06-01T00:00:00Z".into());
        let pkg = store
            .package_of("octo-org", "container", "team/app")
            .cloned()
            .expect("package");
        let owner = store.owner("octo-org").cloned().expect("org");
        let v = package_json("http://b", &owner, &pkg);
        assert_eq!(v["version_count"], 1, "deleted versions are not counted");
        assert_eq!(v["visibility"], "internal");
        assert_eq!(
            v["url"],
            "http://b/orgs/octo-org/packages/container/team%2Fapp"
        );
        assert_eq!(
            v["html_url"],
            "https://github.com/orgs/octo-org/packages/container/package/team/app"
        );
        assert_eq!(v["owner"]["login"], "octo-org");
        assert_eq!(v["owner"]["type"], "Organization");
        assert_eq!(v["repository"]["full_name"], "octo-org/team");
        assert_eq!(v["repository"]["private"], true);
        assert_eq!(v["updated_at"], "2021-05-15T03:46:45Z");
        let keys: Vec<&str> = v
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            vec![
                "id",
                "name",
                "package_type",
                "owner",
                "version_count",
                "visibility",
                "url",
                "created_at",
                "updated_at",
                "repository",
                "html_url"
            ]
        );
    }
}
