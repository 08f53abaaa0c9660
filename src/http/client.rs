//! The GitHub client: one request path for every method, Link pagination, status → error mapping.

use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, USER_AGENT};
use reqwest::{Method as HttpMethod, StatusCode};
use serde_json::Value;
use url::Url;

use super::config::ClientConfig;
use super::error::HttpError;
use super::link::{parse_link_header, LinkRel};
use super::runtime::block_on;

/// Everything but RFC 3986 unreserved characters is escaped in a path segment, so `/`, `?`,
/// `#` and `%` in a package name stay inside their segment (`team/app` → `team%2Fapp`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const API_VERSION: &str = "2022-11-28";

/// The one HTTP client of the process: its connection pool is shared by every SQLite connection.
fn shared_http() -> &'static reqwest::Client {
    static HTTP: OnceLock<reqwest::Client> = OnceLock::new();
    HTTP.get_or_init(|| {
        reqwest::Client::builder()
            .user_agent(concat!("github-sql/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            // Redirects are not followed: a redirect must never carry the token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("cannot build the HTTP client: {e}"))
    })
}

/// One page of a list: its rows and the URL of the next page, if any.
#[derive(Debug)]
pub struct Page {
    /// Row objects, in the order GitHub sent them.
    pub items: Vec<Value>,
    /// `Link: rel="next"`, when present.
    pub next: Option<Url>,
    /// `Link: rel="last"`, when present.
    pub last: Option<Url>,
}

/// A configured GitHub client (cheap to clone; the connection pool is process-wide).
#[derive(Clone, Debug)]
pub struct GitHubClient {
    config: ClientConfig,
    base: Result<Url, String>,
    /// Requests sent by this client and its clones (the server logs it per query).
    sent: Arc<AtomicU64>,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
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
        GitHubClient {
            config,
            base,
            sent: Arc::default(),
        }
    }

    /// How many HTTP requests this client (and its clones) has sent so far.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
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

    /// Builds `base + path` with `{name}` segments replaced by percent-encoded values, plus the
    /// query. Values that would become `.`/`..` segments or are empty are refused.
    pub fn url_for(
        &self,
        template: &str,
        path_params: &[(&str, &str)],
        query: &[(&str, String)],
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
            if value.is_empty() || value == "." || value == ".." {
                return Err(HttpError::BadPathParam {
                    param: name.to_string(),
                    value: value.to_string(),
                    reason: "it must be a non-empty name other than . and ..".into(),
                });
            }
            path.extend(utf8_percent_encode(value, SEGMENT));
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

    /// GET one page of a list. `object_key` picks the array out of a wrapping object.
    pub fn get_page(
        &self,
        url: &Url,
        object_key: Option<&str>,
        scopes: &[String],
    ) -> Result<Page, HttpError> {
        let ans = self.call(HttpMethod::GET, url, scopes)?;
        let mut body = parse_json(url, &ans.body)?;
        if let Some(k) = object_key {
            body = body.get_mut(k).map(Value::take).unwrap_or(Value::Null);
        }
        let items = match body {
            Value::Array(items) => items,
            other => {
                return Err(HttpError::BadJson {
                    path: url.path().to_string(),
                    detail: format!("expected an array, got {}", kind(&other)),
                })
            }
        };
        let links = ans
            .headers
            .get_all("link")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(parse_link_header)
            .collect::<Vec<_>>();
        let pick = |rel: LinkRel| -> Result<Option<Url>, HttpError> {
            match links.iter().find(|(r, _)| *r == rel) {
                None => Ok(None),
                Some((_, u)) => self.same_origin(u).map(Some),
            }
        };
        Ok(Page {
            items,
            next: pick(LinkRel::Next)?,
            last: pick(LinkRel::Last).unwrap_or(None),
        })
    }

    /// GET one object.
    pub fn get_object(&self, url: &Url, scopes: &[String]) -> Result<Value, HttpError> {
        let ans = self.call(HttpMethod::GET, url, scopes)?;
        match parse_json(url, &ans.body)? {
            v @ Value::Object(_) => Ok(v),
            other => Err(HttpError::BadJson {
                path: url.path().to_string(),
                detail: format!("expected an object, got {}", kind(&other)),
            }),
        }
    }

    /// Sends any method's request and returns its JSON body, if it has one (DELETE and restore
    /// answer 204 with none). Mutating requests are paced: one at a time, `write_delay` apart.
    pub fn send(
        &self,
        method: &str,
        url: &Url,
        scopes: &[String],
    ) -> Result<Option<Value>, HttpError> {
        let m = HttpMethod::from_bytes(method.as_bytes()).map_err(|e| HttpError::Status {
            status: 0,
            method: method.to_string(),
            path: url.path().to_string(),
            message: e.to_string(),
        })?;
        let _slot = (m != HttpMethod::GET && m != HttpMethod::HEAD)
            .then(|| super::pace::acquire(self.config.write_delay));
        let ans = self.call(m, url, scopes)?;
        if ans.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        parse_json(url, &ans.body).map(Some)
    }

    /// A Link URL is followed only on the API's own origin.
    fn same_origin(&self, link: &str) -> Result<Url, HttpError> {
        let base = self.base()?;
        let u = Url::parse(link).map_err(|e| HttpError::BadJson {
            path: base.path().to_string(),
            detail: format!("bad Link URL {link:?}: {e}"),
        })?;
        if u.origin() != base.origin() {
            return Err(HttpError::ForeignLink {
                url: link.to_string(),
            });
        }
        Ok(u)
    }

    fn call(&self, method: HttpMethod, url: &Url, scopes: &[String]) -> Result<Answer, HttpError> {
        let token = self
            .config
            .token
            .as_ref()
            .ok_or_else(|| HttpError::MissingToken {
                scopes: scopes.join(", "),
            })?;
        if url.scheme() == "http" && !is_loopback(url) {
            return Err(HttpError::InsecureUrl {
                host: url.host_str().unwrap_or_default().to_string(),
            });
        }
        let req = shared_http()
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, format!("Bearer {}", token.expose()))
            .header(ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", API_VERSION)
            .header(
                USER_AGENT,
                concat!("github-sql/", env!("CARGO_PKG_VERSION")),
            );
        tracing::debug!(method = %method, path = url.path(), query = url.query().unwrap_or(""), "GitHub request");
        self.sent.fetch_add(1, Ordering::Relaxed);
        let ans = block_on(async move {
            let resp = req.send().await?;
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.bytes().await?.to_vec();
            Ok::<_, reqwest::Error>(Answer {
                status,
                headers,
                body,
            })
        })
        .map_err(|e| HttpError::Transport {
            url: redact_url(url),
            detail: transport_detail(&e),
        })?;
        tracing::debug!(
            status = ans.status.as_u16(),
            path = url.path(),
            "GitHub answer"
        );
        if ans.status.is_success() {
            return Ok(ans);
        }
        Err(self.classify(&method, url, &ans, scopes))
    }

    fn classify(
        &self,
        method: &HttpMethod,
        url: &Url,
        ans: &Answer,
        scopes: &[String],
    ) -> HttpError {
        let message = serde_json::from_slice::<Value>(&ans.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(String::from))
            .unwrap_or_else(|| {
                ans.status
                    .canonical_reason()
                    .unwrap_or("no message")
                    .to_string()
            });
        let header = |k: &str| ans.headers.get(k).and_then(|v| v.to_str().ok());
        let path = url.path().to_string();
        match ans.status.as_u16() {
            401 => HttpError::Unauthorized { message },
            403 | 429 if header("x-ratelimit-remaining") == Some("0") => {
                let reset: u64 = header("x-ratelimit-reset")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                rate_limited(reset)
            }
            403 => HttpError::Forbidden {
                message,
                plural: if scopes.len() > 1 { "s" } else { "" },
                scopes: if scopes.is_empty() {
                    "required".to_string()
                } else {
                    scopes.join(" and ")
                },
            },
            404 => HttpError::NotFound { message, path },
            422 => HttpError::Unprocessable { message },
            s => HttpError::Status {
                status: s,
                method: method.to_string(),
                path,
                message,
            },
        }
    }
}

fn rate_limited(reset_epoch: u64) -> HttpError {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let s = reset_epoch % 86_400;
    HttpError::RateLimited {
        reset_utc: format!("{:02}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60),
        minutes: reset_epoch.saturating_sub(now).div_ceil(60),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// URLs in messages lose any userinfo (a token could be pasted there).
fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

fn transport_detail(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut msg = if e.is_timeout() {
        "timed out".to_string()
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
    msg
}

fn parse_json(url: &Url, body: &[u8]) -> Result<Value, HttpError> {
    serde_json::from_slice(body).map_err(|e| HttpError::BadJson {
        path: url.path().to_string(),
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
        assert_eq!(
            u.as_str(),
            "https://ghe.example.com/api/v3/user/packages/container/team%2Fapp/versions?per_page=100"
        );
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
