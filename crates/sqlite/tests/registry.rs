//! The registry service on the fake: manifests, the token handshake, the digest checks, the safe
//! prune of docs/pruning.md (exactly the orphan goes; it fails closed) and the retention rules,
//! run from the files in docs/examples/ that docs/pruning.md shows.

mod common;

use std::time::{Duration, Instant};

use common::{env, env_with, error_text, Env};
use github_sql::http::{Bounds, ClientConfig, RetryPolicy};
use github_sql_fake::sample::{demo_store, octo_app_manifests};
use github_sql_fake::{Fault, Store};

fn example(name: &str) -> String {
    let path = format!("{}/../../docs/examples/{name}", env!("CARGO_MANIFEST_DIR"));
    let sql = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let doc = std::fs::read_to_string(format!(
        "{}/../../docs/pruning.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("pruning.md");
    assert!(
        doc.contains(sql.trim()),
        "docs/pruning.md must show docs/examples/{name} verbatim"
    );
    // The extension and the tests use bare table names; the shell rewrites three-part ones.
    sql.replace("github.packages.", "")
        .replace("github.registry.", "")
}

/// Runs a script (statements separated by `;` at line ends).
fn run(e: &Env, sql: &str) -> rusqlite::Result<()> {
    e.conn.execute_batch(sql)
}

fn deletes(e: &Env) -> Vec<String> {
    e.requests_of("DELETE")
}

fn version_id(store: &Store, owner: &str, name: &str, digest: &str) -> i64 {
    store
        .package_of(owner, "container", name)
        .and_then(|p| p.versions.iter().find(|v| v.name == digest))
        .map(|v| v.id)
        .expect("version")
}

#[test]
fn manifests_are_read_with_the_handshake_and_match_their_versions() {
    let e = env(demo_store());
    let rows = e
        .rows(
            "SELECT v.name, m.digest, m.media_type, m.size FROM auth_user_versions AS v \
             JOIN manifests AS m ON m.owner = 'octocat' AND m.image = v.package_name AND m.reference = v.name \
             WHERE v.package_type = 'container' AND v.package_name = 'octo/app'",
        )
        .expect("query");
    let manifests = octo_app_manifests();
    assert_eq!(rows.len(), manifests.len());
    for r in &rows {
        assert_eq!(r[0], r[1], "the computed digest is the version's name");
        let m = manifests
            .iter()
            .find(|m| m.digest() == r[1])
            .expect("a known manifest");
        assert_eq!(r[2], m.media_type);
        assert_eq!(r[3], m.body.len().to_string());
    }
    let log = e.fake.requests();
    let first = log
        .iter()
        .position(|r| r.path.starts_with("/v2/"))
        .expect("registry request");
    assert_eq!(
        log[first].status, 401,
        "the first registry request is anonymous"
    );
    assert!(log[first].authorization.is_none());
    let token = log
        .iter()
        .find(|r| r.path == "/token")
        .expect("token request");
    assert!(token
        .authorization
        .as_deref()
        .is_some_and(|a| a.starts_with("Basic ")));
    assert!(token
        .query
        .as_deref()
        .is_some_and(|q| q.contains("scope=repository%3Aoctocat%2Focto%2Fapp%3Apull")));
    let ok = log
        .iter()
        .filter(|r| r.path.starts_with("/v2/") && r.status == 200)
        .collect::<Vec<_>>();
    assert!(!ok.is_empty());
    for r in ok {
        let auth = r.authorization.as_deref().unwrap_or_default();
        assert!(auth.starts_with("Bearer fake-registry-token-"), "{auth}");
        assert!(
            !auth.contains(common::TOKEN),
            "the GitHub token is not the bearer"
        );
        assert!(r
            .accept
            .as_deref()
            .is_some_and(|a| a.contains("application/vnd.oci.image.index.v1+json")));
    }
    // The same digests again: served from the content-addressed cache, no request.
    e.fake.clear_requests();
    let again = e
        .rows(&format!(
            "SELECT digest FROM manifests WHERE owner = 'octocat' AND image = 'octo/app' AND reference = '{}'",
            manifests[6].digest()
        ))
        .expect("again");
    assert_eq!(again, vec![vec![manifests[6].digest()]]);
    assert!(
        e.requests().iter().all(|r| !r.contains("/manifests/")),
        "{:?}",
        e.requests()
    );
}

#[test]
fn index_entries_give_platforms_and_tags_list() {
    let e = env(demo_store());
    let rows = e
        .rows(
            "SELECT os, architecture, variant, digest, index_digest FROM index_entries \
             WHERE owner = 'octocat' AND image = 'octo/app' AND reference = 'latest'",
        )
        .expect("entries");
    let m = octo_app_manifests();
    let got: Vec<(String, String, String, String)> = rows
        .iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone(), r[3].clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("linux".into(), "amd64".into(), "NULL".into(), m[5].digest()),
            ("linux".into(), "arm64".into(), "v8".into(), m[3].digest()),
            (
                "unknown".into(),
                "unknown".into(),
                "NULL".into(),
                m[2].digest()
            ),
        ]
    );
    assert!(rows.iter().all(|r| r[4] == m[6].digest()));
    let none = e
        .rows(&format!(
            "SELECT * FROM index_entries WHERE owner = 'octocat' AND image = 'octo/app' AND reference = '{}'",
            m[1].digest()
        ))
        .expect("an image manifest has no entries");
    assert!(none.is_empty());
    let tags = e
        .rows("SELECT t.value FROM registry_tags AS r, json_each(r.tags) AS t WHERE r.owner = 'octocat' AND r.image = 'octo/app' ORDER BY 1")
        .expect("tags");
    let store = demo_store();
    let mut want: Vec<String> = store
        .package("container", "octo/app")
        .map(|p| p.versions.iter().flat_map(|v| v.tags.clone()).collect())
        .unwrap_or_default();
    want.sort();
    assert_eq!(
        tags.into_iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        want
    );
}

#[test]
fn a_missing_or_altered_manifest_is_an_error() {
    let e = env(demo_store());
    let msg = e.error(
        "SELECT * FROM manifests WHERE owner = 'octocat' AND image = 'octo/app' AND reference = 'sha256:0000000000000000000000000000000000000000000000000000000000000000'",
    );
    assert!(msg.contains("has no manifest sha256:0000"), "{msg}");
    assert!(msg.contains("octocat/octo/app"), "{msg}");
    // A body that is not what its digest says is refused.
    let m = octo_app_manifests();
    e.fake.push_fault(
        Fault::new(200, "{\"schemaVersion\": 2}").path_contains(&m[4].digest().replace(':', "%3A")),
    );
    let msg = e.error(&format!(
        "SELECT * FROM manifests WHERE owner = 'octocat' AND image = 'octo/app' AND reference = '{}'",
        m[4].digest()
    ));
    assert!(msg.contains("refusing to use it"), "{msg}");
    assert!(msg.contains(&m[4].digest()), "{msg}");
}

#[test]
fn safe_prune_deletes_exactly_the_orphan() {
    let store = demo_store();
    let m = octo_app_manifests();
    let orphan = version_id(&store, "octocat", "octo/app", &m[0].digest());
    let e = env(store);
    run(&e, &example("safe-prune.sql")).expect("safe prune");
    assert_eq!(
        deletes(&e),
        vec![format!(
            "DELETE /user/packages/container/octo%2Fapp/versions/{orphan}"
        )]
    );
    // The tagged image still resolves completely: every entry is still a version.
    let left = e
        .rows("SELECT name FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'octo/app'")
        .expect("left");
    assert_eq!(left.len(), m.len() - 1);
    for k in [2, 3, 5, 7] {
        assert!(
            left.iter().any(|r| r[0] == m[k].digest()),
            "manifest {k} kept"
        );
    }
}

#[test]
fn safe_prune_fails_closed_on_a_ghost_image() {
    let sql = example("safe-prune.sql")
        .replace("auth_user_versions", "user_versions")
        .replace(
            "WHERE package_type",
            "WHERE username = 'hubot' AND package_type",
        )
        .replace("octocat", "hubot")
        .replace("octo/app", "hubot/brain");
    let e = env(demo_store());
    let err = run(&e, &sql).expect_err("ghost");
    let msg = error_text(&err);
    assert!(msg.contains("has no manifest"), "{msg}");
    assert!(deletes(&e).is_empty(), "{:?}", deletes(&e));
}

#[test]
fn safe_prune_fails_closed_when_a_manifest_cannot_be_read() {
    let e = env(demo_store());
    let m = octo_app_manifests();
    // The orphan itself cannot be read: it must not be deleted blindly, nor anything else.
    e.fake
        .push_fault(Fault::error(500, "boom").path_contains(&m[0].digest().replace(':', "%3A")));
    let err = run(&e, &example("safe-prune.sql")).expect_err("fault");
    let msg = error_text(&err);
    assert!(msg.contains("500"), "{msg}");
    assert!(deletes(&e).is_empty(), "{:?}", deletes(&e));
}

#[test]
fn broken_images_are_found() {
    let e = env(demo_store());
    let rows = e
        .rows(&example("broken-images.sql"))
        .expect("broken images");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][4], "partial");
    assert_eq!((rows[0][2].as_str(), rows[0][3].as_str()), ("2", "1"));
    let ghost = example("broken-images.sql")
        .replace("org_versions", "user_versions")
        .replace("org = 'octo-org'", "username = 'hubot'")
        .replace("'octo-org'", "'hubot'")
        .replace("platform/api", "hubot/brain");
    let rows = e.rows(&ghost).expect("ghost");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0][4], "ghost");
}

/// Ids of the versions of a package, newest first, with their names, dates and tags.
fn versions(
    store: &Store,
    owner: &str,
    t: &str,
    name: &str,
) -> Vec<(i64, String, String, Vec<String>)> {
    let p = store.package_of(owner, t, name).expect("package");
    p.listed(false)
        .into_iter()
        .map(|v| (v.id, v.name.clone(), v.created_at.clone(), v.tags.clone()))
        .collect()
}

fn deleted_ids(e: &Env) -> Vec<i64> {
    let mut ids: Vec<i64> = deletes(e)
        .iter()
        .filter_map(|d| d.rsplit('/').next().and_then(|i| i.parse().ok()))
        .collect();
    ids.sort();
    ids
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort();
    v
}

#[test]
fn retention_keep_newest_tagged() {
    let store = demo_store();
    let want: Vec<i64> = versions(&store, "octocat", "container", "octo/app")
        .into_iter()
        .filter(|v| v.3.iter().any(|t| !t.starts_with("sha256-")))
        .skip(2)
        .map(|v| v.0)
        .collect();
    let e = env(store);
    run(&e, &example("keep-newest-tagged.sql")).expect("run");
    assert!(!want.is_empty());
    assert_eq!(deleted_ids(&e), sorted(want));
}

#[test]
fn retention_older_than_and_per_pattern() {
    let store = demo_store();
    let hw = versions(&store, "octocat", "npm", "hello-world");
    let newest3: Vec<i64> = hw.iter().take(3).map(|v| v.0).collect();
    // Undeletable versions (public, > 5000 downloads) make GitHub refuse some; count attempts.
    let older: Vec<i64> = hw
        .iter()
        .filter(|v| v.2.as_str() < "2023-06-01" && !newest3.contains(&v.0))
        .map(|v| v.0)
        .collect();
    let e = env(store.clone());
    let _ = run(&e, &example("older-than.sql"));
    assert_eq!(deleted_ids(&e), sorted(older));

    let mut per_line: std::collections::HashMap<String, usize> = Default::default();
    let mut want = Vec::new();
    for v in &hw {
        let line = v.1.split('.').next().unwrap_or_default().to_string();
        let n = per_line.entry(line).or_default();
        *n += 1;
        if *n > 2 {
            want.push(v.0);
        }
    }
    let e = env(store);
    // More than 100 rows: without intent nothing is sent (the bulk-delete rule)...
    assert!(want.len() > 100, "{}", want.len());
    let refused = run(&e, &example("newest-per-tag-pattern.sql"))
        .expect_err("a bulk DELETE needs confirmation");
    assert!(
        refused.to_string().contains("github_sql_confirm_deletes"),
        "{refused}"
    );
    assert!(deleted_ids(&e).is_empty());
    // ...and with it, exactly the versions past each line's newest two go.
    e.conn
        .query_row(
            "SELECT github_sql_confirm_deletes(?1)",
            [want.len() as i64],
            |_| Ok(()),
        )
        .expect("confirm");
    let _ = run(&e, &example("newest-per-tag-pattern.sql"));
    assert_eq!(deleted_ids(&e), sorted(want));
}

#[test]
fn retention_by_tag_and_regex() {
    let store = demo_store();
    let want: Vec<i64> = versions(&store, "octocat", "container", "octo/app")
        .into_iter()
        .filter(|v| {
            v.3.iter()
                .any(|t| t.starts_with("v1.0.") || t.starts_with("v1.1."))
        })
        .map(|v| v.0)
        .collect();
    let e = env(store.clone());
    run(&e, &example("by-tag.sql")).expect("by tag");
    assert_eq!(deleted_ids(&e), sorted(want));

    let re_start = regex::Regex::new(r"^0\.").expect("re");
    let re_end = regex::Regex::new(r"\.0$").expect("re");
    let want: Vec<i64> = versions(&store, "octocat", "npm", "hello-world")
        .into_iter()
        .filter(|v| re_start.is_match(&v.1) && !re_end.is_match(&v.1))
        .map(|v| v.0)
        .collect();
    let e = env(store);
    run(&e, &example("regex.sql")).expect("regex");
    assert_eq!(deleted_ids(&e), sorted(want));
    // A bad pattern names itself.
    let msg = e.error("SELECT 'a' REGEXP '('");
    assert!(
        msg.contains("REGEXP pattern \"(\" is not a valid regular expression"),
        "{msg}"
    );
    // delete-only-pre-release-versions' rule, on the deleted pre-releases.
    let pre = e
        .rows("SELECT name FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'hello-world' AND state = 'deleted' AND NOT name REGEXP '^(0|[1-9]\\d*)(\\.(0|[1-9]\\d*))*$' ORDER BY name")
        .expect("pre-releases");
    assert_eq!(
        pre,
        vec![
            vec!["1.0.0-beta.1".to_string()],
            vec!["2.0.0-rc.1".to_string()]
        ]
    );
}

#[test]
fn retention_across_packages_and_organization() {
    let store = demo_store();
    let want: Vec<i64> = versions(&store, "octocat", "npm", "hello-world")
        .into_iter()
        .skip(100)
        .map(|v| v.0)
        .collect();
    let e = env(store.clone());
    let _ = run(&e, &example("all-packages.sql"));
    assert_eq!(deleted_ids(&e), sorted(want));

    // Org-wide: untagged, older than the date, and not an entry of a tagged index.
    let api = store
        .package_of("octo-org", "container", "platform/api")
        .expect("api");
    let entries: Vec<String> = api
        .versions
        .iter()
        .filter(|v| !v.tags.is_empty())
        .filter_map(|v| api.manifests.get(&v.name))
        .flat_map(|m| {
            let j: serde_json::Value = serde_json::from_slice(&m.body).unwrap_or_default();
            j["manifests"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter_map(|d| d["digest"].as_str().map(String::from))
                .collect::<Vec<_>>()
        })
        .collect();
    let want: Vec<i64> = api
        .versions
        .iter()
        .filter(|v| v.tags.is_empty() && v.created_at.as_str() < "2025-05-01")
        .filter(|v| !entries.contains(&v.name))
        .map(|v| v.id)
        .collect();
    let e = env(store);
    run(&e, &example("org-wide.sql")).expect("org-wide");
    assert!(!want.is_empty());
    assert_eq!(deleted_ids(&e), sorted(want));
}

/// Requests the fake received for the registry's `/v2/` API.
fn registry_requests(e: &Env) -> Vec<github_sql_fake::LoggedRequest> {
    e.fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/v2/"))
        .collect()
}

fn manifest_query(digest: &str) -> String {
    format!(
        "SELECT digest FROM manifests WHERE owner = 'octocat' AND image = 'octo/app' AND reference = '{digest}'"
    )
}

#[test]
fn a_manifest_over_the_body_bound_is_a_clear_error() {
    let e = env_with(demo_store(), |c| ClientConfig {
        bounds: Bounds {
            max_body: 1024 * 1024,
            ..Bounds::default()
        },
        ..c
    });
    let m = octo_app_manifests();
    e.fake
        .push_fault(Fault::oversized(3 * 1024 * 1024).path_contains("/manifests/"));
    let msg = e.error(&manifest_query(&m[1].digest()));
    assert!(
        msg.contains("over the response body size bound (1 MiB)"),
        "{msg}"
    );
    assert!(msg.contains("GITHUB_SQL_MAX_BODY_MB"), "{msg}");
    assert!(
        msg.contains("/v2/octocat/octo/app/manifests/sha256"),
        "{msg}"
    );
    assert_eq!(
        registry_requests(&e).len(),
        1,
        "an answer over the bound is not retried"
    );
}

#[test]
fn a_registry_that_keeps_answering_503_stops_at_the_statement_deadline() {
    let e = env_with(demo_store(), |c| ClientConfig {
        bounds: Bounds {
            deadline: Duration::from_secs(2),
            ..Bounds::default()
        },
        retry: RetryPolicy {
            tries: 1000,
            base_backoff: Duration::from_millis(300),
            max_backoff: Duration::from_millis(300),
            ..RetryPolicy::default()
        },
        ..c
    });
    e.fake
        .push_fault(Fault::error(503, "Service Unavailable").path_contains("/v2/"));
    let m = octo_app_manifests();
    let start = Instant::now();
    let msg = e.error(&manifest_query(&m[1].digest()));
    assert!(start.elapsed() < Duration::from_secs(10), "{msg}");
    assert!(msg.contains("statement deadline bound (2 s)"), "{msg}");
    assert!(msg.contains("GITHUB_SQL_DEADLINE"), "{msg}");
    assert!(
        msg.contains("the retry of GET /v2/octocat/octo/app/manifests/"),
        "the retry wait itself stopped at the deadline: {msg}"
    );
    let sent = registry_requests(&e);
    assert!(sent.len() >= 2, "it retried: {}", sent.len());
    assert!(sent.iter().all(|r| r.status == 503));
}

#[test]
fn sqlite_interrupt_ends_the_backoff_after_a_registry_503() {
    let e = env_with(demo_store(), |c| ClientConfig {
        retry: RetryPolicy {
            base_backoff: Duration::from_secs(60),
            max_backoff: Duration::from_secs(60),
            ..RetryPolicy::default()
        },
        ..c
    });
    e.fake
        .push_fault(Fault::error(503, "Service Unavailable").path_contains("/v2/"));
    let m = octo_app_manifests();
    let handle = e.conn.get_interrupt_handle();
    let fake = &e.fake;
    let (msg, took) = std::thread::scope(|s| {
        s.spawn(move || {
            let start = Instant::now();
            while !fake.requests().iter().any(|r| r.status == 503) {
                assert!(start.elapsed() < Duration::from_secs(30), "never waited");
                std::thread::sleep(Duration::from_millis(20));
            }
            std::thread::sleep(Duration::from_millis(200));
            handle.interrupt();
        });
        let start = Instant::now();
        let msg = e.error(&manifest_query(&m[1].digest()));
        (msg, start.elapsed())
    });
    assert!(msg.contains("interrupted"), "{msg}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(
        registry_requests(&e).len(),
        1,
        "no retry after the interrupt"
    );
}
