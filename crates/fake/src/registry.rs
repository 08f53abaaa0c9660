//! The fake container registry: the OCI distribution reads (`GET /v2/<owner>/<image>/manifests/
//! <reference>`, `GET /v2/<owner>/<image>/tags/list`) and ghcr.io's token handshake, served from
//! the same store as the Packages API.
//!
//! A manifest is served while an active version of the container package `<image>` of `<owner>`
//! has its digest as `name` (tags come from the versions' `metadata.container.tags`), so a
//! version deleted through the Packages API is gone from the registry too, as on GitHub.
//!
//! Requests without a bearer token the fake issued for that repository get `401` with
//! `WWW-Authenticate: Bearer realm="<base>/token",service="fake-registry",scope="repository:<owner>/<image>:pull"`.
//! `GET /token?service=…&scope=…` with HTTP Basic auth (the GitHub token as the password, judged
//! by the [`TokenPolicy`](crate::TokenPolicy), which must grant `read:packages`) answers
//! `{"token": …}`.
//!
//! Builders for manifests ([`image`], [`index`], [`Entry`]) make the sample data.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};

use super::server::{lock, Shared};
use super::store::Manifest;
use super::TokenPolicy;

/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The `service` of the fake's challenge.
pub const SERVICE: &str = "fake-registry";

/// One entry of an index.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The manifest it points at (its digest is computed from it).
    pub digest: String,
    /// Media type of that manifest.
    pub media_type: String,
    /// Its size in bytes.
    pub size: usize,
    /// `(os, architecture, variant)`.
    pub platform: (String, String, Option<String>),
    /// Annotations.
    pub annotations: Vec<(String, String)>,
}

impl Entry {
    /// An entry for `m` on a platform.
    pub fn of(m: &Manifest, os: &str, arch: &str, variant: Option<&str>) -> Entry {
        Entry {
            digest: m.digest(),
            media_type: m.media_type.clone(),
            size: m.body.len(),
            platform: (os.into(), arch.into(), variant.map(String::from)),
            annotations: Vec::new(),
        }
    }

    /// A buildx attestation entry (platform `unknown/unknown`) describing `of_digest`.
    pub fn attestation(m: &Manifest, of_digest: &str) -> Entry {
        let mut e = Entry::of(m, "unknown", "unknown", None);
        e.annotations = vec![
            ("vnd.docker.reference.digest".into(), of_digest.to_string()),
            (
                "vnd.docker.reference.type".into(),
                "attestation-manifest".into(),
            ),
        ];
        e
    }

    /// An entry pointing at a digest whose manifest does not exist (ghost and partial images).
    pub fn missing(seed: &str, os: &str, arch: &str) -> Entry {
        let m = image(seed, None, None);
        Entry::of(&m, os, arch, None)
    }
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

/// A blob descriptor whose digest is derived from `seed` (the fake serves no blobs).
fn blob(media_type: &str, seed: &str, size: u64) -> Value {
    json!({"mediaType": media_type, "digest": super::store::digest(seed), "size": size})
}

/// An OCI image manifest. `artifact_type` makes it an artifact (a signature); `subject` (a
/// manifest) makes it an OCI 1.1 referrer of that manifest.
pub fn image(seed: &str, artifact_type: Option<&str>, subject: Option<&Manifest>) -> Manifest {
    let mut v = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": blob("application/vnd.oci.image.config.v1+json", &format!("{seed}#config"), 1469),
        "layers": [blob("application/vnd.oci.image.layer.v1.tar+gzip", &format!("{seed}#layer"), 3_208_942)],
    });
    if let Some(a) = artifact_type {
        v["artifactType"] = json!(a);
        v["config"] = json!({
            "mediaType": "application/vnd.oci.empty.v1+json",
            "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            "size": 2
        });
        v["layers"] = json!([blob(a, &format!("{seed}#payload"), 254)]);
    }
    if let Some(s) = subject {
        v["subject"] =
            json!({"mediaType": s.media_type, "digest": s.digest(), "size": s.body.len()});
    }
    Manifest {
        media_type: OCI_MANIFEST.into(),
        body: bytes(&v),
    }
}

/// A buildx attestation manifest (in-toto provenance) for a platform manifest.
pub fn attestation(seed: &str) -> Manifest {
    let v = json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": blob("application/vnd.oci.image.config.v1+json", &format!("{seed}#config"), 167),
        "layers": [{
            "mediaType": "application/vnd.in-toto+json",
            "digest": super::store::digest(&format!("{seed}#provenance")),
            "size": 1633,
            "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}
        }],
    });
    Manifest {
        media_type: OCI_MANIFEST.into(),
        body: bytes(&v),
    }
}

/// An OCI image index over `entries`.
pub fn index(entries: &[Entry]) -> Manifest {
    let manifests: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut p = json!({"os": e.platform.0, "architecture": e.platform.1});
            if let Some(v) = &e.platform.2 {
                p["variant"] = json!(v);
            }
            let mut d = json!({
                "mediaType": e.media_type, "digest": e.digest, "size": e.size, "platform": p
            });
            if !e.annotations.is_empty() {
                d["annotations"] = Value::Object(
                    e.annotations
                        .iter()
                        .map(|(k, v)| (k.clone(), json!(v)))
                        .collect(),
                );
            }
            d
        })
        .collect();
    let v = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests});
    Manifest {
        media_type: OCI_INDEX.into(),
        body: bytes(&v),
    }
}

pub(super) fn routes(app: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    app.route("/token", get(token))
        .route("/v2/", get(v2_root))
        .route("/v2/{*rest}", get(v2))
}

fn oci_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"errors": [{"code": code, "message": message}]});
    let mut r = (status, body.to_string()).into_response();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn challenge(s: &Shared, repository: &str) -> Response {
    let mut r = oci_error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "authentication required",
    );
    let v = format!(
        "Bearer realm=\"{}/token\",service=\"{SERVICE}\",scope=\"repository:{repository}:pull\"",
        s.base_url
    );
    if let Ok(v) = HeaderValue::from_str(&v) {
        r.headers_mut().insert(WWW_AUTHENTICATE, v);
    }
    r
}

/// `GET /token`: HTTP Basic with the GitHub token as password → a bearer token for the scope.
async fn token(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let query = req.uri().query().unwrap_or_default().to_string();
    let scope = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "scope")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let Some(repository) = scope
        .strip_prefix("repository:")
        .and_then(|r| r.strip_suffix(":pull"))
        .map(str::to_string)
    else {
        return oci_error(
            StatusCode::BAD_REQUEST,
            "DENIED",
            "scope must be repository:<name>:pull",
        );
    };
    let password = basic_password(req.headers());
    let Some(password) = password.filter(|p| !p.is_empty()) else {
        return oci_error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "authentication required",
        );
    };
    let allowed = match &*lock(&s.policy) {
        TokenPolicy::AnyToken => true,
        TokenPolicy::Tokens(map) => map.get(&password).is_some_and(|sc| {
            sc.iter()
                .any(|x| x == "read:packages" || x == "write:packages")
        }),
    };
    if !allowed {
        return oci_error(
            StatusCode::FORBIDDEN,
            "DENIED",
            "requested access to the resource is denied",
        );
    }
    let mut tokens = lock(&s.registry_tokens);
    let issued = format!("fake-registry-token-{}", tokens.len() + 1);
    tokens.insert(issued.clone(), repository);
    let body = json!({"token": issued});
    (StatusCode::OK, body.to_string()).into_response()
}

fn basic_password(h: &HeaderMap) -> Option<String> {
    let v = h.get("authorization")?.to_str().ok()?;
    let (scheme, b64) = v.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    text.split_once(':').map(|(_, p)| p.to_string())
}

fn bearer_ok(s: &Shared, h: &HeaderMap, repository: &str) -> bool {
    let Some(t) = h
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("Bearer "))
    else {
        return false;
    };
    lock(&s.registry_tokens)
        .get(t.trim())
        .is_some_and(|r| r == repository)
}

async fn v2_root() -> Response {
    (StatusCode::OK, "{}").into_response()
}

async fn v2(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let path = percent_encoding::percent_decode_str(req.uri().path())
        .decode_utf8_lossy()
        .into_owned();
    let rest = path.trim_start_matches("/v2/");
    let (repository, what) = if let Some((r, reference)) = rest.rsplit_once("/manifests/") {
        (r.to_string(), Some(reference.to_string()))
    } else if let Some(r) = rest.strip_suffix("/tags/list") {
        (r.to_string(), None)
    } else {
        return oci_error(StatusCode::NOT_FOUND, "NAME_UNKNOWN", "unknown route");
    };
    if !bearer_ok(&s, req.headers(), &repository) {
        return challenge(&s, &repository);
    }
    let Some((owner, image)) = repository.split_once('/') else {
        return oci_error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "repository name not known to registry",
        );
    };
    let store = lock(&s.store);
    let Some(pkg) = store
        .package_of(owner, "container", image)
        .filter(|p| p.deleted_at.is_none())
    else {
        return oci_error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "repository name not known to registry",
        );
    };
    let active = || pkg.versions.iter().filter(|v| v.deleted_at.is_none());
    let Some(reference) = what else {
        let mut tags: Vec<String> = active().flat_map(|v| v.tags.clone()).collect();
        tags.sort();
        let body = json!({"name": repository, "tags": tags});
        return (StatusCode::OK, body.to_string()).into_response();
    };
    let version = if reference.contains(':') {
        active().find(|v| v.name == reference)
    } else {
        active().find(|v| v.tags.contains(&reference))
    };
    let Some(m) = version.and_then(|v| pkg.manifests.get(&v.name)) else {
        return oci_error(
            StatusCode::NOT_FOUND,
            "MANIFEST_UNKNOWN",
            "manifest unknown",
        );
    };
    let mut r = Response::new(Body::from(m.body.clone()));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&m.media_type) {
        h.insert(CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&m.digest()) {
        h.insert("docker-content-digest", v);
    }
    r
}
