//! Conditional requests: the ETag and body of every GET, process-wide and bounded by size, so an
//! unchanged page answers `304 Not Modified` (no body, no rate-limit cost).
//!
//! A write through github-sql invalidates what it can have changed: the entries at and below the
//! written item's parent (the package, for a version), and every collection above it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use url::Url;

/// Largest total size of cached bodies.
pub const MAX_BYTES: usize = 64 << 20;

/// A cached answer.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The `ETag` to send back as `If-None-Match`.
    pub etag: String,
    /// The body.
    pub body: Arc<[u8]>,
    /// The `Link` header that came with it.
    pub link: Option<String>,
}

#[derive(Default)]
struct Lru {
    map: HashMap<String, (Entry, u64)>,
    bytes: usize,
    tick: u64,
}

impl Lru {
    fn get(&mut self, url: &Url) -> Option<Entry> {
        self.tick += 1;
        let tick = self.tick;
        self.map.get_mut(url.as_str()).map(|(e, used)| {
            *used = tick;
            e.clone()
        })
    }

    fn put(&mut self, url: &Url, entry: Entry) {
        if entry.body.len() > MAX_BYTES / 4 {
            return;
        }
        self.tick += 1;
        let size = entry.body.len();
        if let Some((old, _)) = self
            .map
            .insert(url.as_str().to_string(), (entry, self.tick))
        {
            self.bytes -= old.body.len();
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

    fn remove(&mut self, key: &str) {
        if let Some((e, _)) = self.map.remove(key) {
            self.bytes -= e.body.len();
        }
    }

    fn invalidate_for_write(&mut self, url: &Url) {
        let segments: Vec<&str> = url.path().trim_end_matches('/').split('/').collect();
        // The write's item and its parent: `/…/{name}/versions/{id}` → `/…/{name}`.
        let keep = segments.len().saturating_sub(2).max(1);
        let scope = segments[..keep].join("/");
        let origin = url.origin();
        let stale: Vec<String> = self
            .map
            .keys()
            .filter(|k| {
                let Ok(u) = Url::parse(k) else { return true };
                if u.origin() != origin {
                    return false;
                }
                let p = u.path().trim_end_matches('/');
                let below = p == scope || p.starts_with(&format!("{scope}/"));
                // Collections above the item list it.
                let above = url.path().starts_with(&format!("{p}/"));
                below || above
            })
            .cloned()
            .collect();
        for k in stale {
            self.remove(&k);
        }
    }
}

static CACHE: Mutex<Option<Lru>> = Mutex::new(None);

fn with<R>(f: impl FnOnce(&mut Lru) -> R) -> R {
    let mut g = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(Lru::default))
}

/// The entry for a URL, if cached.
pub fn get(url: &Url) -> Option<Entry> {
    with(|c| c.get(url))
}

/// Stores an answer, evicting the least recently used entries beyond [`MAX_BYTES`].
pub fn put(url: &Url, entry: Entry) {
    with(|c| c.put(url, entry));
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
            etag: "\"x\"".into(),
            body: vec![b'x'; n].into(),
            link: None,
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
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
            c.put(&url(&format!("{base}{k}")), entry(10));
        }
        c.put(
            &url("http://other.invalid:1/user/packages/npm/a/versions"),
            entry(10),
        );
        c.invalidate_for_write(&url(&format!("{base}/user/packages/npm/a/versions/5")));
        let cached: Vec<bool> = keys
            .iter()
            .map(|k| c.get(&url(&format!("{base}{k}"))).is_some())
            .collect();
        assert_eq!(cached, vec![false, false, false, false, true]);
        assert!(
            c.get(&url("http://other.invalid:1/user/packages/npm/a/versions"))
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
            c.put(&url(&format!("{base}{i}")), entry(MAX_BYTES / 20));
        }
        assert!(c.bytes <= MAX_BYTES, "{}", c.bytes);
        assert!(
            c.get(&url(&format!("{base}79"))).is_some(),
            "the newest stays"
        );
        assert!(
            c.get(&url(&format!("{base}0"))).is_none(),
            "the oldest went"
        );
    }
}
