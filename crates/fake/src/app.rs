//! The fake plays a GitHub App: it verifies the App's JWT (RS256) against the App's public key,
//! answers `GET /orgs/{org}/installation`, `GET /users/{username}/installation`,
//! `GET /repos/{owner}/{repo}/installation` and `GET /app/installations`, issues installation
//! tokens (`POST /app/installations/{id}/access_tokens` → `ghs_…` with `expires_at`) that
//! expire, and checks each request made with one: an unknown or expired token is a
//! `401 Bad credentials`, an owner outside the installation or a permission it lacks is
//! `403 Resource not accessible by integration` with `X-Accepted-GitHub-Permissions`, as
//! GitHub answers. Bodies follow GitHub's REST description examples.
//!
//! [`TestKey::generate`] makes an RSA key pair at test time: no key is committed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::store::{now_epoch, rfc3339};

const DOC_APPS: &str = "https://docs.github.com/rest/apps/apps";
/// GitHub's answer to an installation token outside what the installation may do.
pub const NOT_ACCESSIBLE: &str = "Resource not accessible by integration";
/// GitHub's answer to a JWT it cannot verify.
pub const JWT_UNDECODABLE: &str = "A JSON web token could not be decoded";
/// GitHub's answer to an expired JWT.
pub const JWT_EXPIRED: &str = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
/// GitHub's answer to a JWT valid for more than ten minutes.
pub const JWT_TOO_LONG: &str = "'Expiration time' claim ('exp') is too far in the future";

/// An RSA key pair made for a test (never a real App's key): PKCS#8 private key and SPKI
/// public key, both PEM.
#[derive(Clone)]
pub struct TestKey {
    /// `-----BEGIN PRIVATE KEY-----` …
    pub private_pem: String,
    /// `-----BEGIN PUBLIC KEY-----` …
    pub public_pem: String,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TestKey(***)")
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

impl TestKey {
    /// A fresh 2048-bit RSA key pair (test use only).
    pub fn generate() -> TestKey {
        use aws_lc_rs::encoding::AsDer;
        use aws_lc_rs::signature::KeyPair as _;
        let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .unwrap_or_else(|e| panic!("cannot generate a test RSA key: {e}"));
        let private = pair
            .as_der()
            .unwrap_or_else(|e| panic!("cannot encode the test key: {e}"));
        let public = pair
            .public_key()
            .as_der()
            .unwrap_or_else(|e| panic!("cannot encode the test public key: {e}"));
        TestKey {
            private_pem: pem("PRIVATE KEY", private.as_ref()),
            public_pem: pem("PUBLIC KEY", public.as_ref()),
        }
    }
}

/// One installation of the fake App.
#[derive(Clone, Debug)]
pub struct FakeInstallation {
    /// Its id.
    pub id: u64,
    /// The account it is installed on (an organization or a user login).
    pub account: String,
    /// `Organization` or `User`.
    pub target_type: String,
    /// Its permissions (`packages` → `read` or `write`).
    pub permissions: Vec<(String, String)>,
}

impl FakeInstallation {
    /// An installation on organization `org` with these permissions.
    pub fn org(id: u64, org: &str, permissions: &[(&str, &str)]) -> FakeInstallation {
        FakeInstallation {
            id,
            account: org.to_string(),
            target_type: "Organization".into(),
            permissions: permissions
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// An installation on user `login`.
    pub fn user(id: u64, login: &str, permissions: &[(&str, &str)]) -> FakeInstallation {
        FakeInstallation {
            target_type: "User".into(),
            ..FakeInstallation::org(id, login, permissions)
        }
    }

    fn permission(&self, name: &str) -> Option<&str> {
        self.permissions
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self, base: &str, app_id: u64) -> Value {
        let permissions: serde_json::Map<String, Value> = self
            .permissions
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        json!({
            "id": self.id,
            "account": {
                "login": self.account,
                "id": 1000 + self.id,
                "type": self.target_type,
                "site_admin": false,
            },
            "access_tokens_url": format!("{base}/app/installations/{}/access_tokens", self.id),
            "repositories_url": format!("{base}/installation/repositories"),
            "html_url": format!("https://github.com/organizations/{}/settings/installations/{}", self.account, self.id),
            "app_id": app_id,
            "target_id": 1000 + self.id,
            "target_type": self.target_type,
            "permissions": permissions,
            "events": ["push", "pull_request"],
            "repository_selection": "all",
            "created_at": "2017-07-08T16:18:44-04:00",
            "updated_at": "2017-07-08T16:18:44-04:00",
            "app_slug": "github-sql-test",
            "suspended_at": null,
            "suspended_by": null,
        })
    }
}

/// The App the fake plays.
#[derive(Clone, Debug)]
pub struct FakeApp {
    /// The App's id (the JWT's `iss`).
    pub app_id: u64,
    /// The App's public key (PEM): JWTs are verified against it.
    pub public_pem: String,
    /// Its installations.
    pub installations: Vec<FakeInstallation>,
    /// How long an installation token lives (GitHub: an hour).
    pub token_ttl: Duration,
}

/// The App's live state in the server.
pub(super) struct AppState {
    pub(super) app: FakeApp,
    /// Issued tokens: installation and expiry (epoch seconds).
    tokens: HashMap<String, (u64, i64)>,
    seq: AtomicU64,
}

impl AppState {
    pub(super) fn new(app: FakeApp) -> AppState {
        AppState {
            app,
            tokens: HashMap::new(),
            seq: AtomicU64::new(0),
        }
    }

    /// Tokens issued so far.
    pub(super) fn issued(&self) -> usize {
        self.tokens.len()
    }

    /// Makes every token issued so far expired.
    pub(super) fn expire_all(&mut self) {
        for (_, exp) in self.tokens.values_mut() {
            *exp = now_epoch() - 1;
        }
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json; charset=utf-8")],
        json!({
            "message": message,
            "documentation_url": DOC_APPS,
            "status": status.as_u16().to_string(),
        })
        .to_string(),
    )
        .into_response()
}

fn bearer(auth: Option<&str>) -> Option<&str> {
    let (scheme, token) = auth?.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        .then_some(token.trim())
}

/// Verifies the App's JWT as GitHub does: RS256 over the App's public key, `iss` the App's id,
/// `exp` in the future and at most ten minutes after `iat`.
fn verify_jwt(app: &FakeApp, auth: Option<&str>) -> Result<(), Box<Response>> {
    let Some(jwt) = bearer(auth) else {
        return Err(Box::new(error(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
        )));
    };
    let undecodable = || Box::new(error(StatusCode::UNAUTHORIZED, JWT_UNDECODABLE));
    let key = jsonwebtoken::DecodingKey::from_rsa_pem(app.public_pem.as_bytes())
        .map_err(|_| undecodable())?;
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.leeway = 0;
    v.validate_exp = false;
    v.required_spec_claims.clear();
    let data = jsonwebtoken::decode::<Value>(jwt, &key, &v).map_err(|_| undecodable())?;
    let c = data.claims;
    let num = |k: &str| c.get(k).and_then(Value::as_i64);
    let iss_ok = match c.get("iss") {
        Some(Value::Number(n)) => n.as_u64() == Some(app.app_id),
        Some(Value::String(s)) => s == &app.app_id.to_string(),
        _ => false,
    };
    if !iss_ok {
        return Err(undecodable());
    }
    let (Some(iat), Some(exp)) = (num("iat"), num("exp")) else {
        return Err(Box::new(error(StatusCode::UNAUTHORIZED, JWT_EXPIRED)));
    };
    if exp <= now_epoch() {
        return Err(Box::new(error(StatusCode::UNAUTHORIZED, JWT_EXPIRED)));
    }
    if exp - iat > 660 {
        return Err(Box::new(error(StatusCode::UNAUTHORIZED, JWT_TOO_LONG)));
    }
    Ok(())
}

/// Answers the App's own endpoints (`/app/…`, `…/installation`), or `None` for other paths.
pub(super) fn route(
    state: &mut AppState,
    base: &str,
    method: &str,
    path: &str,
    auth: Option<&str>,
) -> Option<Response> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let lookup = |pred: &dyn Fn(&FakeInstallation) -> bool| -> Response {
        match state.app.installations.iter().find(|i| pred(i)) {
            Some(i) => (
                StatusCode::OK,
                [("content-type", "application/json; charset=utf-8")],
                i.json(base, state.app.app_id).to_string(),
            )
                .into_response(),
            None => error(StatusCode::NOT_FOUND, "Not Found"),
        }
    };
    let is = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let answer = match (method, parts.as_slice()) {
        ("GET", ["orgs", org, "installation"]) => {
            if let Err(r) = verify_jwt(&state.app, auth) {
                return Some(*r);
            }
            lookup(&|i| i.target_type == "Organization" && is(&i.account, org))
        }
        ("GET", ["users", user, "installation"]) => {
            if let Err(r) = verify_jwt(&state.app, auth) {
                return Some(*r);
            }
            lookup(&|i| i.target_type == "User" && is(&i.account, user))
        }
        ("GET", ["repos", owner, _, "installation"]) => {
            if let Err(r) = verify_jwt(&state.app, auth) {
                return Some(*r);
            }
            lookup(&|i| is(&i.account, owner))
        }
        ("GET", ["app", "installations"]) => {
            if let Err(r) = verify_jwt(&state.app, auth) {
                return Some(*r);
            }
            let all: Vec<Value> = state
                .app
                .installations
                .iter()
                .map(|i| i.json(base, state.app.app_id))
                .collect();
            (
                StatusCode::OK,
                [("content-type", "application/json; charset=utf-8")],
                Value::Array(all).to_string(),
            )
                .into_response()
        }
        ("POST", ["app", "installations", id, "access_tokens"]) => {
            if let Err(r) = verify_jwt(&state.app, auth) {
                return Some(*r);
            }
            let Some(inst) = id
                .parse::<u64>()
                .ok()
                .and_then(|id| state.app.installations.iter().find(|i| i.id == id))
                .cloned()
            else {
                return Some(error(StatusCode::NOT_FOUND, "Not Found"));
            };
            let n = state.seq.fetch_add(1, Ordering::SeqCst) + 1;
            let token = format!("ghs_fake{:04}{:012}x{:x}", inst.id % 10_000, n, now_epoch());
            let exp = now_epoch() + state.app.token_ttl.as_secs().max(1) as i64;
            state.tokens.insert(token.clone(), (inst.id, exp));
            let permissions: serde_json::Map<String, Value> = inst
                .permissions
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.clone())))
                .collect();
            (
                StatusCode::CREATED,
                [("content-type", "application/json; charset=utf-8")],
                json!({
                    "token": token,
                    "expires_at": rfc3339(exp),
                    "permissions": permissions,
                    "repository_selection": "all",
                })
                .to_string(),
            )
                .into_response()
        }
        _ => return None,
    };
    Some(answer)
}

/// Checks a request made with an installation token (`ghs_…`): `Err` is GitHub's answer.
pub(super) fn check_token(
    state: &AppState,
    method: &str,
    path: &str,
    auth: Option<&str>,
) -> Result<(), Box<Response>> {
    let Some(token) = bearer(auth).filter(|t| t.starts_with("ghs_")) else {
        return Ok(());
    };
    let bad = || Box::new(error(StatusCode::UNAUTHORIZED, "Bad credentials"));
    let Some((installation, exp)) = state.tokens.get(token) else {
        return Err(bad());
    };
    if *exp <= now_epoch() {
        return Err(bad());
    }
    let Some(inst) = state
        .app
        .installations
        .iter()
        .find(|i| i.id == *installation)
    else {
        return Err(bad());
    };
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let owner = match parts.as_slice() {
        ["orgs" | "users" | "repos", owner, ..] => Some(*owner),
        // An installation is not a user: /user/… is not for it.
        ["user", ..] => {
            return Err(Box::new(error(StatusCode::FORBIDDEN, NOT_ACCESSIBLE)));
        }
        _ => None,
    };
    let wanted = if method == "GET" || method == "HEAD" {
        "read"
    } else {
        "write"
    };
    let forbidden = |permission: &str| {
        let mut r = error(StatusCode::FORBIDDEN, NOT_ACCESSIBLE);
        if let Ok(v) = axum::http::HeaderValue::from_str(permission) {
            r.headers_mut().insert("x-accepted-github-permissions", v);
        }
        Box::new(r)
    };
    if owner.is_some_and(|o| !o.eq_ignore_ascii_case(&inst.account)) {
        return Err(forbidden(&format!("packages={wanted}")));
    }
    if parts.contains(&"packages") {
        let has = inst.permission("packages");
        let ok = match wanted {
            "read" => matches!(has, Some("read" | "write")),
            _ => has == Some("write"),
        };
        if !ok {
            return Err(forbidden(&format!("packages={wanted}")));
        }
    }
    Ok(())
}
