//! One request as every caller describes it — REST reads and writes, the container registry's
//! manifests and its token realm alike — and the answer the one request loop
//! ([`GitHubClient::fetch`](super::GitHubClient::fetch)) gives back.
//!
//! A caller states what is particular to its request (method, URL, fixed headers, how it
//! authenticates, body, cache and paging policy, which error statuses it handles itself); the loop
//! owns everything else: the concurrency cap, pacing, retries and their interruptible waits, the
//! statement deadline, the body-size bound, conditional requests and the cache, and accounting.

use std::sync::Arc;

use reqwest::Method as HttpMethod;
use serde_json::Value;
use url::Url;

use super::stop::Stop;

/// GitHub's JSON media type, the REST API's default `Accept`.
const GITHUB_JSON: &str = "application/vnd.github+json";
/// How a request authenticates.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// The configured GitHub token: `Authorization: Bearer <token>`, or HTTP Basic when the
    /// configuration has a user name (StackQL's `auth.type: basic`). Missing token, or a
    /// plain-http URL off this machine: an error before anything is sent.
    #[default]
    Token,
    /// The configured GitHub token as a bearer token, whatever the configuration's user name (a
    /// service with its own server that takes GitHub tokens directly).
    TokenBearer,
    /// HTTP Basic with this user name and the configured GitHub token as the password (a
    /// registry's token realm).
    TokenBasic(&'static str),
    /// This bearer token (one a registry's realm handed out).
    Bearer(String),
    /// No `Authorization` header (a registry's first, anonymous request).
    Anonymous,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Token => f.write_str("Token"),
            Auth::TokenBearer => f.write_str("TokenBearer"),
            Auth::TokenBasic(u) => write!(f, "TokenBasic({u})"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
            Auth::Anonymous => f.write_str("Anonymous"),
        }
    }
}

/// What the cache does for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// Neither read nor stored (writes, a token exchange, `GITHUB_SQL_CACHE=off`).
    Bypass,
    /// Stored with its validators and revalidated on every use (`If-None-Match`); a
    /// `304 Not Modified` serves the stored body.
    Revalidate,
    /// Content-addressed (a manifest by digest): a stored answer is served without a request.
    /// The caller stores it ([`store_immutable`](super::cache::store_immutable)) once it has
    /// checked the content against its address.
    Immutable,
}

/// How the answer's `Link` header is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    /// Not at all (a single object, a write).
    None,
    /// `rel="next"` and `rel="last"`, resolved against the request URL and followed only on the
    /// client's own origin.
    Link,
}

/// What the loop does with a redirect (`3xx` with a `Location`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Redirects {
    /// Follow it (up to five; the `Authorization` header is dropped when the host, port or
    /// scheme changes): a renamed repository's `301`.
    #[default]
    Follow,
    /// Answer it: the [`Answer`] has the 3xx status and its `location` header, and nothing more
    /// is fetched. A download's `302` points at the file on another host; the file is fetched
    /// only when asked for, without the token ([`GitHubClient::download`](super::GitHubClient::download)).
    Answer,
}

/// Which error statuses the caller handles itself: the loop returns them as an [`Answer`]
/// (after its retries) instead of turning them into an [`HttpError`](super::HttpError).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// None: every failure becomes an error.
    None,
    /// These statuses.
    Statuses(&'static [u16]),
    /// Every status.
    All,
}

impl Pass {
    pub(crate) fn passes(&self, status: u16) -> bool {
        match self {
            Pass::None => false,
            Pass::Statuses(s) => s.contains(&status),
            Pass::All => true,
        }
    }
}

/// One request. Built with [`GitHubClient::request`](super::GitHubClient::request), which fills
/// in the client configuration's defaults, then adjusted with the builder methods.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The URL (already built with [`GitHubClient::url_for`](super::GitHubClient::url_for)).
    pub url: &'a Url,
    /// The method's fixed headers (the document's `in: header` parameters with a default); an
    /// `Accept` among them replaces GitHub's default media type.
    pub headers: &'a [(String, String)],
    /// Whether GitHub's REST headers go too (`Accept: application/vnd.github+json` unless a fixed
    /// header names another, `X-GitHub-Api-Version`); off for another service's server.
    pub api_headers: bool,
    /// How it authenticates.
    pub auth: Auth,
    /// The JSON body, sent with `Content-Type: application/json` on every attempt.
    pub body: Option<&'a Value>,
    /// Token scopes the method needs: named when GitHub answers 403 or no token is set.
    pub scopes: &'a [String],
    /// The statement's interrupt check and deadline: waits end on either; no attempt starts
    /// after them.
    pub stop: Stop,
    /// Largest body accepted, in bytes (`GITHUB_SQL_MAX_BODY_MB`).
    pub max_body: u64,
    /// What the cache does.
    pub cache: CachePolicy,
    /// How the `Link` header is read.
    pub paging: Paging,
    /// Response headers kept on the answer (lower-case names; computed columns read them).
    pub keep_headers: &'static [&'static str],
    /// Error statuses answered rather than raised.
    pub pass: Pass,
    /// Whether a redirect is followed or answered.
    pub redirects: Redirects,
}

impl<'a> Request<'a> {
    /// Adds the method's fixed headers.
    pub fn headers(mut self, headers: &'a [(String, String)]) -> Self {
        self.headers = headers;
        self
    }

    /// Leaves out GitHub's REST headers (another service's server).
    pub fn foreign_api(mut self) -> Self {
        self.api_headers = false;
        self
    }

    /// Authenticates another way.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Sends this JSON body.
    pub fn body(mut self, body: Option<&'a Value>) -> Self {
        self.body = body;
        self
    }

    /// The scopes to name in a 403.
    pub fn scopes(mut self, scopes: &'a [String]) -> Self {
        self.scopes = scopes;
        self
    }

    /// Under this statement's interrupt check and deadline.
    pub fn stop(mut self, stop: &Stop) -> Self {
        self.stop = stop.clone();
        self
    }

    /// Another cache policy (`Revalidate` stays `Bypass` when the client's cache is off).
    pub fn cache(mut self, cache: CachePolicy) -> Self {
        if self.cache != CachePolicy::Bypass || cache == CachePolicy::Bypass {
            self.cache = cache;
        }
        self
    }

    /// Reads the `Link` header.
    pub fn paged(mut self) -> Self {
        self.paging = Paging::Link;
        self
    }

    /// Keeps these response headers on the answer.
    pub fn keep_headers(mut self, names: &'static [&'static str]) -> Self {
        self.keep_headers = names;
        self
    }

    /// Answers these error statuses instead of raising them.
    pub fn pass(mut self, pass: Pass) -> Self {
        self.pass = pass;
        self
    }

    /// Answers a redirect with its `Location` instead of following it.
    pub fn answer_redirects(mut self) -> Self {
        self.redirects = Redirects::Answer;
        self
    }

    /// Whether the request changes something (anything but GET and HEAD): paced, never
    /// retried once sent, never cached, and it invalidates what it can have changed.
    pub fn is_write(&self) -> bool {
        self.method != HttpMethod::GET && self.method != HttpMethod::HEAD
    }

    /// The `Accept` header it sends.
    pub(crate) fn accept(&self) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("accept"))
            .map(|(_, v)| v.as_str())
            .unwrap_or(if self.api_headers { GITHUB_JSON } else { "" })
    }
}

/// What the request loop gives back: a success (a `304` comes back as the stored `200`), or an
/// error status the request passes through ([`Pass`]).
#[derive(Clone, Debug)]
pub struct Answer {
    /// The HTTP status (`200` for a body served after a `304`).
    pub status: u16,
    /// The body.
    pub body: Arc<[u8]>,
    /// The raw `Link` header, when the request reads it.
    pub link: Option<String>,
    /// The headers the request asked to keep.
    pub headers: Vec<(String, String)>,
    /// GitHub's `x-github-request-id`.
    pub request_id: Option<String>,
    /// Served from the cache: after a `304`, or without a request (an immutable entry).
    pub from_cache: bool,
}

impl Answer {
    /// A kept header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}
