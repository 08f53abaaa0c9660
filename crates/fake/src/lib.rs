//! A fake GitHub Packages REST server for tests and the offline `--demo` mode.
//!
//! It serves the GitHub Packages operations (list, get, delete and restore of packages and of
//! package versions) for the authenticated user (`/user/packages`), organizations
//! (`/orgs/{org}/packages`) and other users (`/users/{username}/packages`) on
//! `127.0.0.1:<random port>` from its own thread and tokio runtime, GitHub-faithful in the
//! parts a client sees: JSON shapes, basic-error bodies, `Link` pagination, rate-limit headers
//! (a `304` and `GET /rate_limit` cost nothing), conditional requests (`ETag`, `304`), token
//! scopes, `%2F` in container names; the request log keeps each request's time and points. Tests can inject faults and latency, swap the token
//! policy, edit the data while it runs and read the request log.
//!
//! Beyond packages, [`FakeGitHub::with_schema_routes`] answers any GET that some OpenAPI service
//! document describes, with JSON made from its response schema ([`schema::SchemaFake`]): what
//! the conformance test of the generated provider runs against.
//!
//! ```ignore
//! # use github_sql::fake::{FakeGitHub, Store};
//! let mut store = Store::new();
//! store.add_package("container", "team/app").add_versions(3);
//! let gh = FakeGitHub::start(store).unwrap();
//! let url = format!("{}/user/packages/container/team%2Fapp/versions", gh.base_url());
//! # let _ = url;
//! ```

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub mod app;
pub mod registry;
pub mod repos;
pub mod sample;
pub mod schema;
mod server;
pub use server::{download_bytes, other_host};
mod store;

pub use store::{
    digest, rfc3339, JsonRoute, Manifest, Owner, OwnerKind, Package, Store, Version,
    AUTHENTICATED_USER, BASE_URL, PACKAGE_TYPES,
};

use server::{lock, Shared};

/// Where GitHub Enterprise Server serves its REST API: `https://HOST/api/v3`.
pub const ENTERPRISE_PREFIX: &str = "/api/v3";

/// A running fake GitHub server. Dropping it stops the server and joins its thread.
pub struct FakeGitHub {
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGitHub {
    /// Binds `127.0.0.1:0` and serves `store` on a background thread with its own runtime.
    ///
    /// Works whether or not the caller is inside a tokio runtime.
    pub fn start(store: Store) -> std::io::Result<FakeGitHub> {
        FakeGitHub::start_under(store, "")
    }

    /// Serves `store` under a path prefix, as GitHub Enterprise Server serves its API under
    /// `/api/v3`: [`FakeGitHub::base_url`] ends with the prefix, and requests without it are
    /// 404s. The log shows paths without the prefix.
    pub fn start_enterprise(store: Store) -> std::io::Result<FakeGitHub> {
        FakeGitHub::start_under(store, ENTERPRISE_PREFIX)
    }

    fn start_under(store: Store, prefix: &str) -> std::io::Result<FakeGitHub> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let base_url = format!("http://{}{prefix}", listener.local_addr()?);
        let shared = Arc::new(Shared::new(base_url, store));
        let app = match prefix {
            "" => server::router(Arc::clone(&shared)),
            // Nested, the routes see the path without the prefix.
            p => axum::Router::new().nest(p, server::router(Arc::clone(&shared))),
        };
        // Two workers: concurrent requests are served in parallel, as GitHub's servers do.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fake-github".to_string())
            .spawn(move || {
                rt.block_on(async move {
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => {
                            tracing::error!("fake github: listener: {e}");
                            return;
                        }
                    };
                    tokio::select! {
                        r = axum::serve(listener, app).into_future() => {
                            if let Err(e) = r {
                                tracing::error!("fake github: serve: {e}");
                            }
                        }
                        _ = rx => {}
                    }
                });
                // Abort in-flight connections (e.g. ones sleeping on latency) quickly.
                rt.shutdown_timeout(Duration::from_millis(100));
            })?;
        Ok(FakeGitHub {
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// Starts a server over [`sample::demo_store`].
    pub fn demo() -> std::io::Result<FakeGitHub> {
        FakeGitHub::start(sample::demo_store())
    }

    /// Starts a server over `store` that also answers every documented GET of these OpenAPI 3
    /// service documents from its response schema ([`schema::SchemaFake`]). The curated routes
    /// (packages, registry, [`Store::add_json_route`]) come first.
    pub fn with_schema_routes(
        store: Store,
        docs: Vec<serde_json::Value>,
    ) -> std::io::Result<FakeGitHub> {
        let gh = FakeGitHub::start(store)?;
        gh.set_schema_routes(schema::SchemaFake::new(docs));
        Ok(gh)
    }

    /// Replaces the schema routes (requests no curated route answers go to them).
    pub fn set_schema_routes(&self, routes: schema::SchemaFake) {
        *lock(&self.shared.schema) = Some(Arc::new(routes));
    }

    /// The schema routes, if set: what they answer for a path is what a test compares rows with.
    pub fn schema_routes(&self) -> Option<Arc<schema::SchemaFake>> {
        lock(&self.shared.schema).clone()
    }

    /// `http://127.0.0.1:PORT` (`…/api/v3` for [`FakeGitHub::start_enterprise`]), no trailing
    /// slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// Every request received so far, in arrival order (faulted and rejected ones too).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
    }

    /// Delay added before every response (default zero).
    pub fn set_latency(&self, d: Duration) {
        *lock(&self.shared.latency) = d;
    }

    /// Queues a fault; faults are checked in push order before normal handling.
    pub fn push_fault(&self, f: Fault) {
        lock(&self.shared.faults).push(f);
    }

    /// Removes all faults, spent or not.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Enforces a secondary limit: more than `points` points (GET 1, other methods 5) within
    /// any `window` are answered `403` "You have exceeded a secondary rate limit" with
    /// `Retry-After`, as GitHub does (default: none).
    pub fn set_secondary_limit(&self, points: u32, window: Duration) {
        *lock(&self.shared.secondary) = Some((points, window));
    }

    /// The primary limit's window as the fake counts it: `(limit, used, reset)`. A `304` and
    /// `GET /rate_limit` do not count, as on GitHub.
    pub fn primary_used(&self) -> (u32, u32, i64) {
        self.shared.rate_now()
    }

    /// Spends `n` of the primary window's requests, as another client of the same user would:
    /// the next answers report that much less remaining (at most the whole limit).
    pub fn spend_primary(&self, n: u32) {
        self.shared.spend_primary(n);
    }

    /// Replaces the token policy (default [`TokenPolicy::AnyToken`]).
    pub fn set_token_policy(&self, p: TokenPolicy) {
        *lock(&self.shared.policy) = p;
    }

    /// Plays this GitHub App from now on ([`app`]): its endpoints answer, its installation
    /// tokens are checked.
    pub fn set_app(&self, app: app::FakeApp) {
        *lock(&self.shared.app) = Some(app::AppState::new(app));
    }

    /// Installation tokens issued so far.
    pub fn app_tokens_issued(&self) -> usize {
        lock(&self.shared.app).as_ref().map_or(0, |a| a.issued())
    }

    /// Makes every installation token issued so far expired (GitHub then answers 401).
    pub fn expire_app_tokens(&self) {
        if let Some(a) = lock(&self.shared.app).as_mut() {
            a.expire_all();
        }
    }

    /// Runs `f` with the live store locked (read or change data while the server runs).
    ///
    /// Requests wait while `f` runs; do not call `with_store` again from inside `f`.
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut lock(&self.shared.store))
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for FakeGitHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeGitHub")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    /// `GET`, `DELETE`, `POST`, ...
    pub method: String,
    /// Raw path, still percent-encoded as received, e.g.
    /// `/user/packages/container/team%2Fapp/versions`.
    pub path: String,
    /// Raw query string without `?`.
    pub query: Option<String>,
    /// `Authorization` header.
    pub authorization: Option<String>,
    /// `User-Agent` header.
    pub user_agent: Option<String>,
    /// `Accept` header.
    pub accept: Option<String>,
    /// `X-GitHub-Api-Version` header.
    pub api_version: Option<String>,
    /// `If-None-Match` header (a conditional request).
    pub if_none_match: Option<String>,
    /// `If-Modified-Since` header (a conditional request).
    pub if_modified_since: Option<String>,
    /// When it arrived, in milliseconds since the fake started.
    pub at_ms: u64,
    /// GitHub's secondary-limit points for it: 1 for GET, HEAD and OPTIONS, 5 otherwise.
    pub points: u32,
    /// Status the fake answered with (0 until it answered).
    pub status: u16,
    /// The request body as text (`None` when empty), as the client sent it.
    pub body: Option<String>,
    /// `Content-Type` header.
    pub content_type: Option<String>,
}

impl LoggedRequest {
    /// The body parsed as JSON (`None` when there is none or it is not JSON).
    pub fn json(&self) -> Option<serde_json::Value> {
        self.body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok())
    }
}

/// A canned answer for matching requests, checked before normal handling.
///
/// All set conditions must hold: `method` (case-insensitive), `path_contains` (substring of the
/// raw path), `query_contains` (substring of the raw query) and `token` (the token the request
/// was sent with). The fault answers with `status`, `headers` (which override the fake's own,
/// e.g. `x-ratelimit-remaining`) and `body` (content type JSON unless given).
#[derive(Clone, Debug, Default)]
pub struct Fault {
    /// Only requests with this method.
    pub method: Option<String>,
    /// Only requests whose raw path contains this.
    pub path_contains: Option<String>,
    /// Only requests whose raw query contains this.
    pub query_contains: Option<String>,
    /// Only requests authenticated with this token (`Authorization: Bearer …` or `token …`).
    pub token: Option<String>,
    /// Status code to answer with (invalid codes become 500).
    pub status: u16,
    /// Response body.
    pub body: String,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
    /// `None` = always; `Some(n)` = the first `n` matching requests (`Some(0)` = spent).
    pub times: Option<u32>,
    /// Send the status and headers, then break the connection instead of sending the body
    /// (what a client sees as a reset connection).
    pub abort: bool,
    /// Handle the request normally (so a write is done), then answer with this fault instead:
    /// what a client sees when a proxy times out after GitHub acted ("502 but done").
    pub after_handling: bool,
    /// Stream an endless body of JSON-ish bytes (chunked, no Content-Length).
    pub endless: bool,
    /// Send a body of this many bytes (generated as it streams, never held whole).
    pub body_bytes: Option<u64>,
    /// Add `Link: <this request's own URL>; rel="next"` (a pagination loop).
    pub link_self: bool,
    /// Add `Link` with `rel="next"` (page 2) and `rel="last"` at this page number.
    pub last_page: Option<String>,
    /// Put the request's `Authorization` header into the error message (a server echoing it).
    pub echo_authorization: bool,
}

impl Fault {
    /// A fault answering every request with `status` and `body`.
    pub fn new(status: u16, body: impl Into<String>) -> Fault {
        Fault {
            status,
            body: body.into(),
            ..Fault::default()
        }
    }

    /// A fault with a GitHub basic-error body carrying `message`.
    pub fn error(status: u16, message: &str) -> Fault {
        let body = serde_json::json!({
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": status.to_string(),
        });
        Fault::new(status, body.to_string())
    }

    /// Restricts to one method.
    pub fn method(mut self, m: &str) -> Fault {
        self.method = Some(m.to_string());
        self
    }

    /// Restricts to raw paths containing `s`.
    pub fn path_contains(mut self, s: &str) -> Fault {
        self.path_contains = Some(s.to_string());
        self
    }

    /// Restricts to raw queries containing `s`.
    pub fn query_contains(mut self, s: &str) -> Fault {
        self.query_contains = Some(s.to_string());
        self
    }

    /// Restricts to requests sent with `token` (one connection's, among several).
    pub fn for_token(mut self, token: &str) -> Fault {
        self.token = Some(token.to_string());
        self
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Fault {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Answers only the first `n` matching requests.
    pub fn times(mut self, n: u32) -> Fault {
        self.times = Some(n);
        self
    }

    /// A fault that breaks the connection mid-response (status 200, no body).
    pub fn connection_reset() -> Fault {
        Fault {
            status: 200,
            abort: true,
            ..Fault::default()
        }
    }

    /// Does the request, then answers 502 (the write happened; the client cannot tell).
    pub fn done_but(status: u16) -> Fault {
        Fault {
            after_handling: true,
            ..Fault::error(status, "Bad Gateway")
        }
    }

    /// A 200 whose chunked body never ends.
    pub fn endless() -> Fault {
        Fault {
            status: 200,
            endless: true,
            ..Fault::default()
        }
    }

    /// A 200 with a body of `n` bytes (a JSON array of numbers), streamed.
    pub fn oversized(n: u64) -> Fault {
        Fault {
            status: 200,
            body_bytes: Some(n),
            ..Fault::default()
        }
    }

    /// A 200 with `body` whose `Link: rel="next"` points at the request itself.
    pub fn self_next(body: &str) -> Fault {
        Fault {
            link_self: true,
            ..Fault::new(200, body)
        }
    }

    /// A 200 with `body` whose `Link` claims the list has `last` pages (any string: the fake
    /// does not parse it, so `18446744073709551615` or larger go out as given).
    pub fn huge_last(body: &str, last: &str) -> Fault {
        Fault {
            last_page: Some(last.to_string()),
            ..Fault::new(200, body)
        }
    }

    /// A 401 "Bad credentials" whose message repeats the Authorization header.
    pub fn echo_token() -> Fault {
        Fault {
            echo_authorization: true,
            ..Fault::error(401, "Bad credentials")
        }
    }

    fn matches(&self, r: &LoggedRequest) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&r.method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| r.path.contains(p))
            && self
                .query_contains
                .as_deref()
                .is_none_or(|q| r.query.as_deref().is_some_and(|rq| rq.contains(q)))
            && self.token.as_deref().is_none_or(|t| {
                r.authorization.as_deref().is_some_and(|a| {
                    a.strip_prefix("Bearer ")
                        .or_else(|| a.strip_prefix("token "))
                        .is_some_and(|sent| sent == t)
                })
            })
    }
}

/// Which tokens the fake accepts.
///
/// Required classic scopes: list/get `read:packages`; delete `read:packages` +
/// `delete:packages`; restore `read:packages` + `write:packages`; maven also `repo`.
/// `write:packages` implies `read:packages`.
#[derive(Clone, Debug, Default)]
pub enum TokenPolicy {
    /// Any non-empty token has every scope.
    #[default]
    AnyToken,
    /// token -> scopes; other tokens get 401 "Bad credentials".
    Tokens(HashMap<String, Vec<String>>),
}

impl TokenPolicy {
    /// Builds [`TokenPolicy::Tokens`] from `(token, scopes)` pairs.
    pub fn tokens(pairs: &[(&str, &[&str])]) -> TokenPolicy {
        TokenPolicy::Tokens(
            pairs
                .iter()
                .map(|(t, s)| (t.to_string(), s.iter().map(|s| s.to_string()).collect()))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests;
