//! Deterministic demo data for `--demo` mode and tests.

use super::registry::{self, Entry};
use super::store::{mix, mix_str, rfc3339, Manifest, Store, Version};

/// First version id of the demo store (ids then follow creation dates store-wide).
pub const DEMO_FIRST_ID: i64 = 201_000_001;

/// First package id of the demo store (package ids are a separate sequence from version ids).
pub const DEMO_FIRST_PACKAGE_ID: i64 = 3_000_001;

/// The demo store.
///
/// The authenticated user `octocat` owns (ids unchanged since the first demo):
///
/// * npm `hello-world` (public): 130 active versions `0.0.1` … `2.3.0`, 2023-03 to 2025-03, plus
///   two deleted pre-releases (`1.0.0-beta.1`, `2.0.0-rc.1`) so `state=deleted` shows rows;
///   `1.0.0` and `2.0.0` have more than 5000 downloads (undeletable: public);
/// * container `octo/app` (private): 9 versions whose names are the digests of the manifests the
///   fake registry serves ([`octo_app_manifests`]): a multi-arch index tagged `latest`+`v1.2.0`
///   (linux/amd64 and linux/arm64/v8 platform manifests and a buildx attestation, all three
///   untagged versions), single-platform images `v1.1.0` and `v1.0.0`, an untagged orphan (the
///   oldest), and, added in 2025-06, two signatures of the index: an OCI 1.1 referrer (untagged,
///   `subject` = the index) and a cosign signature tagged `sha256-<hex>.sig`;
/// * maven `com.example.app-lib` (private): 5 versions `1.0.0` … `2.0.0`;
/// * npm `empty-pkg` (private): no versions.
///
/// The organization `octo-org` owns container `platform/api` (internal, 4 versions, 2 tagged; its
/// `latest` index is *partial*: its arm64 entry is gone),
/// npm `design-system` (public, 4 versions), maven `com.octo-org.core` (private, 2 versions) and
/// npm `legacy-sdk` (deleted, restorable). The user `hubot` owns npm `hubot-scripts` (public,
/// 3 versions) and container `hubot/brain` (private, 2 versions, 1 tagged; its `latest` index is a
/// *ghost*: none of its entries exist). Their versions are
/// newer than octocat's (2025-04 onwards), so version ids still follow creation dates.
///
/// No randomness and no clock: every call returns the same data.
pub fn demo_store() -> Store {
    let mut store = Store::starting_at(DEMO_FIRST_ID).with_first_package_id(DEMO_FIRST_PACKAGE_ID);
    store
        .add_package("npm", "hello-world")
        .set_visibility("public")
        .set_repository("hello-world")
        .set_created_at(&rfc3339(HELLO_START - 4 * 86_400));
    store
        .add_package("container", "octo/app")
        .set_repository("octo-app")
        .set_created_at(&rfc3339(APP_START - 3_600));
    store
        .add_package("maven", "com.example.app-lib")
        .set_repository("app-lib")
        .set_created_at(&rfc3339(LIB_START - 600));
    store
        .add_package("npm", "empty-pkg")
        .set_created_at("2024-06-01T12:00:00Z");

    let mut all: Vec<(&str, &str, Version)> = Vec::new();
    all.extend(hello_world().into_iter().map(|v| ("npm", "hello-world", v)));
    let app = octo_app_manifests();
    if let Some(p) = store.package_mut("container", "octo/app") {
        for m in app.iter() {
            p.add_manifest(m.clone());
        }
    }
    all.extend(
        octo_app(&app)
            .into_iter()
            .map(|v| ("container", "octo/app", v)),
    );
    all.extend(
        app_lib()
            .into_iter()
            .map(|v| ("maven", "com.example.app-lib", v)),
    );
    // Ids in creation order across the whole store, like GitHub.
    all.sort_by(|a, b| a.2.created_at.cmp(&b.2.created_at));
    for (t, n, v) in all {
        store.add_package(t, n).add_version(v);
    }
    add_others(&mut store, &app);
    store
}

/// The manifests of `octo/app`, in version order (`k` = 0 … 8, see [`demo_store`]):
/// 0 orphan, 1 `v1.0.0`, 2 attestation of 5, 3 linux/arm64/v8, 4 `v1.1.0`, 5 linux/amd64,
/// 6 the index (`latest`, `v1.2.0`) over 5, 3 and 2, 7 an OCI 1.1 signature of 6, 8 a cosign
/// signature of 6 (tag `sha256-<hex of 6>.sig`).
pub fn octo_app_manifests() -> Vec<Manifest> {
    let orphan = registry::image("octo/app orphan", None, None);
    let v100 = registry::image("octo/app v1.0.0", None, None);
    let amd64 = registry::image("octo/app v1.2.0 linux/amd64", None, None);
    let arm64 = registry::image("octo/app v1.2.0 linux/arm64", None, None);
    let att = registry::attestation("octo/app v1.2.0 linux/amd64 provenance");
    let v110 = registry::image("octo/app v1.1.0", None, None);
    let idx = registry::index(&[
        Entry::of(&amd64, "linux", "amd64", None),
        Entry::of(&arm64, "linux", "arm64", Some("v8")),
        Entry::attestation(&att, &amd64.digest()),
    ]);
    let sig = registry::image(
        "octo/app v1.2.0 notation signature",
        Some("application/vnd.cncf.notary.signature"),
        Some(&idx),
    );
    let cosign = registry::image(
        "octo/app v1.2.0 cosign signature",
        Some("application/vnd.dev.cosign.simplesigning.v1+json"),
        None,
    );
    vec![orphan, v100, att, arm64, v110, amd64, idx, sig, cosign]
}

/// The cosign tag of a digest: `sha256-<hex>.sig`.
pub fn cosign_tag(digest: &str) -> String {
    format!("{}.sig", digest.replace(':', "-"))
}

const AUTHENTICATED_USER_LOGIN: &str = crate::store::AUTHENTICATED_USER;

/// 2025-04-01T09:00:00Z: the first version of the organization's and hubot's packages.
const OTHERS_START: i64 = 1_743_498_000;

/// One package of another owner: (owner, type, name, visibility, repository, versions as
/// (name, days after [`OTHERS_START`], tags)).
type OtherPackage = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    Vec<(String, i64, &'static [&'static str])>,
);

fn add_others(store: &mut Store, app: &[Manifest]) {
    store.add_org("octo-org");
    store.add_user("hubot");
    // platform/api: an orphan, `v3.0.0`, an amd64 image, and `latest` over it and a missing arm64.
    let api_orphan = registry::image("platform/api orphan", None, None);
    let api_v300 = registry::image("platform/api v3.0.0", None, None);
    let api_amd64 = registry::image("platform/api v3.1.0 linux/amd64", None, None);
    let api_latest = registry::index(&[
        Entry::of(&api_amd64, "linux", "amd64", None),
        Entry::missing("platform/api v3.1.0 linux/arm64", "linux", "arm64"),
    ]);
    let api = [api_orphan, api_v300, api_amd64, api_latest];
    // hubot/brain: an image, and a ghost `latest` whose entries are all gone.
    let brain_old = registry::image("hubot/brain 0.1", None, None);
    let brain_latest = registry::index(&[
        Entry::missing("hubot/brain 0.2 linux/amd64", "linux", "amd64"),
        Entry::missing("hubot/brain 0.2 linux/arm64", "linux", "arm64"),
    ]);
    let brain = [brain_old, brain_latest];
    let digests = |ms: &[Manifest], days: &[(i64, &'static [&'static str])]| {
        ms.iter()
            .zip(days)
            .map(|(m, (d, tags))| (m.digest(), *d, *tags))
            .collect::<Vec<_>>()
    };
    let semver = |items: &[(&str, i64)]| {
        items
            .iter()
            .map(|(n, d)| ((*n).to_string(), *d, &[][..]))
            .collect::<Vec<_>>()
    };
    let packages: Vec<OtherPackage> = vec![
        (
            "octo-org",
            "container",
            "platform/api",
            "internal",
            Some("platform"),
            digests(
                &api,
                &[
                    (0, &[]),
                    (9, &["v3.0.0"]),
                    (16, &[]),
                    (30, &["latest", "v3.1.0"]),
                ],
            ),
        ),
        (
            "octo-org",
            "npm",
            "design-system",
            "public",
            Some("design-system"),
            semver(&[("1.0.0", 2), ("1.1.0", 12), ("1.2.0", 24), ("2.0.0", 40)]),
        ),
        (
            "octo-org",
            "maven",
            "com.octo-org.core",
            "private",
            Some("core"),
            semver(&[("0.9.0", 5), ("1.0.0", 33)]),
        ),
        (
            "octo-org",
            "npm",
            "legacy-sdk",
            "private",
            None,
            semver(&[("0.1.0", 1)]),
        ),
        (
            "hubot",
            "npm",
            "hubot-scripts",
            "public",
            Some("hubot-scripts"),
            semver(&[("2.0.0", 3), ("2.1.0", 20), ("2.2.0", 45)]),
        ),
        (
            "hubot",
            "container",
            "hubot/brain",
            "private",
            None,
            digests(&brain, &[(7, &[]), (27, &["latest"])]),
        ),
    ];
    let mut all: Vec<(&str, &str, &str, Version)> = Vec::new();
    for (owner, t, name, visibility, repo, versions) in packages {
        let first = versions.iter().map(|(_, d, _)| *d).min().unwrap_or(0);
        let p = store.add_package_for(owner, t, name);
        p.set_visibility(visibility)
            .set_created_at(&rfc3339(OTHERS_START + (first - 1) * 86_400));
        if let Some(r) = repo {
            p.set_repository(r);
        }
        for (k, (vname, days, tags)) in versions.into_iter().enumerate() {
            let seed = mix_seed(name, k);
            let created = OTHERS_START + days * 86_400 + (seed % 20_000) as i64;
            let mut v = Version::new(vname, rfc3339(created)).with_tags(tags);
            v.downloads = 20 + seed % 700;
            if t == "npm" || t == "maven" {
                v.license = Some("MIT".to_string());
            }
            all.push((owner, t, name, v));
        }
    }
    for (owner, name, ms) in [
        ("octo-org", "platform/api", &api[..]),
        ("hubot", "hubot/brain", &brain[..]),
    ] {
        let p = store.add_package_for(owner, "container", name);
        for m in ms {
            p.add_manifest(m.clone());
        }
    }
    // The two signatures of octo/app's index, pushed after everything else (ids stay in order).
    for (k, tags) in [
        (7usize, Vec::new()),
        (8, vec![cosign_tag(&app[6].digest())]),
    ] {
        let created = OTHERS_START + 61 * 86_400 + k as i64 * 600;
        let mut v = Version::new(app[k].digest(), rfc3339(created));
        v.tags = tags;
        v.downloads = 3;
        all.push((AUTHENTICATED_USER_LOGIN, "container", "octo/app", v));
    }
    // Ids keep following creation dates across the whole store.
    all.sort_by(|a, b| a.3.created_at.cmp(&b.3.created_at));
    for (owner, t, name, v) in all {
        store.add_package_for(owner, t, name).add_version(v);
    }
    if let Some(p) = store.package_of_mut("octo-org", "npm", "legacy-sdk") {
        p.deleted_at = Some("2025-05-20T10:00:00Z".to_string());
    }
}

fn mix_seed(name: &str, k: usize) -> u64 {
    mix(mix_str(name) ^ k as u64)
}

/// 2023-03-14T09:26:53Z
const HELLO_START: i64 = 1_678_786_013;
/// About 5.6 days between releases: 130 releases span two years.
const HELLO_STEP: i64 = 485_000;

fn hello_world() -> Vec<Version> {
    let mut out = Vec::new();
    for i in 0..130i64 {
        let j = i + 1;
        let name = format!("{}.{}.{}", j / 50, j % 50 / 10, j % 10);
        let created = HELLO_START + i * HELLO_STEP + (mix(i as u64) % 86_400) as i64;
        let mut v = npm_version(&name, created, i as u64);
        v.downloads = if j % 50 == 0 {
            12_000 + (mix(j as u64) % 3000)
        } else {
            ((130 - i) * 25) as u64 + mix(i as u64 ^ 0xd0) % 400
        };
        if j % 50 == 0 {
            // A withdrawn pre-release two days before each major release.
            let pre = if j == 50 {
                "1.0.0-beta.1"
            } else {
                "2.0.0-rc.1"
            };
            let mut p = npm_version(pre, created - 2 * 86_400, j as u64 ^ 0xbe7a);
            p.downloads = 17 + j as u64;
            p.deleted_at = Some(rfc3339(created + 3 * 86_400 + 1234));
            out.push(p);
        }
        out.push(v);
    }
    out
}

fn npm_version(name: &str, created: i64, seed: u64) -> Version {
    let mut v = Version::new(name, rfc3339(created));
    v.updated_at = rfc3339(created + (mix(seed ^ 0x0b) % 3600) as i64);
    v.license = Some("MIT".to_string());
    v.description = Some("A friendly hello-world package".to_string());
    v
}

/// 2024-09-02T14:05:11Z
const APP_START: i64 = 1_725_285_911;

fn octo_app(manifests: &[Manifest]) -> Vec<Version> {
    (0..7i64)
        .map(|k| {
            let created = APP_START + k * 11 * 86_400 + (mix(k as u64 ^ 0xa9) % 20_000) as i64;
            let tags: &[&str] = match k {
                6 => &["latest", "v1.2.0"],
                4 => &["v1.1.0"],
                1 => &["v1.0.0"],
                _ => &[],
            };
            let mut v =
                Version::new(manifests[k as usize].digest(), rfc3339(created)).with_tags(tags);
            v.downloads = 40 + mix(k as u64 ^ 0xdd) % 900;
            v
        })
        .collect()
}

/// 2024-01-15T10:00:00Z
const LIB_START: i64 = 1_705_312_800;

fn app_lib() -> Vec<Version> {
    ["1.0.0", "1.0.1", "1.1.0", "1.2.0", "2.0.0"]
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let created = LIB_START + k as i64 * 61 * 86_400 + (k as i64 * 3_637);
            let mut v = Version::new(*name, rfc3339(created));
            v.updated_at = rfc3339(created + 120);
            v.license = Some("Apache-2.0".to_string());
            v.description = Some("Example application library".to_string());
            v.downloads = 300 - k as u64 * 50;
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AUTHENTICATED_USER;

    #[test]
    fn demo_shape() {
        let s = demo_store();
        let hw = s.package("npm", "hello-world").expect("hello-world");
        assert_eq!(hw.visibility, "public");
        assert_eq!(hw.listed(false).len(), 130);
        assert_eq!(hw.listed(true).len(), 2);
        let newest = hw.listed(false)[0];
        assert_eq!(newest.name, "2.3.0");
        assert_eq!(hw.listed(false)[129].name, "0.0.1");
        let first = hw.listed(false)[129].created_at.clone();
        assert!(first.starts_with("2023-03-1"), "{first}");
        assert!(
            newest.created_at.starts_with("2025-0"),
            "{}",
            newest.created_at
        );

        let app = s.package("container", "octo/app").expect("octo/app");
        assert_eq!(app.versions.len(), 9);
        assert_eq!(
            app.versions.iter().filter(|v| !v.tags.is_empty()).count(),
            4
        );
        assert_eq!(app.listed(false)[2].tags, vec!["latest", "v1.2.0"]);
        // Every version names a manifest the registry has, by its SHA-256.
        for v in &app.versions {
            let m = app.manifests.get(&v.name).expect("manifest");
            assert_eq!(m.digest(), v.name);
        }
        assert!(app.versions.iter().all(|v| v.name.len() == 71));

        assert_eq!(
            s.package("maven", "com.example.app-lib")
                .map(|p| p.versions.len()),
            Some(5)
        );
        assert_eq!(
            s.package("npm", "empty-pkg").map(|p| p.versions.len()),
            Some(0)
        );
        let ids: Vec<i64> = s
            .listed_packages(AUTHENTICATED_USER, "npm")
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(ids, vec![DEMO_FIRST_PACKAGE_ID + 3, DEMO_FIRST_PACKAGE_ID]);
    }

    #[test]
    fn demo_other_owners() {
        let s = demo_store();
        let names = |owner: &str, t: &str| -> Vec<String> {
            s.listed_packages(owner, t)
                .iter()
                .map(|p| p.name.clone())
                .collect()
        };
        assert_eq!(
            names("octo-org", "npm"),
            vec!["design-system"],
            "legacy-sdk is deleted"
        );
        assert_eq!(names("octo-org", "container"), vec!["platform/api"]);
        assert_eq!(names("octo-org", "maven"), vec!["com.octo-org.core"]);
        assert_eq!(names("hubot", "npm"), vec!["hubot-scripts"]);
        assert_eq!(names("hubot", "container"), vec!["hubot/brain"]);
        let api = s
            .package_of("octo-org", "container", "platform/api")
            .expect("api");
        assert_eq!(api.visibility, "internal");
        assert_eq!(api.listed(false)[0].tags, vec!["latest", "v3.1.0"]);
        assert!(s
            .package_of("octo-org", "npm", "legacy-sdk")
            .is_some_and(|p| p.deleted_at.is_some()));
        // octocat's ids did not move.
        let hw = s.package("npm", "hello-world").expect("hello-world");
        assert_eq!(hw.listed(false)[129].id, DEMO_FIRST_ID);
    }

    #[test]
    fn demo_ids_unique_and_chronological() {
        let s = demo_store();
        let mut all: Vec<&Version> = s.packages().flat_map(|p| p.versions.iter()).collect();
        all.sort_by_key(|v| v.id);
        assert_eq!(all.len(), 132 + 9 + 5 + (4 + 4 + 2 + 1) + (3 + 2));
        assert_eq!(all[0].id, DEMO_FIRST_ID);
        for w in all.windows(2) {
            assert_eq!(w[0].id + 1, w[1].id);
            assert!(w[0].created_at <= w[1].created_at);
        }
    }

    #[test]
    fn demo_deterministic() {
        let a = demo_store();
        let b = demo_store();
        let va: Vec<Version> = a.packages().flat_map(|p| p.versions.clone()).collect();
        let vb: Vec<Version> = b.packages().flat_map(|p| p.versions.clone()).collect();
        assert_eq!(va, vb);
    }
}
