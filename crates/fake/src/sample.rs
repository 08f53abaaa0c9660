//! Deterministic demo data for `--demo` mode and tests.

use super::registry::{self, Entry};
use super::repos::{commit_sha, Repository, WorkflowRun};
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
/// Added last (2025-06-10 onwards, so every id above stays): octocat's container `octo/web`
/// (private, 5 versions, all tagged): the images its `Docker` workflow pushed, each tagged
/// `sha-<7 hex>` of the commit it built as docker/metadata-action does ([`OCTO_WEB_BUILDS`]);
/// two of those runs failed after the push (a smoke test), so their images exist.
///
/// Every linked repository is served (`GET /repos/{owner}/{repo}`, `/user/repos`,
/// `/users/{username}/repos`, `/orgs/{org}/repos`); `octocat/app-lib`, the repository of
/// `com.example.app-lib`, is archived. Workflow runs (`/repos/{owner}/{repo}/actions/runs`):
/// `octocat/octo-web` has the `Docker` runs of its images plus a failed `CI` run of a pull
/// request and a `Docker` run still in progress; `octocat/octo-app` has a successful `Release`
/// run before each of its `v*` tags; the other repositories have none.
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
    add_octo_web(&mut store);
    add_repositories(&mut store);
    store
}

/// 2025-06-10T09:00:00Z: the first `Docker` run of `octocat/octo-web`.
const WEB_START: i64 = OTHERS_START + 70 * 86_400;

/// One workflow run of `octocat/octo-web`: (workflow, run number, event, branch or tag, commit
/// message, conclusion (`None`: in progress), minutes after [`WEB_START`], the tags of the
/// image it pushed (empty: no image)).
type WebRun = (
    &'static str,
    i64,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    i64,
    &'static [&'static str],
);

/// The workflow runs of `octocat/octo-web`, oldest first. `sha-` is added to the tags of each
/// image (the run's commit, 7 hex digits), as docker/metadata-action's `type=sha` tag does.
pub const OCTO_WEB_BUILDS: [WebRun; 7] = [
    (
        "Docker",
        41,
        "push",
        "main",
        "Serve static assets with caching headers",
        Some("success"),
        0,
        &[],
    ),
    (
        "CI",
        118,
        "pull_request",
        "fix-healthcheck",
        "Fix the health check path",
        Some("failure"),
        1_530,
        &[],
    ),
    (
        "Docker",
        42,
        "push",
        "main",
        "Fix the health check path (#12)",
        Some("failure"),
        3_180,
        &[],
    ),
    (
        "Docker",
        43,
        "push",
        "v0.9.0",
        "Release 0.9.0",
        Some("success"),
        4_440,
        &["v0.9.0"],
    ),
    (
        "Docker",
        44,
        "push",
        "main",
        "Bump node to 22",
        Some("failure"),
        7_400,
        &[],
    ),
    (
        "Docker",
        45,
        "push",
        "main",
        "Add request logging",
        Some("success"),
        8_445,
        &["latest", "main"],
    ),
    (
        "Docker",
        46,
        "push",
        "main",
        "Log request ids",
        None,
        9_790,
        &[],
    ),
];

/// The commit a run of `octocat/octo-web` built (40 hex digits).
pub fn octo_web_commit(run_number: i64) -> String {
    commit_sha(&format!("octocat/octo-web commit {run_number}"))
}

fn web_run_id(k: usize) -> i64 {
    15_231_407_000 + k as i64 * 1_137
}

/// `octo/web`: one image per completed `Docker` run, pushed four minutes into the run (before
/// the smoke test that fails in the failed runs); ids follow everything else's.
fn add_octo_web(store: &mut Store) {
    let mut versions = Vec::new();
    let mut manifests = Vec::new();
    for (workflow, number, _, _, _, conclusion, minutes, tags) in OCTO_WEB_BUILDS {
        if workflow != "Docker" || conclusion.is_none() {
            continue;
        }
        let m = registry::image(&format!("octo/web #{number}"), None, None);
        let sha = octo_web_commit(number);
        let mut all: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        all.push(format!("sha-{}", &sha[..7]));
        let mut v = Version::new(m.digest(), rfc3339(WEB_START + minutes * 60 + 240));
        v.tags = all;
        v.downloads = 2 + mix_seed("octo/web", number as usize) % 60;
        versions.push(v);
        manifests.push(m);
    }
    let first = versions
        .first()
        .map(|v| v.created_at.clone())
        .unwrap_or_default();
    let p = store.add_package("container", "octo/web");
    p.set_repository("octo-web").set_created_at(&first);
    for m in manifests {
        p.add_manifest(m);
    }
    for v in versions {
        p.add_version(v);
    }
}

/// The repositories the packages link to, and their workflow runs.
fn add_repositories(store: &mut Store) {
    let at = |secs: i64| rfc3339(secs);
    let repo =
        |owner: &str, name: &str, visibility: &str, language: &str, created: i64, pushed: i64| {
            let mut r = Repository::new(owner, name, &at(created));
            r.visibility = visibility.to_string();
            r.language = Some(language.to_string());
            r.pushed_at = at(pushed);
            r.updated_at = at(pushed);
            r
        };
    let me = AUTHENTICATED_USER_LOGIN;
    let hello_last = HELLO_START + 129 * HELLO_STEP + 86_400;
    let mut hello = repo(
        me,
        "hello-world",
        "public",
        "JavaScript",
        HELLO_START - 5 * 86_400,
        hello_last,
    );
    hello.description = Some("A friendly hello-world package".to_string());
    let mut app = repo(
        me,
        "octo-app",
        "private",
        "Go",
        APP_START - 2 * 86_400,
        OTHERS_START + 61 * 86_400,
    );
    app.description = Some("The octo application".to_string());
    // Archived two months after its last release: its code moved into octo-app.
    let mut lib = repo(
        me,
        "app-lib",
        "private",
        "Java",
        LIB_START - 7 * 86_400,
        LIB_START + 244 * 86_400 + 9_000,
    );
    lib.description = Some("Example application library (merged into octo-app)".to_string());
    lib.archived = true;
    lib.updated_at = at(LIB_START + 293 * 86_400);
    let web_last = WEB_START + OCTO_WEB_BUILDS[6].6 * 60;
    let mut web = repo(
        me,
        "octo-web",
        "private",
        "TypeScript",
        WEB_START - 12 * 86_400,
        web_last,
    );
    web.description = Some("The octo web front end".to_string());
    let others = [
        repo(
            "octo-org",
            "platform",
            "internal",
            "Go",
            OTHERS_START - 30 * 86_400,
            OTHERS_START + 30 * 86_400,
        ),
        repo(
            "octo-org",
            "design-system",
            "public",
            "TypeScript",
            OTHERS_START - 20 * 86_400,
            OTHERS_START + 40 * 86_400,
        ),
        repo(
            "octo-org",
            "core",
            "private",
            "Kotlin",
            OTHERS_START - 10 * 86_400,
            OTHERS_START + 33 * 86_400,
        ),
        repo(
            "hubot",
            "hubot-scripts",
            "public",
            "CoffeeScript",
            OTHERS_START - 40 * 86_400,
            OTHERS_START + 45 * 86_400,
        ),
    ];

    let web_runs: Vec<WorkflowRun> = OCTO_WEB_BUILDS
        .iter()
        .enumerate()
        .map(
            |(k, (workflow, number, event, branch, message, conclusion, minutes, _))| {
                let created = WEB_START + minutes * 60;
                let took = match (*workflow, *conclusion) {
                    (_, None) => 60,
                    ("CI", _) => 190,
                    (_, Some("failure")) => 370,
                    _ => 430,
                };
                WorkflowRun {
                    id: web_run_id(k),
                    name: workflow.to_string(),
                    path: format!(".github/workflows/{}.yml", workflow.to_ascii_lowercase()),
                    workflow_id: if *workflow == "CI" {
                        98_765_431
                    } else {
                        98_765_432
                    },
                    run_number: *number,
                    event: event.to_string(),
                    head_branch: branch.to_string(),
                    head_sha: octo_web_commit(*number),
                    message: message.to_string(),
                    status: if conclusion.is_some() {
                        "completed"
                    } else {
                        "in_progress"
                    }
                    .to_string(),
                    conclusion: conclusion.map(str::to_string),
                    created_at: at(created),
                    updated_at: at(created + took),
                }
            },
        )
        .collect();
    // octo-app: a Release run five minutes before each release tag was pushed.
    let mut releases: Vec<(String, String)> = store
        .package("container", "octo/app")
        .map(|p| {
            p.versions
                .iter()
                .filter_map(|v| {
                    let tag = v.tags.iter().find(|t| t.starts_with('v'))?;
                    Some((tag.clone(), v.created_at.clone()))
                })
                .collect()
        })
        .unwrap_or_default();
    releases.sort_by(|a, b| a.1.cmp(&b.1));
    let app_runs: Vec<WorkflowRun> = releases
        .iter()
        .enumerate()
        .map(|(k, (tag, pushed))| {
            let pushed = epoch(pushed);
            WorkflowRun {
                id: 11_020_300_000 + k as i64 * 2_311_009,
                name: "Release".to_string(),
                path: ".github/workflows/release.yml".to_string(),
                workflow_id: 87_654_321,
                run_number: 7 + k as i64,
                event: "push".to_string(),
                head_branch: tag.clone(),
                head_sha: commit_sha(&format!("octocat/octo-app {tag}")),
                message: format!("Release {}", tag.trim_start_matches('v')),
                status: "completed".to_string(),
                conclusion: Some("success".to_string()),
                created_at: at(pushed - 300),
                updated_at: at(pushed + 120),
            }
        })
        .collect();

    store.add_workflow_runs(&web, &web_runs);
    store.add_workflow_runs(&app, &app_runs);
    for r in [hello, app, lib, web].into_iter().chain(others) {
        store.add_repository(r);
    }
}

/// Epoch seconds of a `YYYY-MM-DDTHH:MM:SSZ` date written by [`rfc3339`] (0 if it is not one).
fn epoch(date: &str) -> i64 {
    let n = |a: usize, b: usize| {
        date.get(a..b)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let (y, m, d) = (n(0, 4), n(5, 7), n(8, 10));
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) * 86_400 + n(11, 13) * 3600 + n(14, 16) * 60 + n(17, 19)
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
    use crate::{JsonRoute, AUTHENTICATED_USER};

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
        assert_eq!(all.len(), 132 + 9 + 5 + (4 + 4 + 2 + 1) + (3 + 2) + 5);
        assert_eq!(all[0].id, DEMO_FIRST_ID);
        for w in all.windows(2) {
            assert_eq!(w[0].id + 1, w[1].id);
            assert!(w[0].created_at <= w[1].created_at);
        }
    }

    #[test]
    fn demo_octo_web_images_carry_their_runs_commits() {
        let s = demo_store();
        let web = s.package("container", "octo/web").expect("octo/web");
        assert_eq!(web.repository.as_deref(), Some("octo-web"));
        let tags: Vec<Vec<String>> = web.listed(false).iter().map(|v| v.tags.clone()).collect();
        let sha = |n: i64| format!("sha-{}", &octo_web_commit(n)[..7]);
        assert_eq!(
            tags,
            vec![
                vec!["latest".to_string(), "main".to_string(), sha(45)],
                vec![sha(44)],
                vec!["v0.9.0".to_string(), sha(43)],
                vec![sha(42)],
                vec![sha(41)],
            ]
        );
        for v in &web.versions {
            assert_eq!(
                web.manifests.get(&v.name).map(|m| m.digest()),
                Some(v.name.clone())
            );
        }
        // The runs' list: newest first, wrapped, each commit the one its image's tag names.
        let Some(JsonRoute::List { items, wrap }) =
            s.json_route("GET", "/repos/octocat/octo-web/actions/runs")
        else {
            panic!("no runs of octo-web");
        };
        assert_eq!(wrap, &vec!["workflow_runs".to_string()]);
        assert_eq!(items.len(), 7);
        assert_eq!(items[0]["status"], "in_progress");
        let failed: Vec<&str> = items
            .iter()
            .filter(|r| r["conclusion"] == "failure" && r["name"] == "Docker")
            .filter_map(|r| r["head_sha"].as_str())
            .collect();
        assert_eq!(failed, vec![octo_web_commit(44), octo_web_commit(42)]);
    }

    #[test]
    fn demo_repositories_of_the_packages() {
        let s = demo_store();
        for p in s.packages() {
            let Some(r) = &p.repository else { continue };
            let path = format!("/repos/{}/{r}", p.owner);
            let Some(JsonRoute::Object(repo)) = s.json_route("GET", &path) else {
                panic!("{path} is not served");
            };
            assert_eq!(repo["full_name"], format!("{}/{r}", p.owner));
            assert_eq!(repo["archived"], r == "app-lib", "{path}");
            assert_eq!(repo["private"], p.visibility != "public", "{path}");
        }
        let Some(JsonRoute::List { items, .. }) = s.json_route("GET", "/user/repos") else {
            panic!("no /user/repos");
        };
        let names: Vec<&str> = items.iter().filter_map(|r| r["name"].as_str()).collect();
        assert_eq!(
            names,
            vec!["app-lib", "hello-world", "octo-app", "octo-web"]
        );
        assert!(matches!(
            s.json_route("GET", "/repos/octocat/hello-world/actions/runs"),
            Some(JsonRoute::List { items, .. }) if items.is_empty()
        ));
        for t in [
            "2023-03-14T09:26:53Z",
            "2024-02-29T23:59:59Z",
            "1970-01-01T00:00:00Z",
        ] {
            assert_eq!(rfc3339(epoch(t)), t);
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
