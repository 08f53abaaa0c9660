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

/// The user the fake's tokens belong to: `/user/...` routes address this owner's packages.
pub const AUTHENTICATED_USER: &str = "octocat";

/// Strings of a [`JsonRoute`] that start with this get the server's base URL
/// (`http://127.0.0.1:PORT`) in its place when served: the routes are built before the server
/// has an address, and the URLs in their bodies must point at it as GitHub's point at itself.
pub const BASE_URL: &str = "{base_url}";

/// What kind of account owns packages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnerKind {
    /// A user account: `/users/{username}/packages` (and `/user/packages` for [`AUTHENTICATED_USER`]).
    User,
    /// An organization: `/orgs/{org}/packages`.
    Organization,
}

/// An account that owns packages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// Login as registered (lookups ignore case, as GitHub's do).
    pub login: String,
    /// Account id (store-wide sequence: the authenticated user is 1).
    pub id: i64,
    /// User or organization.
    pub kind: OwnerKind,
}

/// All packages the fake knows, keyed by `(owner, package_type, name)`, and their owners.
///
/// Version ids come from one store-wide counter, so they are unique across packages; package ids
/// come from a second counter so adding packages never shifts version ids.
#[derive(Debug)]
pub struct Store {
    owners: BTreeMap<String, Owner>,
    packages: BTreeMap<(String, String, String), Package>,
    next_id: Arc<AtomicI64>,
    next_package_id: i64,
    /// Generic JSON answers by (method, raw path), for test documents beyond packages.
    json_routes: BTreeMap<(String, String), JsonRoute>,
}

/// A canned answer at a fixed path ([`Store::add_json_route`]): what test documents for other
/// GitHub services (Actions, Dependabot, …) read.
#[derive(Clone, Debug)]
pub enum JsonRoute {
    /// A list, paged with `page`/`per_page` (default 30, at most 100) and a `Link` header; with
    /// a wrapper key path (`["secrets"]`, `["data", "x", "nodes"]`) the page's array sits under
    /// it, with `total_count` beside the first key.
    List {
        /// Every row.
        items: Vec<serde_json::Value>,
        /// Keys wrapping the array, outermost first; empty for a bare array.
        wrap: Vec<String>,
    },
    /// One JSON body, as is.
    Object(serde_json::Value),
    /// `204 No Content` (a DELETE or PUT that succeeded).
    NoContent,
    /// This status with this JSON body: a POST's `201 Created`, or a `422` with GitHub's
    /// `errors` array.
    Status {
        /// HTTP status.
        status: u16,
        /// The JSON body.
        body: serde_json::Value,
    },
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
        Store {
            owners: self.owners.clone(),
            packages,
            next_id,
            next_package_id: self.next_package_id,
            json_routes: self.json_routes.clone(),
        }
    }
}

fn key(login: &str) -> String {
    login.to_ascii_lowercase()
}

impl Store {
    /// Answers `method path` (the raw path, percent-encoded as sent) with `route`. Requests the
    /// package routes do not serve fall through to these before the 404.
    pub fn add_json_route(&mut self, method: &str, path: &str, route: JsonRoute) -> &mut Self {
        self.json_routes
            .insert((method.to_ascii_uppercase(), path.to_string()), route);
        self
    }

    /// The generic answer for `method path`, if one was added.
    pub fn json_route(&self, method: &str, path: &str) -> Option<&JsonRoute> {
        self.json_routes
            .get(&(method.to_ascii_uppercase(), path.to_string()))
    }

    /// An empty store (only the authenticated user); the first version id handed out is 1.
    pub fn new() -> Store {
        Store::starting_at(1)
    }

    /// An empty store whose first version id is `first_id`.
    pub fn starting_at(first_id: i64) -> Store {
        let mut s = Store {
            owners: BTreeMap::new(),
            packages: BTreeMap::new(),
            next_id: Arc::new(AtomicI64::new(first_id)),
            next_package_id: 1,
            json_routes: BTreeMap::new(),
        };
        s.add_user(AUTHENTICATED_USER);
        s
    }

    /// The same store with package ids starting at `first` (version ids are unaffected).
    pub fn with_first_package_id(mut self, first: i64) -> Store {
        self.next_package_id = first;
        self
    }

    fn add_owner(&mut self, login: &str, kind: OwnerKind) -> &Owner {
        let id = self.owners.len() as i64 + 1;
        self.owners.entry(key(login)).or_insert_with(|| Owner {
            login: login.to_string(),
            id,
            kind,
        })
    }

    /// Registers a user account (no-op if the login exists).
    pub fn add_user(&mut self, login: &str) -> &Owner {
        self.add_owner(login, OwnerKind::User)
    }

    /// Registers an organization (no-op if the login exists).
    pub fn add_org(&mut self, login: &str) -> &Owner {
        self.add_owner(login, OwnerKind::Organization)
    }

    /// Looks up an owner, ignoring case.
    pub fn owner(&self, login: &str) -> Option<&Owner> {
        self.owners.get(&key(login))
    }

    /// Adds a private package of the authenticated user with no versions, or returns the existing one.
    pub fn add_package(&mut self, package_type: &str, name: &str) -> &mut Package {
        self.add_package_for(AUTHENTICATED_USER, package_type, name)
    }

    /// Adds a private package of `owner` (registered as a user if unknown), or returns the existing one.
    pub fn add_package_for(&mut self, owner: &str, package_type: &str, name: &str) -> &mut Package {
        if self.owner(owner).is_none() {
            self.add_user(owner);
        }
        let login = self
            .owner(owner)
            .map(|o| o.login.clone())
            .unwrap_or_else(|| owner.to_string());
        let next_id = Arc::clone(&self.next_id);
        let next_package_id = &mut self.next_package_id;
        self.packages
            .entry((key(owner), package_type.to_string(), name.to_string()))
            .or_insert_with(|| {
                let id = *next_package_id;
                *next_package_id += 1;
                Package {
                    id,
                    owner: login,
                    package_type: package_type.to_string(),
                    name: name.to_string(),
                    visibility: "private".to_string(),
                    repository: None,
                    created_at: rfc3339(GENERATED_BASE_EPOCH),
                    deleted_at: None,
                    versions: Vec::new(),
                    manifests: BTreeMap::new(),
                    next_id,
                }
            })
    }

    /// Looks up a package of the authenticated user (deleted ones included).
    pub fn package(&self, package_type: &str, name: &str) -> Option<&Package> {
        self.package_of(AUTHENTICATED_USER, package_type, name)
    }

    /// Looks up a package of the authenticated user for modification.
    pub fn package_mut(&mut self, package_type: &str, name: &str) -> Option<&mut Package> {
        self.package_of_mut(AUTHENTICATED_USER, package_type, name)
    }

    /// Looks up a package of any owner (deleted ones included).
    pub fn package_of(&self, owner: &str, package_type: &str, name: &str) -> Option<&Package> {
        self.packages
            .get(&(key(owner), package_type.to_string(), name.to_string()))
    }

    /// Looks up a package of any owner for modification.
    pub fn package_of_mut(
        &mut self,
        owner: &str,
        package_type: &str,
        name: &str,
    ) -> Option<&mut Package> {
        self.packages
            .get_mut(&(key(owner), package_type.to_string(), name.to_string()))
    }

    /// Removes a package of the authenticated user with all its versions (no trace, unlike a
    /// deletion through the API, which keeps it restorable).
    pub fn remove_package(&mut self, package_type: &str, name: &str) -> Option<Package> {
        self.packages.remove(&(
            key(AUTHENTICATED_USER),
            package_type.to_string(),
            name.to_string(),
        ))
    }

    /// All packages of every owner, deleted ones included, ordered by `(owner, package_type, name)`.
    pub fn packages(&self) -> impl Iterator<Item = &Package> {
        self.packages.values()
    }

    /// The packages a list request shows: `owner`'s packages of this type that are not deleted,
    /// by name.
    pub fn listed_packages(&self, owner: &str, package_type: &str) -> Vec<&Package> {
        let owner = key(owner);
        self.packages
            .iter()
            .filter(|((o, t, _), p)| *o == owner && t == package_type && p.deleted_at.is_none())
            .map(|(_, p)| p)
            .collect()
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
    /// Store-wide package id.
    pub id: i64,
    /// Login of the owning user or organization.
    pub owner: String,
    /// One of [`PACKAGE_TYPES`].
    pub package_type: String,
    /// Package name; container names may contain `/`.
    pub name: String,
    /// `private` (default), `public` or `internal`.
    pub visibility: String,
    /// Name of the linked repository (owned by the package's owner), if any.
    pub repository: Option<String>,
    /// RFC 3339 UTC (default 2023-01-02T03:04:05Z).
    pub created_at: String,
    /// Set when the whole package was deleted (restorable); lists and gets then leave it out.
    pub deleted_at: Option<String>,
    /// Versions in insertion order (API lists are sorted newest first).
    pub versions: Vec<Version>,
    /// Container manifests by digest, as the fake registry serves them (a manifest is served
    /// while an active version has its digest as `name`).
    pub manifests: BTreeMap<String, Manifest>,
    next_id: Arc<AtomicI64>,
}

/// One manifest of the fake registry: its media type and exact bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// `mediaType` (also the response's Content-Type).
    pub media_type: String,
    /// The bytes served; their SHA-256 is the digest.
    pub body: Vec<u8>,
}

impl Manifest {
    /// `sha256:<hex>` of the bytes.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut out = String::from("sha256:");
        for b in Sha256::digest(&self.body) {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }
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

    /// Stores a manifest for the fake registry; returns its digest (the version name to use).
    pub fn add_manifest(&mut self, m: Manifest) -> String {
        let d = m.digest();
        self.manifests.insert(d.clone(), m);
        d
    }

    /// Sets the visibility (`private`, `public`, `internal`).
    pub fn set_visibility(&mut self, visibility: &str) -> &mut Self {
        self.visibility = visibility.to_string();
        self
    }

    /// Links the package to a repository of its owner (`name`, not `owner/name`).
    pub fn set_repository(&mut self, name: &str) -> &mut Self {
        self.repository = Some(name.to_string());
        self
    }

    /// Sets the creation date (RFC 3339 UTC).
    pub fn set_created_at(&mut self, created_at: &str) -> &mut Self {
        self.created_at = created_at.to_string();
        self
    }

    /// When the package last changed: its creation or its newest version update.
    pub fn updated_at(&self) -> String {
        self.versions
            .iter()
            .map(|v| v.updated_at.as_str())
            .chain(std::iter::once(self.created_at.as_str()))
            .max()
            .unwrap_or_default()
            .to_string()
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

    /// One page of [`listed`](Self::listed) and the length of the whole list, without building
    /// the list when the versions are already in order (a million-version package is read
    /// page by page in the benchmarks: each page must not cost a sort).
    pub fn listed_page(&self, deleted: bool, skip: usize, take: usize) -> (usize, Vec<&Version>) {
        let in_order = self
            .versions
            .windows(2)
            .all(|w| (&w[0].created_at, w[0].id) <= (&w[1].created_at, w[1].id));
        if !in_order {
            let all = self.listed(deleted);
            let page = all.iter().skip(skip).take(take).copied().collect();
            return (all.len(), page);
        }
        let mut total = 0;
        let mut page = Vec::with_capacity(take.min(100));
        for v in self
            .versions
            .iter()
            .rev()
            .filter(|v| v.deleted_at.is_some() == deleted)
        {
            if total >= skip && page.len() < take {
                page.push(v);
            }
            total += 1;
        }
        (total, page)
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

/// FNV-1a over a string, scrambled: a deterministic number for fake ids.
pub(super) fn mix_str(seed: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    mix(h)
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
    fn owners_and_package_ids() {
        let mut s = Store::new().with_first_package_id(100);
        s.add_org("Octo-Org");
        s.add_package_for("octo-org", "npm", "ui").add_versions(2);
        s.add_package("npm", "ui").add_versions(1);
        s.add_package_for("hubot", "npm", "x");
        assert_eq!(
            s.owner("OCTO-ORG").map(|o| o.kind),
            Some(OwnerKind::Organization)
        );
        assert_eq!(s.owner("hubot").map(|o| o.kind), Some(OwnerKind::User));
        assert_eq!(s.owner(AUTHENTICATED_USER).map(|o| o.id), Some(1));
        let org = s.package_of("OCTO-ORG", "npm", "ui").expect("org package");
        assert_eq!((org.id, org.owner.as_str()), (100, "Octo-Org"));
        assert_eq!(s.package("npm", "ui").map(|p| p.id), Some(101));
        // Version ids stay one store-wide sequence.
        assert_eq!(s.package("npm", "ui").map(|p| p.versions[0].id), Some(3));
        s.package_of_mut("octo-org", "npm", "ui")
            .expect("org package")
            .deleted_at = Some("2024-01-01T00:00:00Z".into());
        assert!(s.listed_packages("octo-org", "npm").is_empty());
        assert_eq!(s.listed_packages(AUTHENTICATED_USER, "npm").len(), 1);
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
        // A page is the same slice of the list, in order or not.
        let (n, page) = p.listed_page(false, 1, 2);
        assert_eq!(
            (n, page.iter().map(|v| v.id).collect::<Vec<_>>()),
            (4, vec![4, 3])
        );
        p.versions.swap(0, 4);
        let (n, page) = p.listed_page(false, 1, 2);
        assert_eq!(
            (n, page.iter().map(|v| v.id).collect::<Vec<_>>()),
            (4, vec![4, 3])
        );
        assert_eq!(p.active_count(), 4);
    }
}
