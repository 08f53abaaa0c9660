//! SELECT through the virtual table against the fake GitHub: pagination, get-by-id, parameters,
//! errors, encoding, JSON metadata, IN lists, joins.

mod common;

use common::{env, env_with_token, store, TOKEN};
use github_sql_fake::{Fault, TokenPolicy};

const BIG: &str = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";

#[test]
fn every_row_of_every_page() {
    let e = env(store());
    let ids = e.ids(&format!("SELECT id {BIG}")).expect("query");
    assert_eq!(ids.len(), 250);
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 250, "no duplicates across pages");
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "newest first, as GitHub sends them"
    );
    let mut reqs = e.requests();
    assert_eq!(reqs[0], "GET /user/packages/npm/big/versions?per_page=100");
    // Pages 2 and 3 go out together once page 1 names the last page; either may arrive first.
    reqs[1..].sort();
    assert_eq!(
        reqs,
        vec![
            "GET /user/packages/npm/big/versions?per_page=100",
            "GET /user/packages/npm/big/versions?per_page=100&page=2",
            "GET /user/packages/npm/big/versions?per_page=100&page=3",
        ]
    );
}

#[test]
fn headers_identify_the_client_and_carry_the_token() {
    let e = env(store());
    e.ids(&format!("SELECT id {BIG} LIMIT 1")).expect("query");
    let r = &e.fake.requests()[0];
    assert_eq!(
        r.authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(r.accept.as_deref(), Some("application/vnd.github+json"));
    assert_eq!(r.api_version.as_deref(), Some("2022-11-28"));
    assert_eq!(
        r.user_agent.as_deref(),
        Some(concat!("github-sql/", env!("CARGO_PKG_VERSION")))
    );
}

#[test]
fn get_by_id_is_exactly_one_request() {
    let e = env(store());
    let id = e.ids(&format!("SELECT id {BIG} LIMIT 1")).expect("query")[0];
    for pred in [
        format!("id = {id}"),
        format!("package_version_id = {id}"),
        format!("package_version_id = '{id}'"),
    ] {
        e.fake.clear_requests();
        let rows = e
            .rows(&format!(
                "SELECT id, name, package_version_id, package_name {BIG} AND {pred}"
            ))
            .expect("query");
        assert_eq!(rows.len(), 1, "{pred}");
        assert_eq!(rows[0][0], id.to_string());
        assert_eq!(
            rows[0][2],
            id.to_string(),
            "package_version_id reads the id"
        );
        assert_eq!(rows[0][3], "big");
        assert_eq!(
            e.requests(),
            vec![format!("GET /user/packages/npm/big/versions/{id}")],
            "{pred}"
        );
    }
    // An id that does not exist: 404 → no rows.
    e.fake.clear_requests();
    assert!(e
        .ids(&format!("SELECT id {BIG} AND id = 999999"))
        .expect("query")
        .is_empty());
    assert_eq!(e.requests().len(), 1);
}

#[test]
fn missing_parameters_are_named_and_nothing_is_sent() {
    let e = env(store());
    let msg = e.error("SELECT * FROM auth_user_versions");
    assert!(
        msg.contains("auth_user_versions needs package_name and package_type in WHERE"),
        "{msg}"
    );
    assert!(
        msg.contains("WHERE package_name = 'my-package' AND package_type = 'npm'"),
        "{msg}"
    );
    let msg = e.error("SELECT * FROM auth_user_versions WHERE package_name = 'big'");
    assert!(msg.contains("needs package_type in WHERE"), "{msg}");
    let msg = e.error(
        "SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name LIKE 'b%'",
    );
    assert!(msg.contains("needs package_name"), "{msg}");
    assert!(e.requests().is_empty(), "no request: {:?}", e.requests());
}

#[test]
fn bad_values_are_refused_before_any_request() {
    let e = env(store());
    let msg = e.error(
        "SELECT * FROM auth_user_versions WHERE package_type = 'pypi' AND package_name = 'big'",
    );
    assert_eq!(msg, "package_type \"pypi\" is not valid; use one of: npm, maven, rubygems, docker, nuget, container");
    let msg = e.error(&format!("SELECT * {BIG} AND id = 'abc'"));
    assert!(
        msg.contains("package_version_id must be a non-negative integer"),
        "{msg}"
    );
    let msg = e.error(&format!("SELECT * {BIG} AND state = 'gone'"));
    assert!(
        msg.contains("state \"gone\" is not valid; use one of: active, deleted"),
        "{msg}"
    );
    for path_name in ["''", "'.'", "'..'"] {
        let msg = e.error(&format!("SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name = {path_name}"));
        assert!(msg.contains("package_name"), "{msg}");
    }
    // NULL matches nothing, so nothing is asked.
    assert!(e
        .ids("SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = NULL")
        .expect("q")
        .is_empty());
    assert!(e.requests().is_empty(), "no request: {:?}", e.requests());
}

#[test]
fn container_names_with_a_slash_are_one_segment() {
    let e = env(store());
    let rows = e
        .rows("SELECT name, package_name FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app'")
        .expect("query");
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0], vec!["sha256:ddd", "team/app"]);
    assert_eq!(
        e.requests(),
        vec!["GET /user/packages/container/team%2Fapp/versions?per_page=100"]
    );
}

#[test]
fn metadata_is_json_for_json_extract() {
    let e = env(store());
    let rows = e
        .rows(
            "SELECT name, json_extract(metadata, '$.package_type'), json_array_length(json_extract(metadata, '$.container.tags'))
             FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app' ORDER BY name",
        )
        .expect("query");
    assert_eq!(
        rows,
        vec![
            vec!["sha256:aaa", "container", "1"],
            vec!["sha256:bbb", "container", "0"],
            vec!["sha256:ccc", "container", "2"],
            vec!["sha256:ddd", "container", "0"],
        ]
    );
    let untagged = e
        .ids(
            "SELECT count(*) FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app'
             AND json_array_length(json_extract(metadata, '$.container.tags')) = 0",
        )
        .expect("query");
    assert_eq!(untagged, vec![2]);
}

#[test]
fn in_lists_scan_each_package() {
    let e = env(store());
    let rows = e
        .rows("SELECT package_name, count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name IN ('small', 'big', 'empty', 'nope') GROUP BY 1 ORDER BY 1")
        .expect("query");
    assert_eq!(rows, vec![vec!["big", "250"], vec!["small", "3"]]);
    let mut reqs = e.requests();
    reqs.sort();
    assert_eq!(reqs.len(), 3 + 1 + 1 + 1, "{reqs:?}");
    assert!(reqs.contains(&"GET /user/packages/npm/nope/versions?per_page=100".to_string()));
}

#[test]
fn state_deleted_lists_deleted_versions() {
    let e = env(store());
    let rows = e
        .rows("SELECT name, state, deleted_at FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small' AND state = 'deleted'")
        .expect("query");
    assert_eq!(rows, vec![vec!["0.9.0", "deleted", "2024-05-01T00:00:00Z"]]);
    assert_eq!(
        e.requests(),
        vec!["GET /user/packages/npm/small/versions?state=deleted&per_page=100"]
    );
    let active = e
        .rows("SELECT DISTINCT state FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small'")
        .expect("query");
    assert_eq!(
        active,
        vec![vec!["active"]],
        "state reads its default when not given"
    );
}

#[test]
fn a_deleted_version_by_id_and_state() {
    let e = env(store());
    let id = e.ids("SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small' AND state = 'deleted'").expect("q")[0];
    e.fake.clear_requests();
    let rows = e
        .rows(&format!("SELECT name, state FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small' AND id = {id} AND state = 'deleted'"))
        .expect("q");
    assert_eq!(rows, vec![vec!["0.9.0", "deleted"]]);
    assert_eq!(
        e.requests(),
        vec!["GET /user/packages/npm/small/versions?state=deleted&per_page=100"],
        "the list applies state"
    );
}

#[test]
fn absent_packages_and_empty_packages_give_zero_rows() {
    let e = env(store());
    assert!(e.ids("SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'nope'").expect("q").is_empty());
    assert!(e.ids("SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'empty'").expect("q").is_empty());
}

#[test]
fn other_predicates_are_filtered_by_sqlite() {
    let e = env(store());
    let rows = e
        .rows("SELECT name FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app' AND created_at >= '2024-03-01' ORDER BY created_at")
        .expect("query");
    assert_eq!(rows, vec![vec!["sha256:ccc"], vec!["sha256:ddd"]]);
    // Contradicting equalities on a pushed parameter: SQLite keeps its own check.
    assert!(e
        .ids("SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'small' AND package_name = 'big'")
        .expect("q")
        .is_empty());
}

#[test]
fn joins_supply_parameters_from_another_table() {
    let e = env(store());
    e.conn
        .execute_batch("CREATE TABLE pk(name TEXT, type TEXT); INSERT INTO pk VALUES ('small', 'npm'), ('team/app', 'container');")
        .expect("setup");
    let rows = e
        .rows("SELECT pk.name, count(v.id) FROM pk JOIN auth_user_versions v ON v.package_name = pk.name AND v.package_type = pk.type GROUP BY 1 ORDER BY 1")
        .expect("join plans");
    assert_eq!(rows, vec![vec!["small", "3"], vec!["team/app", "4"]]);
    // The other join order: the vtab on the outside would need parameters it does not have.
    let rows = e
        .rows("SELECT count(*) FROM auth_user_versions v CROSS JOIN pk WHERE v.package_name = 'small' AND v.package_type = 'npm' AND pk.name = v.package_name")
        .expect("query");
    assert_eq!(rows, vec![vec!["3"]]);
}

#[test]
fn self_join_with_two_cursors() {
    let e = env(store());
    let rows = e
        .rows(
            "SELECT count(*) FROM auth_user_versions a JOIN auth_user_versions b
               ON b.package_type = 'npm' AND b.package_name = 'small' AND b.id = a.id
             WHERE a.package_type = 'npm' AND a.package_name = 'small'",
        )
        .expect("query");
    assert_eq!(rows, vec![vec!["3"]]);
}

#[test]
fn no_token_is_an_error_naming_github_token_and_sends_nothing() {
    let e = env_with_token(store(), None);
    let msg = e.error(&format!("SELECT id {BIG}"));
    assert!(msg.contains("GITHUB_TOKEN"), "{msg}");
    assert!(msg.contains("read:packages"), "{msg}");
    assert!(e.requests().is_empty());
}

#[test]
fn bad_token_and_missing_scope_errors_do_not_show_the_token() {
    let e = env(store());
    e.fake
        .set_token_policy(TokenPolicy::tokens(&[("other-token", &["read:packages"])]));
    let msg = e.error(&format!("SELECT id {BIG}"));
    assert!(
        msg.starts_with("GitHub rejected the token (401 Bad credentials)"),
        "{msg}"
    );
    assert!(!msg.contains(TOKEN), "{msg}");
    e.fake
        .set_token_policy(TokenPolicy::tokens(&[(TOKEN, &["repo"])]));
    let msg = e.error(&format!("SELECT id {BIG}"));
    assert!(msg.starts_with("GitHub refused the request (403 "), "{msg}");
    assert!(
        msg.contains("the token needs the read:packages scope"),
        "{msg}"
    );
    assert!(!msg.contains(TOKEN), "{msg}");
    let msg = e.error(
        "SELECT id FROM auth_user_versions WHERE package_type = 'maven' AND package_name = 'x'",
    );
    assert!(
        msg.contains("read:packages and repo scopes"),
        "maven needs repo too: {msg}"
    );
}

#[test]
fn github_errors_pass_their_message_on() {
    let e = env(store());
    e.fake
        .push_fault(Fault::error(422, "Validation Failed: per_page is too large").times(1));
    let msg = e.error(&format!("SELECT id {BIG}"));
    assert_eq!(
        msg,
        "GitHub could not process the request (422): Validation Failed: per_page is too large"
    );
    // A failing page is retried; one that keeps failing is an error, never a short result.
    e.fake
        .push_fault(Fault::error(500, "boom").query_contains("page=2").times(1));
    assert_eq!(
        e.ids(&format!("SELECT count(*) {BIG}")).expect("retried"),
        vec![250]
    );
    e.fake
        .push_fault(Fault::error(500, "boom").query_contains("page=2"));
    let msg = e.error(&format!("SELECT id {BIG}"));
    assert!(
        msg.contains("GitHub answered 500 for GET /user/packages/npm/big/versions?per_page=100&page=2 (after 4 tries): boom"),
        "{msg}"
    );
    e.fake.clear_faults();
    e.fake.push_fault(Fault::new(200, "not json").times(1));
    let msg = e.error(&format!("SELECT id {BIG}"));
    assert!(msg.contains("is not the expected JSON"), "{msg}");
}

#[test]
fn hidden_columns_are_not_in_select_star() {
    let e = env(store());
    let stmt = e.conn.prepare(&format!("SELECT * {BIG}")).expect("prepare");
    let names: Vec<&str> = stmt.column_names().collect();
    assert_eq!(
        names,
        vec![
            "id",
            "name",
            "description",
            "created_at",
            "deleted_at",
            "html_url",
            "license",
            "metadata",
            "package_html_url",
            "updated_at",
            "url",
            "package_name",
            "package_type"
        ]
    );
    let types: Vec<Option<String>> = stmt
        .columns()
        .map(|c| c.decl_type().map(String::from))
        .collect();
    assert_eq!(types[0].as_deref(), Some("INTEGER"));
    assert_eq!(types[7].as_deref(), Some("JSON"));
}

#[test]
fn table_valued_function_syntax_is_not_needed_but_pragma_lists_columns() {
    let e = env(store());
    let rows = e
        .rows("SELECT name, hidden FROM pragma_table_xinfo('auth_user_versions') WHERE hidden != 0")
        .expect("q");
    assert_eq!(
        rows,
        vec![vec!["package_version_id", "1"], vec!["state", "1"]]
    );
    assert_eq!(
        e.rows("SELECT github_sql_version()").expect("q"),
        vec![vec![env!("CARGO_PKG_VERSION")]]
    );
}

#[test]
fn scopes_are_per_service_a_403_elsewhere_never_names_the_packages_scopes() {
    let mut s = store();
    s.add_json_route(
        "GET",
        "/repos/octo/app/actions/runs",
        github_sql_fake::JsonRoute::Status {
            status: 403,
            body: serde_json::json!({"message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest"}),
        },
    );
    let e = env(s);
    let msg = e.error("SELECT id FROM workflow_runs WHERE owner = 'octo' AND repo = 'app'");
    assert!(msg.starts_with("GitHub refused the request (403 "), "{msg}");
    assert!(!msg.contains("read:packages"), "{msg}");
    assert!(msg.contains("GitHub named no scope"), "{msg}");
    // Without a token, the packages tables name theirs and the others say what they can.
    let e = env_with_token(store(), None);
    let msg = e.error("SELECT id FROM workflow_runs WHERE owner = 'octo' AND repo = 'app'");
    assert!(msg.contains("GITHUB_TOKEN"), "{msg}");
    assert!(!msg.contains("read:packages"), "{msg}");
    assert!(e.requests().is_empty());
    let p = github_sql::spec::load_embedded().expect("provider");
    let runs = p.resource_by_name("workflow_runs").expect("workflow_runs");
    assert!(runs.methods.iter().all(|m| m.scopes.is_empty()));
    let versions = p.resource_by_name("auth_user_versions").expect("versions");
    assert!(versions
        .methods
        .iter()
        .all(|m| m.scopes.contains(&"read:packages".to_string())));
}

#[test]
fn githubs_multi_segment_parameters_keep_their_slashes() {
    // GitHub's description marks `ref` and a contents `path` with `x-multi-segment: true`: a
    // `heads/feature-a` or `src/main.rs` is several path segments, each still percent-encoded.
    let mut s = store();
    s.add_json_route(
        "GET",
        "/repos/octo/app/git/ref/heads/feature-a",
        github_sql_fake::JsonRoute::Object(serde_json::json!({
            "ref": "refs/heads/feature-a", "node_id": "x", "url": "u",
            "object": {"type": "commit", "sha": "aa", "url": "u"}
        })),
    );
    s.add_json_route(
        "GET",
        "/repos/octo/app/contents/src/m%20ain.rs",
        github_sql_fake::JsonRoute::Object(serde_json::json!({
            "type": "file", "name": "m ain.rs", "path": "src/m ain.rs", "sha": "bb", "size": 3
        })),
    );
    let e = env(s);
    let rows = e
        .rows(
            "SELECT json_extract(object, '$.sha') FROM refs \
             WHERE owner = 'octo' AND repo = 'app' AND ref = 'heads/feature-a'",
        )
        .expect("the ref");
    assert_eq!(rows, vec![vec!["aa".to_string()]]);
    let rows = e
        .rows(
            "SELECT sha FROM contents WHERE owner = 'octo' AND repo = 'app' AND path = 'src/m ain.rs'",
        )
        .expect("the file");
    assert_eq!(rows, vec![vec!["bb".to_string()]]);
    assert_eq!(
        e.requests(),
        [
            "GET /repos/octo/app/git/ref/heads/feature-a",
            "GET /repos/octo/app/contents/src/m%20ain.rs"
        ]
    );
}
