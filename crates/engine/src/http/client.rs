//! The GitHub client: one request path for every method (auth, retries, rate limits, conditional
//! requests, the concurrency cap), Link pagination, status → error mapping.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, IF_MODIFIED_SINCE, IF_NONE_MATCH, USER_AGENT,
    WWW_AUTHENTICATE,
};
use reqwest::{Method as HttpMethod, StatusCode};
use serde_json::Value;
use tokio::sync::Semaphore;
use url::Url;

use super::cache;
use super::cache::{Cache, Lookup};
use super::config::ClientConfig;
use super::error::HttpError;
use super::link::{parse_link_header, LinkRel};
use super::pace::WriteSlot;
use super::pace::{Pacer, RateFigures};
use super::request::{Answer, Auth, CachePolicy, Paging, Pass, Redirects, Request};
use super::retry::{self, Decision, Outcome, RateLimit};
use super::runtime::block_on;
use super::stop::INTERRUPT_POLL;
use super::stop::{InFlight, Stop};
use super::tally::{Stats, Tally};

/// Everything but RFC 3986 unreserved characters is escaped in a path segment, so `/`, `?`,
/// `#` and `%` in a package name stay inside their segment (`team/app` → `team%2Fapp`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const API_VERSION: &str = "2022-11-28";
pub(super) const UA: &str = concat!("github-sql/", env!("CARGO_PKG_VERSION"));

/// The one HTTP client of the process: its connection pool is shared by every SQLite connection.
pub(super) fn shared_http() -> &'static reqwest::Client {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .user_agent(UA)
            .connect_timeout(Duration::from_secs(10))
            // reqwest drops Authorization when a redirect changes host, port or scheme.
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .unwrap_or_else(|e| panic!("cannot build the HTTP client: {e}"))
    })
}

/// The shared client for requests that answer redirects ([`Redirects::Answer`]): the same,
/// following none (reqwest's redirect policy belongs to the client, not the request).
fn shared_http_no_redirects() -> &'static reqwest::Client {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .user_agent(UA)
            .connect_timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("cannot build the HTTP client: {e}"))
    })
}

/// Reads in flight, process-wide: GitHub's limit of concurrent requests (100); each scan keeps
/// to `GITHUB_SQL_CONCURRENCY` of them, a short known list to 20 ([`super::pages`]).
pub(super) fn read_slots() -> &'static Semaphore {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    SLOTS.get_or_init(|| Semaphore::new(super::config::Pacing::default().in_flight))
}

static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Requests sent to GitHub by this process so far (for logs and benchmarks).
pub fn request_count() -> u64 {
    REQUESTS.load(Ordering::Relaxed)
}

/// One page of a list: its rows and the pagination links.
#[derive(Debug)]
pub struct Page {
    /// Row objects, in the order GitHub sent them.
    pub items: Vec<Value>,
    /// `Link: rel="next"`, when present.
    pub next: Option<Url>,
    /// `Link: rel="last"`, when present.
    pub last: Option<Url>,
}

/// A page as fetched: the body still undecoded, the links already read.
#[derive(Clone, Debug)]
pub struct RawPage {
    /// The URL it came from (for messages).
    pub url: Url,
    /// The JSON body.
    pub body: Arc<[u8]>,
    /// `Link: rel="next"`.
    pub next: Option<Url>,
    /// `Link: rel="last"`.
    pub last: Option<Url>,
    /// Response headers that computed columns read (lower-case names; empty for API pages).
    pub headers: Vec<(String, String)>,
}

impl RawPage {
    /// Decodes the rows: the body's array, or the array under `object_key` (a dotted path such
    /// as `data.repository.discussions.nodes` for nested keys).
    pub fn items(&self, object_key: Option<&str>) -> Result<Vec<Value>, HttpError> {
        let mut body = parse_json(&self.url, &self.body)?;
        if let Some(k) = object_key {
            for part in k.split('.').filter(|p| !p.is_empty()) {
                body = body.get_mut(part).map(Value::take).unwrap_or(Value::Null);
            }
        }
        match body {
            Value::Array(items) => Ok(items),
            other => Err(HttpError::BadJson {
                path: path_q(&self.url),
                detail: format!("expected an array, got {}", kind(&other)),
            }),
        }
    }

    /// Decodes the body as one object (a get).
    pub fn object(&self) -> Result<Value, HttpError> {
        match parse_json(&self.url, &self.body)? {
            v @ Value::Object(_) => Ok(v),
            other => Err(HttpError::BadJson {
                path: path_q(&self.url),
                detail: format!("expected an object, got {}", kind(&other)),
            }),
        }
    }
}

/// `base64(user:password)` for HTTP Basic auth (RFC 7617), standard alphabet with padding.
fn basic_credentials(user: &str, password: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A configured GitHub client (cheap to clone; the connection pool is process-wide).
#[derive(Clone, Debug)]
pub struct GitHubClient {
    config: ClientConfig,
    base: Result<Url, String>,
    /// What this client and its clones sent and got (the server logs it per query; front ends
    /// give a connection or a scan its own, [`GitHubClient::with_tally`]).
    tally: Arc<Tally>,
    /// Where answers are cached.
    cache: Cache,
    /// GitHub's limits, shared through the cache directory.
    pacer: Pacer,
    /// Whose cache entries this client reads and writes ([`cache::identity`]).
    identity: Arc<str>,
}

/// What a write's answer said: for the journal.
#[derive(Debug)]
pub struct Sent {
    /// The JSON body, if any (DELETE answers 204 without one).
    pub body: Option<Value>,
    /// The final HTTP status.
    pub status: u16,
    /// GitHub's `x-github-request-id`.
    pub request_id: Option<String>,
}

impl GitHubClient {
    /// A client for this configuration. An unusable base URL is reported on first use.
    pub fn new(config: ClientConfig) -> Self {
        let base = Url::parse(&config.base_url)
            .map_err(|e| e.to_string())
            .and_then(|u| match u.scheme() {
                "http" | "https" if u.host().is_some() => Ok(u),
                _ => Err("it must be an http(s) URL".to_string()),
            });
        if let Some(t) = &config.token {
            super::redact::register_secret(t.expose());
            if let Some(user) = &config.basic_user {
                // The header's encoded form hides the password from plain matching.
                super::redact::register_secret(&basic_credentials(user, t.expose()));
            }
        }
        let identity = match &config.app {
            // An App's installation tokens change every hour: its identity is the App and the
            // installation it uses (refined per installation when found per owner).
            Some(app) => app_identity(&config.base_url, app, app.installation()),
            None => cache::identity(&config.base_url, config.token.as_ref().map(|t| t.expose())),
        };
        let cache = Cache::for_config(&config);
        let pacer = Pacer::new(
            cache.db().cloned(),
            Arc::clone(&identity),
            config.pacing.clone(),
            config.timeout,
        );
        GitHubClient {
            config,
            base,
            tally: Arc::default(),
            cache,
            pacer,
            identity,
        }
    }

    /// How many HTTP requests this client (and its clones) has sent so far, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.tally.stats().requests
    }

    /// What this client (and its clones sharing its tally) sent and got so far; a statement's
    /// figures are the difference of two snapshots ([`Stats::since`]).
    pub fn stats(&self) -> Stats {
        self.tally.stats()
    }

    /// The same client counting into `tally` (a connection's, a scan's) instead.
    pub fn with_tally(&self, tally: Arc<Tally>) -> GitHubClient {
        GitHubClient {
            tally,
            ..self.clone()
        }
    }

    /// The last rate-limit figures per resource for this client's token, from the answers of
    /// every process sharing the cache directory (see [`GitHubClient::refresh_rate_limits`]).
    pub fn rate_limits(&self) -> Vec<RateFigures> {
        self.pacer.rates()
    }

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn base(&self) -> Result<&Url, HttpError> {
        self.base.as_ref().map_err(|reason| HttpError::BadBaseUrl {
            value: self.config.base_url.clone(),
            reason: reason.clone(),
        })
    }

    /// The same client for another server (a service's own, e.g. the container registry): the
    /// configuration is kept, the request counter shared.
    pub fn with_base_url(&self, base_url: &str) -> GitHubClient {
        let mut config = self.config.clone();
        config.base_url = base_url.trim().trim_end_matches('/').to_string();
        GitHubClient {
            tally: Arc::clone(&self.tally),
            ..GitHubClient::new(config)
        }
    }

    /// The identity this client's cache entries are kept under (a hash of token and server, or
    /// of the GitHub App and its installation): what its rate-limit budget and cache are kept
    /// under, one per connection.
    pub fn identity(&self) -> &Arc<str> {
        &self.identity
    }

    /// The connection this client serves (`None`: the environment's).
    pub fn connection(&self) -> Option<&str> {
        self.config.connection.as_deref()
    }

    /// Builds `base + path` with `{name}` segments replaced by percent-encoded values, plus the
    /// query. Values that would become `.`/`..` segments or are empty are refused.
    pub fn url_for(
        &self,
        template: &str,
        path_params: &[(&str, &str)],
        query: &[(&str, String)],
    ) -> Result<Url, HttpError> {
        self.url_for_segments(template, path_params, query, &[])
    }

    /// As [`GitHubClient::url_for`], but the parameters named in `multi` may span several path
    /// segments (`octo/app`): each `/`-separated part is encoded and checked on its own.
    pub fn url_for_segments(
        &self,
        template: &str,
        path_params: &[(&str, &str)],
        query: &[(&str, String)],
        multi: &[&str],
    ) -> Result<Url, HttpError> {
        let base = self.base()?;
        let mut path = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            path.push_str(&rest[..open]);
            let close = rest[open..]
                .find('}')
                .map(|c| open + c)
                .unwrap_or(rest.len());
            let name = &rest[open + 1..close.min(rest.len())];
            let value = path_params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| HttpError::BadPathParam {
                    param: name.to_string(),
                    value: String::new(),
                    reason: "missing".into(),
                })?;
            let parts: Vec<&str> = if multi.contains(&name) {
                value.split('/').collect()
            } else {
                vec![value]
            };
            for (k, part) in parts.iter().enumerate() {
                if part.is_empty() || *part == "." || *part == ".." {
                    return Err(HttpError::BadPathParam {
                        param: name.to_string(),
                        value: value.to_string(),
                        reason: "it must be a non-empty name other than . and ..".into(),
                    });
                }
                if k > 0 {
                    path.push('/');
                }
                path.extend(utf8_percent_encode(part, SEGMENT));
            }
            rest = &rest[(close + 1).min(rest.len())..];
        }
        path.push_str(rest);
        let mut url = Url::parse(&format!("{}{}", base.as_str().trim_end_matches('/'), path))
            .map_err(|e| HttpError::BadBaseUrl {
                value: self.config.base_url.clone(),
                reason: e.to_string(),
            })?;
        if !query.is_empty() {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
        }
        Ok(url)
    }

    /// A request for `method` (`GET`, `DELETE`, …) to `url`, with this client's defaults: the
    /// configured token, GitHub's REST headers, the body bound, and for a GET the revalidating
    /// cache (unless `GITHUB_SQL_CACHE=off`). Adjust it with [`Request`]'s builder methods.
    pub fn request<'a>(&self, method: &str, url: &'a Url) -> Result<Request<'a>, HttpError> {
        Ok(self.request_for(http_method(method, url)?, url))
    }

    /// A GET of `url` with this client's defaults ([`GitHubClient::request`]).
    pub fn get_request<'a>(&self, url: &'a Url) -> Request<'a> {
        self.request_for(HttpMethod::GET, url)
    }

    fn request_for<'a>(&self, method: HttpMethod, url: &'a Url) -> Request<'a> {
        let cache = if method == HttpMethod::GET && self.config.cache {
            CachePolicy::Revalidate
        } else {
            CachePolicy::Bypass
        };
        Request {
            method,
            url,
            headers: &[],
            api_headers: true,
            auth: Auth::Token,
            body: None,
            scopes: &[],
            stop: Stop::default(),
            max_body: self.config.bounds.max_body,
            cache,
            paging: Paging::None,
            keep_headers: &[],
            pass: Pass::None,
            redirects: Redirects::Follow,
        }
    }

    /// GET one page of a list (blocking). `object_key` picks the array out of a wrapping object.
    pub fn get_page(
        &self,
        url: &Url,
        object_key: Option<&str>,
        scopes: &[String],
    ) -> Result<Page, HttpError> {
        block_on(self.get_page_async(url, object_key, scopes))
    }

    /// GET one page of a list.
    pub async fn get_page_async(
        &self,
        url: &Url,
        object_key: Option<&str>,
        scopes: &[String],
    ) -> Result<Page, HttpError> {
        let raw = self.get_raw_page_async(url, scopes).await?;
        Ok(Page {
            items: raw.items(object_key)?,
            next: raw.next,
            last: raw.last,
        })
    }

    /// GET one page, leaving its body undecoded (decoding happens where the rows are read, so
    /// the fetching task only moves bytes while other pages are in flight).
    pub async fn get_raw_page_async(
        &self,
        url: &Url,
        scopes: &[String],
    ) -> Result<RawPage, HttpError> {
        self.fetch_page(&self.get_request(url).scopes(scopes)).await
    }

    /// Sends `req` and reads its answer as a page: the body undecoded, the `Link` header's
    /// `next` and `last` resolved (a `next` off this client's origin is an error).
    pub async fn fetch_page(&self, req: &Request<'_>) -> Result<RawPage, HttpError> {
        let req = req.clone().paged();
        let ans = self.fetch(&req).await?;
        self.page_of(req.url, ans)
    }

    /// An answer as a [`RawPage`].
    pub(crate) fn page_of(&self, url: &Url, ans: Answer) -> Result<RawPage, HttpError> {
        let links = ans
            .link
            .as_deref()
            .map(parse_link_header)
            .unwrap_or_default();
        let pick = |rel: LinkRel| -> Result<Option<Url>, HttpError> {
            match links.iter().find(|(r, _)| *r == rel) {
                None => Ok(None),
                Some((_, u)) => self.same_origin(url, u).map(Some),
            }
        };
        Ok(RawPage {
            url: url.clone(),
            next: pick(LinkRel::Next)?,
            last: pick(LinkRel::Last).unwrap_or(None),
            body: ans.body,
            headers: ans.headers,
        })
    }

    /// GET one object (blocking).
    pub fn get_object(&self, url: &Url, scopes: &[String]) -> Result<Value, HttpError> {
        block_on(self.get_object_async(url, scopes))
    }

    /// GET one object.
    pub async fn get_object_async(&self, url: &Url, scopes: &[String]) -> Result<Value, HttpError> {
        self.get_raw_page_async(url, scopes).await?.object()
    }

    /// Sends any method's request and returns its JSON body, if it has one (DELETE and restore
    /// answer 204 with none). Mutating requests are paced: one at a time, `write_delay` apart.
    pub fn send(
        &self,
        method: &str,
        url: &Url,
        scopes: &[String],
    ) -> Result<Option<Value>, HttpError> {
        self.send_full(method, url, scopes).map(|s| s.body)
    }

    /// [`GitHubClient::send`], also returning the status and GitHub's request id.
    pub fn send_full(&self, method: &str, url: &Url, scopes: &[String]) -> Result<Sent, HttpError> {
        self.send_with(method, url, scopes, None, &Stop::default())
    }

    /// [`GitHubClient::send_full`] under a statement's [`Stop`], with `body` as JSON: a
    /// compatibility form of [`GitHubClient::send_request`].
    pub fn send_with(
        &self,
        method: &str,
        url: &Url,
        scopes: &[String],
        body: Option<&Value>,
        stop: &Stop,
    ) -> Result<Sent, HttpError> {
        let req = self
            .request(method, url)?
            .scopes(scopes)
            .body(body)
            .stop(stop);
        self.send_request(&req)
    }

    /// Sends `req` on the caller's thread (blocking) and returns its JSON body, status and
    /// request id. A write first waits for its slot ([`GitHubClient::write_slot`]).
    ///
    /// The pause before a write, retry backoff and rate-limit waits end within
    /// [`INTERRUPT_POLL`] of an interrupt (with [`HttpError::Interrupted`]: GitHub has not
    /// processed the write) or fail when they would pass the deadline. A read in flight is
    /// abandoned at once; a write already sent is not (its answer is awaited, bounded by
    /// `GITHUB_SQL_TIMEOUT`), so its outcome is known.
    pub fn send_request(&self, req: &Request<'_>) -> Result<Sent, HttpError> {
        let _slot = if req.is_write() {
            Some(self.write_slot(&req.stop)?)
        } else {
            None
        };
        self.send_unpaced(req)
    }

    /// Waits for the pause before a write (asking `stop`) and holds the write slot until the
    /// guard drops: a caller that journals each write takes the slot first, writes its intent,
    /// then sends with [`GitHubClient::send_request_in_slot`].
    pub fn write_slot(&self, stop: &Stop) -> Result<WriteSlot, HttpError> {
        super::pace::acquire_checked(self.config.write_delay, stop)
    }

    /// Sends a request in a write slot taken with [`GitHubClient::write_slot`], with `body` as
    /// its JSON body when given: a compatibility form of
    /// [`GitHubClient::send_request_in_slot`].
    pub fn send_in_slot(
        &self,
        slot: &WriteSlot,
        method: &str,
        url: &Url,
        scopes: &[String],
        body: Option<&Value>,
        stop: &Stop,
    ) -> Result<Sent, HttpError> {
        let req = self
            .request(method, url)?
            .scopes(scopes)
            .body(body)
            .stop(stop);
        self.send_request_in_slot(slot, &req)
    }

    /// Sends `req` in a write slot taken with [`GitHubClient::write_slot`].
    pub fn send_request_in_slot(
        &self,
        _slot: &WriteSlot,
        req: &Request<'_>,
    ) -> Result<Sent, HttpError> {
        self.send_unpaced(req)
    }

    fn send_unpaced(&self, req: &Request<'_>) -> Result<Sent, HttpError> {
        let ans = self.exchange_blocking(req)?;
        let body = answer_value(req.url, &ans)?;
        Ok(Sent {
            body,
            status: ans.status,
            request_id: ans.request_id,
        })
    }

    /// [`GitHubClient::exchange`] on the caller's thread, asking the request's interrupt check
    /// every [`INTERRUPT_POLL`] while it waits.
    fn exchange_blocking(&self, req: &Request<'_>) -> Result<Answer, HttpError> {
        let write = req.is_write();
        let stop = &req.stop;
        stop.check(if write {
            "the next write"
        } else {
            "the next request"
        })?;
        let ctl = InFlight::new(stop.deadline);
        let ans = if stop.interrupt.is_none() {
            block_on(self.exchange(req, &ctl))?
        } else {
            let mut fut = std::pin::pin!(self.exchange(req, &ctl));
            loop {
                let polled =
                    block_on(async { tokio::time::timeout(INTERRUPT_POLL, fut.as_mut()).await });
                match polled {
                    Ok(r) => break r?,
                    Err(_) if stop.interrupted() => {
                        if !write {
                            return Err(HttpError::Interrupted);
                        }
                        // Waits end at once; a request in flight is awaited.
                        ctl.stop.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    Err(_) => {}
                }
            }
        };
        Ok(ans)
    }

    /// Fetches the file a download's redirect points at (an archive, an artifact, logs: the
    /// `location` of a [`Redirects::Answer`] answer) and returns its bytes. The target is
    /// another host and its URL is signed, so the request goes without the token and without
    /// GitHub's headers; it is not cached; the body bound (`GITHUB_SQL_MAX_BODY_MB`), retries,
    /// the deadline and interrupts hold as for any request. Only `https` URLs are fetched (and
    /// `http` on this machine, for tests).
    pub fn download(&self, url: &str, stop: &Stop) -> Result<Vec<u8>, HttpError> {
        let bad = |reason: &str| HttpError::BadDownload {
            url: super::redact::redact(url),
            reason: reason.to_string(),
        };
        let u = Url::parse(url).map_err(|e| bad(&format!("not a URL ({e})")))?;
        let local = matches!(
            u.host(),
            Some(url::Host::Domain("localhost"))
                | Some(url::Host::Ipv4(std::net::Ipv4Addr::LOCALHOST))
                | Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST))
        );
        if !(u.scheme() == "https" || u.scheme() == "http" && local) {
            return Err(bad("only https URLs are fetched"));
        }
        let req = self
            .request("GET", &u)?
            .auth(Auth::Anonymous)
            .foreign_api()
            .cache(CachePolicy::Bypass)
            .stop(stop);
        Ok(self.exchange_blocking(&req)?.body.to_vec())
    }

    /// A Link URL (resolved against the page's URL) is followed only on the client's own origin.
    fn same_origin(&self, page: &Url, link: &str) -> Result<Url, HttpError> {
        let base = self.base()?;
        let u = page.join(link).map_err(|e| HttpError::BadJson {
            path: base.path().to_string(),
            detail: format!("bad Link URL {link:?}: {e}"),
        })?;
        if u.origin() != base.origin() {
            return Err(HttpError::ForeignLink {
                url: super::redact::redact(link),
            });
        }
        Ok(u)
    }

    /// Sends `req` from inside the runtime (a scan's fetching task) and returns its answer. The
    /// statement's deadline bounds its waits; an interrupt ends it by dropping the future (the
    /// interrupt check itself runs on the caller's thread, outside the runtime). Writes are not
    /// paced here: take a [`GitHubClient::write_slot`] first.
    pub async fn fetch(&self, req: &Request<'_>) -> Result<Answer, HttpError> {
        self.exchange(req, &InFlight::new(req.stop.deadline)).await
    }

    /// The `Authorization` header `req` sends, if any (marked sensitive: HTTP libraries then
    /// never print it), and the GitHub App installation whose token it carries. With App
    /// credentials, the configured token is an installation token ([`super::app`]): obtained,
    /// and replaced before it expires, here.
    async fn authorization(&self, req: &Request<'_>) -> Result<Credentials, HttpError> {
        if let (Some(app), Auth::Token | Auth::TokenBearer) = (&self.config.app, &req.auth) {
            check_credentials(&self.config, req.url)?;
            let (token, installation) = app.token_for(self, req.url, &req.stop).await?;
            let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| HttpError::BadToken)?;
            v.set_sensitive(true);
            return Ok(Credentials {
                header: Some(v),
                installation: Some((installation, token)),
            });
        }
        let token = || sendable_token(&self.config, req.url, req.scopes);
        let credentials = match &req.auth {
            Auth::Anonymous => return Ok(Credentials::default()),
            Auth::Token => match &self.config.basic_user {
                Some(user) => format!("Basic {}", basic_credentials(user, token()?.expose())),
                None => format!("Bearer {}", token()?.expose()),
            },
            Auth::TokenBearer => format!("Bearer {}", token()?.expose()),
            Auth::TokenBasic(user) => {
                format!("Basic {}", basic_credentials(user, token()?.expose()))
            }
            Auth::Bearer(b) => format!("Bearer {b}"),
        };
        let mut v = HeaderValue::from_str(&credentials).map_err(|_| HttpError::BadToken)?;
        v.set_sensitive(true);
        Ok(Credentials {
            header: Some(v),
            installation: None,
        })
    }

    /// The one request loop: attempts, waits and retries per [`retry::decide`], pacing by
    /// GitHub's limits ([`super::pace`]), the concurrency cap for reads, the body bound, the
    /// cache (conditional requests, immutable entries, the freshness window), the invalidation a
    /// write causes, and the accounting of every request. Waits ask `ctl`; a stop or the
    /// deadline also prevents the next attempt.
    async fn exchange(&self, req: &Request<'_>, ctl: &InFlight) -> Result<Answer, HttpError> {
        let url = req.url;
        let method = &req.method;
        let mut creds = self.authorization(req).await?;
        let is_write = req.is_write();
        let accept = req.accept();
        // An installation found per owner has its own cache identity: one installation's
        // private answers never answer another's request.
        let identity = match (&self.config.app, &creds.installation) {
            (Some(app), Some((i, _))) if app.installation().is_none() => {
                app_identity(&self.config.base_url, app, Some(*i))
            }
            _ => Arc::clone(&self.identity),
        };
        // A 401 on an installation token is answered once by a fresh token (it expired or was
        // revoked between the check and the answer).
        let mut renewed = false;
        // GitHub's own API: paced by its limits, its answers carry the rate-limit figures.
        let github = req.api_headers;
        let key = (req.cache != CachePolicy::Bypass && !is_write)
            .then(|| cache::Key::new(&identity, accept, url));
        let (mut etag, mut last_modified, mut held) = (None, None, None);
        if let Some(k) = &key {
            match self.cache.lookup(k).await {
                Lookup::Fresh(e) => {
                    tracing::debug!(path = url.path(), "served from the cache");
                    self.tally.served_from_cache();
                    return Ok(Answer {
                        status: 200,
                        body: e.body,
                        link: e.link,
                        headers: e.headers,
                        request_id: None,
                        from_cache: true,
                    });
                }
                Lookup::Stale {
                    etag: t,
                    last_modified: m,
                    held: h,
                } if req.cache == CachePolicy::Revalidate => {
                    (etag, last_modified, held) = (t, m, h);
                }
                _ => {}
            }
        }
        // Serialized once; every attempt sends the same bytes.
        let payload: Option<Vec<u8>> = req.body.map(|b| b.to_string().into_bytes());
        let points = if github {
            super::pace::points(method)
        } else {
            0
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            if attempt > 1 {
                ctl.check(&format!("retrying {method} {}", path_q(url)))?;
                if creds.installation.is_some() {
                    // A long wait may have outlived the token.
                    creds = self.authorization(req).await?;
                }
            }
            let http = match req.redirects {
                Redirects::Follow => shared_http(),
                Redirects::Answer => shared_http_no_redirects(),
            };
            let mut rb = http
                .request(method.clone(), url.clone())
                .timeout(self.config.timeout)
                .header(USER_AGENT, UA);
            if let Some(a) = &creds.header {
                rb = rb.header(AUTHORIZATION, a.clone());
            }
            if req.api_headers {
                rb = rb
                    .header(ACCEPT, accept)
                    .header("X-GitHub-Api-Version", API_VERSION);
            }
            for (k, v) in req.headers {
                if req.api_headers && k.eq_ignore_ascii_case("accept") {
                    continue;
                }
                rb = rb.header(k.as_str(), v.as_str());
            }
            if let Some(t) = &etag {
                rb = rb.header(IF_NONE_MATCH, t.as_str());
            }
            if let Some(m) = &last_modified {
                rb = rb.header(IF_MODIFIED_SINCE, m.as_str());
            }
            if let Some(b) = &payload {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
            }
            let ticket = if github {
                Some(self.pacer.admit(method, url, ctl).await?)
            } else {
                None
            };
            let permit = if is_write {
                None
            } else {
                read_slots().acquire().await.ok()
            };
            REQUESTS.fetch_add(1, Ordering::Relaxed);
            self.tally.sent(points);
            tracing::debug!(method = %method, path = url.path(), query = url.query().unwrap_or(""), attempt, "GitHub request");
            let max_body = req.max_body;
            let result = async {
                let mut resp = rb.send().await?;
                let status = resp.status();
                let headers = resp.headers().clone();
                // Read incrementally and stop at the bound: an endless or huge body must not
                // grow the process (a declared Content-Length over the bound fails at once).
                let mut body = Vec::new();
                let mut too_big = resp.content_length().is_some_and(|n| n > max_body);
                while !too_big {
                    match resp.chunk().await? {
                        Some(c) => {
                            if (body.len() + c.len()) as u64 > max_body {
                                too_big = true;
                            } else {
                                body.extend_from_slice(&c);
                            }
                        }
                        None => break,
                    }
                }
                Ok::<_, reqwest::Error>((status, headers, body, too_big))
            }
            .await;
            drop(permit);
            let rate = match &result {
                Ok((_, h, _, _)) if github => RateFigures::from_headers(h),
                _ => None,
            };
            if let Ok((status, _, body, _)) = &result {
                self.tally
                    .answered(status.as_u16(), body.len(), rate.is_some());
            }
            if let Some(t) = ticket {
                super::pace::release(t, &self.pacer, rate).await;
            }
            if let Ok((_, _, _, true)) = &result {
                return Err(HttpError::Bound {
                    bound: "response body size",
                    env: super::config::MAX_BODY_ENV,
                    limit: mib(max_body),
                    what: format!(
                        "{} answer for {} {}",
                        if req.api_headers {
                            "GitHub's"
                        } else {
                            "the server's"
                        },
                        method,
                        path_q(url)
                    ),
                });
            }
            let now = now_epoch();
            let (status, headers, body) = match result {
                Ok((status, headers, body, _)) => (status, headers, body),
                Err(e) => {
                    let not_sent = e.is_connect();
                    match retry::decide(
                        &self.config.retry,
                        is_write,
                        attempt,
                        &Outcome::Transport { not_sent },
                        now,
                    ) {
                        Decision::Retry(wait) => {
                            tracing::warn!(
                                path = url.path(),
                                attempt,
                                wait_ms = wait.as_millis() as u64,
                                "GitHub unreachable, retrying: {}",
                                transport_detail(&e)
                            );
                            ctl.wait(wait, &format!("the retry of {method} {}", path_q(url)))
                                .await?;
                            continue;
                        }
                        Decision::Fail => {
                            return Err(HttpError::Transport {
                                url: redact_url(url),
                                detail: transport_detail(&e),
                                tries: attempt,
                            })
                        }
                    }
                }
            };
            tracing::debug!(status = status.as_u16(), path = url.path(), "GitHub answer");
            let link = (req.paging == Paging::Link)
                .then(|| headers.get("link").and_then(|v| v.to_str().ok()))
                .flatten()
                .map(String::from);
            if status == StatusCode::NOT_MODIFIED && (etag.is_some() || last_modified.is_some()) {
                let stored = match &key {
                    Some(k) => self.cache.revalidated(k, held.take()).await,
                    None => None,
                };
                match stored {
                    Some(c) => {
                        return Ok(Answer {
                            status: 200,
                            body: c.body,
                            link: c.link.or(link),
                            headers: c.headers,
                            request_id: request_id(&headers),
                            from_cache: true,
                        })
                    }
                    None => {
                        // The entry went while the request was out (evicted, or a write in
                        // another process invalidated it): ask again, unconditionally.
                        tracing::debug!(path = url.path(), "cached entry gone after a 304");
                        (etag, last_modified) = (None, None);
                        attempt -= 1;
                        continue;
                    }
                }
            }
            // The media type and a redirect's target are always kept: what an answer that is not
            // JSON is ([`GitHubClient::send_request`]).
            let kept = || -> Vec<(String, String)> {
                req.keep_headers
                    .iter()
                    .chain(&["content-type", "location"])
                    .filter_map(|h| {
                        headers
                            .get(*h)
                            .and_then(|v| v.to_str().ok())
                            .map(|v| ((*h).to_string(), v.to_string()))
                    })
                    .collect()
            };
            if status.is_redirection() && req.redirects == Redirects::Answer {
                // Not followed: the target (resolved against the request) is the answer.
                let mut kept = kept();
                for (k, v) in kept.iter_mut() {
                    if k == "location" {
                        if let Ok(to) = url.join(v) {
                            *v = to.to_string();
                        }
                    }
                }
                return Ok(Answer {
                    status: status.as_u16(),
                    body: Arc::from(Vec::new()),
                    link: None,
                    headers: kept,
                    request_id: request_id(&headers),
                    from_cache: false,
                });
            }
            if status.is_success() {
                let body: Arc<[u8]> = body.into();
                let kept = kept();
                if is_write {
                    self.cache.invalidate(url).await;
                } else if let (Some(key), CachePolicy::Revalidate) = (key, req.cache) {
                    let header = |n| {
                        headers
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .map(String::from)
                    };
                    let (etag, last_modified) = (header("etag"), header("last-modified"));
                    if etag.is_some() || last_modified.is_some() {
                        self.cache
                            .store(
                                key,
                                cache::Entry {
                                    etag,
                                    last_modified,
                                    immutable: false,
                                    body: body.clone(),
                                    link: link.clone(),
                                    headers: kept.clone(),
                                },
                            )
                            .await;
                    }
                }
                return Ok(Answer {
                    status: status.as_u16(),
                    body,
                    link,
                    headers: kept,
                    request_id: request_id(&headers),
                    from_cache: false,
                });
            }
            let message = error_message(status, &body);
            if let (401, Some(app), Some((i, used)), false) = (
                status.as_u16(),
                &self.config.app,
                &creds.installation,
                renewed,
            ) {
                tracing::debug!(
                    installation = i,
                    "installation token refused; getting a new one"
                );
                app.forget(*i, used).await;
                creds = self.authorization(req).await?;
                renewed = true;
                attempt -= 1;
                continue;
            }
            let outcome = Outcome::Status {
                status: status.as_u16(),
                headers: &headers,
                message: &message,
            };
            match retry::decide(&self.config.retry, is_write, attempt, &outcome, now) {
                Decision::Retry(wait) => {
                    tracing::warn!(
                        status = status.as_u16(),
                        path = url.path(),
                        attempt,
                        wait_ms = wait.as_millis() as u64,
                        "GitHub refused, retrying: {message}"
                    );
                    ctl.wait(wait, &format!("the retry of {method} {}", path_q(url)))
                        .await?;
                }
                Decision::Fail if req.pass.passes(status.as_u16()) => {
                    let mut kept = kept();
                    if let Some(v) = headers.get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()) {
                        kept.push(("www-authenticate".into(), v.to_string()));
                    }
                    return Ok(Answer {
                        status: status.as_u16(),
                        body: body.into(),
                        link,
                        headers: kept,
                        request_id: request_id(&headers),
                        from_cache: false,
                    });
                }
                Decision::Fail => {
                    if let (403, Some(app), Some((i, _))) =
                        (status.as_u16(), &self.config.app, &creds.installation)
                    {
                        if retry::rate_limit(403, &headers, &message).is_none() {
                            return Err(HttpError::forbidden_installation(
                                message,
                                app.app_id(),
                                *i,
                                headers
                                    .get("x-accepted-github-permissions")
                                    .and_then(|v| v.to_str().ok()),
                            ));
                        }
                    }
                    return Err(classify(
                        method, url, status, &headers, message, req.scopes, attempt,
                    ));
                }
            }
        }
    }

    /// Keeps a content-addressed answer (checked by the caller) under `url` as an immutable
    /// entry: served without a request from then on.
    pub(crate) async fn store_immutable(
        &self,
        url: &Url,
        accept: &str,
        body: Arc<[u8]>,
        headers: Vec<(String, String)>,
    ) {
        let key = cache::Key::new(&self.identity, accept, url);
        self.cache
            .store(key, cache::immutable_entry(body, headers))
            .await;
    }

    /// Asks GitHub for every rate-limit resource's figures (`GET /rate_limit`, which does not
    /// count against the primary limit) and keeps them: what `github_sql_rate_limit` shows.
    pub fn refresh_rate_limits(&self, stop: &Stop) -> Result<Vec<RateFigures>, HttpError> {
        let url = self.url_for("/rate_limit", &[], &[])?;
        let req = self.get_request(&url).cache(CachePolicy::Bypass).stop(stop);
        let sent = self.send_request(&req)?;
        let now = super::disk::now_ms();
        let rates: Vec<RateFigures> = sent
            .body
            .as_ref()
            .and_then(|b| b.get("resources"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(name, r)| {
                        let n = |k: &str| r.get(k).and_then(Value::as_u64);
                        Some(RateFigures {
                            resource: name.clone(),
                            limit: n("limit")?,
                            remaining: n("remaining")?,
                            used: n("used").unwrap_or(0),
                            reset: n("reset").unwrap_or(0),
                            seen_at: now,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.pacer.record_all(rates);
        Ok(self.rate_limits())
    }
}

fn http_method(method: &str, url: &Url) -> Result<HttpMethod, HttpError> {
    HttpMethod::from_bytes(method.as_bytes()).map_err(|e| HttpError::Status {
        status: 0,
        method: method.to_string(),
        path: path_q(url),
        message: e.to_string(),
        tries: 0,
    })
}

/// GitHub's `message`, redacted: servers and proxies have echoed the Authorization header in it.
fn error_message(status: StatusCode, body: &[u8]) -> String {
    let parsed = serde_json::from_slice::<Value>(body).ok();
    let mut m = parsed
        .as_ref()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(String::from))
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("no message")
                .to_string()
        });
    // A validation failure (422) says what was wrong in `errors`: each a string or an object
    // with `resource`, `field`, `code` and perhaps `message`.
    if let Some(errors) = parsed
        .as_ref()
        .and_then(|v| v.get("errors"))
        .and_then(Value::as_array)
        .filter(|e| !e.is_empty())
    {
        let parts: Vec<String> = errors
            .iter()
            .map(|e| match e {
                Value::String(s) => s.clone(),
                Value::Object(o) => {
                    let get = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default();
                    let mut s = [get("resource"), get("field"), get("code")]
                        .iter()
                        .filter(|x| !x.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" ");
                    if !get("message").is_empty() {
                        s = if s.is_empty() {
                            get("message").to_string()
                        } else {
                            format!("{s}: {}", get("message"))
                        };
                    }
                    if s.is_empty() {
                        e.to_string()
                    } else {
                        s
                    }
                }
                other => other.to_string(),
            })
            .collect();
        m = format!("{m} (errors: {})", parts.join("; "));
    }
    super::redact::redact(&m)
}

/// `n` bytes as "N MiB" (or bytes when smaller), for bound messages.
pub(crate) fn mib(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else {
        format!("{n} bytes")
    }
}

fn classify(
    method: &HttpMethod,
    url: &Url,
    status: StatusCode,
    headers: &HeaderMap,
    message: String,
    scopes: &[String],
    tries: u32,
) -> HttpError {
    let path = path_q(url);
    match retry::rate_limit(status.as_u16(), headers, &message) {
        Some(RateLimit::Secondary) => {
            return HttpError::SecondaryRateLimited {
                message,
                path,
                tries,
            }
        }
        Some(RateLimit::Primary) => {
            let reset: u64 = headers
                .get("x-ratelimit-reset")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            return rate_limited(reset);
        }
        None => {}
    }
    match status.as_u16() {
        401 => HttpError::Unauthorized { message },
        403 => HttpError::forbidden(
            message,
            scopes,
            headers
                .get("x-accepted-oauth-scopes")
                .and_then(|v| v.to_str().ok()),
        ),
        404 => HttpError::NotFound { message, path },
        422 => HttpError::Unprocessable { message },
        s => HttpError::Status {
            status: s,
            method: method.to_string(),
            path,
            message,
            tries,
        },
    }
}

fn request_id(h: &HeaderMap) -> Option<String> {
    h.get("x-github-request-id")
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

fn now_epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn rate_limited(reset_epoch: u64) -> HttpError {
    let s = reset_epoch % 86_400;
    HttpError::RateLimited {
        reset_utc: format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60),
        minutes: reset_epoch.saturating_sub(now_epoch()).div_ceil(60),
    }
}

pub(super) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Path and query for messages (the page number shows in the query; no secrets live there).
fn path_q(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// URLs in messages lose any userinfo (a token could be pasted there).
fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    super::redact::redact(u.as_str())
}

fn transport_detail(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut msg = if e.is_timeout() {
        "timed out (GITHUB_SQL_TIMEOUT)".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    super::redact::redact(&msg)
}

/// What an answer says, as JSON: its JSON body; the text of a body that is not JSON (`text/html`,
/// `text/plain`, `application/vnd.github.diff`) as a string; for a redirect it was asked to
/// answer, `{"status": 302, "location": "<target>"}`; nothing for an empty body (`204 No
/// Content`, `205 Reset Content`). A body that is not JSON and not UTF-8 is refused: such a
/// file is fetched with [`GitHubClient::download`].
fn answer_value(url: &Url, ans: &Answer) -> Result<Option<Value>, HttpError> {
    if (300..400).contains(&ans.status) {
        let location = ans.header("location").unwrap_or_default();
        return Ok(Some(
            serde_json::json!({"status": ans.status, "location": location}),
        ));
    }
    if ans.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let media = ans.header("content-type").map(|c| {
        c.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    });
    match media.as_deref() {
        None | Some("") | Some("application/json") => parse_json(url, &ans.body).map(Some),
        Some(m) if m.ends_with("+json") => parse_json(url, &ans.body).map(Some),
        Some(m) => match std::str::from_utf8(&ans.body) {
            Ok(text) => Ok(Some(Value::String(text.to_string()))),
            Err(_) => Err(HttpError::NotText {
                path: path_q(url),
                media: m.to_string(),
            }),
        },
    }
}

fn parse_json(url: &Url, body: &[u8]) -> Result<Value, HttpError> {
    serde_json::from_slice(body).map_err(|e| HttpError::BadJson {
        path: path_q(url),
        detail: e.to_string(),
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The token to send to `url`: none configured, or a plain-HTTP URL off this machine, is an
/// error before anything is sent (the token never crosses the network in clear).
pub(crate) fn sendable_token<'a>(
    config: &'a ClientConfig,
    url: &Url,
    scopes: &[String],
) -> Result<&'a super::Token, HttpError> {
    check_credentials(config, url)?;
    config
        .token
        .as_ref()
        .ok_or_else(|| HttpError::missing_token(scopes))
}

/// Credentials that cannot be used, or a plain-HTTP URL off this machine: an error before
/// anything is sent.
fn check_credentials(config: &ClientConfig, url: &Url) -> Result<(), HttpError> {
    if let Some(detail) = &config.credential_error {
        return Err(HttpError::Credentials {
            connection: config.connection.clone(),
            detail: detail.clone(),
        });
    }
    if url.scheme() == "http" && !is_loopback(url) {
        return Err(HttpError::InsecureUrl {
            host: url.host_str().unwrap_or_default().to_string(),
        });
    }
    Ok(())
}

/// What a request authenticates with.
#[derive(Default)]
struct Credentials {
    /// The `Authorization` header, if any.
    header: Option<HeaderValue>,
    /// The GitHub App installation whose token the header carries, and that token.
    installation: Option<(u64, super::Token)>,
}

/// The cache and budget identity of a GitHub App's installation on `base_url` (`None`: the
/// installation is found per owner).
fn app_identity(base_url: &str, app: &super::app::AppAuth, installation: Option<u64>) -> Arc<str> {
    let material = format!(
        "github-app {} installation {}",
        app.app_id(),
        installation.map_or_else(|| "*".to_string(), |i| i.to_string())
    );
    cache::identity(base_url, Some(&material))
}

#[cfg(test)]
mod basic_tests {
    #[test]
    fn basic_credentials_are_rfc7617_base64() {
        // RFC 7617's example.
        assert_eq!(
            super::basic_credentials("Aladdin", "open sesame"),
            "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(super::basic_credentials("a", "b"), "YTpi");
        assert_eq!(super::basic_credentials("ab", "c"), "YWI6Yw==");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Token;

    fn client(base: &str) -> GitHubClient {
        GitHubClient::new(ClientConfig::new(base, Some(Token::new("t"))))
    }

    #[test]
    fn path_params_are_one_segment_each() {
        let c = client("https://ghe.example.com/api/v3/");
        let u = c
            .url_for(
                "/user/packages/{package_type}/{package_name}/versions",
                &[("package_type", "container"), ("package_name", "team/app")],
                &[("per_page", "100".into())],
            )
            .expect("url");
        assert_eq!(u.as_str(), "https://ghe.example.com/api/v3/user/packages/container/team%2Fapp/versions?per_page=100");
        let u = c
            .url_for("/x/{n}", &[("n", "../../orgs/x?y=1#z %2e")], &[])
            .expect("url");
        assert_eq!(u.path(), "/api/v3/x/..%2F..%2Forgs%2Fx%3Fy%3D1%23z%20%252e");
        assert_eq!(u.query(), None);
        assert_eq!(u.fragment(), None);
    }

    #[test]
    fn dot_segments_and_empty_names_are_refused() {
        let c = client("https://api.github.com");
        for bad in ["", ".", ".."] {
            let e = c
                .url_for("/x/{package_name}", &[("package_name", bad)], &[])
                .expect_err(bad);
            assert!(e.to_string().contains("package_name"), "{e}");
        }
    }

    #[test]
    fn bad_base_url_names_the_variable() {
        let c = client("ftp://nowhere");
        let e = c.url_for("/x", &[], &[]).expect_err("ftp");
        assert!(e.to_string().contains("GITHUB_API_URL"), "{e}");
    }

    #[test]
    fn token_is_not_in_debug_output() {
        let c = GitHubClient::new(ClientConfig::new(
            "https://api.github.com",
            Some(Token::new("ghp_secret123")),
        ));
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("ghp_secret123"), "{dbg}");
        assert!(dbg.contains("Token(***)"), "{dbg}");
    }
}
