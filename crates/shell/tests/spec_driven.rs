//! Tables come from the provider document alone: a test-only document with different resources
//! (their own names, columns, enums, page size, DELETE and EXEC methods) works with no Rust
//! written for it, in the library, the shell binary and the docs generator.

#[path = "../../sqlite/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::{describe, store, TOKEN};
use github_sql::http::{ClientConfig, Token};
use github_sql::Engine;
use github_sql_fake::FakeGitHub;
use github_sql_fake::Store;

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/provider"
    ))
}

#[test]
fn a_second_resource_from_a_test_document() {
    let fake = FakeGitHub::start(store()).expect("fake");
    let provider = Arc::new(github_sql::spec::load_dir(fixture()).expect("fixture loads"));
    let engine = Engine::new(
        provider,
        ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN))),
    );
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");

    let mut stmt = conn
        .prepare(
            "SELECT * FROM tiny_versions WHERE package_type = 'npm' AND package_name = 'small'",
        )
        .expect("prepare");
    let cols: Vec<String> = stmt.column_names().map(String::from).collect();
    assert_eq!(
        cols,
        vec!["id", "name", "created_at", "package_name", "package_type"]
    );
    let names: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(1))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(names.len(), 3);
    // The document's page size (2) drives pagination: 3 versions → 2 requests.
    let reqs: Vec<String> = fake.requests().iter().map(describe).collect();
    assert_eq!(
        reqs,
        vec![
            "GET /user/packages/npm/small/versions?per_page=2",
            "GET /user/packages/npm/small/versions?per_page=2&page=2"
        ]
    );
    // The document's own enum, not the real one.
    let err = conn
        .prepare("SELECT * FROM tiny_versions WHERE package_type = 'maven' AND package_name = 'x'")
        .and_then(|mut s| s.query([]).and_then(|mut r| r.next().map(|_| ())))
        .expect_err("enum");
    assert!(
        err.to_string().contains("use one of: npm, container"),
        "{err}"
    );
    // The real resource is not in this document.
    assert!(conn.prepare("SELECT * FROM auth_user_versions").is_err());
}

#[test]
fn the_shell_takes_the_document_from_github_sql_provider_dir() {
    let out = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .args(["--demo", "exec", "-o", "csv"])
        .arg("SELECT count(*) AS n FROM github.extra.tiny_versions WHERE package_type = 'container' AND package_name = 'octo/app'")
        .env("GITHUB_SQL_PROVIDER_DIR", fixture())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let n = github_sql_fake::sample::demo_store()
        .package("container", "octo/app")
        .map(|p| p.listed(false).len())
        .unwrap_or(0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("n\n{n}\n"));
}

/// npm packages `p1`, `p2` (public) and `p3` of the organization `acme`, each with a version.
fn org_store() -> Store {
    let mut s = Store::new();
    s.add_org("acme");
    for (name, visibility) in [("p1", "private"), ("p2", "public"), ("p3", "private")] {
        s.add_package_for("acme", "npm", name)
            .set_visibility(visibility)
            .add_versions(1);
    }
    s
}

#[test]
fn a_new_style_resource_from_a_test_document() {
    let fake = FakeGitHub::start(org_store()).expect("fake");
    let provider = Arc::new(github_sql::spec::load_dir(fixture()).expect("fixture loads"));
    let engine = Engine::new(
        provider,
        ClientConfig::new(fake.base_url(), Some(Token::new(TOKEN)))
            .with_write_delay(std::time::Duration::ZERO),
    );
    let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
    github_sql::register(&conn, &engine).expect("register");
    let requests = || -> Vec<String> { fake.requests().iter().map(describe).collect() };
    let names = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).expect("prepare");
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .expect("query");
        rows.collect::<Result<_, _>>().expect("rows")
    };

    // The columns: response fields, then the required parameter org; package_name is hidden.
    let stmt = conn
        .prepare("SELECT * FROM tiny_org_packages WHERE org = 'acme' AND package_type = 'npm'")
        .expect("prepare");
    let cols: Vec<String> = stmt.column_names().map(String::from).collect();
    assert_eq!(
        cols,
        vec!["id", "name", "owner", "package_type", "visibility", "org"]
    );
    drop(stmt);

    // The list: a required query parameter and the document's page size (2).
    let all =
        names("SELECT name FROM tiny_org_packages WHERE org = 'acme' AND package_type = 'npm'");
    assert_eq!(all, vec!["p1", "p2", "p3"]);
    assert_eq!(
        requests(),
        vec![
            "GET /orgs/acme/packages?package_type=npm&per_page=2",
            "GET /orgs/acme/packages?package_type=npm&per_page=2&page=2",
        ]
    );
    // An optional query parameter that is also a field: pushed down.
    fake.clear_requests();
    let public = names("SELECT name FROM tiny_org_packages WHERE org = 'acme' AND package_type = 'npm' AND visibility = 'public'");
    assert_eq!(public, vec!["p2"]);
    assert_eq!(
        requests(),
        vec!["GET /orgs/acme/packages?package_type=npm&visibility=public&per_page=2"]
    );
    // paramFields: name = … picks the get method.
    fake.clear_requests();
    let one = names("SELECT name FROM tiny_org_packages WHERE org = 'acme' AND package_type = 'npm' AND name = 'p3'");
    assert_eq!(one, vec!["p3"]);
    assert_eq!(requests(), vec!["GET /orgs/acme/packages/npm/p3"]);
    // DELETE, then the EXEC method as a SQL function (with its optional query parameter).
    fake.clear_requests();
    let n = conn
        .execute("DELETE FROM tiny_org_packages WHERE org = 'acme' AND package_type = 'npm' AND name = 'p1'", [])
        .expect("delete");
    assert_eq!(n, 1);
    assert_eq!(requests()[1], "DELETE /orgs/acme/packages/npm/p1");
    let ok: String = conn
        .query_row("SELECT tiny_restore('npm', 'acme', 'p1', 't0k')", [], |r| {
            r.get(0)
        })
        .expect("restore");
    assert_eq!(ok, "ok");
    assert_eq!(
        requests().last().map(String::as_str),
        Some("POST /orgs/acme/packages/npm/p1/restore?token=t0k")
    );
    // Missing parameters are named from the document.
    let err = conn
        .prepare("SELECT * FROM tiny_org_packages WHERE package_type = 'npm'")
        .and_then(|mut s| s.query([]).and_then(|mut r| r.next().map(|_| ())))
        .expect_err("org missing");
    assert!(
        err.to_string()
            .contains("tiny_org_packages needs org in WHERE"),
        "{err}"
    );
}

#[test]
fn the_docs_generator_reads_any_document() {
    let provider = Arc::new(github_sql::spec::load_dir(fixture()).expect("fixture loads"));
    // Resources with examples get a page in docs/tables; every resource gets a reference page.
    let pages = github_sql_shell::commands::docs::render_all(&provider).expect("pages render");
    let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, vec!["tiny_org_packages.md"]);
    let reference = github_sql_shell::commands::docs::reference::render_reference(&provider);
    assert!(
        reference.iter().any(
            |(path, text)| path.ends_with("tiny_versions.md") && text.contains("tiny_versions")
        ),
        "{:?}",
        reference.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    let page = &pages[0].1;
    for want in [
        "# tiny_org_packages",
        "| `visibility` | TEXT | public, private or internal. |",
        "tiny_org_packages needs package_type and org in WHERE (= or IN)",
        "## Test note",
        "SELECT tiny_restore(package_type, org, package_name[, token]);",
        // The example ran against the demo data (octo-org's npm packages).
        "| design-system | public     |",
    ] {
        assert!(page.contains(want), "missing {want:?} in:\n{page}");
    }
}

#[test]
fn the_shell_runs_exec_from_a_test_document() {
    let out = Command::new(env!("CARGO_BIN_EXE_github-sql"))
        .args(["--demo", "exec", "-o", "csv"])
        .arg("EXEC github.extra.tiny_org_packages.tiny_restore @org='octo-org', @package_type='npm', @package_name='legacy-sdk'; SELECT name FROM github.extra.tiny_org_packages WHERE org = 'octo-org' AND package_type = 'npm' ORDER BY name")
        .env("GITHUB_SQL_PROVIDER_DIR", fixture())
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "name\ndesign-system\nlegacy-sdk\n"
    );
}
