//! The container registry (OCI distribution API: ghcr.io, or the GHES container host): what its
//! requests need beyond the REST API's.
//!
//! - **Its own server.** [`server_url`] picks the base URL of a service with a
//!   [`Server`](crate::spec::Server): the client configuration's `servers`, then the document's
//!   environment variable (`GITHUB_SQL_REGISTRY_URL`), then the GHES URL derived from
//!   `GITHUB_API_URL`'s host, then the document's default (`https://ghcr.io`).
//! - **The token handshake.** A request first goes out with the bearer token cached for its
//!   repository, or with none. A `401` carrying `WWW-Authenticate: Bearer realm=…,service=…,
//!   scope=…` is answered by a `GET realm?service=…&scope=…` with HTTP Basic auth (the GitHub
//!   token as the password), whose `{"token": …}` is cached per (GitHub token, registry,
//!   repository) and the request retried once. The GitHub token only goes to a realm on the
//!   registry's own host, over https (or to a loopback host, as the REST client allows).
//! - **Content addressing.** A manifest's digest is the SHA-256 of its bytes: a body fetched by
//!   digest is checked against that digest (and against `Docker-Content-Digest` when the registry
//!   sends one) before it is used, and kept as a content-addressed entry of the client's cache
//!   that is served without a request (a manifest by digest never changes). A manifest fetched
//!   by tag is revalidated like any GET, and kept under its computed digest too.
//!   `GITHUB_SQL_CACHE=off` bypasses both.
//! - **404 as an error**, for methods that declare it: a manifest a package version names must
//!   exist, so its absence fails the statement ([`RegistryError::ManifestUnknown`]).
//!
//! Everything else is the client's one request path ([`GitHubClient::fetch`]): the connection
//! pool, the concurrency cap, retries and their interruptible waits, the statement deadline,
//! the body bound (`GITHUB_SQL_MAX_BODY_MB`), the cache and the request counts.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;
use url::Url;

use super::client::{is_loopback, GitHubClient, RawPage};
use super::config::ClientConfig;
use super::error::{HttpError, RegistryError};
use super::request::{Answer, Auth, CachePolicy, Pass, Request};
use crate::rows::sha256_digest;
use crate::spec::{Server, ServerAuth};

/// Response headers kept on a registry page (computed columns may read them).
const KEPT_HEADERS: [&str; 2] = ["content-type", "docker-content-digest"];

/// The base URL of a service with its own server: `config.servers[service]`, else the
/// document's environment variable, else (when `GITHUB_API_URL` is not github.com's) the
/// document's Enterprise URL with `{host}` replaced, else the document's URL.
pub fn server_url(service: &str, server: &Server, config: &ClientConfig) -> String {
    if let Some(u) = config.servers.get(service) {
        return u.clone();
    }
    if let Some(v) = server
        .env
        .as_deref()
        .and_then(|e| std::env::var(e).ok())
        .filter(|v| !v.trim().is_empty())
    {
        return v.trim().to_string();
    }
    if let (Some(tpl), Ok(api)) = (&server.enterprise, Url::parse(&config.base_url)) {
        if let Some(host) = api.host_str().filter(|h| *h != "api.github.com") {
            return tpl.replace("{host}", host);
        }
    }
    server.url.clone()
}

fn bearer_cache() -> &'static Mutex<HashMap<String, String>> {
    static C: OnceLock<Mutex<HashMap<String, String>>> = OnceLock::new();
    C.get_or_init(Mutex::default)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Manifests held as content-addressed cache entries (for tests and logs).
pub fn cached_manifests() -> usize {
    super::cache::immutable_entries()
}

/// The OCI repository (`octocat/octo/app`) and, for a manifest URL, the reference (tag or
/// digest) of a `/v2/<repository>/(manifests|tags|blobs|referrers)/…` path.
fn repository_and_reference(url: &Url) -> (String, Option<String>) {
    let path = percent_encoding::percent_decode_str(url.path())
        .decode_utf8_lossy()
        .into_owned();
    let rest = path.split_once("/v2/").map(|(_, r)| r).unwrap_or(&path);
    for marker in ["/manifests/", "/tags/", "/blobs/", "/referrers/"] {
        if let Some((repo, tail)) = rest.rsplit_once(marker) {
            let reference = (marker == "/manifests/").then(|| tail.to_string());
            return (repo.to_string(), reference);
        }
    }
    (rest.trim_end_matches('/').to_string(), None)
}

fn is_digest(reference: &str) -> bool {
    reference
        .split_once(':')
        .is_some_and(|(alg, hex)| !alg.is_empty() && !hex.is_empty())
}

/// The URL of the same manifest addressed by `digest`.
fn digest_url(url: &Url, digest: &str) -> Url {
    let mut u = url.clone();
    if let Ok(mut segs) = u.path_segments_mut() {
        segs.pop().push(digest);
    }
    u.set_query(None);
    u
}

/// One handshake at a time: concurrent first requests wait for the first one's token instead of
/// each asking the realm.
fn handshake_lock() -> &'static tokio::sync::Mutex<()> {
    static L: OnceLock<tokio::sync::Mutex<()>> = OnceLock::new();
    L.get_or_init(|| tokio::sync::Mutex::new(()))
}

/// Statuses the registry's reads handle themselves: the challenge, a manifest that must exist,
/// a refusal naming the registry's scopes.
const REGISTRY_STATUSES: &[u16] = &[401, 403, 404];

/// GETs one registry object (a manifest, a tag list) as a [`RawPage`] through the client's one
/// request path. `req` is the method's request (its URL, fixed headers, scopes and statement
/// stop); this adds the token handshake per `auth`, the digest checks and the content-addressed
/// cache entries. `not_found_is_error`: a 404 is [`RegistryError::ManifestUnknown`].
pub async fn get(
    client: &GitHubClient,
    req: &Request<'_>,
    auth: ServerAuth,
    not_found_is_error: bool,
) -> Result<RawPage, HttpError> {
    let url = req.url;
    let config = client.config();
    let token = super::client::sendable_token(config, url, req.scopes)?;
    let (repository, reference) = repository_and_reference(url);
    let by_digest = reference.as_deref().filter(|r| is_digest(r));
    // Bearer tokens are per GitHub token (hashed: the secret is not kept twice), registry and
    // repository.
    let bearer_key = format!(
        "{} {} {}",
        sha256_digest(token.expose().as_bytes()),
        url.origin().ascii_serialization(),
        repository
    );
    let mut bearer = match auth {
        ServerAuth::Token => Some(token.expose().to_string()),
        ServerAuth::BearerChallenge => lock(bearer_cache()).get(&bearer_key).cloned(),
    };
    let base = req
        .clone()
        .foreign_api()
        .paged()
        .keep_headers(&KEPT_HEADERS)
        .pass(Pass::Statuses(REGISTRY_STATUSES))
        .cache(if by_digest.is_some() {
            CachePolicy::Immutable
        } else {
            CachePolicy::Revalidate
        });
    let mut answered_challenge = false;
    let ans = loop {
        let attempt = base.clone().auth(match &bearer {
            Some(b) => Auth::Bearer(b.clone()),
            None => Auth::Anonymous,
        });
        let ans = client.fetch(&attempt).await?;
        if ans.status == 401 && auth == ServerAuth::BearerChallenge && !answered_challenge {
            answered_challenge = true;
            let _one = handshake_lock().lock().await;
            let cached = lock(bearer_cache()).get(&bearer_key).cloned();
            let fresh = match cached.filter(|c| Some(c) != bearer.as_ref()) {
                // Another request finished the handshake while this one waited.
                Some(c) => c,
                None => {
                    let t = answer_challenge(client, req, &ans).await?;
                    lock(bearer_cache()).insert(bearer_key.clone(), t.clone());
                    t
                }
            };
            bearer = Some(fresh);
            continue;
        }
        break ans;
    };
    let message = || oci_message(ans.status, &ans.body);
    match ans.status {
        401 => {
            return Err(RegistryError::Unauthorized {
                path: url.path().to_string(),
                message: message(),
            }
            .into())
        }
        403 => return Err(HttpError::forbidden(message(), req.scopes, None)),
        404 if not_found_is_error => {
            return Err(RegistryError::ManifestUnknown {
                repository,
                reference: reference.unwrap_or_default(),
                message: message(),
            }
            .into())
        }
        404 => {
            return Err(HttpError::NotFound {
                message: message(),
                path: url.path().to_string(),
            })
        }
        _ => {}
    }
    if reference.is_some() {
        let actual = sha256_digest(&ans.body);
        for expected in [by_digest, ans.header("docker-content-digest")]
            .into_iter()
            .flatten()
        {
            if expected.starts_with("sha256:") && expected != actual {
                return Err(RegistryError::DigestMismatch {
                    path: url.path().to_string(),
                    expected: expected.to_string(),
                    actual,
                }
                .into());
            }
        }
        if config.cache && !(ans.from_cache && by_digest.is_some()) {
            client
                .store_immutable(
                    &digest_url(url, &actual),
                    base.accept(),
                    ans.body.clone(),
                    ans.headers.clone(),
                )
                .await;
        }
    }
    client.page_of(url, ans)
}

/// Trades the GitHub token for a bearer token at the challenge's realm (through the client's
/// request path: HTTP Basic with the GitHub token as the password, never cached).
async fn answer_challenge(
    client: &GitHubClient,
    req: &Request<'_>,
    challenge: &Answer,
) -> Result<String, HttpError> {
    let url = req.url;
    let no = |detail: &str| RegistryError::NoChallenge {
        path: url.path().to_string(),
        detail: detail.to_string(),
    };
    let header = challenge
        .header("www-authenticate")
        .ok_or_else(|| no("no WWW-Authenticate header"))?;
    let params = parse_challenge(header).ok_or_else(|| no("not a Bearer challenge"))?;
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    let realm = get("realm").ok_or_else(|| no("no realm"))?;
    let realm_url = Url::parse(&realm).map_err(|_| no("the realm is not a URL"))?;
    let host = url.host_str().unwrap_or_default().to_string();
    let secure = realm_url.scheme() == "https" || is_loopback(&realm_url);
    if realm_url.host_str() != Some(host.as_str()) || !secure {
        return Err(RegistryError::ForeignRealm { realm, host }.into());
    }
    let scope = get("scope").unwrap_or_default();
    let mut token_url = realm_url.clone();
    {
        let mut q = token_url.query_pairs_mut();
        if let Some(s) = get("service") {
            q.append_pair("service", &s);
        }
        if !scope.is_empty() {
            q.append_pair("scope", &scope);
        }
    }
    tracing::debug!(path = token_url.path(), "registry token request");
    let refused = |status: u16, message: String| RegistryError::TokenRefused {
        scope: scope.clone(),
        status,
        message,
    };
    let ask = client
        .get_request(&token_url)
        .scopes(req.scopes)
        .stop(&req.stop)
        .foreign_api()
        .auth(Auth::TokenBasic("github-sql"))
        .cache(CachePolicy::Bypass)
        .pass(Pass::All);
    let ans = match client.fetch(&ask).await {
        Ok(a) => a,
        Err(
            e @ (HttpError::Interrupted | HttpError::Bound { .. } | HttpError::MissingToken { .. }),
        ) => return Err(e),
        Err(e) => return Err(refused(e.status().unwrap_or(0), e.to_string()).into()),
    };
    if !(200..300).contains(&ans.status) {
        return Err(refused(ans.status, oci_message(ans.status, &ans.body)).into());
    }
    let v: Value = serde_json::from_slice(&ans.body)
        .map_err(|e| refused(ans.status, format!("not JSON: {e}")))?;
    v.get("token")
        .or_else(|| v.get("access_token"))
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .ok_or_else(|| refused(ans.status, "no token in the answer".into()).into())
}

/// `Bearer realm="…",service="…",scope="…"` → its parameters; `None` for other schemes.
fn parse_challenge(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.trim();
    let (scheme, rest) = rest.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut out = Vec::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let (name, after) = s.split_once('=')?;
        let after = after.trim_start();
        let (value, tail) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"')?;
            (q[..end].to_string(), &q[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        out.push((name.trim().to_string(), value));
        s = tail.trim_start().trim_start_matches(',').trim_start();
    }
    Some(out)
}

/// The registry's error message (`{"errors": [{"code", "message"}]}`), else GitHub's shape,
/// else the status text.
fn oci_message(status: u16, body: &[u8]) -> String {
    let v: Option<Value> = serde_json::from_slice(body).ok();
    v.as_ref()
        .and_then(|v| {
            v.pointer("/errors/0/message")
                .or_else(|| v.get("message"))
                .and_then(Value::as_str)
                .map(String::from)
        })
        .unwrap_or_else(|| {
            reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("no message")
                .to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let p = parse_challenge(
            r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:octo/app:pull""#,
        )
        .expect("bearer");
        assert_eq!(
            p,
            vec![
                ("realm".into(), "https://ghcr.io/token".into()),
                ("service".into(), "ghcr.io".into()),
                ("scope".into(), "repository:octo/app:pull".into()),
            ]
        );
        assert!(parse_challenge("Basic realm=\"x\"").is_none());
        assert_eq!(
            parse_challenge("bearer realm=x, scope=y").expect("unquoted"),
            vec![("realm".into(), "x".into()), ("scope".into(), "y".into())]
        );
    }

    #[test]
    fn repositories_and_references_come_from_the_path() {
        let u = Url::parse("https://ghcr.io/v2/octocat/octo/app/manifests/sha256%3Aab").expect("u");
        assert_eq!(
            repository_and_reference(&u),
            ("octocat/octo/app".into(), Some("sha256:ab".into()))
        );
        let t = Url::parse("https://ghcr.io/v2/o/i/tags/list").expect("u");
        assert_eq!(repository_and_reference(&t), ("o/i".into(), None));
        assert!(is_digest("sha256:ab") && !is_digest("latest"));
        assert_eq!(
            digest_url(
                &Url::parse("http://h/v2/o/i/manifests/latest?x=1").expect("u"),
                "sha256:00"
            )
            .as_str(),
            "http://h/v2/o/i/manifests/sha256:00"
        );
    }

    #[test]
    fn server_urls_resolve_in_order() {
        let server = Server {
            url: "https://ghcr.io".into(),
            env: Some("GITHUB_SQL_TEST_NO_SUCH_VAR".into()),
            enterprise: Some("https://containers.{host}".into()),
            auth: ServerAuth::BearerChallenge,
        };
        let dotcom = ClientConfig::new("https://api.github.com", None);
        assert_eq!(server_url("registry", &server, &dotcom), "https://ghcr.io");
        let ghes = ClientConfig::new("https://ghe.example.com/api/v3", None);
        assert_eq!(
            server_url("registry", &server, &ghes),
            "https://containers.ghe.example.com"
        );
        let fake = ghes.with_server("registry", "http://127.0.0.1:9");
        assert_eq!(server_url("registry", &server, &fake), "http://127.0.0.1:9");
    }
}
