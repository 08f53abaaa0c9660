//! DELETE (transactional, paced, partial failures), EXEC restore (function and shell), refusals,
//! metadata statements and the trust level, against the fake GitHub.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{env, env_with, error_text, Env, TOKEN};
use github_sql_fake::{Fault, Store, TokenPolicy, Version};
use github_sql_shell::output::OutputFormat;
use github_sql_shell::Session;

/// container `team/app`: 7 versions, 3 tagged and 4 untagged; npm `big`: 250; npm `lib`: 3.
fn store() -> Store {
    let mut s = Store::new();
    let app = s.add_package("container", "team/app");
    for (i, tags) in [&["v1"][..], &[], &[], &["v2"], &[], &["latest", "v3"], &[]]
        .iter()
        .enumerate()
    {
        app.add_version(
            Version::new(
                format!("sha256:{i:064}"),
                format!("2024-0{}-01T00:00:00Z", i + 1),
            )
            .with_tags(tags),
        );
    }
    s.add_package("npm", "big").add_versions(250);
    s.add_package("npm", "lib").add_versions(3);
    s
}

const APP: &str =
    "FROM auth_user_versions WHERE package_type = 'container' AND package_name = 'team/app'";
const UNTAGGED: &str = "json_array_length(json_extract(metadata, '$.container.tags')) = 0";

fn ids(e: &Env, sql: &str) -> Vec<i64> {
    e.ids(sql).expect(sql)
}

#[test]
fn delete_by_id_sends_exactly_one_delete() {
    let e = env(store());
    let v = ids(&e, "SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' LIMIT 2");
    for (id, pred) in [
        (v[0], format!("package_version_id = '{}'", v[0])),
        (v[1], format!("id = {}", v[1])),
    ] {
        e.fake.clear_requests();
        let n = e
            .conn
            .execute(
                &format!("DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' AND {pred}"),
                [],
            )
            .expect("delete");
        assert_eq!(n, 1, "{pred}");
        assert_eq!(
            e.requests_of("DELETE"),
            vec![format!("DELETE /user/packages/npm/big/versions/{id}")],
            "{pred}"
        );
        assert_eq!(
            e.requests_of("GET"),
            vec![format!("GET /user/packages/npm/big/versions/{id}")],
            "one GET, no list"
        );
    }
}

#[test]
fn predicate_delete_removes_only_the_matches() {
    let e = env(store());
    let untagged = ids(&e, &format!("SELECT id {APP} AND {UNTAGGED} ORDER BY id"));
    assert_eq!(untagged.len(), 4);
    e.fake.clear_requests();
    let n = e
        .conn
        .execute(&format!("DELETE {APP} AND {UNTAGGED}"), [])
        .expect("delete");
    assert_eq!(n, 4);
    let mut deleted: Vec<String> = e.requests_of("DELETE");
    deleted.sort();
    let mut want: Vec<String> = untagged
        .iter()
        .map(|id| format!("DELETE /user/packages/container/team%2Fapp/versions/{id}"))
        .collect();
    want.sort();
    assert_eq!(deleted, want);
    assert_eq!(ids(&e, &format!("SELECT count(*) {APP}")), vec![3]);
    assert_eq!(
        ids(&e, &format!("SELECT count(*) {APP} AND state = 'deleted'")),
        vec![4]
    );
}

#[test]
fn deleting_every_other_version_across_pages_skips_nothing() {
    let e = env(store());
    let big = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big'";
    // 125 rows is over the bulk threshold: confirmed for this one COMMIT.
    e.conn
        .query_row("SELECT github_sql_confirm_deletes(125)", [], |_| Ok(()))
        .expect("confirm");
    let n = e
        .conn
        .execute(&format!("DELETE {big} AND id % 2 = 0"), [])
        .expect("delete");
    assert_eq!(n, 125);
    assert_eq!(e.requests_of("DELETE").len(), 125);
    assert_eq!(
        ids(&e, &format!("SELECT count(*) {big} AND id % 2 = 0")),
        vec![0],
        "no match left"
    );
    assert_eq!(ids(&e, &format!("SELECT count(*) {big}")), vec![125]);
}

#[test]
fn rollback_sends_nothing_and_commit_sends_at_commit() {
    let e = env(store());
    e.conn
        .execute_batch(&format!("BEGIN; DELETE {APP} AND {UNTAGGED}; ROLLBACK;"))
        .expect("rollback");
    assert!(
        e.requests_of("DELETE").is_empty(),
        "ROLLBACK sent {:?}",
        e.requests_of("DELETE")
    );
    e.conn
        .execute_batch(&format!("BEGIN; DELETE {APP} AND {UNTAGGED};"))
        .expect("delete queued");
    assert!(e.requests_of("DELETE").is_empty(), "nothing before COMMIT");
    e.conn.execute_batch("COMMIT").expect("commit");
    assert_eq!(e.requests_of("DELETE").len(), 4);
}

#[test]
fn rollback_to_a_savepoint_takes_back_the_deletes_after_it() {
    let e = env(store());
    let lib = "FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib'";
    let ids = ids(&e, &format!("SELECT id {lib} ORDER BY id"));
    e.conn
        .execute_batch(&format!(
            "BEGIN; DELETE {lib} AND id = {}; SAVEPOINT a; DELETE {lib} AND id = {}; \
             SAVEPOINT b; DELETE {APP}; ROLLBACK TO a; RELEASE a; COMMIT;",
            ids[0], ids[1]
        ))
        .expect("transaction");
    assert_eq!(
        e.requests_of("DELETE"),
        vec![format!("DELETE /user/packages/npm/lib/versions/{}", ids[0])],
        "only the delete before the savepoint went out"
    );
    e.fake.clear_requests();
    e.conn
        .execute_batch(&format!(
            "SAVEPOINT s; DELETE {lib} AND id = {}; ROLLBACK TO s; RELEASE s;",
            ids[1]
        ))
        .expect("savepoint as transaction");
    assert!(e.requests_of("DELETE").is_empty());
}

#[test]
fn writes_are_paced_one_second_apart_by_default() {
    let e = env_with(store(), |c| {
        c.with_write_delay(github_sql::http::DEFAULT_WRITE_DELAY)
    });
    let start = Instant::now();
    let n = e
        .conn
        .execute("DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'big' AND id IN (10, 11, 12)", [])
        .expect("delete");
    assert_eq!(n, 3);
    assert!(
        start.elapsed() >= Duration::from_millis(2000),
        "3 writes ≥ 1 s apart took {:?}",
        start.elapsed()
    );
}

#[test]
fn partial_failure_says_what_was_deleted_and_what_failed() {
    let e = env(store());
    let untagged = ids(&e, &format!("SELECT id {APP} AND {UNTAGGED} ORDER BY id"));
    let bad = untagged[1];
    e.fake.push_fault(
        Fault::error(
            400,
            "Publicly visible package versions with more than 5000 downloads cannot be deleted.",
        )
        .method("DELETE")
        .path_contains(&format!("/versions/{bad}")),
    );
    let err = e
        .conn
        .execute(&format!("DELETE {APP} AND {UNTAGGED}"), [])
        .expect_err("partial failure");
    let msg = error_text(&err);
    assert!(
        msg.starts_with("DELETE on auth_user_versions deleted 3 of 4 rows; 1 failed:"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("package_version_id {bad}: GitHub answered 400")),
        "{msg}"
    );
    assert!(msg.contains("more than 5000 downloads"), "{msg}");
    assert!(msg.contains("restorable for 30 days: EXEC github.packages.auth_user_versions.restore_package_version_for_authenticated_user"), "{msg}");
    assert_eq!(
        e.requests_of("DELETE").len(),
        4,
        "the others were still sent"
    );
}

#[test]
fn auth_failures_stop_the_rest_and_name_the_scope() {
    let e = env(store());
    e.fake
        .set_token_policy(TokenPolicy::tokens(&[(TOKEN, &["read:packages"])]));
    let err = e
        .conn
        .execute(&format!("DELETE {APP} AND {UNTAGGED}"), [])
        .expect_err("403");
    let msg = error_text(&err);
    assert!(
        msg.contains("deleted 0 of 4 rows; 1 failed, 3 not sent"),
        "{msg}"
    );
    assert!(
        msg.contains("the token needs the read:packages and delete:packages scopes"),
        "{msg}"
    );
    assert!(!msg.contains("restorable"), "nothing was deleted: {msg}");
    assert_eq!(e.requests_of("DELETE").len(), 1);
    assert!(!msg.contains(TOKEN));
}

#[test]
fn delete_needs_the_same_parameters_as_select() {
    let e = env(store());
    let err = e
        .conn
        .execute(
            "DELETE FROM auth_user_versions WHERE created_at < '2024-01-01'",
            [],
        )
        .expect_err("missing");
    assert!(
        error_text(&err).contains("needs package_name and package_type"),
        "{err}"
    );
    assert!(e.fake.requests().is_empty());
}

#[test]
fn insert_and_update_are_refused_without_writes() {
    let e = env(store());
    let err = e
        .conn
        .execute("INSERT INTO auth_user_versions(name) VALUES ('x')", [])
        .expect_err("insert");
    assert_eq!(
        error_text(&err),
        "auth_user_versions supports SELECT, DELETE and EXEC restore_package_version_for_authenticated_user; INSERT is not supported"
    );
    let err = e.conn.execute("UPDATE auth_user_versions SET name = 'x' WHERE package_type = 'npm' AND package_name = 'lib'", []).expect_err("update");
    assert!(
        error_text(&err).ends_with("UPDATE is not supported"),
        "{err}"
    );
    assert!(
        e.fake.requests().iter().all(|r| r.method == "GET"),
        "{:?}",
        e.requests()
    );
}

#[test]
fn restore_by_sql_function() {
    let e = env(store());
    let id = ids(&e, "SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib' LIMIT 1")[0];
    e.conn.execute(&format!("DELETE FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib' AND id = {id}"), []).expect("delete");
    assert_eq!(ids(&e, "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib'"), vec![2]);
    let r: String = e
        .conn
        .query_row(
            "SELECT restore_package_version_for_authenticated_user('lib', 'npm', ?1)",
            [id],
            |r| r.get(0),
        )
        .expect("restore");
    assert_eq!(r, "ok");
    assert!(e.requests_of("POST").contains(&format!(
        "POST /user/packages/npm/lib/versions/{id}/restore"
    )));
    assert_eq!(ids(&e, "SELECT count(*) FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib'"), vec![3]);
    // Wrong arity and bad values: clear errors, nothing sent.
    e.fake.clear_requests();
    let err = e
        .conn
        .query_row(
            "SELECT restore_package_version_for_authenticated_user('lib', 'npm')",
            [],
            |r| r.get::<_, String>(0),
        )
        .expect_err("arity");
    assert!(
        error_text(&err)
            .contains("(package_name, package_type, package_version_id) takes 3 arguments, got 2"),
        "{err}"
    );
    let err = e
        .conn
        .query_row(
            "SELECT restore_package_version_for_authenticated_user('lib', 'pypi', 1)",
            [],
            |r| r.get::<_, String>(0),
        )
        .expect_err("enum");
    assert!(
        error_text(&err).contains("package_type \"pypi\" is not valid"),
        "{err}"
    );
    assert!(e.fake.requests().is_empty());
}

fn session(e: &Env, dry_run: bool) -> Session {
    let mut s = Session::new(e.engine.clone(), OutputFormat::Csv).expect("session");
    s.dry_run = dry_run;
    s
}

fn run(s: &Session, sql: &str) -> Result<String, String> {
    let mut out = Vec::new();
    s.run_script(sql, &mut out).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[test]
fn restore_by_exec_in_the_shell() {
    let e = env(store());
    let s = session(&e, false);
    let id = ids(&e, "SELECT id FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib' LIMIT 1")[0];
    run(&s, &format!("DELETE FROM github.packages.auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib' AND package_version_id = '{id}'")).expect("delete");
    let out = run(
        &s,
        &format!("EXEC /*+ SHOWRESULTS */ github.packages.auth_user_versions.restore_package_version_for_authenticated_user @package_name='lib', @package_type='npm', @package_version_id='{id}';"),
    )
    .expect("exec");
    assert_eq!(out, "", "204: nothing to show");
    assert!(e.requests_of("POST").contains(&format!(
        "POST /user/packages/npm/lib/versions/{id}/restore"
    )));
    // Missing and unknown @params are named; nothing is sent.
    e.fake.clear_requests();
    let err = run(&s, "EXEC github.packages.auth_user_versions.restore_package_version_for_authenticated_user @package_name='lib', @package_type='npm'").expect_err("missing");
    assert!(
        err.starts_with("restore_package_version_for_authenticated_user needs package_version_id"),
        "{err}"
    );
    let err = run(&s, "EXEC github.packages.auth_user_versions.restore_package_version_for_authenticated_user @package_name='lib', @package_type='npm', @package_version_id=1, @force=1").expect_err("unknown");
    assert!(err.contains("has no parameter force"), "{err}");
    assert!(e.fake.requests().is_empty());
    // A method with a body shows it.
    let out = run(&s, &format!("EXEC github.packages.auth_user_versions.get_package_version_for_authenticated_user @package_name='lib', @package_type='npm', @package_version_id={id}")).expect("get");
    assert!(out.starts_with("id,name,url"), "{out}");
    assert!(out.contains(&id.to_string()), "{out}");
}

#[test]
fn dry_run_lists_and_sends_no_write() {
    let e = env(store());
    let s = session(&e, true);
    let out = run(&s, &format!("DELETE {APP} AND {UNTAGGED}")).expect("dry run");
    assert_eq!(out.lines().count(), 5, "header + 4 rows: {out}");
    let out = run(&s, "EXEC github.packages.auth_user_versions.restore_package_version_for_authenticated_user @package_name='lib', @package_type='npm', @package_version_id=1").expect("dry exec");
    assert_eq!(out, "");
    assert!(
        e.fake.requests().iter().all(|r| r.method == "GET"),
        "{:?}",
        e.requests()
    );
    let s = session(&e, false);
    let err = run(
        &s,
        "UPDATE github.packages.auth_user_versions SET name = 'x'",
    )
    .expect_err("update");
    assert!(err.ends_with("UPDATE is not supported"), "{err}");
}

#[test]
fn metadata_statements_come_from_the_document() {
    let e = env(store());
    let s = session(&e, false);
    let services = run(&s, "SHOW SERVICES IN github").expect("services");
    let lines: Vec<&str> = services.lines().collect();
    assert_eq!(lines[0], "id,name,title");
    assert_eq!(
        lines.len() - 1,
        github_sql::spec::load_embedded()
            .expect("provider")
            .services
            .len(),
        "{services}"
    );
    for line in [
        "github.packages,packages,GitHub Packages",
        "github.registry,registry,GitHub Container registry",
        "github.actions,actions,GitHub actions",
    ] {
        assert!(lines.contains(&line), "{services}");
    }
    let out = run(&s, "SHOW RESOURCES IN github.packages").expect("resources");
    assert!(
        out.contains("auth_user_versions,github.packages.auth_user_versions,"),
        "{out}"
    );
    let out = run(&s, "SHOW METHODS IN github.packages.auth_user_versions").expect("methods");
    assert!(out.contains("restore_package_version_for_authenticated_user,\"package_name, package_type, package_version_id\",EXEC"), "{out}");
    assert!(out.contains("delete_package_version_for_authenticated_user,\"package_name, package_type, package_version_id\",DELETE"), "{out}");
    let out = run(&s, "DESCRIBE github.packages.auth_user_versions").expect("describe");
    assert!(
        out.starts_with("name,type\nid,integer\nname,string\ndescription,string\n"),
        "{out}"
    );
    let out =
        run(&s, "DESCRIBE EXTENDED github.packages.auth_user_versions").expect("describe extended");
    assert!(
        out.contains("package_type,string,") && out.contains("required in WHERE"),
        "{out}"
    );
    // The same information in the extension.
    let rows = e.rows("SELECT method, sql_verb FROM github_sql_methods WHERE resource = 'auth_user_versions' ORDER BY method").expect("q");
    assert_eq!(rows.len(), 4);
    assert!(e.fake.requests().is_empty());
}

#[test]
fn tables_are_direct_only_unless_allowed() {
    let e = env(store());
    let err = e
        .conn
        .execute_batch("CREATE VIEW v AS SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib'; SELECT * FROM v;")
        .expect_err("view in the main schema");
    assert!(
        error_text(&err).contains("unsafe use of virtual table"),
        "{err}"
    );
    let n: i64 = {
        e.conn.execute_batch("CREATE TEMP VIEW tv AS SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib'").expect("temp view");
        e.conn
            .query_row("SELECT count(*) FROM tv", [], |r| r.get(0))
            .expect("temp view works")
    };
    assert_eq!(n, 3);
    let e = env_with(store(), |c| c);
    let mut engine = e.engine.clone();
    engine.allow_in_views = true;
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    conn.execute_batch("CREATE VIEW v AS SELECT * FROM auth_user_versions WHERE package_type = 'npm' AND package_name = 'lib'").expect("view");
    let n: i64 = conn
        .query_row("SELECT count(*) FROM v", [], |r| r.get(0))
        .expect("allowed");
    assert_eq!(n, 3);
}
