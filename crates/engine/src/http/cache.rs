//! The cache of GET answers: one cache, kept in the process (`GITHUB_SQL_CACHE=memory`) or in
//! the database of the cache directory that every process shares (`disk`, the default of the
//! binaries; [`super::disk`]). Bounded by size (`GITHUB_SQL_CACHE_MAX_MB`), least recently used
//! out first.
//!
//! Two kinds of entry:
//! - **Revalidated** answers keep their `ETag` and `Last-Modified`: the next GET of the same key
//!   sends them as `If-None-Match`/`If-Modified-Since`, and a `304 Not Modified` (no body, no
//!   primary rate-limit cost) serves the stored body. With `GITHUB_SQL_CACHE_MAX_AGE`, an answer
//!   validated less than that long ago is served without a request.
//! - **Immutable** answers (content-addressed: a manifest by digest) have no validator and are
//!   served without a request; the caller stores them only after checking their content.
//!
//! A key is the URL, the `Accept` header and the identity of the token (a hash, never the token):
//! one token's answers never answer another's request.
//!
//! A write through github-sql, in any process sharing the directory, invalidates what it can have
//! changed, for every identity: the entries at and below the written item's parent (the package,
//! for a version), and every collection above it.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, OptionalExtension};
use url::Url;

use super::config::{CacheStore, ClientConfig};
use super::disk::{self, Db};

/// Largest total size of the answers one process keeps in memory (the disk cache's bound is
/// `GITHUB_SQL_CACHE_MAX_MB`, and the smaller of the two applies in memory).
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

    /// The key as the database stores it: a hash over identity, `Accept` and URL.
    fn digest(&self) -> String {
        let mut m = Vec::with_capacity(self.url.len() + self.accept.len() + 40);
        m.extend_from_slice(self.identity.as_bytes());
        m.push(0);
        m.extend_from_slice(self.accept.as_bytes());
        m.push(0);
        m.extend_from_slice(self.url.as_bytes());
        crate::rows::sha256_digest(&m)
    }

    /// Origin and path without the query: what a write's invalidation matches.
    fn path(&self) -> String {
        Url::parse(&self.url)
            .map(|u| path_key(&u))
            .unwrap_or_else(|_| self.url.clone())
    }
}

fn path_key(u: &Url) -> String {
    format!(
        "{}{}",
        u.origin().ascii_serialization(),
        u.path().trim_end_matches('/')
    )
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
    /// The `ETag` to send back as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` to send back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// Content-addressed: served without a request.
    pub immutable: bool,
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

/// What a lookup found.
#[derive(Debug)]
pub(crate) enum Lookup {
    /// Serve this without a request: an immutable entry, or one inside the freshness window.
    Fresh(Entry),
    /// Revalidate with these validators; `held` is the entry when it is at hand already (in
    /// memory), else the body is read after a `304` ([`Cache::revalidated`]).
    Stale {
        /// `If-None-Match`.
        etag: Option<String>,
        /// `If-Modified-Since`.
        last_modified: Option<String>,
        /// The entry, when in memory.
        held: Option<Entry>,
    },
    /// Nothing stored.
    Miss,
}

#[derive(Default)]
struct Lru {
    map: HashMap<Key, (Entry, u64, std::time::Instant)>,
    order: BTreeMap<u64, Key>,
    bytes: usize,
    tick: u64,
}

impl Lru {
    fn touch(&mut self, key: &Key) -> Option<(Entry, std::time::Instant)> {
        self.tick += 1;
        let tick = self.tick;
        let (e, used, validated) = self.map.get_mut(key)?;
        self.order.remove(used);
        *used = tick;
        self.order.insert(tick, key.clone());
        Some((e.clone(), *validated))
    }

    #[cfg(test)]
    fn get(&mut self, key: &Key) -> Option<Entry> {
        self.touch(key).map(|(e, _)| e)
    }

    fn put(&mut self, key: Key, entry: Entry, max: usize) {
        if entry.size() > max / 4 {
            return;
        }
        self.tick += 1;
        let size = entry.size();
        self.remove(&key);
        self.order.insert(self.tick, key.clone());
        self.map
            .insert(key, (entry, self.tick, std::time::Instant::now()));
        self.bytes += size;
        while self.bytes > max {
            let Some(oldest) = self.order.values().next().cloned() else {
                break;
            };
            self.remove(&oldest);
        }
    }

    fn validated(&mut self, key: &Key) {
        if let Some((_, _, v)) = self.map.get_mut(key) {
            *v = std::time::Instant::now();
        }
    }

    fn remove(&mut self, key: &Key) {
        if let Some((e, used, _)) = self.map.remove(key) {
            self.order.remove(&used);
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
    let (scope, above) = write_scope(write);
    let p = path_key(&u);
    p == scope || p.starts_with(&format!("{scope}/")) || above.contains(&p)
}

/// What a write to `write` invalidates: the scope whose paths (and everything below) go, and
/// the collections above the written item, as origin + path.
fn write_scope(write: &Url) -> (String, Vec<String>) {
    let origin = write.origin().ascii_serialization();
    let segments: Vec<&str> = write.path().trim_end_matches('/').split('/').collect();
    let keep = segments.len().saturating_sub(2).max(1);
    let scope = format!("{origin}{}", segments[..keep].join("/"));
    let above = (1..segments.len())
        .map(|k| format!("{origin}{}", segments[..k].join("/")))
        .collect();
    (scope, above)
}

static MEMORY: Mutex<Option<Lru>> = Mutex::new(None);

fn memory<R>(f: impl FnOnce(&mut Lru) -> R) -> R {
    let mut g = MEMORY.lock().unwrap_or_else(|e| e.into_inner());
    f(g.get_or_insert_with(Lru::default))
}

/// Where a client's cache lives, with its bounds.
#[derive(Clone, Debug)]
pub(crate) struct Cache {
    disk: Option<Arc<Db>>,
    max_bytes: u64,
    max_age: Option<Duration>,
}

impl Cache {
    /// The cache a configuration names. A directory that cannot be used is logged once and the
    /// cache kept in memory instead.
    pub(crate) fn for_config(config: &ClientConfig) -> Cache {
        let disk = match &config.store {
            CacheStore::Memory => None,
            CacheStore::Disk(dir) => match Db::open(dir) {
                Ok(db) => Some(db),
                Err(e) => {
                    disk::warn_once(&e);
                    None
                }
            },
        };
        Cache {
            disk,
            max_bytes: config.cache_max_bytes,
            max_age: config.cache_max_age,
        }
    }

    /// The shared database, when the cache is on disk (pacing shares it).
    pub(crate) fn db(&self) -> Option<&Arc<Db>> {
        self.disk.as_ref()
    }

    fn memory_max(&self) -> usize {
        usize::try_from(self.max_bytes)
            .unwrap_or(usize::MAX)
            .min(MAX_BYTES)
    }

    /// What is stored for `key`.
    pub(crate) async fn lookup(&self, key: &Key) -> Lookup {
        let max_age = self.max_age;
        let Some(db) = &self.disk else {
            return match memory(|c| c.touch(key)) {
                None => Lookup::Miss,
                Some((e, validated)) => {
                    if e.immutable || max_age.is_some_and(|a| validated.elapsed() < a) {
                        Lookup::Fresh(e)
                    } else {
                        Lookup::Stale {
                            etag: e.etag.clone(),
                            last_modified: e.last_modified.clone(),
                            held: Some(e),
                        }
                    }
                }
            };
        };
        let digest = key.digest();
        let fresh_after = max_age.map_or(i64::MAX, |a| disk::now_ms() - a.as_millis() as i64);
        let touch = digest.clone();
        let found = db
            .read(move |c| {
                let row = c
                    .prepare_cached(
                        "SELECT etag, last_modified, immutable, link, headers, \
                         CASE WHEN immutable = 1 OR validated_at > ?2 THEN body END \
                         FROM entry WHERE key = ?1",
                    )?
                    .query_row(params![digest, fresh_after], |r| {
                        Ok((
                            r.get::<_, Option<String>>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, bool>(2)?,
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, String>(4)?,
                            r.get::<_, Option<Vec<u8>>>(5)?,
                        ))
                    })
                    .optional()?;
                Ok(row)
            })
            .await;
        if matches!(&found, Ok(Some(r)) if r.5.is_some()) {
            // Served: recently used (in the background; the answer does not wait for it).
            let db = Arc::clone(db);
            if let Ok(h) = tokio::runtime::Handle::try_current() {
                h.spawn(async move {
                    let _ = db
                        .write(move |t| {
                            t.prepare_cached("UPDATE entry SET used_at = ?2 WHERE key = ?1")?
                                .execute(params![touch, disk::now_ms()])
                        })
                        .await;
                });
            }
        }
        match found {
            Ok(None) => Lookup::Miss,
            Ok(Some((etag, last_modified, immutable, link, headers, body))) => match body {
                Some(body) => Lookup::Fresh(Entry {
                    etag,
                    last_modified,
                    immutable,
                    body: body.into(),
                    link,
                    headers: decode_headers(&headers),
                }),
                None => Lookup::Stale {
                    etag,
                    last_modified,
                    held: None,
                },
            },
            Err(e) => {
                disk::warn_once(&e);
                Lookup::Miss
            }
        }
    }

    /// After a `304`: the stored entry (its validation time renewed), or `None` when it went
    /// meanwhile (evicted, or invalidated by a write): the caller asks again without validators.
    pub(crate) async fn revalidated(&self, key: &Key, held: Option<Entry>) -> Option<Entry> {
        let Some(db) = &self.disk else {
            memory(|c| c.validated(key));
            return held;
        };
        let digest = key.digest();
        let r = db
            .write(move |tx| {
                let now = disk::now_ms();
                tx.prepare_cached(
                    "UPDATE entry SET validated_at = ?2, used_at = ?2 WHERE key = ?1",
                )?
                .execute(params![digest, now])?;
                let row = tx
                    .prepare_cached(
                        "SELECT etag, last_modified, immutable, link, headers, body \
                         FROM entry WHERE key = ?1",
                    )?
                    .query_row(params![digest], |r| {
                        Ok(Entry {
                            etag: r.get(0)?,
                            last_modified: r.get(1)?,
                            immutable: r.get(2)?,
                            link: r.get(3)?,
                            headers: decode_headers(&r.get::<_, String>(4)?),
                            body: r.get::<_, Vec<u8>>(5)?.into(),
                        })
                    })
                    .optional()?;
                Ok(row)
            })
            .await;
        r.unwrap_or_else(|e| {
            disk::warn_once(&e);
            None
        })
    }

    /// Stores an answer, evicting the least recently used entries beyond the bound.
    pub(crate) async fn store(&self, key: Key, entry: Entry) {
        let Some(db) = &self.disk else {
            let max = self.memory_max();
            memory(|c| c.put(key, entry, max));
            return;
        };
        let max = self.max_bytes;
        let size = entry.size() as i64;
        if size as u64 > max / 4 {
            return;
        }
        let digest = key.digest();
        let path = key.path();
        // Stored in the background: the answer goes to the reader at once (a statement's end
        // waits for it: `disk::flush`).
        db.write_detached(move |tx| {
                let now = disk::now_ms();
                let old: i64 = tx
                    .prepare_cached("SELECT size FROM entry WHERE key = ?1")?.query_row(params![digest],
                        |r| r.get(0),
                    )
                    .optional()?
                    .unwrap_or(0);
                tx.prepare_cached("INSERT OR REPLACE INTO entry (key, path, url, etag, last_modified, immutable, \
                     link, headers, body, size, stored_at, validated_at, used_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?11)")?.execute(params![
                        digest,
                        path,
                        key.url,
                        entry.etag,
                        entry.last_modified,
                        entry.immutable,
                        entry.link,
                        encode_headers(&entry.headers),
                        &entry.body[..],
                        size,
                        now
                    ],
                )?;
                let mut total: i64 = tx.prepare_cached("UPDATE total SET bytes = bytes + ?1 WHERE id = 0 RETURNING bytes")?.query_row(params![size - old],
                    |r| r.get(0),
                )?;
                while total as u64 > max {
                    let victims: Vec<(String, i64)> = {
                        let mut s = tx.prepare_cached(
                            "SELECT key, size FROM entry WHERE key != ?1 ORDER BY used_at, rowid LIMIT 64",
                        )?;
                        let rows = s.query_map(params![digest], |r| Ok((r.get(0)?, r.get(1)?)))?;
                        rows.collect::<rusqlite::Result<_>>()?
                    };
                    if victims.is_empty() {
                        break;
                    }
                    for (k, sz) in victims {
                        tx.prepare_cached("DELETE FROM entry WHERE key = ?1")?.execute(params![k])?;
                        total -= sz;
                        if total as u64 <= max {
                            break;
                        }
                    }
                }
                tx.prepare_cached("UPDATE total SET bytes = ?1 WHERE id = 0")?.execute(params![total])?;
                Ok(())
            });
    }

    /// Forgets what a write to `url` may have changed, for every identity and every process
    /// sharing the directory.
    pub(crate) async fn invalidate(&self, url: &Url) {
        memory(|c| c.invalidate_for_write(url));
        let Some(db) = &self.disk else {
            return;
        };
        let (scope, above) = write_scope(url);
        let r = db
            .write(move |tx| {
                // `path > scope/ AND path < scope0`: every path below the scope ('0' follows '/').
                let below_from = format!("{scope}/");
                let below_to = format!("{scope}0");
                let mut freed: i64 = 0;
                {
                    let mut del = tx.prepare_cached(
                        "DELETE FROM entry WHERE path = ?1 OR (path > ?2 AND path < ?3) \
                         RETURNING size",
                    )?;
                    let sizes = del
                        .query_map(params![scope, below_from, below_to], |r| r.get::<_, i64>(0))?;
                    for s in sizes {
                        freed += s?;
                    }
                    let mut up =
                        tx.prepare_cached("DELETE FROM entry WHERE path = ?1 RETURNING size")?;
                    for p in &above {
                        for s in up.query_map(params![p], |r| r.get::<_, i64>(0))? {
                            freed += s?;
                        }
                    }
                }
                tx.prepare_cached("UPDATE total SET bytes = max(0, bytes - ?1) WHERE id = 0")?
                    .execute(params![freed])?;
                Ok(())
            })
            .await;
        if let Err(e) = r {
            disk::warn_once(&e);
        }
    }
}

fn encode_headers(h: &[(String, String)]) -> String {
    serde_json::to_string(h).unwrap_or_else(|_| "[]".into())
}

fn decode_headers(s: &str) -> Vec<(String, String)> {
    serde_json::from_str(s).unwrap_or_default()
}

/// A content-addressed entry (see
/// [`CachePolicy::Immutable`](super::request::CachePolicy::Immutable)).
pub fn immutable_entry(body: Arc<[u8]>, headers: Vec<(String, String)>) -> Entry {
    Entry {
        etag: None,
        last_modified: None,
        immutable: true,
        body,
        link: None,
        headers,
    }
}

/// Immutable entries held in this process's memory (content-addressed manifests), for tests
/// and logs.
pub fn immutable_entries() -> usize {
    memory(|c| c.map.values().filter(|(e, _, _)| e.immutable).count())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: usize) -> Entry {
        Entry {
            etag: Some("\"x\"".into()),
            last_modified: None,
            immutable: false,
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

    const KEYS: [&str; 5] = [
        "/user/packages/npm/a/versions?per_page=100",
        "/user/packages/npm/a/versions/5",
        "/user/packages/npm/a",
        "/user/packages?package_type=npm",
        "/user/packages/npm/b/versions?per_page=100",
    ];

    #[test]
    fn writes_invalidate_the_package_and_collections_above_it() {
        let base = "http://cache-test.invalid:1";
        let mut c = Lru::default();
        for k in KEYS {
            c.put(key(&format!("{base}{k}")), entry(10), MAX_BYTES);
        }
        c.put(
            key("http://other.invalid:1/user/packages/npm/a/versions"),
            entry(10),
            MAX_BYTES,
        );
        c.invalidate_for_write(&url(&format!("{base}/user/packages/npm/a/versions/5")));
        let cached: Vec<bool> = KEYS
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
            c.put(key(&format!("{base}{i}")), entry(MAX_BYTES / 20), MAX_BYTES);
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
        c.put(Key::new(&a, "application/json", &u), entry(1), MAX_BYTES);
        assert!(c.get(&Key::new(&b, "application/json", &u)).is_none());
        assert!(c.get(&Key::new(&a, "text/plain", &u)).is_none());
        assert!(c.get(&Key::new(&a, "application/json", &u)).is_some());
        let colon = url("https://ghcr.io/v2/o/i/manifests/sha256:ab");
        let encoded = url("https://ghcr.io/v2/o/i/manifests/sha256%3Aab");
        assert_eq!(Key::new(&a, "", &colon), Key::new(&a, "", &encoded));
    }

    fn disk_cache(tag: &str, max_bytes: u64) -> (Cache, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "github-sql-cache-{tag}-{}-{}",
            std::process::id(),
            disk::now_ms()
        ));
        let config = ClientConfig {
            cache_max_bytes: max_bytes,
            ..ClientConfig::new("http://x.invalid", None).with_cache_dir(&dir)
        };
        (Cache::for_config(&config), dir)
    }

    fn stored(c: &Cache, k: &Key) -> bool {
        !matches!(super::super::block_on(c.lookup(k)), Lookup::Miss)
    }

    #[test]
    fn the_disk_cache_invalidates_writes_like_the_memory_one_and_stays_bounded() {
        let (c, dir) = disk_cache("inv", 1 << 20);
        assert!(c.db().is_some());
        let base = "http://cache-test.invalid:1";
        use super::super::block_on as block;
        for k in KEYS {
            block(c.store(key(&format!("{base}{k}")), entry(10)));
        }
        c.db().expect("db").flush(Duration::from_secs(5));
        block(c.invalidate(&url(&format!("{base}/user/packages/npm/a/versions/5"))));
        let cached: Vec<bool> = KEYS
            .iter()
            .map(|k| stored(&c, &key(&format!("{base}{k}"))))
            .collect();
        assert_eq!(cached, vec![false, false, false, false, true]);
        // Bounded: 40 entries of a fifth of the bound leave at most the bound.
        for i in 0..40 {
            block(c.store(key(&format!("{base}/big/{i}")), entry(200 << 10)));
        }
        c.db().expect("db").flush(Duration::from_secs(5));
        let total: i64 = c
            .db()
            .expect("db")
            .with(|c| {
                c.prepare_cached("SELECT bytes FROM total")?
                    .query_row([], |r| r.get(0))
            })
            .expect("total");
        let sum: i64 = c
            .db()
            .expect("db")
            .with(|c| {
                c.prepare_cached("SELECT sum(size) FROM entry")?
                    .query_row([], |r| r.get(0))
            })
            .expect("sum");
        assert_eq!(total, sum, "the running total is the entries' sum");
        assert!(total <= 1 << 20, "{total}");
        assert!(
            stored(&c, &key(&format!("{base}/big/39"))),
            "the newest stays"
        );
        assert!(
            !stored(&c, &key(&format!("{base}/big/0"))),
            "the oldest went"
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    /// Not a test: `cargo test --release -p github-sql-engine --lib timing -- --ignored
    /// --nocapture` prints what the disk cache's operations cost.
    #[test]
    #[ignore]
    fn timing() {
        let dir = std::env::temp_dir().join(format!("ghsql-timing-{}", disk::now_ms()));
        let config = ClientConfig::new("http://x.invalid", None).with_cache_dir(&dir);
        let c = Cache::for_config(&config);
        let body: Arc<[u8]> = vec![b'x'; 40_000].into();
        let id: Arc<str> = Arc::from("me");
        let entry = |body: &Arc<[u8]>| Entry {
            etag: Some("e".into()),
            last_modified: None,
            immutable: false,
            body: body.clone(),
            link: None,
            headers: vec![],
        };
        for round in 0..3 {
            let t = std::time::Instant::now();
            for i in 0..20 {
                let k = Key::new(
                    &id,
                    "a",
                    &Url::parse(&format!("http://h/s{round}/{i}")).expect("u"),
                );
                super::super::block_on(c.store(k, entry(&body)));
            }
            eprintln!("20 stores one after another: {:?}", t.elapsed());
            let t = std::time::Instant::now();
            super::super::block_on(async {
                let futs = (0..20).map(|i| {
                    let k = Key::new(
                        &id,
                        "a",
                        &Url::parse(&format!("http://h/c{round}/{i}")).expect("u"),
                    );
                    c.store(k, entry(&body))
                });
                futures_util::future::join_all(futs).await;
            });
            eprintln!("20 stores at once (group commit): {:?}", t.elapsed());
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
