//! Data model of the fake server: packages and their versions.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// The package types GitHub accepts in `/user/packages/{package_type}/...`.
pub const PACKAGE_TYPES: [&str; 6] = ["npm", "maven", "rubygems", "docker", "nuget", "container"];

/// Epoch seconds of 2023-01-02T03:04:05Z, the first date used by [`Package::add_versions`].
const GENERATED_BASE_EPOCH: i64 = 1_672_628_645;
/// Spacing between generated versions (5h 17m 23s).
const GENERATED_STEP_SECS: i64 = 5 * 3600 + 17 * 60 + 23;

/// All packages the fake knows, keyed by `(package_type, name)`.
///
/// Version ids come from one store-wide counter, so they are unique across packages.
#[derive(Debug)]
pub struct Store {
    packages: BTreeMap<(String, String), Package>,
    next_id: Arc<AtomicI64>,
}

impl Default for Store {
    fn default() -> Self {
        Store::new()
    }
}

impl Clone for Store {
    /// Deep copy with its own id counter (starting where the original's is).
    fn clone(&self) -> Self {
        let next_id = Arc::new(AtomicI64::new(self.next_id.load(Ordering::SeqCst)));
        let packages = self
            .packages
            .iter()
            .map(|(k, p)| {
                let mut p = p.clone();
                p.next_id = Arc::clone(&next_id);
                (k.clone(), p)
            })
            .collect();
        Store { packages, next_id }
    }
}

impl Store {
    /// An empty store; the first version id handed out is 1.
    pub fn new() -> Store {
        Store::starting_at(1)
    }

    /// An empty store whose first version id is `first_id`.
    pub fn starting_at(first_id: i64) -> Store {
        Store {
            packages: BTreeMap::new(),
            next_id: Arc::new(AtomicI64::new(first_id)),
        }
    }

    /// Adds a private package with no versions, or returns the existing one.
    pub fn add_package(&mut self, package_type: &str, name: &str) -> &mut Package {
        let next_id = Arc::clone(&self.next_id);
        self.packages
            .entry((package_type.to_string(), name.to_string()))
            .or_insert_with(|| Package {
                package_type: package_type.to_string(),
                name: name.to_string(),
                visibility: "private".to_string(),
                versions: Vec::new(),
                next_id,
            })
    }

    /// Looks up a package.
    pub fn package(&self, package_type: &str, name: &str) -> Option<&Package> {
        self.packages
            .get(&(package_type.to_string(), name.to_string()))
    }

    /// Looks up a package for modification.
    pub fn package_mut(&mut self, package_type: &str, name: &str) -> Option<&mut Package> {
        self.packages
            .get_mut(&(package_type.to_string(), name.to_string()))
    }

    /// Removes a package with all its versions.
    pub fn remove_package(&mut self, package_type: &str, name: &str) -> Option<Package> {
        self.packages
            .remove(&(package_type.to_string(), name.to_string()))
    }

    /// All packages, ordered by `(package_type, name)`.
    pub fn packages(&self) -> impl Iterator<Item = &Package> {
        self.packages.values()
    }

    /// Finds a version by id in any package.
    pub fn find_version(&self, id: i64) -> Option<(&Package, &Version)> {
        self.packages
            .values()
            .find_map(|p| p.version(id).map(|v| (p, v)))
    }

    /// Hands out the next store-wide version id.
    pub fn next_id(&mut self) -> i64 {
        self.next_id.fetch_add(1, Ordering::SeqCst)
    }
}

/// One package and all its versions (active and deleted).
#[derive(Clone, Debug)]
pub struct Package {
    /// One of [`PACKAGE_TYPES`].
    pub package_type: String,
    /// Package name; container names may contain `/`.
    pub name: String,
    /// `private` (default), `public` or `internal`.
    pub visibility: String,
    /// Versions in insertion order (API lists are sorted newest first).
    pub versions: Vec<Version>,
    next_id: Arc<AtomicI64>,
}

impl Package {
    /// Appends `n` deterministic versions.
    ///
    /// Names are `1.0.K` (or `sha256:` digests for container/docker), dates step forward from
    /// 2023-01-02 by 5h17m23s per version, npm versions get an MIT license.
    pub fn add_versions(&mut self, n: usize) -> &mut Self {
        let digest_type = matches!(self.package_type.as_str(), "container" | "docker");
        for _ in 0..n {
            let k = self.versions.len() as i64;
            let name = if digest_type {
                digest(&format!("{}/{}#{k}", self.package_type, self.name))
            } else {
                format!("1.0.{k}")
            };
            let created = rfc3339(GENERATED_BASE_EPOCH + k * GENERATED_STEP_SECS);
            let mut v = Version::new(name, created);
            v.downloads = mix(k as u64 ^ 0x5eed) % 1000;
            if self.package_type == "npm" {
                v.license = Some("MIT".to_string());
            }
            self.add_version(v);
        }
        self
    }

    /// Appends a version. An `id <= 0` gets the next store-wide id; an explicit id is kept and
    /// the counter moves past it.
    pub fn add_version(&mut self, mut v: Version) -> &mut Self {
        if v.id <= 0 {
            v.id = self.next_id.fetch_add(1, Ordering::SeqCst);
        } else {
            self.next_id.fetch_max(v.id + 1, Ordering::SeqCst);
        }
        self.versions.push(v);
        self
    }

    /// Sets the visibility (`private`, `public`, `internal`).
    pub fn set_visibility(&mut self, visibility: &str) -> &mut Self {
        self.visibility = visibility.to_string();
        self
    }

    /// Looks up a version by id (deleted ones included).
    pub fn version(&self, id: i64) -> Option<&Version> {
        self.versions.iter().find(|v| v.id == id)
    }

    /// Looks up a version by id for modification.
    pub fn version_mut(&mut self, id: i64) -> Option<&mut Version> {
        self.versions.iter_mut().find(|v| v.id == id)
    }

    /// Versions in API order (newest first): active ones, or only deleted ones if `deleted`.
    pub fn listed(&self, deleted: bool) -> Vec<&Version> {
        let mut out: Vec<&Version> = self
            .versions
            .iter()
            .rev()
            .filter(|v| v.deleted_at.is_some() == deleted)
            .collect();
        let newest_first = |a: &&Version, b: &&Version| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id.cmp(&a.id))
        };
        // Versions are usually added oldest first: then the reversed order is already right and
        // the sort (per request, on large packages) can be skipped.
        if !out.is_sorted_by(|a, b| newest_first(a, b) != std::cmp::Ordering::Greater) {
            out.sort_by(newest_first);
        }
        out
    }

    /// Number of versions not deleted.
    pub fn active_count(&self) -> usize {
        self.versions
            .iter()
            .filter(|v| v.deleted_at.is_none())
            .count()
    }
}

/// One package version as the fake stores it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Version {
    /// Store-wide unique id (`<= 0` means "assign one" in [`Package::add_version`]).
    pub id: i64,
    /// Version name: semver for npm/maven, a `sha256:` digest for container/docker.
    pub name: String,
    /// RFC 3339 UTC, e.g. `2023-01-02T03:04:05Z`.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub updated_at: String,
    /// Set when deleted (restorable).
    pub deleted_at: Option<String>,
    /// Shown in JSON only when set.
    pub license: Option<String>,
    /// Shown in JSON only when set.
    pub description: Option<String>,
    /// Container/docker tags (empty = untagged); ignored for other types.
    pub tags: Vec<String>,
    /// Download count; public versions above 5000 cannot be deleted.
    pub downloads: u64,
}

impl Version {
    /// A version with no id yet (assigned when added), `updated_at = created_at`.
    pub fn new(name: impl Into<String>, created_at: impl Into<String>) -> Version {
        let created_at = created_at.into();
        Version {
            name: name.into(),
            updated_at: created_at.clone(),
            created_at,
            ..Version::default()
        }
    }

    /// Sets the tags (builder style).
    pub fn with_tags(mut self, tags: &[&str]) -> Version {
        self.tags = tags.iter().map(|t| t.to_string()).collect();
        self
    }
}

/// Seconds since the Unix epoch, now.
pub(super) fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Formats epoch seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// splitmix64 finaliser: a cheap deterministic scrambler.
pub(super) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A deterministic fake `sha256:<64 hex>` digest derived from `seed`.
pub fn digest(seed: &str) -> String {
    // FNV-1a over the seed, then four splitmix64 words.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::from("sha256:");
    for i in 0..4u64 {
        out.push_str(&format!(
            "{:016x}",
            mix(h ^ i.wrapping_mul(0xa076_1d64_78bd_642f))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_formats() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(GENERATED_BASE_EPOCH), "2023-01-02T03:04:05Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_735_689_599), "2024-12-31T23:59:59Z");
    }

    #[test]
    fn ids_unique_across_packages() {
        let mut s = Store::new();
        s.add_package("npm", "a").add_versions(3);
        s.add_package("container", "b/c").add_versions(2);
        s.add_package("npm", "a").add_versions(1);
        let mut ids: Vec<i64> = s
            .packages()
            .flat_map(|p| p.versions.iter().map(|v| v.id))
            .collect();
        ids.sort();
        assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(s.package("npm", "a").map(|p| p.versions.len()), Some(4));
    }

    #[test]
    fn explicit_id_moves_counter() {
        let mut s = Store::new();
        let p = s.add_package("npm", "a");
        p.add_version(Version {
            id: 50,
            ..Version::new("x", "2024-01-01T00:00:00Z")
        });
        p.add_versions(1);
        assert_eq!(p.versions[1].id, 51);
        assert_eq!(s.next_id(), 52);
    }

    #[test]
    fn clone_is_deep() {
        let mut s = Store::new();
        s.add_package("npm", "a").add_versions(2);
        let mut c = s.clone();
        c.add_package("npm", "a").add_versions(1);
        assert_eq!(s.package("npm", "a").map(|p| p.versions.len()), Some(2));
        assert_eq!(c.package("npm", "a").map(|p| p.versions[2].id), Some(3));
        assert_eq!(s.next_id(), 3);
    }

    #[test]
    fn generated_versions_deterministic() {
        let mut a = Store::new();
        let mut b = Store::new();
        a.add_package("container", "x/y").add_versions(3);
        b.add_package("container", "x/y").add_versions(3);
        let va = &a.package("container", "x/y").map(|p| p.versions.clone());
        let vb = &b.package("container", "x/y").map(|p| p.versions.clone());
        assert_eq!(va, vb);
        let v = va.as_ref().map(|v| v[0].name.clone()).unwrap_or_default();
        assert!(v.starts_with("sha256:") && v.len() == 71, "{v}");
    }

    #[test]
    fn listed_newest_first() {
        let mut s = Store::new();
        let p = s.add_package("npm", "a");
        p.add_versions(5);
        p.versions[1].deleted_at = Some("2024-01-01T00:00:00Z".into());
        let ids: Vec<i64> = p.listed(false).iter().map(|v| v.id).collect();
        assert_eq!(ids, vec![5, 4, 3, 1]);
        let del: Vec<i64> = p.listed(true).iter().map(|v| v.id).collect();
        assert_eq!(del, vec![2]);
        assert_eq!(p.active_count(), 4);
    }
}
