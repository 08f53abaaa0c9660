//! Where the token and the API base URL come from.

pub use super::token::Token;
use std::time::Duration;

/// Environment variable overriding the delay between writes, in milliseconds.
pub const WRITE_DELAY_ENV: &str = "GITHUB_SQL_WRITE_DELAY_MS";
/// GitHub's guidance: at least one second between mutating requests.
pub const DEFAULT_WRITE_DELAY: Duration = Duration::from_millis(1000);

/// The delay from the environment (the default when unset; a value that is not valid is
/// [`crate::settings::check_env`]'s error).
pub fn delay_from_env() -> Duration {
    crate::settings::duration(WRITE_DELAY_ENV).unwrap_or(DEFAULT_WRITE_DELAY)
}
/// Environment variables read for the token, in order of preference.
pub const TOKEN_ENVS: [&str; 3] = ["GITHUB_TOKEN", "GH_TOKEN", "STACKQL_GITHUB_PASSWORD"];
/// Environment variable for the API base URL (GitHub Enterprise Server: `https://HOST/api/v3`).
pub const API_URL_ENV: &str = "GITHUB_API_URL";
/// github.com's API.
pub const DEFAULT_API_URL: &str = "https://api.github.com";

/// How to reach GitHub.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// API base URL without a trailing slash.
    pub base_url: String,
    /// Token, if one was configured.
    pub token: Option<Token>,
    /// With a user name, requests use HTTP Basic auth (user name and the token as password), as
    /// StackQL's `auth.type: basic` asks; else `Authorization: Bearer <token>`.
    pub basic_user: Option<String>,
    /// Minimum time between the starts of two mutating requests (`GITHUB_SQL_WRITE_DELAY_MS`).
    pub write_delay: Duration,
    /// Per-request timeout (`GITHUB_SQL_TIMEOUT`, seconds); connecting gets at most 10 s of it.
    pub timeout: Duration,
    /// When and how long to retry.
    pub retry: RetryPolicy,
    /// Keep ETags and bodies and revalidate with `If-None-Match` (`GITHUB_SQL_CACHE=off` disables).
    pub cache: bool,
    /// Pages fetched at once by one scan (`GITHUB_SQL_CONCURRENCY`; the process-wide cap is the
    /// same variable, read once).
    pub concurrency: usize,
    /// Base URLs of services that have their own server, by service name (`registry` →
    /// `http://127.0.0.1:PORT` for the fake): they win over the document and its environment
    /// variable (`GITHUB_SQL_REGISTRY_URL`).
    pub servers: std::collections::BTreeMap<String, String>,
    /// Limits on what one answer and one scan may cost (`GITHUB_SQL_MAX_*`, `GITHUB_SQL_DEADLINE`).
    pub bounds: Bounds,
    /// Where mutating requests are journaled (`GITHUB_SQL_JOURNAL`); `None` = no journal.
    pub journal: Option<std::path::PathBuf>,
    /// Where the response cache, the rate-limit figures and the pacing windows live
    /// (`GITHUB_SQL_CACHE=memory|disk`, `GITHUB_SQL_CACHE_DIR`); `cache` still turns the cache
    /// off.
    pub store: CacheStore,
    /// Largest total size of cached answers, in bytes (`GITHUB_SQL_CACHE_MAX_MB`, default 256).
    pub cache_max_bytes: u64,
    /// Answers younger than this are served without a request (`GITHUB_SQL_CACHE_MAX_AGE`,
    /// seconds; off by default: every GET is revalidated).
    pub cache_max_age: Option<Duration>,
    /// GitHub's secondary limits the client paces itself by.
    pub pacing: Pacing,
    /// Why there is no journal, for the summaries (`GITHUB_SQL_JOURNAL=off`, the demo's fake).
    pub journal_off: Option<String>,
    /// GitHub App credentials: requests authenticate with installation tokens obtained with
    /// them instead of `token` ([`super::app`]).
    pub app: Option<super::app::AppAuth>,
    /// The connection this configuration belongs to (`None`: the environment's); its rate-limit
    /// budget, cache identity and messages are its own.
    pub connection: Option<String>,
    /// Why the configured credentials cannot be used (a bad App key, a failed credential
    /// command): every request fails with it, nothing is sent.
    pub credential_error: Option<String>,
}

/// Environment variable: largest response body, in MiB (default 64).
pub const MAX_BODY_ENV: &str = "GITHUB_SQL_MAX_BODY_MB";
/// Environment variable: most pages one scan may read (default 10,000).
pub const MAX_PAGES_ENV: &str = "GITHUB_SQL_MAX_PAGES";
/// Environment variable: most bytes one scan may read, in MiB (default 1024).
pub const MAX_SCAN_ENV: &str = "GITHUB_SQL_MAX_SCAN_MB";
/// Environment variable: longest time one statement may take, in seconds (default 600).
pub const DEADLINE_ENV: &str = "GITHUB_SQL_DEADLINE";

/// What one answer and one scan may cost before the statement fails (never a short result).
#[derive(Clone, Debug, PartialEq)]
pub struct Bounds {
    /// Largest response body in bytes; the body is read incrementally and dropped at the bound.
    pub max_body: u64,
    /// Most pages one scan reads (all its IN-list sources together).
    pub max_pages: u64,
    /// Most body bytes one scan reads.
    pub max_scan_bytes: u64,
    /// Longest time a statement may take (its scans and a DELETE's requests), from its start
    /// as the front end gives it (the statement's deadline), else from a scan's start.
    pub deadline: Duration,
}

const MIB: u64 = 1024 * 1024;

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            max_body: 64 * MIB,
            max_pages: 10_000,
            max_scan_bytes: 1024 * MIB,
            deadline: Duration::from_secs(600),
        }
    }
}

impl Bounds {
    /// The defaults, overridden by the environment (values that are not valid are left to
    /// [`crate::settings::check_env`], which the front ends call).
    pub fn from_env() -> Self {
        use crate::settings::{count, duration};
        let d = Bounds::default();
        Bounds {
            max_body: count(MAX_BODY_ENV).map_or(d.max_body, |m| m.saturating_mul(MIB)),
            max_pages: count(MAX_PAGES_ENV).unwrap_or(d.max_pages),
            max_scan_bytes: count(MAX_SCAN_ENV).map_or(d.max_scan_bytes, |m| m.saturating_mul(MIB)),
            deadline: duration(DEADLINE_ENV).unwrap_or(d.deadline),
        }
    }
}

/// Environment variable: per-request timeout in seconds.
pub const TIMEOUT_ENV: &str = "GITHUB_SQL_TIMEOUT";
/// Environment variable: the longest wait for a rate limit to reset, in seconds.
pub const MAX_WAIT_ENV: &str = "GITHUB_SQL_MAX_WAIT";
/// Environment variable: `off` disables the cache and conditional requests; `memory` keeps it
/// in the process; `disk` (the default) shares it through the cache directory.
pub const CACHE_ENV: &str = "GITHUB_SQL_CACHE";
/// Environment variable: concurrent page reads (default 8).
pub const CONCURRENCY_ENV: &str = "GITHUB_SQL_CONCURRENCY";

/// Retry rules (the decision itself is `retry::decide`).
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts for a read that fails with 5xx, a timeout or a broken connection.
    pub tries: u32,
    /// First backoff; doubles per attempt, with jitter.
    pub base_backoff: Duration,
    /// Longest backoff.
    pub max_backoff: Duration,
    /// Wait after a secondary rate limit without `Retry-After` (GitHub: at least 60 s).
    pub secondary_wait: Duration,
    /// Attempts when the secondary rate limit answers.
    pub secondary_tries: u32,
    /// Longest wait for a primary limit to reset before failing (`GITHUB_SQL_MAX_WAIT`).
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            tries: 4,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            secondary_wait: Duration::from_secs(60),
            secondary_tries: 3,
            max_wait: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Tiny waits, for tests against the fake.
    pub fn fast() -> Self {
        RetryPolicy {
            base_backoff: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            secondary_wait: Duration::from_millis(50),
            ..RetryPolicy::default()
        }
    }
}

/// `GITHUB_SQL_CONCURRENCY`, at least 1 (default 8).
pub fn concurrency_from_env() -> usize {
    crate::settings::count(CONCURRENCY_ENV)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(DEFAULT_CONCURRENCY)
}

/// Pages in flight by default (GitHub asks clients to stay modest).
pub const DEFAULT_CONCURRENCY: usize = 8;

impl ClientConfig {
    /// Reads `GITHUB_TOKEN` / `GH_TOKEN` / `STACKQL_GITHUB_PASSWORD` and `GITHUB_API_URL`.
    pub fn from_env() -> Self {
        let token = TOKEN_ENVS
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .map(|t| t.trim().to_string())
            .find(|t| !t.is_empty())
            .map(Token::new);
        let base_url = std::env::var(API_URL_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_string());
        let defaults = ClientConfig::new(base_url, token);
        let (app, credential_error) = match super::app::AppAuth::from_env() {
            None => (None, None),
            Some(Ok(app)) => (Some(app), None),
            Some(Err(e)) => (None, Some(e.to_string())),
        };
        ClientConfig {
            app,
            credential_error,
            write_delay: delay_from_env(),
            timeout: crate::settings::duration(TIMEOUT_ENV).unwrap_or(defaults.timeout),
            retry: RetryPolicy {
                max_wait: crate::settings::duration(MAX_WAIT_ENV)
                    .unwrap_or(defaults.retry.max_wait),
                ..RetryPolicy::default()
            },
            cache: crate::settings::choice(CACHE_ENV) != Some("off"),
            concurrency: concurrency_from_env(),
            bounds: Bounds::from_env(),
            journal: crate::journal::path_from_env(),
            store: store_from_env(),
            cache_max_bytes: cache_max_bytes_from_env(),
            cache_max_age: crate::settings::duration(CACHE_MAX_AGE_ENV).filter(|d| !d.is_zero()),
            pacing: Pacing::from_env(),
            journal_off: crate::journal::why_off(),
            ..defaults
        }
    }

    /// A configuration for this base URL and token.
    pub fn new(base_url: impl Into<String>, token: Option<Token>) -> Self {
        let base_url = base_url.into().trim().trim_end_matches('/').to_string();
        ClientConfig {
            base_url,
            token,
            basic_user: None,
            write_delay: DEFAULT_WRITE_DELAY,
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            cache: true,
            concurrency: DEFAULT_CONCURRENCY,
            bounds: Bounds::default(),
            // Only `from_env` journals by default, so tests and embedders choose a path.
            journal: None,
            journal_off: None,
            servers: std::collections::BTreeMap::new(),
            app: None,
            connection: None,
            credential_error: None,
            // Likewise only `from_env` shares a cache on disk.
            store: CacheStore::Memory,
            cache_max_bytes: DEFAULT_CACHE_MAX_MB * MIB,
            cache_max_age: None,
            pacing: Pacing::default(),
        }
    }

    /// The same configuration authenticating as a GitHub App installation.
    pub fn with_app(mut self, app: super::app::AppAuth) -> Self {
        self.app = Some(app);
        self
    }

    /// Whether requests have credentials to send (a token or a GitHub App).
    pub fn has_credentials(&self) -> bool {
        self.token.is_some() || self.app.is_some()
    }

    /// The same configuration with its cache (and shared pacing state) in `dir`.
    pub fn with_cache_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.store = CacheStore::Disk(dir.into());
        self
    }

    /// The same configuration with a service's own server at `url` (tests and `--demo` point
    /// the registry at the fake).
    pub fn with_server(mut self, service: &str, url: impl Into<String>) -> Self {
        self.servers.insert(service.to_string(), url.into());
        self
    }

    /// The same configuration authenticating as the provider document's `config.auth` says: for
    /// `type: basic`, the user name from `username_var` and the password from `password_var`
    /// (when set; else the token already configured) are sent as HTTP Basic auth. Without a
    /// user name the password is sent as a bearer token, which GitHub accepts too.
    pub fn with_auth(mut self, auth: &crate::spec::Auth) -> Self {
        if let crate::spec::Auth::Basic {
            username_var,
            password_var,
        } = auth
        {
            let var = |k: &str| {
                std::env::var(k)
                    .ok()
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            if let Some(pw) = var(password_var) {
                self.token = Some(Token::new(pw));
            }
            self.basic_user = var(username_var);
        }
        self
    }

    /// The same configuration with another delay between writes.
    pub fn with_write_delay(mut self, delay: Duration) -> Self {
        self.write_delay = delay;
        self
    }
}

/// Environment variable: the directory of the shared cache (default `$XDG_CACHE_HOME/github-sql`,
/// else `~/.cache/github-sql`).
pub const CACHE_DIR_ENV: &str = "GITHUB_SQL_CACHE_DIR";
/// Environment variable: the cache's size bound in MiB (default 256).
pub const CACHE_MAX_MB_ENV: &str = "GITHUB_SQL_CACHE_MAX_MB";
/// Environment variable: seconds an answer is served without asking GitHub (default: none).
pub const CACHE_MAX_AGE_ENV: &str = "GITHUB_SQL_CACHE_MAX_AGE";
/// Environment variable: secondary-limit points per minute (default 900; `0` turns pacing by
/// points off, for a GitHub Enterprise Server without secondary limits).
pub const POINTS_ENV: &str = "GITHUB_SQL_POINTS_PER_MINUTE";
/// The cache's default size bound, in MiB.
pub const DEFAULT_CACHE_MAX_MB: u64 = 256;

/// Where the cache lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheStore {
    /// In this process only.
    Memory,
    /// In a database in this directory, shared by every process that names it.
    Disk(std::path::PathBuf),
}

/// `GITHUB_SQL_CACHE` and `GITHUB_SQL_CACHE_DIR`: `memory` keeps the cache in the process; else
/// it goes to the cache directory (in memory when there is none: no `HOME`).
pub fn store_from_env() -> CacheStore {
    if crate::settings::choice(CACHE_ENV) == Some("memory") {
        return CacheStore::Memory;
    }
    match cache_dir_from_env() {
        Some(dir) => CacheStore::Disk(dir),
        None => CacheStore::Memory,
    }
}

/// `GITHUB_SQL_CACHE_DIR`, else `$XDG_CACHE_HOME/github-sql`, else `~/.cache/github-sql`.
pub fn cache_dir_from_env() -> Option<std::path::PathBuf> {
    use std::path::{Path, PathBuf};
    if let Some(d) = std::env::var_os(CACHE_DIR_ENV).filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache")))?;
    Some(base.join("github-sql"))
}

fn cache_max_bytes_from_env() -> u64 {
    crate::settings::count(CACHE_MAX_MB_ENV)
        .unwrap_or(DEFAULT_CACHE_MAX_MB)
        .saturating_mul(MIB)
}

/// GitHub's secondary rate limits, which the client paces itself by (octokit's throttling
/// plugin does the same, per process; here every process with the same token shares them
/// through the cache directory).
#[derive(Clone, Debug, PartialEq)]
pub struct Pacing {
    /// Points per window: a GET, HEAD or OPTIONS costs 1, any other method 5 (GitHub: 900 per
    /// minute for the REST API). `0` = no pacing by points.
    pub points: u32,
    /// Content-creating requests (POST) per window (GitHub: 80 per minute).
    pub creates: u32,
    /// Content-creating requests per hour (GitHub: 500).
    pub creates_per_hour: u32,
    /// The window the two figures above count in (one minute; shorter in tests).
    pub window: Duration,
    /// Requests in flight at once (GitHub: 100).
    pub in_flight: usize,
}

impl Default for Pacing {
    fn default() -> Self {
        Pacing {
            points: 900,
            creates: 80,
            creates_per_hour: 500,
            window: Duration::from_secs(60),
            in_flight: 100,
        }
    }
}

impl Pacing {
    /// GitHub's figures, with `GITHUB_SQL_POINTS_PER_MINUTE` read.
    pub fn from_env() -> Self {
        let d = Pacing::default();
        Pacing {
            points: crate::settings::count(POINTS_ENV)
                .map_or(d.points, |n| u32::try_from(n).unwrap_or(u32::MAX)),
            ..d
        }
    }
}
