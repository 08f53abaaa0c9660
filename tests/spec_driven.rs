//! Tables come from the provider document alone: a test-only document with a different resource
//! (its own name, columns, enum and page size) works with no Rust written for it.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::{describe, store, TOKEN};
use github_sql::fake::FakeGitHub;
use github_sql::http::{ClientConfig, Token};
use github_sql::Engine;

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
    assert_eq!(String::from_utf8_lossy(&out.stdout), "n\n7\n");
}
