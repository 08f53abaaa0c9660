//! GitHub App authentication: an auth layer of the one request loop, not a second loop.
//!
//! An app id and its private key (PEM) are signed into a short-lived JWT (RS256: `iat` a minute
//! back against clock drift, `exp` nine minutes ahead, `iss` the app id), which is exchanged
//! for an installation access token (`POST /app/installations/{id}/access_tokens` → `ghs_…`,
//! valid an hour). The installation is the configured one, else the one installed on the owner
//! the request names (`GET /orgs/{org}/installation`, `/users/{username}/installation`,
//! `/repos/{owner}/{repo}/installation`), else the app's only installation
//! (`GET /app/installations`). Tokens are kept per installation and replaced
//! [`AppAuth::refresh_margin`] before they expire, so a long scan never sends an expired one;
//! a `401` on an installation token drops it and the request is sent once more with a fresh
//! one (the request loop does that), so a scan that crosses an expiry loses no row.
//!
//! Every secret — the key (whole and line by line), each JWT and each installation token — is
//! registered with [`super::redact`] the moment it exists, so no message or log line shows it.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::error::HttpError;
use super::token::Token;

/// Environment variable: the GitHub App's id (or client id).
pub const APP_ID_ENV: &str = "GITHUB_APP_ID";
/// Environment variable: the App's private key, the PEM text itself.
pub const APP_KEY_ENV: &str = "GITHUB_APP_PRIVATE_KEY";
/// Environment variable: a file holding the App's private key (PEM).
pub const APP_KEY_PATH_ENV: &str = "GITHUB_APP_PRIVATE_KEY_PATH";
/// Environment variable: the installation to use (else found per owner).
pub const APP_INSTALLATION_ENV: &str = "GITHUB_APP_INSTALLATION_ID";

/// How long before an installation token expires it is replaced (GitHub's last an hour).
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// Why App credentials cannot be used; nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// The private key is not an RSA key in PEM form.
    #[error("the GitHub App {app_id}'s private key ({source_name}) is not an RSA private key in PEM form ({detail}); use the .pem file GitHub generated for the App")]
    BadKey {
        /// The app id.
        app_id: String,
        /// Where the key came from (a variable or file name; never the key).
        source_name: String,
        /// What the parser said.
        detail: String,
    },
    /// The key file cannot be read.
    #[error("cannot read the GitHub App private key file {path}: {detail}")]
    KeyFile {
        /// The path.
        path: String,
        /// Why.
        detail: String,
    },
    /// An app id without a key, or a key without an id.
    #[error("{0}")]
    Incomplete(String),
    /// The installation id is not a number.
    #[error("{name} {value:?} is not an installation id (a number, as GitHub shows it in the installation's settings URL)")]
    BadInstallation {
        /// The variable or key.
        name: String,
        /// The value.
        value: String,
    },
}

/// A GitHub App's credentials and the tokens obtained with them (shared by every clone: one
/// exchange per installation and hour, whatever the number of clients and scans).
#[derive(Clone)]
pub struct AppAuth {
    inner: Arc<Inner>,
}

struct Inner {
    app_id: String,
    /// The PEM text, for `github-sql serve`'s user mappings ([`AppAuth::reveal_key`]).
    pem: String,
    key: jsonwebtoken::EncodingKey,
    installation: Option<u64>,
    refresh_margin: Duration,
    state: tokio::sync::Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The current JWT and when it expires (epoch seconds).
    jwt: Option<(String, u64)>,
    /// Installation by owner (lower-case login), as GitHub answered.
    by_owner: HashMap<String, u64>,
    /// The app's only installation, when no owner is named and none is configured.
    only: Option<u64>,
    /// Installation tokens and their expiry (epoch seconds).
    tokens: HashMap<u64, (Token, u64)>,
}

impl fmt::Debug for AppAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppAuth")
            .field("app_id", &self.inner.app_id)
            .field("installation", &self.inner.installation)
            .field("key", &"***")
            .finish()
    }
}

impl PartialEq for AppAuth {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// Registers a PEM key as secret: whole, its body without line breaks, and each body line.
fn register_key(pem: &str) {
    super::redact::register_secret(pem);
    let body: Vec<&str> = pem
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect();
    super::redact::register_secret(&body.concat());
    for line in body {
        // A base64 line is 64 characters: long enough never to be ordinary text.
        if line.len() >= 16 {
            super::redact::register_secret(line);
        }
    }
}

impl AppAuth {
    /// Credentials for App `app_id` with this PEM private key; `source_name` says where the
    /// key came from, for messages. `installation`: use this one always (else found per owner).
    pub fn new(
        app_id: &str,
        pem: &str,
        source_name: &str,
        installation: Option<u64>,
    ) -> Result<AppAuth, AppError> {
        register_key(pem);
        let app_id = app_id.trim().to_string();
        let key = jsonwebtoken::EncodingKey::from_rsa_pem(pem.trim().as_bytes()).map_err(|e| {
            AppError::BadKey {
                app_id: app_id.clone(),
                source_name: source_name.to_string(),
                detail: super::redact::redact(&e.to_string()),
            }
        })?;
        Ok(AppAuth {
            inner: Arc::new(Inner {
                app_id,
                pem: pem.trim().to_string(),
                key,
                installation,
                refresh_margin: DEFAULT_REFRESH_MARGIN,
                state: tokio::sync::Mutex::default(),
            }),
        })
    }

    /// Credentials whose key is read from `path`.
    pub fn from_key_file(
        app_id: &str,
        path: &std::path::Path,
        installation: Option<u64>,
    ) -> Result<AppAuth, AppError> {
        let pem = std::fs::read_to_string(path).map_err(|e| AppError::KeyFile {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
        AppAuth::new(app_id, &pem, &path.display().to_string(), installation)
    }

    /// The same credentials, replacing tokens this long before they expire (tests use short
    /// lifetimes). Tokens obtained so far are shared.
    pub fn with_refresh_margin(self, margin: Duration) -> AppAuth {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.refresh_margin = margin;
                AppAuth {
                    inner: Arc::new(inner),
                }
            }
            Err(inner) => AppAuth {
                inner: Arc::new(Inner {
                    app_id: inner.app_id.clone(),
                    pem: inner.pem.clone(),
                    key: inner.key.clone(),
                    installation: inner.installation,
                    refresh_margin: margin,
                    state: tokio::sync::Mutex::default(),
                }),
            },
        }
    }

    /// `GITHUB_APP_ID` with `GITHUB_APP_PRIVATE_KEY` (the PEM text) or
    /// `GITHUB_APP_PRIVATE_KEY_PATH`, and `GITHUB_APP_INSTALLATION_ID` when set; `None` when
    /// no App is configured.
    pub fn from_env() -> Option<Result<AppAuth, AppError>> {
        let var = |k: &str| {
            std::env::var(k)
                .ok()
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let id = var(APP_ID_ENV);
        let pem = std::env::var(APP_KEY_ENV)
            .ok()
            .filter(|v| !v.trim().is_empty());
        let path = var(APP_KEY_PATH_ENV);
        if id.is_none() && pem.is_none() && path.is_none() {
            return None;
        }
        Some((|| {
            let id = id.ok_or_else(|| {
                AppError::Incomplete(format!(
                    "{} is set but {APP_ID_ENV} is not: set it to the App's id (its settings page shows it)",
                    if pem.is_some() { APP_KEY_ENV } else { APP_KEY_PATH_ENV }
                ))
            })?;
            let installation = parse_installation(APP_INSTALLATION_ENV, var(APP_INSTALLATION_ENV))?;
            match (pem, path) {
                (Some(pem), _) => AppAuth::new(&id, &pem, APP_KEY_ENV, installation),
                (None, Some(path)) => {
                    AppAuth::from_key_file(&id, std::path::Path::new(&path), installation)
                }
                (None, None) => Err(AppError::Incomplete(format!(
                    "{APP_ID_ENV} is set but neither {APP_KEY_ENV} (the PEM text) nor {APP_KEY_PATH_ENV} (its file) is"
                ))),
            }
        })())
    }

    /// The App's id.
    pub fn app_id(&self) -> &str {
        &self.inner.app_id
    }

    /// The private key's PEM text, to hand to a store made for it (`github-sql serve` puts it
    /// in a Postgres user mapping FOR PUBLIC); never for printing.
    pub fn reveal_key(&self) -> &str {
        &self.inner.pem
    }

    /// The configured installation, if any.
    pub fn installation(&self) -> Option<u64> {
        self.inner.installation
    }

    /// How long before expiry tokens are replaced.
    pub fn refresh_margin(&self) -> Duration {
        self.inner.refresh_margin
    }

    /// A JWT for the App, valid for at least another minute (signed anew when needed).
    fn jwt(&self, state: &mut State) -> Result<String, HttpError> {
        let now = now_epoch();
        if let Some((jwt, exp)) = &state.jwt {
            if *exp > now + 60 {
                return Ok(jwt.clone());
            }
        }
        // GitHub: iat 60 s back against clock drift, exp at most 10 minutes ahead.
        let exp = now + 540;
        let iss = match self.inner.app_id.parse::<u64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::from(self.inner.app_id.clone()),
        };
        let claims = serde_json::json!({ "iat": now.saturating_sub(60), "exp": exp, "iss": iss });
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        let jwt = jsonwebtoken::encode(&header, &claims, &self.inner.key).map_err(|e| {
            HttpError::App {
                app_id: self.inner.app_id.clone(),
                step: "signing its JWT".into(),
                detail: super::redact::redact(&e.to_string()),
            }
        })?;
        super::redact::register_secret(&jwt);
        state.jwt = Some((jwt.clone(), exp));
        Ok(jwt)
    }

    /// Forgets `token`, the installation token of `installation` GitHub refused (expired or
    /// revoked), unless another request has replaced it already.
    pub(crate) async fn forget(&self, installation: u64, token: &Token) {
        let mut state = self.inner.state.lock().await;
        if state
            .tokens
            .get(&installation)
            .is_some_and(|(t, _)| t == token)
        {
            state.tokens.remove(&installation);
        }
    }

    /// The installation token to send to `url`, and its installation: the stored one while it
    /// has more than the refresh margin left, else a new one.
    pub(crate) async fn token_for(
        &self,
        client: &super::GitHubClient,
        url: &Url,
        stop: &super::Stop,
    ) -> Result<(Token, u64), HttpError> {
        // One exchange at a time: concurrent pages wait for the token the first one fetches.
        let mut state = self.inner.state.lock().await;
        let installation = match self.inner.installation {
            Some(i) => i,
            None => {
                self.find_installation(client, url, stop, &mut state)
                    .await?
            }
        };
        let now = now_epoch();
        let margin = self.inner.refresh_margin.as_secs();
        if let Some((token, exp)) = state.tokens.get(&installation) {
            if *exp > now + margin {
                return Ok((token.clone(), installation));
            }
        }
        let jwt = self.jwt(&mut state)?;
        let path = format!("/app/installations/{installation}/access_tokens");
        let body = self
            .app_call(
                client,
                "POST",
                &path,
                &jwt,
                stop,
                "getting an installation token",
            )
            .await?
            .ok_or_else(|| self.error("getting an installation token", "no answer".into()))?;
        let token = body.get("token").and_then(Value::as_str).ok_or_else(|| {
            self.error(
                "getting an installation token",
                "no token in the answer".into(),
            )
        })?;
        super::redact::register_secret(token);
        let exp = body
            .get("expires_at")
            .and_then(Value::as_str)
            .and_then(parse_rfc3339)
            // GitHub's tokens last an hour.
            .unwrap_or(now + 3600);
        tracing::debug!(
            app = %self.inner.app_id,
            installation,
            expires_in = exp.saturating_sub(now),
            "new installation token"
        );
        let token = Token::new(token);
        state.tokens.insert(installation, (token.clone(), exp));
        Ok((token, installation))
    }

    /// The installation for the owner `url` names, else the only one.
    async fn find_installation(
        &self,
        client: &super::GitHubClient,
        url: &Url,
        stop: &super::Stop,
        state: &mut State,
    ) -> Result<u64, HttpError> {
        let base_path = client
            .config()
            .base_url
            .parse::<Url>()
            .map(|u| u.path().trim_end_matches('/').to_string())
            .unwrap_or_default();
        let path = url.path().strip_prefix(&base_path).unwrap_or(url.path());
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let lookup = match parts.as_slice() {
            ["orgs", org, ..] => Some((
                org.to_ascii_lowercase(),
                format!("/orgs/{org}/installation"),
            )),
            ["users", user, ..] => Some((
                user.to_ascii_lowercase(),
                format!("/users/{user}/installation"),
            )),
            ["repos", owner, repo, ..] => Some((
                owner.to_ascii_lowercase(),
                format!("/repos/{owner}/{repo}/installation"),
            )),
            _ => None,
        };
        if let Some((owner, lookup)) = lookup {
            if let Some(i) = state.by_owner.get(&owner) {
                return Ok(*i);
            }
            let jwt = self.jwt(state)?;
            let body = self
                .app_call(
                    client,
                    "GET",
                    &lookup,
                    &jwt,
                    stop,
                    &format!("finding its installation on {owner}"),
                )
                .await?;
            let id = body
                .as_ref()
                .and_then(|b| b.get("id"))
                .and_then(Value::as_u64)
                .ok_or_else(|| {
                    self.error(
                        &format!("finding its installation on {owner}"),
                        "no id in the answer".into(),
                    )
                })?;
            state.by_owner.insert(owner, id);
            return Ok(id);
        }
        if let Some(i) = state.only {
            return Ok(i);
        }
        let jwt = self.jwt(state)?;
        let body = self
            .app_call(
                client,
                "GET",
                "/app/installations",
                &jwt,
                stop,
                "listing its installations",
            )
            .await?;
        let ids: Vec<u64> = body
            .as_ref()
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|i| i.get("id").and_then(Value::as_u64))
                    .collect()
            })
            .unwrap_or_default();
        match ids.as_slice() {
            [one] => {
                state.only = Some(*one);
                Ok(*one)
            }
            _ => Err(self.error(
                &format!("choosing an installation for {path}"),
                format!(
                    "the request names no organization or user and the App has {} installations; \
                     set installation_id (or {APP_INSTALLATION_ENV}) to the one to use",
                    ids.len()
                ),
            )),
        }
    }

    /// One call to GitHub's App endpoints with the JWT, through the client's request loop.
    async fn app_call(
        &self,
        client: &super::GitHubClient,
        method: &str,
        path: &str,
        jwt: &str,
        stop: &super::Stop,
        step: &str,
    ) -> Result<Option<Value>, HttpError> {
        let url = client.url_for(path, &[], &[])?;
        let req = client
            .request(method, &url)?
            .auth(super::Auth::Bearer(jwt.to_string()))
            .cache(super::CachePolicy::Bypass)
            .pass(super::Pass::All)
            .stop(stop);
        let ans = Box::pin(client.fetch(&req)).await?;
        let body: Option<Value> = serde_json::from_slice(&ans.body).ok();
        if ans.status >= 300 {
            let message = body
                .as_ref()
                .and_then(|b| b.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("no message");
            let hint = match ans.status {
                401 => "; check the App id and its private key (GitHub verifies the JWT against the App's public key), and this machine's clock",
                404 => "; is the App installed there? (an installation is per organization or user)",
                _ => "",
            };
            return Err(self.error(
                step,
                format!(
                    "{} {method} {path}: {}{hint}",
                    ans.status,
                    super::redact::redact(message)
                ),
            ));
        }
        Ok(body)
    }

    fn error(&self, step: &str, detail: String) -> HttpError {
        HttpError::App {
            app_id: self.inner.app_id.clone(),
            step: step.to_string(),
            detail,
        }
    }
}

/// An installation id from a variable or config key (`None` when unset).
pub fn parse_installation(name: &str, value: Option<String>) -> Result<Option<u64>, AppError> {
    match value {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| AppError::BadInstallation {
                name: name.to_string(),
                value: v,
            }),
    }
}

fn now_epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `2016-07-11T22:14:10Z` (GitHub's `expires_at`) as epoch seconds.
pub fn parse_rfc3339(s: &str) -> Option<u64> {
    let s = s.trim();
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.trim_end_matches('Z');
    let (time, offset) = match time.find(['+', '-']) {
        Some(i) => (&time[..i], Some(&time[i..])),
        None => (time, None),
    };
    let mut t = time.split(':');
    let (hh, mm) = (
        t.next()?.parse::<i64>().ok()?,
        t.next()?.parse::<i64>().ok()?,
    );
    let ss = t.next()?.split('.').next()?.parse::<i64>().ok()?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let mut secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    if let Some(o) = offset {
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let mut p = o[1..].split(':');
        let oh = p.next()?.parse::<i64>().ok()?;
        let om = p.next().and_then(|x| x.parse::<i64>().ok()).unwrap_or(0);
        secs -= sign * (oh * 3600 + om * 60);
    }
    u64::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_read_as_epoch_seconds() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2016-07-11T22:14:10Z"), Some(1_468_275_250));
        assert_eq!(
            parse_rfc3339("2016-07-11T23:14:10+01:00"),
            Some(1_468_275_250)
        );
        assert_eq!(parse_rfc3339("2024-02-29T12:00:00.5Z"), Some(1_709_208_000));
        assert_eq!(parse_rfc3339("garbage"), None);
    }

    #[test]
    fn a_bad_key_is_named_without_its_text() {
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nnot-base64-at-all-but-secret-ish-text\n-----END RSA PRIVATE KEY-----\n";
        let e = AppAuth::new("42", pem, "GITHUB_APP_PRIVATE_KEY", None).expect_err("bad key");
        let m = e.to_string();
        assert!(
            m.contains("GITHUB_APP_PRIVATE_KEY") && m.contains("42"),
            "{m}"
        );
        assert!(!m.contains("not-base64-at-all"), "{m}");
        assert_eq!(
            super::super::redact::redact("x not-base64-at-all-but-secret-ish-text y"),
            "x *** y"
        );
    }
}
