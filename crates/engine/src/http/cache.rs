//! The cache of GET answers, process-wide and bounded by size (least recently used out first).
//!
//! Two kinds of entry, one store:
//! - **Revalidated** answers keep their `ETag`: the next GET of the same key sends it as
//!   `If-None-Match`, and a `304 Not Modified` (no body, no rate-limit cost) serves the stored
//!   body.
//! - **Immutable** answers (content-addressed: a manifest by digest) have no validator and are
//!   served without a request; the caller stores them only after checking their content.
//!
//! A key is the URL, the `Accept` header and the identity of the token (a hash, never the token):
//! one token's answers never answer another's request.
//!
//! A write through github-sql invalidates what it can have changed, for every identity: the
//! entries at and below the written item's parent (the package, for a version), and every
//! collection above it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use url::Url;

/// Largest total size of cached bodies.
pub const MAX_BYTES: usize = 64 << 20;

/// What an entry is looked up by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    /// Who asked: a hash of the token and the API it was sent to ([`identity`]).
    pub identity: Arc<str>,
    /// The `Accept` header sent.
    pub accept: String,
    /// The URL, with `%3A` read as `:` (`sha256%3A…` and `sha256:…` name the same manifest).
    pub url: String,
}

impl Key {
    /// The key of a request.
    pub fn new(identity: &Arc<str>, accept: &str, url: &Url) -> Key {
        Key {
            identity: Arc::clone(identity),
            accept: accept.to_string(),
            url: url.as_str().replace("%3A", ":").replace("%3a", ":"),
        }
    }
}

/// The identity entries are kept under for a token sent to `base_url`: a SHA-256 over both,
/// domain-separated, never the token itself. No token: `anonymous`.
pub fn identity(base_url: &str, token: Option<&str>) -> Arc<str> {
    match token {
        None => Arc::from("anonymous"),
        Some(t) => {
            let mut material = b"github-sql cache identity v1\0".to_vec();
            material.extend_from_slice(base_url.as_bytes());
            material.push(0);
            material.extend_from_slice(t.as_bytes());
            let digest = crate::rows::sha256_digest(&material);
            Arc::from(
                digest
                    .trim_start_matches("sha256:")
                    .get(..32)
                    .unwrap_or("x"),
            )
        }
    }
}

/// A cached answer.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The `ETag` to send back as `If-None-Match`; `None` for an immutable entry.
    pub etag: Option<String>,
    /// The body.
    pub body: Arc<[u8]>,
    /// The `Link` header that came with it.
    pub link: Option<String>,
    /// The response headers the request kept.
    pub headers: Vec<(String, String)>,
}

impl Entry {
    fn size(&self) -> usize {
        self.body.len()
            + self.link.as_ref().map_or(0, String::len)
            + self
                .headers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }
}

#[derive(Default)]
struct Lru {
    map: HashMap<Key, (Entry, u64)>,
    bytes: usize,
    tick: u64,
}

impl Lru {
    fn get(&mut self, key: &Key) -> Option<Entry> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(key).map(|(e, used)| {
            *used = tick;
            e.clone()
        })
    }

    fn put(&mut self, key: Key, entry: Entry) {
        if entry.size() > MAX_BYTES / 4 {
            return;
        }
        self.tick += 1;
        let size = entry.size();
        if let Some((old, _)) = self.map.insert(key, (entry, self.tick)) {
            self.bytes -= old.size();
        }
        self.bytes += size;
        while self.bytes > MAX_BYTES {
            let Some(oldest) = self
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.remove(&oldest);
        }
    }

    fn remove(&mut self, key: &Key) {
        if let Some((e, _)) = self.map.remove(key) {
            self.bytes -= e.size();
        }
    }

    fn invalidate_for_write(&mut self, url: &Url) {
        let stale: Vec<Key> = self
            .map
            .keys()
            .filter(|k| changed_by_write(url, &k.url))
            .cloned()
            .collect();
        for k in stale {
            self.remove(&k);
        }
    }
}

/// Whether a write to `write` can change the answer cached for `cached` (a URL): the written
/// item and everything below its parent (`/…/{name}/versions/{id}` → `/…/{name}`), and the
/// collections above it, on the same origin.
pub(crate) fn changed_by_write(write: &Url, cached: &str) -> bool {
    let Ok(u) = Url::parse(cached) else {
        return true;
    };
    if u.origin() != write.origin() {
        return false;
    }
    let segments: Vec<&str> = write.path().trim_end_matches('/').split('/').collect();
    let keep = segments.len().saturating_sub(2).max(1);
    let scope = segments[..keep].join("/");
    let p = u.path().trim_end_matches('/');
    let below = p == scope || p.starts_with(&format!("{scope}/"));
    // Collections above the item list it.
    let above = write.path().starts_with(&format!("{p}/"));
    below || above
}

static CACHE: Mutex<Option<Lru>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Lru) -> R) -> R {
    let mut g = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(Lru::default))
}

/// The entry for a key, if cached.
pub fn get(key: &Key) -> Option<Entry> {
    with(|c| c.get(key))
}

/// Stores an answer, evicting the least recently used entries beyond [`MAX_BYTES`].
pub fn put(key: Key, entry: Entry) {
    with(|c| c.put(key, entry));
}

/// Stores a content-addressed answer after its content was checked (it is then served without
/// a request; see [`CachePolicy::Immutable`](super::request::CachePolicy::Immutable)).
pub fn store_immutable(key: Key, body: Arc<[u8]>, headers: Vec<(String, String)>) {
    put(
        key,
        Entry {
            etag: None,
            body,
            link: None,
            headers,
        },
    );
}

/// Immutable entries held (content-addressed manifests), for tests and logs.
pub fn immutable_entries() -> usize {
    with(|c| c.map.values().filter(|(e, _)| e.etag.is_none()).count())
}

/// Forgets what a write to `url` may have changed.
pub fn invalidate_for_write(url: &Url) {
    with(|c| c.invalidate_for_write(url));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> Entry {
        Entry {
            etag: Some("\"x\"".into()),
            body: vec![b'x'; n].into(),
            link: None,
            headers: Vec::new(),
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    fn key(s: &str) -> Key {
        Key::new(&Arc::from("me"), "application/json", &url(s))
    }

    #[test]
    fn writes_invalidate_the_package_and_collections_above_it() {
        let base = "http://cache-test.invalid:1";
        let keys = [
            "/user/packages/npm/a/versions?per_page=100",
            "/user/packages/npm/a/versions/5",
            "/user/packages/npm/a",
            "/user/packages?package_type=npm",
            "/user/packages/npm/b/versions?per_page=100",
        ];
        let mut c = Lru::default();
        for k in keys {
            c.put(key(&format!("{base}{k}")), entry(10));
        }
        c.put(
            key("http://other.invalid:1/user/packages/npm/a/versions"),
            entry(10),
        );
        c.invalidate_for_write(&url(&format!("{base}/user/packages/npm/a/versions/5")));
        let cached: Vec<bool> = keys
            .iter()
            .map(|k| c.get(&key(&format!("{base}{k}"))).is_some())
            .collect();
        assert_eq!(cached, vec![false, false, false, false, true]);
        assert!(
            c.get(&key("http://other.invalid:1/user/packages/npm/a/versions"))
                .is_some(),
            "another host is untouched"
        );
        assert_eq!(c.bytes, 20);
    }

    #[test]
    fn size_is_bounded() {
        let base = "http://cache-bound.invalid:1/x/";
        let mut c = Lru::default();
        for i in 0..80 {
            c.put(key(&format!("{base}{i}")), entry(MAX_BYTES / 20));
        }
        assert!(c.bytes <= MAX_BYTES, "{}", c.bytes);
        assert!(
            c.get(&key(&format!("{base}79"))).is_some(),
            "the newest stays"
        );
        assert!(
            c.get(&key(&format!("{base}0"))).is_none(),
            "the oldest went"
        );
    }

    #[test]
    fn keys_differ_by_identity_and_accept_and_identities_hide_the_token() {
        let u = url("https://api.github.com/user/packages");
        let a = identity("https://api.github.com", Some("ghp_a"));
        let b = identity("https://api.github.com", Some("ghp_b"));
        assert_ne!(a, b);
        assert!(!a.contains("ghp_a"));
        assert_ne!(
            identity("https://ghe.example.com/api/v3", Some("ghp_a")),
            a,
            "the same token on another server is another identity"
        );
        let mut c = Lru::default();
        c.put(Key::new(&a, "application/json", &u), entry(1));
        assert!(c.get(&Key::new(&b, "application/json", &u)).is_none());
        assert!(c.get(&Key::new(&a, "text/plain", &u)).is_none());
        assert!(c.get(&Key::new(&a, "application/json", &u)).is_some());
        let colon = url("https://ghcr.io/v2/o/i/manifests/sha256:ab");
        let encoded = url("https://ghcr.io/v2/o/i/manifests/sha256%3Aab");
        assert_eq!(Key::new(&a, "", &colon), Key::new(&a, "", &encoded));
    }
}
